"""Frustration, urgency, loop, bot failure, tier and out-of-scope signals."""

import pytest

from relaydesk.domain.vocab import BotOutcome
from relaydesk.escalation.signals import (
    SIGNALS,
    bot_failure,
    compute_signals,
    frustration,
    loop,
    out_of_scope,
    tier,
    urgency,
)

from .builders import make_input, record, text_only

A = BotOutcome.ANSWERED
ASKED = BotOutcome.ASKED

# --- frustration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "this is the worst service ever!!!",
        "This is unacceptable, I will cancel my account",
        "useless bot, this is a joke",
        "I'm fed up, this is ridiculous",
        "I will cancel my account and never order again",
        "kecewa banget, parah, lama banget",
        "gimana sih, kesel banget!!!",
        "pelayanan terburuk, saya kapok",
        "WHY IS NOBODY ANSWERING?!",
    ],
)
def test_frustrated_wording_fires(text: str) -> None:
    result = frustration(text_only(text))
    assert result.score >= 0.6, result


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 10001?",
        "ok thanks",
        "pesanan saya sudah sampai belum?",
        "hi",
        "TX-20003 VIP",
    ],
)
def test_calm_wording_scores_nothing(text: str) -> None:
    assert frustration(text_only(text)).score == 0.0


def test_one_angry_word_is_evidence_but_not_enough_alone() -> None:
    result = frustration(text_only("that's 5 days late, this is ridiculous"))
    assert result.score == 0.5
    assert result.evidence == ("words: ridiculous",)


def test_negated_anger_does_not_count() -> None:
    assert frustration(text_only("gak parah kok, santai")).score == 0.0


def test_all_caps_is_shouting_but_acronyms_are_not() -> None:
    assert frustration(text_only("WHY IS IT STILL NOT HERE")).evidence[0].startswith("ALL CAPS")
    assert frustration(text_only("my VIP order TX-20008 via JNE")).score == 0.0


def test_punctuation_runs_add() -> None:
    calm = frustration(text_only("where is it"))
    loud = frustration(text_only("where is it???"))
    assert loud.score > calm.score
    assert "punctuation ???" in loud.evidence


def test_complaint_intent_counts() -> None:
    result = frustration(make_input("saya mau komplain", intent="complaint", confidence=0.8))
    assert result.score == pytest.approx(0.3)


def test_frustration_lingers_from_the_last_turn() -> None:
    history = [record("this is ridiculous", frustration=0.5)]
    result = frustration(text_only("order 10003", history=history))
    assert result.score == pytest.approx(0.4)
    assert "still upset" in result.evidence[-1]


def test_a_rising_trend_adds() -> None:
    flat = frustration(text_only("this is the worst service ever!!!"))
    history = [
        record("where is 10009", frustration=0.0),
        record("WHY IS IT STILL NOT HERE", frustration=0.5),
    ]
    rising = frustration(text_only("this is the worst service ever!!!", history=history))
    assert rising.score == pytest.approx(flat.score + 0.15)
    assert "rising over the last turns" in rising.evidence


def test_repeating_the_same_complaint_adds() -> None:
    history = [record("my parcel is broken, what now?", intent="delivery_damaged", outcome=A)]
    result = frustration(
        make_input("my parcel is broken, what now??", intent="delivery_damaged", history=history)
    )
    assert any(e.startswith("repeated complaint") for e in result.evidence)


# --- urgency --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("There's a payment on my card I never made!!", "fraud"),
        ("someone is using my card", "fraud"),
        ("this transaction is fraudulent", "fraud"),
        ("ada transaksi yang tidak saya lakukan", "fraud"),
        ("someone stole my card and bought stuff on your site", "fraud"),
        ("there's a charge on my card I don't recognise", "fraud"),
        ("someone hacked my account and changed my email!!", "hacked"),
        ("akun saya dibobol", "hacked"),
        ("akun saya diretas orang", "hacked"),
        ("my lawyer will hear about this", "legal"),
        ("I'm going to sue you", "legal"),
        ("saya akan lapor polisi", "legal"),
        ("saya laporkan ke YLKI", "legal"),
        ("saya sudah hubungi pengacara", "legal"),
        ("the charger caught fire", "safety"),
        ("my son got hurt by the blade", "safety"),
        ("powerbank-nya meledak", "safety"),
    ],
)
def test_urgent_matters_fire(text: str, kind: str) -> None:
    result = urgency(text_only(text))
    assert result.fired
    assert any(e.startswith(kind) for e in result.evidence), result.evidence


