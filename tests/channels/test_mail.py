"""E-mail: one test per real mail shape in fixtures/email, the relay webhook's bearer
secret, threading headers of our replies, and sending over SMTP to a local sink."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from relaydesk.channels.base import (
    Attachment,
    Button,
    CustomerMessage,
    DeliveryStatus,
    IdentityKind,
    Ignored,
    OutboundMessage,
    PayloadInvalid,
    SendResult,
    SignatureInvalid,
    SignatureMissing,
    WebhookRequest,
)
from relaydesk.channels.mail import (
    MailAdapter,
    MailSettings,
    clean_subject,
    new_message_id,
    parse_mail,
    raw_bounce,
    raw_mail,
    send_mail,
    signed_bounce_webhook,
    signed_webhook,
)
from relaydesk.domain.vocab import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "email"
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
WIB = timezone(timedelta(hours=7))
SECRET = "relay-secret-7f3k"


def settings(**overrides: object) -> MailSettings:
    values: dict[str, object] = {"address": "support@shop.example", "inbound_secret": SECRET}
    return MailSettings.model_validate(values | overrides)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def only_message(raw: bytes) -> CustomerMessage:
    [item] = parse_mail(raw, settings())
    assert isinstance(item, CustomerMessage), item
    return item


def customer_mail(text: str, **headers: str) -> bytes:
    raw = raw_mail(
        settings(),
        from_addr="maya.putri@example.com",
        name="Maya Putri",
        text=text,
        message_id="m-1@example.com",
        subject="Order A-1042",
        at=AT,
    )
    extra = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return extra.encode() + raw


def request(body: bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://desk.shop.example/webhooks/email",
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query={},
        body=body,
    )


# --- fixtures: one real mail shape each ----------------------------------------------------


def test_plain_text() -> None:
    message = only_message(fixture("plain_text.eml"))
    assert message.external_id == "8f3a1c52-6d0e-4b7a-9a51-2f4c0d9e7b10@example.com"
    assert message.sender.kind is IdentityKind.EMAIL
    assert message.sender.value == "maya.putri@example.com"
    assert message.sender.address == "Maya.Putri@example.com"
    assert message.sender.name == "Maya Putri"
    assert message.subject == "Order A-1042 has not arrived"
    assert message.sent_at == datetime(2026, 11, 23, 10, 2, 7, tzinfo=WIB)
    assert message.account == "support@shop.example"
    assert message.text.startswith("Hello,\n\nI ordered a pair of running shoes")
    assert message.text.endswith("where the parcel is?\n\nMaya")
    assert message.original == message.text + "\n"
    assert message.reply_to is None
    assert message.references == ()
    assert message.attachments == ()


def test_gmail_reply_in_english_drops_the_quote() -> None:
    message = only_message(fixture("gmail_reply_en.eml"))
    assert message.text == (
        "Hi, the refund still hasn't shown up on my card. It's been 10 days.\n"
        "Could you check with the bank?"
    )
    assert message.original is not None
    assert "> Your refund of SGD 84.90 for order A-1077 was issued" in message.original
    assert message.reply_to == "0b9d3e7e-2f1a-4c55-9d0c-7a4f9e1b2c33@shop.example"
    assert message.references == ("0b9d3e7e-2f1a-4c55-9d0c-7a4f9e1b2c33@shop.example",)
    assert message.external_id == (
        "CAH8yC8kZ0t1vP9Wq3xYt2mF7wRb5s4nN1c0LJxQe7uV6aD2hQw@mail.gmail.com"
    )
    assert message.subject == "Re: Your refund for order A-1077"


def test_gmail_reply_in_indonesian_drops_the_quote_and_the_sign_off() -> None:
    message = only_message(fixture("gmail_reply_id.eml"))
    assert message.text == (
        "Halo, paketnya belum sampai juga. Nomor resi JNE-7781204 tidak bisa dilacak.\n"
        "Mohon dibantu cek ya."
    )
    assert message.original is not None
    assert "menulis:" in message.original
    assert message.reply_to == "5c1e0f4a-8b2d-4e7f-a3c6-91d0b7e2f854@shop.example"


def test_outlook_reply_drops_the_from_sent_block() -> None:
    message = only_message(fixture("outlook_reply.eml"))
    assert message.text == (
        "The courier picked the parcel up this morning, receipt number JP-5521-0937."
        " When will the refund go out?\n\nRina"
    )
    assert message.external_id == (
        "SEZPR06MB52696F1C3B8D0E4A2A7B9C41D5E12@SEZPR06MB5269.apcprd06.prod.outlook.com"
    )
    assert message.reply_to == "e4a7c1d2-0b3f-4a6e-8c9d-5f2e1a0b7c64@shop.example"
    assert message.sent_at == datetime(2026, 11, 23, 4, 5, 51, tzinfo=UTC)


def test_html_only_mail_is_read_as_text_without_its_quote() -> None:
    message = only_message(fixture("html_only.eml"))
    assert message.text == (
        "Saya ditagih dua kali untuk pesanan A-3305, masing-masing Rp 250.000 — tolong"
        " kembalikan salah satunya.\n\nBukti transfer terlampir di email sebelumnya."
    )
    assert message.original is not None
    assert "Kami sedang memeriksa tagihan Anda." in message.original
    assert "<div" not in message.original and "margin: 0" not in message.original
    assert message.sender.name == "Sri Wahyuni"
    assert message.subject == "Re: Tagihan ganda untuk pesanan A-3305"


def test_multipart_alternative_prefers_the_plain_part() -> None:
    message = only_message(fixture("multipart_alternative.eml"))
    # Gmail writes <b> as *..* and links as <url> only in its text/plain part
    assert "order *A-1120* from L to M?" in message.text
    assert "<https://shop.example/orders/A-1120>" in message.text
    assert message.attachments == ()


def test_pdf_attachment() -> None:
    message = only_message(fixture("attachment_pdf.eml"))
    assert message.attachments == (
        Attachment(
            kind="document",
            mime_type="application/pdf",
            size=193,
            filename="invoice-A-1203.pdf",
        ),
    )
    assert message.text.startswith('Hello, the attached invoice says "Lim Trading"')


def test_inline_image_is_an_attachment() -> None:
    message = only_message(fixture("inline_image.eml"))
    assert message.attachments == (
        Attachment(kind="image", mime_type="image/png", size=69, filename="mug.png"),
    )
    assert message.text.startswith("The mug from order A-1251 arrived in pieces")


def test_iso_8859_1_quoted_printable() -> None:
    message = only_message(fixture("latin1_qp.eml"))
    assert message.sender.name == "Renée François"
    assert message.subject == "Commande A-1300 : pointure reçue incorrecte"
    # labelled latin-1, written in windows-1252: 0x92 is a right single quote
    assert "J’ai reçu la commande A-1300" in message.text
    assert "j’avais commandé du 38" in message.text
    assert message.text.endswith("Renée")


def test_auto_reply_is_ignored() -> None:
    assert parse_mail(fixture("auto_reply.eml"), settings()) == [
        Ignored(
            "auto_reply",
            external_id="CAN2vD8qX1yZ3aB5cD7eF9gH1iJ3kL5mN7oP9qR1sT3uV5wX7yZ@mail.gmail.com",
            detail="Cuti: Re: Pesanan A-2288 sudah dikirim",
        )
    ]


def test_bounce_fails_our_original_message() -> None:
    assert parse_mail(fixture("bounce.eml"), settings()) == [
        DeliveryStatus(
            external_id="3b8e5f0a-9c21-4d7e-a6b4-2f1c8d0e9a53@shop.example",
            status="failed",
            at=datetime(2026, 11, 23, 15, 2, 19, tzinfo=WIB),
            error=(
                "550 5.1.1 <tono.hartono@example.net>: Recipient address rejected:"
                " User unknown in virtual mailbox table"
            ),
            recipient="tono.hartono@example.net",
        )
    ]


def test_missing_message_id_gets_a_stable_content_hash() -> None:
    raw = fixture("missing_message_id.eml")
    message = only_message(raw)
    assert message.external_id.startswith("sha256:")
    assert len(message.external_id) == len("sha256:") + 64
    assert only_message(raw).external_id == message.external_id
    edited = raw.replace(b"50 units", b"60 units")
    assert only_message(edited).external_id != message.external_id


def test_signature_after_dash_dash_is_dropped_and_lists_stay() -> None:
    message = only_message(fixture("signature.eml"))
    assert message.text == (
        "Hi,\n\nOrder A-1455 arrived but two things are missing:\n"
        "- 1x USB-C cable (SKU CB-2M)\n- 1x wall charger (SKU WC-30)\n\n"
        "Please send them or refund them."
    )
    assert message.original is not None
    assert "PT Lintas Data" in message.original


# --- reading: the edges ---------------------------------------------------------------------


def test_gmail_html_part_alone_drops_the_gmail_quote() -> None:
    gmail = cast(
        EmailMessage, message_from_bytes(fixture("gmail_reply_en.eml"), policy=policy.default)
    )
    html = gmail.get_body(preferencelist=("html",))
    assert html is not None
    html_only = EmailMessage()
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        html_only[name] = str(gmail[name])
    html_only.set_content(html.get_content(), subtype="html")
    message = only_message(html_only.as_bytes())
    assert message.text == (
        "Hi, the refund still hasn't shown up on my card. It's been 10 days.\n"
        "Could you check with the bank?"
    )


def test_outlook_original_message_separator() -> None:
    raw = customer_mail(
        "Please cancel it.\n\n-----Original Message-----\nFrom: Support "
        "<support@shop.example>\nSent: Monday, November 23, 2026 9:30 AM\n"
        "To: Maya Putri <maya.putri@example.com>\nSubject: Order A-1042\n\nIt shipped."
    )
    assert only_message(raw).text == "Please cancel it."


def test_indonesian_outlook_header_block() -> None:
    raw = customer_mail(
        "Tolong dibatalkan saja.\n\nDari: Support <support@shop.example>\n"
        "Dikirim: Senin, 23 November 2026 09.30\nKepada: Maya Putri\n"
        "Subjek: Pesanan A-1042\n\nPesanan sudah dikirim."
    )
    assert only_message(raw).text == "Tolong dibatalkan saja."


def test_bare_quoted_lines_are_dropped() -> None:
    raw = customer_mail("> Your order shipped on Friday.\nIt did not arrive.\n> Support")
    assert only_message(raw).text == "It did not arrive."


def test_a_sentence_starting_with_thanks_is_not_a_signature() -> None:
    raw = customer_mail("Hi,\nThanks, but my refund for order A-1042 never came.\n\nThanks,\nMaya")
    assert only_message(raw).text == "Hi,\nThanks, but my refund for order A-1042 never came."


def test_sent_from_my_iphone_is_dropped() -> None:
    raw = customer_mail("Is order A-1042 on its way?\n\nSent from my iPhone")
    assert only_message(raw).text == "Is order A-1042 on its way?"


def test_indonesian_sent_from_line_is_dropped() -> None:
    raw = customer_mail("Pesanan A-1042 sudah dikirim?\n\nDikirim dari iPhone saya")
    assert only_message(raw).text == "Pesanan A-1042 sudah dikirim?"


def test_mail_that_is_only_a_quote_is_read_whole() -> None:
    raw = customer_mail("On Mon, Nov 23, 2026 at 10:15 AM Support wrote:\n> Your order shipped.")
    message = only_message(raw)
    assert message.text == "On Mon, Nov 23, 2026 at 10:15 AM Support wrote:\n> Your order shipped."


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Auto-Submitted", "auto-generated"),
        ("Auto-Submitted", "auto-replied; owner-email=maya.putri@example.com"),
        ("X-Autoreply", "yes"),
        ("X-Autorespond", "Out of office"),
        ("Precedence", "bulk"),
        ("Precedence", "junk"),
        ("Precedence", "list"),
        ("Precedence", "auto_reply"),
    ],
)
def test_auto_reply_headers(name: str, value: str) -> None:
    [item] = parse_mail(customer_mail("I am away.", **{name.replace("-", "_"): value}))
    assert item == Ignored("auto_reply", external_id="m-1@example.com", detail="Order A-1042")


@pytest.mark.parametrize(
    ("name", "value"),
    [("Auto-Submitted", "no"), ("X-Auto-Response-Suppress", "All"), ("Precedence", "first-class")],
)
def test_headers_that_are_not_auto_replies(name: str, value: str) -> None:
    [item] = parse_mail(customer_mail("Where is it?", **{name.replace("-", "_"): value}))
    assert isinstance(item, CustomerMessage)


def test_mailer_daemon_without_a_report_is_a_bounce_to_ignore() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.net\r\nTo: support@shop.example\r\n"
        b"Subject: failure notice\r\nMessage-ID: <fail-1@mx.example.net>\r\n\r\n"
        b"Sorry, I couldn't deliver your message.\r\n"
    )
    assert parse_mail(raw, settings()) == [
        Ignored("bounce", external_id="fail-1@mx.example.net", detail="failure notice")
    ]


def test_delayed_delivery_report_is_not_a_failure() -> None:
    raw = fixture("bounce.eml").replace(b"Action: failed", b"Action: delayed")
    [item] = parse_mail(raw, settings())
    assert isinstance(item, Ignored)
    assert item.reason == "bounce"
    assert item.detail is not None and item.detail.startswith("delayed: 550 5.1.1")


def test_bounce_helper_round_trips() -> None:
    raw = raw_bounce(
        settings(), original_message_id="ours-1@shop.example", recipient="gone@example.net", at=AT
    )
    [item] = parse_mail(raw, settings())
    assert item == DeliveryStatus(
        external_id="ours-1@shop.example",
        status="failed",
        at=AT,
        error="550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown",
        recipient="gone@example.net",
    )


def test_our_own_mail_coming_back_is_an_echo() -> None:
    raw = raw_mail(
        settings(),
        from_addr="Support@Shop.Example",
        text="hi",
        message_id="e-1@shop.example",
        at=AT,
    )
    assert parse_mail(raw, settings()) == [Ignored("echo", external_id="e-1@shop.example")]


def test_account_comes_from_the_envelope_when_we_were_bcc() -> None:
    raw = customer_mail("Where is it?").replace(
        b"To: Support <support@shop.example>", b"To: friend@example.org"
    )
    assert only_message(raw).account is None
    [item] = parse_mail(raw, settings(), recipients=["Help@Shop.Example"])
    assert isinstance(item, CustomerMessage)
    assert item.account == "help@shop.example"


def test_threading_headers_of_a_customer_reply() -> None:
    raw = raw_mail(
        settings(),
        from_addr="maya.putri@example.com",
        text="Still nothing.",
        message_id="m-3@example.com",
        subject="Re: Order A-1042",
        in_reply_to="ours-2@shop.example",
        references=("m-1@example.com", "ours-1@shop.example"),
        at=AT,
    )
    message = only_message(raw)
    assert message.reply_to == "ours-2@shop.example"
    assert message.references == ("m-1@example.com", "ours-1@shop.example", "ours-2@shop.example")
    assert message.sent_at == AT


def test_attachment_without_text_leaves_text_empty() -> None:
    mail = EmailMessage()
    mail["From"] = "maya.putri@example.com"
    mail["To"] = "support@shop.example"
    mail["Message-ID"] = "<photo-1@example.com>"
    mail.set_content("\n-- \nMaya\n")
    photo = b"\x89PNG fake"
    mail.add_attachment(photo, maintype="image", subtype="png", filename="box.png")
    message = only_message(mail.as_bytes())
    assert message.text == ""
    assert message.attachments == (
        Attachment(kind="image", mime_type="image/png", size=len(photo), filename="box.png"),
    )


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: Order A-1042", "Order A-1042"),
        ("RE: Fwd: Order A-1042", "Order A-1042"),
        ("AW: Bestellung", "Bestellung"),
        ("Balas: Pesanan A-2210", "Pesanan A-2210"),
        ("Re[2]: Order", "Order"),
        ("Order Re: A-1042", "Order Re: A-1042"),
        (None, ""),
    ],
)
def test_clean_subject(subject: str | None, clean: str) -> None:
    assert clean_subject(subject) == clean


def test_empty_body_is_not_an_email() -> None:
    with pytest.raises(PayloadInvalid) as error:
        parse_mail(b"  \r\n")
    assert error.value.status == 400


def test_mail_without_a_sender_names_the_from_header() -> None:
    with pytest.raises(PayloadInvalid) as error:
        parse_mail(b"To: support@shop.example\r\nSubject: hi\r\n\r\nhello\r\n")
    assert (error.value.status, error.value.field) == (422, "From")


# --- the relay webhook ----------------------------------------------------------------------


def test_signed_webhook_verifies_and_parses() -> None:
    adapter = MailAdapter(settings())
    hook = signed_webhook(
        settings(),
        from_addr="maya.putri@example.com",
        name="Maya Putri",
        text="Where is order A-1042?",
        message_id="m-9@example.com",
        subject="Order A-1042",
        at=AT,
    )
    assert (hook.method, hook.path) == ("POST", "/webhooks/email")
    assert hook.headers == {
        "Authorization": f"Bearer {SECRET}",
        "Content-Type": "message/rfc822",
    }
    incoming = request(hook.body, hook.headers)
    adapter.verify(incoming)
    [item] = adapter.parse(incoming)
    assert isinstance(item, CustomerMessage)
    assert (item.external_id, item.text) == ("m-9@example.com", "Where is order A-1042?")
    assert item.sender.name == "Maya Putri"


def test_signed_bounce_webhook_verifies_and_parses() -> None:
    adapter = MailAdapter(settings())
    hook = signed_bounce_webhook(
        settings(), original_message_id="ours-5@shop.example", recipient="x@example.net", at=AT
    )
    incoming = request(hook.body, hook.headers)
    adapter.verify(incoming)
    [item] = adapter.parse(incoming)
    assert isinstance(item, DeliveryStatus)
    assert (item.external_id, item.status) == ("ours-5@shop.example", "failed")


def test_missing_authorization_is_401() -> None:
    with pytest.raises(SignatureMissing) as error:
        MailAdapter(settings()).verify(request(b"x"))
    assert error.value.status == 401


@pytest.mark.parametrize(
    "authorization", [f"Bearer {SECRET}x", "Bearer ", f"Basic {SECRET}", SECRET]
)
def test_wrong_authorization_is_403(authorization: str) -> None:
    with pytest.raises(SignatureInvalid) as error:
        MailAdapter(settings()).verify(request(b"x", {"Authorization": authorization}))
    assert error.value.status == 403


def test_bearer_scheme_is_case_insensitive() -> None:
    MailAdapter(settings()).verify(request(b"x", {"Authorization": f"bearer {SECRET}"}))


# --- settings and the adapter's other duties ------------------------------------------------


def test_settings_defaults_and_secret_hidden() -> None:
    mail = settings(smtp_password="hunter2")
    assert mail.domain == "shop.example"
    assert mail.accept_domains == ["shop.example"]
    assert (mail.listen_host, mail.listen_port) == ("127.0.0.1", 2525)
    assert mail.max_message_bytes == 10 * 1024 * 1024
    assert SECRET not in repr(mail) and "hunter2" not in repr(mail)
    assert settings(domain="mail.shop.example").domain == "mail.shop.example"


def test_settings_refuse_an_address_without_a_domain() -> None:
    with pytest.raises(ValueError, match="e-mail address"):
        settings(address="support")


def test_window_is_always_open_and_http_sends_do_not_apply() -> None:
    adapter = MailAdapter(settings(messages_per_second=2))
    assert adapter.channel is Channel.EMAIL
    assert adapter.rate_limit.per_second == 2
    assert adapter.window(AT - timedelta(days=60), AT, by_agent=False).allowed
    assert adapter.window(None, AT, by_agent=True).allowed
    with pytest.raises(NotImplementedError, match="SMTP"):
        adapter.build_send(OutboundMessage(to="maya.putri@example.com", text="hi"))
    with pytest.raises(NotImplementedError, match="SMTP"):
        adapter.read_response(200, {}, b"")


# --- building our replies -------------------------------------------------------------------


def reply(**overrides: object) -> OutboundMessage:
    values: dict[str, object] = {
        "to": "Maya.Putri@example.com",
        "text": "Your parcel is with the courier.",
        "subject": "Order A-1042 has not arrived",
        "message_id": "ours-7@shop.example",
        "in_reply_to": "m-2@example.com",
        "references": ("m-1@example.com", "ours-6@shop.example", "m-2@example.com"),
    }
    return OutboundMessage(**(values | overrides))  # type: ignore[arg-type]


def test_build_mail_threads_the_reply() -> None:
    mail = MailAdapter(settings()).build_mail(reply(), now=AT, automated=False)
    assert mail["From"] == "Support <support@shop.example>"
    assert mail["To"] == "Maya.Putri@example.com"
    assert mail["Subject"] == "Re: Order A-1042 has not arrived"
    assert mail["Message-ID"] == "<ours-7@shop.example>"
    assert mail["In-Reply-To"] == "<m-2@example.com>"
    assert mail["References"] == "<m-1@example.com> <ours-6@shop.example> <m-2@example.com>"
    assert mail["Date"] == "Mon, 23 Nov 2026 03:00:00 +0000"
    assert mail["MIME-Version"] == "1.0"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content() == "Your parcel is with the courier.\n"
    assert "Auto-Submitted" not in mail


def test_bot_reply_is_marked_auto_replied() -> None:
    mail = MailAdapter(settings()).build_mail(reply(), now=AT, automated=True)
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"


def test_build_mail_subjects_and_buttons() -> None:
    adapter = MailAdapter(settings(display_name="Toko Support"))
    kept = adapter.build_mail(reply(subject="RE: Order"), now=AT, automated=True)
    assert kept["Subject"] == "RE: Order"
    fresh = adapter.build_mail(
        reply(
            subject=None,
            in_reply_to=None,
            references=(),
            text="Which one?",
            buttons=(Button("refund", "Refund"), Button("resend", "Send again")),
        ),
        now=AT,
        automated=True,
    )
    assert fresh["From"] == "Toko Support <support@shop.example>"
    assert fresh["Subject"] == "Your support request"
    assert "In-Reply-To" not in fresh and "References" not in fresh
    assert fresh.get_content() == "Which one?\n\n1. Refund\n2. Send again\n"


def test_build_mail_references_end_with_in_reply_to_once() -> None:
    mail = MailAdapter(settings()).build_mail(
        reply(references=("m-1@example.com",), in_reply_to="m-2@example.com"),
        now=AT,
        automated=False,
    )
    assert mail["References"] == "<m-1@example.com> <m-2@example.com>"


def test_build_mail_needs_a_message_id() -> None:
    with pytest.raises(ValueError, match="message_id"):
        MailAdapter(settings()).build_mail(reply(message_id=None), now=AT, automated=False)


def test_new_message_id() -> None:
    first, second = new_message_id(settings()), new_message_id(settings())
    assert first != second
    local, _, domain = first.partition("@")
    assert domain == "shop.example" and len(local) == 36
    assert "<" not in first


# --- sending over SMTP, to a capturing server on loopback -----------------------------------


@dataclass
class Sink:
    """An SMTP server that keeps what it gets, or refuses as told."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        content = envelope.original_content or b""
        self.received.append((envelope.mail_from or "", list(envelope.rcpt_tos), content))
        return "250 2.0.0 Ok: queued as 4Nk8Gw6"


