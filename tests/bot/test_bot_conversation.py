"""Around the cases: small talk, closing, a person please, complaints, not understood,
language, masked secrets, a shop that is down, and odd input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaydesk.bot.bot import Bot
from relaydesk.bot.commerce import CommerceUnavailable, DemoBackend
from relaydesk.bot.memory import BotMemory
from relaydesk.bot.nlu import Nlu
from relaydesk.domain.turn import CustomerView
from relaydesk.domain.vocab import BotOutcome

Start = Callable[..., Any]  # the `conversation` fixture (conftest.py)
FACTS_10001 = {"orders": {"10001": {"status": "in_transit", "eta": "2026-11-25"}}}


async def test_greeting_then_thanks_without_a_case_is_small_talk(conversation: Start):
    chat = conversation()
    hello = await chat.say("hello")
    assert (hello.outcome, hello.topic, hello.understanding.intent) == (
        BotOutcome.SMALL_TALK,
        "general",
        "greeting",
    )
    thanks = await chat.say("thanks")
    assert thanks.outcome is BotOutcome.SMALL_TALK
    assert "anything else" in thanks.reply


@pytest.mark.parametrize("closing", ["great, cheers", "oke makasih ya", "perfect, thank you"])
async def test_thanks_after_an_answer_resolves(conversation: Start, closing: str):
    chat = conversation()
    await chat.say("where is my order 10001")
    turn = await chat.say(closing)
    assert turn.outcome is BotOutcome.RESOLVED
    assert turn.topic == "delivery"


async def test_goodbye_resolves(conversation: Start):
    turn = await conversation().say("nothing else, bye")
    assert turn.outcome is BotOutcome.RESOLVED


@pytest.mark.parametrize(
    "text", ["talk to a human please", "I want a real person", "sambungkan ke CS dong"]
)
async def test_asking_for_a_person_is_reported_not_decided(conversation: Start, text: str):
    turn = await conversation().say(text)
    assert turn.understanding.intent == "human_request"
    assert (turn.outcome, turn.situation) == (BotOutcome.CANNOT_HELP, "human_requested")


async def test_asking_for_a_person_about_an_order_sets_the_topic(conversation: Start):
    turn = await conversation().say("please have a real person call me about order 10003")
    assert turn.understanding.intent == "human_request"
    assert turn.topic == "delivery"


async def test_complaint_without_a_case_asks_what_happened(conversation: Start):
    chat = conversation()
    turn = await chat.say("I want to make a complaint")
    assert (turn.outcome, turn.understanding.intent) == (BotOutcome.ASKED, "complaint")
    follow = await chat.say("the item in order 10002 is broken")
    assert (follow.outcome, follow.situation) == (BotOutcome.CANNOT_HELP, "order_damaged")


async def test_complaint_inside_a_case_answers_the_case_again(conversation: Start):
    chat = conversation()
    await chat.say("where is order 10003")
    turn = await chat.say("this is unacceptable, worst service ever")
    assert turn.understanding.intent == "complaint"
    assert (turn.outcome, turn.situation, turn.topic) == (
        BotOutcome.ANSWERED,
        "order_delayed",
        "delivery",
    )
    assert turn.reply.startswith("I'm afraid nothing has changed")
    assert chat.memory.answers_on_subject == 2


async def test_complaint_naming_an_order_looks_it_up(conversation: Start):
    turn = await conversation().say("this is a disgrace, order 10003")
    assert turn.understanding.intent == "complaint"
    assert turn.situation == "order_delayed"


async def test_not_understood_twice_offers_a_person(conversation: Start):
    chat = conversation()
    first = await chat.say("asdkjh qwe")
    second = await chat.say("zzzz ???")
    assert first.outcome is second.outcome is BotOutcome.NOT_UNDERSTOOD
    assert not first.understanding.in_scope
    assert first.reply != second.reply and '"agent"' in second.reply
    assert chat.memory.misunderstood == 2


async def test_indonesian_conversation_stays_indonesian(conversation: Start):
    chat = conversation()
    asked = await chat.say("pembayaran saya gagal terus")
    assert asked.understanding.lang == "id" and "ID transaksi" in asked.reply
    answered = await chat.say("TX-20001")
    assert answered.understanding.lang == "id"
    assert "saldo tidak cukup" in answered.reply
    done = await chat.say("ok")
    assert done.understanding.lang == "id" and done.outcome is BotOutcome.RESOLVED
    assert chat.memory.lang == "id"


async def test_customer_language_is_the_first_hint(conversation: Start):
    turn = await conversation().say("10001", CustomerView(lang="id"))
    assert turn.understanding.lang == "id"
    assert (turn.understanding.intent, turn.situation) == ("order_status", "order_in_transit")


async def test_masked_text_reaches_the_bot_and_no_card_number_does(conversation: Start):
    turn = await conversation().say("payment TX-20001 failed, card 4111 1111 1111 1111")
    assert turn.situation == "payment_failed"
    assert turn.understanding.entities["card_last4"] == "1111"
    assert "4111 1111 1111 1111" not in repr(turn)


async def test_today_is_the_shops_day_not_utcs(nlu: Nlu):
    # 23:30 UTC on 22 Nov is already 23 Nov in Jakarta: order 10001 is due "in 2 days".
    utc_evening = datetime.fromisoformat("2026-11-22T23:30:00+00:00")
    bot = Bot(nlu, DemoBackend.from_facts(FACTS_10001), tz=timezone(timedelta(hours=7)))
    turn, _ = await bot.respond("where is order 10001", BotMemory(), CustomerView(), utc_evening)
    assert "(in 2 days)" in turn.reply


async def test_a_shop_that_is_down_is_reported(nlu: Nlu):
    class DownShop(DemoBackend):
        async def get_order(self, order_id: str) -> Any:
            raise CommerceUnavailable("get_order: the shop answered HTTP 503")

    bot = Bot(nlu, DownShop())
    turn, memory = await bot.respond("where is order 10001", BotMemory(), CustomerView(), _now())
    assert (turn.outcome, turn.situation) == (BotOutcome.CANNOT_HELP, "backend_unavailable")
    assert "HTTP 503" in turn.tried[0]
    assert memory.entities["order_id"] == "10001"


def test_nlu_default_is_shared_and_the_bot_exposes_it():
    assert Nlu.default() is Nlu.default()
    bot = Bot(Nlu.default(), DemoBackend())
    assert bot.nlu is Nlu.default()


def test_memory_after_every_turn_round_trips(conversation: Start):
    chat = conversation()

    async def run() -> None:
        for text in ("hi", "my payment failed", "TX-20003", "thanks"):
            await chat.say(text)
            assert BotMemory.from_json(chat.memory.to_json()) == chat.memory

    asyncio.run(run())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_respond_never_raises_on_odd_input(nlu: Nlu, text: str):
    bot = Bot(nlu, DemoBackend())
    turn, memory = asyncio.run(bot.respond(text, BotMemory(), CustomerView(), _now()))
    assert turn.reply
    assert BotMemory.from_json(memory.to_json()) == memory


def _now() -> datetime:
    return datetime.fromisoformat("2026-11-23T10:00:00+07:00")
