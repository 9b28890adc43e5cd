"""Does the customer ask, in words, to be put through to a person?

A request is a mention of a person of the business ("agent", "CS", "manusia", "real
person") that is *asked for*: next to a contact verb ("talk", "sambungkan"), a way of
reaching them ("customer service phone number", "what hours is support available",
"nomor CS"), after "to" or "with" ("how to taok to an agent": the verb may be
misspelt), near a request cue ("please", "mau", "bisa") or alone in its clause
("Agent!"). Weak mentions ("someone", "orang", "assistant") need a contact verb, because
"someone is using my card" asks for nobody. A negator just before the mention ("I don't
need an agent", "gak usah ke CS") cancels it, but only within its clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from relaydesk.domain.wording import lexicon as lx
from relaydesk.domain.wording.text import (
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
# How close a way of reaching people must be to the mention: "customer service's phone
# number", "what hours customer support is available".
_POINT_REACH = 1
# "to an agent", "with a real person": what a contact verb leaves behind, typo or not...
_TOWARDS = frozenset({"to", "with"})
_ARTICLES = frozenset({"a", "an", "one", "some", "any"})
# ...unless the verb tells a story: "I spoke to an agent yesterday" asks for nobody.
_NARRATIVE = frozenset(
    {"spoke", "said", "went", "sent", "gave", "wrote", "was", "were", "been", "told", "got",
     "had", "did", "came", "took", "belongs", "belong", "belonged", "happened"}
)  # fmt: skip
# "someone from your team", "somebody at customer service", "orang dari tim CS": a weak
# mention that says it belongs to the business is as good as a strong one.
_BELONGING = frozenset({"from", "at", "dari"})
_BUSINESS = frozenset({"team", "company", "store", "shop", "side", "tim", "toko"})
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
    for clause in map(_normalised, clauses(text)):
        for hit, strong in _mentions(clause):
            if _is_negated(clause, hit):
                if " ".join(clause) not in negated:
                    negated.append(" ".join(clause))
                continue
            ask = _ask(clause, hit, strong)
            if ask is not None:
                asks.append(ask)
        if not asks and (line := _line_to_call(clause)) is not None:
            asks.append(line)
    return asks, negated


def mentions_people(text: str) -> bool:
    """Does the text speak of people or of getting through to them at all (a person
    word, a contact verb, "bot", "real")? Without any of that, nothing asks for a person."""
    return any(
        any(t in lx.PERSON_TRACES for t in clause) or _mentions(clause) or _verbs(clause)
        for clause in clauses(text)
    )


def _normalised(clause: tuple[str, ...]) -> tuple[str, ...]:
    """ "phone no", "no hp": "no" means number there, and must not read as a negator;
    "e-mail" is one word."""
    if "no" not in clause and "e" not in clause:
        return clause
    out: list[str] = []
    for i, token in enumerate(clause):
        after = clause[i + 1] if i + 1 < len(clause) else ""
        if token == "no" and (after in lx.PHONE_WORDS or (out and out[-1] in lx.PHONE_WORDS)):
            out.append("number")
        elif token == "mail" and out and out[-1] == "e":
            out[-1] = "email"
        else:
            out.append(token)
    return tuple(out)


def _mentions(clause: Sequence[str]) -> list[tuple[Hit, bool]]:
    strong = lx.PERSON_STRONG.find(clause)
    taken = {i for h in strong for i in range(h.start, h.end)}
    # "real person" is one strong mention; its "person" is not a second, weak one.
    weak = [h for h in lx.PERSON_WEAK.find(clause) if h.start not in taken]
    found = [(h, True) for h in strong]
    for h in weak:
        of_business = _of_business(clause, h)
        found.append((of_business, True) if of_business else (h, False))
    return found


def _of_business(clause: Sequence[str], hit: Hit) -> Hit | None:
    """ "someone from your support team" as one strong mention, or None."""
    if hit.end >= len(clause) or clause[hit.end] not in _BELONGING:
        return None
    end = hit.end + 1
    while end < len(clause) and clause[end] in _REFERRING | {"ur"}:
        end += 1
    if end >= len(clause):
        return None
    if clause[end] not in _BUSINESS and not lx.PERSON_STRONG.spellings(clause[end]):
        return None
    seen = tuple(clause[hit.start : end + 1])
    return Hit(" ".join(seen), hit.start, end + 1, seen)


def _is_negated(clause: Sequence[str], hit: Hit) -> bool:
    before = content_before(clause, hit.start, _NEGATION_REACH)
    if any(t in lx.NEGATORS for t in before):
        return True
    after = content_after(clause, hit.end, _NEGATION_REACH)
    # "an agent is not needed", "CS nya gak usah": negator, then a need word.
    return any(a in lx.NEGATORS and b in lx.NEED_WORDS for a, b in pairwise(after))


def _ask(clause: Sequence[str], hit: Hit, strong: bool) -> Ask | None:
    cue = _nearby_cue(clause, hit)
    verb = _contact_verb(clause, hit, cued=cue is not None)
    if verb is not None:
        return Ask(0.9 if strong else 0.8, (hit.evidence, verb))
    if not strong:
        return None
    point = _contact_point(clause, hit)
    if point is not None:
        return Ask(0.85, (hit.evidence, point))
    if hit.start > 0 and clause[hit.start - 1] in _REFERRING:
        return None
    if _towards(clause, hit):
        return Ask(0.8, (hit.evidence, f"to/with {hit.evidence}"))
    if _asks_if_there(clause, hit):
        return Ask(0.85, (hit.evidence, f"is there {hit.evidence}"))
    if cue is not None:
        return Ask(0.85, (hit.evidence, cue))
    if _is_bare(clause, hit):
        return Ask(0.85, (hit.evidence,))
    return None


def _contact_verb(clause: Sequence[str], hit: Hit, *, cued: bool) -> str | None:
    """A contact verb before the mention ("talk to someone"), or after it when a request
    cue says it is wanted ("can someone call me"): "someone is calling me" asks nothing."""
    for start, verb in _verbs(clause):
        if start < hit.start or cued:
            return verb
    return None


def _verbs(clause: Sequence[str]) -> list[tuple[int, str]]:
    found = [(h.start, h.evidence) for h in lx.CONTACT_VERBS.find(clause)]
    for index, token in enumerate(clause):
        if contains_stem((token,), lx.CONTACT_STEMS):
            found.append((index, token))
    return found


def _line_to_call(clause: Sequence[str]) -> Ask | None:
    """ "do you have a phone line I can call?", "what number do I ring": a way to reach
    the business's people, asked for, with a contact verb to use it."""
    channel = next((t for t in clause if t in lx.CONTACT_CHANNELS), None)
    if channel is None or any(t in lx.NEGATORS for t in clause):
        return None
    opener = lx.ASKING_OPENERS.find(clause[:3]) or lx.REQUEST_CUES.find(clause)
    verbs = _verbs(clause)
    if not opener or not verbs:
        return None
    return Ask(0.8, (channel, verbs[0][1]))


