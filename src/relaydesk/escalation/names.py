"""The names a policy may use for the bot's intents, situations and topics.

They mirror docs/contracts.md (intents, topics) and the commerce facts of FORMAT.md
(situations are "<record>_<status>": the status the bot's backend lookup found). A
policy that names anything else is rejected at load time with the line of the typo,
because a misspelt intent would otherwise make its rule silently never fire.
"""

from __future__ import annotations

INTENTS = frozenset(
    {
        "greeting", "thanks", "goodbye", "affirm", "deny", "order_status",
        "delivery_delayed", "delivery_lost", "delivery_damaged", "wrong_item",
        "change_address", "payment_failed", "double_charge", "charged_but_failed",
        "unauthorized_payment", "refund_request", "account_locked", "account_hacked",
        "account_suspended", "password_reset", "human_request", "complaint", "out_of_scope",
    }
)  # fmt: skip

TOPICS = frozenset({"delivery", "payment", "account", "general"})

_STATUSES = {
    "order": ("processing", "in_transit", "delayed", "delivered", "lost", "not_found"),
    "payment": (
        "succeeded", "failed", "charged_but_failed", "double_charged", "refunded", "not_found",
    ),
    "account": ("active", "locked_attempts", "locked_security", "suspended", "not_found"),
}  # fmt: skip

SITUATIONS = frozenset(
    f"{record}_{status}" for record, statuses in _STATUSES.items() for status in statuses
)
