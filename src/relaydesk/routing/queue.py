"""Queue order: higher priority first, first come first served within a priority."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Waiting:
    conversation_id: str
    priority_rank: int
    enqueued_at: datetime


def order_key(entry: Waiting) -> tuple[int, datetime, str]:
    return (-entry.priority_rank, entry.enqueued_at, entry.conversation_id)


def ordered(entries: Sequence[Waiting]) -> list[Waiting]:
    return sorted(entries, key=order_key)


def position(entries: Sequence[Waiting], conversation_id: str) -> int:
    """1-based place of a case in its queue; ValueError if it is not there."""
    for place, entry in enumerate(ordered(entries), start=1):
        if entry.conversation_id == conversation_id:
            return place
    raise ValueError(f"conversation {conversation_id} is not in this queue")
