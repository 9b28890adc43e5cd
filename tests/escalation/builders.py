"""Hand-built turn values for escalation tests (the bot package is not imported here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relaydesk.domain.turn import (
    BotTurn,
    CustomerView,
    Decision,
    EscalationInput,
    TurnRecord,
    Understanding,
)
from relaydesk.domain.vocab import BotOutcome
from relaydesk.escalation import EscalationEngine

ALL_CHANNELS = ("webchat", "whatsapp", "messenger", "instagram", "telegram", "sms", "email")


def bot_turn(
    intent: str = "out_of_scope",
    outcome: BotOutcome = BotOutcome.ANSWERED,
    topic: str = "general",
    situation: str | None = None,
    confidence: float = 0.9,
    entities: dict[str, str] | None = None,
    lang: str = "en",
) -> BotTurn:
    understanding = Understanding(
        lang=lang,
        intent=intent,
        confidence=confidence,
        entities=entities or {},
        in_scope=intent != "out_of_scope",
    )
    return BotTurn(
        understanding=understanding, outcome=outcome, reply="...", topic=topic, situation=situation
    )


def record(
    text: str,
    intent: str = "out_of_scope",
    outcome: BotOutcome = BotOutcome.ANSWERED,
    situation: str | None = None,
    frustration: float = 0.0,
) -> TurnRecord:
    return TurnRecord(
        text=text, intent=intent, outcome=outcome, situation=situation, frustration=frustration
    )


def make_input(
    text: str,
    intent: str = "out_of_scope",
    outcome: BotOutcome = BotOutcome.ANSWERED,
    topic: str = "general",
    situation: str | None = None,
    history: Sequence[TurnRecord] = (),
    tier: str = "standard",
    channel: str = "webchat",
    forced: bool = False,
    confidence: float = 0.9,
    entities: dict[str, str] | None = None,
    lang: str = "en",
) -> EscalationInput:
    turn = bot_turn(intent, outcome, topic, situation, confidence, entities, lang)
    return EscalationInput(
        text=text,
        turn=turn,
        history=tuple(history),
        customer=CustomerView(tier=tier, lang=lang),
        channel=channel,
        forced=forced,
    )


def text_only(text: str, **kwargs: Any) -> EscalationInput:
    """A turn the NLU could not place: only the words can raise a signal."""
    return make_input(text, intent="out_of_scope", confidence=0.2, **kwargs)


@dataclass(frozen=True)
class Step:
    """One customer turn and what the bot made of it."""

    text: str
    intent: str = "out_of_scope"
    outcome: BotOutcome = BotOutcome.NOT_UNDERSTOOD
    topic: str = "general"
    situation: str | None = None
    confidence: float = 0.9


def play(
    engine: EscalationEngine,
    steps: Sequence[Step],
    channel: str = "webchat",
    tier: str = "standard",
    lang: str = "en",
) -> tuple[int | None, Decision]:
    """Run turns through the engine as the service does, until the first handover.

    Returns the turn number of the handover (None if the bot kept it) and the last
    decision. Each turn's frustration score goes into the history, as the service must.
    """
    history: list[TurnRecord] = []
    decision: Decision | None = None
    for number, step in enumerate(steps, start=1):
        inp = make_input(
            step.text,
            intent=step.intent,
            outcome=step.outcome,
            topic=step.topic,
            situation=step.situation,
            history=history,
            tier=tier,
            channel=channel,
            confidence=step.confidence,
            lang=lang,
        )
        decision = engine.decide(inp)
        if decision.handover:
            return number, decision
        score = next(s.score for s in decision.signals if s.name == "frustration")
        history.append(record(step.text, step.intent, step.outcome, step.situation, score))
    assert decision is not None
    return None, decision
