"""Routing's edges: races on PostgreSQL, crashes, limits, and teams that close while
customers wait (found in review; each test failed before its fix)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relaydesk.clock import ManualClock
from relaydesk.domain.vocab import AgentPresence
from relaydesk.service import admin, desk, routing
from relaydesk.service import timers as timer_rows
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.errors import Conflict
from relaydesk.service.scheduler import Scheduler
from relaydesk.settings import Settings
from relaydesk.store.models import Agent, Timer
from tests.conftest import _truncate
from tests.service.test_routing_flow import (
    _routing_file,
    entry,
    events,
    online_agent,
    row,
    say,
    system_lines,
    waiting_case,
)

# PostgreSQL's row locks and advisory lock (SQLite has one writer and one process).
postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def test_the_next_agent_gets_their_own_first_reply_limit(
    container: Container, clock: ManualClock
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    case = await waiting_case(container, 1)
    scheduler = Scheduler(container)
    await scheduler.tick()
    await desk.accept(container, ayu, case)
    await desk.reply(container, ayu, case, "hi, looking", None)
    await desk.set_presence(container, ayu.id, AgentPresence.OFFLINE)  # back in the queue
    budi = await online_agent(container, "Budi", ["general"])
    await scheduler.tick()
    await desk.accept(container, budi, case)
    clock.advance(180)  # Budi never says a word
    await scheduler.tick()
    assert len(await events(container, "agent_nudged")) == 1


async def test_a_crashed_desk_takes_its_agent_offline(
    settings: Settings, clock: ManualClock, container: Container
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    await desk.desk_opened(container, ayu.id)  # a desk socket, in a process that then dies
    await container.stop()
    clock.advance(settings.presence_grace_s)
    again = bootstrap(settings, clock=clock)
    await again.start()
    try:
        await Scheduler(again).tick()
        async with again.reader() as uow:
            agent = await uow.session.get(Agent, ayu.id)
            assert agent is not None and agent.presence == "offline"
        case = await waiting_case(again, 2)
        await Scheduler(again).tick()
        assert (await entry(again, case)).offered_agent_id is None
    finally:
        await again.stop()


async def test_heartbeats_keep_a_desk_online(container: Container, clock: ManualClock) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    await desk.desk_opened(container, ayu.id)
    scheduler = Scheduler(container)
    for _ in range(10):  # ten minutes of beats every 20 s
        for _ in range(3):
            clock.advance(20)
            await desk.heartbeat(container, ayu.id)
        await scheduler.tick()
    async with container.reader() as uow:
        agent = await uow.session.get(Agent, ayu.id)
        assert agent is not None and agent.presence == "online"


async def test_a_channel_limit_holds_for_cases_taken_by_hand(container: Container) -> None:
    await admin.create_agent(
        container, email="ayu@example.com", name="Ayu", password="secret-pass",
        teams=["general"], capacity=3, channel_capacity={"whatsapp": 1},
    )  # fmt: skip
    _, ayu = await desk.login(container, "ayu@example.com", "secret-pass")
    first = await waiting_case(container, 30)
    second = await waiting_case(container, 31)
    await desk.accept(container, ayu, first)
    with pytest.raises(Conflict, match="limit of 1 whatsapp"):
        await desk.accept(container, ayu, second)
    web = await waiting_case(container, 32, channel="webchat")
    await desk.accept(container, ayu, web)  # another channel still fits


@postgres_only
async def test_the_scheduler_outlives_a_database_blip(container: Container) -> None:
    scheduler = Scheduler(container, interval_s=0.01)
    real = scheduler._lead
    calls = {"n": 0}

    async def flaky() -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("connection refused (the database is restarting)")
        return await real()

    scheduler._lead = flaky  # type: ignore[method-assign]
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0.3)
    try:
        assert not task.done() and calls["n"] >= 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@postgres_only
async def test_a_check_in_firing_as_the_customer_writes_does_not_deadlock(
    container: Container, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = await waiting_case(container, 50, channel="webchat")
    clock.advance(600)  # the "are you still there?" timer is due
    real = routing.lock_conversation
    customer: dict[str, Any] = {}

    async def customer_writes_first(uow: Any, conversation_id: str) -> Any:
        if "task" not in customer:  # the message takes the conversation's lock first
            customer["task"] = asyncio.create_task(say(container, 50, "yes I'm here", "webchat"))
            await asyncio.sleep(0.3)
        return await real(uow, conversation_id)

    monkeypatch.setattr(routing, "lock_conversation", customer_writes_first)
    async with container.reader() as uow:
        (due,) = await timer_rows.due(uow, uow.now)
    await Scheduler(container)._fire(due.id, due.agent_id, due.conversation_id)
    await customer["task"]
    assert (await row(container, case)).status == "queued"
    assert await events(container, "customer_checked_in") == []  # they had just written


@postgres_only
async def test_agents_passing_cases_to_each_other_at_once_do_not_deadlock(
    container: Container,
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"], capacity=2)
    budi = await online_agent(container, "Budi", ["general"], capacity=2)
    for round_ in range(3):
        one = await waiting_case(container, 60 + 2 * round_)
        two = await waiting_case(container, 61 + 2 * round_)
        await desk.accept(container, ayu, one)
        await desk.accept(container, budi, two)
        results = await asyncio.gather(
            desk.transfer(container, ayu, one, note="yours", to_agent_id=budi.id),
            desk.transfer(container, budi, two, note="yours", to_agent_id=ayu.id),
            return_exceptions=True,
        )
        assert results == [None, None]
        for case, to in ((one, budi), (two, ayu)):
            await desk.accept(container, to, case)
            await desk.resolve(container, to, case)


async def _closing_desk(settings: Settings, clock: ManualClock, tmp_path: Path) -> Container:
    c = bootstrap(
        settings.model_copy(update={"routing_file": _routing_file(tmp_path)}), clock=clock
    )
    await c.start()
    await _truncate(c)
    await admin.ensure_teams(c)
    return c


async def test_a_team_that_closes_tells_its_waiting_customers_when_it_opens(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    c = await _closing_desk(settings, clock, tmp_path)
    try:
        clock.advance(6 * 3600 + 55 * 60)  # Monday 16:55 in Jakarta; open until 17:00
        ayu = await online_agent(c, "Ayu", ["general"], capacity=1)
        busy = await waiting_case(c, 70)
        scheduler = Scheduler(c)
        await scheduler.tick()
        await desk.accept(c, ayu, busy)
        case = await waiting_case(c, 71)
        assert "within about" in (await system_lines(c, case))[-1]
        clock.advance(10 * 60)  # 17:05: closed
        await scheduler.update_promises()
        await scheduler.update_promises()  # told once, not every pass
        closed = [line for line in await system_lines(c, case) if "has closed" in line]
        assert closed == [
            "Our General support team has closed for now and opens tomorrow at 08:00 WIB. "
            "You keep your place (number 1 in line). If you'd rather not wait here, reply "
            "with your email address and we'll write to you there."
        ]
        clock.advance(15 * 3600)  # Tuesday 08:05
        await scheduler.tick()
        assert "is open now" in (await system_lines(c, case))[-1]
    finally:
        await c.stop()


async def test_a_transfer_into_a_closed_team_says_when_it_opens(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        "teams:\n  billing:\n    name: Billing\n    hours:\n      timezone: Asia/Jakarta\n"
        "      weekly: {mon: ['13:00-17:00']}\n",
        encoding="utf-8",
    )
    c = bootstrap(settings.model_copy(update={"routing_file": path}), clock=clock)
    await c.start()
    try:
        await _truncate(c)
        await admin.ensure_teams(c)
        ayu = await online_agent(c, "Ayu", ["general"])
        case = await waiting_case(c, 80)
        await Scheduler(c).tick()
        await desk.accept(c, ayu, case)
        await desk.transfer(c, ayu, case, note="billing question", team="billing")
        told = (await system_lines(c, case))[-1]
        assert told.startswith("Ayu is passing you to our Billing team")
        assert "closed for now and opens today at 13:00 WIB" in told
        async with c.reader() as uow:
            keys = set((await uow.session.execute(select(Timer.key))).scalars())
        assert "team_opens:billing" in keys
    finally:
        await c.stop()
