"""`relaydesk simulate` and `relaydesk bench routing`: the router under simulated load.

Progress goes to stderr; the last line on stdout is one JSON object, for scripts.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

Choice = TypeVar("Choice", bound=StrEnum)

bench_app = typer.Typer(help="Performance benchmarks.", no_args_is_help=True)


def _print_json(report: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(report) + "\n")


def _fail(command: str, problem: Exception | str) -> typer.Exit:
    typer.echo(f"relaydesk {command}: {problem}", err=True)
    return typer.Exit(2)


def _choice(option: str, value: str, choices: type[Choice]) -> Choice:
    try:
        return choices(value)
    except ValueError:
        raise _fail("simulate", f"{option} must be one of: {', '.join(choices)}") from None


def simulate_command(
    arrivals_per_hour: Annotated[float, typer.Option(help="Poisson arrivals per hour.")],
    handle_time_s: Annotated[float, typer.Option(help="Mean handle time per conversation.")],
    agents: Annotated[int, typer.Option(help="Agents online.")],
    concurrency: Annotated[int, typer.Option(help="Conversations each agent holds at once.")] = 1,
    patience_s: Annotated[
        float | None, typer.Option(help="Mean patience before a customer leaves (none: stays).")
    ] = None,
    hours: Annotated[
        float | None,
        typer.Option(help="Simulated hours (default: enough for a steady mean wait; see 'hours')."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    handle_dist: Annotated[
        str, typer.Option(help="Handle times: exp, lognormal or fixed.")
    ] = "exp",
    patience_dist: Annotated[str, typer.Option(help="Patience: exp or fixed.")] = "exp",
    warmup_hours: Annotated[
        float | None,
        typer.Option(help="Hours left out of the figures (default: 2, or 5% of the run)."),
    ] = None,
    answer_within_s: Annotated[float, typer.Option(help="The service level's answer time.")] = 20.0,
) -> None:
    """Simulate a contact centre through the real router; print its figures and Erlang's
    as JSON (last, on stdout)."""
    from rich.console import Console
    from rich.progress import Progress

    from relaydesk.sim.contact_centre import (
        HandleDistribution,
        PatienceDistribution,
        SimulationConfig,
        SimulationError,
        simulate,
    )

    try:
        config = SimulationConfig(
            arrivals_per_hour=arrivals_per_hour,
            handle_time_s=handle_time_s,
            agents=agents,
            concurrency=concurrency,
            patience_s=patience_s,
            seed=seed,
            handle_dist=_choice("--handle-dist", handle_dist, HandleDistribution),
            patience_dist=_choice("--patience-dist", patience_dist, PatienceDistribution),
            warmup_hours=warmup_hours,
            answer_within_s=answer_within_s,
        )
        if hours is not None:
            config = replace(config, hours=hours)
        config.check()
    except SimulationError as exc:
        raise _fail("simulate", exc) from None
    started = time.perf_counter()
    console = Console(stderr=True)
    with Progress(console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("simulated hours", total=config.hours)
        report = simulate(config, on_progress=lambda done: progress.update(task, completed=done))
    report["wall_s"] = round(time.perf_counter() - started, 2)
    _print_json(report)


@bench_app.command("routing")
def bench_routing(
    agents: Annotated[int, typer.Option(help="Agents in the router.")] = 1000,
    waiting: Annotated[int, typer.Option(help="Cases waiting.")] = 10000,
    teams: Annotated[int, typer.Option(help="Teams.")] = 8,
    decisions: Annotated[int, typer.Option(help="Routing decisions to time.")] = 20000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Time single routing decisions on a large random router; print the latency
    percentiles as JSON (last, on stdout)."""
    from relaydesk.sim.routing_bench import BenchConfig, BenchError, run_routing_bench

    config = BenchConfig(
        agents=agents, waiting=waiting, teams=teams, decisions=decisions, seed=seed
    )
    started = time.perf_counter()
    try:
        report = run_routing_bench(config, say=lambda line: typer.echo(line, err=True))
    except BenchError as exc:
        raise _fail("bench routing", exc) from None
    report["wall_s"] = round(time.perf_counter() - started, 2)
    _print_json(report)


@bench_app.command("ingest")
def bench_ingest(
    rate: Annotated[float, typer.Option(help="Offered messages a second (latency runs).")] = 20.0,
    seconds: Annotated[float, typer.Option(help="Length of each run.")] = 10.0,
    concurrency: Annotated[int, typer.Option(help="Senders in the throughput runs.")] = 16,
    desk_cases: Annotated[int, typer.Option(help="Cases the desk agent holds.")] = 40,
    database_url: Annotated[
        str, typer.Option(help="An empty database to use; default a fresh SQLite file.")
    ] = "",
) -> None:
    """The message pipeline against the physical limit (shared/REFERENCE.md): B0, the
    webhook to the stored message, to the provider, and to a desk socket; JSON last."""
    from relaydesk.sim.ingest_bench import IngestConfig, run_ingest_bench

    if rate <= 0 or seconds <= 0 or concurrency < 1 or desk_cases < 1:
        raise _fail("bench ingest", "rate and seconds must be positive, the counts at least 1")
    config = IngestConfig(
        rate=rate,
        seconds=seconds,
        concurrency=concurrency,
        desk_cases=desk_cases,
        database_url=database_url,
    )
    started = time.perf_counter()
    report = run_ingest_bench(config, say=lambda line: typer.echo(line, err=True))
    report["wall_s"] = round(time.perf_counter() - started, 2)
    _print_json(report)
