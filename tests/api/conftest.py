from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from relaydesk.api.app import create_app
from relaydesk.demo import seed
from relaydesk.service.bootstrap import Container


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        await seed(container)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://relaydesk.test") as http:
            yield http


async def visitor(client: httpx.AsyncClient, lang: str = "en") -> dict[str, str]:
    response = await client.post("/api/webchat/session", json={"name": "Rina", "lang": lang})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def agent_headers(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/api/agent/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
