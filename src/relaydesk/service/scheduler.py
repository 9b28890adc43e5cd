"""The one scheduler loop: due timers, routing passes, and promise updates.

Every second (or at once when woken: a case queued, an agent freed up) it works the due
timer rows, runs a routing pass, and now and then refreshes what waiting customers were
promised. With PostgreSQL, several processes may run it; only the holder of an advisory
lock works, and another takes over if that process dies (its session, and so its lock,
ends). With SQLite there is one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import select

from relaydesk.domain.vocab import AgentPresence
from relaydesk.service import routing, timers
from relaydesk.service.bootstrap import Container
from relaydesk.service.leadership import Leadership
from relaydesk.service.timers import TimerKind
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import QueueEntry, Timer

log = logging.getLogger(__name__)

LOCK_KEY = 0x72656C6179  # "relay": the advisory lock naming the scheduler's leader
PROMISE_EVERY_TICKS = 5  # refresh waiting customers' promises every this many passes


@dataclass(frozen=True)
class Tick:
    timers: int  # timer rows worked
    offers: int  # offers made
    told: int  # customers told a new place or wait


class Scheduler:
    def __init__(self, c: Container, interval_s: float = 1.0) -> None:
        self.c = c
        self.interval_s = interval_s
        self._ticks = 0
        self.leadership = Leadership(c, LOCK_KEY)

    async def tick(self) -> Tick:
        """One round of everything due; what `run` does each second."""
        fired = await self.fire_timers()
        offers = await routing.route(self.c)
        self._ticks += 1
        told = 0
        if offers or fired or self._ticks % PROMISE_EVERY_TICKS == 0:
            told = await self.update_promises()
        return Tick(fired, len(offers), told)

    async def fire_timers(self) -> int:
        async with self.c.reader() as uow:
            due = [
                (row.id, row.key, row.agent_id, row.conversation_id)
                for row in await timers.due(uow, uow.now)
            ]
        worked = 0
        for timer_id, key, agent_id, conversation_id in due:
            try:
                worked += await self._fire(timer_id, agent_id, conversation_id)
            except Exception:
                log.exception("timer %s failed; it stays due and is tried again", key)
        return worked

    async def _fire(self, timer_id: int, agent_id: int | None, conversation_id: str | None) -> int:
        async with self.c.uow() as uow:
            # The lock order of every use case: agent, conversation, then the timer row
            # (a customer's message locks the conversation, then re-arms its check-in).
            if agent_id is not None:
                await routing.lock_agent(uow, agent_id)
            if conversation_id is not None:
                await routing.lock_conversation(uow, conversation_id)
            query = select(Timer).where(Timer.id == timer_id, Timer.due_at <= uow.now)
            if uow.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            timer = (await uow.session.execute(query)).scalar_one_or_none()
            if timer is None:
                return 0  # cancelled or rescheduled meanwhile, or another worker has it
            await uow.session.delete(timer)
            await uow.session.flush()  # a handler may schedule the same key again
            await _HANDLERS[TimerKind(timer.kind)](uow, self.c, timer)
            await uow.commit()
        return 1

    async def update_promises(self) -> int:
        async with self.c.reader() as uow:
            teams = list((await uow.session.execute(select(QueueEntry.team).distinct())).scalars())
        told = 0
        for team in teams:  # one short transaction a team
            async with self.c.uow() as uow:
                told += await routing.update_promises(uow, self.c, team)
                await uow.commit()
        return told

    async def run(self) -> None:
        """Until cancelled: lead (or wait to), and tick every interval or when woken."""
        try:
            while True:
                try:
                    leading = await self._lead()
                except Exception:  # the database is away (a restart, a failover): wait
                    log.exception("scheduler cannot reach the database; trying again")
                    leading = False
                if not leading:
                    await asyncio.sleep(5 * self.interval_s)
                    continue
                try:
                    await self.tick()
                except Exception:
                    log.exception("scheduler tick failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.c.routing_wakeup.wait(), self.interval_s)
                self.c.routing_wakeup.clear()
        finally:
            await self._resign()

    async def _lead(self) -> bool:
        return await self.leadership.lead()

    async def _resign(self) -> None:
        await self.leadership.resign()


async def _offer_expired(uow: UnitOfWork, c: Container, timer: Timer) -> None:
    assert timer.conversation_id is not None and timer.agent_id is not None
    await routing.expire_offer(uow, c, timer.conversation_id, timer.agent_id)


async def _first_reply(uow: UnitOfWork, c: Container, timer: Timer) -> None:
    assert timer.conversation_id is not None and timer.agent_id is not None
    stage = str(timer.data.get("stage", "nudge"))
    await routing.first_reply_due(uow, c, timer.conversation_id, timer.agent_id, stage)


async def _check_in(uow: UnitOfWork, c: Container, timer: Timer) -> None:
    assert timer.conversation_id is not None
    await routing.check_in(uow, c, timer.conversation_id, str(timer.data.get("stage", "ask")))


async def _agent_gone(uow: UnitOfWork, c: Container, timer: Timer) -> None:
    agent = await routing.lock_agent(uow, timer.agent_id)
    if agent is not None:
        await routing.change_presence(uow, c, agent, AgentPresence.OFFLINE, why="disconnected")


async def _team_opens(uow: UnitOfWork, c: Container, timer: Timer) -> None:
    team = str(timer.data["team"])
    hours = c.routing.hours(team)
    if hours is not None and not hours.is_open(uow.now):
        await routing.schedule_opening(uow, c, team, hours.next_open(uow.now))
        return
    await routing.update_promises(uow, c, team, opened=True)


_HANDLERS = {
    TimerKind.OFFER: _offer_expired,
    TimerKind.FIRST_REPLY: _first_reply,
    TimerKind.CHECK_IN: _check_in,
    TimerKind.AGENT_GONE: _agent_gone,
    TimerKind.TEAM_OPENS: _team_opens,
}
