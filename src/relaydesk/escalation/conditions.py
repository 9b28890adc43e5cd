"""The one generic evaluator: a policy Condition compiled into a predicate over Facts.

Conditions are compiled once, when the engine is built, so deciding a turn is a few
set look-ups and comparisons per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from relaydesk.domain.turn import EscalationInput, SignalResult
from relaydesk.escalation.schema import Condition


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a rule may test about one turn."""

    scores: Mapping[str, float]
    intent: str
    confidence: float
    situation: str | None
    topic: str
    outcome: str
    previous_intent: str | None
    previous_outcome: str | None
    channel: str
    tier: str
    turn: int

    @classmethod
    def of(cls, inp: EscalationInput, signals: Iterable[SignalResult]) -> Facts:
        u = inp.turn.understanding
        previous = inp.history[-1] if inp.history else None
        return cls(
            scores={s.name: s.score for s in signals},
            intent=u.intent,
            confidence=u.confidence,
            situation=inp.turn.situation,
            topic=inp.turn.topic,
            outcome=str(inp.turn.outcome),
            previous_intent=previous.intent if previous else None,
            previous_outcome=str(previous.outcome) if previous else None,
            channel=str(inp.channel),
            tier=str(inp.customer.tier),
            turn=len(inp.history) + 1,
        )


Predicate = Callable[[Facts], bool]

# Condition keys that test one Facts attribute for membership in a list.
_MEMBERSHIP = (
    "situation", "topic", "outcome", "previous_intent", "previous_outcome", "channel", "tier",
)  # fmt: skip


def always(_: Facts) -> bool:
    return True


def compile_condition(cond: Condition | None, thresholds: Mapping[str, float]) -> Predicate:
    if cond is None:
        return always
    checks = [
        _member(name, getattr(cond, name))
        for name in _MEMBERSHIP
        if getattr(cond, name) is not None
    ]
    if cond.signal is not None:
        at_least = thresholds[cond.signal] if cond.at_least is None else cond.at_least
        checks.append(_score(cond.signal, at_least))
    if cond.intent is not None:
        checks.append(_intent(cond.intent, cond.min_confidence or 0.0))
    if cond.turn is not None:
        checks.append(_turn(cond.turn.at_least or 1, cond.turn.at_most))
    if cond.any_ is not None:
        checks.append(_any([compile_condition(c, thresholds) for c in cond.any_]))
    if cond.all_ is not None:
        checks.append(_all([compile_condition(c, thresholds) for c in cond.all_]))
    if cond.not_ is not None:
        checks.append(_not(compile_condition(cond.not_, thresholds)))
    return checks[0] if len(checks) == 1 else _all(checks)


def _member(attribute: str, allowed: Iterable[object]) -> Predicate:
    values = frozenset(str(v) for v in allowed)
    return lambda facts: getattr(facts, attribute) in values


def _score(signal: str, at_least: float) -> Predicate:
    return lambda facts: facts.scores.get(signal, 0.0) >= at_least


def _intent(intents: Iterable[str], min_confidence: float) -> Predicate:
    values = frozenset(intents)
    return lambda facts: facts.intent in values and facts.confidence >= min_confidence


def _turn(at_least: int, at_most: int | None) -> Predicate:
    return lambda facts: facts.turn >= at_least and (at_most is None or facts.turn <= at_most)


def _any(predicates: list[Predicate]) -> Predicate:
    return lambda facts: any(p(facts) for p in predicates)


def _all(predicates: list[Predicate]) -> Predicate:
    return lambda facts: all(p(facts) for p in predicates)


def _not(predicate: Predicate) -> Predicate:
    return lambda facts: not predicate(facts)
