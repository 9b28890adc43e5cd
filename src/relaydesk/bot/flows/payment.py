"""Payments: failed, charged twice, charged but failed, not mine, refunds.

A failed payment with a plain reason is the customer's to fix (top up, another card, ask
the bank): the bot explains. Money taken wrongly, a charge the customer did not make, and a
refund are a person's to handle: the bot gathers the facts and says so.
"""

from __future__ import annotations

from dataclasses import replace

from relaydesk.bot.commerce import CommerceError, Payment, PaymentStatus, find_payment
from relaydesk.bot.flows.base import Step, Turn, ask, cannot_reach
from relaydesk.bot.formatting import money
from relaydesk.domain.vocab import BotOutcome

ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP

_FAILURE_MESSAGES = {
    "insufficient_funds": "payment_insufficient_funds",
    "card_expired": "payment_card_expired",
    "expired_card": "payment_card_expired",
    "bank_declined": "payment_bank_declined",
    "card_declined": "payment_bank_declined",
    "do_not_honor": "payment_bank_declined",
}
# Charges the customer reports; when the record shows none of them, a person must look.
_CLAIMED = {
    "double_charge": PaymentStatus.DOUBLE_CHARGED,
    "charged_but_failed": PaymentStatus.CHARGED_BUT_FAILED,
}


async def payment(turn: Turn) -> Step:
    transaction_id = turn.entities.get("transaction_id")
    if turn.intent == "unauthorized_payment":
        return await _unauthorized(turn, transaction_id)
    if not transaction_id:
        if turn.intent == "refund_request" and (order_id := turn.entities.get("order_id")):
            return _refund_requested(turn, turn.piece("for_order", order=order_id), order_id)
        return ask(turn, "transaction_id", "ask_transaction_id", "transaction ID")
    try:
        record = await find_payment(turn.backend, transaction_id)
    except CommerceError as exc:
        return cannot_reach(turn, f"look up payment {transaction_id}", exc)
    if record is None:
        return Step(
            BotOutcome.NOT_FOUND,
            turn.say("payment_not_found", transaction=transaction_id),
            situation="payment_not_found",
            tried=(f"looked up payment {transaction_id}: not found",),
            awaiting="transaction_id",
        )
    return _with_record(_judge(turn, record), record)


def _judge(turn: Turn, record: Payment) -> Step:
    fields = _fields(turn, record)
    if record.status is PaymentStatus.CHARGED_BUT_FAILED:
        return Step(CANNOT_HELP, turn.say("payment_charged_but_failed", **fields),
                    situation="payment_charged_but_failed")  # fmt: skip
    if record.status is PaymentStatus.DOUBLE_CHARGED:
        return Step(CANNOT_HELP, turn.say("payment_double_charged", **fields),
                    situation="payment_double_charged")  # fmt: skip
    if turn.intent in _CLAIMED:
        status = turn.piece(f"status_{record.status.value}")
        return Step(CANNOT_HELP, turn.say("payment_disputed", status=status, **fields),
                    situation="payment_disputed")  # fmt: skip
    if record.status is PaymentStatus.REFUNDED:
        return Step(ANSWERED, turn.say("payment_refunded", **fields), situation="payment_refunded")
    if turn.intent == "refund_request":
        if record.status is PaymentStatus.FAILED:
            reply = turn.say("refund_nothing_charged", **fields)
            return Step(ANSWERED, reply, situation="payment_failed")
        for_what = turn.piece("for_transaction", transaction=record.transaction_id)
        return _refund_requested(turn, for_what, None)
    if record.status is PaymentStatus.FAILED:
        message = _FAILURE_MESSAGES.get(record.reason or "", "payment_failed_other")
        return Step(ANSWERED, turn.say(message, **fields), situation="payment_failed")
    return Step(ANSWERED, turn.say("payment_succeeded", **fields), situation="payment_succeeded")


async def _unauthorized(turn: Turn, transaction_id: str | None) -> Step:
    """Not the customer's payment: a person at once. Look the payment up only if the
    customer named one, so the agent has it; never hold the case up to ask for it."""
    step = Step(CANNOT_HELP, turn.say("payment_unauthorized"), situation="payment_unauthorized")
    if not transaction_id:
        return step
    try:
        record = await find_payment(turn.backend, transaction_id)
    except CommerceError:
        return step
    return _with_record(step, record) if record else step


def _refund_requested(turn: Turn, for_what: str, order_id: str | None) -> Step:
    what = f"order {order_id}" if order_id else "the payment"
    return Step(
        CANNOT_HELP,
        turn.say("refund_requested", for_what=for_what),
        situation="refund_requested",
        tried=(f"noted a refund request for {what}",),
    )


def _with_record(step: Step, record: Payment) -> Step:
    return replace(
        step,
        facts={"payment": record.facts()},
        tried=(f"looked up payment {record.transaction_id}: {summary(record)}", *step.tried),
        subject=f"payment:{record.transaction_id}",
        entities={"transaction_id": record.transaction_id},
    )


def _fields(turn: Turn, record: Payment) -> dict[str, str]:
    amount = money(record.amount, record.currency, turn.lang)
    return {
        "transaction": record.transaction_id,
        "of_amount": turn.piece("of_amount", amount=amount),
        "with_card": turn.piece("with_card", last4=record.card_last4),
        "card": turn.piece("card", last4=record.card_last4),
    }


def summary(record: Payment) -> str:
    """ "failed (insufficient_funds), Rp250.000, card ending 4242" for the agent's brief."""
    parts = [record.status.value.replace("_", " ")]
    if record.reason:
        parts[0] += f" ({record.reason})"
    if record.amount is not None:
        parts.append(money(record.amount, record.currency, "en"))
    if record.card_last4:
        parts.append(f"card ending {record.card_last4}")
    return ", ".join(parts)
