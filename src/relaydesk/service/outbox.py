"""The outbox: what the bot, an agent or the system says on a provider channel, queued in
the same transaction as the message itself (`service/delivery.py` sends it)."""

from __future__ import annotations

from typing import Any

from relaydesk.domain.vocab import Channel
from relaydesk.service.bus import LiveEvent
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Conversation, Message, OutboxItem

# Web chat is delivered by the live bus to the widget's socket, not by a provider.
SOCKET_CHANNELS = frozenset({Channel.WEBCHAT.value})
OUTBOX_TOPIC = "outbox"


def enqueue(
    uow: UnitOfWork,
    conversation: Conversation,
    message: Message,
    *,
    buttons: list[tuple[str, str]] | None = None,
    template: dict[str, Any] | None = None,
    outbound_text: str | None = None,
) -> OutboxItem | None:
    """`outbound_text`, when given, is sent instead of the (masked) stored body."""
    if conversation.channel in SOCKET_CHANNELS or not conversation.address:
        return None
    payload: dict[str, Any] = {
        "text": message.body if outbound_text is None else outbound_text,
        "by_agent": message.sender == "agent",
        # Bot and system words are automated: e-mail marks them so autoresponders stay
        # quiet, and no messaging window ever widens for them.
        "automated": message.sender in ("bot", "system"),
    }
    if outbound_text is not None:
        # A one-time code: in the payload only until it is sent (delivery.py blanks it).
        payload["secret"] = True
    if buttons:
        payload["buttons"] = [list(button) for button in buttons]
    if template:
        payload["template"] = template
    item = OutboxItem(
        message_id=message.id,
        channel=conversation.channel,
        recipient=conversation.address,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=uow.now,
        created_at=uow.now,
    )
    uow.session.add(item)
    message.delivery = "queued"
    # Wakes the sender (in whichever process leads) as soon as this commits.
    uow.publish_after_commit(LiveEvent("outbox", (OUTBOX_TOPIC,)))
    return item
