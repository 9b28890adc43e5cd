from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from relaydesk.channels.base import (
    Attachment,
    Button,
    CustomerMessage,
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
from relaydesk.channels.telegram import (
    TelegramAdapter,
    TelegramSettings,
    signed_webhook,
    split_text,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
SECRET = "relay-desk_secret-0123"
TOKEN = "7012345678:AAH3kq_Tj8F2-example-token"
SARI = Sender(IdentityKind.TELEGRAM, "5212345678", "5212345678", "Sari Wulandari")
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> TelegramSettings:
    return TelegramSettings(bot_token=TOKEN, secret_token=SECRET, api_base="http://127.0.0.1:9")


@pytest.fixture
def adapter(settings: TelegramSettings) -> TelegramAdapter:
    return TelegramAdapter(settings)


def request(body: bytes, secret: str | None = SECRET) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-telegram-bot-api-secret-token"] = secret
    return WebhookRequest("POST", "https://desk.example.com/webhooks/telegram", headers, {}, body)


def fixture(name: str) -> WebhookRequest:
    return request((FIXTURES / name).read_bytes())


def parse_one(adapter: TelegramAdapter, name: str) -> object:
    incoming = fixture(name)
    adapter.verify(incoming)
    [item] = adapter.parse(incoming)
    return item


# --- verify ---


def test_the_secret_token_header_passes(adapter: TelegramAdapter) -> None:
    adapter.verify(fixture("text.json"))


def test_a_missing_secret_token_is_401(adapter: TelegramAdapter) -> None:
    with pytest.raises(SignatureMissing) as caught:
        adapter.verify(request(b"{}", secret=None))
    assert caught.value.status == 401
    assert caught.value.field == "x-telegram-bot-api-secret-token"


def test_a_wrong_secret_token_is_403(adapter: TelegramAdapter) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        adapter.verify(request(b"{}", secret=SECRET + "x"))
    assert caught.value.status == 403


def test_the_secret_token_has_telegrams_shape() -> None:
    with pytest.raises(ValidationError, match="secret_token"):
        TelegramSettings(bot_token=TOKEN, secret_token="has space")
    with pytest.raises(ValidationError, match="secret_token"):
        TelegramSettings(bot_token=TOKEN, secret_token="a" * 257)
    TelegramSettings(bot_token=TOKEN, secret_token="a" * 256)


def test_secrets_stay_out_of_repr_and_errors(settings: TelegramSettings) -> None:
    assert TOKEN not in repr(settings) and SECRET not in repr(settings)
    with pytest.raises(ValidationError) as caught:
        TelegramSettings(bot_token=TOKEN, secret_token="leaked secret!")
    assert "leaked secret!" not in str(caught.value)


# --- parse: one fixture each ---


def test_text_message(adapter: TelegramAdapter) -> None:
    assert parse_one(adapter, "text.json") == CustomerMessage(
        external_id="5212345678:1042",
        sender=SARI,
        text="Pesanan ORD-10023 belum sampai",
        sent_at=AT,
        reply_to="5212345678:1041",
        account="7012345678",
    )


def test_photo_takes_the_largest_size(adapter: TelegramAdapter) -> None:
    item = parse_one(adapter, "photo.json")
    assert isinstance(item, CustomerMessage)
    assert item.text == "Kotaknya penyok"
    assert item.attachments == (
        Attachment(
            "image",
            "image/jpeg",
            size=152377,
            provider_id="AgACAgUAAxkBAAIEE2dZ0k1aSmFsbF9waG90b18zAAG7wDEb",
            caption="Kotaknya penyok",
        ),
    )


def test_document(adapter: TelegramAdapter) -> None:
    item = parse_one(adapter, "document.json")
    assert isinstance(item, CustomerMessage)
    assert item.text == "Ini bukti transfernya"
    [document] = item.attachments
    assert (document.kind, document.mime_type, document.size, document.filename) == (
        "document",
        "application/pdf",
        48213,
        "bukti-transfer-ORD-10023.pdf",
    )
    assert document.provider_id == "BQACAgUAAxkBAAIEFGdZ0k1kb2N1bWVudAAClxMAAkFk0FY2BA"


def test_voice(adapter: TelegramAdapter) -> None:
    item = parse_one(adapter, "voice.json")
    assert isinstance(item, CustomerMessage)
    assert item.text == ""
    assert item.attachments == (
        Attachment(
            "audio",
            "audio/ogg",
            size=15872,
            provider_id="AwACAgUAAxkBAAIEFWdZ0k12b2ljZQAClxQAAkFk0FY2BA",
        ),
    )


def test_sticker(adapter: TelegramAdapter) -> None:
    item = parse_one(adapter, "sticker.json")
    assert isinstance(item, CustomerMessage)
    [sticker] = item.attachments
    assert (sticker.kind, sticker.mime_type, sticker.size, sticker.caption) == (
        "sticker",
        "image/webp",
        23456,
        "👍",
    )


def test_callback_query_is_the_pressed_button(adapter: TelegramAdapter) -> None:
    assert parse_one(adapter, "callback_query.json") == CustomerMessage(
        external_id="callback:4382bfdwdsb323b2d9",
        sender=SARI,
        text="Belum, hubungkan ke agen",
        button="resolved_no",
        reply_to="5212345678:1047",
        account="7012345678",
    )


def test_edited_message_is_ignored(adapter: TelegramAdapter) -> None:
    assert parse_one(adapter, "edited_message.json") == Ignored("edited", detail="5212345678:1042")


def test_group_message_is_ignored(adapter: TelegramAdapter) -> None:
    assert parse_one(adapter, "group_message.json") == Ignored(
        "group_chat", detail="-1001987654321:88"
    )


def test_blocked_bot_is_an_unsupported_update(adapter: TelegramAdapter) -> None:
    assert parse_one(adapter, "my_chat_member.json") == Ignored("unsupported:my_chat_member")


def test_location_and_contact(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "text.json").read_bytes())
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": -6.2, "longitude": 106.816666}
    [item] = adapter.parse(request(json.dumps(update).encode()))
    assert isinstance(item, CustomerMessage)
    assert item.attachments == (Attachment("location", url="geo:-6.2,106.816666"),)
    del update["message"]["location"]
    update["message"]["contact"] = {"phone_number": "+6281234500003", "first_name": "Sari"}
    [item] = adapter.parse(request(json.dumps(update).encode()))
    assert isinstance(item, CustomerMessage)
    assert item.attachments == (Attachment("contact", url="tel:+6281234500003", caption="Sari"),)


def test_an_unknown_message_type_is_ignored(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "text.json").read_bytes())
    del update["message"]["text"]
    update["message"]["dice"] = {"emoji": "🎲", "value": 4}
    assert adapter.parse(request(json.dumps(update).encode())) == [
        Ignored("unsupported:dice", detail="5212345678:1042")
    ]


