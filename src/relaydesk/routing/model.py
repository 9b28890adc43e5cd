"""What the router reasons about: teams' rules, agents' skills and load, waiting cases.

Plain values, no I/O. Times are seconds since the epoch (floats): the router compares
them millions of times a second in the simulator and the benchmark.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from relaydesk.domain.vocab import AgentPresence, Priority


class Strategy(StrEnum):
    LONGEST_IDLE = "longest_idle"  # the agent who has waited longest for a case gets it
    LEAST_LOADED = "least_loaded"  # the lowest share of capacity in use, then longest idle


@dataclass(frozen=True)
class TeamRules:
    """One team's routing settings (the routing file's `teams:` entries)."""

    key: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    offer_timeout_s: float = 30.0  # an unanswered offer goes to the next agent
    first_reply_s: float = 180.0  # accepted but silent: the agent is nudged...
    first_reply_grace_s: float = 60.0  # ...and after this much more, the case is re-queued
    overflow_after_s: float = 180.0  # then overflow teams and relaxed skills may take it
    overflow_teams: tuple[str, ...] = ()  # teams whose agents help once a case overflows
    aging_step_s: float = 300.0  # head start per priority step: low cannot starve
    handle_time_s: float = 300.0  # prior for the live handle-time estimate
    check_in_after_s: float = 600.0  # silent this long in the queue: "are you still there?"
    check_in_timeout_s: float = 120.0  # no answer to that within this: abandoned

    def head_start_s(self, priority: Priority) -> float:
        """How much earlier than its arrival a case of this priority is served.

        Urgent is three steps ahead of low: with the default step, a low case that has
        waited 15 minutes goes before an urgent one that just arrived (aging), and within
        one priority the order is first come, first served.
        """
        return priority.rank * self.aging_step_s

    def sort_key(self, priority: Priority, enqueued_at: float) -> float:
        return enqueued_at - self.head_start_s(priority)


@dataclass(frozen=True)
class Needs:
    """What a case asks of the person who takes it."""

    language: str
    channel: str
    topic: str | None = None
    tier: str = "standard"


@dataclass(frozen=True)
class Skills:
    """What an agent can take. An empty set means any value (no restriction)."""

    languages: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()

    def covers(self, needs: Needs) -> bool:
        return (
            _allows(self.languages, needs.language)
            and _allows(self.channels, needs.channel)
            and _allows(self.topics, needs.topic)
            and _allows(self.tiers, needs.tier)
        )

    def covers_relaxed(self, needs: Needs) -> bool:
        """The overflow match: only the customer's language still has to fit."""
        return _allows(self.languages, needs.language)


SKILL_KINDS = frozenset(("languages", "channels", "topics", "tiers"))  # Skills' fields


def _allows(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or value is None or value in allowed


@dataclass
class AgentState:
    id: int
    teams: dict[str, bool]  # team key -> primary membership
    presence: AgentPresence = AgentPresence.OFFLINE
    capacity: int = 3
    channel_capacity: dict[str, int] = field(default_factory=dict)  # optional per channel
    skills: Skills = Skills()
    idle_since: float = 0.0  # the last time they were given a case (or came online)
    active: Counter[str] = field(default_factory=Counter)  # open cases by channel
    offers: dict[str, str] = field(default_factory=dict)  # case id -> channel, unanswered

    @property
    def load(self) -> int:
        """Open cases plus pending offers: an offer holds a slot until it is answered."""
        return self.active.total() + len(self.offers)

    def has_room(self, channel: str) -> bool:
        """Online, and one more case on `channel` fits (`fits`)."""
        return self.presence is AgentPresence.ONLINE and self.fits(channel)

    def fits(self, channel: str) -> bool:
        """One more case on `channel` stays within capacity, in total and on the channel."""
        if self.load >= self.capacity:
            return False
        limit = self.channel_capacity.get(channel)
        if limit is None:
            return True
        offered = sum(1 for on in self.offers.values() if on == channel)
        return self.active[channel] + offered < limit


@dataclass
class CaseState:
    """A case waiting in its team's queue."""

    id: str
    team: str
    priority: Priority
    needs: Needs
    enqueued_at: float
    sort_key: float
    offered_to: int | None = None
    offered_at: float | None = None
    passed_by: set[int] = field(default_factory=set)  # declined it or let the offer expire
