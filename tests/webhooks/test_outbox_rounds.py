# ruff: noqa
"""The outbox sender across rounds: order kept without holding others up, statuses that race the record, a record that fails after the provider took the message."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select, update

from relaydesk.channels.base import CustomerMessage, DeliveryStatus, IdentityKind, Sender
from relaydesk.service import delivery, inbound
from relaydesk.service.conversations import append_message, get_conversation
from relaydesk.service.delivery import BATCH, LEASE_S, MAX_ATTEMPTS, OutboxSender
from relaydesk.store.models import Message, OutboxItem


async def tg_customer(c, chat: str):
    msg = CustomerMessage(
        external_id=f"{chat}:1", sender=Sender(IdentityKind.TELEGRAM, chat, chat, "R"), text="hello"
    )
    return (await inbound.receive_from_channel(c, "telegram", msg, bot_turn=False)).conversation_id


async def say(c, cid, *texts):
    async with c.uow() as uow:
        conv = await get_conversation(uow, cid, for_update=True)
        for t in texts:
            await append_message(uow, conv, "agent", t)
        await uow.commit()


async def _no_wait(*a, **k):
    return None


def tg_ok(n, chat=5):
    return httpx.Response(
        200, json={"ok": True, "result": {"message_id": n, "chat": {"id": chat, "type": "private"}}}
    )


async def test_one_backing_off_customer_does_not_hold_up_the_others(container, clock):
    """A customer whose first message backs off, with BATCH more queued behind it, fills
    every claim's LIMIT with rows _first_in_line then drops: nobody else is ever sent."""
    a = await tg_customer(container, "5")
    b = await tg_customer(container, "6")
    await say(container, a, *[f"a{i}" for i in range(BATCH + 1)])
    await say(container, b, "for b")
    sent_to = []

    def handler(request):
        body = json.loads(request.content)
        sent_to.append(body["chat_id"])
        if body["chat_id"] == 5:
            return httpx.Response(
                429,
                json={
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests",
                    "parameters": {"retry_after": 30},
                },
            )
        return tg_ok(len(sent_to), 6)

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    await sender.deliver_due()  # a0 -> 429, retried in >= 30 s; a1..a100 released
    for _ in range(5):  # 5 more rounds within the back-off
        clock.advance(2)
        await sender.deliver_due()
    print("provider calls by chat:", sent_to)
    assert 6 in sent_to, "customer B's message never left while A backs off"


async def wa_customer(c):
    msg = CustomerMessage(
        external_id="wamid.IN1",
        sender=Sender(IdentityKind.PHONE, "+6281234500003", "6281234500003", "R"),
        text="hello",
    )
    return (await inbound.receive_from_channel(c, "whatsapp", msg, bot_turn=False)).conversation_id


async def test_a_status_that_races_the_record_is_applied(container, clock, monkeypatch):
    """Meta's "failed" webhook arrives, in another transaction, while _record is writing the
    id it belongs to: whichever commits first, the message ends failed."""
    import asyncio

    cid = await wa_customer(container)
    await say(container, cid, "hello there")
    real = delivery._early_statuses
    racing: list[asyncio.Task] = []

    async def interleaved(uow, channel, message):
        racing.append(
            asyncio.create_task(
                delivery.apply_status(
                    container,
                    "whatsapp",
                    DeliveryStatus("wamid.OUT1", "failed", error="131026: undeliverable"),
                )
            )
        )
        await asyncio.sleep(0.2)  # the status handler runs now, beside this transaction
        await real(uow, channel, message)

    monkeypatch.setattr(delivery, "_early_statuses", interleaved)

    def handler(request):
        return httpx.Response(200, json={"messages": [{"id": "wamid.OUT1"}]})

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    await sender.deliver_due()
    await asyncio.gather(*racing)
    async with container.reader() as uow:
        m = (
            await uow.session.execute(select(Message).where(Message.external_id == "wamid.OUT1"))
        ).scalar_one()
    assert m.delivery == "failed"


async def test_a_recording_error_after_the_provider_took_the_message_does_not_send_it_again(
    container, clock, monkeypatch
):
    """_send_safely cannot tell 'failed before the provider' from 'failed recording what the
    provider accepted': one transient DB error in _record re-queues an already-sent message."""
    from sqlalchemy.exc import OperationalError

    cid = await tg_customer(container, "5")
    await say(container, cid, "your refund is on its way")
    real = delivery._early_statuses
    calls = {"early": 0, "posts": 0}

    async def flaky(uow, channel, message):
        calls["early"] += 1
        if calls["early"] == 1:
            raise OperationalError(
                "UPDATE messages ...",
                {},
                Exception("could not serialize access / connection reset"),
            )
        await real(uow, channel, message)

    monkeypatch.setattr(delivery, "_early_statuses", flaky)

    def handler(request):
        calls["posts"] += 1
        return tg_ok(calls["posts"])

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    for _ in range(3):
        await sender.deliver_due()
        clock.advance(10)
    print("the customer got the message", calls["posts"], "times")
    assert calls["posts"] == 1


async def test_a_whatsapp_outage_does_not_stall_other_channels(container, clock):
    """50 WhatsApp customers with 3 replies each; Meta answers 500: their first rows back
    off, the 100 rows behind them fill every claim, and a Telegram customer waits."""
    for n in range(50):
        phone = f"+62812345{n:05d}"
        msg = CustomerMessage(
            external_id=f"wamid.in{n}",
            sender=Sender(IdentityKind.PHONE, phone, phone.lstrip("+"), "C"),
            text="hi",
        )
        cid = (
            await inbound.receive_from_channel(container, "whatsapp", msg, bot_turn=False)
        ).conversation_id
        await say(container, cid, "one", "two", "three")
    tg = await tg_customer(container, "6")
    await say(container, tg, "your order shipped")
    seen = []
    urls = set()

    def handler(request):
        urls.add(str(request.url).split("/providers/")[-1][:20])
        if "telegram" in str(request.url) or "/bot" in str(request.url):
            seen.append("telegram")
            return tg_ok(1, 6)
        return httpx.Response(
            500, json={"error": {"message": "Service temporarily unavailable", "code": 2}}
        )

    sender = OutboxSender(container, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    sender.limits.wait = _no_wait
    for _ in range(6):
        await sender.deliver_due()
        clock.advance(1)
    print("telegram sends:", seen, "urls called:", urls)
    assert seen, "the Telegram customer's reply is stuck behind WhatsApp's back-off"
