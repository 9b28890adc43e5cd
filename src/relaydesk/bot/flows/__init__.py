"""Self-service flows: one module a topic, each a plain async function of a `Turn`.

The situations they report (`BotTurn.situation`), for policies and the agent's brief:

- answered: order_in_transit, order_processing, order_delivered, order_delayed,
  payment_failed, payment_succeeded, payment_refunded, account_locked_attempts and
  account_active (both with a reset link sent);
- cannot_help (needs a person): order_lost, order_overdue, order_delivered_not_received,
  order_damaged, order_wrong_item, address_change_requested,
  order_change_requested, order_delayed_date_rejected,
  payment_charged_but_failed, payment_double_charged, payment_disputed,
  payment_unauthorized, refund_requested, account_locked_security, account_suspended,
  account_hacked, password_reset_failed, human_requested, backend_unavailable;
- not_found: order_not_found, payment_not_found, account_not_found.

A customer who accepts a new delivery date is `resolved` with situation order_delayed.
"""
