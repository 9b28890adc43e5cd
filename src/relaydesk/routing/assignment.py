"""Who may take a case, and who should be offered it first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from relaydesk.domain.vocab import AgentPresence


@dataclass(frozen=True)
class AgentLoad:
    agent_id: int
    presence: AgentPresence
    capacity: int
    active: int  # conversations assigned now
    teams: frozenset[str]
    last_assigned_at: datetime | None = None

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.active)


class CapacityFull(Exception):
    pass


def can_take(agent: AgentLoad, team: str) -> bool:
    return agent.presence is AgentPresence.ONLINE and team in agent.teams and agent.free > 0


def check_can_accept(agent: AgentLoad) -> None:
    """An agent accepting a case by hand must still be under their capacity."""
    if agent.free <= 0:
        raise CapacityFull(
            f"you already have {agent.active} open conversations (your capacity is "
            f"{agent.capacity}); resolve or hand one back first"
        )


def pick_agent(candidates: Iterable[AgentLoad], team: str) -> AgentLoad | None:
    """Least loaded first, then the one idle longest (never assigned counts as idlest)."""
    eligible = [agent for agent in candidates if can_take(agent, team)]
    if not eligible:
        return None
    return min(
        eligible,
        key=lambda a: (
            a.active / a.capacity,
            a.last_assigned_at is not None,
            a.last_assigned_at or datetime.min,
            a.agent_id,
        ),
    )
