"""The FORMAT.md conversations, turn by turn, with the bot's reading of each turn built
by hand, through the default policy: in English and in Bahasa Indonesia.

Each case mirrors a scenario of shared/scenarios/dev.jsonl (same id) or is its
Indonesian (or English) twin (id suffix "-id" / "-en").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from relaydesk.domain.vocab import BotOutcome, Priority
from relaydesk.escalation import EscalationEngine, load_default_policy

from .builders import Step, play

ANS = BotOutcome.ANSWERED
ASK = BotOutcome.ASKED
RES = BotOutcome.RESOLVED
TALK = BotOutcome.SMALL_TALK
NU = BotOutcome.NOT_UNDERSTOOD
CANT = BotOutcome.CANNOT_HELP
D, P, ACC, G = "delivery", "payment", "account", "general"


@dataclass(frozen=True)
class Case:
    id: str
    steps: list[Step]
    escalate: bool
    channel: str = "webchat"
    tier: str = "standard"
    lang: str = "en"
    by_turn: int | None = None
    not_before: int | None = None
    reasons: tuple[str, ...] = ()
    team: str | None = None
    priority_at_least: Priority = Priority.LOW
    extra: dict[str, object] = field(default_factory=dict)


CASES = [
    # --- delivery ---------------------------------------------------------------------
    Case("dlv-01", [
        Step("where is my order 10001?", "order_status", ANS, D, "order_in_transit"),
        Step("ok thanks", "thanks", RES, D),
    ], escalate=False),
    Case("dlv-02", [
        Step("Hi, has order 10002 been delivered yet?", "order_status", ANS, D, "order_delivered"),
        Step("great, thank you!", "thanks", RES, D),
    ], escalate=False, channel="whatsapp"),
    Case("dlv-03", [
        Step("hi where is order 10003", "order_status", ANS, D, "order_delayed"),
        Step("that's 5 days late, this is ridiculous", "order_status", ANS, D, "order_delayed"),
        Step("I want to talk to a real person", "human_request", ANS, D),
    ], escalate=True, channel="whatsapp", by_turn=3, reasons=("explicit_request", "frustration"),
       team="logistics", priority_at_least=Priority.NORMAL),
    Case("dlv-03-id", [
        Step("halo, pesanan 10003 di mana", "order_status", ANS, D, "order_delayed"),
        Step("udah telat 5 hari, parah banget", "complaint", ANS, D, "order_delayed"),
        Step("saya mau ngomong sama orang beneran", "human_request", ANS, D),
    ], escalate=True, channel="whatsapp", lang="id", by_turn=3,
       reasons=("explicit_request", "frustration"), team="logistics"),
    Case("dlv-04", [
        Step("My parcel 10004 never arrived", "delivery_lost", CANT, D, "order_lost"),
        Step("tracking hasn't moved in 2 weeks", "delivery_lost", CANT, D, "order_lost"),
    ], escalate=True, channel="messenger", by_turn=2, reasons=("policy_intent",), team="logistics"),
    Case("dlv-04-id", [
        Step("paket saya 10004 gak pernah sampai", "delivery_lost", CANT, D, "order_lost"),
    ], escalate=True, channel="messenger", lang="id", by_turn=2, reasons=("policy_intent",),
       team="logistics"),
    Case("dlv-05", [
        Step("order 10005 was supposed to come yesterday",
             "delivery_delayed", ANS, D, "order_delayed"),
        Step("ok, the 26th is fine", "affirm", RES, D),
    ], escalate=False, channel="telegram"),
    Case("dlv-06", [
        Step("halo, pesanan saya 10006 kok belum sampai ya?",
             "order_status", ANS, D, "order_in_transit"),
        Step("oke makasih", "thanks", RES, D),
    ], escalate=False, channel="whatsapp", lang="id"),
    Case("dlv-07", [
        Step("pesanan 10007 sudah telat seminggu", "delivery_delayed", ANS, D, "order_delayed"),
        Step("saya mau bicara dengan CS manusia", "human_request", ANS, D),
    ], escalate=True, channel="whatsapp", lang="id", by_turn=2,
       reasons=("explicit_request", "frustration"), team="logistics"),
    Case("dlv-08", [
        Step("Subject: Damaged item\n\nThe package for order 10008 arrived broken, the glass is "
             "shattered. What now?", "delivery_damaged", CANT, D, "order_delivered"),
    ], escalate=True, channel="email", by_turn=1, reasons=("policy_intent",), team="logistics"),
    Case("dlv-08-id", [
        Step("barang pesanan 10008 datang rusak, kacanya pecah", "delivery_damaged", CANT, D,
             "order_delivered"),
    ], escalate=True, channel="email", lang="id", by_turn=1, reasons=("policy_intent",),
       team="logistics"),
    Case("dlv-09", [
        Step("where is 10009", "order_status", ANS, D, "order_delayed"),
        Step("WHY IS IT STILL NOT HERE", "order_status", ANS, D, "order_delayed"),
        Step("this is the worst service ever!!!", "complaint", ANS, D),
    ], escalate=True, channel="sms", by_turn=3, reasons=("frustration",), team="logistics"),
    Case("dlv-09-id", [
        Step("pesanan 10009 di mana", "order_status", ANS, D, "order_delayed"),
        Step("KOK BELUM SAMPAI JUGA SIH", "order_status", ANS, D, "order_delayed"),
        Step("pelayanan terburuk, parah!!!", "complaint", ANS, D),
    ], escalate=True, channel="sms", lang="id", by_turn=3, reasons=("frustration",),
       team="logistics"),
    Case("dlv-10", [
        Step("when will order 10010 arrive", "order_status", ANS, D, "order_delayed"),
        Step("but when exactly?", "order_status", ANS, D, "order_delayed"),
        Step("you already said that, when will it actually arrive", "order_status", ANS, D),
    ], escalate=True, by_turn=3, not_before=2, reasons=("loop", "frustration"), team="logistics"),
    Case("dlv-10-id", [
        Step("kapan pesanan 10010 sampai?", "order_status", ANS, D, "order_delayed"),
        Step("iya tapi kapan tepatnya?", "order_status", ANS, D, "order_delayed"),
        Step("udah dibilang, kapan sampainya", "order_status", ANS, D),
    ], escalate=True, lang="id", by_turn=3, not_before=2, reasons=("loop", "frustration"),
       team="logistics"),
    Case("dlv-11", [
        Step("hi", "greeting", TALK, G),
        Step("where's my order 10011", "order_status", ANS, D, "order_processing"),
    ], escalate=False),
    Case("dlv-12", [
        Step("saya mau komplain", "complaint", ASK, G),
        Step("barang yang datang salah, pesanan 10012", "wrong_item", CANT, D, "order_delivered"),
    ], escalate=True, channel="whatsapp", lang="id", by_turn=2,
       reasons=("policy_intent", "frustration"), team="logistics"),
    Case("dlv-12-en", [
        Step("I want to make a complaint", "complaint", ASK, G),
        Step("I got the wrong item for order 10012", "wrong_item", CANT, D, "order_delivered"),
    ], escalate=True, channel="whatsapp", by_turn=2, reasons=("policy_intent", "frustration"),
       team="logistics"),
    Case("dlv-13", [
        Step("I need to change the delivery address for order 10013", "change_address", CANT, D,
             "order_processing"),
    ], escalate=True, channel="messenger", by_turn=2,
       reasons=("out_of_scope", "policy_intent", "bot_failure"), team="logistics"),
    Case("dlv-13-id", [
        Step("saya mau ganti alamat pengiriman", "change_address", ASK, D),
        Step("pesanan 10013", "out_of_scope", NU, D),  # the NLU reads only the number
    ], escalate=True, channel="messenger", lang="id", by_turn=2,
       reasons=("out_of_scope", "policy_intent", "bot_failure"), team="logistics"),
    # --- payment ----------------------------------------------------------------------
    Case("pay-01", [
        Step("my payment failed", "payment_failed", ASK, P),
        Step("transaction TX-20001", "payment_failed", ANS, P, "payment_failed"),
        Step("ok I'll top up and try again", "affirm", RES, P),
    ], escalate=False),
    Case("pay-02", [
        Step("Payment didn't go through for TX-20002, why?",
             "payment_failed", ANS, P, "payment_failed"),
        Step("oh right, I'll use another card. thanks", "thanks", RES, P),
    ], escalate=False, channel="whatsapp"),
    Case("pay-02-id", [
        Step("pembayaran TX-20002 gagal, kenapa ya?", "payment_failed", ANS, P, "payment_failed"),
        Step("oh iya, saya pakai kartu lain aja. makasih", "thanks", RES, P),
    ], escalate=False, channel="whatsapp", lang="id"),
    Case("pay-03", [
        Step("I was charged but the app says payment failed. TX-20003",
             "charged_but_failed", CANT, P,
             "payment_charged_but_failed"),
    ], escalate=True, channel="messenger", by_turn=1, reasons=("policy_intent",), team="billing",
       priority_at_least=Priority.HIGH),
    Case("pay-03-id", [
        Step("saldo saya terpotong tapi pembayarannya gagal. TX-20003",
             "charged_but_failed", CANT, P,
             "payment_charged_but_failed"),
    ], escalate=True, channel="messenger", lang="id", by_turn=1, reasons=("policy_intent",),
       team="billing", priority_at_least=Priority.HIGH),
    Case("pay-04", [
        Step("you charged my card twice for the same order", "double_charge", ASK, P),
        Step("transaction TX-20004", "double_charge", CANT, P, "payment_double_charged"),
    ], escalate=True, channel="telegram", by_turn=2, not_before=2, reasons=("policy_intent",),
       team="billing", priority_at_least=Priority.HIGH),
    Case("pay-04-id", [
        Step("kartu saya ketagih dua kali untuk pesanan yang sama", "double_charge", ASK, P),
        Step("TX-20004",
             "out_of_scope", NU, P),  # the NLU reads only the id: previous_intent decides
    ], escalate=True, channel="telegram", lang="id", by_turn=2, not_before=2,
       reasons=("policy_intent",), team="billing", priority_at_least=Priority.HIGH),
    Case("pay-05", [
        Step("There's a payment on my card I never made!! someone is using my card",
             "unauthorized_payment", CANT, P),
    ], escalate=True, by_turn=1, reasons=("urgent",), team="billing",
       priority_at_least=Priority.URGENT),
    Case("pay-05-id", [
        Step("ada transaksi di kartu saya yang tidak saya lakukan!!",
             "unauthorized_payment", CANT, P),
    ], escalate=True, lang="id", by_turn=1, reasons=("urgent",), team="billing",
       priority_at_least=Priority.URGENT),
    Case("pay-06", [
        Step("pembayaran saya gagal terus", "payment_failed", ASK, P),
        Step("TX-20006", "payment_failed", ANS, P, "payment_failed"),
        Step("sudah 3 kali coba tetap gagal, tolong sambungkan ke agen", "human_request", ANS, P),
    ], escalate=True, channel="whatsapp", lang="id", by_turn=3,
       reasons=("explicit_request", "loop", "frustration"), team="billing"),
    Case("pay-06-en", [
        Step("my payment keeps failing", "payment_failed", ASK, P),
        Step("TX-20006", "payment_failed", ANS, P, "payment_failed"),
        Step("tried 3 times and it still fails, connect me to an agent", "human_request", ANS, P),
    ], escalate=True, channel="whatsapp", by_turn=3,
       reasons=("explicit_request", "loop", "frustration"), team="billing"),
    Case("pay-07", [
        Step("Subject: payment failed\n\nPayment failed for TX-20007. "
             "I used card 411111******1111, "
             "is something wrong with it?", "payment_failed", ANS, P, "payment_failed"),
        Step("Subject: Re: payment failed\n\nOk, I'll top up and retry. Thanks.", "thanks", RES, P),
    ], escalate=False, channel="email"),
    Case("pay-08", [
        Step("payment for TX-20008 failed and I'm VIP, sort it out", "payment_failed", ANS, P,
             "payment_failed"),
    ], escalate=True, channel="sms", tier="vip", by_turn=1, reasons=("vip", "policy_intent"),
       team="billing", priority_at_least=Priority.HIGH),
    # --- account ----------------------------------------------------------------------
    Case("acc-01", [
        Step("I can't log in, it says my account is locked", "account_locked", ASK, ACC),
        Step("maya@example.com", "account_locked", ANS, ACC, "account_locked_attempts"),
        Step("got the reset email, thanks!", "thanks", RES, ACC),
    ], escalate=False),
    Case("acc-02", [
        Step("my account is blocked", "account_locked", ASK, ACC),
        Step("it's budi@example.com", "account_locked", CANT, ACC, "account_locked_security"),
    ], escalate=True, channel="whatsapp", by_turn=2, reasons=("policy_intent",), team="accounts"),
    Case("acc-03", [
        Step("someone hacked my account and changed my email!!", "account_hacked", CANT, ACC),
    ], escalate=True, channel="messenger", by_turn=1, reasons=("urgent",), team="accounts",
       priority_at_least=Priority.URGENT),
    Case("acc-03-id", [
        Step("akun saya dibobol orang, emailnya diganti!!", "account_hacked", CANT, ACC),
    ], escalate=True, channel="messenger", lang="id", by_turn=1, reasons=("urgent",),
       team="accounts", priority_at_least=Priority.URGENT),
    Case("acc-04", [
        Step("akun saya diblokir", "account_locked", ASK, ACC),
        Step("sari@example.com", "account_locked", ANS, ACC, "account_locked_attempts"),
        Step("oke sudah bisa masuk, terima kasih", "thanks", RES, ACC),
    ], escalate=False, channel="telegram", lang="id"),
    Case("acc-05", [
        Step("Subject: Account suspended\n\nHello, my account joe@example.com was suspended "
             "without explanation. I need this resolved.",
             "account_suspended", CANT, ACC, "account_suspended"),
    ], escalate=True, channel="email", by_turn=1, reasons=("policy_intent",), team="accounts"),
    Case("acc-06", [
        Step("I got a login code ****** but it doesn't work", "account_locked", ASK, ACC),
        Step("still locked out", "account_locked", ASK, ACC),
        Step("please get me a human", "human_request", ANS, ACC),
    ], escalate=True, by_turn=3, reasons=("explicit_request", "bot_failure", "loop"),
       team="accounts"),
    Case("acc-06-nu", [  # the same, when the bot understands none of it
        Step("I got a login code ****** but it doesn't work", "out_of_scope", NU, ACC),
        Step("still locked out", "out_of_scope", NU, ACC),
    ], escalate=True, by_turn=3, reasons=("explicit_request", "bot_failure", "loop"),
       team="accounts"),
    # --- general ----------------------------------------------------------------------
    Case("gen-01", [Step("agent please", "human_request", ANS, G)],
         escalate=True, by_turn=1, reasons=("explicit_request",)),
    Case("gen-01-nlu-miss", [Step("agent please", "out_of_scope", NU, G, confidence=0.2)],
         escalate=True, by_turn=1, reasons=("explicit_request",)),
    Case("gen-02", [Step("can I speak to a human?", "human_request", ANS, G)],
         escalate=True, channel="whatsapp", by_turn=1, reasons=("explicit_request",)),
    Case("gen-03", [
        Step("asdkjh qwe", "out_of_scope", NU, G, confidence=0.1),
        Step("zzzz ???", "out_of_scope", NU, G, confidence=0.1),
    ], escalate=True, by_turn=2, not_before=2, reasons=("bot_failure",)),
    Case("gen-03-id", [
        Step("asdfgh jkl", "out_of_scope", NU, G, confidence=0.1),
        Step("hmm gimana ya ???", "out_of_scope", NU, G, confidence=0.1),
    ], escalate=True, lang="id", by_turn=2, not_before=2, reasons=("bot_failure",)),
    Case("gen-04", [Step("my order 10044 is late", "delivery_delayed", ANS, D, "order_delayed")],
         escalate=True, tier="vip", by_turn=1, reasons=("vip",), team="logistics",
         priority_at_least=Priority.HIGH),
    Case("gen-04-id", [Step("pesanan saya 10044 telat",
         "delivery_delayed", ANS, D, "order_delayed")],
         escalate=True, tier="vip", lang="id", by_turn=1, reasons=("vip",), team="logistics",
         priority_at_least=Priority.HIGH),
    Case("gen-05", [
        Step("This is unacceptable, my lawyer will hear about order 10045",
             "delivery_delayed", ANS, D,
             "order_delayed"),
    ], escalate=True, channel="sms", by_turn=1, reasons=("urgent", "frustration"),
       priority_at_least=Priority.URGENT),
    Case("gen-05-id", [
        Step("Ini keterlaluan, saya akan lapor ke YLKI soal pesanan 10045",
             "delivery_delayed", ANS, D,
             "order_delayed"),
    ], escalate=True, channel="sms", lang="id", by_turn=1, reasons=("urgent", "frustration")),
    Case("gen-06", [
        Step("hello", "greeting", TALK, G),
        Step("never mind, bye", "goodbye", RES, G),
    ], escalate=False, channel="whatsapp"),
    Case("gen-06-id", [
        Step("halo", "greeting", TALK, G),
        Step("gak jadi deh, dadah", "goodbye", RES, G),
    ], escalate=False, channel="whatsapp", lang="id"),
    Case("gen-07", [Step("thanks", "thanks", TALK, G)], escalate=False),
    Case("gen-07-id", [Step("makasih ya", "thanks", TALK, G)], escalate=False, lang="id"),
    Case("gen-07-vip", [Step("thanks", "thanks", TALK, G)], escalate=False, tier="vip"),
    Case("gen-08", [
        Step("Subject: Please have someone call me\n\nI've tried your chatbot three times. "
             "Please have a real person contact me about order 10048.",
             "human_request", ANS, D, "order_delayed"),
    ], escalate=True, channel="email", by_turn=1, reasons=("explicit_request",)),
    Case("gen-09", [Step("min, bisa sambungin ke admin?", "human_request", ANS, G)],
         escalate=True, channel="instagram", lang="id", by_turn=1, reasons=("explicit_request",)),
    Case("gen-09-en", [Step("hey, can you put me through to someone?", "human_request", ANS, G)],
         escalate=True, channel="instagram", by_turn=1, reasons=("explicit_request",)),
]  # fmt: skip

ENGINE = EscalationEngine(load_default_policy())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_scenario(case: Case) -> None:
    turn, decision = play(ENGINE, case.steps, case.channel, case.tier, case.lang)
    explained = decision.explain()
    if not case.escalate:
        assert turn is None, explained
        return
    assert turn is not None, explained
    if case.by_turn is not None:
        assert turn <= case.by_turn, explained
    if case.not_before is not None:
        assert turn >= case.not_before, explained
    if case.reasons:
        assert set(case.reasons) & set(decision.reasons), explained
    if case.team is not None:
        assert decision.team == case.team, explained
    assert decision.priority.rank >= case.priority_at_least.rank, explained
