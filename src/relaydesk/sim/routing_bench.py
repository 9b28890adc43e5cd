"""`relaydesk bench routing`: how long one routing decision takes at scale.

A router is filled with random agents (one primary team, sometimes a secondary one;
random skills, many of them "any"; capacities 1-5 with some load below capacity; most
online) and random waiting cases (random teams, priorities and needs, arrived over the
last hour). Then decisions are timed one by one, `time.perf_counter_ns` around the
decision call only, in a mix of the router's two questions:

- a case arrives: `best_agent_for(case)`; if someone is found the case is offered and
  assigned, and one random open conversation ends, so the total load stays level; if
  nobody is found a random waiting case abandons, so the queue stays level;
- an agent frees up (one of their conversations ends): `best_case_for(agent)`; if a case
  is found it is offered and assigned and a new case arrives, so the queue stays level.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing.model import AgentState, CaseState, Needs, Skills, Strategy, TeamRules
from relaydesk.routing.router import Router

LANGUAGES = ("en", "de", "fr", "es")
LANGUAGE_WEIGHTS = (6, 2, 1, 1)
CHANNELS = ("webchat", "email", "whatsapp")
TOPICS = ("billing", "logistics", "returns", "technical")
TIERS = ("standard", "vip")
PRIORITY_WEIGHTS = {Priority.LOW: 2, Priority.NORMAL: 6, Priority.HIGH: 1.5, Priority.URGENT: 0.5}
ARRIVAL_SHARE = 0.5  # the share of decisions that are "a case arrives"
SECONDARY_TEAM_SHARE = 0.3
OVERFLOW_TEAM_SHARE = 0.5  # teams that name another team to help once a case overflows
ONLINE_SHARE = 0.9
ANY_SKILL_SHARE = {"languages": 0.4, "channels": 0.5, "topics": 0.6, "tiers": 0.7}
MAX_CAPACITY = 5
QUEUE_SPAN_S = 3600.0  # the waiting cases arrived over this last stretch
DECISION_GAP_S = 0.05  # simulated time between two decisions
PROGRESS_STEPS = 10

Say = Callable[[str], None]


@dataclass(frozen=True)
class BenchConfig:
    agents: int = 1000
    waiting: int = 10000
    teams: int = 8
    decisions: int = 20000
    seed: int = 1


class BenchError(ValueError):
    """The sizes asked for make no benchmark; the message says why."""


class RoutingBench:
    """A router filled at random, and the bookkeeping that keeps its sizes level."""

    def __init__(self, config: BenchConfig) -> None:
        if config.agents < 1 or config.teams < 1 or config.waiting < 1 or config.decisions < 1:
            raise BenchError("agents, teams, waiting and decisions must all be at least 1")
        self.config = config
        self.now = 1_000_000.0
        self._rng = random.Random(config.seed)
        self._case_numbers = itertools.count(1)
        rules = [self._random_team(number, config.teams) for number in range(config.teams)]
        self.router = Router({team.key: team for team in rules})
        self._team_keys = [team.key for team in rules]
        # Open conversations of online agents, (agent id, channel): the ones that can end.
        self._conversations: list[tuple[int, str]] = []
        for agent_id in range(1, config.agents + 1):
            self._add_random_agent(agent_id)
        # The waiting cases' ids, for picking one at random (with each id's place).
        self._waiting_ids: list[str] = []
        self._waiting_places: dict[str, int] = {}
        for _ in range(config.waiting):
            self._add_random_case(self.now - self._rng.uniform(0.0, QUEUE_SPAN_S))
        self.timings_ns: dict[str, list[int]] = {"best_agent_for": [], "best_case_for": []}
        self.matched: Counter[str] = Counter()

    # ---- building -------------------------------------------------------------------

    def _random_team(self, number: int, teams: int) -> TeamRules:
        rng = self._rng
        overflow: tuple[str, ...] = ()
        if teams > 1 and rng.random() < OVERFLOW_TEAM_SHARE:
            helper = rng.choice([n for n in range(teams) if n != number])
            overflow = (f"team{helper}",)
        return TeamRules(
            key=f"team{number}", strategy=rng.choice(list(Strategy)), overflow_teams=overflow
        )

    def _add_random_agent(self, agent_id: int) -> None:
        rng = self._rng
        primary = rng.choice(self._team_keys)
        teams = {primary: True}
        if len(self._team_keys) > 1 and rng.random() < SECONDARY_TEAM_SHARE:
            teams[rng.choice([t for t in self._team_keys if t != primary])] = False
        skills = Skills(
            languages=self._some("languages", LANGUAGES, always="en"),
            channels=self._some("channels", CHANNELS),
            topics=self._some("topics", TOPICS),
            tiers=self._some("tiers", TIERS, always="standard"),
        )
        capacity = rng.randint(1, MAX_CAPACITY)
        online = rng.random() < ONLINE_SHARE
        active: Counter[str] = Counter(
            rng.choice(CHANNELS) for _ in range(rng.randint(0, capacity - 1))
        )
        self.router.upsert_agent(
            AgentState(
                id=agent_id,
                teams=teams,
                presence=AgentPresence.ONLINE if online else AgentPresence.AWAY,
                capacity=capacity,
                skills=skills,
                idle_since=self.now - rng.uniform(0.0, QUEUE_SPAN_S),
                active=active,
            )
        )
        if online:
            self._conversations.extend((agent_id, channel) for channel in active.elements())

    def _some(
        self, kind: str, values: tuple[str, ...], always: str | None = None
    ) -> frozenset[str]:
        """A random skill set: empty (any value) for a share of agents, else one or two
        values, plus `always` (most agents speak English and take standard cases)."""
        rng = self._rng
        if rng.random() < ANY_SKILL_SHARE[kind]:
            return frozenset()
        chosen = set(rng.sample(values, rng.randint(1, 2)))
        if always is not None:
            chosen.add(always)
        return frozenset(chosen)

    def _add_random_case(self, enqueued_at: float) -> None:
        rng = self._rng
        team = rng.choice(self._team_keys)
        priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
        needs = Needs(
            language=rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS)[0],
            channel=rng.choice(CHANNELS),
            topic=rng.choice((*TOPICS, None)),
            tier="vip" if rng.random() < 0.15 else "standard",
        )
        case_id = f"c{next(self._case_numbers)}"
        self.router.add_case(
            CaseState(
                id=case_id,
                team=team,
                priority=priority,
                needs=needs,
                enqueued_at=enqueued_at,
                sort_key=self.router.rules(team).sort_key(priority, enqueued_at),
            )
        )
        self._waiting_places[case_id] = len(self._waiting_ids)
        self._waiting_ids.append(case_id)

    def _forget_waiting(self, case_id: str) -> None:
        """Drop a case from the random-pick list (moving the last id into its place)."""
        place = self._waiting_places.pop(case_id)
        last = self._waiting_ids.pop()
        if last != case_id:
            self._waiting_ids[place] = last
            self._waiting_places[last] = place

    def _end_random_conversation(self) -> int:
        """One random open conversation ends; returns its agent."""
        conversations, rng = self._conversations, self._rng
        place = rng.randrange(len(conversations))
        conversations[place], conversations[-1] = conversations[-1], conversations[place]
        agent_id, channel = conversations.pop()
        self.router.release(agent_id, channel, self.now)
        return agent_id

    def _take(self, case_id: str, agent_id: int) -> None:
        case = self.router.cases[case_id]
        self.router.offer(case_id, agent_id, self.now)
        self.router.assign(case_id, agent_id, self.now)
        self._forget_waiting(case_id)
        self._conversations.append((agent_id, case.needs.channel))

    # ---- decisions ------------------------------------------------------------------

    def decide(self) -> None:
        """One timed decision, then applied."""
        self.now += DECISION_GAP_S
        if not self._conversations or self._rng.random() < ARRIVAL_SHARE:
            self._case_arrives()
        else:
            self._agent_frees_up()

    def _case_arrives(self) -> None:
        self._add_random_case(self.now)
        case_id = self._waiting_ids[-1]
        started = time.perf_counter_ns()
        agent_id = self.router.best_agent_for(case_id, self.now)
        self.timings_ns["best_agent_for"].append(time.perf_counter_ns() - started)
        if agent_id is None:
            leaving = self._rng.choice(self._waiting_ids)
            self.router.remove_case(leaving)
            self._forget_waiting(leaving)
            return
        self.matched["best_agent_for"] += 1
        self._take(case_id, agent_id)
        self._end_random_conversation()

    def _agent_frees_up(self) -> None:
        agent_id = self._end_random_conversation()
        started = time.perf_counter_ns()
        case_id = self.router.best_case_for(agent_id, self.now)
        self.timings_ns["best_case_for"].append(time.perf_counter_ns() - started)
        if case_id is None:
            return
        self.matched["best_case_for"] += 1
        self._take(case_id, agent_id)
        self._add_random_case(self.now)

    def run(self, say: Say | None = None) -> dict[str, Any]:
        decisions = self.config.decisions
        every = max(1, decisions // PROGRESS_STEPS)
        for done in range(1, decisions + 1):
            self.decide()
            if say is not None and done % every == 0:
                say(f"{done}/{decisions} decisions")
        return self.report()

    def report(self) -> dict[str, Any]:
        all_ns = np.array(self.timings_ns["best_agent_for"] + self.timings_ns["best_case_for"])
        report: dict[str, Any] = {
            "agents": self.config.agents,
            "waiting": self.config.waiting,
            "teams": self.config.teams,
            "decisions": int(all_ns.size),
            "seed": self.config.seed,
            "decisions_per_s": round(all_ns.size / (all_ns.sum() / 1e9), 1),
            **_percentiles_ms(all_ns, ""),
            "mix": {kind: len(timings) for kind, timings in self.timings_ns.items()},
            "matched": {kind: self.matched[kind] for kind in self.timings_ns},
            "waiting_at_end": len(self.router.cases),
        }
        for kind, timings in self.timings_ns.items():
            if timings:
                report.update(_percentiles_ms(np.array(timings), f"{kind}_"))
        return report


def run_routing_bench(config: BenchConfig, say: Say | None = None) -> dict[str, Any]:
    if say is not None:
        say(f"building a router: {config.agents} agents, {config.waiting} waiting cases")
    return RoutingBench(config).run(say)


def _percentiles_ms(timings_ns: np.ndarray, prefix: str) -> dict[str, float]:
    p50, p99, p999 = np.percentile(timings_ns, [50, 99, 99.9]) / 1e6
    return {
        f"{prefix}p50_ms": round(float(p50), 4),
        f"{prefix}p99_ms": round(float(p99), 4),
        f"{prefix}p999_ms": round(float(p999), 4),
        f"{prefix}max_ms": round(float(timings_ns.max()) / 1e6, 4),
    }
