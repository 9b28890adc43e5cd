"""The handover brief: everything the agent needs so the customer never repeats themselves.

Built once, at the moment of handover, from values the bot and the escalation engine
already hold; stored with the handover and shown on the desk before the agent types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relaydesk.domain.turn import Decision, TurnRecord


@dataclass(frozen=True)
class TranscriptLine:
    sender: str
    text: str
    at: datetime


def build_brief(
    *,
    decision: Decision,
    intent: str | None,
    topic: str | None,
    entities: dict[str, str],
    history: Sequence[TurnRecord],
    tried: Sequence[str],
    transcript: Sequence[TranscriptLine],
    customer: dict[str, Any],
    channel: str,
    facts: dict[str, Any],
) -> dict[str, Any]:
    frustration = max((turn.frustration for turn in history), default=0.0)
    return {
        "summary": summarise(intent, topic, entities, decision),
        "intent": intent,
        "topic": topic,
        "entities": dict(entities),
        "reasons": list(decision.reasons),
        "team": decision.team,
        "priority": decision.priority.value,
        "rule": decision.rule,
        "policy_version": decision.policy_version,
        "signals": decision.explain()["signals"],
        "bot_tried": list(dict.fromkeys(tried)),
        "bot_answers": [line.text for line in transcript if line.sender == "bot"],
        "facts": facts,
        "customer": customer,
        "channel": channel,
        "sentiment": {"frustration": round(frustration, 3)},
        "turns": len(history),
        "transcript": [
            {"sender": line.sender, "text": line.text, "at": line.at.isoformat()}
            for line in transcript
        ],
    }


def summarise(
    intent: str | None, topic: str | None, entities: dict[str, str], decision: Decision
) -> str:
    subject = (intent or "unclear request").replace("_", " ")
    details = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in entities.items())
    reasons = ", ".join(reason.replace("_", " ") for reason in decision.reasons)
    text = f"{subject.capitalize()}"
    if topic:
        text += f" ({topic})"
    if details:
        text += f": {details}"
    return f"{text}. Handed over for: {reasons or 'customer request'}."
