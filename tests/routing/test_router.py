"""The in-memory router, one behaviour per test: queue order, offers, skills, overflow."""

from __future__ import annotations

import pytest

from relaydesk.domain.vocab import AgentPresence, Priority
from relaydesk.routing.model import AgentState, CaseState, Needs, Skills, Strategy, TeamRules
from relaydesk.routing.router import Offer, Router, RoutingError

ONLINE = AgentPresence.ONLINE
EN_CHAT = Needs(language="en", channel="webchat")
STEP = 300.0  # aging_step_s used throughout


def make_router(*rules: TeamRules) -> Router:
    teams = rules or (TeamRules(key="billing", aging_step_s=STEP),)
    return Router({r.key: r for r in teams})


def add_agent(
    router: Router,
    aid: int,
    teams: dict[str, bool] | None = None,
    *,
    presence: AgentPresence = ONLINE,
    capacity: int = 3,
    idle_since: float = 0.0,
    skills: Skills | None = None,
    channel_capacity: dict[str, int] | None = None,
) -> AgentState:
    agent = AgentState(
        id=aid,
        teams=teams if teams is not None else {"billing": True},
        presence=presence,
        capacity=capacity,
        channel_capacity=channel_capacity or {},
        skills=skills or Skills(),
        idle_since=idle_since,
    )
    router.upsert_agent(agent)
    return agent


def add_case(
    router: Router,
    cid: str,
    *,
    team: str = "billing",
    priority: Priority = Priority.NORMAL,
    at: float = 0.0,
    needs: Needs = EN_CHAT,
    sort_key: float | None = None,
) -> CaseState:
    key = router.rules(team).sort_key(priority, at) if sort_key is None else sort_key
    case = CaseState(
        id=cid, team=team, priority=priority, needs=needs, enqueued_at=at, sort_key=key
    )
    router.add_case(case)
    return case


def order(router: Router, team: str = "billing") -> list[str]:
    return [case.id for case in router.waiting(team)]


# ---- queue order ---------------------------------------------------------------------


def test_first_come_first_served_within_one_priority() -> None:
    router = make_router()
    add_case(router, "c3", at=30.0)
    add_case(router, "c1", at=10.0)
    add_case(router, "c2", at=20.0)
    assert order(router) == ["c1", "c2", "c3"]


def test_higher_priority_is_served_first() -> None:
    router = make_router()
    add_case(router, "low", priority=Priority.LOW, at=0.0)
    add_case(router, "normal", priority=Priority.NORMAL, at=1.0)
    add_case(router, "urgent", priority=Priority.URGENT, at=3.0)
    add_case(router, "high", priority=Priority.HIGH, at=2.0)
    assert order(router) == ["urgent", "high", "normal", "low"]


def test_low_case_waiting_longer_than_three_steps_goes_before_new_urgent() -> None:
    router = make_router()
    add_case(router, "low", priority=Priority.LOW, at=0.0)
    add_case(router, "urgent", priority=Priority.URGENT, at=3 * STEP + 0.5)
    assert order(router) == ["low", "urgent"]


def test_low_case_waiting_less_than_three_steps_stays_behind_new_urgent() -> None:
    router = make_router()
    add_case(router, "low", priority=Priority.LOW, at=0.0)
    add_case(router, "urgent", priority=Priority.URGENT, at=3 * STEP - 0.5)
    assert order(router) == ["urgent", "low"]


@pytest.mark.parametrize(("low_id", "urgent_id"), [("a", "b"), ("b", "a")])
def test_at_exactly_three_steps_the_urgent_case_is_still_ahead(low_id: str, urgent_id: str) -> None:
    """The low case goes first only once it has waited *longer* than the head-start
    difference; at exactly that wait both sort keys are equal and the higher priority
    must win, whatever the case ids are."""
    router = make_router()
    add_case(router, low_id, priority=Priority.LOW, at=0.0)
    add_case(router, urgent_id, priority=Priority.URGENT, at=3 * STEP)
    assert order(router) == [urgent_id, low_id]


def test_front_key_puts_a_requeued_case_first() -> None:
    router = make_router()
    assert router.front_key("billing") is None
    add_case(router, "urgent", priority=Priority.URGENT, at=50.0)
    add_case(router, "normal", at=10.0)
    front = router.front_key("billing")
    assert front is not None
    add_case(router, "back", priority=Priority.LOW, at=100.0, sort_key=front)
    assert order(router) == ["back", "urgent", "normal"]
    assert router.position("back") == 1


