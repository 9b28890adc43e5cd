"""The agent's side: sign in, see the queue with briefs, accept, reply, resolve, hand back."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from relaydesk.bot import replies
from relaydesk.domain.conversation import Action, Status
from relaydesk.domain.events import EventType
from relaydesk.domain.masking import mask
from relaydesk.domain.vocab import AgentPresence, SenderType
from relaydesk.routing.assignment import AgentLoad, CapacityFull, check_can_accept
from relaydesk.service.bootstrap import Container
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import (
    append_message,
    conversation_summary,
    get_conversation,
    message_by_client_id,
    message_view,
    messages_after,
    move,
)
from relaydesk.service.errors import Conflict, Forbidden, Unauthorized
from relaydesk.service.handover import team_display_name
from relaydesk.service.uow import UnitOfWork
from relaydesk.service.validation import clean_text
from relaydesk.store.models import (
    Agent,
    AgentSession,
    Contact,
    Conversation,
    EscalationDecision,
    Handover,
    Message,
    QueueEntry,
)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AgentView:
    id: int
    email: str
    name: str
    teams: tuple[str, ...]
    capacity: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "teams": list(self.teams),
            "capacity": self.capacity,
        }


def _view(agent: Agent) -> AgentView:
    teams = tuple(m.team.key for m in sorted(agent.memberships, key=lambda m: not m.is_primary))
    return AgentView(agent.id, agent.email, agent.name, teams, agent.capacity)


async def login(c: Container, email: str, password: str) -> tuple[str, AgentView]:
    async with c.uow() as uow:
        agent = (
            await uow.session.execute(select(Agent).where(Agent.email == email.strip().lower()))
        ).scalar_one_or_none()
        try:
            if agent is None:
                raise VerificationError
            _hasher.verify(agent.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise Unauthorized("wrong email or password") from None
        token = secrets.token_urlsafe(32)
        uow.session.add(
            AgentSession(
                token_hash=_token_hash(token),
                agent_id=agent.id,
                created_at=uow.now,
                expires_at=uow.now + timedelta(hours=c.settings.session_hours),
            )
        )
        view = _view(agent)
        await uow.commit()
    return token, view


async def logout(c: Container, token: str) -> None:
    async with c.uow() as uow:
        await uow.session.execute(
            delete(AgentSession).where(AgentSession.token_hash == _token_hash(token))
        )
        await uow.commit()


async def authenticate(c: Container, token: str) -> AgentView:
    async with c.reader() as uow:
        row = await uow.session.get(AgentSession, _token_hash(token))
        if row is None or row.expires_at <= uow.now:
            raise Unauthorized("not signed in, or the session expired")
        agent = await uow.session.get(Agent, row.agent_id)
        assert agent is not None
        return _view(agent)


async def set_presence(c: Container, agent_id: int, presence: AgentPresence) -> None:
    async with c.uow() as uow:
        agent = await uow.session.get(Agent, agent_id)
        assert agent is not None
        if agent.presence == presence.value:
            return
        agent.presence = presence.value
        agent.presence_at = uow.now
        uow.log(EventType.AGENT_PRESENCE, agent_id=agent_id, presence=presence.value)
        teammates = tuple(f"team:{m.team.key}" for m in agent.memberships)
        uow.publish_after_commit(
            LiveEvent(
                "agent_presence",
                teammates,
                {"agent_id": agent_id, "name": agent.name, "presence": presence.value},
            )
        )
        await uow.commit()


async def waiting_cases(c: Container, agent: AgentView) -> list[dict[str, Any]]:
    """The queues of the agent's teams, in the order they will be served, with briefs."""
    async with c.reader() as uow:
        rows = (
            await uow.session.execute(
                select(QueueEntry, Handover, Conversation)
                .join(Handover, Handover.id == QueueEntry.handover_id)
                .join(Conversation, Conversation.id == QueueEntry.conversation_id)
                .where(QueueEntry.team.in_(agent.teams))
                .order_by(QueueEntry.priority_rank.desc(), QueueEntry.enqueued_at)
            )
        ).all()
        cases = []
        place: dict[str, int] = {}
        for entry, handover, conversation in rows:
            place[entry.team] = place.get(entry.team, 0) + 1
            cases.append(
                {
                    **conversation_summary(conversation),
                    "position": place[entry.team],
                    "waiting_s": (uow.now - entry.enqueued_at).total_seconds(),
                    "reasons": handover.reasons,
                    "brief": handover.brief,
                }
            )
        return cases


