"""The router's decisions applied to the database.

A routing pass loads the queues and agents into a `routing.Router` (the same code the
simulator and the benchmark drive), asks it for offers, and records each under row locks:
the agent's row first, then the conversation's, the order `desk.accept` uses too, so an
offer and a manual accept never give one agent more than their capacity. Everything else
that changes who holds a case lives here as well: declines and expiries, re-queueing when
an agent goes offline or never answers, transfers, abandonment, and what waiting customers
are told about their place and wait.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, overload

from sqlalchemy import func, select

from relaydesk.bot import replies
from relaydesk.bot.formatting import opening
from relaydesk.domain.conversation import Action, Status
from relaydesk.domain.events import EventType
from relaydesk.domain.vocab import AgentPresence, Channel, Priority, SenderType
from relaydesk.routing.erlang import erlang_a_figures, erlang_c_figures, servers_for_service_level
from relaydesk.routing.estimate import Promise, changed_meaningfully, promise
from relaydesk.routing.model import SKILL_KINDS, AgentState, CaseState, Needs, Skills
from relaydesk.routing.rates import WINDOW, LiveRates
from relaydesk.routing.router import Offer, Router
from relaydesk.service import timers
from relaydesk.service.bootstrap import Container
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import append_message, conversation_summary, move
from relaydesk.service.timers import TimerKind
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Agent, Contact, Conversation, Handover, QueueEntry, Team

# Messaging channels where every message costs the customer a notification (and us a
# template fee): a changed promise is sent at most this often there; web chat gets every
# meaningful change.
SLOW_CHANNELS = frozenset({Channel.WHATSAPP, Channel.SMS, Channel.EMAIL})
SLOW_UPDATE_INTERVAL_S = 120.0
MISSED_OFFERS_AWAY = 2  # offers left to expire in a row before the agent is set away
UPDATE_DEPTH = 200  # waiting customers per team whose promise is kept current
OFFERS_PER_COMMIT = 20  # a burst of offers (a shift starting) is recorded in short commits


# The router's queue order (routing.router._key) in SQL.
QUEUE_ORDER = (QueueEntry.sort_key, QueueEntry.priority_rank.desc(), QueueEntry.conversation_id)


def epoch(at: datetime) -> float:
    return at.timestamp()


# ---- row locks, always agent before conversation ---------------------------------


@overload
async def lock_agent(uow: UnitOfWork, agent_id: int, *, must_exist: Literal[True]) -> Agent: ...
@overload
async def lock_agent(uow: UnitOfWork, agent_id: int | None) -> Agent | None: ...
async def lock_agent(
    uow: UnitOfWork, agent_id: int | None, *, must_exist: bool = False
) -> Agent | None:
    """The agent's row, locked for this transaction (PostgreSQL; SQLite has one writer)."""
    query = select(Agent).where(Agent.id == agent_id).with_for_update()
    # populate_existing: a row read earlier in this session is refreshed, not trusted.
    result = await uow.session.execute(query.execution_options(populate_existing=True))
    return result.scalar_one() if must_exist else result.scalar_one_or_none()


async def lock_conversation(uow: UnitOfWork, conversation_id: str) -> Conversation | None:
    query = select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    query = query.execution_options(populate_existing=True)
    return (await uow.session.execute(query)).scalar_one_or_none()


# ---- the router's view of the database ----------------------------------------------


def skills_of(agent: Agent) -> Skills:
    given = agent.skills or {}
    return Skills(**{kind: frozenset(given.get(kind) or ()) for kind in SKILL_KINDS})


async def agent_loads(
    uow: UnitOfWork, agent_ids: list[int] | None = None
) -> dict[int, Counter[str]]:
    """Open cases by channel, plus pending offers under the key "offers", per agent."""
    assigned = select(Conversation.agent_id, Conversation.channel, func.count()).where(
        Conversation.status == Status.ASSIGNED.value
    )
    offered = select(QueueEntry.offered_agent_id, func.count()).where(
        QueueEntry.offered_agent_id.is_not(None)
    )
    if agent_ids is not None:
        assigned = assigned.where(Conversation.agent_id.in_(agent_ids))
        offered = offered.where(QueueEntry.offered_agent_id.in_(agent_ids))
    loads: dict[int, Counter[str]] = {}
    for agent_id, channel, count in await uow.session.execute(
        assigned.group_by(Conversation.agent_id, Conversation.channel)
    ):
        if agent_id is not None:
            loads.setdefault(agent_id, Counter())[channel] = count
    for agent_id, count in await uow.session.execute(offered.group_by(QueueEntry.offered_agent_id)):
        if agent_id is not None:
            loads.setdefault(agent_id, Counter())["offers"] = count
    return loads


