"""Field types for request bodies: text that every database can store."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from relaydesk.service.validation import text_problem

MAX_SEQ = 2**31 - 1  # sequence numbers are 32-bit integers in the database


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_storable)]
ShortText = Annotated[str, Field(max_length=320), AfterValidator(_storable)]