def test_position_is_the_one_based_place_in_line() -> None:
    router = make_router()
    add_case(router, "c1", at=1.0)
    add_case(router, "c2", at=2.0)
    add_case(router, "c3", at=3.0)
    assert [router.position(c) for c in ("c1", "c2", "c3")] == [1, 2, 3]
    router.remove_case("c1")
    assert [router.position(c) for c in ("c2", "c3")] == [1, 2]
    with pytest.raises(RoutingError):
        router.position("c1")


# ---- offers --------------------------------------------------------------------------


def test_a_pending_offer_holds_a_capacity_slot() -> None:
    router = make_router()
    add_agent(router, 1, capacity=1)
    add_case(router, "c1", at=1.0)
    add_case(router, "c2", at=2.0)
    router.offer("c1", 1, now=5.0)
    assert router.agents[1].load == 1
    assert router.best_agent_for("c2", now=5.0) is None
    assert router.best_case_for(1, now=5.0) is None
    assert router.dispatch(now=5.0) == []
    with pytest.raises(RoutingError):
        router.offer("c2", 1, now=5.0)


def test_declined_case_goes_to_the_next_agent_and_never_back() -> None:
    router = make_router()
    add_agent(router, 1, idle_since=0.0)
    add_agent(router, 2, idle_since=10.0)
    add_case(router, "c1", at=1.0)
    assert router.best_agent_for("c1", now=20.0) == 1
    router.offer("c1", 1, now=20.0)
    router.decline("c1", 1)
    assert router.best_agent_for("c1", now=21.0) == 2
    assert router.best_case_for(1, now=21.0) is None
    router.offer("c1", 2, now=21.0)
    router.decline("c1", 2)
    assert router.best_agent_for("c1", now=22.0) is None
    assert router.dispatch(now=22.0) == []


def test_expired_offer_goes_to_the_next_agent() -> None:
    router = make_router(TeamRules(key="billing", offer_timeout_s=30.0))
    add_agent(router, 1, idle_since=0.0)
    add_agent(router, 2, idle_since=10.0)
    add_case(router, "c1", at=1.0)
    assert router.dispatch(now=20.0) == [Offer("c1", 1)]
    expired = router.expired_offers(now=50.0)
    assert expired == [Offer("c1", 1)]
    for offer in expired:
        router.decline(offer.case_id, offer.agent_id)
    assert router.agents[1].load == 0
    assert router.dispatch(now=50.0) == [Offer("c1", 2)]


def test_expired_offers_lists_an_offer_exactly_at_the_timeout() -> None:
    router = make_router(TeamRules(key="billing", offer_timeout_s=30.0))
    add_agent(router, 1)
    add_case(router, "c1", at=1.0)
    router.offer("c1", 1, now=100.0)
    assert router.expired_offers(now=129.999) == []
    assert router.expired_offers(now=130.0) == [Offer("c1", 1)]


def test_assigning_a_case_offered_to_someone_else_is_refused() -> None:
    router = make_router()
    add_agent(router, 1)
    add_agent(router, 2)
    add_case(router, "c1", at=1.0)
    router.offer("c1", 1, now=5.0)
    with pytest.raises(RoutingError, match="offered to another agent"):
        router.assign("c1", 2, now=6.0)
    assert router.cases["c1"].offered_to == 1
    assert router.agents[2].load == 0
    assert router.assign("c1", 1, now=7.0).id == "c1"
    assert router.agents[1].active["webchat"] == 1
    assert router.agents[1].offers == {}


def test_removing_an_offered_case_frees_the_agents_slot() -> None:
    router = make_router()
    add_agent(router, 1, capacity=1)
    add_case(router, "c1", at=1.0)
    add_case(router, "c2", at=2.0)
    router.offer("c1", 1, now=5.0)
    router.remove_case("c1")
    assert router.agents[1].load == 0
    assert "c1" not in router.cases
    assert order(router) == ["c2"]
    assert router.best_agent_for("c2", now=6.0) == 1


def test_a_removed_offered_case_is_never_proposed_again() -> None:
    router = make_router()
    add_agent(router, 1)
    add_agent(router, 2)
    add_case(router, "c1", at=1.0)
    router.offer("c1", 1, now=5.0)
    router.remove_case("c1")
    assert router.best_case_for(2, now=6.0) is None
    assert router.best_case_for(1, now=6.0) is None


