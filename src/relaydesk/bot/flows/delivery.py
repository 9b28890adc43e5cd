"""Orders and deliveries: where is it, it's late, lost, damaged, wrong, new address, and
any other change to an order (size, colour, cancelling), which only a person can make.

The shop's record decides what the bot says; the customer's words decide only what they
claim (damage, a wrong item, a parcel that never came), which a record cannot disprove and
a person must handle.
"""

from __future__ import annotations

from dataclasses import replace

from relaydesk.bot.commerce import CommerceError, Order, OrderStatus, find_order
from relaydesk.bot.flows.base import Step, Turn, ask, cannot_reach
from relaydesk.bot.formatting import dated, relative_day
from relaydesk.domain.vocab import BotOutcome

ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP

# Not an intent of the classifier: the dialogue's name for "change this order" in words the
# classifier has no intent for ("size M to L on order 58055", "batalin pesanan 58001").
ORDER_CHANGE = "order_change"

# What the customer reports and the record cannot settle: (situation, message).
_CLAIMS = {
    "delivery_damaged": ("order_damaged", "order_damaged"),
    "wrong_item": ("order_wrong_item", "order_wrong_item"),
}


async def delivery(turn: Turn) -> Step:
    order_id = turn.entities.get("order_id")
    if not order_id:
        return ask(turn, "order_id", "ask_order_id", "order number")
    try:
        order = await find_order(turn.backend, order_id)
    except CommerceError as exc:
        return cannot_reach(turn, f"look up order {order_id}", exc)
    if order is None:
        return Step(
            BotOutcome.NOT_FOUND,
            turn.say("order_not_found", order=order_id),
            situation="order_not_found",
            tried=(f"looked up order {order_id}: not found",),
            awaiting="order_id",
        )
    step = _judge(turn, order)
    return replace(
        step,
        facts={"order": order.facts()},
        tried=(f"looked up order {order.order_id}: {summary(order, turn)}", *step.tried),
        subject=f"order:{order.order_id}",
        entities={"order_id": order.order_id},
    )


async def confirm_new_date(turn: Turn, accepted: bool) -> Step:
    """The customer's yes or no to the new delivery date the bot offered."""
    if not accepted:
        return Step(
            CANNOT_HELP,
            turn.say("eta_rejected"),
            situation="order_delayed_date_rejected",
            tried=("offered the new delivery date; the customer did not accept it",),
        )
    order_id = turn.entities.get("order_id", "")
    try:
        order = await find_order(turn.backend, order_id) if order_id else None
    except CommerceError:
        order = None  # the thanks does not depend on it; the date is a courtesy
    eta = relative_day(order.eta, turn.lang, turn.today) if order and order.eta else None
    eta = eta or turn.piece("soon")
    return Step(
        BotOutcome.RESOLVED,
        turn.say("eta_accepted", order=order_id, eta=eta),
        situation="order_delayed",
        tried=("offered the new delivery date; the customer accepted it",),
    )


def _judge(turn: Turn, order: Order) -> Step:
    if turn.intent == "change_address":
        return _address_change(turn, order)
    if turn.intent == ORDER_CHANGE:
        reply = turn.say("order_change", order=order.order_id)
        return Step(CANNOT_HELP, reply, situation="order_change_requested")
    if turn.intent in _CLAIMS:
        situation, message = _CLAIMS[turn.intent]
        return Step(CANNOT_HELP, turn.say(message, order=order.order_id), situation=situation)
    if order.status is OrderStatus.LOST:
        carrier = turn.piece("with_carrier", carrier=order.carrier)
        reply = turn.say("order_lost", order=order.order_id, with_carrier=carrier)
        return Step(CANNOT_HELP, reply, situation="order_lost")
    if turn.intent == "delivery_lost" and order.status is OrderStatus.DELIVERED:
        reply = turn.say("order_not_received", order=order.order_id, on_day=_on_day(turn, order))
        return Step(CANNOT_HELP, reply, situation="order_delivered_not_received")
    return _status(turn, order)


