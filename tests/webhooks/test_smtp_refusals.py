# ruff: noqa: E501
from __future__ import annotations

import asyncio
import smtplib

import pytest

from relaydesk.channels.smtp_listener import SmtpListener
from relaydesk.service import webhooks as webhook_service


def _send(port, raw):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        try:
            smtp.sendmail("x@customers.example", ["support@shop.example"], raw)
            return "250"
        except smtplib.SMTPDataError as e:
            return f"{e.smtp_code} {e.smtp_error.decode()[:60]}"


@pytest.mark.parametrize(
    "raw",
    [
        b"From: undisclosed-recipients:;\r\nTo: support@shop.example\r\nSubject: hi\r\n\r\nhello\r\n",
        b"From: j@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m9@b.example>\r\nContent-Type: text/html\r\n\r\n<!-- -->\r\n",
    ],
)
async def test_malformed_mail_gets_a_permanent_refusal(container, raw):
    async def deliver(raw, mail_from, rcpts):
        await webhook_service.take_mail(container, raw, rcpts)

    listener = SmtpListener(container.channels.mail_settings(), deliver)
    port = await listener.start()
    try:
        answer = await asyncio.to_thread(_send, port, raw)
    finally:
        await listener.stop()
    print("SMTP answer:", answer)
    assert answer.startswith("5")
