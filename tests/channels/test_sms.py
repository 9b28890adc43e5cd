from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from relaydesk.channels.base import (
    Attachment,
    Button,
    CustomerMessage,
    DeliveryStatus,
    IdentityKind,
    Ignored,
    OutboundMessage,
    PayloadInvalid,
    RateLimit,
    Sender,
    SignatureInvalid,
    SignatureMissing,
    WebhookRequest,
)
from relaydesk.channels.sms import (
    SmsAdapter,
    SmsSettings,
    opt_out,
    signed_status,
    signed_webhook,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "sms"
ACCOUNT = "AC5f1c2e8d9a7b4c3d2e1f0a9b8c7d6e5f"
TOKEN = "9f86d081884c7d659a2feaa0c55ad015"
OURS = "+15017122661"
PUBLIC = "https://desk.example.com/webhooks/sms"
FORM = "application/x-www-form-urlencoded"
SENT_SID = "SM3c1a9e5b7d2f4a6c8e0b1d3f5a7c9e2b"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> SmsSettings:
    return SmsSettings(
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        from_number=OURS,
        public_url=PUBLIC,
        api_base="http://127.0.0.1:9",
    )


@pytest.fixture
def adapter(settings: SmsSettings) -> SmsAdapter:
    return SmsAdapter(settings)


def changed(settings: SmsSettings, **changes: object) -> SmsSettings:
    return SmsSettings.model_validate({**settings.model_dump(), **changes})


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().strip()


def signature(url: str, body: bytes, token: str = TOKEN) -> str:
    params = parse_qs(body.decode(), keep_blank_values=True)
    return RequestValidator(token).compute_signature(url, params_of(params))


def params_of(params: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in params.items()}


def request(
    body: bytes,
    *,
    url: str = "http://10.0.0.5:8000/webhooks/sms",
    signed: str | None = None,
    headers: dict[str, str] | None = None,
) -> WebhookRequest:
    all_headers = {"content-type": FORM, **(headers or {})}
    if signed is not None:
        all_headers["x-twilio-signature"] = signed
    return WebhookRequest("POST", url, all_headers, {}, body)


def fixture(name: str) -> WebhookRequest:
    body = body_of(name)
    return request(body, signed=signature(PUBLIC, body))


def parse_one(adapter: SmsAdapter, name: str) -> object:
    incoming = fixture(name)
    adapter.verify(incoming)
    [item] = adapter.parse(incoming)
    return item


# --- verify: Twilio's documented vectors, through the adapter ---

REFERENCE_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
REFERENCE_BODY = urlencode(
    {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
).encode()


def reference_adapter(public_url: str | None = None) -> SmsAdapter:
    return SmsAdapter(
        SmsSettings(
            account_sid=ACCOUNT, auth_token="12345", from_number=OURS, public_url=public_url
        )
    )


def test_reference_vector_validates() -> None:
    incoming = request(REFERENCE_BODY, url=REFERENCE_URL, signed="RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    reference_adapter().verify(incoming)


def test_reference_vector_validates_with_the_port() -> None:
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    reference_adapter().verify(
        request(REFERENCE_BODY, url=with_port, signed="kvajT1Ptam85bY51eRf/AJRuM3w=")
    )
    reference_adapter().verify(
        request(REFERENCE_BODY, url=REFERENCE_URL, signed="kvajT1Ptam85bY51eRf/AJRuM3w=")
    )


def test_reference_vector_fails_for_another_parameter() -> None:
    tampered = REFERENCE_BODY.replace(b"Digits=1234", b"Digits=1235")
    with pytest.raises(SignatureInvalid) as caught:
        reference_adapter().verify(
            request(tampered, url=REFERENCE_URL, signed="RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        )
    assert caught.value.status == 403


def test_public_url_gets_the_request_query_string() -> None:
    behind_proxy = "http://10.0.0.5:8000/myapp.php?foo=1&bar=2"
    adapter = reference_adapter(public_url="https://mycompany.com/myapp.php")
    adapter.verify(request(REFERENCE_BODY, url=behind_proxy, signed="RSOYDt4T1cUTdK1PDd93/VVr8B8="))


def test_the_public_url_is_what_twilio_signed(adapter: SmsAdapter) -> None:
    body = body_of("inbound_text.txt")
    internal = "http://10.0.0.5:8000/webhooks/sms"
    adapter.verify(request(body, url=internal, signed=signature(PUBLIC, body)))
    with pytest.raises(SignatureInvalid):
        adapter.verify(request(body, url=internal, signed=signature(internal, body)))


def test_without_public_url_the_request_url_is_signed() -> None:
    adapter = SmsAdapter(SmsSettings(account_sid=ACCOUNT, auth_token=TOKEN, from_number=OURS))
    body = body_of("inbound_text.txt")
    adapter.verify(request(body, url=PUBLIC, signed=signature(PUBLIC, body)))


def test_a_missing_signature_is_401(adapter: SmsAdapter) -> None:
    with pytest.raises(SignatureMissing) as caught:
        adapter.verify(request(body_of("inbound_text.txt")))
    assert (caught.value.status, caught.value.field) == (401, "x-twilio-signature")


def test_a_signature_with_another_token_is_403(adapter: SmsAdapter) -> None:
    body = body_of("inbound_text.txt")
    with pytest.raises(SignatureInvalid) as caught:
        adapter.verify(request(body, signed=signature(PUBLIC, body, token="other-token")))
    assert caught.value.status == 403


def test_an_empty_parameter_is_part_of_the_signature(adapter: SmsAdapter) -> None:
    body = body_of("inbound_text.txt")
    signed = signature(PUBLIC, body)
    with pytest.raises(SignatureInvalid):
        adapter.verify(request(body.replace(b"&FromZip=", b""), signed=signed))


def test_shared_key_signature_with_sha256(settings: SmsSettings) -> None:
    body = body_of("inbound_text.txt")
    params = params_of(parse_qs(body.decode(), keep_blank_values=True))
    shared = "sk_test_2b7e151628aed2a6abf7158809cf4f3c"
    signed = RequestValidator(shared).compute_signature(PUBLIC, params, "HMAC_SHA256")
    headers = {"x-twilio-webhooks-signature-settings": "key=KS0123,algorithm=HMAC_SHA256"}
    incoming = request(body, signed=signed, headers=headers)
    with_key = changed(settings, webhook_shared_key=shared)
    SmsAdapter(with_key).verify(incoming)
    with pytest.raises(SignatureInvalid, match="webhook_shared_key"):
        SmsAdapter(settings).verify(incoming)


# --- parse: one fixture each ---


def test_inbound_text(adapter: SmsAdapter) -> None:
    assert parse_one(adapter, "inbound_text.txt") == CustomerMessage(
        external_id="SMa1b2c3d4e5f60718293a4b5c6d7e8f90",
        sender=Sender(IdentityKind.PHONE, "+6281234500003", "+6281234500003"),
        text="Halo, pesanan ORD-10023 belum sampai",
        account=OURS,
    )


def test_inbound_mms_with_media(adapter: SmsAdapter) -> None:
    item = parse_one(adapter, "inbound_mms.txt")
    assert isinstance(item, CustomerMessage)
    assert item.text == "Here is the damaged box"
    media = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM0f9e8d7c6b5a49382716a5b4c3d2e1f0/Media/"
    assert item.attachments == (
        Attachment(
            "image",
            "image/jpeg",
            provider_id="ME5a1e0c3f9b7d2e4a6c8b0d1f3e5a7c9b",
            url=media + "ME5a1e0c3f9b7d2e4a6c8b0d1f3e5a7c9b",
        ),
        Attachment(
            "document",
            "application/pdf",
            provider_id="ME9b7d5f3e1a0c2e4f6a8b0c1d3e5f7a9c",
            url=media + "ME9b7d5f3e1a0c2e4f6a8b0c1d3e5f7a9c",
        ),
    )


def test_status_sent(adapter: SmsAdapter) -> None:
    assert parse_one(adapter, "status_sent.txt") == DeliveryStatus(
        SENT_SID, "sent", recipient="+6281234500003"
    )


def test_status_delivered(adapter: SmsAdapter) -> None:
    assert parse_one(adapter, "status_delivered.txt") == DeliveryStatus(
        SENT_SID, "delivered", recipient="+6281234500003"
    )


def test_status_undelivered_carries_the_error(adapter: SmsAdapter) -> None:
    assert parse_one(adapter, "status_undelivered.txt") == DeliveryStatus(
        SENT_SID,
        "failed",
        error="30003: Unreachable destination handset",
        recipient="+6281234500003",
    )


def test_opt_out_stop_is_a_message_with_the_opt_out(adapter: SmsAdapter) -> None:
    item = parse_one(adapter, "opt_out_stop.txt")
    assert isinstance(item, CustomerMessage)
    assert (item.text, item.external_id) == ("STOP", "SM77aa88bb99cc00dd11ee22ff33aa44bb")
    assert opt_out(fixture("opt_out_stop.txt")) == "stop"
    assert opt_out(fixture("inbound_text.txt")) is None


def test_malformed_missing_from_is_named(adapter: SmsAdapter) -> None:
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(fixture("malformed_missing_from.txt"))
    assert (caught.value.status, caught.value.field) == (422, "From")


@pytest.mark.parametrize("state", ["queued", "accepted", "sending", "scheduled"])
def test_pending_statuses_are_ignored(
    adapter: SmsAdapter, settings: SmsSettings, state: str
) -> None:
    hook = signed_status(settings, message_sid=SENT_SID, status=state)
    [item] = adapter.parse(request(hook.body))
    assert item == Ignored(f"status:{state}", detail=SENT_SID)


def test_failed_without_error_message_uses_the_code(
    adapter: SmsAdapter, settings: SmsSettings
) -> None:
    hook = signed_status(settings, message_sid=SENT_SID, status="failed", error_code="21610")
    [item] = adapter.parse(request(hook.body))
    assert item == DeliveryStatus(
        SENT_SID, "failed", error="21610: Attempt to send to unsubscribed recipient"
    )


def test_a_body_that_is_not_a_form_is_400(adapter: SmsAdapter) -> None:
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(b"hello there"))
    assert caught.value.status == 400
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(b'{"From":"+1"}', headers={"content-type": "application/json"}))
    assert caught.value.status == 400


def test_missing_media_url_is_named(adapter: SmsAdapter) -> None:
    body = body_of("inbound_mms.txt").replace(b"MediaUrl1=", b"MediaUrlX=")
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(body))
    assert (caught.value.status, caught.value.field) == (422, "MediaUrl1")


def test_a_local_number_is_made_e164(adapter: SmsAdapter) -> None:
    body = body_of("inbound_text.txt").replace(b"From=%2B6281234500003", b"From=081234500003")
    [item] = adapter.parse(request(body))
    assert isinstance(item, CustomerMessage)
    assert item.sender == Sender(IdentityKind.PHONE, "+6281234500003", "081234500003")


# --- settings and outbound ---


def test_settings_need_a_sender_and_hide_the_token() -> None:
    with pytest.raises(ValidationError, match="from_number or messaging_service_sid"):
        SmsSettings(account_sid=ACCOUNT, auth_token=TOKEN)
    with pytest.raises(ValidationError, match=r"E\.164"):
        SmsSettings(account_sid=ACCOUNT, auth_token=TOKEN, from_number="0812345")
    settings = SmsSettings(account_sid=ACCOUNT, auth_token=TOKEN, messaging_service_sid="MG1")
    assert TOKEN not in repr(settings)


def test_adapter_contract(adapter: SmsAdapter) -> None:
    assert adapter.channel is Channel.SMS
    assert adapter.rate_limit == RateLimit(1.0)
    assert adapter.window(None, NOW, by_agent=False).allowed
    assert adapter.acknowledge() == (
        "text/xml",
        b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    )


def test_build_send_exact_request(adapter: SmsAdapter) -> None:
    call = adapter.build_send(OutboundMessage(to="+6281234500003", text="Paket tiba besok."))
    assert call.method == "POST"
    assert call.url == f"http://127.0.0.1:9/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    basic = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert call.headers == {"Authorization": f"Basic {basic}", "Content-Type": FORM}
    assert call.body == b"To=%2B6281234500003&From=%2B15017122661&Body=Paket+tiba+besok."


def test_build_send_with_service_callback_and_buttons(settings: SmsSettings) -> None:
    adapter = SmsAdapter(
        changed(
            settings,
            messaging_service_sid="MG9752274e9e519418a7406176694466fa",
            status_callback_url="https://desk.example.com/webhooks/sms?kind=status",
        )
    )
    buttons = (Button("yes", "Ya"), Button("no", "Belum"))
    call = adapter.build_send(OutboundMessage("+6281234500003", "Sudah selesai?", buttons))
    assert call.body == (
        b"To=%2B6281234500003&MessagingServiceSid=MG9752274e9e519418a7406176694466fa"
        b"&Body=Sudah+selesai%3F%0A%0A1.+Ya%0A2.+Belum"
        b"&StatusCallback=https%3A%2F%2Fdesk.example.com%2Fwebhooks%2Fsms%3Fkind%3Dstatus"
    )


def test_long_replies_split_into_1600_character_parts(adapter: SmsAdapter) -> None:
    text = "\n".join(["Langkah pengembalian dana: isi formulir."] * 60)
    parts = adapter.parts(OutboundMessage("+6281234500003", text, (Button("ok", "OK"),)))
    assert len(parts) == 2
    assert all(len(part.text) <= 1600 and not part.buttons for part in parts)
    assert parts[-1].text.endswith("\n\n1. OK")
    assert len(parse_qs(adapter.build_send(parts[0]).body.decode())["Body"][0]) <= 1600


def test_build_send_never_exceeds_1600(adapter: SmsAdapter) -> None:
    body = parse_qs(adapter.build_send(OutboundMessage("+62", "a" * 2000)).body.decode())
    assert len(body["Body"][0]) == 1600


# --- read_response ---


def test_created_message_gives_its_sid(adapter: SmsAdapter) -> None:
    body = (
        b'{"account_sid":"' + ACCOUNT.encode() + b'","api_version":"2010-04-01",'
        b'"body":"Paket tiba besok.","direction":"outbound-api","from":"+15017122661",'
        b'"sid":"' + SENT_SID.encode() + b'","status":"queued","to":"+6281234500003"}'
    )
    result = adapter.read_response(201, {}, body)
    assert (result.ok, result.external_id) == (True, SENT_SID)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21211, "The 'To' number +62123 is not a valid phone number."),
        (21610, "Attempt to send to unsubscribed recipient"),
        (
            21408,
            "Permission to send an SMS has not been enabled for the region indicated "
            "by the 'To' number: +62812.",
        ),
    ],
)
def test_permanent_errors(adapter: SmsAdapter, code: int, message: str) -> None:
    body = (
        f'{{"code":{code},"message":"{message}",'
        f'"more_info":"https://www.twilio.com/docs/errors/{code}","status":400}}'
    ).encode()
    result = adapter.read_response(400, {}, body)
    assert (result.ok, result.retryable, result.error) == (False, False, f"{code}: {message}")


