"""The contact-centre simulation: the real router against Erlang C and A, the promises
it makes, and the router's state after every event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from relaydesk.cli import app
from relaydesk.routing.model import CaseState
from relaydesk.sim.contact_centre import ContactCentre, SimulationConfig, simulate

C1 = {"arrivals_per_hour": 200.0, "handle_time_s": 180.0, "agents": 14}
# 1,000 simulated hours: about 200,000 customers, ~4 s a run here. Successive waits are
# correlated through busy periods, so the mean wait converges slowly: over 20 seeds the
# relative error of C1's mean wait at this length had a standard deviation of 4.7%, so
# 10% is about two standard deviations, not a lucky seed. With patience 300 s (12 seeds,
# about 2,800 abandonments a run) the abandonment rate's relative error had a standard
# deviation of 3.1% and the mean wait's 2.5%: 10% is over three.
LONG_HOURS = 1000.0


@pytest.fixture(scope="module")
def erlang_c_run() -> dict[str, Any]:
    return simulate(SimulationConfig(**C1, hours=LONG_HOURS, seed=3))


@pytest.fixture(scope="module")
def erlang_a_run() -> dict[str, Any]:
    return simulate(SimulationConfig(**C1, patience_s=300.0, hours=LONG_HOURS, seed=3))


def test_mean_wait_agrees_with_erlang_c(erlang_c_run: dict[str, Any]) -> None:
    assert erlang_c_run["erlang_mean_wait_s"] == pytest.approx(7.835937, abs=1e-6)
    assert erlang_c_run["mean_wait_s"] == pytest.approx(7.835937, rel=0.10)
    assert erlang_c_run["service_level_20s"] == pytest.approx(0.8884, abs=0.02)
    assert erlang_c_run["occupancy"] == pytest.approx(0.7143, rel=0.02)
    assert erlang_c_run["abandoned"] == 0


def test_abandonment_agrees_with_erlang_a(erlang_a_run: dict[str, Any]) -> None:
    assert erlang_a_run["erlang_abandon_rate"] == pytest.approx(0.013984, abs=1e-6)
    assert erlang_a_run["abandon_rate"] == pytest.approx(0.013984, rel=0.10)
    assert erlang_a_run["mean_wait_s"] == pytest.approx(4.1951, rel=0.10)
    assert erlang_a_run["service_level_20s"] == pytest.approx(0.916792, abs=0.02)


@pytest.mark.parametrize("run", ["erlang_c_run", "erlang_a_run"])
def test_promises_are_mostly_kept(run: str, request: pytest.FixtureRequest) -> None:
    report = request.getfixturevalue(run)
    assert report["promised"] > 10_000
    assert 0.7 <= report["promise_kept_rate"] <= 0.92
    assert report["promise_padding"] > 1  # an 80th percentile, rounded up, beats the median


def test_no_agent_above_capacity_and_nobody_waits_beside_a_free_slot() -> None:
    centre = ContactCentre(
        SimulationConfig(
            arrivals_per_hour=400.0,
            handle_time_s=240.0,
            agents=6,
            concurrency=3,
            patience_s=120.0,
            hours=20.0,
            warmup_hours=2.0,
        )
    )
    router, events = centre.router, 0
    while centre.next_event_at() <= centre.end_s:
        centre.step()
        events += 1
        for agent in router.agents.values():
            assert agent.load <= agent.capacity
            assert not agent.offers  # offers are accepted the instant they are made
            if router.cases:
                assert agent.load == agent.capacity  # a free slot would have taken a case
    assert events > 10_000
    assert router.cases  # the run was busy enough to queue


def test_every_arrival_ends_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    centre = ContactCentre(
        SimulationConfig(**C1, patience_s=60.0, hours=30.0, warmup_hours=0.0, seed=7)
    )
    router = centre.router
    added: list[str] = []
    answered: list[str] = []
    abandoned: list[str] = []
    add_case, assign, remove_case = router.add_case, router.assign, router.remove_case

    def spy_add(case: CaseState) -> None:
        added.append(case.id)
        add_case(case)

    def spy_assign(case_id: str, agent_id: int, now: float) -> CaseState:
        answered.append(case_id)
        return assign(case_id, agent_id, now)

    def spy_remove(case_id: str) -> CaseState:
        abandoned.append(case_id)
        return remove_case(case_id)

    monkeypatch.setattr(router, "add_case", spy_add)
    monkeypatch.setattr(router, "assign", spy_assign)
    monkeypatch.setattr(router, "remove_case", spy_remove)
    centre.run_until(centre.end_s)
    report = centre.report()

    still_waiting = list(router.cases)
    endings = answered + abandoned + still_waiting
    assert len(endings) == len(set(endings))  # nobody ends twice
    assert sorted(endings) == sorted(added)  # everyone ends
    assert report["arrivals"] == len(added)
    assert report["answered"] == len(answered)
    assert report["abandoned"] == len(abandoned) > 0
    assert report["still_waiting"] == len(still_waiting)


def test_a_seed_decides_the_run() -> None:
    config = SimulationConfig(**C1, patience_s=300.0, hours=30.0)
    first, again = simulate(config), simulate(config)
    assert first == again
    other = simulate(SimulationConfig(**C1, patience_s=300.0, hours=30.0, seed=2))
    assert other["arrivals"] != first["arrivals"]


def test_cli_prints_one_json_line_last() -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--arrivals-per-hour", "200",
            "--handle-time-s", "180",
            "--agents", "14",
            "--concurrency", "2",
            "--hours", "10",
            "--warmup-hours", "1",
            "--handle-dist", "lognormal",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["concurrency"] == 2
    assert report["handle_dist"] == "lognormal"
    assert report["arrivals"] > 1500
    assert {"mean_wait_s", "erlang_mean_wait_s", "promise_kept_rate", "wall_s"} <= set(report)


def test_cli_rejects_an_unknown_distribution() -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", "--arrivals-per-hour", "200", "--handle-time-s", "180", "--agents", "14",
         "--patience-dist", "weibull"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--patience-dist must be one of: exp, fixed" in result.stderr
