"""A provider's webhook, after its route read the bytes: verify, parse, and take each item.

Verification comes first and a failure stores nothing. Each customer message is then
stored and acknowledged on its own (a retried webhook finds the ones already stored and
creates nothing); statuses move what we sent forward; the rest is recorded and dropped.
"""

from __future__ import annotations

from relaydesk.channels import sms
from relaydesk.channels.base import (
    Adapter,
    CustomerMessage,
    DeliveryStatus,
    Ignored,
    PayloadInvalid,
    WebhookRequest,
)
from relaydesk.channels.mail import parse_mail
from relaydesk.domain.events import EventType
from relaydesk.domain.vocab import Channel
from relaydesk.service import delivery, inbound
from relaydesk.service.bootstrap import Container


def adapter_for(c: Container, channel: str) -> Adapter:
    adapter = c.channels.get(channel)
    if adapter is None or channel == Channel.WEBCHAT:
        raise PayloadInvalid(
            f"no {channel!r} channel is configured on this server", field="channel", status=404
        )
    return adapter


async def accept(c: Container, channel: str, request: WebhookRequest) -> list[str]:
    """Take one webhook; returns the conversations with a new customer message (their
    bot turns are taken after the provider has its 200)."""
    adapter = adapter_for(c, channel)
    adapter.verify(request)
    items = adapter.parse(request)
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
                    reason=item.reason,
                    external_id=item.external_id,
                    detail=item.detail,
                )
                await uow.commit()
    return list(conversations)


async def take_mail(c: Container, raw: bytes, recipients: list[str]) -> list[str]:
    """A mail the SMTP listener accepted (the MTA is the trust: no relay secret)."""
    items = parse_mail(raw, c.channels.mail_settings(), recipients=recipients)
    return await take(c, Channel.EMAIL.value, list(items))
