"""The routing benchmark on a small router: the report's shape, and decisions that really
change the router (no timing assertions: this machine's speed is not the test's business)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from relaydesk.cli import app
from relaydesk.sim.routing_bench import BenchConfig, BenchError, RoutingBench

SMALL = BenchConfig(agents=100, waiting=1000, teams=4, decisions=500, seed=5)


def _load(bench: RoutingBench) -> dict[int, int]:
    return {agent.id: agent.active.total() for agent in bench.router.agents.values()}


def test_decisions_change_the_router_and_keep_its_sizes_level() -> None:
    bench = RoutingBench(SMALL)
    waiting_before = set(bench.router.cases)
    load_before = _load(bench)

    report = bench.run()

    assert report["decisions"] == 500
    assert report["mix"]["best_agent_for"] + report["mix"]["best_case_for"] == 500
    assert min(report["mix"].values()) > 150  # both kinds of decision, about half each
    assert report["matched"]["best_agent_for"] > 0
    assert report["matched"]["best_case_for"] > 0
    # Cases were taken and new ones arrived, yet the queue is as long as it was.
    waiting_after = set(bench.router.cases)
    assert waiting_after != waiting_before
    assert len(waiting_after) == report["waiting_at_end"] == 1000
    # Conversations moved between agents; the total only drops when an agent finds nothing.
    load_after = _load(bench)
    assert load_after != load_before
    unmatched = report["mix"]["best_case_for"] - report["matched"]["best_case_for"]
    assert sum(load_after.values()) == sum(load_before.values()) - unmatched
    for agent in bench.router.agents.values():
        assert agent.load <= agent.capacity


def test_report_shape() -> None:
    report = RoutingBench(SMALL).run()
    for prefix in ("", "best_agent_for_", "best_case_for_"):
        figures = [report[f"{prefix}{p}_ms"] for p in ("p50", "p99", "p999", "max")]
        assert figures == sorted(figures)
        assert figures[0] > 0
    assert report["decisions_per_s"] > 0
    assert (report["agents"], report["waiting"], report["teams"]) == (100, 1000, 4)


def test_a_seed_decides_the_router() -> None:
    first, again = RoutingBench(SMALL), RoutingBench(SMALL)
    assert set(first.router.cases) == set(again.router.cases)
    assert _load(first) == _load(again)


def test_sizes_must_be_positive() -> None:
    with pytest.raises(BenchError):
        RoutingBench(BenchConfig(agents=0))


def test_cli_prints_one_json_line_last() -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "routing", "--agents", "50", "--waiting", "200", "--decisions", "100"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["decisions"] == 100
    assert "100/100 decisions" in result.stderr