async def build_router(uow: UnitOfWork, c: Container) -> Router:
    keys = list((await uow.session.execute(select(Team.key))).scalars())
    router = Router({key: c.routing.rules(key) for key in keys})
    loads = await agent_loads(uow)
    offered_channels: dict[int, dict[str, str]] = {}
    entries = list((await uow.session.execute(select(QueueEntry))).scalars())
    for entry in entries:
        if entry.offered_agent_id is not None:
            channel = entry.needs.get("channel", "webchat")
            offered_channels.setdefault(entry.offered_agent_id, {})[entry.conversation_id] = channel
    for agent in (await uow.session.execute(select(Agent))).scalars():
        load = loads.get(agent.id, Counter())
        load.pop("offers", None)
        came = [at for at in (agent.last_assigned_at, agent.presence_at) if at is not None]
        router.upsert_agent(
            AgentState(
                id=agent.id,
                teams={m.team.key: m.is_primary for m in agent.memberships},
                presence=AgentPresence(agent.presence),
                capacity=agent.capacity,
                channel_capacity=dict(agent.channel_capacity or {}),
                skills=skills_of(agent),
                idle_since=epoch(max(came)) if came else 0.0,
                active=load,
            )
        )
    for entry in entries:
        router.add_case(
            CaseState(
                id=entry.conversation_id,
                team=entry.team,
                priority=Priority.of_rank(entry.priority_rank),
                needs=Needs(**entry.needs) if entry.needs else Needs("en", "webchat"),
                enqueued_at=_waiting_since(c, entry, uow.now),
                sort_key=entry.sort_key,
                offered_to=entry.offered_agent_id,
                offered_at=epoch(entry.offered_at) if entry.offered_at else None,
                passed_by=set(entry.passed_by or ()),
            )
        )
    return router


async def agent_state(
    uow: UnitOfWork, agent: Agent, *, without_offer: str | None = None
) -> AgentState:
    """One agent as the router sees them, from the database: open cases by channel and
    pending offers (leaving out `without_offer`, the one being accepted)."""
    active = (await agent_loads(uow, [agent.id])).get(agent.id, Counter())
    active.pop("offers", None)
    offered = await uow.session.execute(
        select(QueueEntry.conversation_id, QueueEntry.needs).where(
            QueueEntry.offered_agent_id == agent.id
        )
    )
    return AgentState(
        id=agent.id,
        teams={m.team.key: m.is_primary for m in agent.memberships},
        presence=AgentPresence(agent.presence),
        capacity=agent.capacity,
        channel_capacity=dict(agent.channel_capacity or {}),
        skills=skills_of(agent),
        active=active,
        offers={
            case: (needs or {}).get("channel", "webchat")
            for case, needs in offered
            if case != without_offer
        },
    )


def _waiting_since(c: Container, entry: QueueEntry, now: datetime) -> float:
    """When the case started waiting, counting only the team's open hours: a case that
    came in overnight has not waited "8 hours" at opening, so it does not overflow to
    helpers at once (its place in line still comes from its arrival)."""
    hours = c.routing.hours(entry.team)
    if hours is None:
        return epoch(entry.enqueued_at)
    return epoch(now) - hours.open_seconds_between(entry.enqueued_at, now)


def needs_of(conversation: Conversation, contact: Contact, topic: str | None) -> dict[str, Any]:
    return {
        "language": conversation.lang,
        "channel": conversation.channel,
        "topic": topic,
        "tier": contact.tier,
    }


async def front_sort_key(uow: UnitOfWork, team: str) -> float:
    """A sort key ahead of every case now waiting in the team."""
    first = (
        await uow.session.execute(
            select(func.min(QueueEntry.sort_key)).where(QueueEntry.team == team)
        )
    ).scalar()
    now_key = epoch(uow.now) - 4 * 24 * 3600  # ahead of any aged key when the queue is empty
    return min(first - 1.0, now_key) if first is not None else now_key


# ---- a routing pass -----------------------------------------------------------------