def _status(turn: Turn, order: Order) -> Step:
    if order.status is OrderStatus.DELIVERED:
        carrier = turn.piece("with_carrier", carrier=order.carrier)
        reply = turn.say("order_delivered", order=order.order_id, on_day=_on_day(turn, order),
                         with_carrier=carrier)  # fmt: skip
        return Step(ANSWERED, reply, situation="order_delivered")
    if is_late(order, turn):
        return _late(turn, order)
    if order.status is OrderStatus.PROCESSING:
        if order.eta is None:
            reply = turn.say("order_processing_no_eta", order=order.order_id)
        else:
            eta = relative_day(order.eta, turn.lang, turn.today)
            reply = turn.say("order_processing", order=order.order_id, eta=eta)
        return Step(ANSWERED, reply, situation="order_processing")
    reply = turn.say(
        "order_in_transit",
        order=order.order_id,
        with_carrier=turn.piece("with_carrier", carrier=order.carrier),
        tracking=turn.piece("tracking", tracking=order.tracking),
        eta=relative_day(order.eta, turn.lang, turn.today) if order.eta else turn.piece("soon"),
    )
    return Step(ANSWERED, reply, situation="order_in_transit")


def _late(turn: Turn, order: Order) -> Step:
    promised = (
        dated(order.promised, turn.lang, turn.today) if order.promised else turn.piece("earlier")
    )
    if order.eta is None or order.eta < turn.today:
        # No date still ahead to offer: the bot has nothing true to promise.
        reply = turn.say("order_overdue", order=order.order_id, promised=promised)
        return Step(CANNOT_HELP, reply, situation="order_overdue")
    reply = turn.say(
        "order_delayed",
        order=order.order_id,
        promised=promised,
        eta=dated(order.eta, turn.lang, turn.today),
        from_carrier=turn.piece("from_carrier", carrier=order.carrier),
    )
    return Step(ANSWERED, reply, situation="order_delayed", awaiting="eta_confirmation")


def _address_change(turn: Turn, order: Order) -> Step:
    if order.status is OrderStatus.DELIVERED:
        reply = turn.say("address_change_delivered", order=order.order_id,
                         on_day=_on_day(turn, order))  # fmt: skip
    else:
        reply = turn.say("address_change", order=order.order_id)
    return Step(CANNOT_HELP, reply, situation="address_change_requested")


def is_late(order: Order, turn: Turn) -> bool:
    """Delayed in the shop's records, or still on its way after the promised day."""
    if order.status is OrderStatus.DELAYED:
        return True
    open_ = order.status in (OrderStatus.PROCESSING, OrderStatus.IN_TRANSIT)
    return open_ and order.promised is not None and order.promised < turn.today


def summary(order: Order, turn: Turn) -> str:
    """The record in a line for the agent's brief: "delayed, promised 2026-11-18, new ETA
    2026-11-25, late by 5 days"."""
    parts = [order.status.value.replace("_", " ")]
    if order.carrier:
        parts.append(f"carrier {order.carrier}")
    if order.promised:
        parts.append(f"promised {order.promised.isoformat()}")
    if order.eta and order.status is not OrderStatus.DELIVERED:
        parts.append(f"{'new ETA' if is_late(order, turn) else 'ETA'} {order.eta.isoformat()}")
    elif order.eta:
        parts.append(f"delivered {order.eta.isoformat()}")
    if order.promised and is_late(order, turn) and order.promised < turn.today:
        late = (turn.today - order.promised).days
        parts.append(f"late by {late} day{'s' * (late != 1)}")
    return ", ".join(parts)


def _on_day(turn: Turn, order: Order) -> str:
    when = relative_day(order.eta, turn.lang, turn.today) if order.eta else None
    return turn.piece("on_day", day=when)
