"""E-mail: inbound mail (from a relay's webhook or our own SMTP listener) into typed
items, and replies out by SMTP.

Named `mail.py` so it never shadows the standard library's `email` package. Inbound mail
arrives as raw RFC 5322 bytes either way: a relay POSTs it to /webhooks/email with a
bearer secret, or `smtp_listener.SmtpListener` receives it from an MTA (trust then comes
from the MTA). `parse_mail` serves both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import cast

import aiosmtplib
import lxml.html
from inscriptis.html_engine import Inscriptis
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from mailparser_reply.parser import EmailMessage as ReplyParser
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

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
)
from relaydesk.domain.vocab import Channel

WEBHOOK_PATH = "/webhooks/email"
AUTH_HEADER = "authorization"
DEFAULT_SUBJECT = "Your support request"
SMTP_TIMEOUT_S = 30.0

# mail-parser-reply has no Indonesian; its language table is the documented way to add
# one. Gmail in Indonesian writes "Pada tanggal Sen, 23 Nov 2026 pukul 10.15 Nama
# <a@b.c> menulis:", Outlook "Dari: / Dikirim: / Kepada: / Subjek:".
MAIL_LANGUAGES.setdefault(
    "id",
    {
        "wrote_header": r"^(?!Pada[.\s]*Pada\s(.+?\s?.+?)\smenulis:)("
        + QUOTED_MATCH_INCLUDE
        + r"Pada\s(?:.+?\s?.+?)\s?menulis:)$",
        "from_header": r"((?:(?:^|\n|\n"
        + QUOTED_MATCH_INCLUDE
        + r")[* ]*(?:Dari|Dikirim|Terkirim|Kepada|Subjek|Perihal|Tanggal|Cc):[ *]*"
        + r"(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "signatures": ["Salam,", "Salam hangat", "Hormat saya", "Hormat kami", "Terima kasih,"],
        "sent_from": "Dikirim dari",
    },
)
REPLY_LANGUAGES = ("en", "id")
# The library ends the reply at any line starting with a sign-off ("Thanks,"), which also
# eats "Thanks, but my refund never came." A sign-off line is short; longer ones stay.
SIGN_OFF = re.compile(
    "|".join(f"(?:{p})" for lang in REPLY_LANGUAGES for p in MAIL_LANGUAGES[lang]["signatures"]),
    re.IGNORECASE,
)
SIGN_OFF_MAX_WORDS = 4
SIGN_OFF_TRIES = 3  # each try scans to the end of the text
# The customer's own words are at the top; the reply parser's regexes are slow on
# megabytes of quoted history, and `original` keeps everything anyway.
READ_MAX_CHARS = 100_000
HTML_QUOTES = (
    "//blockquote"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_signature ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' yahoo_quoted ')]"
)
REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|balas|bls|trs|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"}


class MailSettings(BaseModel):
    model_config = SETTINGS_CONFIG
    address: str  # our support address: To of customers' mail, From of our replies
    display_name: str = "Support"
    domain: str = ""  # right-hand side of our Message-IDs; default: the address's domain
    inbound_secret: SecretStr = Field(min_length=1)
    accept_domains: list[str] = Field(default_factory=list)  # default: the address's domain
    listen_host: str = "127.0.0.1"
    listen_port: int | None = 2525  # 0 or None: no SMTP listener
    max_message_bytes: int = 10 * 1024 * 1024
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_s: float = SMTP_TIMEOUT_S
    messages_per_second: float = 5

    @field_validator("address")
    @classmethod
    def _one_address(cls, value: str) -> str:
        local, at, domain = value.strip().rpartition("@")
        if not (local and at and domain):
            raise ValueError("must be an e-mail address like support@shop.example")
        return value.strip()

    @model_validator(mode="after")
    def _domain_defaults(self) -> MailSettings:
        own_domain = self.address.rpartition("@")[2].lower()
        self.domain = self.domain or own_domain
        self.accept_domains = [d.lower() for d in self.accept_domains] or [own_domain]
        return self

    def is_ours(self, address: str) -> bool:
        address = address.strip().lower()
        return address == self.address.lower() or (
            address.rpartition("@")[2] in self.accept_domains
        )


class MailAdapter:
    channel = Channel.EMAIL

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.rate_limit = RateLimit(per_second=settings.messages_per_second)

    def verify(self, request: WebhookRequest) -> None:
        given = request.header(AUTH_HEADER)
        if not given:
            raise SignatureMissing("missing Authorization header", field=AUTH_HEADER)
        scheme, _, token = given.strip().partition(" ")
        expected = self.settings.inbound_secret.get_secret_value()
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), expected.encode()
        ):
            raise SignatureInvalid(
                "Authorization is not 'Bearer <inbound secret>'", field=AUTH_HEADER
            )

    def parse(self, request: WebhookRequest) -> list[Item]:
        return parse_mail(request.body, self.settings)

    def acknowledge(self) -> tuple[str, bytes]:
        return "text/plain", b""

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        return Window(allowed=True)

    def build_send(self, message: OutboundMessage) -> HttpCall:
        raise NotImplementedError("e-mail is sent by SMTP")

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        raise NotImplementedError("e-mail is sent by SMTP")

    def build_mail(
        self, message: OutboundMessage, *, now: datetime, automated: bool
    ) -> EmailMessage:
        return build_mail(self.settings, message, now=now, automated=automated)


# --- inbound -------------------------------------------------------------------------------


def parse_mail(
    raw: bytes, settings: MailSettings | None = None, *, recipients: Sequence[str] = ()
) -> list[Item]:
    """One raw mail as items. `settings` tells which address is ours (`account`, echoes);
    `recipients` are the SMTP envelope's RCPT TO, the surest answer to that."""
    mail = _read(raw)
    bounce = _bounce(mail)
    if bounce is not None:
        return bounce
    sender = _sender(mail)
    message_id = _bare_id(mail.get("Message-ID"))
    if _is_auto_reply(mail):
        return [Ignored("auto_reply", external_id=message_id, detail=_subject(mail))]
    if sender.value.partition("@")[0] == "mailer-daemon":
        return [Ignored("bounce", external_id=message_id, detail=_subject(mail))]
    if settings is not None and sender.value == settings.address.lower():
        return [Ignored("echo", external_id=message_id)]
    return [_customer_message(mail, sender, message_id, settings, recipients)]


