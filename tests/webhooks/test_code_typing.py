# ruff: noqa
"""A code typed back with a full stop (or in a sentence) is still a code: masked, never published in clear."""

from __future__ import annotations

import re

from sqlalchemy import select

from relaydesk.store.models import Message, OutboxItem
from tests.api.conftest import client, visitor  # noqa: F401
from tests.api.test_contacts_api import container, owner_on_whatsapp  # noqa: F401
from tests.service.test_identity import OWNER


async def test_a_code_typed_with_a_full_stop_is_a_code_and_masked(client, container):
    await owner_on_whatsapp(container, "hello")
    vh = await visitor(client)
    r = await client.post("/api/webchat/verify", json={"value": OWNER}, headers=vh)
    assert r.status_code == 200, r.text
    async with container.reader() as uow:
        row = (
            (await uow.session.execute(select(OutboxItem).order_by(OutboxItem.id.desc())))
            .scalars()
            .first()
        )
        code = re.search(r"\d{6}", row.payload["text"]).group(0)
    sent = await client.post(
        "/api/webchat/messages", json={"client_id": "c1", "text": f"{code}."}, headers=vh
    )
    assert sent.status_code == 200, sent.text
    async with container.reader() as uow:
        bodies = list(
            (
                await uow.session.execute(select(Message.body).where(Message.sender == "customer"))
            ).scalars()
        )
    print("stored customer bodies:", bodies)
    assert all(code not in b for b in bodies)
