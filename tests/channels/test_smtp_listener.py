"""The SMTP listener, with Python's smtplib as the sending MTA, on loopback."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from relaydesk.channels.mail import MailSettings, raw_mail
from relaydesk.channels.smtp_listener import SmtpListener

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@dataclass
class Mailroom:
    """What deliver() received; `fail` makes it raise."""

    received: list[tuple[bytes, str, list[str]]] = field(default_factory=list)
    fail: bool = False

    async def deliver(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        if self.fail:
            raise RuntimeError("database is down")
        self.received.append((raw, mail_from, rcpt_tos))


def settings(**overrides: object) -> MailSettings:
    values: dict[str, object] = {
        "address": "support@shop.example",
        "inbound_secret": "relay-secret",
        "listen_port": 0,
    }
    return MailSettings.model_validate(values | overrides)


@pytest.fixture
def mailroom() -> Mailroom:
    return Mailroom()


@pytest.fixture
async def port(mailroom: Mailroom) -> AsyncIterator[int]:
    listener = SmtpListener(settings(max_message_bytes=4096), mailroom.deliver)
    bound = await listener.start()
    yield bound
    await listener.stop()


def customer_mail() -> bytes:
    return raw_mail(
        settings(),
        from_addr="maya.putri@example.com",
        name="Maya Putri",
        text="Where is order A-1042?\n.a line that starts with a dot\nThanks",
        message_id="m-1@example.com",
        subject="Order A-1042",
        at=AT,
    )


def send(port: int, mail_from: str, rcpt: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mta.example.com", timeout=5) as mta:
        mta.sendmail(mail_from, [rcpt], raw)


async def test_delivered_mail_reaches_deliver_byte_for_byte(port: int, mailroom: Mailroom) -> None:
    raw = customer_mail()
    await asyncio.to_thread(send, port, "maya.putri@example.com", "support@shop.example", raw)
    assert mailroom.received == [(raw, "maya.putri@example.com", ["support@shop.example"])]


async def test_recipient_domain_not_ours_is_refused(port: int, mailroom: Mailroom) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(
            send, port, "spammer@example.org", "someone@elsewhere.example", customer_mail()
        )
    code, reply = refused.value.recipients["someone@elsewhere.example"]
    assert code == 550
    assert reply.startswith(b"5.1.1 <someone@elsewhere.example>")
    assert mailroom.received == []


async def test_oversized_data_is_refused_with_552(port: int, mailroom: Mailroom) -> None:
    big = customer_mail() + (b"y" * 70 + b"\r\n") * 80

    def send_without_size_hint() -> tuple[int, bytes]:
        # plain HELO: no SIZE= on MAIL FROM, so the limit is enforced during DATA
        with smtplib.SMTP("127.0.0.1", port, local_hostname="mta.example.com") as mta:
            mta.helo()
            mta.mail("maya.putri@example.com")
            mta.rcpt("support@shop.example")
            return mta.data(big)  # the reply after the final dot, not raised

    code, reply = await asyncio.to_thread(send_without_size_hint)
    assert (code, reply) == (552, b"Error: Too much mail data")
    assert mailroom.received == []


async def test_oversized_mail_announced_by_size_is_refused(port: int) -> None:
    big = customer_mail() + (b"y" * 70 + b"\r\n") * 80
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await asyncio.to_thread(send, port, "maya.putri@example.com", "support@shop.example", big)
    assert refused.value.smtp_code == 552


async def test_failing_deliver_answers_451_so_the_mta_retries(
    port: int, mailroom: Mailroom
) -> None:
    mailroom.fail = True
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(
            send, port, "maya.putri@example.com", "support@shop.example", customer_mail()
        )
    assert refused.value.smtp_code == 451
    assert refused.value.smtp_error.startswith(b"4.3.0")


async def test_accepts_every_configured_domain(mailroom: Mailroom) -> None:
    listener = SmtpListener(
        settings(accept_domains=["shop.example", "Help.Shop.Example"]), mailroom.deliver
    )
    bound = await listener.start()
    try:
        await asyncio.to_thread(
            send, bound, "maya.putri@example.com", "orders@help.shop.example", customer_mail()
        )
    finally:
        await listener.stop()
    assert [rcpts for _, _, rcpts in mailroom.received] == [["orders@help.shop.example"]]


async def test_stop_closes_the_port(mailroom: Mailroom) -> None:
    listener = SmtpListener(settings(), mailroom.deliver)
    bound = await listener.start()
    await listener.stop()
    with pytest.raises(OSError):
        await asyncio.to_thread(smtplib.SMTP, "127.0.0.1", bound, "mta.example.com", 2)