def clean_subject(subject: str | None) -> str:
    """The subject without leading "Re:", "Fwd:", "AW:", "Balas:" (any number of them)."""
    return REPLY_PREFIX.sub("", subject or "").strip()


def _read(raw: bytes) -> EmailMessage:
    if not raw.strip():
        raise PayloadInvalid("body is empty, not an e-mail", status=400)
    mail = message_from_bytes(raw, policy=policy.default)
    if not mail.keys():
        raise PayloadInvalid("body has no e-mail headers", status=400)
    return mail


def _sender(mail: EmailMessage) -> Sender:
    header = mail.get("From")
    addresses = getattr(header, "addresses", ())
    if not addresses or "@" not in addresses[0].addr_spec:
        raise PayloadInvalid("From: no sender address", field="From")
    first: Address = addresses[0]
    return Sender(
        kind=IdentityKind.EMAIL,
        value=first.addr_spec.lower(),
        address=first.addr_spec,
        name=first.display_name or None,
    )


def _customer_message(
    mail: EmailMessage,
    sender: Sender,
    message_id: str | None,
    settings: MailSettings | None,
    recipients: Sequence[str],
) -> CustomerMessage:
    text, original = _body(mail)
    attachments = tuple(_attachments(mail))
    if not text and not attachments:
        text = original.strip()  # nothing of their own above the quote: read it all
    return CustomerMessage(
        external_id=message_id or _content_hash(mail, original),
        sender=sender,
        text=text,
        sent_at=_date(mail),
        attachments=attachments,
        reply_to=_bare_id(mail.get("In-Reply-To")),
        references=tuple(MESSAGE_ID.findall(str(mail.get("References", "")))),
        subject=_subject(mail),
        original=original,
        account=_account(mail, settings, recipients),
    )


def _subject(mail: EmailMessage) -> str | None:
    subject = mail.get("Subject")
    return str(subject).strip() if subject is not None else None


def _bare_id(header: object) -> str | None:
    if header is None:
        return None
    value = str(header).strip()
    found = MESSAGE_ID.search(value)
    if found:
        return found.group(1)
    return value if value and not any(c.isspace() for c in value) else None


