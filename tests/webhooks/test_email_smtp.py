"""E-mail end to end over real SMTP: a customer's mail reaches the built-in listener
(Python's smtplib as the sending MTA), the bot answers by SMTP with threading headers, the
customer's reply threads into the same conversation, and an agent's answer leaves with
In-Reply-To set."""

from __future__ import annotations

import asyncio
import email
import smtplib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import Message as MailMessage
from email.policy import default

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from relaydesk.api.demo import MailSink, Recorder
from relaydesk.channels.demo import demo_config
from relaydesk.channels.mail import raw_mail
from relaydesk.channels.registry import ChannelsConfig
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Conversation, Message
from tests.api.conftest import agent_headers
from tests.support.server import free_port
from tests.webhooks.conftest import delivered, messages

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
CUSTOMER = "rina@customers.example"
SUPPORT = "support@shop.example"


@pytest.fixture
async def sent_mail() -> AsyncIterator[Recorder]:
    """Our outbound SMTP server: records every mail the outbox hands it."""
    recorder = Recorder()
    sink = MailSink(recorder)
    recorder.port = await sink.start("127.0.0.1")  # type: ignore[attr-defined]
    yield recorder
    await sink.stop()


@pytest.fixture
def channels_config(httpserver: HTTPServer, sent_mail: Recorder) -> ChannelsConfig:
    config = demo_config(
        httpserver.url_for("/providers").rstrip("/"),
        smtp_port=sent_mail.port,  # type: ignore[attr-defined]
        listen_port=free_port(),
    )
    return config


def _send(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        refused = smtp.sendmail(CUSTOMER, [SUPPORT], raw)
        assert refused == {}


async def _mail_in(config: ChannelsConfig, **fields: object) -> None:
    assert config.email is not None and config.email.listen_port
    raw = raw_mail(config.email, from_addr=CUSTOMER, name="Rina", at=AT, **fields)  # type: ignore[arg-type]
    await asyncio.to_thread(_send, config.email.listen_port, raw)


async def _settle(client: httpx.AsyncClient, container: Container) -> None:
    await client._transport.app.state.workers.drain()  # type: ignore[attr-defined]
    await delivered(container)


def _mails(recorder: Recorder) -> list[MailMessage]:
    return [email.message_from_string(item["body"], policy=default) for item in recorder.sent]


async def test_mail_over_smtp_threads_both_ways(
    client: httpx.AsyncClient,
    container: Container,
    channels_config: ChannelsConfig,
    sent_mail: Recorder,
) -> None:
    await _mail_in(
        channels_config,
        text="Hi, where is order 48213? It should have arrived.",
        message_id="first@customers.example",
        subject="Order 48213",
    )
    for _ in range(100):  # the listener hands the mail to the pipeline on the app's loop
        if await messages(container, Message.sender == "customer"):
            break
        await asyncio.sleep(0.05)
    await _settle(client, container)
    (bot_reply, *_) = _mails(sent_mail)
    assert bot_reply["To"] == CUSTOMER
    assert bot_reply["From"].addresses[0].addr_spec == SUPPORT
    assert bot_reply["Subject"] == "Re: Order 48213"
    assert bot_reply["In-Reply-To"] == "<first@customers.example>"
    assert bot_reply["Auto-Submitted"] == "auto-replied"
    ours = bot_reply["Message-ID"].strip("<>")

    await _mail_in(
        channels_config,
        text="I want to talk to a real person please\n\nOn Mon, Support wrote:\n> earlier",
        message_id="second@customers.example",
        subject="Re: Order 48213",
        in_reply_to=ours,
        references=["first@customers.example"],
    )
    for _ in range(100):
        if len(await messages(container, Message.sender == "customer")) == 2:
            break
        await asyncio.sleep(0.05)
    await _settle(client, container)
    async with container.reader() as uow:
        conversations = list((await uow.session.execute(select(Conversation))).scalars())
    assert len(conversations) == 1, "the reply did not thread into the conversation"
    (conversation,) = conversations
    assert conversation.status == "queued"
    second = (await messages(container, Message.external_id == "second@customers.example"))[0]
    assert second.body.startswith("I want to talk to a real person")
    assert "> earlier" not in second.body  # the quote is not what the bot reads
    assert "> earlier" in second.meta["original"]  # but it is kept

    dewi = await agent_headers(client, "dewi@demo.relaydesk", "demo-dewi")
    url = f"/api/agent/conversations/{conversation.id}"
    assert (await client.post(f"{url}/accept", headers=dewi)).status_code == 200
    sent = await client.post(f"{url}/messages", json={"text": "Dewi here, checking"}, headers=dewi)
    assert sent.status_code == 200, sent.text
    await _settle(client, container)
    agent_mail = _mails(sent_mail)[-1]
    assert agent_mail.get_content().strip() == "Dewi here, checking"
    assert agent_mail["In-Reply-To"] == "<second@customers.example>"
    references = agent_mail["References"].split()
    assert "<first@customers.example>" in references and f"<{ours}>" in references
    assert references[-1] == "<second@customers.example>"
    assert agent_mail["Auto-Submitted"] is None  # a person wrote this one
