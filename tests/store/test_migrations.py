"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from relaydesk.settings import to_async_url
from relaydesk.store.db import alembic_config, create_engine, migrate
from relaydesk.store.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_models_and_are_idempotent(database_url: str) -> None:
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: Base.metadata.drop_all(c))
            await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await migrate(engine)
        await migrate(engine)  # a second start changes nothing
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert {"conversations", "messages", "events", "queue_entries"} <= tables
            version = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar()
            assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar() == 2
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await engine.dispose()


async def test_upgrading_an_older_database_keeps_its_conversations(database_url: str) -> None:
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: Base.metadata.drop_all(c))
            await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await migrate(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO contacts (id, tier, attributes, created_at)"
                    " VALUES (1, 'standard', '{}', '2026-11-23 03:00:00');"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO conversations (id, contact_id, channel, status, lang, bot_memory,"
                    " history, last_seq, created_at, updated_at) VALUES ('c1', 1, 'webchat',"
                    " 'bot', 'en', '{}', '[]', 1, '2026-11-23 03:00:00', '2026-11-23 03:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, seq, channel, sender, body, masked,"
                    " handled, created_at) VALUES ('c1', 1, 'webchat', 'customer', 'hello',"
                    " '[]', true, '2026-11-23 03:00:00')"
                )
            )
            # A case waiting in a queue at the upgrade: it keeps its place.
            await connection.execute(
                text(
                    "INSERT INTO handovers (id, conversation_id, team, priority, reasons, brief,"
                    " requested_at) VALUES (1, 'c1', 'billing', 'high', '[]', '{}',"
                    " '2026-11-23 03:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO queue_entries (conversation_id, handover_id, team,"
                    " priority_rank, enqueued_at) VALUES ('c1', 1, 'billing', 2,"
                    " '2026-11-23 03:00:00')"
                )
            )
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT body, sender_name FROM messages"))).all()
            assert [tuple(r) for r in rows] == [("hello", None)]
            key, needs = (
                await connection.execute(text("SELECT sort_key, needs FROM queue_entries"))
            ).one()
            arrived = datetime(2026, 11, 23, 3, tzinfo=UTC).timestamp()
            assert key == arrived - 2 * 300  # a high case's head start: two aging steps
            needs = json.loads(needs) if isinstance(needs, str) else needs
            assert needs == {
                "language": "en",
                "channel": "webchat",
                "topic": None,
                "tier": "standard",
            }
    finally:
        await engine.dispose()