def _content_hash(mail: EmailMessage, body: str) -> str:
    """A mail without Message-ID still needs one stable id: relays retry for days."""
    parts = [str(mail.get(name, "")) for name in ("From", "Date", "Subject")] + [body]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _date(mail: EmailMessage) -> datetime | None:
    value = mail.get("Date")
    if value is None:
        return None
    try:
        at = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _account(
    mail: EmailMessage, settings: MailSettings | None, recipients: Sequence[str]
) -> str | None:
    if settings is None:
        return None
    headers = [str(v) for name in ("Delivered-To", "To", "Cc") for v in mail.get_all(name, [])]
    candidates = [*recipients, *(addr for _, addr in getaddresses(headers))]
    return next((a.lower() for a in candidates if a and settings.is_ours(a)), None)


def _is_auto_reply(mail: EmailMessage) -> bool:
    """RFC 3834 plus the vendor headers. "X-Auto-Response-Suppress: All" alone is not one:
    Exchange puts it on ordinary mail too."""
    auto_submitted = str(mail.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    precedence = str(mail.get("Precedence", "")).strip().lower()
    return (
        auto_submitted != "no"
        or "X-Autoreply" in mail
        or "X-Autorespond" in mail
        or precedence in AUTO_PRECEDENCE
    )


# --- bounces (RFC 3464 delivery status notifications) --------------------------------------


def _bounce(mail: EmailMessage) -> list[Item] | None:
    if mail.get_content_type() != "multipart/report":
        return None
    if str(mail.get_param("report-type", "")).lower() != "delivery-status":
        return None
    parts = list(mail.iter_parts())
    original_id = _returned_message_id(parts)
    at = _date(mail)
    items: list[Item] = []
    for fields in _recipient_fields(parts):
        action = str(fields.get("Action", "")).strip().lower()
        error = _dsn_error(fields)
        if original_id is None or action not in ("failed", "delivered", "relayed"):
            items.append(Ignored("bounce", external_id=original_id, detail=f"{action}: {error}"))
            continue
        items.append(
            DeliveryStatus(
                external_id=original_id,
                status="failed" if action == "failed" else "delivered",
                at=at,
                error=error if action == "failed" else None,
                recipient=_typed_value(fields.get("Final-Recipient")),
            )
        )
    return items or [Ignored("bounce", external_id=original_id)]


def _recipient_fields(parts: list[MIMEPart]) -> Iterator[MIMEPart]:
    for part in parts:
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            # the first block is about the whole message, the rest one per recipient
            yield from cast(list[MIMEPart], blocks)[1:]


def _returned_message_id(parts: list[MIMEPart]) -> str | None:
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            returned = cast(list[MIMEPart], part.get_payload())
            return _bare_id(returned[0].get("Message-ID")) if returned else None
        if kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_part_text(part), headersonly=True)
            return _bare_id(headers.get("Message-ID"))
    return None


def _dsn_error(fields: MIMEPart) -> str:
    status = str(fields.get("Status", "")).strip()
    diagnostic = _typed_value(fields.get("Diagnostic-Code")) or ""
    if status and status not in diagnostic:
        return f"{status} {diagnostic}".strip()
    return diagnostic or status


def _typed_value(field: object) -> str | None:
    """ "rfc822; a@b.c" / "smtp; 550 5.1.1 ..." -> the value after the type, unfolded."""
    if field is None:
        return None
    value = " ".join(str(field).split())
    return value.partition(";")[2].strip() if ";" in value else value


# --- body and attachments ------------------------------------------------------------------


