"""`relaydesk eval` plays scenarios through the real pipeline and scores them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaydesk.sim.eval import email_text, run_eval
from relaydesk.sim.scenarios import ScenarioError, load

DEV = Path(__file__).resolve().parents[3] / "shared" / "scenarios" / "dev.jsonl"

LOST = {
    "id": "t-lost",
    "channel": "whatsapp",
    "lang": "en",
    "customer": {"name": "Ani", "tier": "standard", "phone": "+6281200000001"},
    "facts": {"orders": {"77001": {"status": "lost", "promised": "2026-11-05", "eta": None}}},
    "now": "2026-11-23T10:00:00+07:00",
    "turns": ["my parcel 77001 never arrived"],
    "expect": {
        "escalate": True,
        "by_turn": 1,
        "reasons": ["policy_intent"],
        "team": "logistics",
        "entities": {"order_id": "77001"},
    },
}
THANKS = {
    "id": "t-thanks",
    "channel": "webchat",
    "now": "2026-11-23T10:00:00+07:00",
    "turns": ["thanks"],
    "expect": {"escalate": False},
}


def write(path: Path, *scenarios: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(s) for s in scenarios) + "\n")
    return path


async def test_scores_a_small_set(tmp_path: Path) -> None:
    report = await run_eval([write(tmp_path / "s.jsonl", LOST, THANKS)])
    assert report["scenarios"] == 2
    assert report["escalation_f1"] == 1.0
    assert report["team_accuracy"] == 1.0
    assert report["entity_recall"] == 1.0
    assert report["failures"] == []


async def test_a_wrong_expectation_is_reported_as_a_failure(tmp_path: Path) -> None:
    wrong = {**LOST, "id": "t-wrong", "expect": {**LOST["expect"], "team": "billing"}}  # type: ignore[dict-item]
    report = await run_eval([write(tmp_path / "s.jsonl", wrong)])
    assert report["team_accuracy"] == 0.0
    assert report["failures"] == [{"id": "t-wrong", "missed": ["team logistics != billing"]}]


async def test_secrets_must_not_be_stored(tmp_path: Path) -> None:
    card = {
        "id": "t-card",
        "channel": "email",
        "customer": {"email": "x@example.com"},
        "now": "2026-11-23T10:00:00+07:00",
        "turns": ["Subject: card\n\nmy card is 5555 5555 5555 4444 and the code 123"],
        "expect": {"escalate": False, "masked": ["5555 5555 5555 4444", "5555555555554444"]},
    }
    report = await run_eval([write(tmp_path / "s.jsonl", card)])
    assert report["masked_ok"] == 1.0


def test_bad_scenario_files_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(THANKS) + "\n{not json}\n")
    with pytest.raises(ScenarioError, match=r"bad.jsonl:2: not valid JSON"):
        load(path)
    path.write_text(json.dumps({**THANKS, "channel": "fax"}) + "\n")
    with pytest.raises(ScenarioError, match=r"bad.jsonl:1: channel: Input should be"):
        load(path)
    path.write_text(json.dumps({**THANKS, "now": "2026-11-23T10:00:00"}) + "\n")
    with pytest.raises(ScenarioError, match=r"bad.jsonl:1: now: .*timezone"):
        load(path)


def test_email_turns_are_read_as_subject_and_body() -> None:
    assert email_text("Subject: Re: payment failed\n\nOk, thanks.") == "payment failed\nOk, thanks."
    assert email_text("no headers here") == "no headers here"


@pytest.mark.skipif(not DEV.exists(), reason="shared/scenarios/dev.jsonl is not beside the repo")
async def test_the_dev_set_runs_whole() -> None:
    report = await run_eval([DEV])
    assert report["scenarios"] == 36
    # Guards against regressions; the escalation issue's targets.
    assert report["escalation_f1"] >= 0.97
    assert report["late"] == 0 and report["premature"] == 0
    assert report["entity_recall"] == 1.0 and report["masked_ok"] == 1.0
