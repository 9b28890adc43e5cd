"""The router: which waiting case goes to which agent, decided in memory from indexes.

One `Router` holds a snapshot of the teams' queues and agents. The service builds one from
the database for each routing pass and the simulator keeps one for a whole run, so both
run exactly this code. Every decision is a pure function of the state held here:

- the queue order is a sort key per case, `enqueued_at - head start of its priority`
  (`TeamRules.sort_key`): first come, first served within a priority, higher priorities
  ahead, and a low priority case ages past newer urgent ones instead of starving;
- a case is offered to one agent at a time; the offer holds a slot of that agent's
  capacity until it is accepted, declined or expires, and an agent who passed on a case
  is not offered it again;
- the agent is the best one by the team's strategy among those online, with room (in
  total and on the case's channel), whose skills cover what the case needs;
- after the team's overflow wait, agents of the overflow teams (secondary members, and
  members of `overflow_teams`) and agents with only the customer's language in common
  may take the case too, in its same place in line.

Indexes keep each decision cheap with thousands of agents and cases waiting: per team,
the cases in order, the cases grouped by what they need (so an agent looks at one head
per group, not at every case), and the agents with room ordered by the team's strategy.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from sortedcontainers import SortedList

from relaydesk.domain.vocab import AgentPresence
from relaydesk.routing.model import (
    AgentState,
    CaseState,
    Needs,
    Strategy,
    TeamRules,
)

Key = tuple[float, int, str]  # queue order: sort key, then higher priority, then case id


def _key(case: CaseState) -> Key:
    """Where a case stands in line. Equal sort keys (a low case that has waited exactly
    its priority's head start) go to the higher priority."""
    return (case.sort_key, -case.priority.rank, case.id)


class Mode(Enum):
    PRIMARY = 1  # the team's own agent: any of its cases their skills cover
    OVERFLOW = 2  # helps out: only cases waiting past the team's overflow wait


class RoutingError(Exception):
    """A request the router's state does not allow (the service turns it into a 409)."""


@dataclass(frozen=True)
class Offer:
    case_id: str
    agent_id: int


class Router:
    def __init__(self, teams: dict[str, TeamRules]) -> None:
        self.teams = dict(teams)
        self.agents: dict[int, AgentState] = {}
        self.cases: dict[str, CaseState] = {}
        self._queue: dict[str, SortedList] = {}  # team -> _key(case), all waiting
        self._open: dict[str, dict[Needs, SortedList]] = {}  # team -> needs -> not offered
        self._pool: dict[str, dict[int, Mode]] = {}  # team -> agents who may serve it
        self._free: dict[str, SortedList] = {}  # team -> (strategy key, agent id) with room
        self._free_keys: dict[int, dict[str, tuple[object, ...]]] = {}
        # Open cases whose sort key is later than their arrival (put back in front after
        # waiting): the overflow scan cannot stop early on their account. Few at a time.
        self._put_in_front: dict[tuple[str, Needs], set[str]] = {}

    # ---- teams and agents -------------------------------------------------------------

    def rules(self, team: str) -> TeamRules:
        rules = self.teams.get(team)
        if rules is None:
            rules = self.teams[team] = TeamRules(key=team)
        return rules

    def upsert_agent(self, agent: AgentState) -> None:
        """Add an agent, or replace what is known of one (presence, skills, teams, load)."""
        if agent.id in self.agents:
            self._unindex_agent(agent.id)
        self.agents[agent.id] = agent
        for team, mode in self._modes(agent).items():
            self._pool.setdefault(team, {})[agent.id] = mode
        self._refresh(agent)

    def remove_agent(self, agent_id: int) -> None:
        if agent_id in self.agents:
            self._unindex_agent(agent_id)
            del self.agents[agent_id]

    def set_presence(self, agent_id: int, presence: AgentPresence, now: float) -> None:
        agent = self.agents[agent_id]
        if presence is AgentPresence.ONLINE and agent.presence is not AgentPresence.ONLINE:
            agent.idle_since = now
        agent.presence = presence
        self._refresh(agent)

    def _modes(self, agent: AgentState) -> dict[str, Mode]:
        modes = {
            t: Mode.PRIMARY if primary else Mode.OVERFLOW for t, primary in agent.teams.items()
        }
        primary_teams = {t for t, primary in agent.teams.items() if primary}
        for key, rules in self.teams.items():
            if key not in modes and primary_teams.intersection(rules.overflow_teams):
                modes[key] = Mode.OVERFLOW
        return modes

    def _unindex_agent(self, agent_id: int) -> None:
        self._drop_free(agent_id)
        for pool in self._pool.values():
            pool.pop(agent_id, None)

    def _drop_free(self, agent_id: int) -> None:
        for team, key in self._free_keys.pop(agent_id, {}).items():
            self._free[team].discard((key, agent_id))

    def _refresh(self, agent: AgentState) -> None:
        """Re-file an agent among those with room after any change to them."""
        self._drop_free(agent.id)
        if agent.presence is not AgentPresence.ONLINE or agent.load >= agent.capacity:
            return
        keys: dict[str, tuple[object, ...]] = {}
        for team, pool in self._pool.items():
            if agent.id in pool:
                key = self._strategy_key(self.rules(team).strategy, agent)
                self._free.setdefault(team, SortedList()).add((key, agent.id))
                keys[team] = key
        self._free_keys[agent.id] = keys

    @staticmethod
    def _strategy_key(strategy: Strategy, agent: AgentState) -> tuple[object, ...]:
        if strategy is Strategy.LEAST_LOADED:
            return (agent.load / agent.capacity, agent.idle_since)
        return (agent.idle_since,)

    # ---- cases ------------------------------------------------------------------------

    def add_case(self, case: CaseState) -> None:
        if case.id in self.cases:
            raise RoutingError(f"case {case.id} is already waiting in team {case.team}")
        self.cases[case.id] = case
        self._queue.setdefault(case.team, SortedList()).add(_key(case))
        if case.offered_to is None:
            self._file_open(case)
        else:
            agent = self.agents.get(case.offered_to)
            if agent is None:  # offered to someone no longer here: back in line
                case.offered_to = case.offered_at = None
                self._file_open(case)
            else:
                agent.offers[case.id] = case.needs.channel
                self._refresh(agent)

    def front_key(self, team: str) -> float | None:
        """A sort key ahead of every case waiting in the team (None: the queue is empty)."""
        queue = self._queue.get(team)
        return queue[0][0] - 1.0 if queue else None

    def remove_case(self, case_id: str) -> CaseState:
        """Take a case out of the router (abandoned, transferred away, taken by hand)."""
        case = self._case(case_id)
        if case.offered_to is not None:
            self._withdraw_offer(case)  # frees the agent's slot (and files the case open)
        self._unfile_open(case)
        self._queue[case.team].discard(_key(case))
        del self.cases[case_id]
        return case

    def position(self, case_id: str) -> int:
        """1-based place in the team's queue."""
        case = self._case(case_id)
        return self._queue[case.team].index(_key(case)) + 1

    def waiting(self, team: str) -> Iterator[CaseState]:
        """The team's waiting cases in the order they will be served."""
        for *_, case_id in self._queue.get(team, ()):
            yield self.cases[case_id]

    def _case(self, case_id: str) -> CaseState:
        case = self.cases.get(case_id)
        if case is None:
            raise RoutingError(f"case {case_id} is not waiting")
        return case

    def _file_open(self, case: CaseState) -> None:
        groups = self._open.setdefault(case.team, {})
        groups.setdefault(case.needs, SortedList()).add(_key(case))
        if case.sort_key > case.enqueued_at:
            self._put_in_front.setdefault((case.team, case.needs), set()).add(case.id)

    def _unfile_open(self, case: CaseState) -> None:
        groups = self._open[case.team]
        group = groups[case.needs]
        group.discard(_key(case))
        if not group:
            del groups[case.needs]
        front = self._put_in_front.get((case.team, case.needs))
        if front is not None:
            front.discard(case.id)
            if not front:
                del self._put_in_front[(case.team, case.needs)]

    # ---- offers -----------------------------------------------------------------------

    def offer(self, case_id: str, agent_id: int, now: float) -> Offer:
        case = self._case(case_id)
        agent = self.agents[agent_id]
        if case.offered_to is not None:
            raise RoutingError(f"case {case_id} is already offered to agent {case.offered_to}")
        if not agent.has_room(case.needs.channel):
            raise RoutingError(f"agent {agent_id} has no room for a {case.needs.channel} case")
        self._unfile_open(case)
        case.offered_to, case.offered_at = agent_id, now
        agent.offers[case.id] = case.needs.channel
        self._refresh(agent)
        return Offer(case_id, agent_id)

    def decline(self, case_id: str, agent_id: int) -> None:
        """The agent said no, or let the offer expire: the next agent gets it."""
        case = self._case(case_id)
        if case.offered_to != agent_id:
            raise RoutingError(f"case {case_id} is not offered to agent {agent_id}")
        self._withdraw_offer(case)
        case.passed_by.add(agent_id)

    def _withdraw_offer(self, case: CaseState) -> None:
        agent = self.agents.get(case.offered_to) if case.offered_to is not None else None
        if agent is not None:
            agent.offers.pop(case.id, None)
            self._refresh(agent)
        case.offered_to = case.offered_at = None
        self._file_open(case)

    def expired_offers(self, now: float) -> list[Offer]:
        return [
            Offer(case.id, case.offered_to)
            for case in self.cases.values()
            if case.offered_to is not None
            and case.offered_at is not None
            and now - case.offered_at >= self.rules(case.team).offer_timeout_s
        ]

    def assign(self, case_id: str, agent_id: int, now: float) -> CaseState:
        """The agent takes the case (accepting its offer, or from the queue when it is not
        offered to anyone else): it leaves the queue and counts against their capacity."""
        case = self._case(case_id)
        agent = self.agents.get(agent_id)
        if agent is None:
            raise RoutingError(f"agent {agent_id} is not known to the router")
        if case.offered_to not in (None, agent_id):
            raise RoutingError(f"case {case_id} is offered to another agent")
        if case.offered_to is None:
            if not agent.has_room(case.needs.channel):
                raise RoutingError(f"agent {agent_id} has no room for a {case.needs.channel} case")
            self._unfile_open(case)
        agent.offers.pop(case.id, None)
        self._queue[case.team].discard(_key(case))
        del self.cases[case_id]
        agent.active[case.needs.channel] += 1
        agent.idle_since = now
        self._refresh(agent)
        return case

    def release(self, agent_id: int, channel: str, now: float) -> None:
        """One of the agent's cases ended (resolved, handed back, transferred away)."""
        agent = self.agents[agent_id]
        if agent.active[channel] <= 0:
            raise RoutingError(f"agent {agent_id} has no open {channel} case")
        agent.active[channel] -= 1
        agent.idle_since = now
        self._refresh(agent)

    # ---- decisions --------------------------------------------------------------------

    def best_agent_for(self, case_id: str, now: float) -> int | None:
        """Who should be offered this case now (None: nobody suitable has room)."""
        case = self._case(case_id)
        if case.offered_to is not None:
            return None
        rules = self.rules(case.team)
        overflowing = case.enqueued_at <= now - rules.overflow_after_s  # as best_case_for
        pool = self._pool.get(case.team, {})
        fallback: int | None = None
        for _, agent_id in self._free.get(case.team, ()):
            if agent_id in case.passed_by:
                continue
            agent = self.agents[agent_id]
            if not agent.has_room(case.needs.channel):
                continue
            strict = agent.skills.covers(case.needs)
            if strict and pool[agent_id] is Mode.PRIMARY:
                return agent_id
            if overflowing and agent.skills.covers_relaxed(case.needs):
                if strict:  # an overflow-team agent with every skill beats a relaxed match
                    return agent_id
                if fallback is None:
                    fallback = agent_id
        return fallback

    def best_case_for(self, agent_id: int, now: float) -> str | None:
        """Which waiting case this agent should be offered now (None: nothing for them)."""
        agent = self.agents.get(agent_id)
        if agent is None or agent.presence is not AgentPresence.ONLINE:
            return None
        best: Key | None = None
        room: dict[str, bool] = {}  # per channel, for this call
        for team, pool in self._pool.items():
            mode = pool.get(agent_id)
            if mode is None:
                continue
            overflow_before = now - self.rules(team).overflow_after_s
            for needs, group in self._open.get(team, {}).items():
                if best is not None and group[0] >= best:
                    continue  # nothing in this group comes before the best found so far
                if needs.channel not in room:
                    room[needs.channel] = agent.has_room(needs.channel)
                if not room[needs.channel]:
                    continue
                if mode is Mode.PRIMARY and agent.skills.covers(needs):
                    found = self._first(group, agent_id, None)
                elif agent.skills.covers_relaxed(needs):
                    found = self._first_overflowing(team, needs, group, agent_id, overflow_before)
                else:
                    continue
                if found is not None and (best is None or found < best):
                    best = found
        return best[-1] if best is not None else None

    def _first(self, group: SortedList, agent_id: int, enqueued_before: float | None) -> Key | None:
        """The first case of a group this agent may take (None: none). With
        `enqueued_before`, only cases that arrived by then; a sort key is never later than
        its case's arrival (except for cases put back in front, see `_first_overflowing`),
        so the scan stops at the first key past that instant."""
        for entry in group:
            if enqueued_before is not None and entry[0] > enqueued_before:
                return None
            case = self.cases[entry[-1]]
            if agent_id in case.passed_by:
                continue
            if enqueued_before is not None and case.enqueued_at > enqueued_before:
                continue
            return entry
        return None

    def _first_overflowing(
        self, team: str, needs: Needs, group: SortedList, agent_id: int, enqueued_before: float
    ) -> Key | None:
        """The first case of a group that has waited past the overflow wait."""
        found = self._first(group, agent_id, enqueued_before)
        for case_id in self._put_in_front.get((team, needs), ()):
            case = self.cases[case_id]
            if case.enqueued_at <= enqueued_before and agent_id not in case.passed_by:
                key = _key(case)
                if found is None or key < found:
                    found = key
        return found

    def dispatch(self, now: float) -> list[Offer]:
        """Every offer to make now: all queues merged in line order (so an agent in two
        teams gets the case that has waited longest by the aging rule), the best agent for
        each case, until nobody anywhere has room."""
        offers = []
        for *_, case_id in heapq.merge(*self._queue.values()):
            if not any(self._free.values()):
                break
            case = self.cases[case_id]
            if case.offered_to is not None or not self._free.get(case.team):
                continue
            agent_id = self.best_agent_for(case_id, now)
            if agent_id is not None:
                offers.append(self.offer(case_id, agent_id, now))
        return offers