def _body(mail: EmailMessage) -> tuple[str, str]:
    """(what the bot reads, the whole decoded body). Plain text when there is one."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", ""
    content = _part_text(part)
    if part.get_content_subtype() == "html":
        return strip_reply(_html_text(content, drop_quotes=True)), _html_text(content)
    return strip_reply(content), content


def _part_text(part: MIMEPart) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    # Mail labelled latin-1 is written in windows-1252 (curly quotes, euro), as browsers
    # assume; ascii-labelled mail is often 8-bit UTF-8.
    charset = "cp1252" if charset in LATIN1_LABELS else charset
    charset = "utf-8" if charset in ("us-ascii", "ascii") else charset
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html_text(html: str, *, drop_quotes: bool = False) -> str:
    if not html.strip():
        return ""
    tree = lxml.html.document_fromstring(html)
    if drop_quotes:
        for quoted in tree.xpath(HTML_QUOTES):
            quoted.drop_tree()
    return str(Inscriptis(tree).get_text())


def strip_reply(text: str) -> str:
    """The customer's own words: quoted replies and signature removed."""
    parsed = ReplyParser(
        text=text[:READ_MAX_CHARS], languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True
    )
    latest = parsed.read().replies[0]
    if latest.headers:
        return ""  # the mail starts with a quote header: nothing of their own
    own = "\n".join(line for line in latest.full_body.split("\n") if not line.startswith(">"))
    own = _without_signature(own, parsed.SIGNATURE_REGEX)
    return re.sub(r"\n{3,}", "\n\n", own).strip()


def _without_signature(text: str, signature: re.Pattern[str]) -> str:
    position = 0
    for _ in range(SIGN_OFF_TRIES):
        found = signature.search(text, position)
        if found is None:
            break
        start = found.start() + len(found.group()) - len(found.group().lstrip())
        line = text[start:].partition("\n")[0]
        if not SIGN_OFF.match(line) or len(line.split()) <= SIGN_OFF_MAX_WORDS:
            return text[: found.start()]
        position = start + len(line) + 1
    return text


def _attachments(mail: EmailMessage) -> Iterator[Attachment]:
    body = mail.get_body(preferencelist=("plain", "html"))
    for part in _leaves(mail):
        if part is body or not _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        yield Attachment(
            kind=_kind(part.get_content_maintype()),
            mime_type=part.get_content_type(),
            size=len(payload) if isinstance(payload, bytes) else None,
            filename=part.get_filename(),
        )


def _leaves(part: MIMEPart) -> Iterable[MIMEPart]:
    if part.get_content_maintype() != "multipart":
        return [part]
    return [leaf for sub in part.iter_parts() for leaf in _leaves(sub)]


def _is_attachment(part: MIMEPart) -> bool:
    return (
        part.get_content_disposition() == "attachment"
        or part.get_filename() is not None
        or part.get_content_maintype() in ("image", "audio", "video")
        or part.get_content_type() == "message/rfc822"
    )


def _kind(maintype: str) -> AttachmentKind:
    if maintype == "image":
        return "image"
    if maintype == "audio":
        return "audio"
    if maintype == "video":
        return "video"
    return "document"


# --- outbound ------------------------------------------------------------------------------


def new_message_id(settings: MailSettings) -> str:
    """Our Message-ID for a reply, without angle brackets: "<uuid>@<domain>"."""
    return f"{uuid.uuid4()}@{settings.domain}"


def build_mail(
    settings: MailSettings, message: OutboundMessage, *, now: datetime, automated: bool
) -> EmailMessage:
    if not message.message_id:
        raise ValueError("OutboundMessage.message_id must be set before building the mail")
    mail = EmailMessage()
    mail["From"] = Address(settings.display_name, addr_spec=settings.address)
    mail["To"] = message.to
    mail["Subject"] = _reply_subject(message.subject)
    mail["Date"] = now
    mail["Message-ID"] = f"<{message.message_id}>"
    if message.in_reply_to:
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
    thread = _thread(message.references, message.in_reply_to)
    if thread:
        mail["References"] = " ".join(f"<{ref}>" for ref in thread)
    if automated:
        # RFC 3834: autoresponders must not answer this, so a customer's out-of-office
        # and our bot never loop; Exchange reads its own header instead.
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail["MIME-Version"] = "1.0"
    mail.set_content(numbered(message.text, message.buttons), subtype="plain", charset="utf-8")
    return mail


def _reply_subject(subject: str | None) -> str:
    if not subject or not subject.strip():
        return DEFAULT_SUBJECT
    subject = subject.strip()
    return subject if re.match(r"re\s*:", subject, re.IGNORECASE) else f"Re: {subject}"


def _thread(references: Sequence[str], in_reply_to: str | None) -> list[str]:
    ids = [*references, *([in_reply_to] if in_reply_to else [])]
    return list(dict.fromkeys(ref.strip("<> ") for ref in ids if ref.strip("<> ")))


