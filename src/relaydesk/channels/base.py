"""The channel contract: what every adapter makes of a provider's webhook, and what it
sends back out.

An adapter is pure: it verifies and parses request bytes, and builds the exact HTTP call
(or e-mail) a send needs, but performs no I/O. The webhook route (`api/webhooks.py`) and
the outbox sender (`service/outbox.py`) do the I/O, the same for every channel.

    raw request ──► adapter.verify ──► adapter.parse ──► [CustomerMessage | DeliveryStatus
                                                          | Ignored] ──► inbound pipeline
    outbox row ──► OutboundMessage ──► adapter.build_send ──► HttpCall ──► provider
                                   ◄── adapter.read_response ◄── status, body
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from relaydesk.domain.vocab import Channel


class IdentityKind(StrEnum):
    """How a contact is known. A phone is one identity whether it wrote on WhatsApp or by
    SMS: both providers vouch for the number, so the two link on their own."""

    PHONE = "phone"  # E.164, "+6281234500003"
    EMAIL = "email"  # lower-cased address
    MESSENGER = "messenger"  # page-scoped id (PSID)
    INSTAGRAM = "instagram"  # Instagram-scoped id (IGSID)
    TELEGRAM = "telegram"  # Telegram user id
    WEB_VISITOR = "web_visitor"


# --- errors: the webhook route turns each into one status --------------------------------


class ChannelError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SignatureMissing(ChannelError):
    """No signature (or secret token) header at all: 401."""

    status = 401


class SignatureInvalid(ChannelError):
    """A signature that does not match the body: 403. Nothing is parsed or stored."""

    status = 403


class PayloadInvalid(ChannelError):
    """The body is not what the provider sends. 400 when it cannot be read at all (not
    JSON, not a form), 422 when it reads but a field is missing or wrong; `field` names
    it as a dotted path, e.g. `entry.0.changes.0.value.messages.0.from`."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422) -> None:
        super().__init__(message, field=field)
        self.status = status


def payload_error(error: ValidationError, *, prefix: str = "") -> PayloadInvalid:
    """The first problem pydantic found, as a PayloadInvalid naming its field."""
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"])
    where = f"{prefix}.{path}" if prefix and path else (prefix or path)
    return PayloadInvalid(f"{where or 'body'}: {first['msg']}", field=where or None)


# Channel settings: a secret never appears in an error message (a wrong type would echo
# it), and ids that YAML reads as numbers (phone_number_id: 1065...) are the strings
# they look like.
SETTINGS_CONFIG = ConfigDict(hide_input_in_errors=True, coerce_numbers_to_str=True)


class Payload(BaseModel):
    """Base of the provider payload models: extra fields are allowed (providers add
    fields without notice), missing or mistyped ones are errors."""

    model_config = ConfigDict(extra="allow", frozen=True)


# --- inbound -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookRequest:
    """One request as it reached us. `url` is the URL the provider called (the public one,
    for servers behind a proxy: Twilio signs it); header names are lower-case."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Sender:
    """Who wrote. `value` is the identity's normalised value (E.164 phone, lower-cased
    e-mail, the provider's user id); `address` is where a reply goes on this channel (a
    WhatsApp id without '+', a Telegram chat id, the e-mail address as written)."""

    kind: IdentityKind
    value: str
    address: str
    name: str | None = None


AttachmentKind = Literal[
    "image", "audio", "video", "document", "sticker", "location", "contact", "file"
]


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    mime_type: str | None = None
    size: int | None = None  # bytes, when the provider says (or we hold the bytes)
    provider_id: str | None = None  # the provider's media id, to fetch it later
    url: str | None = None
    filename: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class CustomerMessage:
    """A message a customer wrote. `text` is what the bot reads (for e-mail: quotes and
    signature stripped, HTML turned into text); `original` is the whole of it, kept."""

    external_id: str  # the provider's message id: UNIQUE per channel in the database
    sender: Sender
    text: str
    sent_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()
    button: str | None = None  # id of the quick-reply button the customer pressed
    reply_to: str | None = None  # the provider id of the message this one answers
    references: tuple[str, ...] = ()  # e-mail: References, oldest first
    subject: str | None = None  # e-mail
    original: str | None = None  # e-mail: the full body before stripping
    account: str | None = None  # which of our numbers / pages / bots / addresses got it


DeliveryState = Literal["sent", "delivered", "read", "failed"]
DELIVERY_ORDER: dict[str, int] = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}


@dataclass(frozen=True)
class DeliveryStatus:
    """The provider reports on a message we sent. A late `delivered` never overwrites
    `read` (DELIVERY_ORDER); `failed` carries the provider's reason."""

    external_id: str | None  # None with `up_to`
    status: DeliveryState
    at: datetime | None = None
    # Messenger reads come as a watermark: every message to `recipient` sent up to then.
    up_to: datetime | None = None
    error: str | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class Ignored:
    """Something that is not a customer message and is not about one of ours: an echo of
    our own send, a reaction, a type we do not handle. Recorded, never a bot turn."""

    reason: str  # "echo", "unsupported:<type>", "auto_reply", "reaction", "system", ...
    external_id: str | None = None
    detail: str | None = None


