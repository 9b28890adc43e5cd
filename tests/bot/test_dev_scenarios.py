"""The bot over every turn of the shared dev scenarios (shared/scenarios/dev.jsonl).

Only the bot is played here, not the escalation engine: each turn is masked as the
pipeline would, answered with the scenario's facts and clock, and checked against what the
bot must report for the clear cases. Turns after a handover would go to a person; the bot
answering them anyway must still be sensible.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from relaydesk.bot.bot import Bot
from relaydesk.bot.commerce import DemoBackend
from relaydesk.bot.memory import BotMemory
from relaydesk.bot.nlu import Nlu
from relaydesk.domain.masking import mask
from relaydesk.domain.turn import BotTurn, CustomerView
from relaydesk.domain.vocab import BotOutcome as O

DEV = Path(__file__).resolve().parents[3] / "shared" / "scenarios" / "dev.jsonl"
SCENARIOS = [json.loads(line) for line in DEV.open()] if DEV.exists() else []

A, R, Q, S, N, C = O.ANSWERED, O.RESOLVED, O.ASKED, O.SMALL_TALK, O.NOT_UNDERSTOOD, O.CANNOT_HELP
# Per scenario, per turn: (outcome, situation) the bot must report; None = not checked.
EXPECTED: dict[str, list[tuple[O, str | None] | None]] = {
    "dlv-01": [(A, "order_in_transit"), (R, None)],
    "dlv-02": [(A, "order_delivered"), (R, None)],
    "dlv-03": [(A, "order_delayed"), (A, "order_delayed"), (C, "human_requested")],
    "dlv-04": [(C, "order_lost"), (C, "order_lost")],
    "dlv-05": [(A, "order_delayed"), (R, "order_delayed")],
    "dlv-06": [(A, "order_in_transit"), (R, None)],
    "dlv-07": [(A, "order_delayed"), (C, "human_requested")],
    "dlv-08": [(C, "order_damaged")],
    "dlv-09": [(A, "order_delayed"), (A, "order_delayed"), (A, "order_delayed")],
    "dlv-10": [(A, "order_delayed"), (A, "order_delayed"), (A, "order_delayed")],
    "dlv-11": [(S, None), (A, "order_processing")],
    "dlv-12": [(Q, None), (C, "order_wrong_item")],
    "dlv-13": [(C, "address_change_requested")],
    "pay-01": [(Q, None), (A, "payment_failed"), (R, None)],
    "pay-02": [(A, "payment_failed"), (R, None)],
    "pay-03": [(C, "payment_charged_but_failed")],
    "pay-04": [(Q, None), (C, "payment_double_charged")],
    "pay-05": [(C, "payment_unauthorized")],
    "pay-06": [(Q, None), (A, "payment_failed"), (C, "human_requested")],
    "pay-07": [(A, "payment_failed"), (R, None)],
    "pay-08": [(A, "payment_failed")],
    "acc-01": [(Q, None), (A, "account_locked_attempts"), (R, None)],
    "acc-02": [(Q, None), (C, "account_locked_security")],
    "acc-03": [(C, "account_hacked")],
    "acc-04": [(Q, None), (A, "account_locked_attempts"), (R, None)],
    "acc-05": [(C, "account_suspended")],
    "acc-06": [(Q, None), (Q, None), (C, "human_requested")],
    "gen-01": [(C, "human_requested")],
    "gen-02": [(C, "human_requested")],
    "gen-03": [(N, None), (N, None)],
    "gen-04": [(A, "order_delayed")],
    "gen-05": [(A, "order_delayed")],
    "gen-06": [(S, None), (R, None)],
    "gen-07": [(S, None)],
    "gen-08": [(C, "human_requested")],
    "gen-09": [(C, "human_requested")],
}
TEAM_TOPIC = {"logistics": "delivery", "billing": "payment", "accounts": "account"}

pytestmark = pytest.mark.skipif(
    not SCENARIOS, reason=f"{DEV} not found: the dev scenarios live in shared/, beside the repo"
)


async def _play(nlu: Nlu, scenario: dict[str, Any]) -> tuple[list[BotTurn], BotMemory]:
    bot = Bot(nlu, DemoBackend.from_facts(scenario.get("facts") or {}))
    customer = CustomerView(tier=scenario["customer"].get("tier", "standard"))
    now, memory, turns = datetime.fromisoformat(scenario["now"]), BotMemory(), []
    for text in scenario["turns"]:
        turn, memory = await bot.respond(mask(text).text, memory, customer, now)
        turns.append(turn)
    return turns, memory


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
async def test_bot_reports_each_turn_truthfully(nlu: Nlu, scenario: dict[str, Any]):
    turns, memory = await _play(nlu, scenario)
    expected = EXPECTED.get(scenario["id"], [None] * len(turns))
    got = [(t.outcome, t.situation) for t in turns]
    for index, (want, have) in enumerate(zip(expected, got, strict=True), start=1):
        assert want is None or want == have, f"turn {index}: {got}"
    for turn in turns:
        assert turn.understanding.lang == scenario["lang"], turn.reply
    for name, value in scenario["expect"].get("entities", {}).items():
        assert memory.entities.get(name) == value


WITH_TOPIC_TEAM = [s for s in SCENARIOS if s["expect"].get("team") in TEAM_TOPIC]


@pytest.mark.parametrize("scenario", WITH_TOPIC_TEAM, ids=[s["id"] for s in WITH_TOPIC_TEAM])
async def test_the_case_topic_matches_the_team_that_takes_it(nlu: Nlu, scenario: dict[str, Any]):
    team = scenario["expect"]["team"]
    turns, _ = await _play(nlu, scenario)
    assert turns[-1].topic == TEAM_TOPIC[team]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
async def test_no_secret_reaches_the_bots_turn(nlu: Nlu, scenario: dict[str, Any]):
    secrets = scenario["expect"].get("masked", [])
    turns, memory = await _play(nlu, scenario)
    dump = repr(turns) + json.dumps(memory.to_json())
    assert not [s for s in secrets if s in dump]


@pytest.mark.parametrize(
    "scenario",
    [s for s in SCENARIOS if not s["expect"]["escalate"]],
    ids=[s["id"] for s in SCENARIOS if not s["expect"]["escalate"]],
)
async def test_self_service_scenarios_end_without_a_failure(nlu: Nlu, scenario: dict[str, Any]):
    turns, _ = await _play(nlu, scenario)
    failures = (O.NOT_UNDERSTOOD, O.NOT_FOUND, O.CANNOT_HELP)
    assert not [t.outcome for t in turns if t.outcome in failures]
    assert turns[-1].outcome in (O.RESOLVED, O.ANSWERED, O.SMALL_TALK)
