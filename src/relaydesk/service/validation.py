"""Text that may be stored: checked where it enters, so every database takes it alike."""

from __future__ import annotations

import hashlib
import re

from relaydesk.service.errors import InvalidInput

# C0 controls other than tab, newline and carriage return; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def strip_controls(value: str) -> str:
    """A provider's text with the characters no database stores taken out (controls, and
    lone surrogates that are not text at all)."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", value))


def fit(value: str | None, limit: int) -> str | None:
    """A provider's short value (a name, an address, a MIME type) made storable in a
    column of `limit` characters: never refused, since the provider would retry it."""
    return None if value is None else strip_controls(value)[:limit]


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not valid Unicode text)"
    if _CONTROL.search(value):
        return "contains control characters"
    return None


def clean_text(value: str, *, field: str, max_chars: int) -> str:
    text = value.strip()
    problem = text_problem(text)
    if problem:
        raise InvalidInput(f"{field} {problem}", field=field)
    if not text:
        raise InvalidInput(f"the {field} is empty", field=field)
    if len(text) > max_chars:
        raise InvalidInput(
            f"the {field} has {len(text)} characters; the limit is {max_chars}", field=field
        )
    return text


def storable_id(external_id: str | None) -> str | None:
    """A provider's id as the dedupe key: itself when it fits the column, else a digest of
    it (the same digest for the same retried id)."""
    if external_id is None:
        return None
    clean = strip_controls(external_id)
    if len(clean) <= 255 and clean == external_id:
        return clean
    return "sha256:" + hashlib.sha256(external_id.encode("utf-8", "surrogatepass")).hexdigest()