@pytest.mark.parametrize(
    "text",
    [
        "my order was packed yesterday",  # one letter from "hacked": no typo tolerance here
        "please be polite",
        "it's not fraud, I just forgot my password",
        "akun saya tidak diretas kok, cuma lupa password",
        "Sue from your team helped me",
        "where is my order",
    ],
)
def test_ordinary_matters_are_not_urgent(text: str) -> None:
    assert urgency(text_only(text)).score == 0.0


def test_urgent_intents_count() -> None:
    result = urgency(make_input("this charge", intent="unauthorized_payment", confidence=0.8))
    assert result.fired
    assert result.evidence == ("fraud: intent unauthorized_payment (0.80)",)


def test_words_and_intent_together_are_certain() -> None:
    result = urgency(make_input("akun saya dibobol", intent="account_hacked", confidence=0.9))
    assert result.score == 1.0


# --- loop -----------------------------------------------------------------------------

ORDER_ANSWERED = record("when will order 10010 arrive", intent="order_status", outcome=A)


def test_asking_again_after_an_answer_is_a_loop() -> None:
    result = loop(make_input("but when exactly?", intent="order_status", history=[ORDER_ANSWERED]))
    assert result.score == 1.0
    assert "says: when exactly" in result.evidence


def test_you_already_said_that_is_a_loop() -> None:
    result = loop(
        text_only("you already said that, when will it actually arrive", history=[ORDER_ANSWERED])
    )
    assert result.fired and result.score >= 0.6


def test_same_question_again_is_a_loop_even_in_other_words() -> None:
    result = loop(
        make_input("so where is my package?", intent="order_status", history=[ORDER_ANSWERED])
    )
    assert result.score == pytest.approx(0.6)
    assert result.evidence == ("asks order_status again after the bot answered it at turn 1",)


def test_the_same_case_back_after_the_customer_closed_it_is_a_loop() -> None:
    # "ok, I'll try again" closed the case; "failed again, same thing" reopens it.
    history = [
        record("payment TX-20041 failed", intent="payment_failed", outcome=A),
        record("ok I'll top up and try again", intent="affirm", outcome=BotOutcome.RESOLVED),
    ]
    result = loop(
        make_input("it failed again, same thing", intent="payment_failed", history=history)
    )
    assert result.fired
    assert "after the bot's answer at turn 1" in result.evidence


def test_a_loop_phrase_about_another_case_after_a_close_is_no_loop_yet() -> None:
    history = [
        record("where is order 10001", intent="order_status", outcome=A),
        record("great, thanks", intent="thanks", outcome=BotOutcome.RESOLVED),
    ]
    result = loop(
        make_input("I tried to pay three times", intent="payment_failed", history=history)
    )
    assert not result.fired


def test_indonesian_loop_phrases() -> None:
    history = [
        record("pembayaran saya gagal terus", intent="payment_failed", outcome=ASKED),
        record("TX-20006", intent="payment_failed", outcome=A),
    ]
    result = loop(text_only("sudah 3 kali coba tetap gagal", history=history))
    assert result.fired
    assert "says: sudah 3 kali" in result.evidence
    assert "after the bot's answer at turn 2" in result.evidence


def test_lagi_lagi_after_an_answer() -> None:
    result = loop(text_only("lagi-lagi jawabannya sama", history=[ORDER_ANSWERED]))
    assert result.fired


