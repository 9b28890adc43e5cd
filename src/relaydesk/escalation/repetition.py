"""Is the customer coming back to a request the bot already had its go at?

Shared by the loop signal (which scores it) and the frustration signal (for which a
repeated complaint is one piece of evidence among others).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from relaydesk.domain.turn import EscalationInput, TurnRecord
from relaydesk.domain.vocab import BotOutcome
from relaydesk.domain.wording import lexicon as lx
from relaydesk.domain.wording.text import words

# Outcomes after which the bot has had its go at the request (it did not just ask back).
_BOT_TRIED = frozenset(
    {BotOutcome.ANSWERED, BotOutcome.NOT_FOUND, BotOutcome.NOT_UNDERSTOOD, BotOutcome.CANNOT_HELP}
)
_ID_LIKE = re.compile(r"\b[\w-]*\d{3,}[\w-]*\b")
_QUESTION_WORDS = frozenset(
    {"what", "when", "where", "why", "how", "which", "who", "whats", "wheres", "kapan", "mana",
     "dimana", "kenapa", "mengapa", "gimana", "bagaimana", "apa", "apakah", "berapa", "kok"}
)  # fmt: skip
_SIMILAR = 0.8  # difflib ratio from which two messages say the same thing
_WORDS_COMPARED = 40


@dataclass(frozen=True)
class Repetition:
    strong: tuple[str, ...]  # loop phrases: "you already said that", "sudah 3 kali"
    weak: tuple[str, ...]  # "still", "masih": a loop only with other evidence
    open_turns: int  # earlier turns since the customer last said they were done
    tried: int | None  # the last of those turns in which the bot had its go
    again: str  # why this turn repeats an earlier answered request; "" when it does not

    @property
    def is_repeat(self) -> bool:
        """The customer is back at something the bot already tried to settle."""
        return bool(self.again) or (bool(self.strong) and self.tried is not None)


def repetition(inp: EscalationInput) -> Repetition:
    tokens = words(inp.text)
    strong = lx.LOOP_STRONG.find(tokens)
    in_strong = {i for h in strong for i in range(h.start, h.end)}
    weak = [h for h in lx.LOOP_WEAK.find(tokens) if h.start not in in_strong]
    open_turns = _open_turns(inp.history)
    tried_in = open_turns or (_same_case_before(inp) if strong else [])
    tried = next((n for n, r in reversed(tried_in) if r.outcome in _BOT_TRIED), None)
    return Repetition(
        strong=tuple(h.evidence for h in strong),
        weak=tuple(h.evidence for h in weak),
        open_turns=len(open_turns),
        tried=tried,
        again=_same_request(inp, open_turns),
    )


def similar_turn(text: str, history: Sequence[TurnRecord]) -> int | None:
    """The index (from 1) in history of a recent turn that says nearly the same as text."""
    # Compared word by word, and only the first words: difflib is quadratic.
    current = words(text)[:_WORDS_COMPARED]
    if len(current) < 3:
        return None
    first = max(0, len(history) - 5)
    for number, record in enumerate(history[first:], start=first + 1):
        earlier = words(record.text)[:_WORDS_COMPARED]
        matcher = SequenceMatcher(None, current, earlier, autojunk=False)
        quick = matcher.real_quick_ratio() >= _SIMILAR and matcher.quick_ratio() >= _SIMILAR
        if quick and matcher.ratio() >= _SIMILAR:
            return number
    return None


def _same_case_before(inp: EscalationInput) -> list[tuple[int, TurnRecord]]:
    """ "It failed again, same thing" after "ok, I'll try again": the case the customer
    closed is back, and the bot's go at it before the close counts."""
    intent = inp.turn.understanding.intent
    return [(n, r) for n, r in enumerate(inp.history, start=1) if r.intent == intent]


def _open_turns(history: Sequence[TurnRecord]) -> list[tuple[int, TurnRecord]]:
    numbered = list(enumerate(history, start=1))
    last_done = max((n for n, r in numbered if r.outcome is BotOutcome.RESOLVED), default=0)
    return numbered[last_done:]


def _same_request(inp: EscalationInput, open_turns: Sequence[tuple[int, TurnRecord]]) -> str:
    intent = inp.turn.understanding.intent
    if intent in lx.GLUE_INTENTS and intent != "out_of_scope":
        return ""  # "ok thanks" twice is politeness, not a loop
    similar = similar_turn(inp.text, [r for _, r in open_turns])
    if similar:
        return f"repeats turn {open_turns[similar - 1][0]}"
    if intent in lx.GLUE_INTENTS or not _is_question(inp.text):
        return ""  # "that's late, this is ridiculous" reacts to the answer; it asks nothing
    for number, record in reversed(open_turns):
        if record.intent == intent and record.outcome is BotOutcome.ANSWERED:
            # "where is 1001?" then "and 1002?" is a second request, not the first again.
            if _new_ids(inp, record.text):
                return ""
            return f"asks {intent} again after the bot answered it at turn {number}"
    return ""


def _is_question(text: str) -> bool:
    return "?" in text or any(t in _QUESTION_WORDS for t in words(text)[:3])


def _new_ids(inp: EscalationInput, earlier: str) -> bool:
    ids = set(_ID_LIKE.findall(inp.text)) | set(inp.turn.understanding.entities.values())
    return any(i not in earlier for i in ids)
