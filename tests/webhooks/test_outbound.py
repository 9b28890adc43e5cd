"""What leaves: each provider's documented request, checked at a local fake of its API, and
what the provider answers (ids, failures, statuses) recorded on the message."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from relaydesk.channels.registry import ChannelsConfig
from relaydesk.channels.simulate import customer_webhook
from relaydesk.clock import ManualClock
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Message
from tests.webhooks.conftest import BASE_URL, delivered, messages, post

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SID = "AC" + "0" * 32


def answer_for(channel: str, n: int) -> tuple[int, dict[str, Any]]:
    """What each provider answers a successful send with."""
    return {
        "whatsapp": (
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": "6281234500003", "wa_id": "6281234500003"}],
                "messages": [{"id": f"wamid.OUT{n}"}],
            },
        ),
        "messenger": (200, {"recipient_id": "24688012345678901", "message_id": f"m_OUT{n}"}),
        "instagram": (200, {"recipient_id": "17841455555555555", "message_id": f"m_OUT{n}"}),
        "telegram": (
            200,
            {
                "ok": True,
                "result": {
                    "message_id": 500 + n,
                    "chat": {"id": 987654321, "type": "private"},
                    "date": 1763866800,
                    "text": "x",
                },
            },
        ),
        "sms": (201, {"sid": f"SM{n:032d}", "status": "queued"}),
    }[channel]


def expected(channel: str, text: str) -> tuple[str, str, dict[str, str], Any]:
    """(path, query, headers, body) as each provider documents the send."""
    if channel == "whatsapp":
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281234500003",
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
        return (
            "/providers/graph/v26.0/100000000000001/messages",
            "",
            {
                "Authorization": "Bearer demo_whatsapp_access_token",
                "Content-Type": "application/json",
            },
            body,
        )
    if channel == "messenger":
        body = {
            "recipient": {"id": "24688012345678901"},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        }
        return (
            "/providers/graph/v26.0/200000000000002/messages",
            "access_token=demo_messenger_page_token",
            {"Content-Type": "application/json"},
            body,
        )
    if channel == "instagram":
        body = {
            "recipient": {"id": "17841455555555555"},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        }
        return (
            "/providers/graph/v26.0/me/messages",
            "access_token=demo_instagram_page_token",
            {"Content-Type": "application/json"},
            body,
        )
    if channel == "telegram":
        return (
            "/providers/telegram/bot123456:demo-telegram-bot-token/sendMessage",
            "",
            {"Content-Type": "application/json"},
            {"chat_id": 987654321, "text": text},
        )
    basic = base64.b64encode(f"{SID}:demo_twilio_auth_token".encode()).decode()
    return (
        f"/providers/twilio/2010-04-01/Accounts/{SID}/Messages.json",
        "",
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        [("To", "+6281234500004"), ("From", "+15005550006"), ("Body", text)],
    )


CUSTOMERS = {
    "whatsapp": "+6281234500003",
    "messenger": "24688012345678901",
    "instagram": "17841455555555555",
    "telegram": "987654321",
    "sms": "+6281234500004",
}


def provider(httpserver: HTTPServer, channel: str) -> list[Request]:
    """A fake of the provider's send API answering as the provider does; the requests it
    got, in order."""
    got: list[Request] = []

    def handle(request: Request) -> Response:
        got.append(request)
        status, body = answer_for(channel, len(got))
        return Response(json.dumps(body), status=status, content_type="application/json")

    httpserver.expect_request(expected(channel, "")[0], method="POST").respond_with_handler(handle)
    return got


@pytest.mark.parametrize("channel", list(CUSTOMERS))
async def test_the_bot_reply_leaves_as_the_provider_documents_and_its_id_is_kept(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    channel: str,
) -> None:
    got = provider(httpserver, channel)
    hook = customer_webhook(
        channels_config,
        channel,
        customer=CUSTOMERS[channel],
        text="where is order 48213",
        message_id="in1",
        at=AT,
        base_url=BASE_URL,
    )
    assert (await post(client, hook)).status_code == 200
    await client.get("/healthz")  # let the bot turn run
    await _settle(client, container)
    replies = await messages(container, Message.sender != "customer")
    assert replies, "the bot said nothing"
    assert len(got) == len(replies)
    for request, reply in zip(got, replies, strict=True):
        path, query, headers, body = expected(channel, reply.body)
        assert request.method == "POST"
        assert request.path == path
        assert request.query_string.decode() == query
        for name, value in headers.items():
            assert request.headers.get(name) == value, name
        if channel == "sms":
            assert parse_qsl(request.get_data(as_text=True)) == body
        else:
            assert json.loads(request.get_data()) == body
        assert reply.delivery == "sent"
    kept = [r.external_id for r in replies]
    assert kept[0] in ("wamid.OUT1", "m_OUT1", "987654321:501", "SM" + f"{1:032d}")


async def _settle(client: httpx.AsyncClient, container: Container) -> None:
    app_workers = client._transport.app.state.workers  # type: ignore[attr-defined]
    await app_workers.drain()
    await delivered(container)


async def test_a_provider_refusal_shows_on_the_message_with_its_reason(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    error = {
        "error": {
            "message": "(#131026) Message undeliverable",
            "type": "OAuthException",
            "code": 131026,
            "error_data": {"details": "Message Undeliverable."},
            "fbtrace_id": "AbC",
        }
    }
    httpserver.expect_request(expected("whatsapp", "")[0], method="POST").respond_with_json(
        error, status=400
    )
    hook = customer_webhook(
        channels_config,
        "whatsapp",
        customer=CUSTOMERS["whatsapp"],
        text="hi",
        message_id="r1",
        at=AT,
    )
    await post(client, hook)
    await _settle(client, container)
    (reply, *_) = await messages(container, Message.sender != "customer")
    assert reply.delivery == "failed"
    assert reply.delivery_error is not None and reply.delivery_error.startswith("131026: ")


async def test_a_provider_outage_is_retried_with_backoff_then_sent(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    clock: ManualClock,
) -> None:
    calls: list[int] = []

    def flaky(request: Request) -> Response:
        calls.append(1)
        if len(calls) < 3:
            return Response("upstream down", status=503)
        return Response(json.dumps(answer_for("telegram", 1)[1]), content_type="application/json")

    httpserver.expect_request(expected("telegram", "")[0], method="POST").respond_with_handler(
        flaky
    )
    hook = customer_webhook(
        channels_config,
        "telegram",
        customer=CUSTOMERS["telegram"],
        text="hi",
        message_id="o1",
        at=AT,
    )
    await post(client, hook)
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    (reply, *_) = await messages(container, Message.sender != "customer")
    for _ in range(40):
        if len(calls) >= 3:
            break
        clock.advance(timedelta(minutes=5).total_seconds())
        await _wait_for_attempt(container, reply.id)
    await delivered(container)
    (reply, *_) = await messages(container, Message.id == reply.id)
    assert len(calls) >= 3
    assert reply.delivery == "sent" and reply.external_id == "987654321:501"


async def _wait_for_attempt(container: Container, message_id: int) -> None:
    import asyncio

    from relaydesk.store.models import OutboxItem

    before = None
    for _ in range(100):
        async with container.reader() as uow:
            from sqlalchemy import select

            item = (
                await uow.session.execute(
                    select(OutboxItem).where(OutboxItem.message_id == message_id)
                )
            ).scalar_one()
            if before is None:
                before = item.attempts
            if item.attempts != before or item.status == "sent":
                return
        await asyncio.sleep(0.05)
