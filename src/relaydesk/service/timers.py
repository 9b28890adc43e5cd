"""Timers as rows: something to do at a due time, worked by the scheduler loop.

One row per key ("offer:<conversation>", "first_reply:<conversation>", "agent_gone:<id>",
...): scheduling a key again replaces its row, cancelling deletes it. Nothing lives only
in memory, so a restart loses no offer expiry, no first-reply limit, no check-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select

from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Timer


class TimerKind(StrEnum):
    OFFER = "offer"  # an offer expires
    FIRST_REPLY = "first_reply"  # an accepted case still has no reply from its agent
    CHECK_IN = "check_in"  # a silent waiting customer: ask, then give up on them
    AGENT_GONE = "agent_gone"  # every desk connection closed: offline after a grace
    TEAM_OPENS = "team_opens"  # a closed team opens: tell its waiting customers


def key(kind: TimerKind, subject: str | int) -> str:
    return f"{kind.value}:{subject}"


async def schedule(
    uow: UnitOfWork,
    kind: TimerKind,
    subject: str | int,
    due_in_s: float,
    *,
    conversation_id: str | None = None,
    agent_id: int | None = None,
    **data: Any,
) -> None:
    await cancel(uow, kind, subject)
    uow.session.add(
        Timer(
            key=key(kind, subject),
            kind=kind.value,
            due_at=uow.now + timedelta(seconds=due_in_s),
            conversation_id=conversation_id,
            agent_id=agent_id,
            data=data,
            created_at=uow.now,
        )
    )
    await uow.session.flush()


async def cancel(uow: UnitOfWork, kind: TimerKind, subject: str | int) -> None:
    await uow.session.execute(delete(Timer).where(Timer.key == key(kind, subject)))


async def cancel_for_conversation(uow: UnitOfWork, conversation_id: str) -> None:
    await uow.session.execute(delete(Timer).where(Timer.conversation_id == conversation_id))


async def due(uow: UnitOfWork, now: datetime, limit: int = 200) -> list[Timer]:
    """Rows due by `now`, oldest first (read only: the scheduler locks each one as it works
    it, after the agent and conversation rows it is about)."""
    query = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(limit)
    return list((await uow.session.execute(query)).scalars())


async def find(uow: UnitOfWork, kind: TimerKind, subject: str | int) -> Timer | None:
    query = select(Timer).where(Timer.key == key(kind, subject))
    return (await uow.session.execute(query)).scalar_one_or_none()
