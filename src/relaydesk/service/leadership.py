"""One process at a time does a job (the timers, the outbox): on PostgreSQL, the one that
holds a session-level advisory lock; SQLite has a single process, which always leads."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from relaydesk.service.bootstrap import Container

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, c: Container, key: int) -> None:
        self.c = c
        self.key = key
        self._connection: AsyncConnection | None = None

    async def lead(self) -> bool:
        """True while this process holds the lock (taking it when it is free)."""
        if self.c.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            try:  # still the same session, so still holding the lock?
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()
                return True
            except Exception:
                log.warning("lost the leader's database session; leading again if free")
                with contextlib.suppress(Exception):
                    await self._connection.invalidate()
                self._connection = None
        connection = await self.c.engine.connect()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        ).scalar()
        await connection.commit()
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def resign(self) -> None:
        if self._connection is not None:
            # Unlock before the connection goes back to the pool: a pooled connection keeps
            # its session, and a session-level advisory lock with it.
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
                await self._connection.commit()
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
