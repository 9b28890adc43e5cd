"""The Messenger adapter against Meta's documented webhook and Send API shapes."""

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
    MessengerAdapter,
    MessengerSettings,
    signed_delivery,
    signed_read,
    signed_webhook,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "messenger"
PAGE = "104563782218541"
CUSTOMER = "6523187744384712"
SECRET = "messenger-app-secret"


def _settings(**overrides: str) -> MessengerSettings:
    given = {
        "app_secret": SECRET,
        "verify_token": "verify-me",
        "page_access_token": "EAAG page token",
        "page_id": PAGE,
    }
    return MessengerSettings.model_validate({**given, **overrides})


SETTINGS = _settings()
ADAPTER = MessengerAdapter(SETTINGS)
CUSTOMER_SENDER = Sender(IdentityKind.MESSENGER, CUSTOMER, CUSTOMER)
ECHO_MID = "m_EcH0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3aB4cD5eF6gH7iJ8kL"


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)


def _request(body: bytes, *, secret: str = SECRET, signed: bool = True) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    if signed:
        headers[meta.SIGNATURE_HEADER] = meta.signature(secret, body)
    return WebhookRequest("POST", "https://desk.example/webhooks/messenger", headers, {}, body)


def _parse(name: str) -> list[object]:
    request = _request((FIXTURES / name).read_bytes())
    ADAPTER.verify(request)
    return list(ADAPTER.parse(request))


def _from_signed(webhook: SignedWebhook) -> WebhookRequest:
    url = f"https://desk.example{webhook.path}"
    return WebhookRequest(webhook.method, url, webhook.headers, webhook.query, webhook.body)


# --- inbound fixtures -------------------------------------------------------------------------


def test_text_message() -> None:
    assert _parse("text.json") == [
        CustomerMessage(
            external_id="m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
            sender=CUSTOMER_SENDER,
            text="Hi, where is my order #4821?",
            sent_at=_at(1795084012345),
            account=PAGE,
        )
    ]


def test_reply_names_the_message_answered() -> None:
    [message] = _parse("reply.json")
    assert isinstance(message, CustomerMessage)
    assert message.reply_to == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    assert message.text == "That one arrived damaged"


def test_quick_reply_tap_is_a_button_press() -> None:
    [message] = _parse("quick_reply.json")
    assert isinstance(message, CustomerMessage)
    assert (message.text, message.button) == ("Track my order", "track_order")


def test_image_attachment() -> None:
    [message] = _parse("image.json")
    assert isinstance(message, CustomerMessage)
    assert message.text == ""
    assert message.attachments == (
        Attachment(
            kind="image",
            url="https://scontent.xx.fbcdn.net/v/t1.15752-9/465817297_1093412_n.jpg?_nc_cat=1&oh=00_AYB&oe=6741A2F3",
        ),
    )


def test_sticker_sent_twice_during_the_transition_is_one_sticker() -> None:
    [message] = _parse("sticker.json")
    assert isinstance(message, CustomerMessage)
    assert [(a.kind, a.provider_id) for a in message.attachments] == [
        ("sticker", "369239263222822")
    ]


def test_postback_is_a_button_press_with_its_title() -> None:
    assert _parse("postback.json") == [
        CustomerMessage(
            external_id="m_PbT7yU8iO9pA0sD1fG2hJ3kL4zX5cV6bN7mQ8wE9rT0yU1iO2pA3sD4fG5hJ",
            sender=CUSTOMER_SENDER,
            text="Talk to an agent",
            sent_at=_at(1795084400007),
            button="talk_to_agent",
            account=PAGE,
        )
    ]


def test_postback_without_mid_gets_a_stable_id() -> None:
    event = {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": PAGE},
        "timestamp": 1795084400007,
        "postback": {"title": "Get Started", "payload": "get_started"},
    }
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "messaging": [event]}]})
    first = ADAPTER.parse(_request(body.encode()))
    again = ADAPTER.parse(_request(body.encode()))
    assert first == again
    assert isinstance(first[0], CustomerMessage)
    assert first[0].external_id == f"postback:{CUSTOMER}:1795084400007"


def test_dashboard_test_form_under_changes_is_read_too() -> None:
    [message] = _parse("postback_change.json")
    assert isinstance(message, CustomerMessage)
    assert (message.external_id, message.button) == ("m_MESSAGE-ID", "USER-DEFINED-PAYLOAD")
    # the dashboard sends seconds, as a string
    assert message.sent_at == datetime(2018, 5, 27, 22, 23, 44, tzinfo=UTC)


def test_echo_of_our_own_send_is_ignored() -> None:
    assert _parse("echo.json") == [Ignored("echo", external_id=ECHO_MID)]


