"""Live fan-out: topics in one process, and across processes through Redis."""

from __future__ import annotations

import asyncio

from relaydesk.service.bus import LiveEvent, LocalBus, RedisBus
from tests.conftest import REDIS_URL, require


async def test_local_bus_delivers_by_topic_once() -> None:
    bus = LocalBus()
    customer = bus.subscribe(["conversation:1"])
    desk = bus.subscribe(["team:billing", "conversation:1"])
    other = bus.subscribe(["team:logistics"])
    await bus.publish([LiveEvent("message", ("conversation:1", "team:billing"), {"seq": 1})])
    assert (await customer.get()).payload == {"seq": 1}
    assert (await desk.get()).payload == {"seq": 1}
    assert desk.queue.empty(), "a subscriber on two matching topics gets the event once"
    assert other.queue.empty()
    customer.close()
    await bus.publish([LiveEvent("message", ("conversation:1",), {"seq": 2})])
    assert customer.queue.empty()


async def test_a_stuck_subscriber_is_marked_not_grown() -> None:
    bus = LocalBus()
    slow = bus.subscribe(["desk"])
    slow.queue = asyncio.Queue(maxsize=2)
    await bus.publish([LiveEvent("x", ("desk",), {"n": n}) for n in range(5)])
    assert slow.queue.qsize() == 2 and slow.overflowed


async def test_redis_bus_reaches_another_process() -> None:
    require(bool(REDIS_URL), "Redis tests need RELAYDESK_TEST_REDIS_URL")
    first, second = RedisBus(REDIS_URL), RedisBus(REDIS_URL)
    await first.start()
    await second.start()
    try:
        remote = second.subscribe(["conversation:9"])
        local = first.subscribe(["conversation:9"])
        await first.publish([LiveEvent("message", ("conversation:9",), {"seq": 7})])
        assert (await asyncio.wait_for(remote.get(), 5)).payload == {"seq": 7}
        assert (await asyncio.wait_for(local.get(), 5)).payload == {"seq": 7}
        await asyncio.sleep(0.2)
        assert local.queue.empty(), "the publisher must not hear its own event twice"
    finally:
        await first.stop()
        await second.stop()