@pytest.fixture
async def sink() -> AsyncIterator[tuple[Sink, int]]:
    loop = asyncio.get_running_loop()
    capture = Sink()
    server = await loop.create_server(
        lambda: SMTP(capture, hostname="sink.test", loop=loop), "127.0.0.1", 0
    )
    yield capture, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def built(automated: bool = True) -> EmailMessage:
    return MailAdapter(settings()).build_mail(reply(), now=AT, automated=automated)


async def test_send_mail_delivers_the_reply(sink: tuple[Sink, int]) -> None:
    capture, port = sink
    result = await send_mail(settings(smtp_port=port), built())
    assert result == SendResult(ok=True, external_id="ours-7@shop.example")
    [(mail_from, rcpt_tos, content)] = capture.received
    assert (mail_from, rcpt_tos) == ("support@shop.example", ["Maya.Putri@example.com"])
    sent = message_from_bytes(content, policy=policy.default)
    assert sent["From"] == "Support <support@shop.example>"
    assert sent["To"] == "Maya.Putri@example.com"
    assert sent["Subject"] == "Re: Order A-1042 has not arrived"
    assert sent["Message-ID"] == "<ours-7@shop.example>"
    assert sent["In-Reply-To"] == "<m-2@example.com>"
    assert sent["References"] == "<m-1@example.com> <ours-6@shop.example> <m-2@example.com>"
    assert sent["Auto-Submitted"] == "auto-replied"


async def test_send_mail_refused_recipient_is_permanent(sink: tuple[Sink, int]) -> None:
    capture, port = sink
    capture.rcpt_reply = "550 5.1.1 <Maya.Putri@example.com>: Recipient address rejected"
    result = await send_mail(settings(smtp_port=port), built())
    assert result == SendResult(
        ok=False,
        error="550 5.1.1 <Maya.Putri@example.com>: Recipient address rejected",
        retryable=False,
    )


async def test_send_mail_temporary_refusal_is_retryable(sink: tuple[Sink, int]) -> None:
    capture, port = sink
    capture.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    result = await send_mail(settings(smtp_port=port), built())
    assert result == SendResult(
        ok=False, error="451 4.3.0 Mail server temporarily rejected message", retryable=True
    )


async def test_send_mail_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    result = await send_mail(settings(smtp_port=free_port, smtp_timeout_s=2), built())
    assert not result.ok
    assert result.retryable
    assert result.error
