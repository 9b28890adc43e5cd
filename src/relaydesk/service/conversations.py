"""Moving a conversation through the state machine, and appending to its transcript.

`move` is the only place a conversation's status is written (STYLE habit 2): it checks the
transition table, writes the event-log row and schedules the live event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from relaydesk.domain.conversation import Action, Status, transition
from relaydesk.domain.events import ACTION_EVENTS, EventType
from relaydesk.service import outbox
from relaydesk.service.bus import LiveEvent
from relaydesk.service.errors import NotFound
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Attachment, Conversation, Message


def topics(conversation: Conversation, *, content: bool = True) -> tuple[str, ...]:
    """Who hears about this conversation live.

    The team hears a case's words only while it waits for them (to read before accepting);
    once a person owns it, only that person does. Status changes (no text) always reach
    the team, whose queue view depends on them.
    """
    found = [f"conversation:{conversation.id}"]
    if conversation.team and (not content or Status(conversation.status).is_waiting):
        found.append(f"team:{conversation.team}")
    if conversation.agent_id is not None:
        found.append(f"agent:{conversation.agent_id}")
    return tuple(found)


def move(
    uow: UnitOfWork,
    conversation: Conversation,
    action: Action,
    *,
    reasons: list[str] | None = None,
    event: EventType | None = None,
    **data: Any,
) -> Status:
    """Apply `action`; the event-log row is the action's own unless `event` says which
    (an offer that expired rather than was declined, say)."""
    before = Status(conversation.status)
    after = transition(before, action)
    conversation.status = after.value
    conversation.updated_at = uow.now
    uow.log(
        event or ACTION_EVENTS[action],
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=conversation.team,
        agent_id=conversation.agent_id,
        reasons=reasons,
        before=before.value,
        after=after.value,
        **data,
    )
    uow.publish_after_commit(
        LiveEvent(
            "conversation_status",
            topics(conversation, content=False),
            conversation_summary(conversation),
        )
    )
    return after


async def get_conversation(
    uow: UnitOfWork, conversation_id: str, *, for_update: bool = False
) -> Conversation:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if for_update:
        query = query.with_for_update()
    conversation = (await uow.session.execute(query)).scalar_one_or_none()
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    return conversation


async def append_message(
    uow: UnitOfWork,
    conversation: Conversation,
    sender: str,
    body: str,
    *,
    client_id: str | None = None,
    external_id: str | None = None,
    agent_id: int | None = None,
    sender_name: str | None = None,
    masked: list[str] | None = None,
    handled: bool = True,
    meta: dict[str, Any] | None = None,
    attachments: list[Attachment] | None = None,
    buttons: list[tuple[str, str]] | None = None,
    template: dict[str, Any] | None = None,
    outbound_text: str | None = None,
) -> Message:
    """Add a message to the transcript. What the bot, an agent or the system says on a
    provider channel is queued in the outbox in this same transaction (sent after the
    commit by the outbox sender; a rollback sends nothing). `outbound_text` is what the
    provider sends when the transcript must not hold it (a one-time code, stored masked)."""
    conversation.last_seq += 1
    conversation.updated_at = uow.now
    message = Message(
        conversation_id=conversation.id,
        seq=conversation.last_seq,
        channel=conversation.channel,
        sender=sender,
        agent_id=agent_id,
        sender_name=sender_name,
        body=body,
        client_id=client_id,
        external_id=external_id,
        masked=masked or [],
        handled=handled,
        meta=meta or {},
        created_at=uow.now,
        attachments=attachments or [],
    )
    uow.session.add(message)
    await uow.session.flush()
    if sender != "customer":
        outbox.enqueue(
            uow,
            conversation,
            message,
            buttons=buttons,
            template=template,
            outbound_text=outbound_text,
        )
    event = EventType.MESSAGE_RECEIVED if sender == "customer" else None
    event = {"bot": EventType.BOT_REPLIED, "agent": EventType.AGENT_REPLIED}.get(sender, event)
    if event is not None:
        uow.log(
            event,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=conversation.team,
            agent_id=agent_id,
            seq=message.seq,
        )
    uow.publish_after_commit(
        LiveEvent("message", topics(conversation), message_view(message, conversation))
    )
    return message


def message_view(message: Message, conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "seq": message.seq,
        "sender": message.sender,
        "agent_id": message.agent_id,
        "agent_name": message.sender_name if message.sender == "agent" else None,
        "text": message.body,
        "client_id": message.client_id,
        "masked": list(message.masked),
        "channel": message.channel,
        "delivery": message.delivery,
        "delivery_error": message.delivery_error,
        "attachments": [
            {"kind": a.kind, "mime_type": a.mime_type, "size": a.size, "filename": a.filename}
            for a in message.attachments
        ],
        "created_at": message.created_at.isoformat(),
    }


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "status": conversation.status,
        "channel": conversation.channel,
        "team": conversation.team,
        "priority": conversation.priority,
        "agent_id": conversation.agent_id,
        "lang": conversation.lang,
        "last_seq": conversation.last_seq,
    }


async def latest_messages(uow: UnitOfWork, conversation: Conversation, limit: int) -> list[Message]:
    """The newest `limit` messages, oldest first: what the customer said most recently."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.seq.desc())
        .limit(limit)
    )
    return list(reversed(list((await uow.session.execute(query)).scalars())))


HISTORY_PAGE = 500  # messages per read when a client catches up


async def messages_after(
    uow: UnitOfWork, conversation: Conversation, after_seq: int, limit: int = HISTORY_PAGE
) -> list[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list((await uow.session.execute(query)).scalars())


async def message_by_client_id(
    uow: UnitOfWork, conversation_id: str, client_id: str
) -> Message | None:
    """The message a client already sent under this idempotency key, if any."""
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.client_id == client_id
    )
    return (await uow.session.execute(query)).scalar_one_or_none()