async def my_conversations(c: Container, agent: AgentView) -> list[dict[str, Any]]:
    async with c.reader() as uow:
        rows = await uow.session.execute(
            select(Conversation, Contact, Handover)
            .join(Contact, Contact.id == Conversation.contact_id)
            .outerjoin(
                Handover,
                (Handover.conversation_id == Conversation.id) & Handover.ended_at.is_(None),
            )
            .where(Conversation.agent_id == agent.id, Conversation.status == Status.ASSIGNED.value)
            .order_by(Conversation.updated_at.desc())
        )
        return [
            {
                **conversation_summary(conversation),
                "contact": {"name": contact.name, "tier": contact.tier},
                "reasons": handover.reasons if handover else [],
                "summary": handover.brief.get("summary") if handover else None,
            }
            for conversation, contact, handover in rows
        ]


async def conversation_detail(
    c: Container, agent: AgentView, conversation_id: str, after_seq: int = 0
) -> dict[str, Any]:
    async with c.reader() as uow:
        conversation = await get_conversation(uow, conversation_id)
        _check_visible(agent, conversation)
        contact = await uow.session.get(Contact, conversation.contact_id)
        handover = await _open_handover(uow, conversation.id)
        messages = await messages_after(uow, conversation, after_seq)
        return {
            **conversation_summary(conversation),
            "contact": {
                "name": contact.name if contact else None,
                "tier": contact.tier if contact else None,
            },
            "brief": handover.brief if handover else None,
            "reasons": handover.reasons if handover else [],
            "messages": [message_view(m, conversation) for m in messages],
        }


async def decisions(c: Container, agent: AgentView, conversation_id: str) -> list[dict[str, Any]]:
    """Every escalation decision of a conversation, oldest first: why it was (or was not)
    handed over, under which policy version and rule, with each signal's evidence."""
    async with c.reader() as uow:
        conversation = await get_conversation(uow, conversation_id)
        _check_visible(agent, conversation)
        rows = await uow.session.execute(
            select(EscalationDecision, Message.body)
            .outerjoin(Message, Message.id == EscalationDecision.message_id)
            .where(EscalationDecision.conversation_id == conversation_id)
            .order_by(EscalationDecision.id)
        )
        return [
            {
                "turn": row.turn,
                "message": body,
                "handover": row.handover,
                "reasons": row.reasons,
                "team": row.team,
                "priority": row.priority,
                "intent": row.intent,
                "rule": row.rule,
                "policy_version": row.policy_version,
                "signals": row.signals,
                "at": row.created_at.isoformat(),
            }
            for row, body in rows
        ]


def _check_visible(agent: AgentView, conversation: Conversation) -> None:
    if conversation.agent_id == agent.id:
        return
    if conversation.team in agent.teams and Status(conversation.status).is_waiting:
        return
    raise Forbidden("this conversation is neither yours nor waiting in one of your teams")