async def anyone_free(uow: UnitOfWork) -> bool:
    """Is any online agent under capacity (cases plus pending offers)? If not, a routing
    pass has nothing to offer and is skipped: with thousands waiting, building the
    router's snapshot is the expensive part."""
    online = (
        await uow.session.execute(
            select(Agent.id, Agent.capacity).where(Agent.presence == AgentPresence.ONLINE.value)
        )
    ).all()
    if not online:
        return False
    loads = await agent_loads(uow, [agent_id for agent_id, _ in online])
    return any(loads.get(agent_id, Counter()).total() < capacity for agent_id, capacity in online)


async def route(c: Container) -> list[Offer]:
    """One routing pass: every offer the router would make now, recorded.

    The snapshot is read without the writer's lock, and offers are recorded a few to a
    short transaction that checks each again, under row locks, that nothing changed: a
    pass over thousands of waiting cases never holds up incoming messages for long.
    """
    async with c.reader() as uow:
        if not await anyone_free(uow):
            return []
        router = await build_router(uow, c)
        now = epoch(uow.now)
    offers = router.dispatch(now)
    made = []
    for start in range(0, len(offers), OFFERS_PER_COMMIT):
        async with c.uow() as uow:
            batch = [
                o
                for o in offers[start : start + OFFERS_PER_COMMIT]
                if await _record_offer(uow, c, o)
            ]
            await uow.commit()
        made.extend(batch)
    return made


async def _record_offer(uow: UnitOfWork, c: Container, offer: Offer) -> bool:
    agent = await lock_agent(uow, offer.agent_id, must_exist=True)
    conversation = await lock_conversation(uow, offer.case_id)
    entry = await _entry(uow, offer.case_id)
    if (
        conversation is None
        or entry is None
        or conversation.status != Status.QUEUED.value
        or entry.offered_agent_id is not None
        or agent.id in (entry.passed_by or [])
    ):
        return False  # changed since the snapshot (taken by hand, left, passed on)
    if not (await agent_state(uow, agent)).has_room(conversation.channel):
        return False  # went away, or took a case by hand meanwhile
    await offer_to(uow, c, conversation, entry, agent)
    return True


async def offer_to(
    uow: UnitOfWork, c: Container, conversation: Conversation, entry: QueueEntry, agent: Agent
) -> None:
    timeout = c.routing.rules(entry.team).offer_timeout_s
    entry.offered_agent_id, entry.offered_at = agent.id, uow.now
    move(uow, conversation, Action.OFFER, offered_to=agent.id)
    await timers.schedule(
        uow, TimerKind.OFFER, conversation.id, timeout, conversation_id=conversation.id,
        agent_id=agent.id,
    )  # fmt: skip
    uow.publish_after_commit(
        LiveEvent(
            "offer",
            (f"agent:{agent.id}",),
            {**conversation_summary(conversation), "expires_in_s": timeout},
        )
    )


