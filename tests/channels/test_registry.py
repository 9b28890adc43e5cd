"""Channel settings: from a file and the environment, checked line by line, and secrets
that never show (not in errors, not in a repr, not in an API answer or a log)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from relaydesk.channels.registry import ChannelsError, load_channels
from relaydesk.cli import app

FILE = """\
whatsapp:
  app_secret: file-app-secret-1234
  verify_token: file-verify-token
  access_token: file-access-token
  phone_number_id: 106540352242922
  templates:
    - {name: case_follow_up, lang: en, text: "Hi {{1}}", params: 1}
email:
  address: support@shop.example
  inbound_secret: file-inbound-secret
  listen_port: 0
"""


def test_a_file_turns_its_channels_on_and_the_environment_overrides_a_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(FILE, encoding="utf-8")
    env = {"RELAYDESK_WHATSAPP__ACCESS_TOKEN": "env-access-token", "RELAYDESK_SMS__X": ""}
    with pytest.raises(ChannelsError) as error:
        load_channels(path, environ=env)  # an SMS section from the environment alone is
    assert "sms.account_sid: required key missing" in str(error.value)  # incomplete
    channels = load_channels(path, environ={"RELAYDESK_WHATSAPP__ACCESS_TOKEN": "env-access-token"})
    assert sorted(channels) == ["email", "webchat", "whatsapp"]
    config = channels.config.whatsapp
    assert config is not None
    assert config.access_token.get_secret_value() == "env-access-token"
    assert config.phone_number_id == "106540352242922"  # a YAML number is the id it looks like
    assert config.templates[0].params == 1
    shown = repr(channels.config) + str(channels.config)
    for secret in ("file-app-secret-1234", "env-access-token", "file-inbound-secret"):
        assert secret not in shown


def test_mistakes_name_the_line_and_never_echo_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        "telegram:\n  bot_token: [leaked-bot-token]\n  secret_token: 'has spaces leaked'\n"
        "fax: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ChannelsError) as error:
        load_channels(path, environ={})
    lines = [str(issue) for issue in error.value.issues]
    assert lines[0].startswith(f"{path}:2: telegram.bot_token:")
    assert lines[1].startswith(f"{path}:3: telegram.secret_token:")
    assert lines[2] == f"{path}:4: fax: unknown key"
    assert "leaked" not in str(error.value)
    result = CliRunner().invoke(app, ["channels", "check", str(path)])
    assert result.exit_code == 1
    assert "leaked" not in result.output
    good = tmp_path / "good.yaml"
    good.write_text(FILE, encoding="utf-8")
    assert CliRunner().invoke(app, ["channels", "check", str(good)]).exit_code == 0