def test_delivery_reports_each_message() -> None:
    assert _parse("delivery.json") == [
        DeliveryStatus(ECHO_MID, "delivered", recipient=CUSTOMER),
        DeliveryStatus(
            "m_Dl2vR3yT4uI5oP6aS7dF8gH9jK0lZ1xC2vB3nM4qW5eR6tY7uI8oP9aS0dF",
            "delivered",
            recipient=CUSTOMER,
        ),
    ]


def test_delivery_without_mids_is_a_watermark() -> None:
    assert _parse("delivery_watermark.json") == [
        DeliveryStatus(None, "delivered", up_to=_at(1795084501998), recipient=CUSTOMER)
    ]


def test_read_is_a_watermark_for_the_customer() -> None:
    assert _parse("read.json") == [
        DeliveryStatus(
            None,
            "read",
            at=_at(1795084620104),
            up_to=_at(1795084500412),
            recipient=CUSTOMER,
        )
    ]


def test_reaction_is_ignored() -> None:
    assert _parse("reaction.json") == [
        Ignored("reaction", external_id=ECHO_MID, detail="react \u2764\ufe0f")
    ]


def test_referral_is_unsupported() -> None:
    assert _parse("referral.json") == [Ignored("unsupported:referral")]


def test_standby_belongs_to_another_app() -> None:
    assert _parse("standby.json") == [
        Ignored(
            "unsupported:standby",
            external_id="m_qT7ywaKpO9kkQR7Gv-nM8LIfLZDamVrALniheUYEDdHJXjDXEAyaS1xxONzb2Iv",
        )
    ]


def test_batch_of_entries_and_events() -> None:
    first, second, read = _parse("batch.json")
    assert isinstance(first, CustomerMessage) and isinstance(second, CustomerMessage)
    assert (first.sender.value, first.text) == (CUSTOMER, "Hello?")
    assert (second.sender.value, second.button) == ("7114092258836401", "refund")
    assert isinstance(read, DeliveryStatus) and read.status == "read"


def test_unknown_attachment_alone_is_unsupported() -> None:
    message = {"mid": "m_x", "attachments": [{"type": "appointment_booking", "payload": {}}]}
    event = {"sender": {"id": CUSTOMER}, "recipient": {"id": PAGE}, "message": message}
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "messaging": [event]}]})
    assert ADAPTER.parse(_request(body.encode())) == [
        Ignored("unsupported:appointment_booking", external_id="m_x")
    ]


def test_location_keeps_its_coordinates() -> None:
    location = {"type": "location", "payload": {"coordinates": {"lat": -6.2, "long": 106.8}}}
    message = {"mid": "m_loc", "attachments": [location]}
    event = {"sender": {"id": CUSTOMER}, "recipient": {"id": PAGE}, "message": message}
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "messaging": [event]}]})
    [parsed] = ADAPTER.parse(_request(body.encode()))
    assert isinstance(parsed, CustomerMessage)
    assert parsed.attachments == (Attachment(kind="location", caption="-6.2,106.8"),)


# --- signatures and malformed bodies ----------------------------------------------------------


def test_meta_signature_vector() -> None:
    settings = _settings(app_secret="test_app_secret")
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    vector = "sha256=dec6a680679a968e7e0319355b23599cbfc54502c0784668e9618baa0c633756"
    headers = {meta.SIGNATURE_HEADER: vector}
    MessengerAdapter(settings).verify(WebhookRequest("POST", "https://x/", headers, {}, body))
    with pytest.raises(SignatureInvalid):
        ADAPTER.verify(WebhookRequest("POST", "https://x/", headers, {}, body))


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
        ADAPTER.parse(_request(b"object=page"))
    assert caught.value.status == 400


def test_missing_sender_names_the_field() -> None:
    data = json.loads((FIXTURES / "text.json").read_bytes())
    del data["entry"][0]["messaging"][0]["sender"]["id"]
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(json.dumps(data).encode()))
    assert caught.value.status == 422
    assert caught.value.field == "entry.0.messaging.0.sender.id"


def test_broken_event_under_changes_names_the_field() -> None:
    data = json.loads((FIXTURES / "postback_change.json").read_bytes())
    data["entry"][0]["changes"][0]["value"]["recipient"] = "104563782218541"
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(json.dumps(data).encode()))
    assert caught.value.field == "entry.0.changes.0.value.recipient"


def test_instagram_body_is_not_a_page_notification() -> None:
    body = b'{"object":"instagram","entry":[]}'
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(_request(body))
    assert caught.value.field == "object"


