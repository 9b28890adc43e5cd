"""Fixtures for the bot's tests: one trained NLU per session, bots over scenario facts."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pytest

from relaydesk.bot.bot import Bot
from relaydesk.bot.commerce import DemoBackend
from relaydesk.bot.memory import BotMemory
from relaydesk.bot.nlu import Nlu
from relaydesk.domain.masking import mask
from relaydesk.domain.turn import BotTurn, CustomerView

NOW = datetime.fromisoformat("2026-11-23T10:00:00+07:00")

FACTS: dict[str, Any] = {
    "orders": {
        "10001": {"status": "in_transit", "promised": "2026-11-25", "eta": "2026-11-25",
                  "carrier": "JNE", "tracking": "JNE10001"},
        "10002": {"status": "delivered", "promised": "2026-11-20", "eta": "2026-11-19",
                  "carrier": "SiCepat"},
        "10003": {"status": "delayed", "promised": "2026-11-18", "eta": "2026-11-25",
                  "carrier": "JNE"},
        "10004": {"status": "lost", "promised": "2026-11-05", "eta": None, "carrier": "J&T"},
        "10005": {"status": "processing", "promised": "2026-11-27", "eta": "2026-11-27"},
        "10006": {"status": "in_transit", "promised": "2026-11-20", "eta": "2026-11-24",
                  "carrier": "AnterAja"},
        "10007": {"status": "delayed", "promised": "2026-11-15", "eta": None},
        "ORD-58005": {"status": "delivered", "promised": "2026-11-20", "eta": "2026-11-20"},
    },
    "payments": {
        "TX-20001": {"status": "failed", "reason": "insufficient_funds", "amount": 250000,
                     "currency": "IDR", "card_last4": "4242"},
        "TX-20002": {"status": "failed", "reason": "card_expired", "amount": 99000,
                     "currency": "IDR", "card_last4": "1881"},
        "TX-20003": {"status": "failed", "reason": "bank_declined", "amount": 75000,
                     "currency": "IDR"},
        "TX-20004": {"status": "charged_but_failed", "amount": 1200000, "currency": "IDR"},
        "TX-20005": {"status": "double_charged", "amount": 450000, "currency": "IDR",
                     "card_last4": "7777"},
        "TX-20006": {"status": "succeeded", "amount": 300000, "currency": "IDR"},
        "TX-20007": {"status": "refunded", "amount": 120000, "currency": "IDR"},
    },
    "accounts": {
        "maya@example.com": {"status": "locked_attempts", "tier": "standard"},
        "budi@example.com": {"status": "locked_security", "tier": "standard"},
        "joe@example.com": {"status": "suspended", "tier": "standard"},
        "dewi@example.com": {"status": "active", "tier": "vip"},
    },
}  # fmt: skip


@pytest.fixture
def facts() -> dict[str, Any]:
    """The shop's records for most tests, in the scenario facts shape."""
    return copy.deepcopy(FACTS)


@pytest.fixture(scope="session")
def nlu() -> Nlu:
    return Nlu()


class Conversation:
    """A customer talking to the bot turn by turn, as the pipeline would: masked text in."""

    def __init__(self, bot: Bot, backend: DemoBackend, now: datetime = NOW) -> None:
        self.bot, self.backend, self.now = bot, backend, now
        self.memory = BotMemory()
        self.turns: list[BotTurn] = []

    async def say(self, text: str, customer: CustomerView | None = None) -> BotTurn:
        turn, self.memory = await self.bot.respond(
            mask(text).text, self.memory, customer or CustomerView(), self.now
        )
        self.turns.append(turn)
        return turn


@pytest.fixture
def conversation(nlu: Nlu) -> Callable[..., Conversation]:
    def start(facts: Mapping[str, Any] | None = None, now: datetime = NOW) -> Conversation:
        backend = DemoBackend.from_facts(FACTS if facts is None else facts)
        return Conversation(Bot(nlu, backend), backend, now)

    return start
