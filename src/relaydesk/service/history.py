"""The per-conversation turn history, as stored in a JSON column."""

from __future__ import annotations

from typing import Any

from relaydesk.domain.turn import BotTurn, Decision, TurnRecord
from relaydesk.domain.vocab import BotOutcome


def record(text: str, turn: BotTurn, decision: Decision) -> dict[str, Any]:
    frustration = next((s.score for s in decision.signals if s.name == "frustration"), 0.0)
    return {
        "text": text,
        "intent": turn.understanding.intent,
        "outcome": turn.outcome.value,
        "situation": turn.situation,
        "frustration": frustration,
        "topic": turn.topic,
        "tried": list(turn.tried),
        "facts": turn.facts,
        "entities": turn.understanding.entities,
    }


def turn_records(history: list[Any]) -> tuple[TurnRecord, ...]:
    return tuple(
        TurnRecord(
            text=item["text"],
            intent=item["intent"],
            outcome=BotOutcome(item["outcome"]),
            situation=item.get("situation"),
            frustration=float(item.get("frustration", 0.0)),
        )
        for item in history
    )


def tried(history: list[Any]) -> list[str]:
    return [step for item in history for step in item.get("tried", [])]


def facts(history: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in history:
        merged.update(item.get("facts") or {})
    return merged
