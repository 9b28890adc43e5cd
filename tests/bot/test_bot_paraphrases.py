"""Whole conversations in wording unlike the training files and the dev scenarios: slang,
typos, formal and casual, both languages. Each turn's (outcome, situation) is checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relaydesk.domain.vocab import BotOutcome as O

Start = Callable[..., Any]  # the `conversation` fixture (conftest.py)
A, R, Q, S, N, C, F = (O.ANSWERED, O.RESOLVED, O.ASKED, O.SMALL_TALK, O.NOT_UNDERSTOOD,
                       O.CANNOT_HELP, O.NOT_FOUND)  # fmt: skip

CONVERSATIONS: list[tuple[str, list[tuple[str, tuple[O, str | None]]]]] = [
    ("id", [("halo kak, paketku 10001 udah sampe mana ya?", (A, "order_in_transit")),
            ("sip makasih kak", (R, None))]),
    ("en", [("yo where's my stuff, order #10003", (A, "order_delayed")),
            ("fine, I'll wait", (R, "order_delayed"))]),
    ("id", [("min pesanan 10003 telat bgt nih", (A, "order_delayed")),
            ("gak bisa, kelamaan", (C, "order_delayed_date_rejected"))]),
    ("en", [("I think the courier lost my package 10004", (C, "order_lost"))]),
    ("en", [("my checkout keeps failing", (Q, None)),
            ("it's tx-20002", (A, "payment_failed")),
            ("alright, I'll update my card", (R, None))]),
    ("id", [("kok saldo kepotong dua kali sih", (Q, None)),
            ("TX-20005", (C, "payment_double_charged"))]),
    ("en", [("cant login, acount locked", (Q, None)),
            ("maya@example.com", (A, "account_locked_attempts")),
            ("thx", (R, None))]),
    ("id", [("lupa password nih", (Q, None)),
            ("dewi@example.com", (A, "account_active"))]),
    ("en", [("qwrtzp", (N, None)), ("ghjk lkjh", (N, None))]),
    ("en", [("can a human help me please", (C, "human_requested"))]),
    ("en", [("the box for 10002 came crushed, the mug inside is cracked", (C, "order_damaged"))]),
    ("id", [("pengen ganti alamat kirim buat order 10005", (C, "address_change_requested"))]),
    ("id", [("pagi kak", (S, None)),
            ("pembayaran TX-20001 kenapa gagal ya", (A, "payment_failed")),
            ("oke siap, saya top up dulu", (R, None))]),
    ("en", [("there's a charge on my statement I didn't make", (C, "payment_unauthorized"))]),
    ("en", [("Good afternoon. Could you tell me when order 10005 will be delivered?",
             (A, "order_processing")),
            ("Thank you very much.", (R, None))]),
    ("en", [("order 12345 where is it", (F, "order_not_found")),
            ("oops, I meant 10002", (A, "order_delivered"))]),
    ("id", [("akun saya di-suspend, email joe@example.com", (C, "account_suspended"))]),
    ("en", [("hey", (S, None)), ("my refund for TX-20007?", (A, "payment_refunded"))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "turns"), CONVERSATIONS, ids=[turns[0][0][:40] for _, turns in CONVERSATIONS]
)
async def test_paraphrased_conversation(
    conversation: Start, lang: str, turns: list[tuple[str, tuple[O, str | None]]]
):
    chat = conversation()
    got = []
    for text, _ in turns:
        turn = await chat.say(text)
        got.append((turn.outcome, turn.situation))
        assert turn.understanding.lang == lang, (text, turn.reply)
    assert got == [expected for _, expected in turns]
