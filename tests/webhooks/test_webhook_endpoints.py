"""Each provider's webhook through the real endpoint: signed, parsed, stored once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from relaydesk.channels.base import SignedWebhook
from relaydesk.channels.registry import ChannelsConfig
from relaydesk.channels.simulate import customer_webhook
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import ContactIdentity, Message
from tests.webhooks.conftest import BASE_URL, count, post

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CUSTOMERS = {
    "whatsapp": "+6281234500003",
    "messenger": "24688012345678901",
    "instagram": "17841455555555555",
    "telegram": "987654321",
    "sms": "+6281234500004",
    "email": "rina@customers.example",
}
ACKS = {
    "whatsapp": ("text/plain", b"OK"),
    "messenger": ("text/plain", b"EVENT_RECEIVED"),
    "instagram": ("text/plain", b"EVENT_RECEIVED"),
    "telegram": ("text/plain", b""),
    "sms": ("text/xml", b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'),
    "email": ("text/plain", b""),
}
CHANNELS = list(CUSTOMERS)


def hook(
    config: ChannelsConfig, channel: str, text: str = "where is order 48213", n: int = 1
) -> SignedWebhook:
    return customer_webhook(
        config,
        channel,
        customer=CUSTOMERS[channel],
        text=text,
        message_id=f"t{n}",
        at=AT,
        name="Rina",
        base_url=BASE_URL,
    )


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_signed_message_is_stored_once_and_answered_as_the_provider_expects(
    client: httpx.AsyncClient, container: Container, channels_config: ChannelsConfig, channel: str
) -> None:
    signed = hook(channels_config, channel)
    first = await post(client, signed)
    again = await post(client, signed)  # the provider's retry
    assert first.status_code == again.status_code == 200, first.text
    media_type, body = ACKS[channel]
    assert first.headers["content-type"].startswith(media_type)
    assert first.content == again.content == body
    stored = await count(container, Message, Message.sender == "customer")
    assert stored == 1
    kind = {"whatsapp": "phone", "sms": "phone"}.get(channel, channel)
    value = CUSTOMERS[channel]
    assert (
        await count(
            container, ContactIdentity, ContactIdentity.kind == kind, ContactIdentity.value == value
        )
        == 1
    )


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_same_webhook_twice_at_once_stores_one_message(
    client: httpx.AsyncClient, container: Container, channels_config: ChannelsConfig, channel: str
) -> None:
    signed = hook(channels_config, channel, n=7)
    answers = await asyncio.gather(*(post(client, signed) for _ in range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert await count(container, Message, Message.sender == "customer") == 1
    assert await count(container, ContactIdentity) == 1


SIGNATURE_HEADERS = {
    "whatsapp": "x-hub-signature-256",
    "messenger": "x-hub-signature-256",
    "instagram": "x-hub-signature-256",
    "telegram": "x-telegram-bot-api-secret-token",
    "sms": "x-twilio-signature",
    "email": "authorization",
}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_missing_signature_is_401_and_a_wrong_one_403_and_neither_stores_anything(
    client: httpx.AsyncClient, container: Container, channels_config: ChannelsConfig, channel: str
) -> None:
    signed = hook(channels_config, channel)
    name = SIGNATURE_HEADERS[channel]
    headers = {k: v for k, v in signed.headers.items() if k.lower() != name}
    missing = await client.post(signed.path, headers=headers, content=signed.body)
    assert missing.status_code == 401, missing.text
    assert missing.json()["error"]["field"].lower() in (name, "authorization")
    wrong_value = {"authorization": "Bearer not-the-secret"}.get(name, "sha256=" + "0" * 64)
    if channel == "telegram":
        wrong_value = "not-the-secret"
    if channel == "sms":
        wrong_value = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    wrong = await post(client, signed, headers={name: wrong_value})
    assert wrong.status_code == 403, wrong.text
    if channel not in ("telegram", "email"):  # those two authenticate the sender, not the body
        tampered = await post(client, signed, body=signed.body.replace(b"48213", b"48214"))
        assert tampered.status_code == 403, tampered.text
    assert await count(container, Message) == 0
    assert await count(container, ContactIdentity) == 0


@pytest.mark.parametrize(
    ("channel", "body", "status", "field"),
    [
        ("whatsapp", b"{not json", 400, None),
        (
            "whatsapp",
            b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"100000000000001"},"messages":[{"id":"wamid.x","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]}}]}]}',
            422,
            "entry.0.changes.0.value.messages.0.from",
        ),
        (
            "messenger",
            b'{"object":"page","entry":[{"id":"2","time":1,"messaging":[{"recipient":{"id":"2"},"timestamp":1,"message":{"mid":"m","text":"hi"}}]}]}',
            422,
            "entry.0.messaging.0.sender",
        ),
        ("telegram", b'{"update_id":"x"}', 422, "update_id"),
        ("sms", b"\xff\xfe", 400, None),
    ],
)
async def test_a_malformed_body_names_the_field_and_stores_nothing(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    channel: str,
    body: bytes,
    status: int,
    field: str | None,
) -> None:
    from relaydesk.channels import meta

    headers: dict[str, str] = {"content-type": "application/json"}
    if channel == "whatsapp":
        assert channels_config.whatsapp is not None
        headers[meta.SIGNATURE_HEADER] = meta.signature(
            channels_config.whatsapp.app_secret.get_secret_value(), body
        )
    elif channel == "messenger":
        assert channels_config.messenger is not None
        headers[meta.SIGNATURE_HEADER] = meta.signature(
            channels_config.messenger.app_secret.get_secret_value(), body
        )
    elif channel == "telegram":
        assert channels_config.telegram is not None
        headers["x-telegram-bot-api-secret-token"] = (
            channels_config.telegram.secret_token.get_secret_value()
        )
    elif channel == "sms":
        from twilio.request_validator import RequestValidator

        assert channels_config.sms is not None
        url = f"{BASE_URL}/webhooks/sms"
        validator = RequestValidator(channels_config.sms.auth_token.get_secret_value())
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": validator.compute_signature(url, {}),
        }
    answer = await client.post(f"/webhooks/{channel}", headers=headers, content=body)
    assert answer.status_code in (status, 403 if channel == "sms" else status), answer.text
    if answer.status_code == status and field is not None:
        assert answer.json()["error"]["field"] == field
    assert await count(container, Message) == 0


async def test_whatsapp_subscription_handshake(client: httpx.AsyncClient) -> None:
    ok = await client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "demo_verify_token",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403


async def test_a_channel_that_is_not_configured_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post("/webhooks/fax", content=b"{}")
    assert answer.status_code == 404
    assert (await client.post("/webhooks/webchat", content=b"{}")).status_code == 404