def test_callback_from_an_old_message_replies_to_the_user(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "callback_query.json").read_bytes())
    del update["callback_query"]["message"]
    [item] = adapter.parse(request(json.dumps(update).encode()))
    assert isinstance(item, CustomerMessage)
    assert (item.text, item.button, item.sender, item.reply_to) == (
        "resolved_no",
        "resolved_no",
        SARI,
        None,
    )


# --- malformed ---


def test_a_body_that_is_not_json_is_400(adapter: TelegramAdapter) -> None:
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(b"update_id=1"))
    assert caught.value.status == 400


def test_a_missing_field_is_named(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "text.json").read_bytes())
    del update["message"]["chat"]["id"]
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(json.dumps(update).encode()))
    assert (caught.value.status, caught.value.field) == (422, "message.chat.id")


def test_a_private_message_without_sender_is_invalid(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "text.json").read_bytes())
    del update["message"]["from"]
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(json.dumps(update).encode()))
    assert (caught.value.status, caught.value.field) == (422, "message.from")


def test_a_mistyped_sender_names_from(adapter: TelegramAdapter) -> None:
    update = json.loads((FIXTURES / "photo.json").read_bytes())
    update["message"]["from"]["id"] = "Sari"
    with pytest.raises(PayloadInvalid) as caught:
        adapter.parse(request(json.dumps(update).encode()))
    assert caught.value.field == "message.from.id"


