"""What follows an inbound message at the provider: WhatsApp media sizes looked up,
Telegram button presses answered; and a one-time code that leaves no copy behind."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from relaydesk.channels import meta, telegram
from relaydesk.channels.registry import ChannelsConfig
from relaydesk.channels.simulate import customer_webhook
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Attachment, OutboxItem
from tests.api.conftest import visitor
from tests.webhooks.conftest import BASE_URL, delivered, post
from tests.webhooks.test_outbound import provider

FIXTURES = Path(__file__).parent.parent / "channels" / "fixtures" / "whatsapp"
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def _round(client: httpx.AsyncClient, container: Container) -> None:
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)


async def test_a_whatsapp_image_gets_its_size_from_the_media_endpoint(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    provider(httpserver, "whatsapp")
    media = {
        "messaging_product": "whatsapp",
        "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256",
        "mime_type": "image/jpeg",
        "sha256": "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=",
        "file_size": "48213",
        "id": "1003383421387256",
    }
    lookup = httpserver.expect_request(
        "/providers/graph/v26.0/1003383421387256",
        method="GET",
        headers={"Authorization": "Bearer demo_whatsapp_access_token"},
    )
    lookup.respond_with_json(media)
    body = (FIXTURES / "image.json").read_bytes()
    assert channels_config.whatsapp is not None
    secret = channels_config.whatsapp.app_secret.get_secret_value()
    signed = {meta.SIGNATURE_HEADER: meta.signature(secret, body)}
    answer = await client.post("/webhooks/whatsapp", content=body, headers=signed)
    assert answer.status_code == 200
    for _ in range(100):
        async with container.reader() as uow:
            (row,) = (await uow.session.execute(select(Attachment))).scalars()
        if row.size is not None:
            break
        await _round(client, container)
    assert (row.kind, row.mime_type, row.size) == ("image", "image/jpeg", 48213)


async def test_a_telegram_button_press_is_answered_so_its_spinner_stops(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    provider(httpserver, "telegram")
    answered: list[dict[str, object]] = []
    path = "/providers/telegram/bot123456:demo-telegram-bot-token/answerCallbackQuery"

    def handle(request):  # type: ignore[no-untyped-def]
        from werkzeug import Response

        answered.append(json.loads(request.get_data()))
        return Response('{"ok":true,"result":true}', content_type="application/json")

    httpserver.expect_request(path, method="POST").respond_with_handler(handle)
    assert channels_config.telegram is not None
    press = telegram.signed_webhook(
        channels_config.telegram, user_id=987654321, text="Yes", message_id=41, update_id=9001,
        first_name="Rina", at=AT, callback_data="still_here",
    )  # fmt: skip
    assert (await post(client, press)).status_code == 200
    for _ in range(100):
        if answered:
            break
        await _round(client, container)
    assert len(answered) == 1 and set(answered[0]) == {"callback_query_id"}


async def test_a_one_time_code_leaves_by_whatsapp_and_no_copy_stays_in_the_outbox(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    httpserver: HTTPServer,
) -> None:
    got = provider(httpserver, "whatsapp")
    owner = customer_webhook(
        channels_config, "whatsapp", customer="+6281234500003", text="hi", message_id="o1",
        at=AT, base_url=BASE_URL,
    )  # fmt: skip
    await post(client, owner)
    await _round(client, container)
    before = len(got)
    customer = await visitor(client)
    asked = await client.post(
        "/api/webchat/verify", json={"value": "+6281234500003"}, headers=customer
    )
    assert asked.status_code == 200, asked.text
    await _round(client, container)
    sent = [json.loads(r.get_data())["text"]["body"] for r in got[before:]]
    assert len(sent) == 1 and re.search(r"\b\d{6}\b", sent[0])
    async with container.reader() as uow:
        payloads = [i.payload for i in (await uow.session.execute(select(OutboxItem))).scalars()]
    assert not any(re.search(r"\b\d{6}\b", p["text"]) for p in payloads)
