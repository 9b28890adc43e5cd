"""Handing a conversation to people: brief, queue entry, and telling the customer."""

from __future__ import annotations

from relaydesk.domain.brief import TranscriptLine, build_brief
from relaydesk.domain.conversation import Action
from relaydesk.domain.turn import Decision
from relaydesk.domain.vocab import Priority
from relaydesk.service import history as turn_history
from relaydesk.service import routing
from relaydesk.service.bootstrap import Container
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import append_message, latest_messages, move
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Contact, Conversation, Handover, QueueEntry

BRIEF_TRANSCRIPT_LINES = 200  # the newest lines: a returning customer's current problem


async def hand_over(
    uow: UnitOfWork,
    c: Container,
    conversation: Conversation,
    contact: Contact,
    decision: Decision,
    *,
    decision_id: int | None,
    entities: dict[str, str],
    topic: str | None,
) -> Handover:
    team = decision.team or "general"
    conversation.team = team
    conversation.priority = decision.priority.value
    reasons = list(decision.reasons)
    move(uow, conversation, Action.ESCALATE, reasons=reasons, rule=decision.rule)
    transcript = [
        TranscriptLine(m.sender, m.body, m.created_at)
        for m in await latest_messages(uow, conversation, BRIEF_TRANSCRIPT_LINES)
    ]
    brief = build_brief(
        decision=decision,
        intent=conversation.intent,
        topic=topic,
        entities=entities,
        history=turn_history.turn_records(conversation.history),
        tried=turn_history.tried(conversation.history),
        transcript=transcript,
        customer={"name": contact.name, "tier": contact.tier, "lang": conversation.lang},
        channel=conversation.channel,
        facts=turn_history.facts(conversation.history),
    )
    handover = Handover(
        conversation_id=conversation.id,
        decision_id=decision_id,
        team=team,
        priority=decision.priority.value,
        reasons=reasons,
        brief=brief,
        requested_at=uow.now,
    )
    uow.session.add(handover)
    await uow.session.flush()
    await enqueue(uow, c, conversation, handover, contact, topic)
    return handover


async def enqueue(
    uow: UnitOfWork,
    c: Container,
    conversation: Conversation,
    handover: Handover,
    contact: Contact,
    topic: str | None,
) -> None:
    """The case joins its team's queue and the customer is told their place and wait."""
    priority = Priority(handover.priority)
    entry = QueueEntry(
        conversation_id=conversation.id,
        handover_id=handover.id,
        team=handover.team,
        priority_rank=priority.rank,
        enqueued_at=uow.now,
        sort_key=c.routing.rules(handover.team).sort_key(priority, routing.epoch(uow.now)),
        needs=routing.needs_of(conversation, contact, topic),
    )
    uow.session.add(entry)
    await uow.session.flush()
    move(uow, conversation, Action.ENQUEUE, reasons=list(handover.reasons))
    notice = await routing.first_notice(uow, c, conversation, entry)
    await append_message(uow, conversation, "system", notice)
    await routing.schedule_check_in(uow, c, conversation)
    uow.publish_after_commit(
        LiveEvent(
            "queue_changed",
            (f"team:{handover.team}", "desk"),
            {"team": handover.team, "conversation_id": conversation.id},
        )
    )
    c.wake_router()