# --- outbound ---


def test_adapter_contract(adapter: TelegramAdapter) -> None:
    assert adapter.channel is Channel.TELEGRAM
    assert adapter.rate_limit == RateLimit(30, 1)
    assert adapter.window(None, AT, by_agent=False).allowed
    assert adapter.window(datetime(2020, 1, 1, tzinfo=UTC), AT, by_agent=True).allowed
    assert adapter.acknowledge() == ("text/plain", b"")


def test_build_send_plain_text(adapter: TelegramAdapter) -> None:
    call = adapter.build_send(OutboundMessage(to="5212345678", text="Paket Anda tiba besok."))
    assert call.method == "POST"
    assert call.url == f"http://127.0.0.1:9/bot{TOKEN}/sendMessage"
    assert call.headers == {"Content-Type": "application/json"}
    assert call.body == b'{"chat_id":5212345678,"text":"Paket Anda tiba besok."}'


def test_build_send_buttons_as_inline_keyboard(adapter: TelegramAdapter) -> None:
    buttons = (Button("resolved_yes", "Ya"), Button("resolved_no", "Belum"))
    call = adapter.build_send(OutboundMessage("5212345678", "Sudah selesai?", buttons))
    assert call.body == (
        b'{"chat_id":5212345678,"text":"Sudah selesai?","reply_markup":{"inline_keyboard":'
        b'[[{"text":"Ya","callback_data":"resolved_yes"}],'
        b'[{"text":"Belum","callback_data":"resolved_no"}]]}}'
    )


def test_button_ids_over_64_bytes_fall_back_to_numbered_text(adapter: TelegramAdapter) -> None:
    buttons = (Button("x" * 65, "Ya"), Button("no", "Belum"))
    call = adapter.build_send(OutboundMessage("5212345678", "Sudah selesai?", buttons))
    body = json.loads(call.body)
    assert body == {"chat_id": 5212345678, "text": "Sudah selesai?\n\n1. Ya\n2. Belum"}


def test_long_text_is_cut_into_parts(adapter: TelegramAdapter) -> None:
    paragraph = " ".join(["kata"] * 700)  # 3499 characters
    message = OutboundMessage("5212345678", f"{paragraph}\n\n{paragraph}", (Button("ok", "OK"),))
    parts = adapter.parts(message)
    assert [len(part.text) for part in parts] == [3499, 3499]
    assert [part.buttons for part in parts] == [(), (Button("ok", "OK"),)]
    assert all(len(adapter.build_send(part).body) < 4200 for part in parts)


def test_build_send_never_exceeds_the_limit(adapter: TelegramAdapter) -> None:
    call = adapter.build_send(OutboundMessage("5212345678", "a" * 5000))
    text = json.loads(call.body)["text"]
    assert len(text) == 4096 and text.endswith("…")


def test_split_text_cuts_hard_without_breaks() -> None:
    assert split_text("a" * 10, 4) == ["aaaa", "aaaa", "aa"]
    assert split_text("short", 4096) == ["short"]


def test_answer_callback(adapter: TelegramAdapter) -> None:
    call = adapter.answer_callback("callback:4382bfdwdsb323b2d9")
    assert call.url == f"http://127.0.0.1:9/bot{TOKEN}/answerCallbackQuery"
    assert call.headers == {"Content-Type": "application/json"}
    assert call.body == b'{"callback_query_id":"4382bfdwdsb323b2d9"}'


# --- read_response ---