def test_a_case_moved_to_another_team_while_offered_is_proposed_only_there() -> None:
    router = make_router(TeamRules(key="billing"), TeamRules(key="logistics"))
    add_agent(router, 1, {"billing": True})
    add_agent(router, 2, {"billing": True})
    add_case(router, "c1", at=1.0)
    router.offer("c1", 1, now=5.0)
    moved = router.remove_case("c1")
    add_case(router, "c1", team="logistics", priority=moved.priority, at=5.0)
    assert router.best_case_for(2, now=6.0) is None  # c1 is a logistics case now


# ---- capacity and presence -----------------------------------------------------------


def test_per_channel_capacity_limits_that_channel_only() -> None:
    router = make_router()
    sms = Needs(language="en", channel="sms")
    add_agent(router, 1, capacity=3, channel_capacity={"sms": 1})
    add_case(router, "sms1", at=1.0, needs=sms)
    add_case(router, "sms2", at=2.0, needs=sms)
    add_case(router, "chat", at=3.0)
    router.offer("sms1", 1, now=5.0)  # a pending offer counts on its channel too
    assert router.best_agent_for("sms2", now=5.0) is None
    assert router.best_case_for(1, now=5.0) == "chat"
    router.assign("sms1", 1, now=6.0)
    assert router.best_agent_for("sms2", now=6.0) is None
    assert router.dispatch(now=6.0) == [Offer("chat", 1)]


@pytest.mark.parametrize("presence", [AgentPresence.AWAY, AgentPresence.OFFLINE])
def test_agent_who_is_not_online_gets_no_offers(presence: AgentPresence) -> None:
    router = make_router()
    add_agent(router, 1, presence=presence)
    add_case(router, "c1", at=1.0)
    assert router.best_agent_for("c1", now=5.0) is None
    assert router.best_case_for(1, now=5.0) is None
    assert router.dispatch(now=5.0) == []


def test_going_away_stops_offers_and_coming_back_resets_idle_since() -> None:
    router = make_router()
    add_agent(router, 1, idle_since=0.0)
    add_agent(router, 2, idle_since=50.0)
    add_case(router, "c1", at=1.0)
    router.set_presence(1, AgentPresence.AWAY, now=60.0)
    assert router.best_agent_for("c1", now=60.0) == 2
    router.set_presence(1, ONLINE, now=100.0)
    assert router.agents[1].idle_since == 100.0
    assert router.best_agent_for("c1", now=100.0) == 2  # 2 has now been idle longer
    router.set_presence(2, ONLINE, now=120.0)  # already online: no reset
    assert router.agents[2].idle_since == 50.0


# ---- strategies ----------------------------------------------------------------------


def test_longest_idle_picks_the_agent_idle_longest() -> None:
    router = make_router(TeamRules(key="billing", strategy=Strategy.LONGEST_IDLE))
    add_agent(router, 1, idle_since=30.0)
    add_agent(router, 2, idle_since=10.0)
    add_agent(router, 3, idle_since=20.0)
    add_case(router, "c1", at=40.0)
    assert router.best_agent_for("c1", now=50.0) == 2


def test_longest_idle_ignores_load() -> None:
    router = make_router(TeamRules(key="billing", strategy=Strategy.LONGEST_IDLE))
    busy = add_agent(router, 1, idle_since=10.0)
    busy.active["email"] = 2
    router.upsert_agent(busy)
    add_agent(router, 2, idle_since=20.0)
    add_case(router, "c1", at=40.0)
    assert router.best_agent_for("c1", now=50.0) == 1


def test_least_loaded_picks_the_agent_with_most_room_then_longest_idle() -> None:
    router = make_router(TeamRules(key="billing", strategy=Strategy.LEAST_LOADED))
    busy = add_agent(router, 1, capacity=3, idle_since=0.0)
    busy.active["email"] = 1
    router.upsert_agent(busy)
    add_agent(router, 2, capacity=3, idle_since=30.0)
    add_agent(router, 3, capacity=3, idle_since=20.0)
    add_case(router, "c1", at=40.0)
    add_case(router, "c2", at=41.0)
    assert router.best_agent_for("c1", now=50.0) == 3  # 2 and 3 are free; 3 idle longer
    # after one offer each to 3 and 2, everyone has one case: longest idle, agent 1
    assert router.dispatch(now=50.0) == [Offer("c1", 3), Offer("c2", 2)]
    add_case(router, "c3", at=42.0)
    assert router.best_agent_for("c3", now=51.0) == 1


# ---- skills and overflow -------------------------------------------------------------

OVERFLOW_S = 180.0


