"""Payment flows: failures the customer can fix, charges a person must look at, refunds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relaydesk.domain.vocab import BotOutcome

Start = Callable[..., Any]  # the `conversation` fixture (conftest.py)
ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP


async def test_failed_payment_asks_for_the_id_explains_and_settles(conversation: Start):
    chat = conversation()
    asked = await chat.say("my card got declined at checkout")
    assert (asked.outcome, asked.topic) == (BotOutcome.ASKED, "payment")
    assert "TX-12345" in asked.reply
    answered = await chat.say("transaction TX-20001")
    assert (answered.outcome, answered.situation) == (ANSWERED, "payment_failed")
    assert answered.understanding.intent == "payment_failed"
    assert "insufficient funds" in answered.reply and "Rp250.000" in answered.reply
    assert "card ending 4242" in answered.reply and "try again" in answered.reply
    assert answered.tried == (
        "looked up payment TX-20001: failed (insufficient_funds), Rp250.000, card ending 4242",
    )
    done = await chat.say("ok, I'll top up my balance and retry")
    assert done.outcome is BotOutcome.RESOLVED
    assert chat.memory.topic == "payment"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("why did TX-20002 fail?", ["has expired", "ending 1881"]),
        ("kenapa pembayaran TX-20002 gagal?", ["kedaluwarsa", "berakhiran 1881"]),
        ("payment TX-20003 was declined", ["Your bank declined", "contact your bank"]),
        ("TX-20003 ditolak terus", ["Bank Anda menolak", "hubungi bank Anda"]),
    ],
)
async def test_plain_failure_reasons_are_explained(
    conversation: Start, text: str, words: list[str]
):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation) == (ANSWERED, "payment_failed")
    assert all(w in turn.reply for w in words), turn.reply


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("I was charged but the order failed, TX-20004", "payment_charged_but_failed"),
        ("saldo kepotong tapi transaksi TX-20004 gagal", "payment_charged_but_failed"),
        ("you took the money twice, TX-20005", "payment_double_charged"),
        ("my payment TX-20005 failed", "payment_double_charged"),
        ("I got billed two times for TX-20006", "payment_disputed"),
    ],
)
async def test_money_taken_wrongly_needs_a_person(conversation: Start, text: str, situation: str):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation, turn.topic) == (CANNOT_HELP, situation, "payment")
    assert turn.facts["payment"]["transaction_id"] in ("TX-20004", "TX-20005", "TX-20006")


async def test_double_charge_after_asking_for_the_id(conversation: Start):
    chat = conversation()
    assert (await chat.say("I was charged twice for one order")).outcome is BotOutcome.ASKED
    turn = await chat.say("TX-20005")
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "payment_double_charged")
    assert turn.understanding.intent == "double_charge"
    assert "Rp450.000" in turn.reply


@pytest.mark.parametrize(
    ("text", "situation", "words"),
    [
        ("did payment TX-20006 go through?", "payment_succeeded", "went through successfully"),
        ("where is my refund for TX-20007", "payment_refunded", "has been refunded"),
        ("I want a refund for TX-20001", "payment_failed", "nothing to refund"),
    ],
)
async def test_settled_payments_are_answered(
    conversation: Start, text: str, situation: str, words: str
):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation) == (ANSWERED, situation)
    assert words in turn.reply


@pytest.mark.parametrize(
    "text",
    ["I want a refund for TX-20006", "please refund my order 10002", "minta refund pesanan 10002"],
)
async def test_refunds_go_to_a_person(conversation: Start, text: str):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "refund_requested")


@pytest.mark.parametrize(
    "text", ["someone used my card for a payment I never made", "ada transaksi yang bukan saya"]
)
async def test_unauthorised_payment_is_reported_without_questions(conversation: Start, text: str):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "payment_unauthorized")
    assert turn.understanding.intent == "unauthorized_payment"


async def test_unauthorised_payment_with_an_id_carries_the_record(conversation: Start):
    turn = await conversation().say("TX-20006 wasn't me, I never authorised this charge")
    assert turn.situation == "payment_unauthorized"
    assert turn.facts["payment"]["transaction_id"] == "TX-20006"


async def test_unknown_transaction_and_a_bare_number_answer(conversation: Start):
    chat = conversation()
    missing = await chat.say("payment TX-99999 failed")
    assert (missing.outcome, missing.situation) == (BotOutcome.NOT_FOUND, "payment_not_found")
    fixed = await chat.say("20001")
    assert (fixed.outcome, fixed.situation) == (ANSWERED, "payment_failed")
    assert fixed.understanding.entities["transaction_id"] == "TX-20001"
