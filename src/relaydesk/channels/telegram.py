"""Telegram Bot API: updates by webhook, replies with sendMessage.

Telegram does not sign the body: `setWebhook(secret_token=...)` makes it send that token
back in `X-Telegram-Bot-Api-Secret-Token` on every update, and that header is the proof.
Only private chats are support conversations; groups and channels are ignored.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from relaydesk.channels.base import (
    SETTINGS_CONFIG,
    Attachment,
    AttachmentKind,
    Button,
    CustomerMessage,
    HttpCall,
    IdentityKind,
    Ignored,
    Item,
    OutboundMessage,
    Payload,
    PayloadInvalid,
    RateLimit,
    Sender,
    SendResult,
    SignatureInvalid,
    SignatureMissing,
    SignedWebhook,
    WebhookRequest,
    Window,
    json_body,
    numbered,
    payload_error,
    split_text,
    truncated,
)
from relaydesk.domain.vocab import Channel

SECRET_HEADER = "x-telegram-bot-api-secret-token"
WEBHOOK_PATH = "/webhooks/telegram"
MAX_TEXT_CHARS = 4096  # sendMessage: 1-4096 characters
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data: 1-64 bytes
CALLBACK_PREFIX = "callback:"
PRIVATE = "private"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


class TelegramSettings(BaseModel):
    # a misconfigured token must not reach the logs through the validation error
    model_config = SETTINGS_CONFIG

    bot_token: SecretStr  # "123456789:AA...", from @BotFather
    secret_token: SecretStr  # the setWebhook secret_token
    api_base: str = "https://api.telegram.org"
    messages_per_second: float = 30
    per_chat_per_second: float = 1

    @field_validator("bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not _BOT_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("bot_token must look like '<bot id>:<secret>' as @BotFather gives it")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_token_shape(cls, value: SecretStr) -> SecretStr:
        if not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def bot_id(self) -> str:
        return self.bot_token.get_secret_value().split(":", 1)[0]

    def method_url(self, method: str) -> str:
        # the bot token is part of the URL (Telegram's design): never log this URL
        return f"{self.api_base}/bot{self.bot_token.get_secret_value()}/{method}"


# --- payload models (https://core.telegram.org/bots/api#update) ---------------------------


class TgUser(Payload):
    id: int
    is_bot: bool = False
    first_name: str
    last_name: str | None = None
    username: str | None = None


class TgChat(Payload):
    id: int
    type: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None


class TgPhotoSize(Payload):
    file_id: str
    width: int
    height: int
    file_size: int | None = None


class TgFile(Payload):
    """Document, Voice, Audio, Video, Animation and VideoNote share these fields."""

    file_id: str
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None


class TgSticker(Payload):
    file_id: str
    file_size: int | None = None
    emoji: str | None = None
    is_animated: bool = False
    is_video: bool = False


class TgLocation(Payload):
    latitude: float
    longitude: float


class TgContact(Payload):
    phone_number: str
    first_name: str
    last_name: str | None = None


class TgInlineButton(Payload):
    text: str
    callback_data: str | None = None


class TgInlineKeyboard(Payload):
    inline_keyboard: list[list[TgInlineButton]] = Field(default_factory=list)


class TgMessage(Payload):
    message_id: int
    sender: TgUser | None = Field(None, alias="from")
    chat: TgChat
    date: int
    text: str | None = None
    caption: str | None = None
    photo: list[TgPhotoSize] | None = None
    document: TgFile | None = None
    voice: TgFile | None = None
    audio: TgFile | None = None
    video: TgFile | None = None
    animation: TgFile | None = None
    video_note: TgFile | None = None
    sticker: TgSticker | None = None
    location: TgLocation | None = None
    contact: TgContact | None = None
    reply_to_message: TgMessage | None = None
    reply_markup: TgInlineKeyboard | None = None


class TgCallbackQuery(Payload):
    id: str
    sender: TgUser = Field(alias="from")
    # absent when the message is too old; date 0 when it is inaccessible
    message: TgMessage | None = None
    data: str | None = None


class TgUpdate(Payload):
    update_id: int
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
    channel_post: TgMessage | None = None
    edited_channel_post: TgMessage | None = None
    callback_query: TgCallbackQuery | None = None


class TgResponseParameters(Payload):
    retry_after: float | None = None


class TgResponse(Payload):
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: TgResponseParameters | None = None


class TgSentMessage(Payload):
    message_id: int
    chat: TgChat


# Message fields that are not its content, to name an unsupported content type.
_MESSAGE_METADATA = frozenset(
    {
        "message_thread_id",
        "sender_chat",
        "sender_boost_count",
        "sender_business_bot",
        "business_connection_id",
        "forward_origin",
        "is_topic_message",
        "is_automatic_forward",
        "external_reply",
        "quote",
        "reply_to_story",
        "via_bot",
        "edit_date",
        "has_protected_content",
        "is_from_offline",
        "media_group_id",
        "author_signature",
        "entities",
        "caption_entities",
        "link_preview_options",
        "effect_id",
        "show_caption_above_media",
        "has_media_spoiler",
    }
)


# --- the adapter ---------------------------------------------------------------------------


class TelegramAdapter:
    channel = Channel.TELEGRAM
    max_text_chars = MAX_TEXT_CHARS

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.rate_limit = RateLimit(settings.messages_per_second, settings.per_chat_per_second)

    def verify(self, request: WebhookRequest) -> None:
        given = request.header(SECRET_HEADER)
        if not given:
            raise SignatureMissing(
                "missing X-Telegram-Bot-Api-Secret-Token header", field=SECRET_HEADER
            )
        expected = self.settings.secret_token.get_secret_value()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise SignatureInvalid(
                "X-Telegram-Bot-Api-Secret-Token is not the configured secret token",
                field=SECRET_HEADER,
            )

    def parse(self, request: WebhookRequest) -> list[Item]:
        data = _read_json(request.body)
        try:
            update = TgUpdate.model_validate(data)
        except ValidationError as error:
            raise payload_error(error) from error
        return [self._item(update, _update_kind(data))]

    def acknowledge(self) -> tuple[str, bytes]:
        # any 2xx will do; a JSON body naming a "method" would run as a Bot API call
        return "text/plain", b""

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        # a bot may write to a private chat at any time, until the user blocks it
        return Window(allowed=True)

    def build_send(self, message: OutboundMessage) -> HttpCall:
        keyboard = _inline_keyboard(message.buttons)
        text = message.text if keyboard else numbered(message.text, message.buttons)
        payload: dict[str, Any] = {
            "chat_id": _chat_id(message.to),
            "text": truncated(text, MAX_TEXT_CHARS),
        }
        if keyboard:
            payload["reply_markup"] = {"inline_keyboard": keyboard}
        return self._call("sendMessage", payload)

    def parts(self, message: OutboundMessage) -> tuple[OutboundMessage, ...]:
        """`message` cut into sendMessage-sized messages, buttons on the last one: send
        these in order so build_send never has to shorten a long reply."""
        if _inline_keyboard(message.buttons):
            *head, last = split_text(message.text, MAX_TEXT_CHARS)
            return (
                *(replace(message, text=t, buttons=()) for t in head),
                replace(message, text=last),
            )
        whole = numbered(message.text, message.buttons)
        return tuple(
            replace(message, text=t, buttons=()) for t in split_text(whole, MAX_TEXT_CHARS)
        )

    def answer_callback(self, callback_query_id: str, text: str | None = None) -> HttpCall:
        """answerCallbackQuery: stops the spinner on the button the customer pressed.
        Takes the query id or the CustomerMessage.external_id ("callback:<id>")."""
        payload: dict[str, Any] = {
            "callback_query_id": callback_query_id.removeprefix(CALLBACK_PREFIX)
        }
        if text:
            payload["text"] = text
        return self._call("answerCallbackQuery", payload)

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        answer = _read_response(body)
        if answer is not None and answer.ok and 200 <= status < 300:
            return SendResult(ok=True, external_id=_sent_id(answer.result))
        code = answer.error_code if answer and answer.error_code else status
        description = answer.description if answer and answer.description else f"HTTP {status}"
        retry_after = answer.parameters.retry_after if answer and answer.parameters else None
        return SendResult(
            ok=False,
            error=f"{code}: {description}",
            retryable=_retryable(status) or code == 429,
            retry_after_s=retry_after,
        )

    # --- inbound ---

    def _item(self, update: TgUpdate, kind: str) -> Item:
        if update.message is not None:
            return self._message(update.message, "message")
        if update.channel_post is not None:
            return self._message(update.channel_post, "channel_post")
        edited = update.edited_message or update.edited_channel_post
        if edited is not None:
            # the desk keeps what the customer first wrote; an edit is no new turn
            return Ignored("edited", detail=_message_id(edited))
        if update.callback_query is not None:
            return self._callback(update.callback_query)
        return Ignored(f"unsupported:{kind}")

    def _message(self, message: TgMessage, where: str) -> Item:
        if message.chat.type != PRIVATE:
            return Ignored("group_chat", detail=_message_id(message))
        if message.sender is None:
            raise PayloadInvalid(f"{where}.from: Field required", field=f"{where}.from")
        attachment = _attachment(message)
        if message.text is None and attachment is None:
            return Ignored(f"unsupported:{_content_kind(message)}", detail=_message_id(message))
        return CustomerMessage(
            external_id=_message_id(message),
            sender=_sender(message.sender, message.chat.id),
            text=message.text if message.text is not None else (message.caption or ""),
            sent_at=datetime.fromtimestamp(message.date, UTC),
            attachments=(attachment,) if attachment else (),
            reply_to=_message_id(message.reply_to_message) if message.reply_to_message else None,
            account=self.settings.bot_id,
        )

    def _callback(self, query: TgCallbackQuery) -> Item:
        pressed_on = query.message
        if pressed_on is not None and pressed_on.chat.type != PRIVATE:
            return Ignored("group_chat", detail=f"{CALLBACK_PREFIX}{query.id}")
        if query.data is None:
            # a game button (game_short_name): nothing a support desk answers
            return Ignored("unsupported:callback_game", detail=f"{CALLBACK_PREFIX}{query.id}")
        # in a private chat the chat id is the user id, so an old message is no loss
        chat_id = pressed_on.chat.id if pressed_on else query.sender.id
        return CustomerMessage(
            external_id=f"{CALLBACK_PREFIX}{query.id}",
            sender=_sender(query.sender, chat_id),
            text=_button_title(pressed_on, query.data) or query.data,
            button=query.data,
            reply_to=_message_id(pressed_on) if pressed_on else None,
            account=self.settings.bot_id,
        )

    def _call(self, method: str, payload: dict[str, Any]) -> HttpCall:
        return HttpCall(
            method="POST",
            url=self.settings.method_url(method),
            headers={"Content-Type": "application/json"},
            body=json_body(payload),
        )


# --- helpers -------------------------------------------------------------------------------


def _read_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadInvalid(f"body is not JSON: {error}", status=400) from error


def _update_kind(data: Any) -> str:
    """The name of the one optional field an Update carries, e.g. "my_chat_member"."""
    if isinstance(data, dict):
        return next((key for key in data if key != "update_id"), "empty")
    return "empty"


def _message_id(message: TgMessage) -> str:
    # message ids are unique only within a chat, and update_id restarts at random after
    # a week without updates: the chat id and the message id together are stable
    return f"{message.chat.id}:{message.message_id}"


def _sender(user: TgUser, chat_id: int) -> Sender:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return Sender(
        IdentityKind.TELEGRAM, value=str(user.id), address=str(chat_id), name=name or None
    )


def _attachment(message: TgMessage) -> Attachment | None:
    caption = message.caption
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return Attachment(
            "image", "image/jpeg", largest.file_size, largest.file_id, caption=caption
        )
    media_fields: tuple[tuple[AttachmentKind, TgFile | None], ...] = (
        # an animation also fills `document` (backward compatibility): read it first
        ("video", message.animation),
        ("video", message.video),
        ("video", message.video_note),
        ("audio", message.voice),
        ("audio", message.audio),
        ("document", message.document),
    )
    for kind, media in media_fields:
        if media is not None:
            return _file(kind, media, caption)
    return _special(message)


def _file(kind: AttachmentKind, media: TgFile, caption: str | None) -> Attachment:
    return Attachment(
        kind,
        mime_type=media.mime_type,
        size=media.file_size,
        provider_id=media.file_id,
        filename=media.file_name,
        caption=caption,
    )


def _special(message: TgMessage) -> Attachment | None:
    if message.sticker is not None:
        return Attachment(
            "sticker",
            _sticker_mime(message.sticker),
            message.sticker.file_size,
            message.sticker.file_id,
            caption=message.sticker.emoji,
        )
    if message.location is not None:
        where = message.location
        return Attachment("location", url=f"geo:{where.latitude},{where.longitude}")
    if message.contact is not None:
        card = message.contact
        name = " ".join(part for part in (card.first_name, card.last_name) if part)
        return Attachment("contact", url=f"tel:{card.phone_number}", caption=name)
    return None


def _sticker_mime(sticker: TgSticker) -> str:
    if sticker.is_animated:
        return "application/x-tgsticker"
    return "video/webm" if sticker.is_video else "image/webp"


def _content_kind(message: TgMessage) -> str:
    return next(
        (key for key in message.model_extra or {} if key not in _MESSAGE_METADATA), "message"
    )


def _button_title(message: TgMessage | None, data: str) -> str | None:
    if message is None or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _inline_keyboard(buttons: tuple[Button, ...]) -> list[list[dict[str, str]]]:
    """One button a row; none when any id does not fit callback_data (1-64 bytes), and
    the caller falls back to numbered text."""
    if not buttons or not all(
        0 < len(button.id.encode()) <= MAX_CALLBACK_DATA_BYTES for button in buttons
    ):
        return []
    return [[{"text": button.title, "callback_data": button.id}] for button in buttons]


def _chat_id(address: str) -> int | str:
    try:
        return int(address)
    except ValueError:
        return address  # "@channelusername"


def _read_response(body: bytes) -> TgResponse | None:
    try:
        return TgResponse.model_validate_json(body)
    except ValidationError:
        return None  # a proxy's HTML error page, an empty body


def _sent_id(result: Any) -> str | None:
    try:
        sent = TgSentMessage.model_validate(result)
    except ValidationError:
        return None  # answerCallbackQuery and the like answer `true`
    return f"{sent.chat.id}:{sent.message_id}"


def _retryable(status: int) -> bool:
    return status in (0, 408, 429) or status >= 500


# --- signed requests, as Telegram sends them -------------------------------------------------


def signed_webhook(
    settings: TelegramSettings,
    *,
    user_id: int,
    chat_id: int | None = None,
    text: str,
    message_id: int,
    update_id: int,
    first_name: str,
    at: datetime,
    callback_data: str | None = None,
) -> SignedWebhook:
    """A customer's text message (or, with callback_data, the press of a button titled
    `text` under the bot's message `message_id`) as Telegram posts it to the webhook."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    chat = _chat(chat_id if chat_id is not None else user_id, first_name)
    date = int(at.timestamp())
    if callback_data is None:
        message = {"message_id": message_id, "from": user, "chat": chat, "date": date, "text": text}
        update: dict[str, Any] = {"update_id": update_id, "message": message}
    else:
        update = {
            "update_id": update_id,
            "callback_query": _callback_query(
                settings, user, chat, message_id, date, text, callback_data, update_id
            ),
        }
    return SignedWebhook(
        method="POST",
        path=WEBHOOK_PATH,
        headers={
            "content-type": "application/json",
            SECRET_HEADER: settings.secret_token.get_secret_value(),
        },
        body=json_body(update),
    )


def _chat(chat_id: int, first_name: str) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "first_name": first_name, "type": PRIVATE}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "title": "Customers", "type": kind}


def _callback_query(
    settings: TelegramSettings,
    user: dict[str, Any],
    chat: dict[str, Any],
    message_id: int,
    date: int,
    title: str,
    data: str,
    update_id: int,
) -> dict[str, Any]:
    bot = {
        "id": int(settings.bot_id),
        "is_bot": True,
        "first_name": "Support",
        "username": "support_bot",
    }
    keyboard = {"inline_keyboard": [[{"text": title, "callback_data": data}]]}
    return {
        "id": f"{user['id']}{update_id}",
        "from": user,
        "message": {
            "message_id": message_id,
            "from": bot,
            "chat": chat,
            "date": date,
            "text": "Choose one:",
            "reply_markup": keyboard,
        },
        "chat_instance": f"{settings.bot_id}{chat['id']}",
        "data": data,
    }