def test_handshake() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    request = WebhookRequest("GET", "https://desk.example/webhooks/messenger", {}, query, b"")
    assert ADAPTER.handshake(request) == "1158201444"
    wrong = {**query, "hub.verify_token": "guess"}
    with pytest.raises(SignatureInvalid):
        ADAPTER.handshake(WebhookRequest("GET", request.url, {}, wrong, b""))


def test_acknowledge() -> None:
    assert ADAPTER.acknowledge() == ("text/plain", b"EVENT_RECEIVED")


def test_secrets_stay_out_of_repr() -> None:
    shown = repr(SETTINGS)
    assert SECRET not in shown and "EAAG page token" not in shown and "verify-me" not in shown


def test_adapter_identity() -> None:
    assert ADAPTER.channel is Channel.MESSENGER
    assert ADAPTER.rate_limit.per_second == 40.0


# --- signed webhooks ------------------------------------------------------------------------


def test_signed_webhook_parses_back() -> None:
    at = datetime(2026, 11, 19, 10, 0, 0, 250000, tzinfo=UTC)
    webhook = signed_webhook(
        SETTINGS,
        sender_id=CUSTOMER,
        text="Refund please",
        message_id="m_demo_1",
        at=at,
        quick_reply_payload="refund",
    )
    assert webhook.path == "/webhooks/messenger"
    request = _from_signed(webhook)
    ADAPTER.verify(request)
    assert ADAPTER.parse(request) == [
        CustomerMessage(
            external_id="m_demo_1",
            sender=CUSTOMER_SENDER,
            text="Refund please",
            sent_at=at,
            button="refund",
            account=PAGE,
        )
    ]


def test_signed_delivery_and_read_parse_back() -> None:
    at = datetime(2026, 11, 19, 10, 5, tzinfo=UTC)
    delivery = _from_signed(
        signed_delivery(SETTINGS, recipient_id=CUSTOMER, message_ids=("m_1",), watermark=at)
    )
    ADAPTER.verify(delivery)
    assert ADAPTER.parse(delivery) == [DeliveryStatus("m_1", "delivered", recipient=CUSTOMER)]
    read = _from_signed(signed_read(SETTINGS, recipient_id=CUSTOMER, at=at))
    ADAPTER.verify(read)
    assert ADAPTER.parse(read) == [
        DeliveryStatus(None, "read", at=at, up_to=at, recipient=CUSTOMER)
    ]


# --- sending ----------------------------------------------------------------------------------

SEND_URL = f"https://graph.facebook.com/v26.0/{PAGE}/messages?access_token=EAAG%20page%20token"


def test_build_send_text() -> None:
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="Your parcel is on its way"))
    assert (call.method, call.url) == ("POST", SEND_URL)
    assert call.headers == {"Content-Type": "application/json"}
    assert call.body == (
        b'{"recipient":{"id":"6523187744384712"},"messaging_type":"RESPONSE",'
        b'"message":{"text":"Your parcel is on its way"}}'
    )


def test_build_send_with_human_agent_tag() -> None:
    call = ADAPTER.build_send(
        OutboundMessage(to=CUSTOMER, text="Sorry for the wait", tag="HUMAN_AGENT")
    )
    assert call.body == (
        b'{"recipient":{"id":"6523187744384712"},"messaging_type":"MESSAGE_TAG",'
        b'"tag":"HUMAN_AGENT","message":{"text":"Sorry for the wait"}}'
    )


def test_build_send_quick_replies() -> None:
    buttons = (Button("track_order", "Track my order"), Button("agent", "Talk to a person"))
    call = ADAPTER.build_send(
        OutboundMessage(to=CUSTOMER, text="How can we help?", buttons=buttons)
    )
    assert json.loads(call.body)["message"] == {
        "text": "How can we help?",
        "quick_replies": [
            {"content_type": "text", "title": "Track my order", "payload": "track_order"},
            {"content_type": "text", "title": "Talk to a person", "payload": "agent"},
        ],
    }


def test_build_send_too_many_buttons_become_numbered_text() -> None:
    buttons = tuple(Button(f"b{n}", f"Option {n}") for n in range(1, 15))
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="Pick one", buttons=buttons))
    message = json.loads(call.body)["message"]
    assert "quick_replies" not in message
    assert message["text"].startswith("Pick one\n\n1. Option 1\n2. Option 2")
    assert message["text"].endswith("14. Option 14")


def test_build_send_long_title_becomes_numbered_text() -> None:
    buttons = (Button("ship", "Change my shipping address"),)
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="Pick one", buttons=buttons))
    assert json.loads(call.body)["message"] == {"text": "Pick one\n\n1. Change my shipping address"}


