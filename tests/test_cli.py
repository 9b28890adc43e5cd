"""The relaydesk command: bad settings, bad policies, and eval's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relaydesk.cli import app

runner = CliRunner()

BROKEN_POLICY = """\
version: "test-1"
teams: [general]
default_team: general
rules:
  - id: nonsense
    when: {signal: telepathy}
    then: {handover: true, reasons: [explicit_request]}
"""


def test_policy_check_names_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BROKEN_POLICY)
    result = runner.invoke(app, ["policy", "check", str(policy)])
    assert result.exit_code == 1
    assert f"{policy}:6:" in result.output
    assert "telepathy" in result.output


def test_the_default_policy_checks_clean() -> None:
    from relaydesk.escalation import policy

    default = Path(policy.__file__).with_name("default_policy.yaml")
    result = runner.invoke(app, ["policy", "check", str(default)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_server_refuses_to_start_with_a_broken_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BROKEN_POLICY)
    monkeypatch.setenv("RELAYDESK_POLICY_FILE", str(policy))
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "the escalation policy is invalid" in result.output
    assert f"{policy}:6" in result.output
    assert not (tmp_path / "db.sqlite").exists(), (
        "nothing may be written before the policy is valid"
    )


BROKEN_ROUTING = """\
teams:
  billing:
    overflow_teams: [billing, sales]
    hours:
      timezone: Asia/Jakarta
      weekly: {mon: ["09:00-25:00"]}
"""


def test_routing_check_names_each_line(tmp_path: Path) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text(BROKEN_ROUTING)
    result = runner.invoke(app, ["routing", "check", str(routing)])
    assert result.exit_code == 1
    assert f"{routing}:6: teams.billing.hours.weekly.mon[0]:" in result.output
    assert "25:00" in result.output
    routing.write_text(BROKEN_ROUTING.replace("25:00", "17:00"))
    result = runner.invoke(app, ["routing", "check", str(routing)])
    assert f"{routing}:3: teams.billing.overflow_teams[0]: a team cannot overflow to itself" in (
        result.output
    )
    assert f"{routing}:3: teams.billing.overflow_teams[1]: unknown team 'sales'" in result.output


def test_the_default_routing_checks_clean_and_a_broken_one_stops_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relaydesk import service

    default = Path(service.__file__).with_name("default_routing.yaml")
    assert runner.invoke(app, ["routing", "check", str(default)]).exit_code == 0
    routing = tmp_path / "routing.yaml"
    routing.write_text(BROKEN_ROUTING)
    monkeypatch.setenv("RELAYDESK_ROUTING_FILE", str(routing))
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "the routing file is invalid" in result.output
    assert not (tmp_path / "db.sqlite").exists()


def test_invalid_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", "mysql://nope")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "RELAYDESK_DATABASE_URL" in result.output
    assert "sqlite:/// or postgresql://" in result.output


def test_eval_prints_one_json_object_last(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.jsonl"
    scenarios.write_text(
        json.dumps(
            {
                "id": "x",
                "channel": "telegram",
                "now": "2026-11-23T10:00:00+07:00",
                "turns": ["agent please"],
                "expect": {"escalate": True, "by_turn": 1, "reasons": ["explicit_request"]},
            }
        )
        + "\n"
    )
    result = runner.invoke(app, ["eval", str(scenarios)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["scenarios"] == 1 and report["escalation_recall"] == 1.0


def test_eval_reports_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2
    assert "bad.jsonl:1:" in result.output


def test_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'up.db'}")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "up.db").exists()


def test_agents_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    args = ["agents", "add", "--email", "Nina@Example.com", "--name", "Nina", "--teams", "billing"]
    result = runner.invoke(app, [*args, "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert "nina@example.com in billing" in result.output
    short = runner.invoke(app, [*args, "--password", "short"])
    assert short.exit_code == 2 and "8 characters" in short.output
    unknown = runner.invoke(app, [*args[:-1], "nosuchteam", "--password", "long-enough-pw"])
    assert unknown.exit_code == 2 and "unknown team(s): nosuchteam" in unknown.output


def test_agents_add_takes_skills_and_channel_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from sqlalchemy import select

    from relaydesk.service.bootstrap import bootstrap
    from relaydesk.settings import Settings
    from relaydesk.store.models import Agent

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("RELAYDESK_DATABASE_URL", url)
    base = ["agents", "add", "--email", "ayu@example.com", "--name", "Ayu", "--teams", "billing"]
    result = runner.invoke(
        app,
        [*base, "--languages", "en,id", "--tiers", "vip", "--channel-capacity", "whatsapp=2"],
        input="secret-pass\nsecret-pass\n",
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        app, [*base, "--channel-capacity", "fax=2"], input="secret-pass\nsecret-pass\n"
    )
    assert bad.exit_code == 2 and "unknown channel(s): fax" in bad.output

    async def read() -> Agent:
        c = bootstrap(Settings(database_url=url, data_dir=tmp_path))
        try:
            async with c.reader() as uow:
                return (await uow.session.execute(select(Agent))).scalar_one()
        finally:
            await c.stop()

    agent = asyncio.run(read())
    assert agent.skills == {"languages": ["en", "id"], "tiers": ["vip"]}
    assert agent.channel_capacity == {"whatsapp": 2}
