# ruff: noqa
"""In-Reply-To and References with odd ids (NUL, thousands of them) are stored, over HTTP and SMTP."""

from __future__ import annotations

import pytest

from relaydesk.channels.demo import EMAIL_SECRET


def mail(headers: bytes) -> bytes:
    return (
        b"From: Rina <rina@customers.example>\r\nTo: support@shop.example\r\n"
        b"Message-ID: <m1@customers.example>\r\nSubject: Re: order\r\n"
        + headers
        + b"\r\n\r\nstill waiting\r\n"
    )


@pytest.mark.parametrize(
    "name,headers",
    [
        ("8-bit byte in In-Reply-To", b"In-Reply-To: <ab\xff@shop.example>\r\n"),
        ("NUL in References", b"References: <a\x00b@shop.example>\r\n"),
        (
            "40k References",
            b"References: " + b" ".join(b"<r%d@x.example>" % i for i in range(40000)) + b"\r\n",
        ),
    ],
)
async def test_a_reply_with_odd_thread_ids_is_stored(client, container, name, headers):
    r = await client.post(
        "/webhooks/email",
        content=mail(headers),
        headers={"authorization": f"Bearer {EMAIL_SECRET}", "content-type": "message/rfc822"},
    )
    print(name, "->", r.status_code, r.text[:200])
    assert r.status_code == 200


@pytest.mark.parametrize(
    "name,headers",
    [
        ("NUL in References", b"References: <a\x00b@shop.example>\r\n"),
        (
            "40k References",
            b"References: " + b" ".join(b"<r%d@x.example>" % i for i in range(40000)) + b"\r\n",
        ),
    ],
)
async def test_the_smtp_listener_takes_mail_with_odd_thread_ids(container, name, headers):
    from relaydesk.service import webhooks
    from relaydesk.channels.smtp_listener import _Inbox
    from aiosmtpd.smtp import Envelope

    inbox = _Inbox(
        ["shop.example"], lambda raw, sender, rcpts: webhooks.take_mail(container, raw, rcpts)
    )
    env = Envelope()
    env.original_content = mail(headers)
    env.mail_from = "rina@customers.example"
    env.rcpt_tos = ["support@shop.example"]
    answer = await inbox.handle_DATA(None, None, env)
    print(name, "-> SMTP", answer)
    assert not answer.startswith("451")