def overflow_router() -> Router:
    return make_router(
        TeamRules(key="billing", overflow_after_s=OVERFLOW_S, aging_step_s=STEP),
        TeamRules(
            key="logistics",
            overflow_after_s=OVERFLOW_S,
            overflow_teams=("billing",),
            aging_step_s=STEP,
        ),
        TeamRules(key="accounts", overflow_after_s=OVERFLOW_S, aging_step_s=STEP),
    )


def test_primary_member_needs_every_skill_before_overflow() -> None:
    router = overflow_router()
    vip_refund = Needs(language="en", channel="email", topic="refund", tier="vip")
    add_agent(router, 1, skills=Skills(tiers=frozenset({"standard"})), idle_since=0.0)
    add_agent(router, 2, skills=Skills(topics=frozenset({"parcel"})), idle_since=0.0)
    add_agent(router, 3, skills=Skills(channels=frozenset({"webchat"})), idle_since=0.0)
    add_agent(
        router,
        4,
        skills=Skills(languages=frozenset({"en"}), topics=frozenset({"refund"})),
        idle_since=10.0,
    )
    add_case(router, "c1", at=0.0, needs=vip_refund)
    assert router.best_agent_for("c1", now=10.0) == 4
    for aid in (1, 2, 3):
        assert router.best_case_for(aid, now=10.0) is None


def test_secondary_member_helps_only_after_the_overflow_wait() -> None:
    router = overflow_router()
    add_agent(router, 1, {"billing": False})
    add_case(router, "c1", at=0.0)
    assert router.best_agent_for("c1", now=OVERFLOW_S - 1) is None
    assert router.best_case_for(1, now=OVERFLOW_S - 1) is None
    assert router.best_agent_for("c1", now=OVERFLOW_S) == 1
    assert router.best_case_for(1, now=OVERFLOW_S) == "c1"


def test_overflow_team_member_helps_only_after_the_overflow_wait() -> None:
    router = overflow_router()
    add_agent(router, 1, {"billing": True})  # logistics lists billing as its overflow team
    add_agent(router, 2, {"accounts": True})  # no overflow relation to logistics
    add_case(router, "c1", team="logistics", at=0.0)
    assert router.best_agent_for("c1", now=OVERFLOW_S - 1) is None
    assert router.best_case_for(1, now=OVERFLOW_S - 1) is None
    assert router.best_agent_for("c1", now=OVERFLOW_S) == 1
    assert router.best_case_for(1, now=OVERFLOW_S) == "c1"
    assert router.best_case_for(2, now=OVERFLOW_S) is None


def test_relaxed_match_needs_only_the_language_and_only_after_overflow() -> None:
    router = overflow_router()
    needs = Needs(language="en", channel="email", topic="refund", tier="vip")
    add_agent(router, 1, skills=Skills(languages=frozenset({"en"}), channels=frozenset({"sms"})))
    add_agent(router, 2, skills=Skills(languages=frozenset({"id"})))
    add_case(router, "c1", at=0.0, needs=needs)
    assert router.best_agent_for("c1", now=OVERFLOW_S - 1) is None
    assert router.best_case_for(1, now=OVERFLOW_S - 1) is None
    assert router.best_agent_for("c1", now=OVERFLOW_S) == 1
    assert router.best_case_for(1, now=OVERFLOW_S) == "c1"
    assert router.best_case_for(2, now=OVERFLOW_S) is None  # the language must still fit


def test_strict_overflow_agent_beats_an_earlier_idle_relaxed_agent() -> None:
    router = overflow_router()
    add_agent(router, 1, skills=Skills(channels=frozenset({"sms"})), idle_since=0.0)  # relaxed
    add_agent(router, 2, {"billing": False}, idle_since=5.0)  # secondary, every skill
    add_case(router, "c1", at=0.0)
    assert router.best_agent_for("c1", now=OVERFLOW_S) == 2


def test_strict_primary_agent_beats_an_earlier_idle_relaxed_agent() -> None:
    router = overflow_router()
    add_agent(router, 1, skills=Skills(channels=frozenset({"sms"})), idle_since=0.0)  # relaxed
    add_agent(router, 2, idle_since=5.0)
    add_case(router, "c1", at=0.0)
    assert router.best_agent_for("c1", now=OVERFLOW_S) == 2


