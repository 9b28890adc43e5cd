from __future__ import annotations

import asyncio

from sqlalchemy import select

from relaydesk.channels.base import CustomerMessage, IdentityKind, Sender
from relaydesk.service import inbound
from relaydesk.store.models import Conversation


def wa(ext, text):
    return CustomerMessage(
        external_id=ext,
        sender=Sender(IdentityKind.PHONE, "+6281234500003", "6281234500003", None),
        text=text,
    )


async def test_two_first_messages_on_a_new_channel_make_one_conversation(container):
    # The customer is known (wrote by SMS before); their first two WhatsApp messages
    # arrive in two webhooks at once.
    sms = CustomerMessage(
        external_id="SM1",
        sender=Sender(IdentityKind.PHONE, "+6281234500003", "+6281234500003"),
        text="hi",
    )
    await inbound.receive_from_channel(container, "sms", sms, bot_turn=False)
    results = await asyncio.gather(
        *(
            inbound.receive_from_channel(
                container, "whatsapp", wa(f"wamid.R{i}", f"part {i}"), bot_turn=False
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    async with container.reader() as uow:
        convs = list(
            (
                await uow.session.execute(
                    select(Conversation).where(Conversation.channel == "whatsapp")
                )
            ).scalars()
        )
    print(
        "results",
        [getattr(r, "conversation_id", r) for r in results],
        "whatsapp conversations:",
        len(convs),
    )
    assert len(convs) == 1


async def test_two_first_messages_at_once_widened_make_one_conversation(container, monkeypatch):
    from relaydesk.service import contacts

    real = contacts.current_conversation
    made = []

    async def slow(uow, contact, channel, **kw):
        r = await real(uow, contact, channel, **kw)
        made.append((channel, r.id if r else None))
        await asyncio.sleep(0.2)
        return r

    monkeypatch.setattr(contacts, "current_conversation", slow)
    sms = CustomerMessage(
        external_id="SM1",
        sender=Sender(IdentityKind.PHONE, "+6281234500003", "+6281234500003"),
        text="hi",
    )
    await inbound.receive_from_channel(container, "sms", sms, bot_turn=False)
    made.clear()
    results = await asyncio.gather(
        *(
            inbound.receive_from_channel(
                container, "whatsapp", wa(f"wamid.R{i}", f"part {i}"), bot_turn=False
            )
            for i in range(2)
        ),
        return_exceptions=True,
    )
    async with container.reader() as uow:
        convs = list(
            (
                await uow.session.execute(
                    select(Conversation).where(Conversation.channel == "whatsapp")
                )
            ).scalars()
        )
    print(
        "made",
        made,
        "results",
        [getattr(r, "conversation_id", r) for r in results],
        "whatsapp conversations:",
        len(convs),
    )
    assert len(convs) == 1
