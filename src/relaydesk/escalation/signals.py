"""The escalation signals: small pure functions from one turn to a score in 0..1.

Each signal only measures; whether a score hands the conversation over is the policy's
call (policy.py). Every score comes with its evidence (the words or facts that raised
it), so that a decision can always be explained to the agent and the manager.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from math import prod

from relaydesk.domain.turn import EscalationInput, SignalResult, TurnRecord
from relaydesk.domain.vocab import Tier
from relaydesk.domain.wording import lexicon as lx
from relaydesk.domain.wording.person_request import find_person_requests, mentions_people
from relaydesk.domain.wording.text import Hit, Vocabulary, clauses, content_before, words
from relaydesk.escalation.repetition import repetition

EXPLICIT_REQUEST = "explicit_request"
FRUSTRATION = "frustration"
URGENCY = "urgency"
LOOP = "loop"
BOT_FAILURE = "bot_failure"
TIER = "tier"
OUT_OF_SCOPE = "out_of_scope"

Signal = Callable[[EscalationInput], SignalResult]

# An intent from the NLU counts as evidence only when the NLU is fairly sure of it.
INTENT_MIN_CONFIDENCE = 0.6


def _intent(inp: EscalationInput, *names: str) -> str | None:
    u = inp.turn.understanding
    if u.intent in names and u.confidence >= INTENT_MIN_CONFIDENCE:
        return f"intent {u.intent} ({u.confidence:.2f})"
    return None


def _affirmed(text: str, vocab: Vocabulary, reach: int = 2) -> list[Hit]:
    """Hits of vocab not preceded by a negator in their clause ("not hacked", "gak parah")."""
    found: list[Hit] = []
    for clause in clauses(text):
        for hit in vocab.find(clause):
            if not any(t in lx.NEGATORS for t in content_before(clause, hit.start, reach)):
                found.append(hit)
    return found


def _noisy_or(parts: Iterable[float]) -> float:
    """Independent pieces of evidence add up without ever passing 1."""
    return 1.0 - prod(1.0 - p for p in parts)


# --- explicit request -----------------------------------------------------------------


def explicit_request(inp: EscalationInput) -> SignalResult:
    if inp.forced:
        return SignalResult(EXPLICIT_REQUEST, 1.0, ("pressed 'talk to a person'",))
    asks, negated = find_person_requests(inp.text)
    by_intent = _intent(inp, "human_request")
    if negated and not asks:
        # The NLU often reads "I don't need an agent" as human_request: the words win.
        return SignalResult(EXPLICIT_REQUEST, 0.0, tuple(f"negated: {n}" for n in negated))
    evidence = [e for ask in asks for e in ask.evidence]
    score = max((ask.score for ask in asks), default=0.0)
    if by_intent and asks:
        evidence.append(by_intent)
        score = min(1.0, score + 0.1)
    elif by_intent and mentions_people(inp.text):
        # Wording the lexicon does not know ("is anyone real there"), but about people.
        evidence.append(by_intent)
        score = 0.5 + 0.4 * inp.turn.understanding.confidence
    return SignalResult(EXPLICIT_REQUEST, score, tuple(dict.fromkeys(evidence)))


# --- frustration ----------------------------------------------------------------------

_LETTER_WORD = re.compile(r"[^\W\d_]+")
_BANGS = re.compile(r"!{2,}|\?{3,}|[?!]*\?![?!]*|[?!]*!\?[?!]*")
# Frustration lingers: a turn after an angry one starts from most of that anger.
_CARRY = 0.8


def frustration(inp: EscalationInput) -> SignalResult:
    parts = [
        part
        for part in (
            _anger(inp.text),
            _threat(inp.text),
            _complaint(inp),
            _shouting(inp.text),
            _punctuation(inp.text),
            _repeated(inp),
        )
        if part is not None
    ]
    raw = _noisy_or(p for p, _ in parts)
    evidence = [e for _, e in parts]
    last = inp.history[-1].frustration if inp.history else 0.0
    score = max(raw, _CARRY * last)
    if score > raw:
        evidence.append(f"still upset from the last turn ({last:.2f})")
    if _rising(inp.history, raw):
        score += 0.15
        evidence.append("rising over the last turns")
    return SignalResult(FRUSTRATION, min(1.0, score), tuple(evidence))


def _anger(text: str) -> tuple[float, str] | None:
    hits = _affirmed(text, lx.ANGER, reach=1)
    if not hits:
        return None
    return (0.5 if len(hits) == 1 else 0.7), "words: " + ", ".join(h.evidence for h in hits)


def _threat(text: str) -> tuple[float, str] | None:
    tokens = words(text)
    hits = lx.THREATS.find(tokens) + lx.URGENT["legal"].find(tokens)
    if not hits:
        return None
    return (0.5 if len(hits) == 1 else 0.6), "threat: " + ", ".join(h.evidence for h in hits)


def _complaint(inp: EscalationInput) -> tuple[float, str] | None:
    hits = lx.COMPLAINT.find(words(inp.text))
    by_intent = _intent(inp, "complaint")
    if not hits and not by_intent:
        return None
    return 0.3, by_intent or "complaint: " + hits[0].evidence


def _shouting(text: str) -> tuple[float, str] | None:
    """ALL CAPS, judged on letters of real words: "TX-20003" or "VIP" is not shouting."""
    letters = [w for w in _LETTER_WORD.findall(text) if len(w) > 1 and w.lower() not in lx.ACRONYMS]
    total = sum(len(w) for w in letters)
    upper = sum(len(w) for w in letters if w.isupper())
    if total >= 8 and upper / total >= 0.6:
        return 0.5, f"ALL CAPS ({upper / total:.0%} of letters)"
    loud = [w for w in letters if len(w) >= 4 and w.isupper()]
    return (0.25, "caps: " + " ".join(loud)) if len(loud) >= 2 else None


def _punctuation(text: str) -> tuple[float, str] | None:
    runs = _BANGS.findall(text)
    if not runs:
        return None
    longest = max(runs, key=len)
    return (0.3 if len(longest) >= 3 else 0.2), f"punctuation {longest}"


def _repeated(inp: EscalationInput) -> tuple[float, str] | None:
    rep = repetition(inp)
    if not rep.is_repeat:
        return None
    return 0.3, "repeated complaint: " + (rep.again or ", ".join(rep.strong))


def _rising(history: Sequence[TurnRecord], raw: float) -> bool:
    if len(history) < 2:
        return False
    values = [history[-2].frustration, history[-1].frustration, raw]
    return values[0] <= values[1] <= values[2] and values[2] - values[0] >= 0.3


# --- urgency --------------------------------------------------------------------------

_URGENT_INTENTS = {"unauthorized_payment": "fraud", "account_hacked": "hacked"}


def urgency(inp: EscalationInput) -> SignalResult:
    kinds: dict[str, list[str]] = {}
    for kind, vocab in lx.URGENT.items():
        for hit in _affirmed(inp.text, vocab):
            kinds.setdefault(kind, []).append(hit.evidence)
    for intent, kind in _URGENT_INTENTS.items():
        by_intent = _intent(inp, intent)
        if by_intent:
            kinds.setdefault(kind, []).append(by_intent)
    if not kinds:
        return SignalResult(URGENCY, 0.0)
    evidence = tuple(f"{kind}: {e}" for kind, found in kinds.items() for e in found)
    # Two independent pieces (two kinds, or words and the NLU agreeing) make it certain.
    return SignalResult(URGENCY, 0.9 if len(evidence) == 1 else 1.0, evidence)


# --- loop -----------------------------------------------------------------------------


def loop(inp: EscalationInput) -> SignalResult:
    rep = repetition(inp)
    evidence = [f"says: {phrase}" for phrase in rep.strong]
    score = 0.0
    if rep.strong:
        # A loop phrase means most once the bot has answered something in this case.
        score = 0.7 if rep.tried else 0.4 if rep.open_turns else 0.3
        if rep.tried:
            evidence.append(f"after the bot's answer at turn {rep.tried}")
    if rep.again:
        score += 0.6
        evidence.append(rep.again)
    if rep.weak and (rep.again or rep.tried):
        score += 0.15 if rep.again or rep.strong else 0.3
        evidence.append("says: " + ", ".join(rep.weak))
    return SignalResult(LOOP, min(1.0, score), tuple(evidence))


# --- the rest -------------------------------------------------------------------------


def bot_failure(inp: EscalationInput) -> SignalResult:
    """Consecutive turns the bot did not understand or could not find, this one included."""
    outcomes = [r.outcome for r in inp.history] + [inp.turn.outcome]
    run: list[str] = []
    for number in range(len(outcomes), 0, -1):
        if not outcomes[number - 1].is_failure:
            break
        run.append(f"turn {number}: {outcomes[number - 1].value}")
    score = {0: 0.0, 1: 0.4, 2: 0.8}.get(len(run), 1.0)
    return SignalResult(BOT_FAILURE, score, tuple(reversed(run)))


def tier(inp: EscalationInput) -> SignalResult:
    if inp.customer.tier == Tier.VIP:
        return SignalResult(TIER, 1.0, ("tier vip",))
    return SignalResult(TIER, 0.0)


def out_of_scope(inp: EscalationInput) -> SignalResult:
    u = inp.turn.understanding
    if u.intent == "out_of_scope" or not u.in_scope:
        return SignalResult(OUT_OF_SCOPE, 1.0, (f"no skill for it ({u.confidence:.2f})",))
    return SignalResult(OUT_OF_SCOPE, 0.0)


# Every signal, in the order a decision lists them. The policy may name only these.
SIGNALS: dict[str, Signal] = {
    EXPLICIT_REQUEST: explicit_request,
    FRUSTRATION: frustration,
    URGENCY: urgency,
    LOOP: loop,
    BOT_FAILURE: bot_failure,
    TIER: tier,
    OUT_OF_SCOPE: out_of_scope,
}


# Signals read a long message's head and tail only: a request sits in the first lines
# or just above the signature, and the bound keeps a decision under a millisecond
# whatever size of e-mail arrives.
_HEAD, _TAIL = 1200, 300


def compute_signals(inp: EscalationInput) -> tuple[SignalResult, ...]:
    if len(inp.text) > _HEAD + _TAIL:
        inp = replace(inp, text=f"{inp.text[:_HEAD]}\n{inp.text[-_TAIL:]}")
    return tuple(signal(inp) for signal in SIGNALS.values())
