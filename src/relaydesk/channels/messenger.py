"""Facebook Messenger and Instagram Messaging (Messenger Platform, Facebook Login).

Both arrive as Meta webhooks signed with `X-Hub-Signature-256`, `object` "page" or
"instagram", each entry carrying `messaging[]` events (the App Dashboard's test button sends
the `changes[]` form instead, with the same event under `value`). Both send through the
Graph API Send API with a Page access token, and share the 24-hour window with a 7-day
HUMAN_AGENT tag for replies a person writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, SecretStr, ValidationError

from relaydesk.channels import meta
from relaydesk.channels.base import (
    SETTINGS_CONFIG,
    Attachment,
    AttachmentKind,
    Button,
    CustomerMessage,
    DeliveryStatus,
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
    SignedWebhook,
    WebhookRequest,
    Window,
    json_body,
    numbered,
    payload_error,
)
from relaydesk.domain.vocab import Channel

__all__ = [
    "HUMAN_AGENT",
    "InstagramAdapter",
    "InstagramSettings",
    "MessengerAdapter",
    "MessengerSettings",
    "signed_delivery",
    "signed_read",
    "signed_webhook",
]

GRAPH_API = "https://graph.facebook.com"
GRAPH_VERSION = "v26.0"  # current Graph API version (changelog: introduced July 29, 2026)
HUMAN_AGENT = "HUMAN_AGENT"
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
QUICK_REPLIES_MAX = 13  # Messenger and Instagram quick replies: up to 13 buttons,
QUICK_REPLY_TITLE_MAX = 20  # titles of 20 characters,
QUICK_REPLY_PAYLOAD_MAX = 1000  # payloads of 1000 characters
MESSENGER_TEXT_MAX_CHARS = 2000
INSTAGRAM_TEXT_MAX_BYTES = 1000  # "Message text must be UTF-8 and be 1000 bytes or less"


# --- settings ------------------------------------------------------------------------------


class _MetaAppSettings(BaseModel):
    model_config = SETTINGS_CONFIG
    app_secret: SecretStr  # signs the webhooks (App settings > Basic)
    verify_token: SecretStr  # the subscription handshake's hub.verify_token
    page_access_token: SecretStr
    api_base: str = GRAPH_API
    api_version: str = GRAPH_VERSION


class MessengerSettings(_MetaAppSettings):
    model_config = SETTINGS_CONFIG
    page_id: str
    # Meta stops showing a Page's inbox, and its sends, above 40 messages a second.
    messages_per_second: float = 40.0


class InstagramSettings(_MetaAppSettings):
    """Instagram Messaging through the Messenger Platform: the professional account is
    linked to a Facebook Page, and `page_access_token` is that Page's token."""

    model_config = SETTINGS_CONFIG

    account_id: str  # the Instagram professional account id (entry.id, recipient.id)
    # Well under the Send API's 300 calls a second per account; Meta also stops an
    # account's inbox when it sends and receives a high volume (72,000 messages).
    messages_per_second: float = 20.0


# --- provider payloads ---------------------------------------------------------------------


class _Party(Payload):
    id: str


class _QuickReply(Payload):
    payload: str


class _ReplyTo(Payload):
    mid: str | None = None  # absent when an Instagram customer replies to a story


class _Coordinates(Payload):
    lat: float
    long: float


class _AttachmentPayload(Payload):
    url: str | None = None
    title: str | None = None  # shared reels and posts
    sticker_id: int | str | None = None
    reel_video_id: int | str | None = None
    coordinates: _Coordinates | None = None


class _Attachment(Payload):
    type: str
    payload: _AttachmentPayload | None = None  # null for unsupported shares (fallback)
    title: str | None = None
    url: str | None = None  # older fallback attachments put the link here


class _Message(Payload):
    mid: str
    text: str | None = None
    quick_reply: _QuickReply | None = None
    reply_to: _ReplyTo | None = None
    attachments: tuple[_Attachment, ...] = ()
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False


class _Postback(Payload):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None


class _Delivery(Payload):
    mids: tuple[str, ...] = ()  # "may not be present"; the watermark always is
    watermark: int


class _Read(Payload):
    watermark: int | None = None  # Messenger: everything sent up to then was read
    mid: str | None = None  # Instagram (messaging_seen): the last message read


class _Reaction(Payload):
    mid: str | None = None
    action: str | None = None
    reaction: str | None = None
    emoji: str | None = None


class _Event(Payload):
    sender: _Party
    recipient: _Party
    timestamp: int | None = None  # milliseconds; delivery events carry none
    message: _Message | None = None
    postback: _Postback | None = None
    delivery: _Delivery | None = None
    read: _Read | None = None
    reaction: _Reaction | None = None


