"""Twilio Programmable Messaging (SMS/MMS): form-encoded webhooks, Messages.json to send.

Twilio signs the URL it called plus the sorted form parameters (X-Twilio-Signature); the
check is the provider's own RequestValidator. Behind a proxy the URL our server sees is not
the one Twilio called, so `public_url` names it. One route takes both incoming messages and
status callbacks: a status callback has a MessageStatus and no Body.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import phonenumbers
from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from twilio.request_validator import RequestValidator, get_signature_algorithm

from relaydesk.channels.base import (
    SETTINGS_CONFIG,
    Attachment,
    AttachmentKind,
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
    SignatureInvalid,
    SignatureMissing,
    SignedWebhook,
    WebhookRequest,
    Window,
    numbered,
    payload_error,
    split_text,
    truncated,
)
from relaydesk.domain.vocab import Channel

SIGNATURE_HEADER = "x-twilio-signature"
# present when a Webhook Rule signs with a SharedKey: "key=<id>,algorithm=HMAC_SHA256"
SIGNATURE_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
FORM = "application/x-www-form-urlencoded"
WEBHOOK_PATH = "/webhooks/sms"
API_VERSION = "2010-04-01"
MAX_TEXT_CHARS = 1600  # Twilio refuses a longer Body (error 21617)
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_E164 = re.compile(r"\+[1-9]\d{1,14}")
M = TypeVar("M", bound=BaseModel)

OptOut = Literal["stop", "start", "help"]
_OPT_OUTS: dict[str, OptOut] = {"STOP": "stop", "START": "start", "HELP": "help"}
_PENDING = frozenset({"queued", "accepted", "sending", "scheduled"})
_DONE: dict[str, Literal["sent", "delivered", "read"]] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
}
_MEDIA_KINDS: dict[str, AttachmentKind] = {"image": "image", "audio": "audio", "video": "video"}
_FAILED = frozenset({"undelivered", "failed", "canceled"})
# Short descriptions of the delivery errors a status callback carries without ErrorMessage.
ERROR_DESCRIPTIONS = {
    "21211": "Invalid 'To' phone number",
    "21408": "Permission to send an SMS has not been enabled for the region",
    "21610": "Attempt to send to unsubscribed recipient",
    "21614": "'To' number is not a valid mobile number",
    "21617": "The concatenated message body exceeds the 1600 character limit",
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered",
    "30008": "Unknown error",
    "30032": "Toll-free number has not been verified",
    "30034": "Message from an unregistered number",
}


class SmsSettings(BaseModel):
    # a misconfigured token must not reach the logs through the validation error
    model_config = SETTINGS_CONFIG

    account_sid: str  # "AC..."
    auth_token: SecretStr
    from_number: str | None = None  # E.164, one of our Twilio numbers
    messaging_service_sid: str | None = None  # "MG...": Twilio picks the sender
    # The URL Twilio calls (what it signs), e.g. https://desk.example.com/webhooks/sms;
    # None: the URL the request reached us at.
    public_url: str | None = None
    status_callback_url: str | None = None
    # The SharedKey secret, for webhooks a Webhook Rule signs with it instead of the token.
    webhook_shared_key: SecretStr | None = None
    api_base: str = "https://api.twilio.com"
    messages_per_second: float = 1.0  # a long code's default; short codes and services more
    default_region: str = "ID"  # for numbers written without "+"

    @field_validator("from_number")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not _E164.fullmatch(value):
            raise ValueError("from_number must be E.164, e.g. +14155550100")
        return value

    @field_validator("api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _a_sender(self) -> SmsSettings:
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("set from_number or messaging_service_sid")
        return self


# --- payload models (https://www.twilio.com/docs/messaging/guides/webhook-request) --------


class TwilioInbound(Payload):
    message_sid: str = Field(validation_alias=AliasChoices("MessageSid", "SmsMessageSid", "SmsSid"))
    sender: str = Field(alias="From", min_length=1)
    to: str | None = Field(None, alias="To")
    body: str = Field("", alias="Body")
    num_media: int = Field(0, alias="NumMedia", ge=0, le=10)
    opt_out_type: str | None = Field(None, alias="OptOutType")


class TwilioStatus(Payload):
    message_sid: str = Field(validation_alias=AliasChoices("MessageSid", "SmsSid"))
    status: str = Field(validation_alias=AliasChoices("MessageStatus", "SmsStatus"))
    to: str | None = Field(None, alias="To")
    error_code: str | None = Field(None, alias="ErrorCode")
    error_message: str | None = Field(None, alias="ErrorMessage")


class TwilioMessage(Payload):
    sid: str


class TwilioError(Payload):
    code: int | None = None
    message: str | None = None
    more_info: str | None = None
    status: int | None = None


class _Form(dict[str, list[str]]):
    """Form parameters with every value of a repeated name, as RequestValidator reads
    a MultiDict (`getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def first(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.items()}


# --- the adapter ---------------------------------------------------------------------------


class SmsAdapter:
    channel = Channel.SMS
    max_text_chars = MAX_TEXT_CHARS

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings
        self.rate_limit = RateLimit(settings.messages_per_second)

    def verify(self, request: WebhookRequest) -> None:
        signature = request.header(SIGNATURE_HEADER)
        if not signature:
            raise SignatureMissing("missing X-Twilio-Signature header", field=SIGNATURE_HEADER)
        signing = request.header(SIGNATURE_SETTINGS_HEADER)
        validator = RequestValidator(self._signing_secret(signing))
        algorithm = get_signature_algorithm(signing)
        params = _signed_params(request)
        if not any(
            validator.validate(url, params, signature, algorithm) for url in self._urls(request)
        ):
            raise SignatureInvalid(
                "X-Twilio-Signature does not match the URL and parameters", field=SIGNATURE_HEADER
            )

    def parse(self, request: WebhookRequest) -> list[Item]:
        form = _read_form(request)
        status = form.get("MessageStatus") or form.get("SmsStatus")
        if "Body" not in form and status and status[0] not in ("received", "receiving"):
            return [_status(_model(TwilioStatus, form))]
        return [self._message(_model(TwilioInbound, form), form)]

    def acknowledge(self) -> tuple[str, bytes]:
        # empty TwiML: Twilio sends no reply of its own; ours goes out through the API
        return "text/xml", EMPTY_TWIML

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        # no session rule on SMS; consent is Twilio's STOP filtering (error 21610)
        return Window(allowed=True)

    def build_send(self, message: OutboundMessage) -> HttpCall:
        text = numbered(message.text, message.buttons)
        fields = [
            ("To", message.to),
            self._sender_field(),
            ("Body", truncated(text, MAX_TEXT_CHARS)),
        ]
        if self.settings.status_callback_url:
            fields.append(("StatusCallback", self.settings.status_callback_url))
        sid = self.settings.account_sid
        credentials = f"{sid}:{self.settings.auth_token.get_secret_value()}".encode()
        return HttpCall(
            method="POST",
            url=f"{self.settings.api_base}/{API_VERSION}/Accounts/{sid}/Messages.json",
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "Content-Type": FORM,
            },
            body=urlencode(fields).encode(),
        )

    def parts(self, message: OutboundMessage) -> tuple[OutboundMessage, ...]:
        """`message` (buttons numbered in) cut into Bodies of at most 1600 characters: send
        these in order so build_send never has to shorten a long reply."""
        whole = numbered(message.text, message.buttons)
        return tuple(
            replace(message, text=t, buttons=()) for t in split_text(whole, MAX_TEXT_CHARS)
        )

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        if 200 <= status < 300:
            sent = _model_or_none(TwilioMessage, body)
            if sent is not None:
                return SendResult(ok=True, external_id=sent.sid)
        problem = _model_or_none(TwilioError, body)
        code = problem.code if problem and problem.code else status
        reason = problem.message if problem and problem.message else f"HTTP {status}"
        return SendResult(
            ok=False,
            error=f"{code}: {reason}",
            retryable=status in (0, 408, 429) or status >= 500 or code == 20429,
            retry_after_s=_retry_after(headers),
        )

    # --- inbound ---

    def _message(self, inbound: TwilioInbound, form: _Form) -> CustomerMessage:
        return CustomerMessage(
            external_id=inbound.message_sid,
            sender=Sender(
                IdentityKind.PHONE,
                value=_e164(inbound.sender, self.settings.default_region),
                address=inbound.sender,
            ),
            text=inbound.body,
            attachments=_media(form, inbound.num_media),
            account=inbound.to,
        )

    def _signing_secret(self, signing: str | None) -> str:
        if not signing:
            return self.settings.auth_token.get_secret_value()
        if self.settings.webhook_shared_key is None:
            raise SignatureInvalid(
                "the webhook is signed with a SharedKey, and no webhook_shared_key is set",
                field=SIGNATURE_SETTINGS_HEADER,
            )
        return self.settings.webhook_shared_key.get_secret_value()

    def _urls(self, request: WebhookRequest) -> list[str]:
        """The URLs Twilio may have called: the configured ones (with the query string
        the request came with), else the URL the request reached."""
        configured = [
            url for url in (self.settings.public_url, self.settings.status_callback_url) if url
        ]
        if not configured:
            return [request.url]
        query = urlsplit(request.url).query
        return [f"{url}?{query}" if query and "?" not in url else url for url in configured]

    def _sender_field(self) -> tuple[str, str]:
        if self.settings.messaging_service_sid:
            return ("MessagingServiceSid", self.settings.messaging_service_sid)
        assert self.settings.from_number is not None  # the settings require one of the two
        return ("From", self.settings.from_number)


def opt_out(request: WebhookRequest) -> OptOut | None:
    """What Advanced Opt-Out made of an incoming message: "stop" (Twilio has blocked
    further sends to the number and confirmed it), "start" (sending allowed again), "help"
    (Twilio has answered with the help text), or None. Twilio already replied in each
    case, so the desk records the message but the bot should not answer it."""
    try:
        form = _read_form(request)
    except PayloadInvalid:
        return None
    return _OPT_OUTS.get((form.get("OptOutType") or [""])[0].upper())


# --- helpers -------------------------------------------------------------------------------


def _signed_params(request: WebhookRequest) -> _Form:
    """The form as Twilio signed it, read leniently: a body Twilio did not send fails the
    signature, not this parse."""
    try:
        text = request.body.decode()
    except UnicodeDecodeError:
        return _Form()
    return _collect(parse_qsl(text, keep_blank_values=True))


def _read_form(request: WebhookRequest) -> _Form:
    content_type = (request.header("content-type") or FORM).split(";")[0].strip().lower()
    if content_type != FORM:
        raise PayloadInvalid(f"body must be {FORM}, not {content_type}", status=400)
    try:
        pairs = parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadInvalid(f"body is not a form: {error}", status=400) from error
    return _collect(pairs)


def _collect(pairs: list[tuple[str, str]]) -> _Form:
    form = _Form()
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


def _model(model: type[M], form: _Form) -> M:
    try:
        return model.model_validate(form.first())
    except ValidationError as error:
        raise payload_error(error) from error


def _model_or_none(model: type[M], body: bytes) -> M | None:
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return None


def _status(report: TwilioStatus) -> Item:
    state = report.status.lower()
    if state in _DONE:
        return DeliveryStatus(report.message_sid, _DONE[state], recipient=report.to)
    if state in _FAILED:
        return DeliveryStatus(
            report.message_sid, "failed", error=_failure(report, state), recipient=report.to
        )
    # queued/accepted/sending/scheduled, and any state Twilio adds later
    return Ignored(f"status:{state}", detail=report.message_sid)


def _failure(report: TwilioStatus, state: str) -> str:
    if not report.error_code:
        return state
    reason = report.error_message or ERROR_DESCRIPTIONS.get(report.error_code, state)
    return f"{report.error_code}: {reason}"


def _media(form: _Form, count: int) -> tuple[Attachment, ...]:
    attachments = []
    for index in range(count):
        url_field = f"MediaUrl{index}"
        if url_field not in form:
            raise PayloadInvalid(
                f"{url_field}: Field required (NumMedia is {count})", field=url_field
            )
        url = form[url_field][0]
        mimes = form.get(f"MediaContentType{index}")
        mime = mimes[0] if mimes else None
        # .../Messages/MM.../Media/ME...: the last segment is the Media resource's sid
        attachments.append(
            Attachment(_kind(mime), mime, provider_id=url.rstrip("/").rsplit("/", 1)[-1], url=url)
        )
    return tuple(attachments)


def _kind(mime: str | None) -> AttachmentKind:
    major = (mime or "").split("/")[0]
    if major in _MEDIA_KINDS:
        return _MEDIA_KINDS[major]
    if mime in ("text/vcard", "text/x-vcard"):
        return "contact"
    if mime and (mime.startswith("application/") or mime.startswith("text/")):
        return "document"
    return "file"


def _e164(raw: str, region: str) -> str:
    """The number as E.164; a short code or an alphanumeric sender stays as written."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    if phonenumbers.is_valid_number(number) or (
        raw.startswith("+") and phonenumbers.is_possible_number(number)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return raw


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


# --- signed requests, as Twilio sends them -------------------------------------------------


def signed_webhook(
    settings: SmsSettings,
    *,
    from_number: str,
    text: str,
    message_sid: str,
    to_number: str | None = None,
    url: str | None = None,
) -> SignedWebhook:
    """A customer's SMS as Twilio posts it to the messaging webhook, signed over `url`
    (default: settings.public_url)."""
    to = to_number or settings.from_number
    if to is None:
        raise ValueError("pass to_number: with a messaging service there is no from_number")
    params = [
        ("ToCountry", _region(to)),
        ("ToState", ""),
        ("SmsMessageSid", message_sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", message_sid),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", text),
        ("FromCountry", _region(from_number)),
        ("To", to),
        *_service(settings),
        ("ToZip", ""),
        ("NumSegments", str(_segments(text))),
        ("MessageSid", message_sid),
        ("AccountSid", settings.account_sid),
        ("From", from_number),
        ("ApiVersion", API_VERSION),
    ]
    return _signed(settings, params, url or settings.public_url)


def signed_status(
    settings: SmsSettings,
    *,
    message_sid: str,
    status: str,
    error_code: str | None = None,
    to_number: str | None = None,
    url: str | None = None,
) -> SignedWebhook:
    """A status callback for one of our messages as Twilio posts it to StatusCallback,
    signed over `url` (default: settings.status_callback_url, else public_url)."""
    params = [
        *([("ErrorCode", error_code)] if error_code else []),
        ("SmsSid", message_sid),
        ("SmsStatus", status),
        ("MessageStatus", status),
        *([("To", to_number)] if to_number else []),
        *_service(settings),
        ("MessageSid", message_sid),
        ("AccountSid", settings.account_sid),
        *([("From", settings.from_number)] if settings.from_number else []),
        ("ApiVersion", API_VERSION),
    ]
    return _signed(settings, params, url or settings.status_callback_url or settings.public_url)


def _signed(settings: SmsSettings, params: list[tuple[str, str]], url: str | None) -> SignedWebhook:
    if url is None:
        raise ValueError("Twilio signs the full URL it calls: pass url= or set public_url")
    validator = RequestValidator(settings.auth_token.get_secret_value())
    signature = validator.compute_signature(url, _collect(params))
    return SignedWebhook(
        method="POST",
        path=WEBHOOK_PATH,
        headers={"content-type": FORM, SIGNATURE_HEADER: signature},
        body=urlencode(params).encode(),
        query=dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
    )


def _service(settings: SmsSettings) -> list[tuple[str, str]]:
    sid = settings.messaging_service_sid
    return [("MessagingServiceSid", sid)] if sid else []


def _region(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""


def _segments(text: str) -> int:
    # GSM-7: 160 characters alone, 153 a part when concatenated
    return 1 if len(text) <= 160 else math.ceil(len(text) / 153)
