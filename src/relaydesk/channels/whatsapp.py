"""WhatsApp Cloud API: Meta's `messages` webhook (customer messages and the delivery
statuses of ours) and the Graph API calls that answer them.

Shapes follow Meta's "messages webhook reference", "Text messages", "Interactive reply
buttons messages", "Interactive list messages", "Error codes" and "Media" pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from relaydesk.channels import meta
from relaydesk.channels.base import (
    SETTINGS_CONFIG,
    Attachment,
    AttachmentKind,
    Button,
    CustomerMessage,
    DeliveryState,
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
    Template,
    WebhookRequest,
    Window,
    json_body,
    numbered,
    payload_error,
)
from relaydesk.domain.vocab import Channel

WEBHOOK_PATH = "/webhooks/whatsapp"
OBJECT = "whatsapp_business_account"
WINDOW = timedelta(hours=24)

# Meta's limits for interactive messages; beyond them the API refuses the message.
REPLY_BUTTONS_MAX = 3
REPLY_BUTTON_TITLE_MAX = 20
REPLY_BUTTON_ID_MAX = 256
REPLY_BODY_MAX = 1024
LIST_ROWS_MAX = 10
LIST_ROW_TITLE_MAX = 24
LIST_ROW_ID_MAX = 200
LIST_BODY_MAX = 4096

# Codes the error-codes page says to try again later: throttling (4, 80007, 130429,
# 131056), downtime (2, 131016), unknown (131000) and maintenance mode (131057).
TRANSIENT_CODES = frozenset({2, 4, 80007, 130429, 131000, 131016, 131056, 131057})
PAIR_RATE_CODE = 131056
# Pair rate limit: one message every 6 seconds from our number to one customer.
PAIR_RATE_INTERVAL_S = 6.0

_MEDIA_KINDS: dict[str, AttachmentKind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}
ERROR_CODES_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"


# --- settings ------------------------------------------------------------------------------


class TemplateSpec(BaseModel):
    """An approved template as the agent picks it: `text` shows {{1}}, {{2}} ... where
    the `params` values go."""

    name: str
    lang: str
    text: str
    params: int = 0

    def render(self, params: Sequence[str]) -> str:
        """The text the customer reads, for the transcript."""
        return re.sub(
            r"\{\{(\d+)\}\}",
            lambda match: _param(params, int(match.group(1))) or match.group(0),
            self.text,
        )


def _param(params: Sequence[str], number: int) -> str | None:
    return params[number - 1] if 0 < number <= len(params) else None


class WhatsAppSettings(BaseModel):
    model_config = SETTINGS_CONFIG
    app_secret: SecretStr
    verify_token: SecretStr
    access_token: SecretStr
    phone_number_id: str
    api_base: str = "https://graph.facebook.com"
    api_version: str = "v26.0"
    templates: list[TemplateSpec] = Field(default_factory=list)
    messages_per_second: float = 80
    # Label of the button that opens an interactive list (at most 20 characters).
    list_button: str = Field(default="Options", min_length=1, max_length=20)
    # Only used by signed_webhook / signed_status, as Meta fills them in.
    business_account_id: str = ""
    display_phone_number: str = ""


# --- payload models: the messages webhook ----------------------------------------------------


class Profile(Payload):
    name: str | None = None


class Contact(Payload):
    wa_id: str
    profile: Profile | None = None


class Metadata(Payload):
    phone_number_id: str
    display_phone_number: str | None = None


class ErrorData(Payload):
    details: str | None = None


class ProviderError(Payload):
    """An entry of `errors[]` in a message, a status or the change value."""

    code: int
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None

    def describe(self) -> str:
        title = self.title or self.message or "error"
        details = self.error_data.details if self.error_data else None
        return _error_text(self.code, title, details)


class Context(Payload):
    model_config = ConfigDict(populate_by_name=True)

    id: str | None = None
    from_: str | None = Field(default=None, alias="from")


class TextBody(Payload):
    body: str


class Media(Payload):
    id: str
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    url: str | None = None


class Location(Payload):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class Reply(Payload):
    id: str
    title: str
    description: str | None = None


class Interactive(Payload):
    type: str
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class QuickReply(Payload):
    """`type: button`: a quick-reply button of a template was tapped."""

    payload: str
    text: str


class Reaction(Payload):
    message_id: str
    emoji: str | None = None  # omitted when the customer removes the reaction


class System(Payload):
    body: str | None = None
    type: str | None = None
    wa_id: str | None = None


class SharedName(Payload):
    formatted_name: str | None = None


class SharedPhone(Payload):
    phone: str | None = None
    wa_id: str | None = None


class SharedContact(Payload):
    name: SharedName | None = None
    phones: tuple[SharedPhone, ...] = ()


class Unsupported(Payload):
    type: str | None = None


class Message(Payload):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    id: str
    timestamp: int
    type: str
    context: Context | None = None
    text: TextBody | None = None
    interactive: Interactive | None = None
    button: QuickReply | None = None
    image: Media | None = None
    audio: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: tuple[SharedContact, ...] | None = None
    reaction: Reaction | None = None
    system: System | None = None
    unsupported: Unsupported | None = None
    errors: tuple[ProviderError, ...] = ()


class Status(Payload):
    id: str
    status: str
    timestamp: int
    recipient_id: str | None = None
    errors: tuple[ProviderError, ...] = ()


class MessagesValue(Payload):
    metadata: Metadata
    contacts: tuple[Contact, ...] = ()
    messages: tuple[Message, ...] = ()
    statuses: tuple[Status, ...] = ()
    errors: tuple[ProviderError, ...] = ()


class Change(Payload):
    field: str
    value: dict[str, Any]


class Entry(Payload):
    id: str
    changes: tuple[Change, ...]


class Webhook(Payload):
    object: str
    entry: tuple[Entry, ...]


# --- payload models: Graph API answers -------------------------------------------------------


class SentMessage(Payload):
    id: str


class SendAnswer(Payload):
    messages: tuple[SentMessage, ...]


class GraphError(Payload):
    message: str = ""
    type: str | None = None
    code: int
    error_data: ErrorData | None = None
    fbtrace_id: str | None = None

    def describe(self) -> str:
        # Graph puts the code in front of the title: "(#131047) Re-engagement message".
        title = re.sub(r"^\(#\d+\)\s*", "", self.message) or "error"
        details = self.error_data.details if self.error_data else None
        return _error_text(self.code, title, details)


class GraphErrorAnswer(Payload):
    error: GraphError


class MediaAnswer(Payload):
    id: str
    url: str
    mime_type: str | None = None
    sha256: str | None = None
    file_size: int | None = None  # Meta sends it as a string: "303833"


@dataclass(frozen=True)
class MediaInfo:
    """What GET /{media-id} says of a customer's file; the URL needs the bearer token."""

    id: str
    url: str
    mime_type: str | None
    size: int | None
    sha256: str | None