class _Change(Payload):
    field: str
    value: Any = None


class _Entry(Payload):
    id: str
    time: int | None = None
    messaging: tuple[_Event, ...] = ()
    # Events for a conversation another app controls (handover protocol): not ours.
    standby: tuple[dict[str, Any], ...] = ()
    changes: tuple[_Change, ...] = ()


class _Notification(Payload):
    object: str
    entry: tuple[_Entry, ...]


# Meta's attachment types as the desk's kinds. Shares, story mentions and posts carry only
# a URL to what was shared; reels are videos.
_ATTACHMENT_KINDS: dict[str, AttachmentKind] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "file",
    "sticker": "sticker",
    "location": "location",
    "reel": "video",
    "ig_reel": "video",
    "fallback": "file",
    "share": "file",
    "story_mention": "file",
    "post": "file",
    "ig_post": "file",
}

# Graph API codes worth another try: unknown / temporary errors, the app, user and Page
# request limits, the Send API rate limit, "Temporary send message failure", and the
# business-use-case limits of Instagram (80002) and Messenger (80006).
_RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 1200, 80002, 80006})
# Permanent whatever the HTTP status: permissions (10/2018278 is "outside of allowed
# window"), invalid parameter, bad token, abuse, "This person isn't available right now".
_PERMANENT_CODES = frozenset({10, 100, 190, 200, 230, 368, 551, 2022, 10900, 10903, 10904})


# --- the adapters --------------------------------------------------------------------------