Item = CustomerMessage | DeliveryStatus | Ignored


# --- outbound ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    id: str  # comes back as CustomerMessage.button when pressed
    title: str


@dataclass(frozen=True)
class Template:
    """A provider-approved message (WhatsApp), the only kind allowed outside its window."""

    name: str
    lang: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboundMessage:
    to: str  # Sender.address of the customer
    text: str
    buttons: tuple[Button, ...] = ()
    template: Template | None = None
    tag: str | None = None  # Messenger / Instagram message tag, e.g. "HUMAN_AGENT"
    # e-mail threading
    subject: str | None = None
    message_id: str | None = None  # ours, without angle brackets, set before sending
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpCall:
    """The exact request a send makes: tests compare every part of it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class SendResult:
    ok: bool
    external_id: str | None = None  # the provider's id for what we sent
    error: str | None = None  # the provider's own reason, for the desk
    retryable: bool = False
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Window:
    """May this reply go out now, and how (a Messenger tag), or why not."""

    allowed: bool
    tag: str | None = None
    reason: str | None = None
    template_required: bool = False


@dataclass(frozen=True)
class RateLimit:
    per_second: float  # for the whole account (number, page, bot)
    per_recipient_per_second: float | None = None  # Telegram: 1 a second to one chat


@dataclass(frozen=True)
class SignedWebhook:
    """A request as the provider would send it, signed: for eval, tests and the demo."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


class Adapter(Protocol):
    channel: Channel
    rate_limit: RateLimit

    def verify(self, request: WebhookRequest) -> None:
        """Raise SignatureMissing / SignatureInvalid; must run before parse."""

    def parse(self, request: WebhookRequest) -> list[Item]:
        """Raise PayloadInvalid naming the field."""

    def acknowledge(self) -> tuple[str, bytes]:
        """The media type and body of the 200 answer the provider expects."""

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        """Whether a free-form reply may be sent now."""

    def build_send(self, message: OutboundMessage) -> HttpCall:
        """The HTTP call that sends `message` (e-mail adapters build a MIME message)."""

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        """What the provider's answer to build_send's call means."""


def numbered(text: str, buttons: tuple[Button, ...]) -> str:
    """Quick replies where a channel has no buttons: numbered lines the customer can
    answer with the number or the words."""
    if not buttons:
        return text
    lines = [f"{number}. {button.title}" for number, button in enumerate(buttons, start=1)]
    return "\n".join([text, "", *lines])


def json_body(data: Any) -> bytes:
    """JSON as we send it: compact, UTF-8, keys in the order given (tests compare bytes)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def truncated(text: str, limit: int) -> str:
    """A safety net only (senders split long replies first): the most a provider takes."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, at a paragraph, line or word
    break when one lies in the second half of the piece (SMS, Telegram)."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_at(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces


def _cut_at(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= limit // 2:
            return at
    return limit
