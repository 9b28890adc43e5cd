"""A provider's webhook, after its route read the bytes: verify, parse, and take each item.

Verification comes first and a failure stores nothing. Each customer message is then
stored and acknowledged on its own (a retried webhook finds the ones already stored and
creates nothing); statuses move what we sent forward; the rest is recorded and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from relaydesk.channels import sms
from relaydesk.channels.base import (
    Adapter,
    ChannelError,
    CustomerMessage,
    DeliveryStatus,
    Ignored,
    Item,
    PayloadInvalid,
    WebhookRequest,
)
from relaydesk.channels.mail import parse_mail
from relaydesk.domain.events import EventType
from relaydesk.domain.vocab import Channel
from relaydesk.service import delivery, inbound
from relaydesk.service.bootstrap import Container
from relaydesk.service.validation import fit

log = logging.getLogger(__name__)
T = TypeVar("T")


def adapter_for(c: Container, channel: str) -> Adapter:
    adapter = c.channels.get(channel)
    if adapter is None or channel == Channel.WEBCHAT:
        raise PayloadInvalid(
            f"no {channel!r} channel is configured on this server", field="channel", status=404
        )
    return adapter


def readable(parse: Callable[[T], list[Item]], request: T) -> list[Item]:
    """An adapter's parse, where anything it did not foresee (a timestamp past year 9999,
    JSON nested 5,000 deep, HTML its parser chokes on) is the body's fault: 400, which a
    provider does not retry for days as it would a 500. Logged, without the body."""
    try:
        return parse(request)
    except ChannelError:
        raise
    except Exception as error:
        log.warning("unreadable webhook body: %s", type(error).__name__, exc_info=True)
        raise PayloadInvalid(
            f"the body could not be read ({type(error).__name__})", status=400
        ) from error


async def accept(c: Container, channel: str, request: WebhookRequest) -> list[str]:
    """Take one webhook; returns the conversations with a new customer message (their
    bot turns are taken after the provider has its 200)."""
    adapter = adapter_for(c, channel)
    adapter.verify(request)
    items = readable(adapter.parse, request)
    # STOP / START / HELP by SMS: Twilio has already answered the customer, and the bot
    # must not (a reply after STOP fails anyway). The message is kept for the agent.
    quiet = channel == Channel.SMS and sms.opt_out(request) is not None
    return await take(c, channel, items, bot_turn=not quiet)


async def take(
    c: Container,
    channel: str,
    items: list[CustomerMessage | DeliveryStatus | Ignored],
    *,
    bot_turn: bool = True,
) -> list[str]:
    conversations: dict[str, None] = {}
    for item in items:
        if isinstance(item, CustomerMessage):
            accepted = await inbound.receive_from_channel(c, channel, item, bot_turn=bot_turn)
            if not accepted.duplicate and bot_turn:
                conversations[accepted.conversation_id] = None
        elif isinstance(item, DeliveryStatus):
            await delivery.apply_status(c, channel, item)
        else:
            async with c.uow() as uow:
                uow.log(
                    EventType.WEBHOOK_IGNORED,
                    channel=channel,
                    reason=fit(item.reason, 200),
                    external_id=fit(item.external_id, 1000),
                    detail=fit(item.detail, 1000),
                )
                await uow.commit()
    return list(conversations)


async def take_mail(c: Container, raw: bytes, recipients: list[str]) -> list[str]:
    """A mail the SMTP listener accepted (the MTA is the trust: no relay secret)."""
    items = readable(
        lambda raw: parse_mail(raw, c.channels.mail_settings(), recipients=recipients), raw
    )
    return await take(c, Channel.EMAIL.value, list(items))
