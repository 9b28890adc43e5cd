"""Can a rule's condition ever hold, and does it always hold?

Every field a condition tests has a known domain (intents, outcomes, channels, ... are
closed lists; scores are 0..1; turns count from 1), so a condition can be written out as
a disjunction of "cubes", each an allowed set or interval per field. A condition whose
cubes are all empty can never hold (`intent: []`, or `all: [{tier: [vip]}, {not: {tier:
[vip]}}]`); one whose negation can never hold always holds, and a keep-the-bot rule that
always holds hides every rule after it. Past a size limit the answer is "don't know",
which never rejects a policy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from relaydesk.domain.vocab import BotOutcome, Channel, Tier
from relaydesk.escalation.names import INTENTS, SITUATIONS, TOPICS
from relaydesk.escalation.schema import Condition

_OUTCOMES = frozenset(o.value for o in BotOutcome)
_SETS: dict[str, frozenset[str | None]] = {
    "intent": frozenset(INTENTS),
    "situation": frozenset(SITUATIONS) | {None},
    "topic": frozenset(TOPICS),
    "outcome": frozenset(_OUTCOMES),
    "previous_intent": frozenset(INTENTS) | {None},  # None: there is no previous turn
    "previous_outcome": frozenset(_OUTCOMES) | {None},
    "channel": frozenset(c.value for c in Channel),
    "tier": frozenset(t.value for t in Tier),
}
_MAX_CUBES = 256


@dataclass(frozen=True)
class Interval:
    """Closed bounds; open bounds of real-valued fields are nudged inwards by _EPS."""

    lo: float
    hi: float

    def meet(self, other: Interval) -> Interval:
        return Interval(max(self.lo, other.lo), min(self.hi, other.hi))

    @property
    def empty(self) -> bool:
        return self.lo > self.hi


_EPS = 1e-9
_SCORE = Interval(0.0, 1.0)
_TURN = Interval(1, math.inf)
Value = frozenset[str | None] | Interval
Cube = dict[str, Value]
Dnf = list[Cube]


class _TooComplex(Exception):
    pass


def can_hold(
    cond: Condition | None, thresholds: Mapping[str, float], channel: str | None = None
) -> bool:
    """False only when cond is certain never to hold (on `channel`, if given)."""
    try:
        return bool(_and(_context(channel), _dnf(cond, thresholds)))
    except _TooComplex:
        return True


def always_holds(
    cond: Condition | None, thresholds: Mapping[str, float], channel: str | None = None
) -> bool:
    """True only when cond is certain to hold (on `channel`, if given)."""
    try:
        return not _and(_context(channel), _not(_dnf(cond, thresholds)))
    except _TooComplex:
        return False


def _context(channel: str | None) -> Dnf:
    return [{"channel": frozenset({channel})}] if channel else [{}]


def _dnf(cond: Condition | None, thresholds: Mapping[str, float]) -> Dnf:
    if cond is None:
        return [{}]
    result: Dnf = [{}]
    for cube in _atoms(cond, thresholds):
        result = _and(result, [cube])
    for child in cond.all_ or ():
        result = _and(result, _dnf(child, thresholds))
    if cond.any_ is not None:
        options = [cube for child in cond.any_ for cube in _dnf(child, thresholds)]
        result = _and(result, options)
    if cond.not_ is not None:
        result = _and(result, _not(_dnf(cond.not_, thresholds)))
    return result


def _atoms(cond: Condition, thresholds: Mapping[str, float]) -> list[Cube]:
    atoms: list[Cube] = []
    for name in _SETS:
        allowed = getattr(cond, name)
        if allowed is not None:
            atoms.append({name: frozenset(str(v) for v in allowed)})
    if cond.signal is not None:
        at_least = thresholds[cond.signal] if cond.at_least is None else cond.at_least
        atoms.append({f"signal:{cond.signal}": Interval(at_least, math.inf)})
    if cond.min_confidence is not None:
        atoms.append({"confidence": Interval(cond.min_confidence, math.inf)})
    if cond.turn is not None:
        lo, hi = cond.turn.at_least or 1, cond.turn.at_most or math.inf
        atoms.append({"turn": Interval(lo, hi)})
    return atoms


def _and(left: Dnf, right: Dnf) -> Dnf:
    out: Dnf = []
    for a in left:
        for b in right:
            cube = _meet(a, b)
            if cube is not None:
                out.append(cube)
    if len(out) > _MAX_CUBES:
        raise _TooComplex
    return out


def _meet(a: Cube, b: Cube) -> Cube | None:
    """The intersection of two cubes, or None when it is empty."""
    cube = dict(a)
    for field, value in b.items():
        mine = cube.get(field)
        if mine is None:
            cube[field] = value
        elif isinstance(mine, Interval) and isinstance(value, Interval):
            cube[field] = mine.meet(value)
        elif isinstance(mine, frozenset) and isinstance(value, frozenset):
            cube[field] = mine & value
    return None if _is_empty(cube) else cube


def _is_empty(cube: Cube) -> bool:
    for field, value in cube.items():
        if isinstance(value, frozenset) and not value:
            return True
        if isinstance(value, Interval) and value.meet(_domain(field)).empty:
            return True
    # A previous turn exists exactly from turn 2 on.
    turn = cube.get("turn", _TURN)
    assert isinstance(turn, Interval)
    for field in ("previous_intent", "previous_outcome"):
        allowed = cube.get(field)
        if isinstance(allowed, frozenset):
            if None not in allowed and turn.hi < 2:
                return True
            if allowed == {None} and turn.lo > 1:
                return True
    return False


def _domain(field: str) -> Interval:
    return _TURN if field == "turn" else _SCORE


def _not(dnf: Dnf) -> Dnf:
    result: Dnf = [{}]
    for cube in dnf:
        result = _and(result, [c for field, v in cube.items() for c in _complement(field, v)])
    return result


def _complement(field: str, value: Value) -> list[Cube]:
    if isinstance(value, frozenset):
        return [{field: _SETS[field] - value}]
    if field == "turn":  # whole numbers: not [2, 5] is [1, 1] or [6, inf]
        below: list[Cube] = [{field: Interval(1, value.lo - 1)}]
        return (
            below if value.hi == math.inf else [*below, {field: Interval(value.hi + 1, math.inf)}]
        )
    domain = _domain(field)
    return [
        {field: Interval(domain.lo, value.lo - _EPS)},
        {field: Interval(value.hi + _EPS, domain.hi)},
    ]
