"""The one explicit map from a channel's name to its adapter (STYLE habit 4), built from
the channels file (`RELAYDESK_CHANNELS_FILE`) and the environment.

A channel is on when it has settings. Environment variables override the file, one field
at a time: `RELAYDESK_WHATSAPP__APP_SECRET`, `RELAYDESK_EMAIL__SMTP_HOST`, ... (a JSON
value for a list, such as `RELAYDESK_WHATSAPP__TEMPLATES`). Secrets are `SecretStr`:
they print as `**********` and no API answer carries them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from relaydesk.channels.base import Adapter
from relaydesk.channels.mail import MailAdapter, MailSettings
from relaydesk.channels.messenger import (
    InstagramAdapter,
    InstagramSettings,
    MessengerAdapter,
    MessengerSettings,
)
from relaydesk.channels.sms import SmsAdapter, SmsSettings
from relaydesk.channels.telegram import TelegramAdapter, TelegramSettings
from relaydesk.channels.webchat import WebchatAdapter
from relaydesk.channels.whatsapp import WhatsAppAdapter, WhatsAppSettings
from relaydesk.config_file import ConfigError, ConfigIssue, load_model, read_text
from relaydesk.domain.vocab import Channel

ENV_PREFIX = "RELAYDESK_"


class ChannelsError(ConfigError):
    pass


class ChannelsConfig(BaseModel):
    """Each provider channel's settings; a channel left out is off."""

    model_config = ConfigDict(extra="forbid")

    whatsapp: WhatsAppSettings | None = None
    messenger: MessengerSettings | None = None
    instagram: InstagramSettings | None = None
    telegram: TelegramSettings | None = None
    sms: SmsSettings | None = None
    email: MailSettings | None = None


class Channels:
    """The adapters that are on, by channel name. Web chat is always on."""

    def __init__(self, config: ChannelsConfig) -> None:
        self.config = config
        adapters: dict[str, Adapter] = {Channel.WEBCHAT.value: WebchatAdapter()}
        for name, make in (
            ("whatsapp", WhatsAppAdapter),
            ("messenger", MessengerAdapter),
            ("instagram", InstagramAdapter),
            ("telegram", TelegramAdapter),
            ("sms", SmsAdapter),
            ("email", MailAdapter),
        ):
            settings = getattr(config, name)
            if settings is not None:
                adapters[name] = make(settings)
        self._adapters = adapters

    def get(self, name: str) -> Adapter | None:
        return self._adapters.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def mail_settings(self) -> MailSettings:
        assert self.config.email is not None, "e-mail is not configured"
        return self.config.email


def load_channels(path: Path | None, environ: Mapping[str, str] | None = None) -> Channels:
    """The channels file (if any) with the environment's overrides; ChannelsError lists
    every mistake with its line (a variable's name where it came from the environment)."""
    text = read_text(path, ChannelsError) if path is not None else "{}\n"
    source = str(path) if path is not None else "<environment>"
    overrides = _from_environment(os.environ if environ is None else environ)
    if overrides:
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ChannelsError([ConfigIssue(source=source, line=1, field="", message=_SHAPE)])
        for channel, fields in overrides.items():
            section = data.get(channel) or {}
            data[channel] = {**section, **fields} if isinstance(section, dict) else fields
        text = yaml.safe_dump(data, sort_keys=False)
        source = f"{source} + RELAYDESK_<CHANNEL>__<FIELD> variables"
    config = load_model(text, source, ChannelsConfig, shape=_SHAPE, error=ChannelsError)
    return Channels(config)


_SHAPE = "the channels file is a mapping of channel name (whatsapp, sms, ...) to settings"


def _from_environment(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        channel, _, name = key.removeprefix(ENV_PREFIX).partition("__")
        if channel.lower() not in ChannelsConfig.model_fields or not name:
            continue
        found.setdefault(channel.lower(), {})[name.lower()] = _value(value)
    return found


def _value(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def check_channels_file(path: Path) -> list[str]:
    """Every mistake as "file:line: field: message"; [] when the file is fine (the
    environment's overrides are left out: this checks the file as written)."""
    try:
        load_channels(path, environ={})
    except ChannelsError as error:
        return [str(issue) for issue in error.issues]
    return []