def test_sent_message_id_is_chat_and_message(adapter: TelegramAdapter) -> None:
    body = (
        b'{"ok":true,"result":{"message_id":1048,"from":{"id":7012345678,"is_bot":true,'
        b'"first_name":"Toko Support"},"chat":{"id":5212345678,"type":"private"},'
        b'"date":1795403400,"text":"Paket Anda tiba besok."}}'
    )
    result = adapter.read_response(200, {}, body)
    assert (result.ok, result.external_id) == (True, "5212345678:1048")


def test_answer_callback_response_is_ok(adapter: TelegramAdapter) -> None:
    result = adapter.read_response(200, {}, b'{"ok":true,"result":true}')
    assert (result.ok, result.external_id) == (True, None)


def test_flood_control_is_retryable_after_the_wait(adapter: TelegramAdapter) -> None:
    body = (
        b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5",'
        b'"parameters":{"retry_after":5}}'
    )
    result = adapter.read_response(429, {}, body)
    assert (result.ok, result.retryable, result.retry_after_s) == (False, True, 5)
    assert result.error == "429: Too Many Requests: retry after 5"


def test_blocked_by_the_user_is_permanent(adapter: TelegramAdapter) -> None:
    body = b'{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}'
    result = adapter.read_response(403, {}, body)
    assert (result.ok, result.retryable) == (False, False)
    assert result.error == "403: Forbidden: bot was blocked by the user"


def test_bad_request_is_permanent(adapter: TelegramAdapter) -> None:
    body = b'{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}'
    result = adapter.read_response(400, {}, body)
    assert (result.retryable, result.error) == (False, "400: Bad Request: message text is empty")


def test_server_errors_are_retryable(adapter: TelegramAdapter) -> None:
    result = adapter.read_response(502, {}, b"<html>Bad Gateway</html>")
    assert (result.ok, result.retryable, result.error) == (False, True, "502: HTTP 502")


# --- signed_webhook ---


def test_signed_webhook_round_trips(adapter: TelegramAdapter, settings: TelegramSettings) -> None:
    hook = signed_webhook(
        settings,
        user_id=5212345678,
        text="Halo",
        message_id=7,
        update_id=100,
        first_name="Sari",
        at=AT,
    )
    assert (hook.method, hook.path) == ("POST", "/webhooks/telegram")
    incoming = WebhookRequest("POST", "http://testserver" + hook.path, hook.headers, {}, hook.body)
    adapter.verify(incoming)
    assert adapter.parse(incoming) == [
        CustomerMessage(
            external_id="5212345678:7",
            sender=Sender(IdentityKind.TELEGRAM, "5212345678", "5212345678", "Sari"),
            text="Halo",
            sent_at=AT,
            account="7012345678",
        )
    ]


def test_signed_webhook_button_press(adapter: TelegramAdapter, settings: TelegramSettings) -> None:
    hook = signed_webhook(
        settings,
        user_id=5212345678,
        text="Belum",
        message_id=8,
        update_id=101,
        first_name="Sari",
        at=AT,
        callback_data="resolved_no",
    )
    [item] = adapter.parse(WebhookRequest("POST", "http://testserver", hook.headers, {}, hook.body))
    assert isinstance(item, CustomerMessage)
    assert (item.text, item.button, item.external_id) == (
        "Belum",
        "resolved_no",
        "callback:5212345678101",
    )


def test_signed_webhook_in_a_group_is_ignored(
    adapter: TelegramAdapter, settings: TelegramSettings
) -> None:
    hook = signed_webhook(
        settings,
        user_id=5212345678,
        chat_id=-1001987654321,
        text="Halo",
        message_id=9,
        update_id=102,
        first_name="Sari",
        at=AT,
    )
    [item] = adapter.parse(WebhookRequest("POST", "http://testserver", hook.headers, {}, hook.body))
    assert item == Ignored("group_chat", detail="-1001987654321:9")
