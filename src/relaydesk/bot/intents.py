"""The NLU's labels and the case topic each one belongs to.

Declared once here: the training files, the flows and the escalation policy spell intents
the same way. `out_of_scope` is the label for "no skill of the bot fits".
"""

from __future__ import annotations

from typing import Final

OUT_OF_SCOPE: Final = "out_of_scope"

DELIVERY_INTENTS: Final = (
    "order_status",
    "delivery_delayed",
    "delivery_lost",
    "delivery_damaged",
    "wrong_item",
    "change_address",
)
PAYMENT_INTENTS: Final = (
    "payment_failed",
    "double_charge",
    "charged_but_failed",
    "unauthorized_payment",
    "refund_request",
)
ACCOUNT_INTENTS: Final = ("account_locked", "account_hacked", "account_suspended", "password_reset")
# Closers end or confirm a subject; they never start a case of their own.
CLOSING_INTENTS: Final = ("thanks", "goodbye", "affirm", "deny")

INTENTS: Final = (
    "greeting",
    *CLOSING_INTENTS,
    *DELIVERY_INTENTS,
    *PAYMENT_INTENTS,
    *ACCOUNT_INTENTS,
    "human_request",
    "complaint",
)
"""Every label the classifier may give besides `out_of_scope`, in docs/contracts.md order."""

# Every label a training file may use: the intents plus examples of what the bot cannot do,
# which teach the classifier a "none of these" class (Larson et al. 2019: out-of-scope
# examples as a class beat a bare confidence threshold).
TRAINABLE_LABELS: Final = frozenset((*INTENTS, OUT_OF_SCOPE))


class Topic:
    DELIVERY: Final = "delivery"
    PAYMENT: Final = "payment"
    ACCOUNT: Final = "account"
    GENERAL: Final = "general"


def group_of(intent: str) -> str | None:
    """Intents that lead to the same handling: a case topic, or "closing" for the ways of
    saying "done" (not "deny", which says the opposite of "affirm")."""
    if intent in ("thanks", "affirm", "goodbye"):
        return "closing"
    return topic_of(intent)


def topic_of(intent: str) -> str | None:
    """The case topic an intent opens, or None when it opens none (small talk, a request for
    a person, a complaint): those keep whatever topic the conversation already has."""
    if intent in DELIVERY_INTENTS:
        return Topic.DELIVERY
    if intent in PAYMENT_INTENTS:
        return Topic.PAYMENT
    if intent in ACCOUNT_INTENTS:
        return Topic.ACCOUNT
    return None