async def send_mail(settings: MailSettings, message: EmailMessage) -> SendResult:
    """Hand one mail to our SMTP server. 4xx and lost connections are worth retrying (the
    server said "not now"); 5xx is final."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_s,
            local_hostname=settings.domain,
        )
    except aiosmtplib.SMTPRecipientsRefused as refused:
        first = refused.recipients[0]
        return _smtp_refusal(first.code, first.message)
    except aiosmtplib.SMTPResponseException as error:
        return _smtp_refusal(error.code, error.message)
    except aiosmtplib.SMTPNotSupported as error:
        return SendResult(ok=False, error=str(error), retryable=False)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return SendResult(ok=False, error=str(error) or type(error).__name__, retryable=True)
    return SendResult(ok=True, external_id=_bare_id(message["Message-ID"]))


def _smtp_refusal(code: int, reply: str) -> SendResult:
    return SendResult(ok=False, error=f"{code} {reply}".strip(), retryable=400 <= code < 500)


# --- for eval, tests and the demo ----------------------------------------------------------


def raw_mail(
    settings: MailSettings,
    *,
    from_addr: str,
    text: str,
    message_id: str,
    subject: str = "",
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    name: str | None = None,
    at: datetime,
) -> bytes:
    """A customer's plain-text mail to our address, as an MTA hands it on (CRLF lines)."""
    mail = EmailMessage()
    mail["From"] = Address(name or "", addr_spec=from_addr)
    mail["To"] = Address(settings.display_name, addr_spec=settings.address)
    if subject:
        mail["Subject"] = subject
    mail["Date"] = at
    mail["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    thread = _thread(references, in_reply_to)
    if thread:
        mail["References"] = " ".join(f"<{ref}>" for ref in thread)
    mail["MIME-Version"] = "1.0"
    mail.set_content(text, subtype="plain", charset="utf-8")
    return mail.as_bytes(policy=policy.SMTP)


def signed_webhook(
    settings: MailSettings,
    *,
    from_addr: str,
    text: str,
    message_id: str,
    subject: str = "",
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    name: str | None = None,
    at: datetime,
) -> SignedWebhook:
    body = raw_mail(
        settings,
        from_addr=from_addr,
        text=text,
        message_id=message_id,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        name=name,
        at=at,
    )
    return _relay_post(settings, body)


def raw_bounce(
    settings: MailSettings,
    *,
    original_message_id: str,
    recipient: str,
    at: datetime,
    diagnostic: str = "550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
) -> bytes:
    """A Postfix-style delivery failure report for one of our replies."""
    reason = diagnostic.format(recipient=recipient)
    status = reason.split()[1] if len(reason.split()) > 1 else "5.0.0"
    boundary = f"bounce.{uuid.uuid5(uuid.NAMESPACE_URL, original_message_id).hex}"
    date = at.strftime("%a, %d %b %Y %H:%M:%S %z")
    lines = [
        f"From: MAILER-DAEMON@{settings.domain} (Mail Delivery System)",
        f"To: {settings.address}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {date}",
        f"Message-Id: <{boundary}@{settings.domain}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Description: Notification",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients.",
        "",
        f"<{recipient}>: {reason}",
        "",
        f"--{boundary}",
        "Content-Description: Delivery report",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {settings.domain}",
        f"Arrival-Date: {date}",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        "Action: failed",
        f"Status: {status}",
        f"Diagnostic-Code: smtp; {reason}",
        "",
        f"--{boundary}",
        "Content-Description: Undelivered Message Headers",
        "Content-Type: text/rfc822-headers",
        "",
        f"From: {settings.display_name} <{settings.address}>",
        f"To: {recipient}",
        f"Message-ID: <{original_message_id}>",
        "",
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode()


def signed_bounce_webhook(
    settings: MailSettings, *, original_message_id: str, recipient: str, at: datetime
) -> SignedWebhook:
    raw = raw_bounce(settings, original_message_id=original_message_id, recipient=recipient, at=at)
    return _relay_post(settings, raw)


def _relay_post(settings: MailSettings, body: bytes) -> SignedWebhook:
    secret = settings.inbound_secret.get_secret_value()
    return SignedWebhook(
        method="POST",
        path=WEBHOOK_PATH,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "message/rfc822"},
        body=body,
    )