def _contact_point(clause: Sequence[str], hit: Hit) -> str | None:
    near = content_before(clause, hit.start, _POINT_REACH) + content_after(
        clause, hit.end, _POINT_REACH
    )
    for point in lx.CONTACT_POINTS.find(near):
        return point.evidence
    return None


def _towards(clause: Sequence[str], hit: Hit) -> bool:
    """ "... to an agent", "... with customer support": a contact verb's object, whatever
    the verb's spelling ("how to taok to an agent"). Never opening the clause."""
    start = _skip_articles(clause, hit.start)
    if start < 2 or clause[start - 1] not in _TOWARDS:
        return False
    verb = clause[start - 2]
    return verb not in _NARRATIVE and not verb.endswith("ed")


def _asks_if_there(clause: Sequence[str], hit: Hit) -> bool:
    """ "is there an actual human", "do you have a helpdesk", "ada admin yang online?" """
    start = _skip_articles(clause, hit.start)
    before = tuple(clause[max(0, start - 2) : start])
    if before in (("is", "there"), ("are", "there"), ("you", "have"), ("u", "have")):
        return True
    return before[-1:] == ("ada",)


def _skip_articles(clause: Sequence[str], start: int) -> int:
    while start > 0 and clause[start - 1] in _ARTICLES:
        start -= 1
    return start


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
