"""The shop behind the bot: orders, payments, accounts, password resets.

The bot talks to the shop only through `CommerceBackend`. Two implementations:
`DemoBackend` (records in memory, from the FORMAT.md `facts` shape or the packaged demo
shop) and `HttpBackend` (a real shop over the JSON contract in docs/commerce-backend.md).
"""

from relaydesk.bot.commerce.demo import DemoBackend
from relaydesk.bot.commerce.http_backend import HttpBackend
from relaydesk.bot.commerce.records import (
    Account,
    AccountStatus,
    CommerceAuthError,
    CommerceBackend,
    CommerceError,
    CommerceProtocolError,
    CommerceUnavailable,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Record,
    find_order,
    find_payment,
)

__all__ = [
    "Account",
    "AccountStatus",
    "CommerceAuthError",
    "CommerceBackend",
    "CommerceError",
    "CommerceProtocolError",
    "CommerceUnavailable",
    "DemoBackend",
    "HttpBackend",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "Record",
    "find_order",
    "find_payment",
]
