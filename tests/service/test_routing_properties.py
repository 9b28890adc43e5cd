"""Routing invariants of the whole service, against its database, under random sequences of
arrivals, routing passes, accepts (right and wrong ones), declines, offer timeouts, first-
reply limits, presence changes, transfers, resolves and customers leaving.

After every step, read back from the database:
- a case is never owned by two agents (the conversation's agent and its open handover's
  agent agree; at most one open handover per conversation);
- no agent holds more cases plus pending offers than their capacity;
- every waiting case is in exactly one queue, and only waiting cases are;
  a case is OFFERED exactly when its queue entry names an agent;
- the desk's queue view lists each team's cases in router order (sort key), and a case
  enqueued fresh has the sort key `enqueued_at - rank × aging step` (priority with aging).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from relaydesk.clock import ManualClock
from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.service import admin, desk, inbound, webchat
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.errors import ServiceError
from relaydesk.service.scheduler import Scheduler
from relaydesk.settings import Settings
from relaydesk.store.models import Conversation, Handover, QueueEntry

TEAMS = ("general", "billing", "logistics")
AGENTS = (  # name, teams (first primary), capacity
    ("Ayu", ["general"], 1),
    ("Budi", ["billing", "general"], 2),
    ("Citra", ["logistics", "billing"], 1),
    ("Dewi", ["general", "logistics"], 2),
)
WORDS = {  # what the customer says -> which team the policy sends it to
    "general": "I want to talk to a real person",
    "billing": "agent please, I was charged twice for order 10001",
    "logistics": "agent please, my parcel 58010 never arrived",
}


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.folder = tempfile.TemporaryDirectory()
        self.clock = ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
        url = f"sqlite:///{Path(self.folder.name) / 'relaydesk.db'}"
        self.c: Container = bootstrap(
            Settings(database_url=url, data_dir=Path(self.folder.name)), clock=self.clock
        )
        self.scheduler = Scheduler(self.c)
        self.agents: list[desk.AgentView] = []
        self.visitors: list[str] = []
        self.run(self._setup())

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return self.runner.run(coroutine)

    async def _setup(self) -> None:
        await self.c.start()
        await admin.ensure_teams(self.c)
        for name, teams, capacity in AGENTS:
            email = f"{name.lower()}@example.com"
            await admin.create_agent(
                self.c, email=email, name=name, password="secret-pass", teams=teams,
                capacity=capacity,
            )  # fmt: skip
            _, view = await desk.login(self.c, email, "secret-pass")
            await desk.set_presence(self.c, view.id, AgentPresence.ONLINE)
            self.agents.append(view)

    def teardown(self) -> None:
        self.run(self.c.stop())
        self.runner.close()
        self.folder.cleanup()

    async def _ignore_refusals(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        # A clear refusal (409/403/...) is a fine answer to a wrong request.
        with contextlib.suppress(ServiceError):
            await coroutine

    # ---- steps ------------------------------------------------------------------------

    @rule(team=st.sampled_from(TEAMS))
    def customer_asks_for_a_person(self, team: str) -> None:
        async def go() -> None:
            started = await webchat.start(self.c, None, f"C{len(self.visitors)}", "en")
            self.visitors.append(started["token"])
            accepted = await inbound.receive_from_visitor(
                self.c, started["token"], inbound.Inbound("webchat", WORDS[team])
            )
            await inbound.process(self.c, accepted.conversation_id)
            await self.scheduler.tick()  # the server's loop wakes when a case queues

        self.run(go())

    @rule()
    def routing_pass(self) -> None:
        self.run(self.scheduler.tick())

    @rule(seconds=st.sampled_from([1, 10, 31, 61, 181, 600]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.run(self.scheduler.tick())

    @rule(agent=st.integers(0, len(AGENTS) - 1), presence=st.sampled_from(list(AgentPresence)))
    def presence_changes(self, agent: int, presence: AgentPresence) -> None:
        self.run(desk.set_presence(self.c, self.agents[agent].id, presence))

    @rule(agent=st.integers(0, len(AGENTS) - 1), pick=st.integers(0, 50))
    def agent_accepts(self, agent: int, pick: int) -> None:
        cases = self.run(self._conversations(waiting=True))
        if cases:
            case = cases[pick % len(cases)]
            self.run(self._ignore_refusals(desk.accept(self.c, self.agents[agent], case)))

    @rule(pick=st.integers(0, 50), accept=st.booleans())
    def offered_agent_answers(self, pick: int, accept: bool) -> None:
        offers = self.run(self._offers())
        if offers:
            case, agent = offers[pick % len(offers)]
            answer = desk.accept if accept else desk.decline
            self.run(self._ignore_refusals(answer(self.c, agent, case)))

    @rule(agent=st.integers(0, len(AGENTS) - 1), pick=st.integers(0, 50))
    def agent_declines(self, agent: int, pick: int) -> None:
        cases = self.run(self._conversations(waiting=True))
        if cases:
            case = cases[pick % len(cases)]
            self.run(self._ignore_refusals(desk.decline(self.c, self.agents[agent], case)))

    @rule(pick=st.integers(0, 50), what=st.sampled_from(["reply", "resolve", "hand_back"]))
    def owner_works(self, pick: int, what: str) -> None:
        owned = self.run(self._owned())
        if owned:
            case, agent = owned[pick % len(owned)]
            if what == "reply":
                step = desk.reply(self.c, agent, case, "on it", None)
            elif what == "resolve":
                step = desk.resolve(self.c, agent, case)
            else:
                step = desk.hand_back(self.c, agent, case)
            self.run(self._ignore_refusals(step))

    @rule(pick=st.integers(0, 50), team=st.sampled_from(TEAMS), to_agent=st.integers(-1, 3))
    def owner_transfers(self, pick: int, team: str, to_agent: int) -> None:
        owned = self.run(self._owned())
        if owned:
            case, agent = owned[pick % len(owned)]
            target = self.agents[to_agent].id if to_agent >= 0 else None
            step = desk.transfer(
                self.c, agent, case, note="over to you", team=None if target else team,
                to_agent_id=target,
            )  # fmt: skip
            self.run(self._ignore_refusals(step))

    @rule(pick=st.integers(0, 50))
    def customer_leaves(self, pick: int) -> None:
        if self.visitors:
            self.run(webchat.leave(self.c, self.visitors[pick % len(self.visitors)]))

    # ---- reading back -----------------------------------------------------------------

    async def _conversations(self, *, waiting: bool) -> list[str]:
        async with self.c.reader() as uow:
            statuses = ["queued", "offered"] if waiting else ["assigned"]
            query = select(Conversation.id).where(Conversation.status.in_(statuses))
            return sorted((await uow.session.execute(query.order_by(Conversation.id))).scalars())

    async def _offers(self) -> list[tuple[str, desk.AgentView]]:
        by_id = {a.id: a for a in self.agents}
        async with self.c.reader() as uow:
            rows = await uow.session.execute(
                select(QueueEntry.conversation_id, QueueEntry.offered_agent_id)
                .where(QueueEntry.offered_agent_id.is_not(None))
                .order_by(QueueEntry.conversation_id)
            )
            return [(cid, by_id[aid]) for cid, aid in rows]

    async def _owned(self) -> list[tuple[str, desk.AgentView]]:
        by_id = {a.id: a for a in self.agents}
        async with self.c.reader() as uow:
            rows = await uow.session.execute(
                select(Conversation.id, Conversation.agent_id)
                .where(Conversation.status == "assigned")
                .order_by(Conversation.id)
            )
            return [(cid, by_id[aid]) for cid, aid in rows if aid in by_id]

    async def _check(self) -> None:
        async with self.c.reader() as uow:
            conversations = list((await uow.session.execute(select(Conversation))).scalars())
            entries = list((await uow.session.execute(select(QueueEntry))).scalars())
            handovers = list(
                (
                    await uow.session.execute(select(Handover).where(Handover.ended_at.is_(None)))
                ).scalars()
            )
        by_case = Counter(e.conversation_id for e in entries)
        assert all(n == 1 for n in by_case.values()), by_case
        entry_of = {e.conversation_id: e for e in entries}
        open_handovers = Counter(h.conversation_id for h in handovers)
        assert all(n == 1 for n in open_handovers.values()), open_handovers
        handover_of = {h.conversation_id: h for h in handovers}
        held: Counter[int] = Counter()
        for conversation in conversations:
            waiting = conversation.status in ("queued", "offered")
            assert (conversation.id in entry_of) == waiting, conversation.status
            if waiting:
                entry = entry_of[conversation.id]
                assert (entry.offered_agent_id is not None) == (conversation.status == "offered")
                assert entry.team == conversation.team
                if entry.offered_agent_id is not None:
                    held[entry.offered_agent_id] += 1
            if conversation.status == "assigned":
                assert conversation.agent_id is not None
                assert handover_of[conversation.id].agent_id == conversation.agent_id
                held[conversation.agent_id] += 1
            else:
                assert conversation.agent_id is None, conversation.status
        capacity = {a.id: a.capacity for a in self.agents}
        assert all(held[a] <= capacity[a] for a in held), (held, capacity)
        for team in TEAMS:
            rules = self.c.routing.rules(team)
            mine = sorted(
                (e for e in entries if e.team == team),
                key=lambda e: (e.sort_key, e.conversation_id),
            )
            for e in mine:
                fresh = rules.sort_key(Priority.of_rank(e.priority_rank), e.enqueued_at.timestamp())
                # Fresh cases sit exactly where priority and aging put them; cases handed
                # back by an agent were put in front (a smaller key), never behind.
                assert e.sort_key <= fresh + 1e-6
            shown = await desk.waiting_cases(self.c, self._member_of(team))
            assert [c["conversation_id"] for c in shown if c["team"] == team] == [
                e.conversation_id for e in mine
            ]

    def _member_of(self, team: str) -> desk.AgentView:
        return next(a for a in self.agents if team in a.teams)

    @invariant()
    def invariants_hold(self) -> None:
        self.run(self._check())


RoutingMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRouting = RoutingMachine.TestCase
