"""The text the classifier sees: the customer's words, with values replaced by placeholders.

"where is order 58123" and "where is order 10001" must look the same to the model, and an
email's header words must not outvote its body. Training and prediction both go through
`for_classifier`, so the two never drift apart.
"""

from __future__ import annotations

import re

# What `for_classifier` puts in place of values; never a customer's own word.
PLACEHOLDERS = frozenset({"num", "txid", "emailaddr", "secretcode"})

_HEADER = re.compile(
    r"^\s*(?:subject|subjek|perihal)\s*:\s*(?:(?:re|fwd?|aw)\s*:\s*)*", re.I | re.M
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_TX = re.compile(r"\btx[-_ ]?\d+\b", re.I)
_SECRET = re.compile(r"\d*\*{3,}[\d*]*")  # what domain.masking left of a card, code or password
_NUMBER = re.compile(r"(?:\b(?:ord)[-_ ]?|#)?\d[\d.,]*", re.I)
_REPEAT = re.compile(r"([a-z])\1{2,}")  # "sooooo" -> "soo", "lamaaa" -> "lamaa"
_SPACE = re.compile(r"\s+")


def for_classifier(text: str) -> str:
    text = _HEADER.sub(" ", text).lower()
    text = _EMAIL.sub(" emailaddr ", text)
    text = _TX.sub(" txid ", text)
    text = _SECRET.sub(" secretcode ", text)
    text = _NUMBER.sub(" num ", text)
    text = _REPEAT.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The alphabetic words of a classifier text (placeholders included)."""
    return re.findall(r"[a-z][a-z']+|[a-z]", text)


def word_set(paragraph: str) -> frozenset[str]:
    """A word list written as a paragraph, as the lexicons here are."""
    return frozenset(paragraph.split())
