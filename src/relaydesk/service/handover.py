"""Handing a conversation to people: brief, queue entry, and telling the customer."""

from __future__ import annotations

from sqlalchemy import func, select

from relaydesk.bot import replies
from relaydesk.domain.brief import TranscriptLine, build_brief
from relaydesk.domain.conversation import Action
from relaydesk.domain.events import EventType
from relaydesk.domain.turn import Decision
from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing import queue as queue_order
from relaydesk.routing.estimate import estimate_wait_s, wait_minutes
from relaydesk.service import history as turn_history
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import append_message, latest_messages, move
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import (
    Agent,
    Contact,
    Conversation,
    Handover,
    QueueEntry,
    Team,
    TeamMember,
)

BRIEF_TRANSCRIPT_LINES = 200  # the newest lines: a returning customer's current problem


async def hand_over(
    uow: UnitOfWork,
    conversation: Conversation,
    contact: Contact,
    decision: Decision,
    *,
    decision_id: int | None,
    entities: dict[str, str],
    topic: str | None,
    handle_time_s: float,
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
    await enqueue(uow, conversation, handover, handle_time_s=handle_time_s)
    return handover


async def enqueue(
    uow: UnitOfWork, conversation: Conversation, handover: Handover, *, handle_time_s: float
) -> None:
    priority = Priority(handover.priority)
    uow.session.add(
        QueueEntry(
            conversation_id=conversation.id,
            handover_id=handover.id,
            team=handover.team,
            priority_rank=priority.rank,
            enqueued_at=uow.now,
        )
    )
    await uow.session.flush()
    move(uow, conversation, Action.ENQUEUE, reasons=list(handover.reasons))
    place = await queue_position(uow, handover.team, conversation.id)
    servers, free = await team_capacity(uow, handover.team)
    minutes = wait_minutes(estimate_wait_s(place, servers, free, handle_time_s))
    team_name = await team_display_name(uow, handover.team)
    notice = replies.handover_notice(conversation.lang, team_name, place, minutes)
    await append_message(uow, conversation, "system", notice)
    uow.log(
        EventType.CUSTOMER_NOTIFIED,
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=handover.team,
        position=place,
        wait_minutes=minutes,
    )
    uow.publish_after_commit(
        LiveEvent(
            "queue_changed",
            (f"team:{handover.team}", "desk"),
            {"team": handover.team, "conversation_id": conversation.id},
        )
    )


async def queue_position(uow: UnitOfWork, team: str, conversation_id: str) -> int:
    rows = await uow.session.execute(
        select(QueueEntry.conversation_id, QueueEntry.priority_rank, QueueEntry.enqueued_at).where(
            QueueEntry.team == team
        )
    )
    entries = [queue_order.Waiting(cid, rank, at) for cid, rank, at in rows]
    return queue_order.position(entries, conversation_id)


async def team_capacity(uow: UnitOfWork, team: str) -> tuple[int, int]:
    """(slots of the team's online agents, of which free now)."""
    agents = (
        await uow.session.execute(
            select(Agent.id, Agent.capacity)
            .join(TeamMember, TeamMember.agent_id == Agent.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.key == team, Agent.presence == AgentPresence.ONLINE.value)
        )
    ).all()
    if not agents:
        return 0, 0
    ids = [agent_id for agent_id, _ in agents]
    active = dict(
        (
            await uow.session.execute(
                select(Conversation.agent_id, func.count())
                .where(Conversation.agent_id.in_(ids), Conversation.status == "assigned")
                .group_by(Conversation.agent_id)
            )
        ).all()
    )
    servers = sum(capacity for _, capacity in agents)
    free = sum(max(0, capacity - active.get(agent_id, 0)) for agent_id, capacity in agents)
    return servers, free


async def team_display_name(uow: UnitOfWork, team: str) -> str:
    name = (await uow.session.execute(select(Team.name).where(Team.key == team))).scalar()
    return name or team
