"""A customer's message as each provider would deliver it, signed with the configured
secrets: what `relaydesk eval` plays through the real webhook endpoints, and what tests
send. One call for every channel, so a scenario can be replayed on any of them."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime

from relaydesk.channels import mail, messenger, sms, telegram, whatsapp
from relaydesk.channels.base import SignedWebhook
from relaydesk.channels.registry import ChannelsConfig
from relaydesk.domain.vocab import Channel


def customer_webhook(
    config: ChannelsConfig,
    channel: str,
    *,
    customer: str,
    text: str,
    message_id: str,
    at: datetime,
    name: str | None = None,
    base_url: str = "http://relaydesk.test",
    subject: str = "",
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
) -> SignedWebhook:
    """`customer` is the phone (E.164) on WhatsApp and SMS, the address by e-mail, the
    numeric user id on Messenger, Instagram and Telegram; `message_id` is made the
    provider's own kind of id (Telegram's are numbers, so it is hashed into one)."""
    match Channel(channel):
        case Channel.WHATSAPP:
            assert config.whatsapp is not None, "whatsapp is not configured"
            return whatsapp.signed_webhook(
                config.whatsapp,
                from_phone=customer,
                text=text,
                message_id=f"wamid.{message_id}",
                name=name,
                at=at,
            )
        case Channel.MESSENGER | Channel.INSTAGRAM:
            settings = config.messenger if channel == Channel.MESSENGER else config.instagram
            assert settings is not None, f"{channel} is not configured"
            return messenger.signed_webhook(
                settings, sender_id=customer, text=text, message_id=f"m_{message_id}", at=at
            )
        case Channel.TELEGRAM:
            assert config.telegram is not None, "telegram is not configured"
            number = zlib.crc32(message_id.encode()) % 2_000_000_000 + 1
            return telegram.signed_webhook(
                config.telegram,
                user_id=int(customer),
                text=text,
                message_id=number,
                update_id=number,
                first_name=name or "Customer",
                at=at,
            )
        case Channel.SMS:
            assert config.sms is not None, "sms is not configured"
            sid = "SM" + f"{zlib.crc32(message_id.encode()):08x}" + message_id.encode().hex()[:24]
            return sms.signed_webhook(
                config.sms,
                from_number=customer,
                text=text,
                message_sid=sid.ljust(34, "0")[:34],
                url=f"{base_url.rstrip('/')}/webhooks/sms",
            )
        case Channel.EMAIL:
            assert config.email is not None, "email is not configured"
            return mail.signed_webhook(
                config.email,
                from_addr=customer,
                text=text,
                message_id=f"{message_id}@customers.example",
                subject=subject,
                in_reply_to=in_reply_to,
                references=references,
                name=name,
                at=at,
            )
    raise ValueError(f"{channel} has no provider webhook")
