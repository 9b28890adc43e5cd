"""Explicit requests for a person on public data nobody here wrote (shared/data/bitext).

The protocol of shared/data/README.md, item 3: rows of intent `contact_human_agent` or
`contact_customer_service` are requests for a person, every other row is not; the
`explicit_request` signal fires at 0.5. It is measured twice: on the words alone (the
NLU unsure, as for a message it cannot place) and with the real NLU's reading, as the
pipeline computes it. Unlike the rest of tests/escalation this imports the bot's NLU,
because that reading is part of the signal being measured.

The data lives beside the repo; without it the test is skipped, except in CI.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from relaydesk.bot.nlu import Nlu
from relaydesk.domain.turn import Understanding
from relaydesk.escalation.signals import explicit_request

from .builders import make_input

BITEXT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "bitext"
    / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
)
ASKING = frozenset({"contact_human_agent", "contact_customer_service"})
TARGET = 0.95


def _rows() -> list[tuple[str, bool]]:
    if not BITEXT.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{BITEXT} is missing: CI must measure on it")
        pytest.skip(f"{BITEXT} not found: the public data lives in shared/, beside the repo")
    with BITEXT.open(encoding="utf-8", newline="") as f:
        return [(row["instruction"], row["intent"] in ASKING) for row in csv.DictReader(f)]


def _words_only(text: str) -> Understanding:
    return Understanding(lang="en", intent="out_of_scope", confidence=0.2, in_scope=False)


@pytest.mark.parametrize("reading", ["words only", "with the NLU"])
def test_explicit_request_recall_and_precision_on_bitext(reading: str) -> None:
    rows = _rows()
    understand = Nlu.default().understand if reading == "with the NLU" else _words_only
    tp = fp = fn = 0
    missed: list[str] = []
    wrong: list[str] = []
    for text, asking in rows:
        u = understand(text)
        inp = make_input(text, intent=u.intent, confidence=u.confidence, lang=u.lang)
        fired = explicit_request(inp).fired
        tp += fired and asking
        fp += fired and not asking
        fn += asking and not fired
        if asking and not fired:
            missed.append(text)
        elif fired and not asking:
            wrong.append(text)
    recall, precision = tp / (tp + fn), tp / (tp + fp)
    assert tp + fn == sum(asking for _, asking in rows) > 300
    assert recall >= TARGET, f"recall {recall:.4f}; missed e.g. {missed[:10]}"
    assert precision >= TARGET, f"precision {precision:.4f}; fired on e.g. {wrong[:10]}"