async def _entry(uow: UnitOfWork, conversation_id: str) -> QueueEntry | None:
    return (
        await uow.session.execute(
            select(QueueEntry)
            .where(QueueEntry.conversation_id == conversation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def withdraw_offer(
    uow: UnitOfWork, conversation: Conversation, entry: QueueEntry, *, why: str
) -> None:
    """The offer ends unaccepted. `why`: declined, expired (the agent passed on it), or
    away (the agent left before answering; they may be offered it again later)."""
    agent_id = entry.offered_agent_id
    assert agent_id is not None
    entry.offered_agent_id = entry.offered_at = None
    if why != "away":
        entry.passed_by = [*(entry.passed_by or []), agent_id]
    event = EventType.OFFER_EXPIRED if why == "expired" else EventType.OFFER_DECLINED
    move(uow, conversation, Action.DECLINE, event=event, offered_to=agent_id, why=why)
    await timers.cancel(uow, TimerKind.OFFER, conversation.id)
    uow.publish_after_commit(
        LiveEvent("offer_withdrawn", (f"agent:{agent_id}",), {"conversation_id": conversation.id})
    )


async def locked_offer(
    uow: UnitOfWork, conversation_id: str, agent_id: int
) -> tuple[Conversation, QueueEntry] | None:
    """The conversation and its queue entry, locked, if the case is offered to this agent."""
    conversation = await lock_conversation(uow, conversation_id)
    entry = await _entry(uow, conversation_id)
    if (
        conversation is None
        or entry is None
        or conversation.status != Status.OFFERED.value
        or entry.offered_agent_id != agent_id
    ):
        return None
    return conversation, entry


async def expire_offer(uow: UnitOfWork, c: Container, conversation_id: str, agent_id: int) -> None:
    agent = await lock_agent(uow, agent_id)
    found = await locked_offer(uow, conversation_id, agent_id)
    if agent is None or found is None:
        return
    await withdraw_offer(uow, *found, why="expired")
    agent.missed_offers += 1
    if agent.missed_offers >= MISSED_OFFERS_AWAY and agent.presence == AgentPresence.ONLINE.value:
        await change_presence(uow, c, agent, AgentPresence.AWAY, why="missed_offers")


# ---- presence -----------------------------------------------------------------------


async def change_presence(
    uow: UnitOfWork, c: Container, agent: Agent, presence: AgentPresence, *, why: str = "agent"
) -> None:
    """Online gets offers; away keeps their cases but gets no offers; offline hands every
    open case back to the queue, in front, with its notes."""
    if agent.presence == presence.value:
        return
    agent.presence, agent.presence_at = presence.value, uow.now
    if presence is AgentPresence.ONLINE:
        agent.missed_offers = 0
    uow.log(EventType.AGENT_PRESENCE, agent_id=agent.id, presence=presence.value, why=why)
    teammates = tuple(f"team:{m.team.key}" for m in agent.memberships)
    uow.publish_after_commit(
        LiveEvent(
            "agent_presence",
            (*teammates, f"agent:{agent.id}"),
            {"agent_id": agent.id, "name": agent.name, "presence": presence.value, "why": why},
        )
    )
    if presence is AgentPresence.ONLINE:
        return
    pending = (
        await uow.session.execute(
            select(QueueEntry.conversation_id).where(QueueEntry.offered_agent_id == agent.id)
        )
    ).scalars()
    for conversation_id in list(pending):
        found = await locked_offer(uow, conversation_id, agent.id)
        if found is not None:
            await withdraw_offer(uow, *found, why="away")
    if presence is AgentPresence.OFFLINE:
        owned = (
            await uow.session.execute(
                select(Conversation)
                .where(
                    Conversation.agent_id == agent.id,
                    Conversation.status == Status.ASSIGNED.value,
                )
                .with_for_update()
            )
        ).scalars()
        for conversation in list(owned):
            await requeue_in_front(uow, c, conversation, agent, reason="agent_offline")


# ---- back to the queue: re-queue, transfer ------------------------------------------


async def open_handover(uow: UnitOfWork, conversation_id: str) -> Handover | None:
    return (
        await uow.session.execute(
            select(Handover)
            .where(Handover.conversation_id == conversation_id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _back_in_queue(
    uow: UnitOfWork,
    c: Container,
    conversation: Conversation,
    handover: Handover,
    team: str,
    passed_by: list[int],
) -> QueueEntry:
    """A case an agent held goes back to a queue, in front: it has waited already. Its
    wait clock (overflow) still runs from the handover."""
    contact = await uow.session.get(Contact, conversation.contact_id)
    assert contact is not None
    entry = QueueEntry(
        conversation_id=conversation.id,
        handover_id=handover.id,
        team=team,
        priority_rank=Priority(handover.priority).rank,
        enqueued_at=handover.requested_at,
        sort_key=await front_sort_key(uow, team),
        needs=needs_of(conversation, contact, handover.brief.get("topic")),
        passed_by=passed_by,
    )
    uow.session.add(entry)
    handover.team, handover.agent_id, handover.assigned_at = team, None, None
    handover.first_reply_at = None  # the next agent's first-reply limit starts afresh
    former = conversation.agent_id
    conversation.team, conversation.agent_id = team, None
    if former is not None:  # their desk hears the case has left them
        uow.publish_after_commit(
            LiveEvent("case_released", (f"agent:{former}",), {"conversation_id": conversation.id})
        )
    await timers.cancel(uow, TimerKind.FIRST_REPLY, conversation.id)
    await schedule_check_in(uow, c, conversation)
    await uow.session.flush()
    return entry


async def requeue_in_front(
    uow: UnitOfWork, c: Container, conversation: Conversation, agent: Agent, *, reason: str
) -> None:
    handover = await open_handover(uow, conversation.id)
    assert handover is not None
    team = conversation.team or c.policy.default_team
    entry = await _back_in_queue(uow, c, conversation, handover, team, [agent.id])
    move(uow, conversation, Action.REQUEUE, reasons=[reason], from_agent=agent.id)
    await append_message(
        uow, conversation, SenderType.SYSTEM.value,
        replies.say("requeued", conversation.lang, agent=agent.name),
    )  # fmt: skip
    entry.told_position, entry.told_at = await queue_place(uow, entry), uow.now
    _queue_changed(uow, team, conversation.id)
    c.wake_router()


async def transfer(
    uow: UnitOfWork,
    c: Container,
    conversation: Conversation,
    agent: Agent,
    *,
    team: str,
    to_agent: Agent | None,
) -> None:
    """Send an owned case to another team, or to one agent (offered to them first; if they
    do not take it, it waits in that team's queue)."""
    handover = await open_handover(uow, conversation.id)
    assert handover is not None
    entry = await _back_in_queue(uow, c, conversation, handover, team, [agent.id])
    move(
        uow, conversation, Action.TRANSFER, from_agent=agent.id, to_team=team,
        to_agent=to_agent.id if to_agent else None,
    )  # fmt: skip
    team_name = await team_display_name(uow, team)
    if to_agent is not None:
        await offer_to(uow, c, conversation, entry, to_agent)
        text = replies.say(
            "transferred_agent", conversation.lang, agent=agent.name, to_agent=to_agent.name
        )
    else:
        now = await team_now(uow, c, team)
        if now.closed_until is not None:
            await schedule_opening(uow, c, team, now.closed_until)
        place = await queue_place(uow, entry)
        text = replies.say(
            "transferred_team",
            conversation.lang,
            agent=agent.name,
            team=team_name,
            queue=_news(
                uow, c, now, entry, conversation, place, team_name, opened=True, first=True
            ),
        )
    await append_message(uow, conversation, SenderType.SYSTEM.value, text)
    _queue_changed(uow, team, conversation.id)
    c.wake_router()


async def team_display_name(uow: UnitOfWork, team: str) -> str:
    name = (await uow.session.execute(select(Team.name).where(Team.key == team))).scalar()
    return name or team


def _queue_changed(uow: UnitOfWork, team: str, conversation_id: str) -> None:
    uow.publish_after_commit(
        LiveEvent(
            "queue_changed",
            (f"team:{team}", "desk"),
            {"team": team, "conversation_id": conversation_id},
        )
    )


# ---- abandonment --------------------------------------------------------------------


async def schedule_check_in(uow: UnitOfWork, c: Container, conversation: Conversation) -> None:
    """(Re)start the silence clock of a waiting customer."""
    rules = c.routing.rules(conversation.team or c.policy.default_team)
    await timers.schedule(
        uow, TimerKind.CHECK_IN, conversation.id, rules.check_in_after_s,
        conversation_id=conversation.id, stage="ask",
    )  # fmt: skip


async def check_in(uow: UnitOfWork, c: Container, conversation_id: str, stage: str) -> None:
    conversation = await lock_conversation(uow, conversation_id)
    if conversation is None or not Status(conversation.status).is_waiting:
        return
    team = conversation.team or c.policy.default_team
    hours = c.routing.hours(team)
    if hours is not None and not hours.is_open(uow.now):
        # They were told when the team opens: nobody asks them anything before that.
        rules = c.routing.rules(team)
        wait = (hours.next_open(uow.now) - uow.now).total_seconds() + rules.check_in_after_s
        await timers.schedule(
            uow, TimerKind.CHECK_IN, conversation.id, wait, conversation_id=conversation.id,
            stage="ask",
        )  # fmt: skip
        return
    if stage == "ask":
        rules = c.routing.rules(team)
        await append_message(
            uow,
            conversation,
            SenderType.SYSTEM.value,
            replies.say("still_there", conversation.lang),
            # A button where the channel has them (numbered text where it has not);
            # pressed, it is a customer message like any other and keeps their place.
            buttons=[("still_here", replies.say("still_here", conversation.lang))],
        )
        uow.log(
            EventType.CUSTOMER_CHECKED_IN,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=conversation.team,
        )
        await timers.schedule(
            uow, TimerKind.CHECK_IN, conversation.id, rules.check_in_timeout_s,
            conversation_id=conversation.id, stage="give_up",
        )  # fmt: skip
        return
    await abandon(uow, c, conversation, reason="no_reply")


async def abandon(
    uow: UnitOfWork, c: Container, conversation: Conversation, *, reason: str
) -> None:
    """The customer left while waiting: the case ends as abandoned, with how long they
    waited (what the Erlang A estimate of patience learns from)."""
    entry = await _entry(uow, conversation.id)
    if entry is not None:
        if entry.offered_agent_id is not None:
            uow.publish_after_commit(
                LiveEvent(
                    "offer_withdrawn",
                    (f"agent:{entry.offered_agent_id}",),
                    {"conversation_id": conversation.id},
                )
            )
        await uow.session.delete(entry)
    handover = await open_handover(uow, conversation.id)
    waited = (uow.now - handover.requested_at).total_seconds() if handover else None
    if handover is not None:
        handover.ended_at, handover.outcome = uow.now, "abandoned"
    move(uow, conversation, Action.ABANDON, reasons=[reason], waited_s=waited)
    await timers.cancel_for_conversation(uow, conversation.id)
    if reason == "no_reply":
        await append_message(
            uow, conversation, SenderType.SYSTEM.value, replies.say("abandoned", conversation.lang)
        )
    if conversation.team:
        _queue_changed(uow, conversation.team, conversation.id)


# ---- what waiting customers are told -------------------------------------------------


@dataclass(frozen=True)
class TeamNow:
    servers: int  # slots of the team's online primary agents
    free: int  # of which open now (not holding a case or an offer)
    rates: LiveRates
    closed_until: datetime | None  # the team is closed until then (None: open)


async def team_now(uow: UnitOfWork, c: Container, team: str) -> TeamNow:
    rules = c.routing.rules(team)
    agents = (
        await uow.session.execute(
            select(Agent.id, Agent.capacity)
            .join(Agent.memberships)
            .join(Team)
            .where(
                Team.key == team,
                Agent.presence == AgentPresence.ONLINE.value,
                Agent.memberships.any(is_primary=True, team_id=Team.id),
            )
        )
    ).all()
    loads = await agent_loads(uow, [agent_id for agent_id, _ in agents]) if agents else {}
    servers = sum(capacity for _, capacity in agents)
    free = sum(max(0, cap - loads.get(aid, Counter()).total()) for aid, cap in agents)
    hours = c.routing.hours(team)
    closed_until = None if hours is None or hours.is_open(uow.now) else hours.next_open(uow.now)
    return TeamNow(servers, free, await live_rates(uow, team, rules.handle_time_s), closed_until)


async def live_rates(uow: UnitOfWork, team: str, prior_s: float) -> LiveRates:
    """The team's recent handle times and waits, from its last handovers."""
    rows = (
        await uow.session.execute(
            select(Handover.requested_at, Handover.assigned_at, Handover.ended_at, Handover.outcome)
            .where(Handover.team == team, Handover.ended_at.is_not(None))
            .order_by(Handover.id.desc())
            .limit(WINDOW)
        )
    ).all()
    rates = LiveRates(handle_time_prior_s=prior_s)
    for requested, assigned, ended, outcome in reversed(rows):
        if ended is None:
            continue
        if outcome == "abandoned":
            rates.observe_wait((ended - requested).total_seconds(), abandoned=True)
        elif assigned is not None:
            rates.observe_wait((assigned - requested).total_seconds(), abandoned=False)
            rates.observe_handle((ended - assigned).total_seconds())
    return rates


async def queue_place(uow: UnitOfWork, entry: QueueEntry) -> int:
    """1-based place in the team's queue, in the router's order (QUEUE_ORDER)."""
    same_key = QueueEntry.sort_key == entry.sort_key
    ahead = (
        await uow.session.execute(
            select(func.count()).where(
                QueueEntry.team == entry.team,
                (QueueEntry.sort_key < entry.sort_key)
                | (same_key & (QueueEntry.priority_rank > entry.priority_rank))
                | (
                    same_key
                    & (QueueEntry.priority_rank == entry.priority_rank)
                    & (QueueEntry.conversation_id < entry.conversation_id)
                ),
            )
        )
    ).scalar_one()
    return int(ahead) + 1


async def promise_for(
    uow: UnitOfWork, c: Container, entry: QueueEntry, now: TeamNow | None = None
) -> Promise:
    now = now or await team_now(uow, c, entry.team)
    position = await queue_place(uow, entry)
    if now.closed_until is not None:
        return Promise(position, None)
    return promise(position, now.servers, now.free, now.rates.handle_time_s, now.rates.patience_s)


def _told(uow: UnitOfWork, entry: QueueEntry, told: Promise) -> None:
    entry.told_position, entry.told_wait_s, entry.told_at = told.position, told.wait_s, uow.now


async def first_notice(
    uow: UnitOfWork, c: Container, conversation: Conversation, entry: QueueEntry
) -> str:
    """The handover notice: who, their place, the promise, or when a closed team opens."""
    now = await team_now(uow, c, entry.team)
    told = await promise_for(uow, c, entry, now)
    _told(uow, entry, told)
    team_name = await team_display_name(uow, entry.team)
    uow.log(
        EventType.CUSTOMER_NOTIFIED,
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=entry.team,
        position=told.position,
        wait_s=told.wait_s,
        closed_until=now.closed_until.isoformat() if now.closed_until else None,
    )
    if now.closed_until is None:
        return replies.handover_notice(conversation.lang, team_name, told.position, told.wait_s)
    entry.told_opens_at = now.closed_until
    await schedule_opening(uow, c, entry.team, now.closed_until)
    return replies.say(
        "team_closed",
        conversation.lang,
        team=team_name,
        opens=_opening_words(c, entry.team, now.closed_until, uow.now, conversation.lang),
        position=told.position,
    )


def _opening_words(c: Container, team: str, at: datetime, now: datetime, lang: str) -> str:
    hours = c.routing.hours(team)
    assert hours is not None
    return opening(at.astimezone(hours.zone), now.astimezone(hours.zone), lang)


async def schedule_opening(uow: UnitOfWork, c: Container, team: str, opens: datetime) -> None:
    """At `opens`, everyone waiting for the team hears that it is open (one timer a team)."""
    existing = await timers.find(uow, TimerKind.TEAM_OPENS, team)
    if existing is not None and existing.due_at == opens:
        return
    await timers.schedule(
        uow, TimerKind.TEAM_OPENS, team, max(0.0, (opens - uow.now).total_seconds()), team=team
    )


async def update_promises(uow: UnitOfWork, c: Container, team: str, *, opened: bool = False) -> int:
    """Tell waiting customers what changed. While the team is open: a better place or a
    promise that moved meaningfully (at most every two minutes on WhatsApp, SMS and
    email). When it has closed: once, when it opens again. `opened`: the team just opened,
    and everyone hears it. Returns how many were told."""
    now = await team_now(uow, c, team)
    if now.closed_until is not None:
        await schedule_opening(uow, c, team, now.closed_until)
    rows = (
        await uow.session.execute(
            select(QueueEntry.conversation_id)
            .where(QueueEntry.team == team)
            .order_by(*QUEUE_ORDER)
            .limit(UPDATE_DEPTH)
        )
    ).scalars()
    team_name = await team_display_name(uow, team)
    told_count = 0
    for place, conversation_id in enumerate(list(rows), start=1):
        # Locked, then read fresh: a message or an accept may have landed meanwhile.
        conversation = await lock_conversation(uow, conversation_id)
        entry = await _entry(uow, conversation_id)
        if conversation is None or entry is None or not Status(conversation.status).is_waiting:
            continue
        text = _news(uow, c, now, entry, conversation, place, team_name, opened=opened)
        if text is None:
            continue
        await append_message(uow, conversation, SenderType.SYSTEM.value, text)
        uow.log(
            EventType.CUSTOMER_NOTIFIED,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=team,
            position=entry.told_position,
            wait_s=entry.told_wait_s,
            notice="team_open" if opened else "team_closed" if now.closed_until else "update",
        )
        told_count += 1
    return told_count


def _news(
    uow: UnitOfWork,
    c: Container,
    now: TeamNow,
    entry: QueueEntry,
    conversation: Conversation,
    place: int,
    team_name: str,
    *,
    opened: bool,
    first: bool = False,
) -> str | None:
    """What to tell one waiting customer now, if anything (and remember it was told).
    `first`: the first words about this queue (a transfer): their place and promise, or
    when the closed team opens."""
    lang = conversation.lang
    if now.closed_until is not None:
        if entry.told_opens_at == now.closed_until:
            return None  # already told when the team opens
        entry.told_opens_at, entry.told_position, entry.told_at = now.closed_until, place, uow.now
        opens = _opening_words(c, entry.team, now.closed_until, uow.now, lang)
        return replies.say("team_closed_since", lang, team=team_name, opens=opens, position=place)
    new = promise(place, now.servers, now.free, now.rates.handle_time_s, now.rates.patience_s)
    if opened or entry.told_opens_at is not None:
        entry.told_opens_at = None
        _told(uow, entry, new)
        status = replies.queue_status(lang, new.position, new.wait_s)
        return status if first else replies.say("team_open", lang, team=team_name, queue=status)
    if entry.offered_agent_id is not None or new.wait_s == 0:
        return None  # about to be answered: no news to send
    if not changed_meaningfully(Promise(entry.told_position or place, entry.told_wait_s), new):
        return None
    if (
        conversation.channel in SLOW_CHANNELS
        and entry.told_at is not None
        and (uow.now - entry.told_at).total_seconds() < SLOW_UPDATE_INTERVAL_S
    ):
        return None
    _told(uow, entry, new)
    return replies.say(
        "queue_update", lang, queue=replies.queue_status(lang, new.position, new.wait_s)
    )


# ---- first replies ------------------------------------------------------------------


async def first_reply_due(
    uow: UnitOfWork, c: Container, conversation_id: str, agent_id: int, stage: str
) -> None:
    """An accepted case without a word from its agent: nudge them, then re-queue it."""
    agent = await lock_agent(uow, agent_id)
    conversation = await lock_conversation(uow, conversation_id)
    if agent is None or conversation is None or conversation.agent_id != agent_id:
        return
    handover = await open_handover(uow, conversation_id)
    if conversation.status != Status.ASSIGNED.value or handover is None or handover.first_reply_at:
        return
    if stage == "nudge":
        rules = c.routing.rules(conversation.team or c.policy.default_team)
        uow.log(
            EventType.AGENT_NUDGED,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=conversation.team,
            agent_id=agent_id,
        )
        uow.publish_after_commit(
            LiveEvent(
                "nudge",
                (f"agent:{agent_id}",),
                {**conversation_summary(conversation), "requeue_in_s": rules.first_reply_grace_s},
            )
        )
        await timers.schedule(
            uow, TimerKind.FIRST_REPLY, conversation.id, rules.first_reply_grace_s,
            conversation_id=conversation.id, agent_id=agent_id, stage="requeue",
        )  # fmt: skip
        return
    await requeue_in_front(uow, c, conversation, agent, reason="no_first_reply")


# ---- a team's outlook ---------------------------------------------------------------

OUTLOOK_WINDOW_S = 3600.0  # arrivals counted over the last hour
SERVICE_LEVEL = (0.8, 20.0)  # the usual target: 80% answered within 20 s


async def team_outlook(uow: UnitOfWork, c: Container, team: str) -> dict[str, Any]:
    """The team now, from live rates: waiting, staffing, and what queueing theory expects
    (Erlang A when customers have been seen to leave, else Erlang C)."""
    now = await team_now(uow, c, team)
    waiting = (
        await uow.session.execute(select(func.count()).where(QueueEntry.team == team))
    ).scalar_one()
    since = uow.now - timedelta(seconds=OUTLOOK_WINDOW_S)
    arrivals = (
        await uow.session.execute(
            select(func.count()).where(Handover.team == team, Handover.requested_at >= since)
        )
    ).scalar_one()
    rate = arrivals / OUTLOOK_WINDOW_S
    handle, patience = now.rates.handle_time_s, now.rates.patience_s
    target, within = SERVICE_LEVEL
    expected: dict[str, Any] | None = None
    if now.servers > 0 and rate > 0:
        figures = (
            erlang_a_figures(rate, handle, now.servers, patience, within)
            if patience is not None
            else erlang_c_figures(rate, handle, now.servers, within)
        )
        expected = {
            "model": "erlang_a" if patience is not None else "erlang_c",
            "p_wait": round(figures.p_wait, 4),
            "mean_wait_s": round(figures.mean_wait_s, 1),
            f"service_level_{within:.0f}s": round(figures.service_level, 4),
            "abandon_rate": round(figures.p_abandon, 4),
            "occupancy": round(figures.occupancy, 4),
        }
    return {
        "team": team,
        "name": await team_display_name(uow, team),
        "waiting": waiting,
        "slots_online": now.servers,
        "slots_free": now.free,
        "open": now.closed_until is None,
        "opens_at": now.closed_until.isoformat() if now.closed_until else None,
        "arrivals_per_hour": arrivals * 3600.0 / OUTLOOK_WINDOW_S,
        "handle_time_s": round(handle, 1),
        "patience_s": round(patience, 1) if patience is not None else None,
        "expected": expected,
        "slots_needed": (
            servers_for_service_level(rate, handle, target, within) if rate > 0 else 0
        ),
    }
