"""Infrastructure is chosen here, once, from settings (STYLE habit 7).

SQLite or PostgreSQL, in-process or Redis fan-out, demo or HTTP commerce backend: every
other module receives what it needs from the `Container` and never asks which one it got.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from relaydesk.bot.backends import make_classifier
from relaydesk.bot.bot import Bot
from relaydesk.bot.commerce import CommerceBackend, DemoBackend, HttpBackend
from relaydesk.bot.intent_data import load_training_set
from relaydesk.bot.nlu import Nlu
from relaydesk.bot.text import for_classifier
from relaydesk.channels.registry import Channels, load_channels
from relaydesk.clock import Clock, SystemClock
from relaydesk.escalation.engine import EscalationEngine
from relaydesk.escalation.policy import Policy, load_default_policy, load_policy
from relaydesk.service.bus import Bus, LocalBus, RedisBus
from relaydesk.service.routing_config import RoutingConfig, load_default_routing, load_routing
from relaydesk.service.uow import UnitOfWork
from relaydesk.settings import Settings
from relaydesk.store.db import create_engine, is_sqlite, migrate


@dataclass
class Container:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    nlu: Nlu
    bot: Bot
    policy: Policy
    escalation: EscalationEngine
    routing: RoutingConfig
    channels: Channels
    write_lock: asyncio.Lock | None
    # Set when something changed that the router should look at now (a case queued, an
    # agent freed up); the scheduler loop also looks every second regardless.
    routing_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    _conversation_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    _started: bool = False

    def uow(self) -> UnitOfWork:
        """A unit of work that may write."""
        return UnitOfWork(self.sessions, self.bus, self.clock, self.write_lock)

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads (never blocks behind the SQLite writer)."""
        return UnitOfWork(self.sessions, self.bus, self.clock, None)

    def wake_router(self) -> None:
        self.routing_wakeup.set()

    def conversation_lock(self, conversation_id: str) -> asyncio.Lock:
        """Serialises bot turns of one conversation inside this process."""
        lock = self._conversation_locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._conversation_locks[conversation_id] = lock
        return lock

    async def start(self) -> None:
        """Migrate (when allowed) and start the bus; a second call does nothing."""
        if self._started:
            return
        if self.settings.auto_migrate:
            await migrate(self.engine)
        await self.bus.start()
        self._started = True

    async def stop(self) -> None:
        if self._started:
            await self.bus.stop()
            self._started = False
        await self.engine.dispose()


def build_backend(settings: Settings) -> CommerceBackend:
    if settings.commerce_backend == "http":
        # Settings refuse the http backend without both.
        assert settings.commerce_http_url and settings.commerce_http_token
        return HttpBackend(settings.commerce_http_url, token=settings.commerce_http_token)
    if settings.commerce_demo_file is not None:
        return DemoBackend.from_file(settings.commerce_demo_file)
    return DemoBackend.demo_shop()


@functools.cache
def build_nlu(backend: str) -> Nlu:
    """The bot's NLU on the chosen intent backend, trained once per process."""
    if backend == "ngram":
        return Nlu.default()
    training = load_training_set()
    classifier = make_classifier(backend)
    classifier.fit([for_classifier(text) for text in training.texts], training.intents)
    return Nlu(classifier, training=training)


def build_policy(settings: Settings) -> Policy:
    if settings.policy_file is not None:
        return load_policy(settings.policy_file)
    return load_default_policy()


def build_routing(settings: Settings) -> RoutingConfig:
    if settings.routing_file is not None:
        return load_routing(settings.routing_file)
    return load_default_routing()


def build_channels(settings: Settings) -> Channels:
    if settings.demo and settings.channels_file is None:
        from relaydesk.channels.demo import demo_channels

        return demo_channels(settings)
    return load_channels(settings.channels_file)


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    backend: CommerceBackend | None = None,
    bus: Bus | None = None,
    channels: Channels | None = None,
) -> Container:
    # A broken policy, routing or channels file stops the start before anything is written.
    policy = build_policy(settings)
    routing = build_routing(settings)
    channels = channels or build_channels(settings)
    url = settings.async_database_url
    engine = create_engine(url)
    if bus is None:
        bus = RedisBus(settings.redis_url) if settings.redis_url else LocalBus()
    nlu = build_nlu(settings.nlu_backend)
    return Container(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        bus=bus,
        nlu=nlu,
        bot=Bot(nlu, backend or build_backend(settings), tz=ZoneInfo(settings.timezone)),
        policy=policy,
        escalation=EscalationEngine(policy),
        routing=routing,
        channels=channels,
        write_lock=asyncio.Lock() if is_sqlite(url) else None,
    )