def test_build_send_keeps_to_the_text_limit() -> None:
    call = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="x" * 2500))
    text = json.loads(call.body)["message"]["text"]
    assert len(text) == 2000 and text.endswith("…")
    exact = ADAPTER.build_send(OutboundMessage(to=CUSTOMER, text="y" * 2000))
    assert json.loads(exact.body)["message"]["text"] == "y" * 2000


def test_build_send_uses_the_configured_base() -> None:
    local = _settings(api_base="http://127.0.0.1:8099/", api_version="v25.0")
    call = MessengerAdapter(local).build_send(OutboundMessage(to=CUSTOMER, text="hi"))
    assert call.url.startswith(f"http://127.0.0.1:8099/v25.0/{PAGE}/messages?access_token=")


# --- provider answers -------------------------------------------------------------------------


def _error(code: int, message: str, subcode: int | None = None) -> bytes:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "BLBz/WZt8dN"
    return json.dumps({"error": error}).encode()


def test_read_response_ok() -> None:
    body = b'{"recipient_id":"6523187744384712","message_id":"m_AG5Hz2U"}'
    result = ADAPTER.read_response(200, {}, body)
    assert (result.ok, result.external_id) == (True, "m_AG5Hz2U")


def test_read_response_outside_the_window_is_permanent() -> None:
    body = _error(10, "This message is sent outside of allowed window.", 2018278)
    result = ADAPTER.read_response(400, {}, body)
    assert not result.ok and not result.retryable
    assert result.error == "10/2018278: This message is sent outside of allowed window."


def test_read_response_person_unavailable_is_permanent() -> None:
    body = _error(551, "This person isn't available right now.", 1545041)
    result = ADAPTER.read_response(400, {}, body)
    assert (result.error, result.retryable) == (
        "551/1545041: This person isn't available right now.",
        False,
    )


def test_read_response_bad_token_is_permanent() -> None:
    result = ADAPTER.read_response(400, {}, _error(190, "Invalid OAuth access token."))
    assert (result.error, result.retryable) == ("190: Invalid OAuth access token.", False)


def test_read_response_rate_limit_retries_when_meta_says() -> None:
    usage = {PAGE: [{"type": "messenger", "call_count": 100, "estimated_time_to_regain_access": 3}]}
    headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
    result = ADAPTER.read_response(
        400, headers, _error(613, "Calls to this api have exceeded the rate limit.")
    )
    assert result.retryable and result.retry_after_s == 180.0
    assert result.error == "613: Calls to this api have exceeded the rate limit."


def test_read_response_temporary_failure_retries() -> None:
    body = _error(1200, "Temporary send message failure. Please try again later.")
    result = ADAPTER.read_response(500, {"Retry-After": "30"}, body)
    assert (result.retryable, result.retry_after_s) == (True, 30.0)


def test_read_response_unknown_error_from_missing_permission_is_permanent() -> None:
    result = ADAPTER.read_response(500, {}, _error(1, "An unknown error occurred.", 99))
    assert not result.retryable


def test_read_response_gateway_error_without_json() -> None:
    result = ADAPTER.read_response(502, {}, b"<html>Bad Gateway</html>")
    assert (result.ok, result.error, result.retryable) == (False, "HTTP 502", True)


def test_read_response_success_without_message_id_is_not_resent() -> None:
    result = ADAPTER.read_response(200, {}, b'{"recipient_id":"6523187744384712"}')
    assert not result.ok and not result.retryable


# --- the messaging window ---------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_window_open_for_everyone_within_24_hours() -> None:
    for by_agent in (False, True):
        window = ADAPTER.window(NOW - timedelta(hours=23, minutes=59), NOW, by_agent=by_agent)
        assert (window.allowed, window.tag) == (True, None)


def test_bot_may_not_reply_after_24_hours() -> None:
    window = ADAPTER.window(NOW - timedelta(hours=25), NOW, by_agent=False)
    assert not window.allowed and window.tag is None
    assert window.reason is not None
    assert "24-hour" in window.reason and "2026-11-24 11:00 UTC" in window.reason


def test_agent_replies_with_human_agent_tag_up_to_7_days() -> None:
    window = ADAPTER.window(NOW - timedelta(days=6, hours=23), NOW, by_agent=True)
    assert (window.allowed, window.tag) == (True, "HUMAN_AGENT")


def test_nobody_replies_after_7_days() -> None:
    window = ADAPTER.window(NOW - timedelta(days=7, minutes=1), NOW, by_agent=True)
    assert not window.allowed
    assert window.reason is not None
    assert "7-day" in window.reason and "2026-11-18 11:59 UTC" in window.reason


def test_no_reply_before_the_customer_writes() -> None:
    window = ADAPTER.window(None, NOW, by_agent=True)
    assert not window.allowed and window.reason
