"""The unit of work: one transaction, its event-log rows, and the live events it publishes.

Live events are published only after the commit succeeded (a rolled-back change tells no
one). With SQLite there is one writer: a process-wide lock serialises units of work rather
than letting them fail on SQLITE_BUSY; PostgreSQL uses row locks instead.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relaydesk.clock import Clock
from relaydesk.domain.events import EventType
from relaydesk.service.bus import Bus, LiveEvent
from relaydesk.store.models import Event


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: Bus,
        clock: Clock,
        write_lock: asyncio.Lock | None,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._clock = clock
        self._lock = write_lock
        self._live: list[LiveEvent] = []
        self.session: AsyncSession
        self.now: datetime

    async def __aenter__(self) -> UnitOfWork:
        if self._lock is not None:
            await self._lock.acquire()
        self.session = self._sessions()
        self.now = self._clock.now()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # close() ends (rolls back) an uncommitted transaction and detaches the objects
            # with what they hold, so values read inside stay readable after the block.
            await self.session.close()
        finally:
            if self._lock is not None:
                self._lock.release()
        self._live.clear()

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": for the few queries that differ (SKIP LOCKED)."""
        return str(self._sessions.kw["bind"].dialect.name)

    async def commit(self) -> None:
        await self.session.commit()
        live, self._live = self._live, []
        if live:
            await self._bus.publish(live)

    def log(
        self,
        type_: EventType,
        *,
        conversation_id: str | None = None,
        channel: str | None = None,
        team: str | None = None,
        agent_id: int | None = None,
        reasons: list[str] | None = None,
        **data: Any,
    ) -> None:
        """Append one row to the event log, in this transaction."""
        self.session.add(
            Event(
                type=type_.value,
                conversation_id=conversation_id,
                channel=channel,
                team=team,
                agent_id=agent_id,
                reasons=reasons or [],
                data=data,
                created_at=self.now,
            )
        )

    def publish_after_commit(self, event: LiveEvent) -> None:
        self._live.append(event)
