# ruff: noqa
"""A message that arrives while its contact is being merged lands on the live contact."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from relaydesk.channels.base import CustomerMessage, IdentityKind, Sender
from relaydesk.service import identity, inbound
from relaydesk.store.models import Contact, Conversation


async def tg(c, chat, ext, text="hello"):
    msg = CustomerMessage(
        external_id=ext, sender=Sender(IdentityKind.TELEGRAM, chat, chat, "R"), text=text
    )
    return await inbound.receive_from_channel(c, "telegram", msg, bot_turn=False)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite: one writer
async def test_a_message_during_a_merge_lands_on_the_live_contact(container):
    s_conv = (await tg(container, "7", "7:1")).conversation_id
    await tg(container, "8", "8:1")
    async with container.reader() as uow:
        s_id = (await uow.session.get(Conversation, s_conv)).contact_id
        t_id = (
            await uow.session.execute(select(Contact.id).where(Contact.id != s_id))
        ).scalar_one()
    # The agent's merge of S into T, in flight (both rows locked, not committed yet).
    async with container.uow() as uow:
        locked = await identity._lock_contacts(uow, s_id, t_id)
        await identity._merge(uow, locked[s_id], locked[t_id], method="agent", agent_id=None)
        # S writes again meanwhile: the webhook reads S's identity, then waits on S's lock.
        arriving = asyncio.create_task(tg(container, "7", "7:2", "are you there?"))
        await asyncio.sleep(0.5)
        await uow.commit()
    accepted = await arriving
    async with container.reader() as uow:
        conv = await uow.session.get(Conversation, accepted.conversation_id)
        owner = await uow.session.get(Contact, conv.contact_id)
    print(
        "the new message's conversation",
        conv.id,
        "is on contact",
        owner.id,
        "merged_into",
        owner.merged_into_id,
        "| same conversation as before:",
        conv.id == s_conv,
    )
    assert owner.merged_into_id is None, (
        "stored on a merged-away contact: not in T's timeline, not in T's cases"
    )
