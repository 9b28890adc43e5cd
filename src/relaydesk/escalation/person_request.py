"""Does the customer ask, in words, to be put through to a person?

A request is a mention of a person of the business ("agent", "CS", "manusia", "real
person") that is *asked for*: next to a contact verb ("talk", "sambungkan"), a request
cue ("please", "mau", "bisa") or alone in its clause ("Agent!"). Weak mentions
("someone", "orang") need a contact verb, because "someone is using my card" asks for
nobody. A negator just before the mention ("I don't need an agent", "gak usah ke CS")
cancels it, but only within its clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from relaydesk.escalation import lexicon as lx
from relaydesk.escalation.text import (
    STOPWORDS,
    Hit,
    clauses,
    contains_stem,
    content_after,
    content_before,
)

# How close a soft cue must be to the mention: "please, I want a human" but not
# "I want a refund because the agent ...".
_CUE_BEFORE = 4
_CUE_AFTER = 2
_NEGATION_REACH = 3
# A mention after these is about someone, not a request for someone ("your agent was rude").
_REFERRING = frozenset({"your", "the", "that", "this", "kalian", "anda", "tadi"})
# Words that may stand beside a bare mention: "Agent!", "real person please", "halo, CS?".
_FILLERS = STOPWORDS | {
    "hi", "hello", "hey", "halo", "hallo", "ok", "okay", "oke", "yes", "iya", "real",
    "live", "actual", "asli", "beneran", "again", "lagi", "here", "sekarang", "skrg",
}  # fmt: skip


@dataclass(frozen=True)
class Ask:
    score: float
    evidence: tuple[str, ...]


def find_person_requests(text: str) -> tuple[list[Ask], list[str]]:
    """The requests for a person in text, and the negated mentions (for the explanation)."""
    asks: list[Ask] = []
    negated: list[str] = []
    for clause in clauses(text):
        for hit, strong in _mentions(clause):
            if _is_negated(clause, hit):
                if " ".join(clause) not in negated:
                    negated.append(" ".join(clause))
                continue
            ask = _ask(clause, hit, strong)
            if ask is not None:
                asks.append(ask)
    return asks, negated


def _mentions(clause: Sequence[str]) -> list[tuple[Hit, bool]]:
    strong = lx.PERSON_STRONG.find(clause)
    taken = {i for h in strong for i in range(h.start, h.end)}
    # "real person" is one strong mention; its "person" is not a second, weak one.
    weak = [h for h in lx.PERSON_WEAK.find(clause) if h.start not in taken]
    return [(h, True) for h in strong] + [(h, False) for h in weak]


def _is_negated(clause: Sequence[str], hit: Hit) -> bool:
    before = content_before(clause, hit.start, _NEGATION_REACH)
    if any(t in lx.NEGATORS for t in before):
        return True
    after = content_after(clause, hit.end, _NEGATION_REACH)
    # "an agent is not needed", "CS nya gak usah": negator, then a need word.
    return any(a in lx.NEGATORS and b in lx.NEED_WORDS for a, b in pairwise(after))


def _ask(clause: Sequence[str], hit: Hit, strong: bool) -> Ask | None:
    verb = _contact_verb(clause)
    if verb is not None:
        return Ask(0.9 if strong else 0.8, (hit.evidence, verb))
    if not strong or (hit.start > 0 and clause[hit.start - 1] in _REFERRING):
        return None
    cue = _nearby_cue(clause, hit)
    if cue is not None:
        return Ask(0.85, (hit.evidence, cue))
    if _is_bare(clause, hit):
        return Ask(0.85, (hit.evidence,))
    return None


def _contact_verb(clause: Sequence[str]) -> str | None:
    hits = lx.CONTACT_VERBS.find(clause)
    if hits:
        return hits[0].evidence
    return contains_stem(clause, lx.CONTACT_STEMS)


def _nearby_cue(clause: Sequence[str], hit: Hit) -> str | None:
    near = content_before(clause, hit.start, _CUE_BEFORE) + content_after(
        clause, hit.end, _CUE_AFTER
    )
    for cue in lx.REQUEST_CUES.find(near):
        return cue.evidence
    return None


def _is_bare(clause: Sequence[str], hit: Hit) -> bool:
    rest = list(clause[: hit.start]) + list(clause[hit.end :])
    others = [t for t in rest if t not in _FILLERS and not lx.PERSON_STRONG.spellings(t)]
    return not others
