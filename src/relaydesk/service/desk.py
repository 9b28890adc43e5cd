"""The agent's side: sign in, see the queue with briefs, accept, reply, resolve, hand back."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from relaydesk.bot import replies
from relaydesk.domain.conversation import Action, Status
from relaydesk.domain.events import EventType
from relaydesk.domain.masking import mask
from relaydesk.domain.vocab import AgentPresence, Channel, SenderType
from relaydesk.routing.model import AgentState
from relaydesk.service import delivery, routing, timers
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
    topics,
)
from relaydesk.service.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OutsideWindow,
    Unauthorized,
)
from relaydesk.service.routing import team_display_name
from relaydesk.service.timers import TimerKind
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
    Note,
    QueueEntry,
    Team,
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
        agent = await routing.lock_agent(uow, agent_id, must_exist=True)
        await routing.change_presence(uow, c, agent, presence)
        await uow.commit()
    c.wake_router()


async def desk_opened(c: Container, agent_id: int) -> str:
    """A desk connection opened: an offline agent comes online; one who chose away stays
    away (a reload or a second tab must not undo that). Returns the presence."""
    async with c.uow() as uow:
        agent = await routing.lock_agent(uow, agent_id, must_exist=True)
        if agent.presence == AgentPresence.OFFLINE.value:
            await routing.change_presence(uow, c, agent, AgentPresence.ONLINE, why="connected")
        await _still_here(uow, c, agent)
        presence = agent.presence
        await uow.commit()
    c.wake_router()
    return presence


async def _still_here(uow: UnitOfWork, c: Container, agent: Agent) -> None:
    """A live desk connection: the agent counts as gone only if no connection, in any
    process, says so again within the grace period. Were this process to crash, the timer
    fires and their cases go back to the queue."""
    agent.seen_at = uow.now
    await timers.schedule(
        uow, TimerKind.AGENT_GONE, agent.id, c.settings.presence_grace_s, agent_id=agent.id
    )


async def desk_closed(c: Container, agent_id: int) -> None:
    """The agent's last desk connection here closed: offline after a grace period, unless
    a connection (here or in another process) shows them alive meanwhile."""
    async with c.uow() as uow:
        await timers.schedule(
            uow, TimerKind.AGENT_GONE, agent_id, c.settings.presence_grace_s, agent_id=agent_id
        )
        await uow.commit()


async def heartbeat(c: Container, agent_id: int) -> None:
    """An open desk connection says the agent is still there."""
    async with c.uow() as uow:
        agent = await routing.lock_agent(uow, agent_id)
        if agent is not None:
            await _still_here(uow, c, agent)
        await uow.commit()


async def waiting_cases(c: Container, agent: AgentView) -> list[dict[str, Any]]:
    """The queues of the agent's teams, in the order they will be served, with briefs."""
    async with c.reader() as uow:
        rows = (
            await uow.session.execute(
                select(QueueEntry, Handover, Conversation)
                .join(Handover, Handover.id == QueueEntry.handover_id)
                .join(Conversation, Conversation.id == QueueEntry.conversation_id)
                .where(QueueEntry.team.in_(agent.teams) | (QueueEntry.offered_agent_id == agent.id))
                .order_by(*routing.QUEUE_ORDER)
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
                    "offered_to_me": entry.offered_agent_id == agent.id,
                    "offered": entry.offered_agent_id is not None,
                    "reasons": handover.reasons,
                    "brief": handover.brief,
                }
            )
        return cases


async def directory(c: Container) -> dict[str, Any]:
    """Every team, and every agent with their teams, presence and load: where a case can
    be transferred to."""
    async with c.reader() as uow:
        teams = (await uow.session.execute(select(Team).order_by(Team.name))).scalars()
        agents = list((await uow.session.execute(select(Agent).order_by(Agent.name))).scalars())
        loads = await routing.agent_loads(uow, [a.id for a in agents])
        return {
            "teams": [{"key": t.key, "name": t.name} for t in teams],
            "agents": [
                {
                    "id": agent.id,
                    "name": agent.name,
                    "teams": list(_view(agent).teams),
                    "capacity": agent.capacity,
                    "presence": agent.presence,
                    "load": loads.get(agent.id, Counter()).total(),
                }
                for agent in agents
            ],
        }