def _error_text(code: int, title: str, details: str | None) -> str:
    text = f"{code}: {title}"
    return f"{text} - {details}" if details and details != title else text


# --- the adapter -----------------------------------------------------------------------------


class _Content(NamedTuple):
    text: str
    attachments: tuple[Attachment, ...] = ()
    button: str | None = None


class WhatsAppAdapter:
    channel: Channel = Channel.WHATSAPP

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings
        # No per-customer pacing here: Meta's pair limit (one message every 6 s to one
        # customer) allows bursts, and a send past it answers 131056, which is retried
        # after PAIR_RATE_INTERVAL_S (read_response) rather than delaying every reply.
        self.rate_limit = RateLimit(per_second=settings.messages_per_second)

    # inbound

    def verify(self, request: WebhookRequest) -> None:
        meta.verify_signature(request, self.settings.app_secret.get_secret_value())

    def handshake(self, request: WebhookRequest) -> str:
        """GET /webhooks/whatsapp: the challenge to echo when Meta subscribes us."""
        return meta.handshake(request, self.settings.verify_token.get_secret_value())

    def parse(self, request: WebhookRequest) -> list[Item]:
        webhook = _validate(Webhook, _json(request.body), "")
        if webhook.object != OBJECT:
            raise PayloadInvalid(
                f"object: expected {OBJECT!r}, got {webhook.object!r}", field="object"
            )
        items: list[Item] = []
        for e, entry in enumerate(webhook.entry):
            for c, change in enumerate(entry.changes):
                items.extend(_change_items(change, f"entry.{e}.changes.{c}.value"))
        return items

    def acknowledge(self) -> tuple[str, bytes]:
        return "text/plain", b"OK"

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        # WhatsApp has no agent tag: the 24-hour customer service window binds everyone.
        if last_customer_at is None:
            return Window(
                allowed=False,
                template_required=True,
                reason="the customer has not written on WhatsApp yet: send an approved template",
            )
        if now - last_customer_at < WINDOW:
            return Window(allowed=True)
        at = last_customer_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return Window(
            allowed=False,
            template_required=True,
            reason=(
                "WhatsApp allows free-form replies only within 24 hours of the customer's "
                f"last message; last message at {at}, send an approved template"
            ),
        )

    # outbound

    def build_send(self, message: OutboundMessage) -> HttpCall:
        url = f"{self._graph}/{self.settings.phone_number_id}/messages"
        headers = {**self._auth, "Content-Type": "application/json"}
        return HttpCall("POST", url, headers, json_body(self._send_body(message)))

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        if 200 <= status < 300:
            sent = _answer(SendAnswer, body)
            if sent is not None and sent.messages:
                return SendResult(ok=True, external_id=sent.messages[0].id)
            return SendResult(ok=False, error=f"HTTP {status}: no message id in the answer")
        failure = _answer(GraphErrorAnswer, body)
        code = failure.error.code if failure else None
        retryable = status == 429 or status >= 500 or code in TRANSIENT_CODES
        retry_after = _retry_after(headers)
        if retry_after is None and code == PAIR_RATE_CODE:
            retry_after = PAIR_RATE_INTERVAL_S
        return SendResult(
            ok=False,
            error=failure.error.describe() if failure else f"HTTP {status}",
            retryable=retryable,
            retry_after_s=retry_after if retryable else None,
        )

    # media: the webhook carries a media id (and maybe a URL) but never the size

    def media_call(self, media_id: str) -> HttpCall:
        return HttpCall("GET", f"{self._graph}/{media_id}", dict(self._auth), b"")

    def read_media(self, body: bytes) -> MediaInfo:
        failure = _answer(GraphErrorAnswer, body)
        if failure is not None:
            raise PayloadInvalid(f"media lookup failed: {failure.error.describe()}", field="error")
        media = _validate(MediaAnswer, _json(body), "")
        return MediaInfo(media.id, media.url, media.mime_type, media.file_size, media.sha256)

    def download_call(self, media: MediaInfo) -> HttpCall:
        return HttpCall("GET", media.url, dict(self._auth), b"")

    def template_spec(self, name: str, lang: str) -> TemplateSpec | None:
        for spec in self.settings.templates:
            if spec.name == name and spec.lang == lang:
                return spec
        return None

    @property
    def _graph(self) -> str:
        return f"{self.settings.api_base.rstrip('/')}/{self.settings.api_version}"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.access_token.get_secret_value()}"}

    def _send_body(self, message: OutboundMessage) -> dict[str, Any]:
        head = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to}
        if message.template is not None:
            return {**head, "type": "template", "template": _template(message.template)}
        if _fits_reply_buttons(message.text, message.buttons):
            return {**head, "type": "interactive", "interactive": _reply_buttons(message)}
        if _fits_list(message.text, message.buttons):
            list_message = _list(message, self.settings.list_button)
            return {**head, "type": "interactive", "interactive": list_message}
        text = numbered(message.text, message.buttons)
        return {**head, "type": "text", "text": {"preview_url": False, "body": text}}


