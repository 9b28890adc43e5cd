"""Messaging windows on the desk (WhatsApp 24 h and templates, Messenger's HUMAN_AGENT tag)
and providers' delivery reports moving our messages forward, never back."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update

from relaydesk.channels import messenger, sms, whatsapp
from relaydesk.channels.registry import ChannelsConfig
from relaydesk.channels.simulate import customer_webhook
from relaydesk.clock import ManualClock
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Conversation, Message
from tests.api.conftest import agent_headers
from tests.webhooks.conftest import BASE_URL, delivered, messages, post
from tests.webhooks.test_outbound import CUSTOMERS, provider

DEWI = ("dewi@demo.relaydesk", "demo-dewi")
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def _customer_wrote_ago(container: Container, age: timedelta) -> None:
    """The customer's last message was `age` ago (rather than moving the clock, which would
    also end Dewi's session and presence)."""
    async with container.uow() as uow:
        await uow.session.execute(
            update(Message).where(Message.sender == "customer").values(created_at=uow.now - age)
        )
        await uow.commit()


async def _with_dewi(
    client: httpx.AsyncClient, container: Container, config: ChannelsConfig, channel: str
) -> tuple[dict[str, str], str]:
    """A customer on `channel` who asked for a person, accepted by Dewi."""
    hook = customer_webhook(
        config,
        channel,
        customer=CUSTOMERS[channel],
        text="I want to talk to a real person",
        message_id="h1",
        at=AT,
        base_url=BASE_URL,
    )
    assert (await post(client, hook)).status_code == 200
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    (first, *_) = await messages(container, Message.sender == "customer")
    dewi = await agent_headers(client, *DEWI)
    accepted = await client.post(
        f"/api/agent/conversations/{first.conversation_id}/accept", headers=dewi
    )
    assert accepted.status_code == 200, accepted.text
    return dewi, first.conversation_id


async def test_whatsapp_after_24_hours_refuses_free_text_and_offers_the_templates(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    clock: ManualClock,
) -> None:
    got = provider(httpserver, "whatsapp")
    dewi, conversation_id = await _with_dewi(client, container, channels_config, "whatsapp")
    url = f"/api/agent/conversations/{conversation_id}"
    assert (
        await client.post(f"{url}/messages", json={"text": "Hi, Dewi here"}, headers=dewi)
    ).status_code == 200
    detail = (await client.get(url, headers=dewi)).json()
    assert detail["reply_window"] == {
        "allowed": True, "reason": None, "template_required": False, "templates": [],
    }  # fmt: skip
    await _customer_wrote_ago(container, timedelta(hours=24, minutes=1))
    window = (await client.get(url, headers=dewi)).json()["reply_window"]
    assert not window["allowed"] and window["template_required"]
    assert [t["name"] for t in window["templates"]] == ["case_follow_up"]
    late = await client.post(f"{url}/messages", json={"text": "Still there?"}, headers=dewi)
    assert late.status_code == 409, late.text
    error = late.json()["error"]
    assert error["code"] == "outside_window"
    assert "24 hours" in error["message"]
    assert [t["name"] for t in error["details"]["templates"]] == ["case_follow_up"]
    assert not await messages(container, Message.body == "Still there?")  # refused, not stored
    wrong = await client.post(
        f"{url}/template", json={"name": "case_follow_up", "params": ["Rina"]}, headers=dewi
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "params"
    sent = await client.post(
        f"{url}/template", json={"name": "case_follow_up", "params": ["Rina", "Dewi"]}, headers=dewi
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["text"].startswith("Hi Rina, this is Dewi from support")
    await delivered(container)
    body = json.loads(got[-1].get_data())
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234500003",
        "type": "template",
        "template": {
            "name": "case_follow_up",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Rina"},
                        {"type": "text", "text": "Dewi"},
                    ],
                }
            ],
        },
    }


async def test_messenger_agent_replies_after_24_hours_carry_the_human_agent_tag_until_7_days(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    clock: ManualClock,
) -> None:
    got = provider(httpserver, "messenger")
    dewi, conversation_id = await _with_dewi(client, container, channels_config, "messenger")
    url = f"/api/agent/conversations/{conversation_id}/messages"
    await _customer_wrote_ago(container, timedelta(days=2))
    assert (
        await client.post(url, json={"text": "Sorry for the wait"}, headers=dewi)
    ).status_code == 200
    await delivered(container)
    body = json.loads(got[-1].get_data())
    assert body == {
        "recipient": {"id": CUSTOMERS["messenger"]},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sorry for the wait"},
    }
    await _customer_wrote_ago(container, timedelta(days=7, minutes=1))
    late = await client.post(url, json={"text": "Hello?"}, headers=dewi)
    assert late.status_code == 409 and late.json()["error"]["code"] == "outside_window"