async def team_outlooks(c: Container, agent: AgentView) -> list[dict[str, Any]]:
    """Each of the agent's teams now: waiting, staffing, live rates, Erlang's expectation."""
    async with c.reader() as uow:
        return [await routing.team_outlook(uow, c, team) for team in agent.teams]


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
    from relaydesk.service import identity  # imported here: identity imports this module

    async with c.reader() as uow:
        conversation = await get_conversation(uow, conversation_id)
        await check_visible(uow, agent, conversation)
        contact = await uow.session.get(Contact, conversation.contact_id)
        handover = await routing.open_handover(uow, conversation.id)
        messages = await messages_after(uow, conversation, after_seq)
        notes = (
            await uow.session.execute(
                select(Note).where(Note.conversation_id == conversation.id).order_by(Note.id)
            )
        ).scalars()
        return {
            **conversation_summary(conversation),
            "contact_id": conversation.contact_id,
            "identities": await identity.identities_of(uow, conversation.contact_id),
            # Contacts owning a number or address the customer typed: for the agent only.
            "suggestions": await identity.suggestions(uow, conversation),
            "contact": {
                "name": contact.name if contact else None,
                "tier": contact.tier if contact else None,
                # Off hours the customer may have asked to be answered by email instead.
                "follow_up_email": (contact.attributes or {}).get("follow_up_email")
                if contact
                else None,
            },
            "reply_window": await _window_view(uow, c, conversation, agent),
            "brief": handover.brief if handover else None,
            "reasons": handover.reasons if handover else [],
            "messages": [message_view(m, conversation) for m in messages],
            "notes": [
                {"author": n.author, "kind": n.kind, "body": n.body, "at": n.created_at.isoformat()}
                for n in notes
            ],
        }


async def decisions(c: Container, agent: AgentView, conversation_id: str) -> list[dict[str, Any]]:
    """Every escalation decision of a conversation, oldest first: why it was (or was not)
    handed over, under which policy version and rule, with each signal's evidence."""
    async with c.reader() as uow:
        conversation = await get_conversation(uow, conversation_id)
        await check_visible(uow, agent, conversation)
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


async def check_visible(uow: UnitOfWork, agent: AgentView, conversation: Conversation) -> None:
    if conversation.agent_id == agent.id:
        return
    if Status(conversation.status).is_waiting:
        if conversation.team in agent.teams:
            return
        offered_to = (
            await uow.session.execute(
                select(QueueEntry.offered_agent_id).where(
                    QueueEntry.conversation_id == conversation.id
                )
            )
        ).scalar()
        if offered_to == agent.id:
            return  # an overflow or transfer offer from another team: read before accepting
    raise Forbidden("this conversation is neither yours nor waiting in one of your teams")


async def accept(c: Container, agent_view: AgentView, conversation_id: str) -> dict[str, Any]:
    """Take a case: the one offered to this agent, or one waiting unoffered in their team."""
    async with c.uow() as uow:
        # Locks the agent row, then the conversation: two accepts of one case, an accept
        # racing an offer, or one agent's two accepts racing past their capacity, serialise
        # here (PostgreSQL row locks; the single SQLite writer does the same).
        agent = await routing.lock_agent(uow, agent_view.id, must_exist=True)
        conversation = await get_conversation(uow, conversation_id, for_update=True)
        status = Status(conversation.status)
        if status is Status.ASSIGNED:
            who = "you" if conversation.agent_id == agent_view.id else "another agent"
            raise Conflict(f"this conversation was already accepted by {who}")
        if not status.is_waiting:
            raise Conflict(f"this conversation is {status.value}, not waiting for a person")
        entry = (
            await uow.session.execute(
                select(QueueEntry).where(QueueEntry.conversation_id == conversation.id)
            )
        ).scalar_one()
        offered_here = entry.offered_agent_id == agent.id
        if entry.offered_agent_id is not None and not offered_here:
            raise Conflict("this case is being offered to another agent right now")
        if not offered_here and conversation.team not in agent_view.teams:
            raise Forbidden(f"this case waits for team {conversation.team}, not one of yours")
        state = await routing.agent_state(uow, agent, without_offer=conversation.id)
        if not state.fits(conversation.channel):
            raise Conflict(_full(state, conversation.channel))
        await uow.session.delete(entry)
        conversation.agent_id = agent.id
        agent.last_assigned_at, agent.missed_offers = uow.now, 0
        move(uow, conversation, Action.ACCEPT, offered=offered_here)
        handover = await routing.open_handover(uow, conversation.id)
        if handover is not None:
            handover.agent_id, handover.assigned_at = agent.id, uow.now
        await timers.cancel_for_conversation(uow, conversation.id)
        rules = c.routing.rules(conversation.team or c.policy.default_team)
        await timers.schedule(
            uow, TimerKind.FIRST_REPLY, conversation.id, rules.first_reply_s,
            conversation_id=conversation.id, agent_id=agent.id, stage="nudge",
        )  # fmt: skip
        team_name = await team_display_name(uow, conversation.team or c.policy.default_team)
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
    c.wake_router()
    return await conversation_detail(c, agent_view, conversation_id)


