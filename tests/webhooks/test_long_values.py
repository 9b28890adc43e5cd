from __future__ import annotations

from datetime import UTC, datetime

from relaydesk.channels import mail
from relaydesk.channels.base import CustomerMessage, IdentityKind, Sender
from relaydesk.service import inbound
from relaydesk.service.conversations import append_message, get_conversation

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def test_long_bounce_diagnostic(client, container, channels_config):
    msg = CustomerMessage(
        external_id="c1@customers.example",
        sender=Sender(IdentityKind.EMAIL, "rina@customers.example", "rina@customers.example"),
        text="hello",
    )
    acc = await inbound.receive_from_channel(container, "email", msg, bot_turn=False)
    async with container.uow() as uow:
        conv = await get_conversation(uow, acc.conversation_id, for_update=True)
        m = await append_message(uow, conv, "agent", "reply")
        m.external_id = "ours-1@shop.example"
        m.delivery = "sent"
        await uow.commit()
    raw = mail.raw_bounce(
        channels_config.email,
        original_message_id="ours-1@shop.example",
        recipient="rina@customers.example",
        at=AT,
        diagnostic="550 5.7.1 " + "Remote server returned a long explanation. " * 14,
    )
    r = await client.post(
        "/webhooks/email",
        content=raw,
        headers={"authorization": "Bearer demo_email_secret", "content-type": "message/rfc822"},
    )
    print("bounce answered", r.status_code)
    assert r.status_code == 200