async def test_statuses_move_a_message_forward_and_a_late_delivered_never_undoes_read(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    provider(httpserver, "whatsapp")
    config = channels_config.whatsapp
    assert config is not None
    hook = customer_webhook(
        channels_config,
        "whatsapp",
        customer=CUSTOMERS["whatsapp"],
        text="hi",
        message_id="s1",
        at=AT,
    )
    await post(client, hook)
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)
    (reply, *_) = await messages(container, Message.sender == "bot")
    assert reply.external_id == "wamid.OUT1" and reply.delivery == "sent"
    for status in ("read", "delivered", "sent"):
        report = whatsapp.signed_status(
            config, message_id="wamid.OUT1", status=status, recipient="6281234500003", at=AT
        )
        assert (await post(client, report)).status_code == 200
    (reply,) = await messages(container, Message.id == reply.id)
    assert reply.delivery == "read"


async def test_a_failed_status_shows_the_reason_and_a_status_for_an_unknown_id_is_harmless(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    provider(httpserver, "sms")
    config = channels_config.sms
    assert config is not None
    hook = customer_webhook(
        channels_config,
        "sms",
        customer=CUSTOMERS["sms"],
        text="hi",
        message_id="f1",
        at=AT,
        base_url=BASE_URL,
    )
    await post(client, hook)
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)
    (reply, *_) = await messages(container, Message.sender == "bot")
    report = sms.signed_status(
        config,
        message_sid=reply.external_id or "",
        status="undelivered",
        error_code="30003",
        url=f"{BASE_URL}/webhooks/sms",
    )
    assert (await post(client, report)).status_code == 200
    (reply,) = await messages(container, Message.id == reply.id)
    assert reply.delivery == "failed"
    assert reply.delivery_error is not None and reply.delivery_error.startswith("30003: ")
    stranger = sms.signed_status(
        config, message_sid="SM" + "f" * 32, status="delivered", url=f"{BASE_URL}/webhooks/sms"
    )
    assert (await post(client, stranger)).status_code == 200


async def test_a_messenger_read_watermark_marks_everything_sent_before_it_read(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    clock: ManualClock,
) -> None:
    provider(httpserver, "messenger")
    config = channels_config.messenger
    assert config is not None
    hook = customer_webhook(
        channels_config,
        "messenger",
        customer=CUSTOMERS["messenger"],
        text="hi",
        message_id="w1",
        at=AT,
    )
    await post(client, hook)
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)
    clock.advance(5)
    read = messenger.signed_read(config, recipient_id=CUSTOMERS["messenger"], at=clock.now())
    assert (await post(client, read)).status_code == 200
    replies = await messages(container, Message.sender != "customer")
    assert replies and {r.delivery for r in replies} == {"read"}


async def test_are_you_still_there_has_a_button_and_pressing_it_keeps_the_place(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
    clock: ManualClock,
) -> None:
    got = provider(httpserver, "whatsapp")
    config = channels_config.whatsapp
    assert config is not None
    ask = customer_webhook(
        channels_config, "whatsapp", customer=CUSTOMERS["whatsapp"],
        text="I want to talk to a real person", message_id="c1", at=AT, base_url=BASE_URL,
    )  # fmt: skip
    await post(client, ask)
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)
    before = len(got)
    clock.advance(timedelta(minutes=11).total_seconds())  # nobody online: silent too long
    for _ in range(100):
        await delivered(container)
        if len(got) > before:
            break
        await asyncio.sleep(0.05)
    body = json.loads(got[-1].get_data())
    assert body["type"] == "interactive"
    assert body["interactive"]["type"] == "button"
    (button,) = body["interactive"]["action"]["buttons"]
    assert button == {"type": "reply", "reply": {"id": "still_here", "title": "I'm still here"}}
    press = whatsapp.signed_webhook(
        config, from_phone=CUSTOMERS["whatsapp"], text="", message_id="wamid.press", at=AT,
        button=("still_here", "I'm still here"),
    )  # fmt: skip
    assert (await post(client, press)).status_code == 200
    (pressed,) = await messages(container, Message.external_id == "wamid.press")
    assert pressed.body == "I'm still here" and pressed.meta["button"] == "still_here"
    clock.advance(timedelta(minutes=3).total_seconds())  # past the answer's deadline
    await asyncio.sleep(1.5)  # a scheduler tick
    (conversation,) = await messages(container, Message.external_id == "wamid.press")
    async with container.reader() as uow:
        status = (
            await uow.session.execute(
                select(Conversation.status).where(Conversation.id == conversation.conversation_id)
            )
        ).scalar_one()
    assert status == "queued"  # kept their place: not abandoned