def _full(state: AgentState, channel: str) -> str:
    if state.load >= state.capacity:
        return (
            f"you already have {state.load} open conversations or offers (your capacity is "
            f"{state.capacity}); resolve or hand one back first"
        )
    return (
        f"you already have your limit of {state.channel_capacity[channel]} {channel} "
        "conversations; resolve or hand one back first"
    )


async def decline(c: Container, agent_view: AgentView, conversation_id: str) -> None:
    """Say no to an offer: it goes to the next agent, never back to this one."""
    async with c.uow() as uow:
        agent = await routing.lock_agent(uow, agent_view.id, must_exist=True)
        found = await routing.locked_offer(uow, conversation_id, agent_view.id)
        if found is None:
            raise Conflict("this case is not offered to you (the offer may have expired)")
        await routing.withdraw_offer(uow, *found, why="declined")
        agent.missed_offers = 0
        await uow.commit()
    c.wake_router()


async def transfer(
    c: Container,
    agent_view: AgentView,
    conversation_id: str,
    *,
    note: str,
    team: str | None = None,
    to_agent_id: int | None = None,
) -> None:
    """Pass an owned case to another team or agent, with a note for them; the brief and
    every earlier note travel along, and the customer is told."""
    note = clean_text(note, field="note", max_chars=c.settings.max_message_chars)
    if team is None and to_agent_id is None:
        raise InvalidInput("say which team or agent to transfer to", field="team")
    async with c.uow() as uow:
        # Both agents' rows before the conversation, in id order: two agents passing cases
        # to each other at once must not wait on each other.
        locked = {
            agent_id: await routing.lock_agent(uow, agent_id)
            for agent_id in sorted({agent_view.id, to_agent_id or agent_view.id})
        }
        agent = locked[agent_view.id]
        assert agent is not None
        conversation = await _own(uow, agent_view, conversation_id)
        to_agent = None
        if to_agent_id is not None:
            to_agent = locked[to_agent_id]
            if to_agent is None:
                raise NotFound(f"no agent {to_agent_id}", field="agent_id")
            if to_agent.id == agent.id:
                raise InvalidInput("that is you; pick a colleague", field="agent_id")
            if to_agent.presence != AgentPresence.ONLINE.value:
                raise Conflict(f"{to_agent.name} is {to_agent.presence}; transfer to a team")
            their_teams = [
                m.team.key for m in sorted(to_agent.memberships, key=lambda m: not m.is_primary)
            ]
            if team is None:
                team = conversation.team if conversation.team in their_teams else their_teams[0]
            elif team not in their_teams:
                raise InvalidInput(f"{to_agent.name} is not in team {team}", field="team")
            if not (await routing.agent_state(uow, to_agent)).fits(conversation.channel):
                raise Conflict(f"{to_agent.name} is at capacity; transfer to their team")
        assert team is not None
        if (await uow.session.execute(select(Team.id).where(Team.key == team))).scalar() is None:
            raise NotFound(f"no team {team!r}", field="team")
        _note(uow, conversation, agent.id, agent.name, "transfer", note)
        await routing.transfer(uow, c, conversation, agent, team=team, to_agent=to_agent)
        await uow.commit()


def _note(
    uow: UnitOfWork, conversation: Conversation, agent_id: int, author: str, kind: str, text: str
) -> None:
    """Store an internal note (masked) and tell the desk side; never the conversation's own
    topic, which the customer's socket hears."""
    note = Note(
        conversation_id=conversation.id,
        agent_id=agent_id,
        author=author,
        kind=kind,
        body=mask(text).text,
        created_at=uow.now,
    )
    uow.session.add(note)
    staff = tuple(t for t in topics(conversation) if not t.startswith("conversation:"))
    uow.publish_after_commit(
        LiveEvent(
            "note",
            staff,
            {
                "conversation_id": conversation.id,
                "author": author,
                "kind": kind,
                "body": note.body,
                "at": uow.now.isoformat(),
            },
        )
    )


async def add_note(c: Container, agent_view: AgentView, conversation_id: str, body: str) -> None:
    """An internal note: never shown to the customer; the next agent sees it."""
    body = clean_text(body, field="body", max_chars=c.settings.max_message_chars)
    async with c.uow() as uow:
        conversation = await get_conversation(uow, conversation_id)
        await check_visible(uow, agent_view, conversation)
        _note(uow, conversation, agent_view.id, agent_view.name, "note", body)
        await uow.commit()


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
        await _check_window(uow, c, conversation)
        masked = mask(text)
        view = await _agent_says(uow, conversation, agent, masked.text, client_id, masked.kinds)
        await uow.commit()
    return view


