"""Does the `explicit_request` signal find the requests for a person in Bitext's data?

Protocol (shared/data/README.md, item 3): rows of intent `contact_human_agent` or
`contact_customer_service` ask for a person, every other row does not; the signal fires
at 0.5 (`SignalResult.fired`). Measured twice, as tests/escalation does: on the words
alone (an NLU that could not place the message) and with the bot's own NLU reading on
the chosen intent backend, which the pipeline feeds to the signal.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relaydesk.domain.turn import BotTurn, CustomerView, EscalationInput, Understanding
from relaydesk.domain.vocab import BotOutcome
from relaydesk.escalation.signals import explicit_request
from relaydesk.service.bootstrap import build_nlu
from relaydesk.sim.nlu_data import DataError

ASKING = frozenset({"contact_human_agent", "contact_customer_service"})
EXAMPLES = 5  # misses and false alarms shown on stderr, for whoever tunes the lexicon

Understand = Callable[[str], Understanding]


def read_bitext(path: Path) -> list[tuple[str, bool]]:
    """(customer text, asks for a person) for every row of a Bitext CSV."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"instruction", "intent"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path}:1: no column {', '.join(sorted(missing))}")
        return [(row["instruction"], row["intent"] in ASKING) for row in reader]


def words_only(text: str) -> Understanding:
    return Understanding(lang="en", intent="out_of_scope", confidence=0.2, in_scope=False)


def check(
    rows: list[tuple[str, bool]], understand: Understand, say: Callable[[str], None]
) -> dict[str, Any]:
    tp = fp = fn = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    for text, asking in rows:
        fired = explicit_request(_input(text, understand(text))).fired
        tp += fired and asking
        fp += fired and not asking
        fn += asking and not fired
        if asking and not fired:
            missed.append(text)
        elif fired and not asking:
            false_alarms.append(text)
    for text in missed[:EXAMPLES]:
        say(f"  missed: {text}")
    for text in false_alarms[:EXAMPLES]:
        say(f"  fired on: {text}")
    return {
        "recall": round(100 * tp / (tp + fn), 2) if tp + fn else None,
        "precision": round(100 * tp / (tp + fp), 2) if tp + fp else None,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def run_check(path: Path, backend: str, say: Callable[[str], None]) -> dict[str, Any]:
    rows = read_bitext(path)
    report: dict[str, Any] = {
        "n": len(rows),
        "n_asking": sum(asking for _, asking in rows),
        "fires_at": 0.5,
        "nlu_backend": backend,
    }
    readings: dict[str, Understand] = {
        "words_only": words_only,
        "with_bot_nlu": build_nlu(backend).understand,
    }
    for name, understand in readings.items():
        say(f"bitext explicit request, {name.replace('_', ' ')}:")
        report[name] = check(rows, understand, say)
    return report


def _input(text: str, understanding: Understanding) -> EscalationInput:
    turn = BotTurn(
        understanding=understanding, outcome=BotOutcome.ANSWERED, reply="", topic="general"
    )
    return EscalationInput(
        text=text,
        turn=turn,
        history=(),
        customer=CustomerView(lang=understanding.lang),
        channel="webchat",
    )
