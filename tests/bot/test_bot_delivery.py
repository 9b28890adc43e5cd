"""Delivery flows: every order status and every customer claim, in English and Indonesian."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from relaydesk.domain.vocab import BotOutcome

Start = Callable[..., Any]  # the `conversation` fixture (conftest.py)
ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("where is my order 10001?", "en", ["on its way with JNE", "JNE10001", "Wed 25 Nov"]),
        ("pesanan 10001 sudah sampai mana?", "id", ["dalam perjalanan lewat JNE", "Rabu, 25 Nov"]),
    ],
)
async def test_in_transit_gives_the_eta(
    conversation: Start, text: str, lang: str, words: list[str]
):
    chat = conversation()
    turn = await chat.say(text)
    assert (turn.outcome, turn.situation, turn.topic) == (ANSWERED, "order_in_transit", "delivery")
    assert turn.understanding.lang == lang
    assert all(w in turn.reply for w in words), turn.reply
    assert turn.facts["order"]["status"] == "in_transit"
    assert turn.tried == (
        "looked up order 10001: in transit, carrier JNE, promised 2026-11-25, ETA 2026-11-25",
    )


async def test_eta_tomorrow_reads_as_tomorrow(conversation: Start):
    chat = conversation(now=datetime.fromisoformat("2026-11-24T09:00:00+07:00"))
    turn = await chat.say("when will order 10001 arrive")
    assert "It should arrive tomorrow." in turn.reply


@pytest.mark.parametrize(
    ("order", "situation", "en_words"),
    [
        ("10005", "order_processing", "being prepared and hasn't shipped yet"),
        ("10002", "order_delivered", "was delivered on Thu 19 Nov (4 days ago) with SiCepat"),
    ],
)
async def test_processing_and_delivered_are_answered(
    conversation: Start, order: str, situation: str, en_words: str
):
    turn = await conversation().say(f"what's the status of order {order}")
    assert (turn.outcome, turn.situation) == (ANSWERED, situation)
    assert en_words in turn.reply


async def test_delayed_apologises_gives_new_date_and_asks(conversation: Start):
    chat = conversation()
    turn = await chat.say("hi where is order 10003")
    assert (turn.outcome, turn.situation) == (ANSWERED, "order_delayed")
    assert "I'm sorry" in turn.reply and "Wed 25 Nov (in 2 days)" in turn.reply
    assert "Wed 18 Nov (5 days ago)" in turn.reply and turn.reply.endswith("OK for you?")
    assert "late by 5 days" in turn.tried[0] and "new ETA 2026-11-25" in turn.tried[0]
    assert chat.memory.awaiting == "eta_confirmation"
    done = await chat.say("alright, I can wait till then")
    assert (done.outcome, done.situation) == (BotOutcome.RESOLVED, "order_delayed")
    assert "Wed 25 Nov" in done.reply


async def test_delayed_date_refused_needs_a_person(conversation: Start):
    chat = conversation()
    await chat.say("pesanan 10003 kok telat")
    turn = await chat.say("nggak, kelamaan")
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "order_delayed_date_rejected")
    assert turn.understanding.lang == "id"
    assert "petugas" in turn.reply


async def test_in_transit_past_its_promised_day_is_late(conversation: Start):
    turn = await conversation().say("where is order 10006")
    assert turn.situation == "order_delayed"
    assert "late by 3 days" in turn.tried[0]


async def test_late_with_no_date_ahead_cannot_be_promised(conversation: Start):
    turn = await conversation().say("my order 10007 is late")
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "order_overdue")


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("my parcel 10004 never turned up", "order_lost"),
        ("where is order 10004", "order_lost"),
        ("paket 10004 hilang", "order_lost"),
        ("order 10002 says delivered but I never got it", "order_delivered_not_received"),
        ("the package for order 10002 arrived smashed", "order_damaged"),
        ("barang pesanan 10002 datang pecah", "order_damaged"),
        ("you sent me the wrong item in order 10002", "order_wrong_item"),
        ("I need a different delivery address on order 10005", "address_change_requested"),
        ("tolong ganti alamat pengiriman pesanan 10002", "address_change_requested"),
    ],
)
async def test_what_needs_a_person_is_reported_as_cannot_help(
    conversation: Start, text: str, situation: str
):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation, turn.topic) == (CANNOT_HELP, situation, "delivery")
    assert turn.understanding.entities["order_id"] in ("10002", "10004", "10005")
    assert turn.facts["order"]


async def test_missing_order_number_is_asked_for_then_the_case_continues(conversation: Start):
    chat = conversation()
    asked = await chat.say("where is my parcel?")
    assert (asked.outcome, asked.situation) == (BotOutcome.ASKED, None)
    assert "order number" in asked.reply
    assert asked.tried == ("asked for the order number",)
    again = await chat.say("I don't know, why is it so slow")
    assert again.outcome is BotOutcome.ASKED and again.reply != asked.reply
    answered = await chat.say("it's 10003")
    assert (answered.outcome, answered.situation) == (ANSWERED, "order_delayed")
    assert answered.understanding.entities == {"order_id": "10003"}


async def test_unknown_order_is_not_found_and_a_corrected_number_works(conversation: Start):
    chat = conversation()
    missing = await chat.say("where is order 99999")
    assert (missing.outcome, missing.situation) == (BotOutcome.NOT_FOUND, "order_not_found")
    assert "99999" in missing.reply
    fixed = await chat.say("sorry, 10001")
    assert (fixed.outcome, fixed.situation) == (ANSWERED, "order_in_transit")


async def test_orders_are_found_under_the_shops_key(conversation: Start):
    chat = conversation()
    turn = await chat.say("status of #58005")
    assert turn.situation == "order_delivered"
    assert turn.understanding.entities["order_id"] == "ORD-58005"
    assert chat.memory.entities["order_id"] == "ORD-58005"


async def test_asking_again_about_the_same_order_is_acknowledged_and_counted(conversation: Start):
    chat = conversation()
    await chat.say("where is my order 10003")
    turn = await chat.say("but when exactly will it be here?")
    assert turn.situation == "order_delayed"
    assert turn.reply.startswith("I'm afraid nothing has changed since my last message.")
    assert chat.memory.answers_on_subject == 2
    assert chat.memory.subject == "order:10003"