async def send_template(
    c: Container,
    agent: AgentView,
    conversation_id: str,
    name: str,
    params: list[str],
    *,
    lang: str | None = None,
) -> dict[str, Any]:
    """Outside WhatsApp's 24 hours only an approved template may go: the agent picks one
    (with its parameters) and the customer's answer opens the window again."""
    async with c.uow() as uow:
        conversation = await _own(uow, agent, conversation_id)
        spec = next(
            (
                t
                for t in _templates(c, conversation.channel)
                if t.name == name and lang in (None, t.lang)
            ),
            None,
        )
        if spec is None:
            which = f"{name!r} in {lang!r}" if lang else repr(name)
            raise InvalidInput(f"no template {which} for {conversation.channel}", field="name")
        if len(params) != spec.params:
            raise InvalidInput(
                f"template {name!r} takes {spec.params} parameters, not {len(params)}",
                field="params",
            )
        masked = mask(_render(spec.text, params))
        template = {"name": spec.name, "lang": spec.lang, "params": [mask(p).text for p in params]}
        view = await _agent_says(
            uow, conversation, agent, masked.text, None, masked.kinds, template=template
        )
        await uow.commit()
    return view


def _render(text: str, params: list[str]) -> str:
    for number, value in enumerate(params, start=1):
        text = text.replace(f"{{{{{number}}}}}", value)
    return text


def _templates(c: Container, channel: str) -> list[Any]:
    adapter = c.channels.get(channel)
    return list(getattr(getattr(adapter, "settings", None), "templates", None) or [])


async def _window_view(
    uow: UnitOfWork, c: Container, conversation: Conversation, agent: AgentView
) -> dict[str, Any] | None:
    """For the agent who holds the case: whether the channel carries a free-form reply
    now, and the templates that may go instead (the desk says so before they type)."""
    adapter = c.channels.get(conversation.channel)
    if adapter is None or conversation.agent_id != agent.id:
        return None
    window = await delivery.reply_window(uow, adapter, conversation, by_agent=True)
    return {
        "allowed": window.allowed,
        "reason": window.reason,
        "template_required": window.template_required,
        "templates": _template_views(c, conversation.channel) if not window.allowed else [],
    }


def _template_views(c: Container, channel: str) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "lang": t.lang, "text": t.text, "params": t.params}
        for t in _templates(c, channel)
    ]


async def _check_window(uow: UnitOfWork, c: Container, conversation: Conversation) -> None:
    adapter = c.channels.get(conversation.channel)
    if adapter is None or conversation.channel == Channel.WEBCHAT:
        return
    window = await delivery.reply_window(uow, adapter, conversation, by_agent=True)
    if window.allowed:
        return
    raise OutsideWindow(
        window.reason or f"{conversation.channel} will not carry a reply now",
        details={
            "templates": _template_views(c, conversation.channel),
            "template_required": window.template_required,
        },
    )


async def _agent_says(
    uow: UnitOfWork,
    conversation: Conversation,
    agent: AgentView,
    text: str,
    client_id: str | None,
    masked_kinds: Any,
    template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    handover = await routing.open_handover(uow, conversation.id)
    if handover is not None and handover.first_reply_at is None:
        handover.first_reply_at = uow.now
        await timers.cancel(uow, TimerKind.FIRST_REPLY, conversation.id)
    message = await append_message(
        uow,
        conversation,
        SenderType.AGENT.value,
        text,
        agent_id=agent.id,
        sender_name=agent.name,
        client_id=client_id,
        masked=list(masked_kinds),
        template=template,
    )
    return message_view(message, conversation)


async def resolve(c: Container, agent: AgentView, conversation_id: str) -> None:
    await _finish(c, agent, conversation_id, Action.RESOLVE, "resolved")


async def hand_back(c: Container, agent: AgentView, conversation_id: str) -> None:
    await _finish(c, agent, conversation_id, Action.HAND_BACK, "handed_back")


async def _finish(
    c: Container, agent: AgentView, conversation_id: str, action: Action, outcome: str
) -> None:
    async with c.uow() as uow:
        conversation = await _own(uow, agent, conversation_id)
        handover = await routing.open_handover(uow, conversation.id)
        if handover is not None:
            handover.ended_at, handover.outcome = uow.now, outcome
        await timers.cancel_for_conversation(uow, conversation.id)
        move(uow, conversation, action)
        conversation.agent_id = None
        if action is Action.HAND_BACK:
            notice = replies.handed_back_notice(conversation.lang)
        else:
            notice = replies.resolved_notice(conversation.lang)
        await append_message(uow, conversation, SenderType.SYSTEM.value, notice)
        await uow.commit()
    c.wake_router()