async def _open_handover(uow: UnitOfWork, conversation_id: str) -> Handover | None:
    return (
        await uow.session.execute(
            select(Handover)
            .where(Handover.conversation_id == conversation_id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _load(uow: UnitOfWork, agent_id: int) -> tuple[Agent, AgentLoad]:
    agent = await uow.session.get(Agent, agent_id)
    assert agent is not None
    active = (
        await uow.session.execute(
            select(func.count()).where(
                Conversation.agent_id == agent_id, Conversation.status == Status.ASSIGNED.value
            )
        )
    ).scalar_one()
    teams = frozenset(m.team.key for m in agent.memberships)
    load = AgentLoad(
        agent.id,
        AgentPresence(agent.presence),
        agent.capacity,
        active,
        teams,
        agent.last_assigned_at,
    )
    return agent, load


async def accept(c: Container, agent_view: AgentView, conversation_id: str) -> dict[str, Any]:
    async with c.uow() as uow:
        # Locks the agent row, then the conversation: two accepts of one case, or one agent's
        # two accepts racing past their capacity, serialise here (PostgreSQL row locks;
        # the single SQLite writer does the same).
        await uow.session.execute(
            select(Agent.id).where(Agent.id == agent_view.id).with_for_update()
        )
        conversation = await get_conversation(uow, conversation_id, for_update=True)
        status = Status(conversation.status)
        if status is Status.ASSIGNED:
            who = "you" if conversation.agent_id == agent_view.id else "another agent"
            raise Conflict(f"this conversation was already accepted by {who}")
        if not status.is_waiting:
            raise Conflict(f"this conversation is {status.value}, not waiting for a person")
        if conversation.team not in agent_view.teams:
            raise Forbidden(f"this case waits for team {conversation.team}, not one of yours")
        agent, load = await _load(uow, agent_view.id)
        try:
            check_can_accept(load)
        except CapacityFull as exc:
            raise Conflict(str(exc)) from None
        await uow.session.execute(
            delete(QueueEntry).where(QueueEntry.conversation_id == conversation.id)
        )
        conversation.agent_id = agent.id
        agent.last_assigned_at = uow.now
        move(uow, conversation, Action.ACCEPT)
        handover = await _open_handover(uow, conversation.id)
        if handover is not None:
            handover.agent_id, handover.assigned_at = agent.id, uow.now
        team_name = await team_display_name(uow, conversation.team or "general")
        notice = replies.agent_joined_notice(conversation.lang, agent.name, team_name)
        await append_message(uow, conversation, SenderType.SYSTEM.value, notice)
        uow.log(
            EventType.CUSTOMER_NOTIFIED,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=conversation.team,
            agent_id=agent.id,
            notice="agent_joined",
        )
        uow.publish_after_commit(
            LiveEvent(
                "queue_changed",
                (f"team:{conversation.team}", "desk"),
                {"team": conversation.team, "conversation_id": conversation.id},
            )
        )
        await uow.commit()
    return await conversation_detail(c, agent_view, conversation_id)


async def _own(uow: UnitOfWork, agent: AgentView, conversation_id: str) -> Conversation:
    conversation = await get_conversation(uow, conversation_id, for_update=True)
    if conversation.agent_id != agent.id or conversation.status != Status.ASSIGNED.value:
        raise Conflict("this conversation is not assigned to you")
    return conversation


async def reply(
    c: Container, agent: AgentView, conversation_id: str, text: str, client_id: str | None
) -> dict[str, Any]:
    text = clean_text(text, field="text", max_chars=c.settings.max_message_chars)
    async with c.uow() as uow:
        conversation = await _own(uow, agent, conversation_id)
        if client_id is not None:
            existing = await message_by_client_id(uow, conversation.id, client_id)
            if existing is not None:
                return message_view(existing, conversation)
        masked = mask(text)
        message = await append_message(
            uow,
            conversation,
            SenderType.AGENT.value,
            masked.text,
            agent_id=agent.id,
            sender_name=agent.name,
            client_id=client_id,
            masked=list(masked.kinds),
        )
        view = message_view(message, conversation)
        await uow.commit()
    return view


async def resolve(c: Container, agent: AgentView, conversation_id: str) -> None:
    await _finish(c, agent, conversation_id, Action.RESOLVE, "resolved")


async def hand_back(c: Container, agent: AgentView, conversation_id: str) -> None:
    await _finish(c, agent, conversation_id, Action.HAND_BACK, "handed_back")


async def _finish(
    c: Container, agent: AgentView, conversation_id: str, action: Action, outcome: str
) -> None:
    async with c.uow() as uow:
        conversation = await _own(uow, agent, conversation_id)
        handover = await _open_handover(uow, conversation.id)
        if handover is not None:
            handover.ended_at, handover.outcome = uow.now, outcome
        move(uow, conversation, action)
        conversation.agent_id = None
        if action is Action.HAND_BACK:
            notice = replies.handed_back_notice(conversation.lang)
        else:
            notice = replies.resolved_notice(conversation.lang)
        await append_message(uow, conversation, SenderType.SYSTEM.value, notice)
        await uow.commit()
