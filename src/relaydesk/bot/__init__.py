"""The bot: understanding, entities, self-service flows, commerce backend.

    nlu = Nlu()                                   # trains once per process (< 1 s)
    bot = Bot(nlu, DemoBackend.demo_shop())       # or HttpBackend(url, token)
    turn, memory = await bot.respond(masked_text, memory, customer, now)

The names below are imported on first use, so `relaydesk.bot.intents` and friends stay
cheap to import for code that needs only the vocabulary.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relaydesk.bot.bot import Bot
    from relaydesk.bot.commerce import CommerceBackend, DemoBackend, HttpBackend
    from relaydesk.bot.memory import BotMemory
    from relaydesk.bot.nlu import Nlu

_EXPORTS = {
    "Bot": "relaydesk.bot.bot",
    "BotMemory": "relaydesk.bot.memory",
    "Nlu": "relaydesk.bot.nlu",
    "CommerceBackend": "relaydesk.bot.commerce",
    "DemoBackend": "relaydesk.bot.commerce",
    "HttpBackend": "relaydesk.bot.commerce",
}

__all__ = ["Bot", "BotMemory", "CommerceBackend", "DemoBackend", "HttpBackend", "Nlu"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'relaydesk.bot' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