def test_a_new_order_is_a_new_request_not_a_loop() -> None:
    result = loop(
        make_input("and where is order 10099?", intent="order_status", history=[ORDER_ANSWERED])
    )
    assert result.score == 0.0


def test_a_reaction_to_the_answer_is_not_asking_again() -> None:
    result = loop(
        make_input(
            "that's 5 days late, this is ridiculous",
            intent="order_status",
            history=[ORDER_ANSWERED],
        )
    )
    assert result.score == 0.0


def test_no_loop_when_the_bot_only_asked_for_a_detail() -> None:
    history = [record("my payment failed", intent="payment_failed", outcome=ASKED)]
    assert (
        loop(make_input("transaction TX-20001", intent="payment_failed", history=history)).score
        == 0.0
    )


def test_no_loop_after_the_customer_said_they_were_done() -> None:
    history = [ORDER_ANSWERED, record("ok thanks", intent="thanks", outcome=BotOutcome.RESOLVED)]
    result = loop(
        make_input("when will order 10010 arrive?", intent="order_status", history=history)
    )
    assert result.score == 0.0


def test_politeness_twice_is_not_a_loop() -> None:
    history = [record("ok thanks a lot", intent="thanks", outcome=BotOutcome.RESOLVED)]
    assert loop(make_input("ok thanks a lot", intent="thanks", history=history)).score == 0.0


def test_loop_words_on_the_first_turn_do_not_fire() -> None:
    result = loop(text_only("I've tried your chatbot three times"))
    assert 0 < result.score < 0.5


def test_try_again_is_not_a_loop() -> None:
    history = [record("transaction TX-20001", intent="payment_failed", outcome=A)]
    assert not loop(
        make_input("ok I'll top up and try again", intent="affirm", history=history)
    ).fired


# --- bot failure ----------------------------------------------------------------------

NU = BotOutcome.NOT_UNDERSTOOD


@pytest.mark.parametrize(
    ("history", "now", "score"),
    [
        ([], A, 0.0),
        ([], NU, 0.4),
        ([NU], NU, 0.8),
        ([NU], BotOutcome.NOT_FOUND, 0.8),
        ([NU, NU], NU, 1.0),
        ([NU, A], NU, 0.4),  # an answer in between breaks the run
        ([NU], A, 0.0),
        ([NU], BotOutcome.CANNOT_HELP, 0.0),
    ],
)
def test_bot_failure_counts_failures_in_a_row(
    history: list[BotOutcome], now: BotOutcome, score: float
) -> None:
    records = [record("x", outcome=o) for o in history]
    result = bot_failure(make_input("zzz", outcome=now, history=records))
    assert result.score == score


def test_bot_failure_evidence_names_the_turns() -> None:
    result = bot_failure(
        make_input("zzzz ???", outcome=NU, history=[record("asdkjh qwe", outcome=NU)])
    )
    assert result.evidence == ("turn 1: not_understood", "turn 2: not_understood")


# --- tier and out of scope ------------------------------------------------------------


def test_vip_tier() -> None:
    assert tier(make_input("hi", tier="vip")).score == 1.0
    assert tier(make_input("hi", tier="standard")).score == 0.0


def test_out_of_scope() -> None:
    assert out_of_scope(text_only("can you book me a flight")).score == 1.0
    assert out_of_scope(make_input("where is 10001", intent="order_status")).score == 0.0


# --- all together ---------------------------------------------------------------------


def test_every_signal_reports_in_registry_order() -> None:
    results = compute_signals(text_only("hi"))
    assert [r.name for r in results] == list(SIGNALS)
    assert all(0.0 <= r.score <= 1.0 for r in results)


@pytest.mark.parametrize(
    "text", ["hi", "thanks", "hello", "never mind, bye", "halo", "makasih", "oke sip"]
)
def test_small_talk_raises_no_signal_from_words(text: str) -> None:
    results = compute_signals(make_input(text, intent="greeting", outcome=BotOutcome.SMALL_TALK))
    assert all(r.score == 0.0 for r in results), results
