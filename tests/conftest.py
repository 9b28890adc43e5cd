"""Shared fixtures. Service tests run on SQLite, and on PostgreSQL when
RELAYDESK_TEST_POSTGRES_URL is set; Redis tests need RELAYDESK_TEST_REDIS_URL.

Without those servers the tests skip with a message saying so; under CI (CI=true) a
missing server is an error, so CI can never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from relaydesk.clock import ManualClock
from relaydesk.service import admin
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("RELAYDESK_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("RELAYDESK_TEST_REDIS_URL", "")
START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def require(condition: bool, message: str) -> None:
    """Skip on a laptop without the server; fail under CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{message} (CI=true: this test must run, not skip)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback only (STYLE habit 10)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and address and isinstance(address[0], str):
            host = address[0]
            if host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("127."):
                raise RuntimeError(f"tests may not reach {host}: outbound network is blocked")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server for this run, dropped at the end."""
    require(bool(POSTGRES_URL), "PostgreSQL tests need RELAYDESK_TEST_POSTGRES_URL")
    import asyncpg

    name = f"relaydesk_test_{uuid.uuid4().hex[:10]}"
    admin_url = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relaydesk.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


async def _truncate(c: Container) -> None:
    if c.engine.dialect.name != "postgresql":
        return
    from relaydesk.store.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with c.engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def container(settings: Settings, clock: ManualClock) -> AsyncIterator[Container]:
    c = bootstrap(settings, clock=clock)
    await c.start()
    await _truncate(c)
    await admin.ensure_teams(c)
    try:
        yield c
    finally:
        await c.stop()