def test_overflow_keeps_the_cases_place_in_line() -> None:
    router = overflow_router()
    add_case(router, "old", at=0.0)
    add_case(router, "new", at=OVERFLOW_S)
    add_case(router, "urgent", priority=Priority.URGENT, at=OVERFLOW_S)
    before = (order(router), router.cases["old"].sort_key)
    add_agent(router, 1, {"billing": False}, capacity=1)
    now = OVERFLOW_S + 10
    assert (order(router), router.cases["old"].sort_key) == before
    assert order(router) == ["urgent", "old", "new"]
    # the helper may only take the overflowed case, which keeps its place
    assert router.best_case_for(1, now=now) == "old"
    assert router.dispatch(now=now) == [Offer("old", 1)]
    assert order(router) == ["urgent", "old", "new"]
    assert router.position("old") == 2


def test_best_case_for_picks_the_earliest_sort_key_across_teams_and_needs() -> None:
    router = overflow_router()
    id_sms = Needs(language="id", channel="sms")
    en_mail = Needs(language="en", channel="email", topic="refund")
    add_agent(router, 1, {"billing": True, "accounts": True}, capacity=5)
    add_case(router, "b1", team="billing", at=40.0)
    add_case(router, "b2", team="billing", at=10.0, needs=id_sms)
    add_case(router, "a1", team="accounts", priority=Priority.HIGH, at=500.0, needs=en_mail)
    add_case(router, "a2", team="accounts", at=20.0)
    add_case(router, "l1", team="logistics", priority=Priority.URGENT, at=0.0)  # not theirs
    # sort keys: a1 = 500 - 600 = -100, b2 = 10 - 300, a2 = 20 - 300, b1 = 40 - 300
    picked = []
    while (case_id := router.best_case_for(1, now=100.0)) is not None:
        picked.append(case_id)
        router.offer(case_id, 1, now=100.0)
    assert picked == ["b2", "a2", "b1", "a1"]


def test_dispatch_makes_at_most_capacity_offers_per_agent_in_queue_order() -> None:
    router = make_router()
    add_agent(router, 1, capacity=2, idle_since=0.0)
    add_agent(router, 2, capacity=1, idle_since=5.0)
    for n, at in enumerate([40.0, 10.0, 30.0, 20.0, 50.0]):
        add_case(router, f"c{n}", at=at)
    offers = router.dispatch(now=60.0)
    assert [o.case_id for o in offers] == ["c1", "c3", "c2"]  # the first three in line
    assert [o.agent_id for o in offers] == [1, 1, 2]  # an offer does not reset idle_since
    assert router.agents[1].load == 2
    assert router.agents[2].load == 1
    assert router.dispatch(now=61.0) == []


def test_best_agent_for_and_best_case_for_agree_at_the_overflow_boundary() -> None:
    """Both decide whether the case has overflowed at the same instant. The times are
    plausible epoch seconds; with a fractional overflow wait the two ways of comparing
    (`now - enqueued_at >= wait` and `enqueued_at <= now - wait`) round differently."""
    wait = 0.1
    router = make_router(TeamRules(key="billing", overflow_after_s=wait))
    arrived = 1790098898.1888971
    now = arrived + wait
    add_agent(router, 1, {"billing": False})
    add_case(router, "c1", priority=Priority.LOW, at=arrived)
    by_case = router.best_agent_for("c1", now=now)
    by_agent = router.best_case_for(1, now=now)
    assert (by_case == 1) == (by_agent == "c1")


def test_requeued_case_keeping_its_arrival_still_reaches_a_relaxed_agent() -> None:
    """A case put back at the front (front_key) that keeps its original arrival has
    overflowed: best_case_for must find it for a helper, as best_agent_for does."""
    router = overflow_router()
    add_case(router, "fresh", priority=Priority.LOW, at=1000.0)
    front = router.front_key("billing")
    assert front is not None
    add_case(router, "back", at=0.0, sort_key=front)  # arrived long ago, overflowed
    add_agent(router, 1, {"billing": False})
    assert router.best_agent_for("back", now=1000.0) == 1
    assert router.best_case_for(1, now=1000.0) == "back"


def test_dispatch_serves_every_queue_in_line_order_across_teams() -> None:
    """An agent of two teams, with room for one: the case that has waited longest (by the
    aging rule) gets them, whichever team's queue was filled first."""
    router = make_router(TeamRules(key="billing"), TeamRules(key="general"))
    add_case(router, "newer", team="billing", at=100.0)
    add_case(router, "older", team="general", at=50.0)
    add_agent(router, 1, {"billing": True, "general": True}, capacity=1)
    assert router.dispatch(now=120.0) == [Offer("older", 1)]


def test_skill_kinds_name_every_skills_field() -> None:
    from dataclasses import fields

    from relaydesk.routing.model import SKILL_KINDS

    assert {f.name for f in fields(Skills)} == SKILL_KINDS
