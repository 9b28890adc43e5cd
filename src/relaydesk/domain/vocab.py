"""Closed vocabularies shared by every part: channels, priorities, reasons, bot outcomes.

Each is declared once here; policies, the API and analytics spell them the same way.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    WEBCHAT = "webchat"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    SMS = "sms"
    EMAIL = "email"


class Language(StrEnum):
    EN = "en"
    ID = "id"  # Bahasa Indonesia


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @classmethod
    def of_rank(cls, rank: int) -> Priority:
        return _RANK_PRIORITY[rank]

    @classmethod
    def highest(cls, *priorities: Priority) -> Priority:
        return max(priorities, key=lambda p: p.rank)


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
_RANK_PRIORITY = {rank: priority for priority, rank in _PRIORITY_RANK.items()}


class Reason(StrEnum):
    """Why a conversation was handed over (FORMAT.md's reason codes)."""

    EXPLICIT_REQUEST = "explicit_request"
    FRUSTRATION = "frustration"
    URGENT = "urgent"
    POLICY_INTENT = "policy_intent"
    BOT_FAILURE = "bot_failure"
    LOOP = "loop"
    VIP = "vip"
    OUT_OF_SCOPE = "out_of_scope"


class Tier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


class BotOutcome(StrEnum):
    """What one bot turn achieved, as the escalation signals see it."""

    ANSWERED = "answered"  # gave the customer the information they asked for
    RESOLVED = "resolved"  # the customer confirmed they are done (thanks, ok, bye)
    ASKED = "asked"  # asked for a missing detail (order id, email, ...)
    SMALL_TALK = "small_talk"  # greeting and the like: nothing to solve yet
    NOT_UNDERSTOOD = "not_understood"  # no intent recognised with confidence
    NOT_FOUND = "not_found"  # understood, but the backend knows no such order/payment/account
    CANNOT_HELP = "cannot_help"  # understood, but the case needs a person (lost parcel, ...)

    @property
    def is_failure(self) -> bool:
        return self in (BotOutcome.NOT_UNDERSTOOD, BotOutcome.NOT_FOUND)


class SenderType(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class AgentPresence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


DEFAULT_TEAMS: dict[str, str] = {
    "logistics": "Logistics",
    "billing": "Billing",
    "accounts": "Accounts",
    "general": "General support",
}
