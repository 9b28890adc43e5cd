"""What the bot knows of the shop: the records, the errors, and the backend protocol.

Records are validated where they are read: a shop that answers with an unknown status gets
a clear `CommerceProtocolError`, not a half-understood reply.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from relaydesk.bot.entities import order_key_candidates, transaction_key_candidates


class OrderStatus(StrEnum):
    PROCESSING = "processing"
    IN_TRANSIT = "in_transit"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    LOST = "lost"


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CHARGED_BUT_FAILED = "charged_but_failed"
    DOUBLE_CHARGED = "double_charged"
    REFUNDED = "refunded"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    LOCKED_ATTEMPTS = "locked_attempts"
    LOCKED_SECURITY = "locked_security"
    SUSPENDED = "suspended"


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# Money is exact in the record; in JSON (a brief's facts) it is a plain number.
Money = Annotated[Decimal, PlainSerializer(_json_number, when_used="json")]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def facts(self) -> dict[str, Any]:
        """The record as JSON values, for a bot turn's facts and the handover brief."""
        return self.model_dump(mode="json")


class Order(Record):
    order_id: str
    status: OrderStatus
    promised: date | None = None
    eta: date | None = None
    carrier: str | None = None
    tracking: str | None = None


class Payment(Record):
    transaction_id: str
    status: PaymentStatus
    reason: str | None = None  # for failed payments: insufficient_funds, card_expired, ...
    amount: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")


class Account(Record):
    email: str
    status: AccountStatus
    tier: str = "standard"


class CommerceError(Exception):
    """The shop could not answer. The bot says so and reports the case; it never guesses."""


class CommerceUnavailable(CommerceError):
    """Network failure, timeout, or a 5xx from the shop."""


class CommerceAuthError(CommerceError):
    """The shop refused our credentials (401/403): a configuration problem."""


class CommerceProtocolError(CommerceError):
    """The shop answered with something outside the contract."""


class CommerceBackend(Protocol):
    async def get_order(self, order_id: str) -> Order | None: ...

    async def get_payment(self, transaction_id: str) -> Payment | None: ...

    async def get_account(self, email: str) -> Account | None: ...

    async def send_password_reset(self, email: str) -> bool:
        """Send the account's owner a reset link; False when there is no such account."""
        ...


async def find_order(backend: CommerceBackend, order_id: str) -> Order | None:
    """The order under any of the keys a shop may file it by (see entities.py)."""
    for key in order_key_candidates(order_id):
        if order := await backend.get_order(key):
            return order
    return None


async def find_payment(backend: CommerceBackend, transaction_id: str) -> Payment | None:
    for key in transaction_key_candidates(transaction_id):
        if payment := await backend.get_payment(key):
            return payment
    return None
