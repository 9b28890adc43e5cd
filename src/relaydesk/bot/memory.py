"""What the bot remembers of one conversation between two messages.

Stored by the service in a JSON column (`to_json` gives a dict). `from_json` accepts what
any earlier version wrote, and anything broken: a field it cannot read falls back to its
default, because losing a remembered order number is better than failing a customer's turn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from relaydesk.bot.intents import Topic

# What the bot may be waiting for: an id it asked for, a yes/no on a new delivery date, or
# the details of a complaint.
ENTITY_QUESTIONS = ("order_id", "transaction_id", "email")
AWAITABLE = frozenset({*ENTITY_QUESTIONS, "eta_confirmation", "details"})


@dataclass(frozen=True)
class BotMemory:
    lang: str | None = None  # the conversation's language once known: "en" or "id"
    entities: dict[str, str] = field(default_factory=dict)  # everything the customer gave
    topic: str = Topic.GENERAL  # the case's topic: delivery, payment, account, general
    awaiting: str | None = None  # the question the bot is waiting on (see AWAITABLE)
    times_asked: int = 0  # how many turns in a row the bot has asked for `awaiting`
    last_intent: str | None = None
    last_outcome: str | None = None
    last_situation: str | None = None
    subject: str | None = None  # what the last answer was about: "order:10003"
    answers_on_subject: int = 0  # answers given in a row about `subject`
    misunderstood: int = 0  # turns in a row the bot did not understand

    def remember(self, **changes: Any) -> BotMemory:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, for a JSON column (or `json.dumps` for a text one)."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | str | bytes | None) -> BotMemory:
        """Read what `to_json` gave: the column's dict, or the same dumped to a string."""
        if isinstance(raw, (str, bytes)):
            try:
                raw = json.loads(raw)
            except ValueError:
                return cls()
        if not isinstance(raw, Mapping):
            return cls()
        return cls._from_mapping(raw)

    @classmethod
    def _from_mapping(cls, data: Mapping[str, Any]) -> BotMemory:
        defaults, values = cls(), {}
        for spec in fields(cls):
            value = data.get(spec.name, getattr(defaults, spec.name))
            if _fits(value, getattr(defaults, spec.name), spec.name):
                values[spec.name] = value
        if values.get("awaiting") not in AWAITABLE:
            values["awaiting"] = None
        return cls(**values)


def _fits(value: Any, default: Any, name: str) -> bool:
    if name == "entities":
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    if isinstance(default, bool) or isinstance(value, bool):
        return False
    if isinstance(default, int):
        return isinstance(value, int) and value >= 0
    if isinstance(default, str):
        return isinstance(value, str)
    return value is None or isinstance(value, str)
