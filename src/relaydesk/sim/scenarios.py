"""The scenario format of shared/scenarios/FORMAT.md, validated line by line."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from relaydesk.domain.vocab import Channel, Priority


class ScenarioError(Exception):
    pass


class Customer(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = None
    tier: Literal["standard", "vip"] = "standard"
    phone: str | None = None
    email: str | None = None


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    escalate: bool
    by_turn: int | None = Field(default=None, ge=1)
    not_before: int | None = Field(default=None, ge=1)
    reasons: list[str] = Field(default_factory=list)
    team: str | None = None
    priority_at_least: Priority | None = None
    entities: dict[str, str] = Field(default_factory=dict)
    masked: list[str] = Field(default_factory=list)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    channel: Channel
    lang: Literal["en", "id"] = "en"
    customer: Customer = Field(default_factory=Customer)
    facts: dict[str, Any] = Field(default_factory=dict)
    now: datetime
    turns: list[str] = Field(min_length=1)
    expect: Expect

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a timezone offset, e.g. 2026-11-23T10:00:00+07:00")
        return value


def load(path: Path) -> list[Scenario]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    scenarios = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            scenarios.append(Scenario.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ScenarioError(f"{path}:{number}: {where}: {error['msg']}") from None
    return scenarios