# --- parsing ---------------------------------------------------------------------------------

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadInvalid(f"body is not JSON: {error}", status=400) from error


def _validate(model: type[ModelT], data: Any, prefix: str) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise payload_error(error, prefix=prefix) from error


def _answer(model: type[ModelT], body: bytes) -> ModelT | None:
    """A Graph API answer read leniently: None when it is not of that shape."""
    try:
        return model.model_validate_json(body)
    except ValidationError:
        return None


def _needed(value: T | None, where: str) -> T:
    if value is None:
        raise PayloadInvalid(f"{where}: Field required", field=where)
    return value


def _change_items(change: Change, where: str) -> list[Item]:
    if change.field != "messages":
        return [Ignored(f"unsupported:{change.field}")]
    value = _validate(MessagesValue, change.value, where)
    names = {_digits(c.wa_id): c.profile.name for c in value.contacts if c.profile}
    account = value.metadata.phone_number_id
    items: list[Item] = [
        _message_item(message, account, names, f"{where}.messages.{m}")
        for m, message in enumerate(value.messages)
    ]
    items.extend(_status_item(status) for status in value.statuses)
    items.extend(Ignored("error", detail=error.describe()) for error in value.errors)
    return items


def _message_item(
    message: Message, account: str, names: Mapping[str, str | None], where: str
) -> Item:
    if message.type == "reaction":
        return _reaction(message, where)
    if message.type == "system":
        detail = message.system.body if message.system else None
        return Ignored("system", external_id=message.id, detail=detail)
    read = _CONTENT.get(message.type)
    content = read(message, where) if read else _unsupported(message)
    if isinstance(content, Ignored):
        return content
    address = _digits(message.from_)
    return CustomerMessage(
        external_id=message.id,
        sender=Sender(IdentityKind.PHONE, _e164(address), address, names.get(address) or None),
        text=content.text,
        sent_at=_at(message.timestamp),
        attachments=content.attachments,
        button=content.button,
        reply_to=message.context.id if message.context else None,
        account=account,
    )


