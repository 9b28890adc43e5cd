"""Typed settings, read from RELAYDESK_* environment variables (and an optional .env file).

Validated once at start; a bad value stops the server with a message naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; sqlite:///path or postgresql://... (async drivers are "
        "chosen automatically). Empty: a SQLite file in data_dir.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for fan-out between processes; empty for one process."
    )
    data_dir: Path = DEFAULT_DATA_DIR
    policy_file: Path | None = Field(
        default=None, description="Escalation policy YAML; empty for the built-in default."
    )
    routing_file: Path | None = Field(
        default=None,
        description="Routing YAML (teams' offers, overflow, hours); empty for the built-in one.",
    )
    channels_file: Path | None = Field(
        default=None,
        description="Provider channels' settings (YAML; see docs/channels.md). Variables "
        "RELAYDESK_<CHANNEL>__<FIELD> override it field by field.",
    )
    public_url: str | None = Field(
        default=None,
        description="The server's URL as providers call it (https://desk.example.com), for "
        "signatures over the URL (Twilio) when a proxy sits in front.",
    )
    presence_grace_s: float = Field(
        default=60.0,
        gt=0,
        description="An agent whose every desk connection closed is offline after this long.",
    )
    nlu_backend: Literal["ngram", "embeddings"] = Field(
        default="ngram",
        description="Intent classifier: word and character n-grams (default), or n-grams plus "
        "MiniLM sentence embeddings (needs `pip install relaydesk[embeddings]`).",
    )
    commerce_backend: Literal["demo", "http"] = "demo"
    commerce_demo_file: Path | None = None
    commerce_http_url: str | None = None
    commerce_http_token: str | None = None
    timezone: str = Field(
        default="Asia/Jakarta",
        description="The shop's time zone: judges 'today' and 'late by N days'.",
    )
    max_message_chars: int = Field(default=4000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    default_handle_time_s: float = Field(default=300.0, gt=0)
    auto_migrate: bool = True
    demo: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value or None

    @model_validator(mode="after")
    def _backend_complete(self) -> Settings:
        if self.commerce_backend == "http" and not (
            self.commerce_http_url and self.commerce_http_token
        ):
            raise ValueError(
                "commerce_backend=http needs RELAYDESK_COMMERCE_HTTP_URL and "
                "RELAYDESK_COMMERCE_HTTP_TOKEN"
            )
        for name in ("policy_file", "routing_file", "channels_file"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name} {path} does not exist")
        return self

    @property
    def async_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.data_dir / 'relaydesk.db'}"
        return to_async_url(url)


def to_async_url(url: str) -> str:
    """The same database, through the asyncio driver SQLAlchemy needs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    for sync_prefix, async_prefix in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ):
        if url.startswith(sync_prefix):
            return async_prefix + url.removeprefix(sync_prefix)
    return url
