"""Word-level text helpers the signals share: tokens, clauses, typo-tolerant phrase search.

Everything here works on lower-case word tokens, so "Don't", "dont" and "DON'T" are one
word and punctuation never splits a phrase. Clauses (split at punctuation and at "but" /
"tapi") bound the reach of a negation: in "I don't know, can I talk to a human" the
"don't" must not cancel the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Phrase = tuple[str, ...]

_APOSTROPHES = re.compile(r"['’`´]")
_WORD = re.compile(r"[^\W_]+")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\n]+")
# Words that open a new clause: what follows is a separate thought.
_CLAUSE_WORDS = frozenset({"but", "tapi", "tetapi", "namun", "instead", "melainkan"})
# Words that carry no meaning for the windows below ("talk to a human" ~ "talk human").
STOPWORDS = frozenset(
    {
        "a", "an", "the", "to", "for", "of", "with", "me", "i", "im", "my", "you", "your",
        "it", "its", "is", "am", "are", "be", "this", "that", "some", "just", "really",
        "ke", "ya", "yg", "yang", "dengan", "dgn", "sama", "sm", "saya", "aku", "gue", "gw",
        "kak", "kakak", "min", "gan", "sis", "bang", "dong", "deh", "sih", "nih", "aja",
        "saja", "untuk", "buat", "nya", "itu", "ini", "di", "dari",
    }
)  # fmt: skip


# Every signal reads the same message: tokenise it once. Small, because only the
# message being decided is looked at again.
@lru_cache(maxsize=64)
def words(text: str) -> tuple[str, ...]:
    """Lower-case word tokens; apostrophes vanish so "don't" becomes "dont"."""
    return tuple(_WORD.findall(_APOSTROPHES.sub("", text.lower())))


@lru_cache(maxsize=64)
def clauses(text: str) -> tuple[tuple[str, ...], ...]:
    """The text's clauses as token tuples, split at punctuation and clause-opening words."""
    out: list[tuple[str, ...]] = []
    for chunk in _CLAUSE_BREAK.split(_APOSTROPHES.sub("", text.lower())):
        current: list[str] = []
        for token in _WORD.findall(chunk):
            if token in _CLAUSE_WORDS:
                if current:
                    out.append(tuple(current))
                current = []
            else:
                current.append(token)
        if current:
            out.append(tuple(current))
    return tuple(out)


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap
    of two neighbouring letters (the optimal-string-alignment distance is ≤ 1).

    Swaps matter: "humna" and "agnet" are the typos people actually make.
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]  # one deletion from a
    return a[i:] == b[i + 1 :]  # one insertion into a


class Vocabulary:
    """Phrases to look for, with typo tolerance for long words.

    A token of at least `fuzzy_min_len` letters matches a phrase word of that length that
    is one edit away, unless the token is a real word on the `not_typos` list ("persen"
    is Indonesian for "percent", not a typo of "person").
    """

    def __init__(self, items: Iterable[str], fuzzy_min_len: int = 0, not_typos: Iterable[str] = ()):
        self.phrases: tuple[Phrase, ...] = tuple(tuple(words(item)) for item in items)
        self.fuzzy_min_len = fuzzy_min_len
        self.not_typos = frozenset(not_typos)
        by_first: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            by_first.setdefault(phrase[0], []).append(phrase)
        self._by_first = {k: tuple(v) for k, v in by_first.items()}
        self._words = frozenset(w for p in self.phrases for w in p)
        self._fuzzy_words = tuple(
            w for w in self._words if fuzzy_min_len and len(w) >= fuzzy_min_len
        )
        # Bounded per vocabulary: a server sees an unbounded number of distinct tokens.
        self.spellings = lru_cache(maxsize=4096)(self._spellings)

    def _spellings(self, token: str) -> frozenset[str]:
        """The vocabulary words this token may stand for (itself, or a typo of them)."""
        if token in self._words:
            return frozenset({token})  # a word we know is never a typo of another
        if len(token) < self.fuzzy_min_len or not self.fuzzy_min_len or token in self.not_typos:
            return frozenset()
        return frozenset(w for w in self._fuzzy_words if within_one_edit(token, w))

    def find(self, tokens: Sequence[str]) -> list[Hit]:
        """Every occurrence of every phrase in tokens (overlaps allowed), in text order."""
        if not self.fuzzy_min_len and not any(t in self._by_first for t in tokens):
            return []  # the common case, and cheap: no token can start a phrase
        spelled = [self.spellings(t) for t in tokens]
        hits: list[Hit] = []
        for start, alternatives in enumerate(spelled):
            for first in alternatives:
                for phrase in self._by_first.get(first, ()):
                    end = start + len(phrase)
                    if end <= len(tokens) and all(
                        phrase[k] in spelled[start + k] for k in range(1, len(phrase))
                    ):
                        hits.append(Hit(" ".join(phrase), start, end, tuple(tokens[start:end])))
        return _longest(hits)


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a longer one: "live agent" is one mention, not two."""
    return [
        h
        for h in hits
        if not any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and o.end - o.start > h.end - h.start
            for o in hits
        )
    ]


@dataclass(frozen=True)
class Hit:
    """A phrase found at tokens[start:end]; `seen` is what the customer actually typed."""

    phrase: str
    start: int
    end: int
    seen: tuple[str, ...]

    @property
    def evidence(self) -> str:
        typed = " ".join(self.seen)
        return self.phrase if typed == self.phrase else f"{typed} (~{self.phrase})"


def contains_stem(tokens: Iterable[str], stems: Iterable[str]) -> str | None:
    """The first token containing one of stems, for affixed Indonesian verbs
    ("disambungkan", "menghubungi" carry "sambung", "hubung")."""
    stems = tuple(stems)
    for token in tokens:
        for stem in stems:
            if stem in token:
                return token
    return None


def content_before(tokens: Sequence[str], index: int, size: int) -> list[str]:
    """Up to `size` meaningful tokens right before tokens[index], nearest last."""
    picked = [t for t in tokens[:index] if t not in STOPWORDS]
    return picked[-size:]


def content_after(tokens: Sequence[str], index: int, size: int) -> list[str]:
    """Up to `size` meaningful tokens from tokens[index] on."""
    return [t for t in tokens[index:] if t not in STOPWORDS][:size]
