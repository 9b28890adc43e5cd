"""`relaydesk nlu`: benchmark intent backends on public data, check the bot's own model.

Progress goes to stderr; the last thing on stdout is one JSON object, for scripts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from relaydesk.bot.backends import BACKENDS, DEFAULT_BACKEND, BackendError

nlu_app = typer.Typer(help="Intent models: benchmarks and training.", no_args_is_help=True)

Backend = Annotated[
    str, typer.Option(help=f"Intent backend: {' or '.join(BACKENDS)}.", show_default=True)
]


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _fail(command: str, problem: Exception | str) -> typer.Exit:
    typer.echo(f"relaydesk nlu {command}: {problem}", err=True)
    return typer.Exit(2)


def _print_json(report: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


@nlu_app.command("bench")
def bench(
    train: Annotated[
        Path | None, typer.Option(help="Training CSV: header, then text,label rows.")
    ] = None,
    test: Annotated[Path | None, typer.Option(help="Test CSV, same columns.")] = None,
    val: Annotated[
        Path | None, typer.Option(help="Validation CSV, for the out-of-scope thresholds.")
    ] = None,
    oos_label: Annotated[
        str | None, typer.Option(help="The label of out-of-scope rows (never trained on).")
    ] = None,
    backend: Backend = DEFAULT_BACKEND,
    seeds: Annotated[int, typer.Option(min=1, help="Trainings with different seeds.")] = 3,
    suite: Annotated[
        str | None, typer.Option(help="'public': BANKING77, CLINC150 and Bitext.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="The public data folder (default: ../shared/data).")
    ] = None,
) -> None:
    """Train and test an intent backend; print the figures as JSON (last, on stdout)."""
    from relaydesk.sim.nlu_bench import BenchError, run_bench
    from relaydesk.sim.nlu_data import DataError, read_labelled_csv
    from relaydesk.sim.nlu_suite import default_data_dir, run_suite, table

    if backend not in BACKENDS:
        raise _fail("bench", f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    try:
        if suite is not None:
            if suite != "public":
                raise _fail("bench", f"unknown suite {suite!r}; the one suite is 'public'")
            folder = data or default_data_dir(Path.cwd())
            report = run_suite(folder, backend=backend, seeds=seeds, say=_say)
            _say(table(report))
        else:
            if train is None or test is None:
                raise _fail("bench", "give --train and --test, or --suite public")
            report = run_bench(
                read_labelled_csv(train),
                read_labelled_csv(test),
                val=read_labelled_csv(val) if val else None,
                oos_label=oos_label,
                backend=backend,
                seeds=seeds,
                say=_say,
            )
    except (DataError, BenchError, BackendError) as exc:
        raise _fail("bench", exc) from None
    _print_json(report)


@nlu_app.command("train")
def train_command(backend: Backend = DEFAULT_BACKEND) -> None:
    """Check the bot's intent files and report cross-validated accuracy and training time.

    The bot trains its model when it starts; this command saves nothing."""
    from relaydesk.bot.intent_data import IntentDataError
    from relaydesk.sim.intent_training import check_training

    if backend not in BACKENDS:
        raise _fail("train", f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    try:
        report = check_training(backend, say=_say)
    except (IntentDataError, BackendError) as exc:
        raise _fail("train", exc) from None
    _say(
        f"{report['examples']} examples, {report['intents']} intents: cross-validated "
        f"accuracy {report['cv_accuracy']:.2f}%, full training {report['train_s']:.2f}s"
    )
    _print_json(report)
