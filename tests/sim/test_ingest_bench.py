"""`relaydesk bench ingest` runs end to end on a short load: real servers in processes of
their own, every run valid, and the figures it prints are the ones it measured."""

from __future__ import annotations

from relaydesk.sim.ingest_bench import IngestConfig, Run, run_ingest_bench


def test_a_short_ingest_bench_measures_every_stage() -> None:
    config = IngestConfig(rate=5.0, seconds=1.0, concurrency=2, desk_cases=2)
    report = run_ingest_bench(config)
    for stage in ("b0", "p_ingest"):
        for run in ("throughput", "latency"):
            figures = report[stage][run]
            assert figures["valid"] and figures["errors"] == 0, (stage, run, figures)
            assert figures["messages"] > 0 and figures["p50_ms"] <= figures["p99_ms"]
    assert report["p_ingest"]["latency"]["messages"] == 5
    for stage in ("p_full", "desk_socket"):
        figures = report[stage]["latency"]
        assert figures["valid"] and figures["messages"] == 5 and figures["p50_ms"] > 0, figures
    x_b0 = report["b0"]["throughput"]["msgs_per_s"]
    x_ingest = report["p_ingest"]["throughput"]["msgs_per_s"]
    assert report["p_ingest"]["efficiency"] == round(x_ingest / x_b0, 3)


def test_a_run_with_more_than_one_error_in_a_thousand_is_not_valid() -> None:
    assert Run([0.01] * 999, 1, 1.0).report()["valid"]
    assert not Run([0.01] * 998, 2, 1.0).report()["valid"]
    figures = Run([0.001 * n for n in range(1, 101)], 0, 2.0).report()
    assert figures["msgs_per_s"] == 50.0 and figures["p50_ms"] == 50.5
