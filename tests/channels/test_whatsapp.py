"""WhatsApp Cloud API adapter: Meta's documented webhook payloads in, Graph API calls out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

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
    Template,
    WebhookRequest,
)
from relaydesk.channels.whatsapp import (
    TemplateSpec,
    WhatsAppAdapter,
    WhatsAppSettings,
    meta_json,
    signed_status,
    signed_webhook,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
SECRET = "test_app_secret"
TOKEN = "EAAJB-test-token"
SHEENA = Sender(IdentityKind.PHONE, "+16505551234", "16505551234", "Sheena Nelson")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def settings(**overrides: object) -> WhatsAppSettings:
    values: dict[str, object] = {
        "app_secret": SecretStr(SECRET),
        "verify_token": SecretStr("verify-me"),
        "access_token": SecretStr(TOKEN),
        "phone_number_id": "106540352242922",
        "business_account_id": "102290129340398",
        "display_phone_number": "15550783881",
    }
    return WhatsAppSettings.model_validate(values | overrides)


ADAPTER = WhatsAppAdapter(settings())


def request(body: bytes, *, signature: str | None = None) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    headers["x-hub-signature-256"] = signature or meta.signature(SECRET, body)
    return WebhookRequest("POST", "https://desk.example/webhooks/whatsapp", headers, {}, body)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str) -> list:
    incoming = request(fixture(name))
    ADAPTER.verify(incoming)
    return ADAPTER.parse(incoming)


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


# --- signatures and the subscription handshake ---------------------------------------------


def test_reference_signature_vector() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    expected = "sha256=dec6a680679a968e7e0319355b23599cbfc54502c0784668e9618baa0c633756"
    assert meta.signature(SECRET, body) == expected
    incoming = request(body, signature=expected)
    ADAPTER.verify(incoming)
    assert ADAPTER.parse(incoming) == []


def test_missing_signature_is_401() -> None:
    incoming = WebhookRequest("POST", "https://desk.example/webhooks/whatsapp", {}, {}, b"{}")
    with pytest.raises(SignatureMissing) as caught:
        ADAPTER.verify(incoming)
    assert caught.value.status == 401


def test_signature_of_another_body_is_403() -> None:
    body = fixture("text.json")
    forged = meta.signature(SECRET, body.replace(b"another color", b"a refund"))
    with pytest.raises(SignatureInvalid) as caught:
        ADAPTER.verify(request(body, signature=forged))
    assert caught.value.status == 403


def test_signature_with_another_secret_is_403() -> None:
    body = fixture("text.json")
    with pytest.raises(SignatureInvalid):
        ADAPTER.verify(request(body, signature=meta.signature("not_our_secret", body)))


def test_handshake_echoes_the_challenge_for_our_token() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    incoming = WebhookRequest("GET", "https://desk.example/webhooks/whatsapp", {}, query, b"")
    assert ADAPTER.handshake(incoming) == "1158201444"


def test_handshake_refuses_another_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    incoming = WebhookRequest("GET", "https://desk.example/webhooks/whatsapp", {}, query, b"")
    with pytest.raises(SignatureInvalid):
        ADAPTER.handshake(incoming)


# --- one test per documented payload ----------------------------------------------------------


def test_text() -> None:
    assert parse("text.json") == [
        CustomerMessage(
            external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            sender=SHEENA,
            text="Does it come in another color?",
            sent_at=at(1749416383),
            account="106540352242922",
        )
    ]


def test_interactive_button_reply() -> None:
    [message] = parse("interactive_button_reply.json")
    assert isinstance(message, CustomerMessage)
    assert (message.button, message.text) == ("cancel-button", "Cancel")
    assert message.reply_to == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA"
    assert message.sent_at == at(1750025136)


def test_interactive_list_reply() -> None:
    [message] = parse("interactive_list_reply.json")
    assert isinstance(message, CustomerMessage)
    assert (message.button, message.text) == ("priority_express", "Priority Mail Express")


def test_template_quick_reply_button() -> None:
    [message] = parse("button.json")
    assert isinstance(message, CustomerMessage)
    assert (message.button, message.text) == ("Unsubscribe", "Unsubscribe")
    assert message.reply_to == "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="


def test_image() -> None:
    [message] = parse("image.json")
    assert isinstance(message, CustomerMessage)
    assert message.text == "Taj Mahal"
    assert message.attachments == (
        Attachment(
            kind="image",
            mime_type="image/jpeg",
            provider_id="1003383421387256",
            url="https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133...",
            caption="Taj Mahal",
        ),
    )


def test_document() -> None:
    [message] = parse("document.json")
    assert isinstance(message, CustomerMessage)
    [document] = message.attachments
    assert (document.kind, document.filename, document.mime_type) == (
        "document",
        "receipt.pdf",
        "application/pdf",
    )
    assert (document.provider_id, document.caption) == ("622684793477189", "my receipt")
    assert document.size is None  # the webhook never says; media_call asks
    assert message.text == "my receipt"


def test_voice_note_has_no_caption_and_empty_text() -> None:
    [message] = parse("audio.json")
    assert isinstance(message, CustomerMessage)
    [audio] = message.attachments
    assert (audio.kind, audio.mime_type, audio.provider_id) == (
        "audio",
        "audio/ogg; codecs=opus",
        "1908647269898587",
    )
    assert message.text == ""


def test_location() -> None:
    [message] = parse("location.json")
    assert isinstance(message, CustomerMessage)
    assert message.text == (
        "Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221496582, -122.16165924072)"
    )
    assert message.attachments == (
        Attachment(kind="location", url="https://philzcoffee.com/", caption="Philz Coffee"),
    )


def test_shared_contact() -> None:
    [message] = parse("contacts.json")
    assert isinstance(message, CustomerMessage)
    assert message.text == "Barbara J. Johnson +1 (415) 555-0829"
    assert [a.kind for a in message.attachments] == ["contact"]


def test_reaction_is_ignored() -> None:
    assert parse("reaction.json") == [
        Ignored(
            "reaction",
            external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            detail="👍 on wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
        )
    ]


def test_removed_reaction_is_ignored() -> None:
    [item] = parse("reaction_removed.json")
    assert isinstance(item, Ignored)
    assert item.reason == "reaction"
    assert item.detail is not None and item.detail.startswith("removed on ")


def test_unsupported_type_is_ignored_with_the_error() -> None:
    assert parse("unsupported.json") == [
        Ignored(
            "unsupported:edit",
            external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            detail="131051: Message type unknown - Message type is currently not supported.",
        )
    ]


def test_unknown_type_is_ignored_not_an_error() -> None:
    data = json.loads(fixture("text.json"))
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message |= {"type": "order", "order": {"catalog_id": "194836987003835"}}
    [item] = ADAPTER.parse(request(json.dumps(data).encode()))
    assert item == Ignored("unsupported:order", external_id=message["id"])


def test_system_message_is_ignored() -> None:
    [item] = parse("system.json")
    assert item == Ignored(
        "system",
        external_id="wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==",
        detail="User Sheena Nelson changed from 16505551234 to 12195555358",
    )


@pytest.mark.parametrize(
    ("name", "state", "timestamp"),
    [
        ("status_sent.json", "sent", 1750030073),
        ("status_delivered.json", "delivered", 1750030081),
        ("status_read.json", "read", 1750030140),
    ],
)
def test_statuses(name: str, state: str, timestamp: int) -> None:
    assert parse(name) == [
        DeliveryStatus(
            external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            status=state,  # type: ignore[arg-type]
            at=at(timestamp),
            recipient="16505551234",
        )
    ]


def test_status_failed_carries_code_title_and_details() -> None:
    [status] = parse("status_failed.json")
    assert status == DeliveryStatus(
        external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
        status="failed",
        at=at(1751142888),
        recipient="16505551234",
        error=(
            "131049: This message was not delivered to maintain healthy ecosystem engagement."
            " - In order to maintain a healthy ecosystem engagement, the message failed to be"
            " delivered."
        ),
    )


def test_played_status_is_ignored() -> None:
    body = fixture("status_read.json").replace(b'"read"', b'"played"')
    [item] = ADAPTER.parse(request(body))
    assert isinstance(item, Ignored)
    assert item.reason == "unsupported:status.played"


def test_multiple_messages_in_one_entry_keep_order_and_names() -> None:
    items = parse("multiple_messages.json")
    assert [type(item) for item in items] == [CustomerMessage, CustomerMessage, DeliveryStatus]
    first, second = items[0], items[1]
    assert isinstance(first, CustomerMessage) and isinstance(second, CustomerMessage)
    assert first.sender == SHEENA
    assert second.sender == Sender(
        IdentityKind.PHONE, "+6281234500003", "6281234500003", "Dewi Lestari"
    )
    assert second.text == "Pesanan saya belum sampai"


def test_other_fields_are_ignored() -> None:
    assert parse("template_status_update.json") == [
        Ignored("unsupported:message_template_status_update")
    ]


# --- senders --------------------------------------------------------------------------------


def test_sender_without_profile_has_no_name() -> None:
    data = json.loads(fixture("text.json"))
    del data["entry"][0]["changes"][0]["value"]["contacts"]
    [message] = ADAPTER.parse(request(json.dumps(data).encode()))
    assert isinstance(message, CustomerMessage)
    assert message.sender == Sender(IdentityKind.PHONE, "+16505551234", "16505551234", None)


def test_sender_digits_kept_when_not_a_phone_number() -> None:
    body = fixture("text.json").replace(b'"from": "16505551234"', b'"from": "0"')
    [message] = ADAPTER.parse(request(body))
    assert isinstance(message, CustomerMessage)
    assert (message.sender.value, message.sender.address) == ("0", "0")


# --- malformed bodies -------------------------------------------------------------------------


def test_body_that_is_not_json_is_400() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(b"object=whatsapp_business_account"))
    assert caught.value.status == 400


def test_other_object_is_422() -> None:
    body = fixture("text.json").replace(b'"whatsapp_business_account"', b'"page"')
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(body))
    assert (caught.value.status, caught.value.field) == (422, "object")


def test_missing_from_names_the_field() -> None:
    body = fixture("text.json").replace(b'"from": "16505551234",', b"")
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(body))
    assert caught.value.status == 422
    assert caught.value.field == "entry.0.changes.0.value.messages.0.from"


def test_text_message_without_text_names_the_field() -> None:
    data = json.loads(fixture("text.json"))
    del data["entry"][0]["changes"][0]["value"]["messages"][0]["text"]
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(json.dumps(data).encode()))
    assert caught.value.field == "entry.0.changes.0.value.messages.0.text"


def test_bad_timestamp_names_the_field() -> None:
    body = fixture("status_sent.json").replace(b'"1750030073"', b'"yesterday"')
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(body))
    assert caught.value.field == "entry.0.changes.0.value.statuses.0.timestamp"


def test_missing_metadata_names_the_field() -> None:
    data = json.loads(fixture("text.json"))
    del data["entry"][0]["changes"][0]["value"]["metadata"]
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(json.dumps(data).encode()))
    assert caught.value.field == "entry.0.changes.0.value.metadata"


def test_missing_entry_names_the_field() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.parse(request(b'{"object":"whatsapp_business_account"}'))
    assert (caught.value.status, caught.value.field) == (422, "entry")


# --- sending ----------------------------------------------------------------------------------

MESSAGES_URL = "https://graph.facebook.com/v26.0/106540352242922/messages"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
HEAD = '{"messaging_product":"whatsapp","recipient_type":"individual","to":"6281234500003",'


def test_text_send_is_the_documented_request() -> None:
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Paket Anda tiba besok"))
    assert (call.method, call.url, call.headers) == ("POST", MESSAGES_URL, HEADERS)
    assert (
        call.body
        == (
            HEAD + '"type":"text","text":{"preview_url":false,"body":"Paket Anda tiba besok"}}'
        ).encode()
    )


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    buttons = (Button("track", "Track order"), Button("agent", "Talk to a person"))
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Hi!", buttons=buttons))
    assert (
        call.body
        == (
            HEAD + '"type":"interactive","interactive":{"type":"button","body":{"text":"Hi!"},'
            '"action":{"buttons":['
            '{"type":"reply","reply":{"id":"track","title":"Track order"}},'
            '{"type":"reply","reply":{"id":"agent","title":"Talk to a person"}}]}}}'
        ).encode()
    )


def test_four_buttons_become_a_list() -> None:
    buttons = tuple(Button(f"b{n}", f"Choice {n}") for n in range(1, 5))
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Pick", buttons=buttons))
    interactive = json.loads(call.body)["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Options"
    assert interactive["action"]["sections"] == [
        {"title": "Options", "rows": [{"id": f"b{n}", "title": f"Choice {n}"} for n in range(1, 5)]}
    ]


def test_title_over_twenty_characters_becomes_a_list() -> None:
    buttons = (Button("late", "My parcel has not come"),)  # 22 characters
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Pick", buttons=buttons))
    assert json.loads(call.body)["interactive"]["type"] == "list"


def test_twenty_character_title_stays_a_reply_button() -> None:
    buttons = (Button("late", "x" * 20),)
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Pick", buttons=buttons))
    assert json.loads(call.body)["interactive"]["type"] == "button"


def test_beyond_list_limits_falls_back_to_numbered_text() -> None:
    buttons = tuple(Button(f"b{n}", f"Choice {n}") for n in range(1, 12))  # 11 rows
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Pick", buttons=buttons))
    sent = json.loads(call.body)
    assert sent["type"] == "text"
    assert sent["text"]["body"].splitlines()[:3] == ["Pick", "", "1. Choice 1"]


def test_row_title_over_twenty_four_characters_falls_back_to_text() -> None:
    buttons = (Button("a", "A"), Button("b", "y" * 25))
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Pick", buttons=buttons))
    assert json.loads(call.body)["text"]["body"] == "Pick\n\n1. A\n2. " + "y" * 25


def test_duplicate_titles_are_not_reply_buttons() -> None:
    buttons = (Button("a", "Yes"), Button("b", "Yes"))
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="Ok?", buttons=buttons))
    assert json.loads(call.body)["type"] == "text"


def test_template_send_with_body_parameters() -> None:
    template = Template("order_delayed", "id", ("Dewi", "RD-1042"))
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="", template=template))
    assert call.url == MESSAGES_URL
    assert (
        call.body
        == (
            HEAD + '"type":"template","template":{"name":"order_delayed","language":{"code":"id"},'
            '"components":[{"type":"body","parameters":['
            '{"type":"text","text":"Dewi"},{"type":"text","text":"RD-1042"}]}]}}'
        ).encode()
    )


def test_template_without_parameters_has_no_components() -> None:
    template = Template("hello_again", "en")
    call = ADAPTER.build_send(OutboundMessage(to="6281234500003", text="", template=template))
    assert json.loads(call.body)["template"] == {"name": "hello_again", "language": {"code": "en"}}


def test_send_url_follows_settings() -> None:
    adapter = WhatsAppAdapter(settings(api_base="http://127.0.0.1:8099/", api_version="v25.0"))
    call = adapter.build_send(OutboundMessage(to="6281234500003", text="hi"))
    assert call.url == "http://127.0.0.1:8099/v25.0/106540352242922/messages"


def test_template_spec_renders_what_the_customer_reads() -> None:
    spec = TemplateSpec(
        name="order_delayed", lang="id", text="Hai {{1}}, {{2}} terlambat", params=2
    )
    adapter = WhatsAppAdapter(settings(templates=[spec]))
    assert adapter.template_spec("order_delayed", "id") == spec
    assert adapter.template_spec("order_delayed", "en") is None
    assert spec.render(("Dewi", "RD-1042")) == "Hai Dewi, RD-1042 terlambat"


# --- answers ----------------------------------------------------------------------------------


def error_body(code: int, message: str, details: str | None = None) -> bytes:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "Az8or2yhqkZfEZ-_4Qn_Bam"
    return json.dumps({"error": error}).encode()


def test_accepted_send_gives_the_wamid() -> None:
    body = (
        b'{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234",'
        b'"wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1"}]}'
    )
    result = ADAPTER.read_response(200, {}, body)
    assert (result.ok, result.external_id) == (True, "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1")


def test_200_without_a_message_id_is_not_ok() -> None:
    result = ADAPTER.read_response(200, {}, b"{}")
    assert not result.ok and not result.retryable


def test_outside_the_window_is_permanent() -> None:
    body = error_body(
        131047,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    )
    result = ADAPTER.read_response(400, {}, body)
    assert not result.ok and not result.retryable
    assert result.error is not None
    assert result.error.startswith("131047: Re-engagement message - Message failed to send")


def test_throughput_limit_is_retryable() -> None:
    body = error_body(
        130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."
    )
    result = ADAPTER.read_response(400, {}, body)
    assert result.retryable
    assert result.error == "130429: Rate limit hit - Cloud API message throughput has been reached."


def test_pair_rate_limit_waits_six_seconds() -> None:
    body = error_body(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
    result = ADAPTER.read_response(400, {}, body)
    assert (result.retryable, result.retry_after_s) == (True, 6.0)


def test_retry_after_header_is_honoured() -> None:
    result = ADAPTER.read_response(429, {"Retry-After": "30"}, error_body(80007, "(#80007) x"))
    assert (result.retryable, result.retry_after_s) == (True, 30.0)


@pytest.mark.parametrize("code", [4, 80007, 131000, 131016])
def test_transient_codes_are_retryable(code: int) -> None:
    assert ADAPTER.read_response(400, {}, error_body(code, f"(#{code}) x")).retryable


@pytest.mark.parametrize("code", [190, 131026, 131047, 131049, 131050, 132001, 100])
def test_permanent_codes_are_not_retryable(code: int) -> None:
    result = ADAPTER.read_response(400, {}, error_body(code, f"(#{code}) x"))
    assert not result.retryable
    assert result.retry_after_s is None
    assert result.error == f"{code}: x"


def test_server_error_without_json_is_retryable() -> None:
    result = ADAPTER.read_response(502, {}, b"<html>Bad Gateway</html>")
    assert (result.ok, result.retryable, result.error) == (False, True, "HTTP 502")


def test_client_error_without_json_is_permanent() -> None:
    result = ADAPTER.read_response(404, {}, b"not found")
    assert (result.retryable, result.error) == (False, "HTTP 404")


# --- media ------------------------------------------------------------------------------------


def test_media_call_asks_graph_for_the_id() -> None:
    call = ADAPTER.media_call("1003383421387256")
    assert (call.method, call.url, call.body) == (
        "GET",
        "https://graph.facebook.com/v26.0/1003383421387256",
        b"",
    )
    assert call.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_read_media_gives_the_size() -> None:
    body = (
        b'{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/'
        b'attachments/?mid=1003","mime_type":"image/jpeg","sha256":"SfInY0gGKTsJ",'
        b'"file_size":"303833","id":"1003383421387256"}'
    )
    media = ADAPTER.read_media(body)
    assert (media.id, media.mime_type, media.size, media.sha256) == (
        "1003383421387256",
        "image/jpeg",
        303833,
        "SfInY0gGKTsJ",
    )
    download = ADAPTER.download_call(media)
    assert (download.method, download.url) == ("GET", media.url)
    assert download.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_read_media_error_says_why() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        ADAPTER.read_media(error_body(100, "(#100) Invalid parameter"))
    assert "100: Invalid parameter" in caught.value.message


# --- the 24-hour window -------------------------------------------------------------------------


def test_window_open_within_24_hours() -> None:
    window = ADAPTER.window(NOW - timedelta(hours=23, minutes=59), NOW, by_agent=False)
    assert window.allowed and not window.template_required


def test_window_closed_at_24_hours_even_for_an_agent() -> None:
    last = NOW - timedelta(hours=24)
    window = ADAPTER.window(last, NOW, by_agent=True)
    assert (window.allowed, window.template_required) == (False, True)
    assert window.reason is not None
    assert "last message at 2026-11-22 03:00 UTC" in window.reason
    assert "template" in window.reason


def test_window_needs_a_template_before_the_customer_writes() -> None:
    window = ADAPTER.window(None, NOW, by_agent=False)
    assert (window.allowed, window.template_required) == (False, True)


# --- the adapter and its settings --------------------------------------------------------------


def test_adapter_identity_and_rate_limit() -> None:
    assert ADAPTER.channel is Channel.WHATSAPP
    assert ADAPTER.rate_limit.per_second == 80
    assert ADAPTER.rate_limit.per_recipient_per_second is None  # 131056 is retried instead
    assert ADAPTER.acknowledge()[0] == "text/plain"


def test_secrets_stay_out_of_repr() -> None:
    shown = repr(settings()) + str(settings())
    assert SECRET not in shown and TOKEN not in shown and "verify-me" not in shown


# --- signed requests for eval, tests and the demo -----------------------------------------------


def as_request(signed: SignedWebhook) -> WebhookRequest:
    url = f"https://desk.example{signed.path}"
    return WebhookRequest(signed.method, url, signed.headers, signed.query, signed.body)


def test_signed_webhook_round_trip() -> None:
    signed = signed_webhook(
        settings(),
        from_phone="+62 812-3450-0003",
        text="Halo, paket saya di mana? 📦",
        message_id="wamid.TEST1",
        name="Dewi Lestari",
        at=NOW,
    )
    assert (signed.method, signed.path) == ("POST", "/webhooks/whatsapp")
    incoming = as_request(signed)
    ADAPTER.verify(incoming)
    assert ADAPTER.parse(incoming) == [
        CustomerMessage(
            external_id="wamid.TEST1",
            sender=Sender(IdentityKind.PHONE, "+6281234500003", "6281234500003", "Dewi Lestari"),
            text="Halo, paket saya di mana? 📦",
            sent_at=NOW,
            account="106540352242922",
        )
    ]


def test_signed_webhook_button_tap() -> None:
    signed = signed_webhook(
        settings(),
        from_phone="6281234500003",
        text="ignored",
        message_id="wamid.TEST2",
        at=NOW,
        button=("agent", "Talk to a person"),
        reply_to="wamid.OURS",
    )
    [message] = ADAPTER.parse(as_request(signed))
    assert isinstance(message, CustomerMessage)
    assert (message.button, message.text, message.reply_to) == (
        "agent",
        "Talk to a person",
        "wamid.OURS",
    )
    assert message.sender.name is None


def test_signed_body_is_escaped_as_meta_sends_it() -> None:
    body = signed_webhook(
        settings(), from_phone="6281234500003", text="é/📦", message_id="m", at=NOW
    ).body
    assert b'"body":"\\u00e9\\/\\ud83d\\udce6"' in body
    assert meta_json({"a": "x@y%<"}) == b'{"a":"x\\u0040y\\u0025\\u003C"}'


def test_signed_status_round_trip() -> None:
    signed = signed_status(
        settings(),
        message_id="wamid.OURS",
        status="failed",
        recipient="+6281234500003",
        at=NOW,
        error_code=131026,
        error_title="Message undeliverable",
    )
    incoming = as_request(signed)
    ADAPTER.verify(incoming)
    assert ADAPTER.parse(incoming) == [
        DeliveryStatus(
            external_id="wamid.OURS",
            status="failed",
            at=NOW,
            recipient="6281234500003",
            error="131026: Message undeliverable",
        )
    ]
