"""Bot turns taken after the customer's message is acknowledged, without holding the socket."""

from __future__ import annotations

import asyncio
import logging

from relaydesk.service import inbound
from relaydesk.service.bootstrap import Container

log = logging.getLogger(__name__)


class Workers:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def process(self, c: Container, conversation_id: str) -> None:
        task = asyncio.create_task(self._run(c, conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, c: Container, conversation_id: str) -> None:
        try:
            await inbound.process(c, conversation_id)
        except Exception:
            # The message stays unhandled in the database; the next message or a restart
            # (inbound.recover) takes the turn again.
            log.exception("bot turn failed for conversation %s", conversation_id)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