class _MetaMessagingAdapter:
    """What Messenger and Instagram share; subclasses name the object, the identity kind,
    the sending node and the text limit."""

    channel: Channel
    rate_limit: RateLimit
    object_name: str
    identity: IdentityKind
    label: str

    def __init__(self, settings: _MetaAppSettings, *, messages_per_second: float) -> None:
        self._app = settings
        self.rate_limit = RateLimit(per_second=messages_per_second)

    # inbound

    def verify(self, request: WebhookRequest) -> None:
        meta.verify_signature(request, self._app.app_secret.get_secret_value())

    def handshake(self, request: WebhookRequest) -> str:
        return meta.handshake(request, self._app.verify_token.get_secret_value())

    def parse(self, request: WebhookRequest) -> list[Item]:
        notification = _read_notification(request.body)
        if notification.object != self.object_name:
            raise PayloadInvalid(
                f"object must be {self.object_name!r}, not {notification.object!r}",
                field="object",
            )
        items: list[Item] = []
        for index, entry in enumerate(notification.entry):
            items.extend(self._entry(index, entry))
        return items

    def acknowledge(self) -> tuple[str, bytes]:
        return "text/plain", b"EVENT_RECEIVED"

    def _entry(self, index: int, entry: _Entry) -> list[Item]:
        items: list[Item] = []
        for event in entry.messaging:
            items.extend(self._event(event, entry.time))
        items.extend(_standby(event) for event in entry.standby)
        for number, change in enumerate(entry.changes):
            where = f"entry.{index}.changes.{number}.value"
            items.extend(self._change(change, where, entry.time))
        return items

    def _change(self, change: _Change, where: str, entry_time: int | None) -> list[Item]:
        if not (isinstance(change.value, dict) and "sender" in change.value):
            return [Ignored(f"unsupported:{change.field}")]  # comments, mentions, ...
        try:
            event = _Event.model_validate(change.value)
        except ValidationError as error:
            raise payload_error(error, prefix=where) from error
        return self._event(event, entry_time)

    def _event(self, event: _Event, entry_time: int | None) -> list[Item]:
        if event.message is not None:
            return [self._message(event, event.message, entry_time)]
        if event.postback is not None:
            return [self._postback(event, event.postback, entry_time)]
        if event.delivery is not None:
            return _delivered(event, event.delivery)
        if event.read is not None:
            return [_read(event, event.read)]
        if event.reaction is not None:
            return [_reacted(event.reaction)]
        # referral, optin, pass_thread_control, message_edit, ...: the event's own key
        kind = next(iter(event.model_extra or {}), "unknown")
        return [Ignored(f"unsupported:{kind}")]

    def _message(self, event: _Event, message: _Message, entry_time: int | None) -> Item:
        if message.is_echo:
            return Ignored("echo", external_id=message.mid)
        if message.is_deleted:
            return Ignored("deleted", external_id=message.mid)
        if message.is_unsupported:
            return Ignored("unsupported:message", external_id=message.mid)
        attachments = _attachments(message.attachments)
        if not message.text and not attachments:
            kinds = [attachment.type for attachment in message.attachments]
            return Ignored(f"unsupported:{kinds[0] if kinds else 'empty'}", external_id=message.mid)
        return CustomerMessage(
            external_id=message.mid,
            sender=self._customer(event),
            text=message.text or "",
            sent_at=_instant(event.timestamp or entry_time),
            attachments=attachments,
            button=message.quick_reply.payload if message.quick_reply else None,
            reply_to=message.reply_to.mid if message.reply_to else None,
            account=event.recipient.id,
        )

    def _postback(self, event: _Event, postback: _Postback, entry_time: int | None) -> Item:
        at = event.timestamp or entry_time
        # Postbacks before Graph API v11 (and Messenger's older clients) carry no mid.
        external_id = postback.mid or f"postback:{event.sender.id}:{at}"
        return CustomerMessage(
            external_id=external_id,
            sender=self._customer(event),
            text=postback.title or postback.payload or "",
            sent_at=_instant(at),
            button=postback.payload,
            account=event.recipient.id,
        )

    def _customer(self, event: _Event) -> Sender:
        return Sender(kind=self.identity, value=event.sender.id, address=event.sender.id)

    # outbound

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        if last_customer_at is None:
            return Window(
                allowed=False,
                reason=f"{self.label} only allows replies to a customer who wrote first, "
                "and this customer has not written yet",
            )
        age = now - last_customer_at
        if age <= STANDARD_WINDOW:
            return Window(allowed=True)
        if by_agent and age <= HUMAN_AGENT_WINDOW:
            return Window(allowed=True, tag=HUMAN_AGENT)
        return Window(allowed=False, reason=self._closed(last_customer_at, age, by_agent=by_agent))

    def _closed(self, last_customer_at: datetime, age: timedelta, *, by_agent: bool) -> str:
        wrote = f"the customer last wrote at {_stamp(last_customer_at)} ({_ago(age)} ago)"
        if by_agent or age > HUMAN_AGENT_WINDOW:
            return (
                f"outside {self.label}'s 7-day human agent window: {wrote}; "
                "a reply can go out once the customer writes again"
            )
        until = _stamp(last_customer_at + HUMAN_AGENT_WINDOW)
        return (
            f"outside {self.label}'s 24-hour messaging window: {wrote}; only an agent may "
            f"reply now (with the {HUMAN_AGENT} tag), until {until}"
        )

    def build_send(self, message: OutboundMessage) -> HttpCall:
        data: dict[str, Any] = {"recipient": {"id": message.to}}
        if message.tag:
            data["messaging_type"] = "MESSAGE_TAG"
            data["tag"] = message.tag
        else:
            data["messaging_type"] = "RESPONSE"
        data["message"] = self._content(message.text, message.buttons)
        token = quote(self._app.page_access_token.get_secret_value(), safe="")
        base = self._app.api_base.rstrip("/")
        # The Send API takes the Page token as the access_token query parameter, as every
        # Messenger and Instagram Messaging example shows, with a JSON body.
        return HttpCall(
            method="POST",
            url=f"{base}/{self._app.api_version}/{self._sending_node()}/messages"
            f"?access_token={token}",
            headers={"Content-Type": "application/json"},
            body=json_body(data),
        )

    def _content(self, text: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
        if not buttons:
            return {"text": self._fit(text)}
        if not _fits_quick_replies(buttons):
            return {"text": self._fit(numbered(text, buttons))}
        replies = [
            {"content_type": "text", "title": button.title, "payload": button.id}
            for button in buttons
        ]
        return {"text": self._fit(text), "quick_replies": replies}

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        data = _json_or_none(body)
        if 200 <= status < 300 and isinstance(data, dict):
            message_id = data.get("message_id")
            if isinstance(message_id, str) and message_id:
                return SendResult(ok=True, external_id=message_id)
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
            reason = _graph_error(code, subcode, str(error.get("message") or "").strip())
            retryable = _retryable(status, code, subcode)
        elif 200 <= status < 300:
            # It may have gone out: sending again could repeat it to the customer.
            return SendResult(ok=False, error=f"HTTP {status} without a message_id")
        else:
            reason, retryable = f"HTTP {status}", status == 429 or status >= 500
        return SendResult(
            ok=False,
            error=reason,
            retryable=retryable,
            retry_after_s=_retry_after(headers) if retryable else None,
        )

    def _sending_node(self) -> str:
        raise NotImplementedError

    def _fit(self, text: str) -> str:
        raise NotImplementedError


class MessengerAdapter(_MetaMessagingAdapter):
    channel = Channel.MESSENGER
    object_name = "page"
    identity = IdentityKind.MESSENGER
    label = "Messenger"

    def __init__(self, settings: MessengerSettings) -> None:
        super().__init__(settings, messages_per_second=settings.messages_per_second)
        self.settings = settings

    def _sending_node(self) -> str:
        # Send API reference: POST /{PAGE-ID}/messages with the Page access token.
        return self.settings.page_id

    def _fit(self, text: str) -> str:
        return _truncate_chars(text, MESSENGER_TEXT_MAX_CHARS)


class InstagramAdapter(_MetaMessagingAdapter):
    channel = Channel.INSTAGRAM
    object_name = "instagram"
    identity = IdentityKind.INSTAGRAM
    label = "Instagram"

    def __init__(self, settings: InstagramSettings) -> None:
        super().__init__(settings, messages_per_second=settings.messages_per_second)
        self.settings = settings

    def _sending_node(self) -> str:
        # Instagram Messaging with Facebook Login ("Send a Message",
        # developers.facebook.com/docs/messenger-platform/instagram/features/send-message):
        # POST graph.facebook.com/<version>/me/messages?access_token=<PAGE_ACCESS_TOKEN>,
        # where `me` is the Page linked to the account. (/<IG_ID>/messages is the other
        # API, Instagram Login, on graph.instagram.com with an Instagram user token.)
        return "me"

    def _fit(self, text: str) -> str:
        return _truncate_bytes(text, INSTAGRAM_TEXT_MAX_BYTES)


# --- inbound helpers -----------------------------------------------------------------------


def _read_notification(body: bytes) -> _Notification:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadInvalid(f"body is not JSON: {error}", status=400) from error
    try:
        return _Notification.model_validate(data)
    except ValidationError as error:
        raise payload_error(error) from error


def _attachments(raw: tuple[_Attachment, ...]) -> tuple[Attachment, ...]:
    found: dict[tuple[str, str | None], Attachment] = {}
    for item in raw:
        attachment = _attachment(item)
        if attachment is not None:
            # During Meta's sticker transition one sticker comes twice, as `sticker` and
            # as `image` with the same sticker_id: keep one.
            found.setdefault(
                (attachment.kind, attachment.provider_id or attachment.url), attachment
            )
    return tuple(found.values())


def _attachment(item: _Attachment) -> Attachment | None:
    kind = _ATTACHMENT_KINDS.get(item.type)
    if kind is None:
        return None  # templates, products, appointment bookings: nothing for the desk
    payload = item.payload or _AttachmentPayload()
    if kind == "image" and payload.sticker_id is not None:
        kind = "sticker"
    provider_id = payload.sticker_id if payload.sticker_id is not None else payload.reel_video_id
    caption = item.title or payload.title
    if payload.coordinates is not None:
        caption = f"{payload.coordinates.lat},{payload.coordinates.long}"
    return Attachment(
        kind=kind,
        url=payload.url or item.url,
        provider_id=None if provider_id is None else str(provider_id),
        caption=caption or None,
    )


def _delivered(event: _Event, delivery: _Delivery) -> list[Item]:
    customer = event.sender.id
    at = _instant(event.timestamp)
    if not delivery.mids:
        up_to = _instant(delivery.watermark)
        return [DeliveryStatus(None, "delivered", at=at, up_to=up_to, recipient=customer)]
    return [DeliveryStatus(mid, "delivered", at=at, recipient=customer) for mid in delivery.mids]


def _read(event: _Event, read: _Read) -> Item:
    at = _instant(event.timestamp)
    if read.mid is not None:
        return DeliveryStatus(read.mid, "read", at=at, recipient=event.sender.id)
    if read.watermark is None:
        return Ignored("unsupported:read", detail="a read receipt with neither mid nor watermark")
    up_to = _instant(read.watermark)
    return DeliveryStatus(None, "read", at=at, up_to=up_to, recipient=event.sender.id)


def _reacted(reaction: _Reaction) -> Item:
    what = " ".join(part for part in (reaction.action, reaction.emoji or reaction.reaction) if part)
    return Ignored("reaction", external_id=reaction.mid, detail=what or None)


def _standby(event: Mapping[str, Any]) -> Item:
    message = event.get("message")
    mid = message.get("mid") if isinstance(message, dict) else None
    return Ignored("unsupported:standby", external_id=mid if isinstance(mid, str) else None)


def _instant(value: int | None) -> datetime | None:
    if value is None:
        return None
    # The App Dashboard's test notifications give seconds (as strings); Meta sends ms.
    if value < 10**11:
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromtimestamp(value // 1000, tz=UTC) + timedelta(milliseconds=value % 1000)


# --- outbound helpers ----------------------------------------------------------------------


def _fits_quick_replies(buttons: tuple[Button, ...]) -> bool:
    return len(buttons) <= QUICK_REPLIES_MAX and all(
        0 < len(button.title) <= QUICK_REPLY_TITLE_MAX
        and 0 < len(button.id) <= QUICK_REPLY_PAYLOAD_MAX
        for button in buttons
    )


def _truncate_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _truncate_bytes(text: str, limit: int) -> str:
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


def _graph_error(code: int | None, subcode: int | None, message: str) -> str:
    where = f"{code}/{subcode}" if subcode else f"{code}"
    return f"{where}: {message}" if message else where


def _retryable(status: int, code: int | None, subcode: int | None) -> bool:
    if code == 1 and subcode == 99:
        return False  # "An unknown error occurred" that is a missing permission
    if code in _RETRYABLE_CODES:
        return True
    if code in _PERMANENT_CODES:
        return False
    return status == 429 or status >= 500


def _retry_after(headers: Mapping[str, str]) -> float | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    given = lowered.get("retry-after", "").strip()
    if given.replace(".", "", 1).isdigit():
        return float(given)
    # Page tokens fall under business-use-case limits, whose header says when access
    # comes back, in minutes.
    usage = _json_or_none(lowered.get("x-business-use-case-usage", "").encode())
    minutes = [
        _int(limit.get("estimated_time_to_regain_access")) or 0
        for limits in (usage.values() if isinstance(usage, dict) else ())
        if isinstance(limits, list)
        for limit in limits
        if isinstance(limit, dict)
    ]
    return max(minutes) * 60.0 if minutes and max(minutes) > 0 else None


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ago(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


# --- signed webhooks, as Meta sends them ---------------------------------------------------


def signed_webhook(
    settings: MessengerSettings | InstagramSettings,
    *,
    sender_id: str,
    text: str,
    message_id: str,
    at: datetime,
    quick_reply_payload: str | None = None,
) -> SignedWebhook:
    """A customer's text message (a quick-reply tap with `quick_reply_payload`)."""
    message: dict[str, Any] = {"mid": message_id, "text": text}
    if quick_reply_payload is not None:
        message["quick_reply"] = {"payload": quick_reply_payload}
    account = _account(settings)
    event = {
        "sender": {"id": sender_id},
        "recipient": {"id": account},
        "timestamp": _ms(at),
        "message": message,
    }
    return _signed(settings, event, at)


def signed_delivery(
    settings: MessengerSettings,
    *,
    recipient_id: str,
    message_ids: tuple[str, ...],
    watermark: datetime,
) -> SignedWebhook:
    """Messenger's delivery receipt for messages we sent (Instagram sends none)."""
    delivery: dict[str, Any] = {"watermark": _ms(watermark)}
    if message_ids:
        delivery = {"mids": list(message_ids), **delivery}
    event = {
        "sender": {"id": recipient_id},
        "recipient": {"id": settings.page_id},
        "delivery": delivery,
    }
    return _signed(settings, event, watermark)


def signed_read(
    settings: MessengerSettings | InstagramSettings,
    *,
    recipient_id: str,
    at: datetime,
    message_id: str | None = None,
) -> SignedWebhook:
    """A read receipt: Messenger's watermark (`at`), or Instagram's messaging_seen naming
    the last message read (`message_id`, required there)."""
    if isinstance(settings, InstagramSettings):
        if message_id is None:
            raise ValueError("Instagram read receipts name the message read: pass message_id")
        read: dict[str, Any] = {"mid": message_id}
    else:
        read = {"watermark": _ms(at)}
    event = {
        "sender": {"id": recipient_id},
        "recipient": {"id": _account(settings)},
        "timestamp": _ms(at),
        "read": read,
    }
    return _signed(settings, event, at)


def _signed(
    settings: MessengerSettings | InstagramSettings, event: dict[str, Any], at: datetime
) -> SignedWebhook:
    instagram = isinstance(settings, InstagramSettings)
    body = json_body(
        {
            "object": "instagram" if instagram else "page",
            "entry": [{"id": _account(settings), "time": _ms(at), "messaging": [event]}],
        }
    )
    return SignedWebhook(
        method="POST",
        path="/webhooks/instagram" if instagram else "/webhooks/messenger",
        headers={
            "content-type": "application/json",
            meta.SIGNATURE_HEADER: meta.signature(settings.app_secret.get_secret_value(), body),
        },
        body=body,
    )


def _account(settings: MessengerSettings | InstagramSettings) -> str:
    return settings.account_id if isinstance(settings, InstagramSettings) else settings.page_id


def _ms(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
