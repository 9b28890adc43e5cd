# ruff: noqa: E501
"""The outbox sender: order, split replies, its retry budget, and values a provider sends too long."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from relaydesk.channels.base import CustomerMessage, DeliveryStatus, IdentityKind, Sender
from relaydesk.service import delivery, inbound
from relaydesk.service.conversations import append_message, get_conversation
from relaydesk.service.delivery import LEASE_S, MAX_ATTEMPTS, OutboxSender
from relaydesk.store.models import Message, OutboxItem

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def customer(c, channel="telegram", ext="5:1"):
    kind, value, address = {
        "telegram": (IdentityKind.TELEGRAM, "5", "5"),
        "whatsapp": (IdentityKind.PHONE, "+6281234500003", "6281234500003"),
    }[channel]
    msg = CustomerMessage(external_id=ext, sender=Sender(kind, value, address, "R"), text="hello")
    accepted = await inbound.receive_from_channel(c, channel, msg, bot_turn=False)
    return accepted.conversation_id


async def say(c, conversation_id, *texts):
    async with c.uow() as uow:
        conv = await get_conversation(uow, conversation_id, for_update=True)
        for t in texts:
            await append_message(uow, conv, "agent", t)
        await uow.commit()


def tg_ok(n):
    return httpx.Response(
        200, json={"ok": True, "result": {"message_id": n, "chat": {"id": 5, "type": "private"}}}
    )


async def test_one_customers_messages_keep_their_order_across_a_retry(container, clock):
    cid = await customer(container)
    await say(container, cid, "one", "two")
    sent = []
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(502)
        sent.append(json.loads(request.content)["text"])
        return tg_ok(calls["n"])

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    await sender.deliver_due()
    clock.advance(30)
    await sender.deliver_due()
    print("customer received, in order:", sent)
    assert sent == ["one", "two"], sent


async def _no_wait(*a, **k):
    return None


async def test_a_split_reply_resumes_after_the_parts_already_sent(container, clock):
    cid = await customer(container)
    await say(container, cid, ("a" * 4000 + "\n\n") + "b" * 200)
    sent = []
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        text = json.loads(request.content)["text"]
        if calls["n"] == 2:
            return httpx.Response(502)
        sent.append(text[:1] + str(len(text)))
        return tg_ok(calls["n"])

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    await sender.deliver_due()
    clock.advance(30)
    await sender.deliver_due()
    print("parts the customer received:", sent)
    assert sent == ["a4000", "b200"], sent


async def test_a_status_that_beats_the_send_answer_is_applied(container, clock):
    cid = await customer(container, "whatsapp", "wamid.IN1")
    await say(container, cid, "hello there")
    moved = []

    async def handler(request):
        # Meta answers the send, and its "failed" status webhook reaches us before the
        # sender's _record commits the provider id.
        moved.append(
            await delivery.apply_status(
                container,
                "whatsapp",
                DeliveryStatus("wamid.OUT1", "failed", error="131026: Message undeliverable"),
            )
        )
        return httpx.Response(200, json={"messages": [{"id": "wamid.OUT1"}]})

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    await sender.deliver_due()
    async with container.reader() as uow:
        m = (
            await uow.session.execute(select(Message).where(Message.external_id == "wamid.OUT1"))
        ).scalar_one()
    print("status moved:", moved, "delivery shown:", m.delivery, m.delivery_error)
    assert m.delivery == "failed"


async def test_a_long_provider_error_is_recorded_and_the_row_ends(container, clock):
    cid = await customer(container)
    await say(container, cid, "hi")
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        return httpx.Response(
            400, json={"ok": False, "error_code": 400, "description": "Bad Request: " + "x" * 600}
        )

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    errors = 0
    for _ in range(MAX_ATTEMPTS + 3):
        try:
            await sender.deliver_due()
        except Exception:  # the run loop logs "outbox round failed" and goes on
            errors += 1
        clock.advance(LEASE_S + 1)
    async with container.reader() as uow:
        row = (await uow.session.execute(select(OutboxItem))).scalar_one()
    print(
        "provider called",
        calls["n"],
        "times; round errors",
        errors,
        "row",
        row.status,
        row.attempts,
    )
    assert calls["n"] == 1 and row.status == "failed"


async def test_a_subject_with_an_encoded_newline_does_not_stop_replies(client, container, clock):
    from relaydesk.channels.demo import EMAIL_SECRET

    raw = (
        b"From: Rina <rina@customers.example>\r\nTo: support@shop.example\r\n"
        b"Message-ID: <nl1@customers.example>\r\nSubject: =?utf-8?q?Order_48213=0D=0Alate?=\r\n\r\nwhere is my order\r\n"
    )
    r = await client.post(
        "/webhooks/email",
        content=raw,
        headers={"authorization": f"Bearer {EMAIL_SECRET}", "content-type": "message/rfc822"},
    )
    assert r.status_code == 200
    async with container.reader() as uow:
        m = (
            await uow.session.execute(
                select(Message).where(Message.external_id == "nl1@customers.example")
            )
        ).scalar_one()
        cid = m.conversation_id
    await say(container, cid, "we are on it")
    sender = OutboxSender(container)
    sender.limits.wait = _no_wait
    errors = []
    for _ in range(3):
        try:
            await sender.deliver_due()
        except Exception as e:
            errors.append(repr(e)[:120])
        clock.advance(LEASE_S + 1)
    async with container.reader() as uow:
        rows = list(
            (
                await uow.session.execute(select(OutboxItem).where(OutboxItem.channel == "email"))
            ).scalars()
        )
    print("errors:", errors, [(r.status, r.attempts, r.last_error) for r in rows])
    assert not errors
