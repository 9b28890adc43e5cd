"""Text that may be stored: checked where it enters, so every database takes it alike."""

from __future__ import annotations

import re

from relaydesk.service.errors import InvalidInput

# C0 controls other than tab, newline and carriage return; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str) -> str:
    """A provider's text with the characters no database stores taken out."""
    return _CONTROL.sub("", value)


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
