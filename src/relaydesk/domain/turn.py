"""What passes between the bot, the escalation engine and the service for one customer turn.

The flow for a customer message while the bot owns the conversation:

    masked text ──► bot.respond(text, memory, customer, now) ──► BotTurn (+ new memory)
                                                                   │
    EscalationInput(text, turn, history, customer, channel) ──► engine.decide() ──► Decision

All of these are plain values: JSON-able, comparable, with no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relaydesk.domain.vocab import BotOutcome, Priority


@dataclass(frozen=True)
class Understanding:
    """What the NLU made of one message."""

    lang: str  # "en" or "id"
    intent: str  # an intent name from relaydesk.bot.intents, or "out_of_scope"
    confidence: float  # 0..1, calibrated
    entities: dict[str, str] = field(default_factory=dict)  # order_id, transaction_id, email, ...
    in_scope: bool = True  # False: no skill of the bot matches (the confidence threshold)


@dataclass(frozen=True)
class BotTurn:
    """The bot's answer to one message, before the escalation engine has its say."""

    understanding: Understanding
    outcome: BotOutcome
    reply: str  # what the bot says if the conversation stays with the bot
    topic: str  # the case's topic so far: "delivery", "payment", "account" or "general"
    situation: str | None = (
        None  # what the backend told, e.g. "order_lost", "payment_double_charged"
    )
    facts: dict[str, Any] = field(default_factory=dict)  # the backend records looked up
    tried: tuple[str, ...] = ()  # what the bot did this turn, in words for the agent's brief


@dataclass(frozen=True)
class TurnRecord:
    """One earlier customer turn, as the signals see the history."""

    text: str
    intent: str
    outcome: BotOutcome
    situation: str | None = None
    frustration: float = 0.0


@dataclass(frozen=True)
class CustomerView:
    """What the rules may know about the customer."""

    tier: str = "standard"
    name: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class SignalResult:
    """A signal's score (0..1) and the words or facts that raised it."""

    name: str
    score: float
    evidence: tuple[str, ...] = ()

    @property
    def fired(self) -> bool:
        return self.score >= 0.5


@dataclass(frozen=True)
class EscalationInput:
    text: str
    turn: BotTurn
    history: tuple[TurnRecord, ...]  # earlier customer turns of this conversation, oldest first
    customer: CustomerView
    channel: str
    forced: bool = False  # the customer pressed "talk to a person"


@dataclass(frozen=True)
class Decision:
    handover: bool
    reasons: tuple[str, ...]
    team: str | None
    priority: Priority
    rule: str | None  # the id of the rule that fired, None when no rule did
    policy_version: str
    signals: tuple[SignalResult, ...] = ()

    def explain(self) -> dict[str, Any]:
        return {
            "handover": self.handover,
            "reasons": list(self.reasons),
            "team": self.team,
            "priority": self.priority.value,
            "rule": self.rule,
            "policy_version": self.policy_version,
            "signals": [
                {"name": s.name, "score": round(s.score, 3), "evidence": list(s.evidence)}
                for s in self.signals
            ],
        }
