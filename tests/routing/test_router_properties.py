"""The router against a plain reference model, over random sequences of desk events.

The machine drives one `Router` and, next to it, a deliberately naive model of the same
desk: which cases wait in which team (with their sort keys, offers and who passed on
them), which agent owns which case, and every agent's settings. After each step the
invariants compare the two and check the router's proposals against the model's own
eligibility rules. Times are whole seconds so every comparison is exact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing.model import AgentState, CaseState, Needs, Skills, Strategy, TeamRules
from relaydesk.routing.router import Offer, Router, RoutingError

ONLINE = AgentPresence.ONLINE
TEAM_NAMES = ("t0", "t1", "t2")
AGENT_IDS = (1, 2, 3, 4)
LANGUAGES = ("en", "id")
CHANNELS = ("webchat", "email", "sms")
TOPICS = ("refund", "parcel")
TIERS = ("standard", "vip")

needs_st = st.builds(
    Needs,
    language=st.sampled_from(LANGUAGES),
    channel=st.sampled_from(CHANNELS),
    topic=st.sampled_from((None, None, *TOPICS)),
    tier=st.sampled_from(TIERS),
)


def _skill(*restrictions: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    """Mostly no restriction (empty: any value), else one of the given value sets."""
    return st.sampled_from([frozenset(), frozenset()] + [frozenset(r) for r in restrictions])


skills_st = st.builds(
    Skills,
    languages=_skill(("en",), ("id",), LANGUAGES),
    channels=_skill(("webchat",), ("webchat", "email"), ("sms",)),
    topics=_skill(("refund",), ("parcel",)),
    tiers=_skill(("standard",), ("vip",)),
)


@dataclass(frozen=True)
class AgentConfig:
    """What an upsert sets: teams (filtered to the teams in play), presence, limits, skills."""

    teams: dict[str, bool]
    presence: AgentPresence
    capacity: int
    channel_capacity: dict[str, int]
    skills: Skills


agent_config_st = st.builds(
    AgentConfig,
    teams=st.dictionaries(st.sampled_from(TEAM_NAMES), st.sampled_from([True, True, False])),
    presence=st.sampled_from([ONLINE, ONLINE, ONLINE, AgentPresence.AWAY, AgentPresence.OFFLINE]),
    capacity=st.integers(1, 3),
    channel_capacity=st.dictionaries(st.sampled_from(CHANNELS), st.integers(1, 2), max_size=2),
    skills=skills_st,
)


@st.composite
def teams_st(draw: st.DrawFn) -> dict[str, TeamRules]:
    keys = TEAM_NAMES[: draw(st.integers(2, 3))]
    teams = {}
    for key in keys:
        others = [k for k in keys if k != key]
        teams[key] = TeamRules(
            key=key,
            strategy=draw(st.sampled_from(Strategy)),
            offer_timeout_s=float(draw(st.sampled_from([5, 10, 20]))),
            overflow_after_s=float(draw(st.sampled_from([0, 5, 15, 40]))),
            overflow_teams=tuple(draw(st.lists(st.sampled_from(others), unique=True))),
            aging_step_s=float(draw(st.sampled_from([1, 3, 10]))),
        )
    return teams


# ---- the reference model -------------------------------------------------------------


@dataclass
class ModelCase:
    id: str
    team: str
    priority: Priority
    needs: Needs
    enqueued_at: float
    sort_key: float
    at_front: bool = False  # re-queued with front_key: its key is not the aging formula
    offered_to: int | None = None
    offered_at: float | None = None
    passed_by: set[int] = field(default_factory=set)


@dataclass
class ModelAgent:
    id: int
    teams: dict[str, bool]
    presence: AgentPresence
    capacity: int
    channel_capacity: dict[str, int]
    skills: Skills
    idle_since: float
    owned: dict[str, ModelCase] = field(default_factory=dict)  # case id -> the case
    offers: dict[str, str] = field(default_factory=dict)  # case id -> channel

    def active(self) -> Counter[str]:
        return Counter(case.needs.channel for case in self.owned.values())

    def load(self) -> int:
        return len(self.owned) + len(self.offers)

    def on_channel(self, channel: str) -> int:
        return self.active()[channel] + sum(1 for c in self.offers.values() if c == channel)

    def has_room(self, channel: str) -> bool:
        if self.presence is not ONLINE or self.load() >= self.capacity:
            return False
        limit = self.channel_capacity.get(channel)
        return limit is None or self.on_channel(channel) < limit


def allows(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or value is None or value in allowed


def covers_strictly(skills: Skills, needs: Needs) -> bool:
    return (
        allows(skills.languages, needs.language)
        and allows(skills.channels, needs.channel)
        and allows(skills.topics, needs.topic)
        and allows(skills.tiers, needs.tier)
    )


STRICT, RELAXED = 0, 1


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.serial = 0
        self.rules: dict[str, TeamRules] = {}
        self.router = Router({})
        self.waiting: dict[str, ModelCase] = {}
        self.agents: dict[int, ModelAgent] = {}

    @initialize(
        data=st.data(),
        teams=teams_st(),
        configs=st.lists(agent_config_st, min_size=1, max_size=3),
        arrivals=st.lists(st.tuples(st.sampled_from(Priority), needs_st), max_size=6),
    )
    def setup(
        self,
        data: st.DataObject,
        teams: dict[str, TeamRules],
        configs: list[AgentConfig],
        arrivals: list[tuple[Priority, Needs]],
    ) -> None:
        """Two or three teams, a few agents, and perhaps some cases already waiting."""
        self.rules = teams
        self.router = Router(teams)
        for agent_id, config in zip(AGENT_IDS, configs, strict=False):
            self.configure(agent_id, config, keep_idle=False)
        self.arrive(data, arrivals)

    # ---- model decisions ---------------------------------------------------------------

    def mode(self, agent: ModelAgent, team: str) -> str | None:
        """How the agent may serve the team: "primary", "overflow" or None."""
        if team in agent.teams:
            return "primary" if agent.teams[team] else "overflow"
        primary = {t for t, is_primary in agent.teams.items() if is_primary}
        return "overflow" if primary.intersection(self.rules[team].overflow_teams) else None

    def match(self, agent: ModelAgent, case: ModelCase) -> int | None:
        """STRICT or RELAXED when the agent may be offered the case now, else None."""
        if case.offered_to is not None or agent.id in case.passed_by:
            return None
        if not agent.has_room(case.needs.channel):
            return None
        mode = self.mode(agent, case.team)
        if mode is None:
            return None
        overflowing = self.now - case.enqueued_at >= self.rules[case.team].overflow_after_s
        if covers_strictly(agent.skills, case.needs) and (mode == "primary" or overflowing):
            return STRICT
        if overflowing and allows(agent.skills.languages, case.needs.language):
            return RELAXED
        return None

    def strategy_key(self, agent: ModelAgent, team: str) -> tuple[float, ...]:
        if self.rules[team].strategy is Strategy.LEAST_LOADED:
            return (agent.load() / agent.capacity, agent.idle_since, agent.id)
        return (agent.idle_since, agent.id)

    def expected_agent(self, case: ModelCase) -> int | None:
        """Strict matches first, each kind in the team's strategy order."""
        ranked = []
        for agent in self.agents.values():
            kind = self.match(agent, case)
            if kind is not None:
                ranked.append((kind, self.strategy_key(agent, case.team), agent.id))
        return min(ranked)[2] if ranked else None

    def expected_cases(self, agent: ModelAgent) -> set[str]:
        """The eligible cases with the earliest sort key, across every team (several
        when keys tie; empty when the agent may take nothing)."""
        keys = {c.id: c.sort_key for c in self.waiting.values() if self.match(agent, c) is not None}
        first = min(keys.values(), default=None)
        return {cid for cid, key in keys.items() if key == first}

    def front_key(self, team: str) -> float | None:
        keys = [c.sort_key for c in self.waiting.values() if c.team == team]
        return min(keys) - 1.0 if keys else None

    def open_cases(self) -> list[str]:
        return sorted(cid for cid, c in self.waiting.items() if c.offered_to is None)

    def offered_cases(self) -> list[str]:
        return sorted(cid for cid, c in self.waiting.items() if c.offered_to is not None)

    def owned_cases(self) -> list[tuple[int, str]]:
        return sorted((a.id, cid) for a in self.agents.values() for cid in a.owned)

    # ---- model updates -----------------------------------------------------------------

    def model_offer(self, case_id: str, agent_id: int) -> None:
        case = self.waiting[case_id]
        case.offered_to, case.offered_at = agent_id, self.now
        self.agents[agent_id].offers[case_id] = case.needs.channel

    def model_withdraw(self, case: ModelCase) -> None:
        if case.offered_to is not None:
            self.agents[case.offered_to].offers.pop(case.id)
        case.offered_to = case.offered_at = None

    def model_assign(self, case_id: str, agent_id: int) -> None:
        case = self.waiting.pop(case_id)
        self.model_withdraw(case)
        agent = self.agents[agent_id]
        agent.owned[case_id] = case
        agent.idle_since = self.now

    def enqueue(
        self,
        cid: str,
        team: str,
        priority: Priority,
        needs: Needs,
        enqueued_at: float,
        at_front: bool = False,
    ) -> None:
        front = self.router.front_key(team) if at_front else None
        if at_front:
            assert front == self.front_key(team)
        key = front if front is not None else self.rules[team].sort_key(priority, enqueued_at)
        self.router.add_case(
            CaseState(
                id=cid,
                team=team,
                priority=priority,
                needs=needs,
                enqueued_at=enqueued_at,
                sort_key=key,
            )
        )
        self.waiting[cid] = ModelCase(
            cid, team, priority, needs, enqueued_at, key, at_front=front is not None
        )

    # ---- rules: time, cases, agents ------------------------------------------------------

    @rule(dt=st.sampled_from([1, 2, 5, 10, 30]))
    def advance(self, dt: int) -> None:
        self.now += dt

    @rule(
        data=st.data(),
        arrivals=st.lists(st.tuples(st.sampled_from(Priority), needs_st), min_size=1, max_size=3),
    )
    def arrive(self, data: st.DataObject, arrivals: list[tuple[Priority, Needs]]) -> None:
        for priority, needs in arrivals:  # several at one instant: ties in arrival time
            team = data.draw(st.sampled_from(sorted(self.rules)), label="team")
            self.serial += 1
            self.enqueue(f"c{self.serial:03d}", team, priority, needs, self.now)

    @rule(agent_id=st.sampled_from(AGENT_IDS), config=agent_config_st, keep_idle=st.booleans())
    def upsert_agent(self, agent_id: int, config: AgentConfig, keep_idle: bool) -> None:
        self.configure(agent_id, config, keep_idle)

    def configure(self, agent_id: int, config: AgentConfig, keep_idle: bool) -> None:
        """Add or replace an agent; what the desk already gave them (open cases, pending
        offers) stays, and their limits are never set below that."""
        teams = {team: primary for team, primary in config.teams.items() if team in self.rules}
        old = self.agents.get(agent_id)
        agent = ModelAgent(
            agent_id,
            teams,
            config.presence,
            config.capacity,
            {},
            config.skills,
            old.idle_since if old and keep_idle else self.now,
            old.owned if old else {},
            old.offers if old else {},
        )
        agent.capacity = max(config.capacity, agent.load())
        agent.channel_capacity = {
            channel: max(limit, agent.on_channel(channel))
            for channel, limit in config.channel_capacity.items()
        }
        self.agents[agent_id] = agent
        self.router.upsert_agent(
            AgentState(
                id=agent_id,
                teams=dict(teams),
                presence=agent.presence,
                capacity=agent.capacity,
                channel_capacity=dict(agent.channel_capacity),
                skills=agent.skills,
                idle_since=agent.idle_since,
                active=agent.active(),
                offers=dict(agent.offers),
            )
        )

    @precondition(lambda self: self.agents)
    @rule(data=st.data(), presence=st.sampled_from(AgentPresence))
    def set_presence(self, data: st.DataObject, presence: AgentPresence) -> None:
        agent = self.agents[data.draw(st.sampled_from(sorted(self.agents)), label="agent")]
        self.router.set_presence(agent.id, presence, self.now)
        if presence is ONLINE and agent.presence is not ONLINE:
            agent.idle_since = self.now
        agent.presence = presence

    # ---- rules: offers -----------------------------------------------------------------

    @rule()
    def dispatch(self) -> None:
        lines = {team: [c.id for c in self.router.waiting(team)] for team in self.rules}
        offers = self.router.dispatch(self.now)
        served: dict[str, int] = {}  # team -> place in line of its last offered case
        for offer in offers:
            case = self.waiting[offer.case_id]
            assert case.offered_to is None, f"dispatch offered {case.id} twice"
            line = lines[case.team]
            place = line.index(case.id)
            assert place > served.get(case.team, -1), f"dispatch went back in line for {case.id}"
            served[case.team] = place
            # every case ahead of it was passed over for want of an agent, and agents
            # only lose room during a dispatch, so nobody may take those now either
            for other in line[:place]:
                assert self.waiting[other].offered_to is not None or (
                    self.expected_agent(self.waiting[other]) is None
                ), f"dispatch skipped {other} but offered {case.id}, behind it in line"
            assert offer.agent_id == self.expected_agent(case), f"dispatch {offer}"
            self.model_offer(offer.case_id, offer.agent_id)
        for cid in self.open_cases():
            assert self.expected_agent(self.waiting[cid]) is None, f"dispatch left {cid} out"

    @precondition(lambda self: self.waiting)
    @rule(data=st.data())
    def offer_by_case(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(self.waiting)), label="case")
        proposed = self.router.best_agent_for(cid, self.now)
        assert proposed == self.expected_agent(self.waiting[cid])
        if proposed is not None:
            assert self.router.offer(cid, proposed, self.now) == Offer(cid, proposed)
            self.model_offer(cid, proposed)

    @precondition(lambda self: self.agents)
    @rule(data=st.data())
    def offer_by_agent(self, data: st.DataObject) -> None:
        agent = self.agents[data.draw(st.sampled_from(sorted(self.agents)), label="agent")]
        proposed = self.router.best_case_for(agent.id, self.now)
        expected = self.expected_cases(agent)
        assert proposed in expected if expected else proposed is None
        if proposed is not None:
            self.router.offer(proposed, agent.id, self.now)
            self.model_offer(proposed, agent.id)

    @precondition(lambda self: any(c.offered_to is not None for c in self.waiting.values()))
    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(self.offered_cases()), label="case")
        agent_id = self.waiting[cid].offered_to
        assert agent_id is not None
        assert self.router.assign(cid, agent_id, self.now).id == cid
        self.model_assign(cid, agent_id)

    @precondition(lambda self: any(c.offered_to is not None for c in self.waiting.values()))
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(self.offered_cases()), label="case")
        case = self.waiting[cid]
        assert case.offered_to is not None
        self.router.decline(cid, case.offered_to)
        case.passed_by.add(case.offered_to)
        self.model_withdraw(case)

    @rule(dt=st.sampled_from([0, 1, 5, 10, 20]))
    def expire_offers(self, dt: int) -> None:
        self.now += dt
        expired = self.router.expired_offers(self.now)
        expected = {
            Offer(c.id, c.offered_to)
            for c in self.waiting.values()
            if c.offered_to is not None
            and c.offered_at is not None
            and self.now - c.offered_at >= self.rules[c.team].offer_timeout_s
        }
        assert len(expired) == len(set(expired))
        assert set(expired) == expected
        for offer in expired:
            self.router.decline(offer.case_id, offer.agent_id)
            case = self.waiting[offer.case_id]
            case.passed_by.add(offer.agent_id)
            self.model_withdraw(case)

    # ---- rules: taking, finishing, leaving, moving ---------------------------------------

    @precondition(lambda self: self.open_cases() and self.agents)
    @rule(data=st.data())
    def take_by_hand(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(self.open_cases()), label="case")
        channel = self.waiting[cid].needs.channel
        able = sorted(a.id for a in self.agents.values() if a.has_room(channel))
        if not able:
            return
        agent_id = data.draw(st.sampled_from(able), label="agent")
        assert self.router.assign(cid, agent_id, self.now).id == cid
        self.model_assign(cid, agent_id)

    @precondition(lambda self: self.waiting and self.agents)
    @rule(data=st.data())
    def take_refused(self, data: st.DataObject) -> None:
        """A case offered to someone else, or an agent without room: the router says no."""
        cid = data.draw(st.sampled_from(sorted(self.waiting)), label="case")
        case = self.waiting[cid]
        refused = sorted(
            a.id
            for a in self.agents.values()
            if case.offered_to not in (None, a.id)
            or (case.offered_to is None and not a.has_room(case.needs.channel))
        )
        if not refused:
            return
        agent_id = data.draw(st.sampled_from(refused), label="agent")
        with pytest.raises(RoutingError):
            self.router.assign(cid, agent_id, self.now)

    @precondition(lambda self: any(a.owned for a in self.agents.values()))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        agent_id, cid = data.draw(st.sampled_from(self.owned_cases()), label="owned")
        agent = self.agents[agent_id]
        case = agent.owned.pop(cid)
        self.router.release(agent_id, case.needs.channel, self.now)
        agent.idle_since = self.now

    @precondition(lambda self: self.waiting)
    @rule(data=st.data())
    def abandon(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(self.waiting)), label="case")
        assert self.router.remove_case(cid).id == cid
        self.model_withdraw(self.waiting.pop(cid))

    @precondition(lambda self: self.waiting or any(a.owned for a in self.agents.values()))
    @rule(data=st.data(), at_front=st.booleans(), keep_arrival=st.booleans())
    def transfer(self, data: st.DataObject, at_front: bool, keep_arrival: bool) -> None:
        """Out of the queue or an agent's hands, into a team's line (at its back by the
        sort key, or at its front by front_key), keeping the arrival time or not."""
        choices = [(0, cid) for cid in sorted(self.waiting)] + self.owned_cases()
        holder, cid = data.draw(st.sampled_from(choices), label="case")
        if holder == 0:
            self.router.remove_case(cid)
            case = self.waiting.pop(cid)
            self.model_withdraw(case)
        else:
            case = self.agents[holder].owned.pop(cid)
            self.router.release(holder, case.needs.channel, self.now)
            self.agents[holder].idle_since = self.now
        team = data.draw(st.sampled_from(sorted(self.rules)), label="to team")
        arrival = case.enqueued_at if keep_arrival else self.now
        self.enqueue(cid, team, case.priority, case.needs, arrival, at_front=at_front)

    # ---- invariants --------------------------------------------------------------------

    @invariant()
    def each_case_has_one_owner_or_waits(self) -> None:
        assert set(self.router.cases) == set(self.waiting)
        owned = [cid for a in self.agents.values() for cid in a.owned]
        assert len(owned) == len(set(owned)), "a case owned by two agents"
        assert not set(owned) & set(self.router.cases), "a case both owned and waiting"
        assert set(self.router.agents) == set(self.agents)
        for agent in self.agents.values():
            held = self.router.agents[agent.id]
            assert +held.active == agent.active(), f"agent {agent.id}'s open cases"

    @invariant()
    def nobody_above_capacity(self) -> None:
        for agent in self.router.agents.values():
            assert agent.load <= agent.capacity, f"agent {agent.id} above capacity"
            for channel, limit in agent.channel_capacity.items():
                offered = sum(1 for c in agent.offers.values() if c == channel)
                assert agent.active[channel] + offered <= limit, f"agent {agent.id} on {channel}"

    @invariant()
    def every_waiting_case_is_in_exactly_its_own_queue(self) -> None:
        seen: Counter[str] = Counter()
        for team in TEAM_NAMES:
            line = [case.id for case in self.router.waiting(team)]
            seen.update(line)
            for place, cid in enumerate(line, start=1):
                assert self.waiting[cid].team == team, f"{cid} in the wrong team's queue"
                assert self.router.position(cid) == place
        assert seen == Counter(list(self.waiting)), "a case missing from or twice in the queues"

    @invariant()
    def queues_are_in_sort_key_order(self) -> None:
        for team in self.rules:
            rules = self.rules[team]
            line = list(self.router.waiting(team))
            keys = [case.sort_key for case in line]
            assert keys == sorted(keys), f"team {team} out of sort key order"
            for case in line:
                model = self.waiting[case.id]
                assert case.sort_key == model.sort_key and case.enqueued_at == model.enqueued_at
                if not model.at_front:
                    assert case.sort_key == case.enqueued_at - rules.head_start_s(case.priority)
            aged = [c for c in line if not self.waiting[c.id].at_front]
            for i, ahead in enumerate(aged):
                for behind in aged[i + 1 :]:
                    if ahead.priority is behind.priority:
                        assert ahead.enqueued_at <= behind.enqueued_at, (
                            f"{behind.id} arrived first but waits behind {ahead.id}"
                        )
                    elif ahead.priority.rank < behind.priority.rank:
                        head_start = rules.head_start_s(behind.priority) - rules.head_start_s(
                            ahead.priority
                        )
                        assert behind.enqueued_at - ahead.enqueued_at > head_start, (
                            f"{ahead.id} ({ahead.priority}) ahead of {behind.id} "
                            f"({behind.priority}) without waiting more than {head_start}s longer"
                        )

    @invariant()
    def offers_are_held_by_exactly_their_agent(self) -> None:
        for case in self.router.cases.values():
            model = self.waiting[case.id]
            assert case.offered_to == model.offered_to and case.offered_at == model.offered_at
            assert case.passed_by == model.passed_by
            if case.offered_to is None:
                continue
            holders = [a.id for a in self.router.agents.values() if case.id in a.offers]
            assert holders == [case.offered_to], f"{case.id} held by {holders}"
            assert self.router.agents[case.offered_to].offers[case.id] == case.needs.channel
        for agent in self.router.agents.values():
            assert agent.offers == self.agents[agent.id].offers
            for cid in agent.offers:
                assert cid in self.router.cases, f"agent {agent.id} holds an offer for {cid}"
                assert self.router.cases[cid].offered_to == agent.id

    @invariant()
    def proposals_are_eligible_and_best(self) -> None:
        for cid, case in sorted(self.waiting.items()):
            proposed = self.router.best_agent_for(cid, self.now)
            if proposed is not None:
                assert self.match(self.agents[proposed], case) is not None, (
                    f"best_agent_for({cid}) proposed ineligible agent {proposed}"
                )
            assert proposed == self.expected_agent(case), f"best_agent_for({cid})"
        for agent_id, agent in sorted(self.agents.items()):
            picked = self.router.best_case_for(agent_id, self.now)
            if picked is not None:
                assert self.match(agent, self.waiting[picked]) is not None, (
                    f"best_case_for({agent_id}) proposed {picked}, which they may not take"
                )
            expected = self.expected_cases(agent)
            assert picked in expected if expected else picked is None, (
                f"best_case_for({agent_id}) gave {picked}, expected one of {sorted(expected)}"
            )


RouterMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRouterMachine = RouterMachine.TestCase