def test_too_many_requests_is_retryable(adapter: SmsAdapter) -> None:
    body = b'{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}'
    result = adapter.read_response(429, {"Retry-After": "2"}, body)
    assert (result.retryable, result.retry_after_s, result.error) == (
        True,
        2.0,
        "20429: Too Many Requests",
    )


def test_server_errors_are_retryable(adapter: SmsAdapter) -> None:
    result = adapter.read_response(503, {}, b"Service Unavailable")
    assert (result.ok, result.retryable, result.error) == (False, True, "503: HTTP 503")


# --- signed helpers ---


def test_signed_webhook_round_trips(adapter: SmsAdapter, settings: SmsSettings) -> None:
    hook = signed_webhook(
        settings, from_number="+6281234500003", text="Halo & selamat pagi", message_sid="SM1"
    )
    assert (hook.method, hook.path, hook.query) == ("POST", "/webhooks/sms", {})
    incoming = WebhookRequest("POST", "http://testserver/webhooks/sms", hook.headers, {}, hook.body)
    adapter.verify(incoming)
    assert adapter.parse(incoming) == [
        CustomerMessage(
            external_id="SM1",
            sender=Sender(IdentityKind.PHONE, "+6281234500003", "+6281234500003"),
            text="Halo & selamat pagi",
            account=OURS,
        )
    ]


def test_signed_status_round_trips(adapter: SmsAdapter, settings: SmsSettings) -> None:
    hook = signed_status(
        settings, message_sid=SENT_SID, status="undelivered", error_code="30006", to_number="+62811"
    )
    incoming = WebhookRequest("POST", "http://testserver/webhooks/sms", hook.headers, {}, hook.body)
    adapter.verify(incoming)
    assert adapter.parse(incoming) == [
        DeliveryStatus(
            SENT_SID, "failed", error="30006: Landline or unreachable carrier", recipient="+62811"
        )
    ]


def test_signed_status_to_the_status_callback_url(settings: SmsSettings) -> None:
    # a proxy maps this URL onto our /webhooks/sms route: Twilio signs the one it called
    callback = "https://hooks.example.com/twilio/status?kind=status"
    adapter = SmsAdapter(changed(settings, status_callback_url=callback))
    hook = signed_status(adapter.settings, message_sid=SENT_SID, status="delivered")
    assert (hook.path, hook.query) == ("/webhooks/sms", {"kind": "status"})
    internal = "http://10.0.0.5:8000/webhooks/sms?kind=status"
    adapter.verify(WebhookRequest("POST", internal, hook.headers, hook.query, hook.body))
