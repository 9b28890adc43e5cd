"""What a flow gets (`Turn`) and what it decides (`Step`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from relaydesk.bot import replies
from relaydesk.bot.commerce import CommerceBackend
from relaydesk.bot.memory import BotMemory
from relaydesk.domain.vocab import BotOutcome


@dataclass(frozen=True)
class Turn:
    intent: str  # the intent the bot acts on (the NLU's, or the one the dialogue resumes)
    entities: Mapping[str, str]  # this message's entities over everything remembered
    lang: str
    today: date  # in the shop's timezone: "due yesterday" means the shop's yesterday
    memory: BotMemory
    backend: CommerceBackend

    def say(self, key: str, **fields: object) -> str:
        return replies.say(key, self.lang, **fields)

    def piece(self, key: str, **fields: object) -> str:
        return replies.fragment(key, self.lang, **fields)


@dataclass(frozen=True)
class Step:
    outcome: BotOutcome
    reply: str
    situation: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    tried: tuple[str, ...] = ()
    awaiting: str | None = None  # what the bot now waits for
    subject: str | None = None  # what this answer is about, "order:10003"; None for none
    entities: Mapping[str, str] = field(default_factory=dict)  # ids as the shop keys them


def ask(turn: Turn, entity: str, message: str, words: str) -> Step:
    """Ask for a missing id; the second time in a row, explain where to find it."""
    again = turn.memory.awaiting == entity and turn.memory.times_asked > 0
    return Step(
        BotOutcome.ASKED,
        turn.say(f"{message}_again" if again else message),
        tried=(f"asked for the {words}",),
        awaiting=entity,
    )


def cannot_reach(turn: Turn, call: str, error: Exception) -> Step:
    return Step(
        BotOutcome.CANNOT_HELP,
        turn.say("backend_unavailable"),
        situation="backend_unavailable",
        tried=(f"tried to {call} but the shop did not answer ({error})",),
    )
