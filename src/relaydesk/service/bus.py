"""Live fan-out of committed events to open websockets.

`LocalBus` serves one process. `RedisBus` also relays through Redis pub/sub so that a desk
connected to another process hears the event too. Pub/sub is at-most-once: an event is a
nudge carrying a copy, never the only copy; a client that missed one resumes from the
database by sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveEvent:
    type: str
    topics: tuple[str, ...]  # "conversation:<id>", "team:<key>", "agent:<id>", "desk"
    payload: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"type": self.type, "topics": self.topics, "payload": self.payload})

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        data = json.loads(raw)
        return cls(type=data["type"], topics=tuple(data["topics"]), payload=data["payload"])


class Subscription:
    def __init__(self, bus: LocalBus, topics: Iterable[str], maxsize: int = 1000) -> None:
        self._bus = bus
        self.topics = set(topics)
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = False

    def deliver(self, event: LiveEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stuck socket must not hold memory forever: it is told to resync instead.
            self.overflowed = True

    def add_topic(self, topic: str) -> None:
        self._bus.attach(self, topic)

    async def get(self) -> LiveEvent:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class Bus(Protocol):
    async def publish(self, events: list[LiveEvent]) -> None: ...

    def subscribe(self, topics: Iterable[str]) -> Subscription: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalBus:
    def __init__(self) -> None:
        self._by_topic: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, ())
        for topic in topics:
            self.attach(subscription, topic)
        return subscription

    def attach(self, subscription: Subscription, topic: str) -> None:
        subscription.topics.add(topic)
        self._by_topic[topic].add(subscription)

    def unsubscribe(self, subscription: Subscription) -> None:
        for topic in subscription.topics:
            subscribers = self._by_topic.get(topic)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._by_topic[topic]

    def dispatch(self, event: LiveEvent) -> None:
        seen: set[int] = set()
        for topic in event.topics:
            for subscription in tuple(self._by_topic.get(topic, ())):
                if id(subscription) not in seen:
                    seen.add(id(subscription))
                    subscription.deliver(event)

    async def publish(self, events: list[LiveEvent]) -> None:
        for event in events:
            self.dispatch(event)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBus(LocalBus):
    CHANNEL = "relaydesk:events"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._origin = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, events: list[LiveEvent]) -> None:
        for event in events:
            self.dispatch(event)  # local sockets at once, without a round trip
            envelope = json.dumps({"origin": self._origin, "event": event.to_json()})
            try:
                await self._redis.publish(self.CHANNEL, envelope)
            except Exception:  # the database has the event; clients resync from it
                log.warning("redis publish failed; remote desks will resync", exc_info=True)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    async def _listen(self) -> None:
        """Relay remote events for as long as the bus runs, reconnecting after a Redis
        outage. Events published during an outage are lost to pub/sub; clients catch up
        from the database when they see a gap in sequence numbers."""
        delay = 0.5
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.CHANNEL)
                    self._ready.set()
                    delay = 0.5
                    async for envelope in _messages(pubsub):
                        if envelope["origin"] != self._origin:
                            self.dispatch(LiveEvent.from_json(envelope["event"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis subscription lost; reconnecting in %.1fs", delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)


async def _messages(pubsub: Any) -> AsyncIterator[dict[str, Any]]:
    while True:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        if message is not None and message.get("type") == "message":
            yield json.loads(message["data"])
