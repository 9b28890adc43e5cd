"""Every channel on, with the demo secrets, its provider API at a local fake server
(pytest-httpserver) that checks the exact requests we send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from relaydesk.api.app import create_app
from relaydesk.channels.base import SignedWebhook
from relaydesk.channels.demo import demo_config
from relaydesk.channels.registry import Channels, ChannelsConfig
from relaydesk.clock import ManualClock
from relaydesk.demo import seed
from relaydesk.service import admin
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.settings import Settings
from relaydesk.store.models import Message, OutboxItem
from tests.conftest import _truncate

BASE_URL = "http://relaydesk.test"


@pytest.fixture
def channels_config(httpserver: HTTPServer) -> ChannelsConfig:
    return demo_config(httpserver.url_for("/providers").rstrip("/"), listen_port=0)


@pytest.fixture
async def container(
    settings: Settings, clock: ManualClock, channels_config: ChannelsConfig
) -> AsyncIterator[Container]:
    c = bootstrap(settings, clock=clock, channels=Channels(channels_config))
    await c.start()
    await _truncate(c)
    await admin.ensure_teams(c)
    try:
        yield c
    finally:
        await c.stop()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        await seed(container)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield http
        await app.state.workers.drain()


async def post(client: httpx.AsyncClient, hook: SignedWebhook, **changes: Any) -> httpx.Response:
    headers = {**hook.headers, **changes.pop("headers", {})}
    body = changes.pop("body", hook.body)
    return await client.request(
        hook.method, hook.path, headers=headers, content=body, params=hook.query or None
    )


async def count(c: Container, model: Any, *where: Any) -> int:
    async with c.reader() as uow:
        return int(
            (
                await uow.session.execute(select(func.count()).select_from(model).where(*where))
            ).scalar_one()
        )


async def delivered(c: Container, timeout_s: float = 10.0) -> None:
    """Wait until the outbox has nothing pending or in flight (the app's sender works it)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await count(c, OutboxItem, OutboxItem.status.in_(("pending", "sending"))):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the outbox was not worked in time")
        await asyncio.sleep(0.05)


async def messages(c: Container, *where: Any) -> list[Message]:
    async with c.reader() as uow:
        query = select(Message).where(*where).order_by(Message.id)
        return list((await uow.session.execute(query)).scalars())