def _text(message: Message, where: str) -> _Content:
    return _Content(_needed(message.text, f"{where}.text").body)


def _interactive(message: Message, where: str) -> _Content | Ignored:
    interactive = _needed(message.interactive, f"{where}.interactive")
    reply = interactive.button_reply or interactive.list_reply
    if reply is None:  # e.g. nfm_reply from a Flow
        return Ignored(f"unsupported:interactive.{interactive.type}", external_id=message.id)
    return _Content(reply.title, button=reply.id)


def _quick_reply(message: Message, where: str) -> _Content:
    button = _needed(message.button, f"{where}.button")
    return _Content(button.text, button=button.payload)


def _media(message: Message, where: str) -> _Content:
    media: Media = _needed(getattr(message, message.type), f"{where}.{message.type}")
    attachment = Attachment(
        kind=_MEDIA_KINDS[message.type],
        mime_type=media.mime_type,
        provider_id=media.id,
        url=media.url,
        filename=media.filename,
        caption=media.caption,
    )
    return _Content(media.caption or "", (attachment,))


def _location(message: Message, where: str) -> _Content:
    place = _needed(message.location, f"{where}.location")
    label = ", ".join(part for part in (place.name, place.address) if part)
    coords = f"({place.latitude}, {place.longitude})"
    text = f"{label} {coords}" if label else coords
    attachment = Attachment(kind="location", url=place.url, caption=place.name)
    return _Content(text, (attachment,))


def _contacts(message: Message, where: str) -> _Content:
    shared = _needed(message.contacts, f"{where}.contacts")
    lines = [_contact_line(contact) for contact in shared]
    attachments = tuple(Attachment(kind="contact", caption=line) for line in lines)
    return _Content("\n".join(lines), attachments)


def _contact_line(contact: SharedContact) -> str:
    name = contact.name.formatted_name if contact.name else None
    phones = [phone.phone or phone.wa_id for phone in contact.phones]
    return " ".join(part for part in (name, *phones) if part) or "contact"


def _reaction(message: Message, where: str) -> Ignored:
    reaction = _needed(message.reaction, f"{where}.reaction")
    what = reaction.emoji or "removed"
    return Ignored("reaction", external_id=message.id, detail=f"{what} on {reaction.message_id}")


def _unsupported(message: Message) -> Ignored:
    kind = message.type
    if kind == "unsupported" and message.unsupported and message.unsupported.type:
        kind = message.unsupported.type  # e.g. "edit", "poll_update"
    detail = "; ".join(error.describe() for error in message.errors) or None
    return Ignored(f"unsupported:{kind}", external_id=message.id, detail=detail)


_CONTENT: dict[str, Callable[[Message, str], _Content | Ignored]] = {
    "text": _text,
    "interactive": _interactive,
    "button": _quick_reply,
    "location": _location,
    "contacts": _contacts,
    **dict.fromkeys(_MEDIA_KINDS, _media),
}

_STATES: dict[str, DeliveryState] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


def _status_item(status: Status) -> Item:
    state = _STATES.get(status.status)
    if state is None:  # "played" (voice note) and whatever Meta adds
        return Ignored(f"unsupported:status.{status.status}", external_id=status.id)
    error = "; ".join(error.describe() for error in status.errors) or None
    return DeliveryStatus(
        external_id=status.id,
        status=state,
        at=_at(status.timestamp),
        recipient=status.recipient_id,
        error=error if state == "failed" else None,
    )


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _e164(digits: str) -> str:
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


# --- sending ---------------------------------------------------------------------------------


def _template(template: Template) -> dict[str, Any]:
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.lang}}
    if template.params:
        parameters = [{"type": "text", "text": param} for param in template.params]
        body["components"] = [{"type": "body", "parameters": parameters}]
    return body


def _fits_reply_buttons(text: str, buttons: tuple[Button, ...]) -> bool:
    return (
        0 < len(buttons) <= REPLY_BUTTONS_MAX
        and 0 < len(text) <= REPLY_BODY_MAX
        and _distinct(buttons)
        and all(_fits(b, REPLY_BUTTON_TITLE_MAX, REPLY_BUTTON_ID_MAX) for b in buttons)
    )


