from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing.assignment import AgentLoad, CapacityFull, check_can_accept, pick_agent
from relaydesk.routing.estimate import estimate_wait_s, wait_minutes
from relaydesk.routing.queue import Waiting, ordered, position

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def waiting(cid: str, priority: Priority, minutes: int) -> Waiting:
    return Waiting(cid, priority.rank, T0 + timedelta(minutes=minutes))


def test_priority_first_then_first_come_first_served() -> None:
    entries = [
        waiting("a", Priority.NORMAL, 0),
        waiting("b", Priority.URGENT, 5),
        waiting("c", Priority.NORMAL, 1),
        waiting("d", Priority.HIGH, 9),
        waiting("e", Priority.LOW, -10),
    ]
    assert [e.conversation_id for e in ordered(entries)] == ["b", "d", "a", "c", "e"]
    assert position(entries, "c") == 4
    with pytest.raises(ValueError, match="not in this queue"):
        position(entries, "zz")


def agent(aid: int, active: int, capacity: int = 3, **kw: object) -> AgentLoad:
    return AgentLoad(
        aid,
        kw.get("presence", AgentPresence.ONLINE),  # type: ignore[arg-type]
        capacity,
        active,
        frozenset(kw.get("teams", {"billing"})),  # type: ignore[arg-type]
        kw.get("last"),  # type: ignore[arg-type]
    )


def test_pick_least_loaded_online_member_under_capacity() -> None:
    agents = [
        agent(1, 2),
        agent(2, 1),
        agent(3, 0, presence=AgentPresence.OFFLINE),
        agent(4, 0, teams={"logistics"}),
        agent(5, 3),
    ]
    picked = pick_agent(agents, "billing")
    assert picked is not None and picked.agent_id == 2


def test_pick_longest_idle_on_equal_load() -> None:
    agents = [agent(1, 1, last=T0), agent(2, 1, last=T0 - timedelta(hours=1))]
    picked = pick_agent(agents, "billing")
    assert picked is not None and picked.agent_id == 2


def test_nobody_eligible() -> None:
    assert pick_agent([agent(1, 3), agent(2, 0, presence=AgentPresence.AWAY)], "billing") is None


def test_capacity_is_enforced_on_manual_accept() -> None:
    check_can_accept(agent(1, 2))
    with pytest.raises(CapacityFull, match="capacity is 3"):
        check_can_accept(agent(1, 3))


def test_wait_estimate() -> None:
    assert estimate_wait_s(1, servers=0, free=0, handle_time_s=300) is None
    assert estimate_wait_s(2, servers=3, free=2, handle_time_s=300) == 0
    assert estimate_wait_s(3, servers=3, free=2, handle_time_s=300) == 300
    assert estimate_wait_s(7, servers=3, free=0, handle_time_s=300) == 900
    assert wait_minutes(None) is None
    assert wait_minutes(0) == 1
    assert wait_minutes(301) == 6
    with pytest.raises(ValueError):
        estimate_wait_s(0, 1, 1, 60)
