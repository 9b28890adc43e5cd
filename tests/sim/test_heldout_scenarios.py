"""The held-out scenarios (tests/scenarios/heldout.jsonl) through the real pipeline.

Written from shared/scenarios/FORMAT.md's rules alone, in wording of their own, before the
bot was run on them: both languages, all seven channels, every situation FORMAT.md names.
Their expectations are FORMAT.md's, never the bot's; when one fails, fix the behaviour.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from relaydesk.bot.intent_data import load_training_set
from relaydesk.domain.vocab import Channel
from relaydesk.sim.eval import email_text, run_eval
from relaydesk.sim.scenarios import load

HELDOUT = Path(__file__).resolve().parents[1] / "scenarios" / "heldout.jsonl"


async def test_heldout_scores_meet_the_targets() -> None:
    report = await run_eval([HELDOUT])
    assert report["escalation_f1"] >= 0.97, report["failures"]
    assert report["late"] == 0, report["failures"]
    assert report["premature"] == 0, report["failures"]
    assert report["team_accuracy"] >= 0.95, report["failures"]
    assert report["entity_recall"] == 1.0, report["failures"]
    assert report["masked_ok"] == 1.0, report["failures"]


def test_the_set_covers_what_format_md_names() -> None:
    scenarios = load(HELDOUT)
    assert len(scenarios) >= 60
    assert {s.channel for s in scenarios} == set(Channel)
    assert {s.lang for s in scenarios} == {"en", "id"}
    assert {"vip", "standard"} <= {s.customer.tier for s in scenarios}
    reasons = {r for s in scenarios for r in s.expect.reasons}
    assert reasons >= {
        "explicit_request", "frustration", "urgent", "policy_intent", "bot_failure", "loop",
        "vip", "out_of_scope",
    }  # fmt: skip
    assert {s.expect.team for s in scenarios} >= {"logistics", "billing", "accounts", "general"}
    assert sum(not s.expect.escalate for s in scenarios) >= 15
    assert sum(bool(s.expect.masked) for s in scenarios) >= 3
    assert sum(s.expect.not_before is not None for s in scenarios) >= 3


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", email_text(text).lower()))


def test_no_heldout_turn_is_a_training_line() -> None:
    """The classifier must meet these sentences for the first time here."""
    training = {_normal(text) for text in load_training_set().texts}
    turns = [t for line in HELDOUT.open(encoding="utf-8") for t in json.loads(line)["turns"]]
    seen = [t for t in turns if len(_normal(t).split()) >= 4 and _normal(t) in training]
    assert not seen
