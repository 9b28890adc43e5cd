"""The Instagram Messaging adapter (Messenger Platform, Facebook Login) against Meta's
documented webhook and Send API shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relaydesk.channels import meta
from relaydesk.channels.base import (
    Attachment,
    Button,
    CustomerMessage,
    DeliveryStatus,
    IdentityKind,
    Ignored,
    OutboundMessage,
    PayloadInvalid,
    Sender,
    SignatureInvalid,
    SignatureMissing,
    SignedWebhook,
    WebhookRequest,
)
from relaydesk.channels.messenger import (
    InstagramAdapter,
    InstagramSettings,
    signed_read,
    signed_webhook,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
ACCOUNT = "17841405822304914"
CUSTOMER = "1254477335698231"
SECRET = "instagram-app-secret"
CUSTOMER_SENDER = Sender(IdentityKind.INSTAGRAM, CUSTOMER, CUSTOMER)
FIRST_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0ND"
    "I3NjAxNTA1NDk4NjQwNjY1NjozMTk2NzYzMzA3NzQ0MjEyNDE4MDk5OTYxMTk5OTk1NjY3MgZDZD"
)
ECHO_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0ND"
    "I3NjAxNTA1NDk4NjQwNjY1NjozMTk2NzYzMzk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQZDZD"
)


def _settings(**overrides: str) -> InstagramSettings:
    given = {
        "app_secret": SECRET,
        "verify_token": "verify-ig",
        "page_access_token": "EAAG-linked-page-token",
        "account_id": ACCOUNT,
    }
    return InstagramSettings.model_validate({**given, **overrides})


SETTINGS = _settings()
ADAPTER = InstagramAdapter(SETTINGS)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)


def _request(body: bytes, *, secret: str = SECRET, signed: bool = True) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    if signed:
        headers[meta.SIGNATURE_HEADER] = meta.signature(secret, body)
    return WebhookRequest("POST", "https://desk.example/webhooks/instagram", headers, {}, body)


def _parse(name: str) -> list[object]:
    request = _request((FIXTURES / name).read_bytes())
    ADAPTER.verify(request)
    return list(ADAPTER.parse(request))


def _from_signed(webhook: SignedWebhook) -> WebhookRequest:
    url = f"https://desk.example{webhook.path}"
    return WebhookRequest(webhook.method, url, webhook.headers, webhook.query, webhook.body)


def _attachment(name: str) -> tuple[Attachment, ...]:
    [message] = _parse(name)
    assert isinstance(message, CustomerMessage)
    assert message.text == ""
    return message.attachments


# --- inbound fixtures -------------------------------------------------------------------------


def test_text_message() -> None:
    assert _parse("text.json") == [
        CustomerMessage(
            external_id=FIRST_MID,
            sender=CUSTOMER_SENDER,
            text="Hi, is the blue jacket back in stock?",
            sent_at=_at(1795084012345),
            account=ACCOUNT,
        )
    ]


def test_quick_reply_tap_is_a_button_press() -> None:
    [message] = _parse("quick_reply.json")
    assert isinstance(message, CustomerMessage)
    assert (message.text, message.button) == ("Talk to a person", "talk_to_agent")


def test_image_attachment() -> None:
    assert _attachment("image.json") == (
        Attachment(
            kind="image",
            url="https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18034527841123456&signature=AbzQe1v2",
        ),
    )


def test_story_mention_keeps_its_link() -> None:
    assert _attachment("story_mention.json") == (
        Attachment(
            kind="file",
            url="https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18045112233445566&signature=AbxYz9k3",
        ),
    )


def test_shared_reel_is_a_video() -> None:
    assert _attachment("ig_reel.json") == (
        Attachment(
            kind="video",
            url="https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18112233445566778&signature=AbQw7e8r",
            provider_id="18112233445566778",
            caption="How to style the blue jacket",
        ),
    )


def test_story_reply_is_a_plain_message() -> None:
    [message] = _parse("story_reply.json")
    assert isinstance(message, CustomerMessage)
    assert (message.text, message.reply_to) == ("Do you have it in size M?", None)


def test_icebreaker_postback() -> None:
    [message] = _parse("postback.json")
    assert isinstance(message, CustomerMessage)
    assert (message.text, message.button) == ("Where is my order?", "icebreaker_order_status")
    assert message.sender == CUSTOMER_SENDER and message.account == ACCOUNT


def test_echo_of_our_own_send_is_ignored() -> None:
    assert _parse("echo.json") == [Ignored("echo", external_id=ECHO_MID)]


def test_seen_names_the_message_read() -> None:
    assert _parse("read.json") == [
        DeliveryStatus(ECHO_MID, "read", at=_at(1795084620104), recipient=CUSTOMER)
    ]


def test_reaction_is_ignored() -> None:
    assert _parse("reaction.json") == [
        Ignored("reaction", external_id=ECHO_MID, detail="react \u2764\ufe0f")
    ]


def test_deleted_message_is_ignored() -> None:
    assert _parse("deleted.json") == [Ignored("deleted", external_id=FIRST_MID)]


def test_unsupported_message_is_ignored() -> None:
    [item] = _parse("unsupported.json")
    assert isinstance(item, Ignored) and item.reason == "unsupported:message"


def test_referral_is_unsupported() -> None:
    assert _parse("referral.json") == [Ignored("unsupported:referral")]


def test_batch_of_events() -> None:
    message, read = _parse("batch.json")
    assert isinstance(message, CustomerMessage) and message.text == "Hello?"
    assert read == DeliveryStatus(ECHO_MID, "read", at=_at(1795084911870), recipient=CUSTOMER)


def test_changes_form_of_a_message() -> None:
    assert _parse("change.json") == [
        CustomerMessage(
            external_id="random_mid",
            sender=CUSTOMER_SENDER,
            text="random_text",
            sent_at=datetime(2018, 5, 27, 22, 23, 44, tzinfo=UTC),
            account=ACCOUNT,
        )
    ]


def test_comment_is_not_a_message() -> None:
    assert _parse("comment.json") == [Ignored("unsupported:comments")]


# --- signatures and malformed bodies ----------------------------------------------------------


def test_meta_signature_vector() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    vector = "sha256=dec6a680679a968e7e0319355b23599cbfc54502c0784668e9618baa0c633756"
    request = WebhookRequest("POST", "https://x/", {meta.SIGNATURE_HEADER: vector}, {}, body)
    InstagramAdapter(_settings(app_secret="test_app_secret")).verify(request)
    with pytest.raises(SignatureInvalid):
        ADAPTER.verify(request)


def test_missing_signature() -> None:
    with pytest.raises(SignatureMissing) as caught:
        ADAPTER.verify(_request((FIXTURES / "text.json").read_bytes(), signed=False))
    assert caught.value.status == 401


def test_wrong_signature() -> None:
    with pytest.raises(SignatureInvalid) as caught:
        ADAPTER.verify(_request((FIXTURES / "text.json").read_bytes(), secret="someone-else"))
    assert caught.value.status == 403


def test_body_that_is_not_json() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(b"\xff\xfe not json"))
    assert caught.value.status == 400


def test_message_without_mid_names_the_field() -> None:
    data = json.loads((FIXTURES / "batch.json").read_bytes())
    del data["entry"][0]["messaging"][0]["message"]["mid"]
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(json.dumps(data).encode()))
    assert (caught.value.status, caught.value.field) == (422, "entry.0.messaging.0.message.mid")


def test_change_without_sender_id_names_the_field() -> None:
    data = json.loads((FIXTURES / "change.json").read_bytes())
    data["entry"][0]["changes"][0]["value"]["sender"] = {}
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(json.dumps(data).encode()))
    assert caught.value.field == "entry.0.changes.0.value.sender.id"


def test_page_body_is_not_an_instagram_notification() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(b'{"object":"page","entry":[]}'))
    assert caught.value.field == "object"


def test_handshake() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-ig", "hub.challenge": "42"}
    request = WebhookRequest("GET", "https://desk.example/webhooks/instagram", {}, query, b"")
    assert ADAPTER.handshake(request) == "42"


def test_adapter_identity() -> None:
    assert ADAPTER.channel is Channel.INSTAGRAM
    assert ADAPTER.rate_limit.per_second == 20.0
    assert "EAAG-linked-page-token" not in repr(SETTINGS)


# --- signed webhooks ------------------------------------------------------------------------


def test_signed_webhook_parses_back() -> None:
    at = datetime(2026, 11, 19, 10, 0, 0, 125000, tzinfo=UTC)
    webhook = signed_webhook(
        SETTINGS, sender_id=CUSTOMER, text="Size M please", message_id="ig_demo_1", at=at
    )
    assert webhook.path == "/webhooks/instagram"
    request = _from_signed(webhook)
    ADAPTER.verify(request)
    assert ADAPTER.parse(request) == [
        CustomerMessage(
            external_id="ig_demo_1",
            sender=CUSTOMER_SENDER,
            text="Size M please",
            sent_at=at,
            account=ACCOUNT,
        )
    ]


def test_signed_read_parses_back() -> None:
    at = datetime(2026, 11, 19, 10, 5, tzinfo=UTC)
    request = _from_signed(signed_read(SETTINGS, recipient_id=CUSTOMER, at=at, message_id="m_1"))
    ADAPTER.verify(request)
    assert ADAPTER.parse(request) == [DeliveryStatus("m_1", "read", at=at, recipient=CUSTOMER)]
    with pytest.raises(ValueError):
        signed_read(SETTINGS, recipient_id=CUSTOMER, at=at)


# --- sending ----------------------------------------------------------------------------------


def test_build_send_text_goes_through_the_linked_page() -> None:
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="Yes, size M is in stock"))
    assert call.method == "POST"
    assert call.url == (
        "https://graph.facebook.com/v26.0/me/messages?access_token=EAAG-linked-page-token"
    )
    assert call.headers == {"Content-Type": "application/json"}
    assert call.body == (
        b'{"recipient":{"id":"1254477335698231"},"messaging_type":"RESPONSE",'
        b'"message":{"text":"Yes, size M is in stock"}}'
    )


def test_build_send_with_human_agent_tag_and_quick_replies() -> None:
    buttons = (Button("yes", "Yes"), Button("no", "No, thanks"))
    message = OutboundMessage(to=CUSTOMER, text="Reserve one?", buttons=buttons, tag="HUMAN_AGENT")
    assert ADAPTER.build_send(message).body == (
        b'{"recipient":{"id":"1254477335698231"},"messaging_type":"MESSAGE_TAG",'
        b'"tag":"HUMAN_AGENT","message":{"text":"Reserve one?","quick_replies":['
        b'{"content_type":"text","title":"Yes","payload":"yes"},'
        b'{"content_type":"text","title":"No, thanks","payload":"no"}]}}'
    )


def test_build_send_keeps_to_1000_bytes() -> None:
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="ü" * 600))
    text = json.loads(call.body)["message"]["text"]
    assert len(text.encode()) <= 1000 and text.endswith("…")
    assert text.startswith("ü" * 400)


def test_read_response() -> None:
    ok = ADAPTER.read_response(200, {}, b'{"recipient_id":"1254477335698231","message_id":"aWdf"}')
    assert (ok.ok, ok.external_id) == (True, "aWdf")
    body = json.dumps(
        {
            "error": {
                "message": "This message is sent outside of allowed window.",
                "type": "OAuthException",
                "code": 10,
                "error_subcode": 2534022,
                "fbtrace_id": "AbCdEf",
            }
        }
    ).encode()
    refused = ADAPTER.read_response(400, {}, body)
    assert (refused.error, refused.retryable) == (
        "10/2534022: This message is sent outside of allowed window.",
        False,
    )
    limited = ADAPTER.read_response(
        400, {}, b'{"error":{"message":"Application request limit reached","code":4}}'
    )
    assert (limited.error, limited.retryable) == ("4: Application request limit reached", True)


# --- the messaging window ---------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_window() -> None:
    assert ADAPTER.window(NOW - timedelta(hours=2), NOW, by_agent=False).allowed
    bot_late = ADAPTER.window(NOW - timedelta(hours=30), NOW, by_agent=False)
    assert not bot_late.allowed and "Instagram's 24-hour" in (bot_late.reason or "")
    agent_late = ADAPTER.window(NOW - timedelta(hours=30), NOW, by_agent=True)
    assert (agent_late.allowed, agent_late.tag) == (True, "HUMAN_AGENT")
    too_late = ADAPTER.window(NOW - timedelta(days=8), NOW, by_agent=True)
    assert not too_late.allowed and "Instagram's 7-day" in (too_late.reason or "")