def _fits_list(text: str, buttons: tuple[Button, ...]) -> bool:
    return (
        0 < len(buttons) <= LIST_ROWS_MAX
        and 0 < len(text) <= LIST_BODY_MAX
        and _distinct(buttons)
        and all(_fits(b, LIST_ROW_TITLE_MAX, LIST_ROW_ID_MAX) for b in buttons)
    )


def _fits(button: Button, title_max: int, id_max: int) -> bool:
    return 0 < len(button.title) <= title_max and 0 < len(button.id) <= id_max


def _distinct(buttons: tuple[Button, ...]) -> bool:
    # Meta refuses repeated button titles and repeated row ids.
    ids = {button.id for button in buttons}
    titles = {button.title for button in buttons}
    return len(ids) == len(titles) == len(buttons)


def _reply_buttons(message: OutboundMessage) -> dict[str, Any]:
    buttons = [
        {"type": "reply", "reply": {"id": button.id, "title": button.title}}
        for button in message.buttons
    ]
    return {"type": "button", "body": {"text": message.text}, "action": {"buttons": buttons}}


def _list(message: OutboundMessage, label: str) -> dict[str, Any]:
    rows = [{"id": button.id, "title": button.title} for button in message.buttons]
    action = {"button": label, "sections": [{"title": label, "rows": rows}]}
    return {"type": "list", "body": {"text": message.text}, "action": action}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except ValueError:
                return None  # an HTTP date: let the sender back off on its own
    return None


# --- signed requests as Meta sends them ---------------------------------------------------


def signed_webhook(
    settings: WhatsAppSettings,
    *,
    from_phone: str,
    text: str,
    message_id: str,
    name: str | None = None,
    at: datetime,
    button: tuple[str, str] | None = None,
    reply_to: str | None = None,
) -> SignedWebhook:
    """A customer's text message; with `button` (id, title) a tap on one of our reply
    buttons instead, which carries only the button (`text` is then not sent)."""
    wa_id = _digits(from_phone)
    message: dict[str, Any] = {}
    if reply_to is not None:
        message["context"] = {"from": settings.display_phone_number, "id": reply_to}
    message |= {"from": wa_id, "id": message_id, "timestamp": str(int(at.timestamp()))}
    if button is None:
        message |= {"type": "text", "text": {"body": text}}
    else:
        reply = {"type": "button_reply", "button_reply": {"id": button[0], "title": button[1]}}
        message |= {"type": "interactive", "interactive": reply}
    contact: dict[str, Any] = {"profile": {"name": name}} if name else {}
    contact["wa_id"] = wa_id
    return _signed(settings, {"contacts": [contact], "messages": [message]})


def signed_status(
    settings: WhatsAppSettings,
    *,
    message_id: str,
    status: str,
    recipient: str,
    at: datetime,
    error_code: int | None = None,
    error_title: str | None = None,
    error_details: str | None = None,
) -> SignedWebhook:
    """A delivery status of one of our messages; `failed` carries the error."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": _digits(recipient),
    }
    if error_code is not None:
        error: dict[str, Any] = {"code": error_code, "title": error_title, "message": error_title}
        if error_details:
            error["error_data"] = {"details": error_details}
        error["href"] = ERROR_CODES_HREF
        entry["errors"] = [error]
    return _signed(settings, {"statuses": [entry]})


def _signed(settings: WhatsAppSettings, content: dict[str, Any]) -> SignedWebhook:
    metadata = {
        "display_phone_number": settings.display_phone_number,
        "phone_number_id": settings.phone_number_id,
    }
    value = {"messaging_product": "whatsapp", "metadata": metadata, **content}
    change = {"value": value, "field": "messages"}
    data = {"object": OBJECT, "entry": [{"id": settings.business_account_id, "changes": [change]}]}
    body = meta_json(data)
    signature = meta.signature(settings.app_secret.get_secret_value(), body)
    headers = {"content-type": "application/json", meta.SIGNATURE_HEADER: signature}
    return SignedWebhook("POST", WEBHOOK_PATH, headers, body)


def meta_json(data: Any) -> bytes:
    """JSON as Meta posts it: compact, non-ASCII as lower-case \\uXXXX escapes, and
    `/`, `<`, `%`, `@` escaped too (Meta signs that escaped form)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in (("/", "\\/"), ("<", "\\u003C"), ("%", "\\u0025"), ("@", "\\u0040")):
        text = text.replace(char, escaped)
    return text.encode()
