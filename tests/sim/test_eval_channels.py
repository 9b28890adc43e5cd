"""`relaydesk eval --all-channels`: the same conversation must be decided alike everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from relaydesk.cli import app
from relaydesk.domain.vocab import Channel
from relaydesk.sim.eval import (
    Played,
    as_mail,
    channel_report,
    email_text,
    on_channel,
    run_eval,
)
from relaydesk.sim.scenarios import Scenario

NOW = "2026-11-23T10:00:00+07:00"
LOST = {
    "id": "c-lost",
    "channel": "whatsapp",
    "customer": {"name": "Ani", "phone": "+6281200000101"},
    "facts": {"orders": {"77001": {"status": "lost", "promised": "2026-11-05", "eta": None}}},
    "now": NOW,
    "turns": ["my parcel 77001 never arrived"],
    "expect": {"escalate": True, "by_turn": 1, "team": "logistics"},
}
MAILED = {
    "id": "c-mail",
    "channel": "email",
    "customer": {"name": "Budi", "email": "budi@mail.example"},
    "now": NOW,
    "turns": ["Subject: Please have someone call me\n\nI want to talk to a real person."],
    "expect": {"escalate": True, "by_turn": 1, "reasons": ["explicit_request"]},
}
# Two turns the bot cannot read: a person after the second, or after the first by e-mail,
# where the default policy's own `email:` rule gives the bot one try.
GIBBERISH = {
    "id": "c-gibberish",
    "channel": "webchat",
    "now": NOW,
    "turns": ["asdkjh qwe", "zzzz ???"],
    "expect": {"escalate": True, "by_turn": 2},
}
THANKS = {
    "id": "c-thanks",
    "channel": "telegram",
    "now": NOW,
    "turns": ["thanks"],
    "expect": {"escalate": False},
}


def write(path: Path, *scenarios: dict[str, Any]) -> Path:
    path.write_text("\n".join(json.dumps(s) for s in scenarios) + "\n")
    return path


async def test_every_channel_decides_alike_and_overrides_are_listed_apart(tmp_path: Path) -> None:
    report = await run_eval(
        [write(tmp_path / "s.jsonl", LOST, MAILED, GIBBERISH, THANKS)], all_channels=True
    )
    assert report["channel_consistency"] == 1.0
    assert report["channel_mismatches"] == []
    assert report["channel_overrides"] == [
        {
            "id": "c-gibberish",
            "channel": "email",
            "differs": {
                "handover_turn": {"here": 1, "elsewhere": 2},
                "reasons": {"here": ["bot_failure"], "elsewhere": ["bot_failure", "out_of_scope"]},
            },
            "rules": ["email:single-failure"],
        }
    ]


async def test_the_normal_scores_are_those_of_the_scenarios_own_channels(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LOST, GIBBERISH, THANKS)
    plain = await run_eval([path])
    every = await run_eval([path], all_channels=True)
    assert {k: v for k, v in every.items() if not k.startswith("channel_")} == plain
    assert "channel_consistency" not in plain


def test_a_replay_is_a_new_customer_on_that_channel() -> None:
    scenario = Scenario.model_validate(LOST)
    replays = [on_channel(scenario, channel) for channel in Channel]
    assert [r.channel for r in replays] == list(Channel)
    assert len({r.id for r in replays} | {scenario.id}) == len(Channel) + 1
    assert all(r.customer.phone is None and r.customer.email is None for r in replays)
    assert all(r.customer.name == "Ani" and r.expect == scenario.expect for r in replays)


def test_email_replays_carry_each_turn_as_a_mail_and_chats_carry_what_was_written() -> None:
    chat = Scenario.model_validate({**GIBBERISH, "turns": ["where is 77001", "ok thanks"]})
    by_mail = on_channel(chat, Channel.EMAIL)
    assert by_mail.turns == ["Subject: \n\nwhere is 77001", "Subject: Re:\n\nok thanks"]
    assert [email_text(t) for t in by_mail.turns] == chat.turns
    mail = Scenario.model_validate(MAILED)
    assert on_channel(mail, Channel.EMAIL).turns == mail.turns
    assert on_channel(mail, Channel.SMS).turns == [
        "Please have someone call me\nI want to talk to a real person."
    ]
    assert as_mail(mail.turns[0], 2) == mail.turns[0]


def _played(channel: Channel, turn: int | None, team: str | None, *overrides: str) -> Played:
    scenario = Scenario.model_validate({**THANKS, "id": f"c-x@{channel.value}"})
    scenario = scenario.model_copy(update={"channel": channel})
    played = Played(scenario, handover_turn=turn, team=team, overrides=list(overrides))
    played.reasons = ["loop"] if turn else []
    return played


def test_a_channel_that_decides_otherwise_is_a_mismatch() -> None:
    plays = [_played(c, 2, "billing") for c in Channel if c is not Channel.SMS]
    plays.append(_played(Channel.SMS, None, None))
    report = channel_report([plays, [_played(c, None, None) for c in Channel]])
    assert report["channel_consistency"] == 0.5
    assert report["channel_mismatches"] == [
        {
            "id": "c-x",
            "channel": "sms",
            "differs": {
                "handover_turn": {"here": None, "elsewhere": 2},
                "reasons": {"here": [], "elsewhere": ["loop"]},
                "team": {"here": None, "elsewhere": "billing"},
            },
        }
    ]
    assert report["channel_overrides"] == []


def test_a_difference_a_channel_rule_explains_is_an_override() -> None:
    plays = [_played(c, 2, "billing") for c in Channel if c is not Channel.EMAIL]
    plays.append(_played(Channel.EMAIL, 1, "billing", "email:single-failure"))
    report = channel_report([plays])
    assert report["channel_consistency"] == 1.0
    assert report["channel_mismatches"] == []
    assert [(o["channel"], o["rules"]) for o in report["channel_overrides"]] == [
        ("email", ["email:single-failure"])
    ]


def test_the_cli_prints_the_channel_figures(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LOST, THANKS)
    result = CliRunner().invoke(app, ["eval", "--all-channels", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["channel_consistency"] == 1.0
    assert report["channel_mismatches"] == report["channel_overrides"] == []
