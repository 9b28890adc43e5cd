"""Every customer-facing sentence exists in both languages with the same fields."""

from __future__ import annotations

from string import Formatter

import pytest

from relaydesk.bot import replies
from relaydesk.bot.replies import FRAGMENTS, MESSAGES, fragment, handover_notice, say


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(key: str):
    variants = MESSAGES[key]
    assert set(variants) == {"en", "id"}
    assert _fields(variants["en"]) == _fields(variants["id"])
    assert variants["en"] != variants["id"]
    filled = {name: "X" for name in _fields(variants["en"])}
    for lang in ("en", "id"):
        assert "{" not in say(key, lang, **filled)


@pytest.mark.parametrize("key", sorted(FRAGMENTS))
def test_every_fragment_has_both_languages_with_the_same_fields(key: str):
    assert set(FRAGMENTS[key]) == {"en", "id"}
    assert _fields(FRAGMENTS[key]["en"]) == _fields(FRAGMENTS[key]["id"])


def test_a_fragment_with_a_missing_value_is_left_out():
    assert fragment("with_carrier", "en", carrier=None) == ""
    assert fragment("with_carrier", "en", carrier="JNE") == " with JNE"
    assert fragment("with_carrier", "id", carrier="JNE") == " lewat JNE"


def test_an_unknown_language_falls_back_to_english():
    assert say("greeting", "fr") == say("greeting", "en")


def test_handover_notice_says_who_where_how_long_and_no_repeating():
    en = handover_notice("en", "Billing", 3, 252)
    assert "a person from our Billing team" in en
    assert "number 3 in the queue" in en
    assert "within about 5 minutes" in en
    assert "won't need to repeat anything" in en
    id_ = handover_notice("id", "Billing", 3, 252)
    assert "tim Billing" in id_ and "antrean nomor 3" in id_ and "dalam sekitar 5 menit" in id_
    assert "tidak perlu mengulanginya" in id_


@pytest.mark.parametrize(
    ("position", "wait", "expected_en", "expected_id"),
    [
        (1, 75, "You're next in the queue; someone should be with you within about 75 seconds.",
         "Anda berikutnya di antrean; petugas akan membalas dalam sekitar 75 detik."),
        (1, 0, "You're next in the queue; someone should be with you in a moment.",
         "Anda berikutnya di antrean; petugas akan membalas sebentar lagi."),
        (4, None, "You're number 4 in the queue. Everyone on the team is busy or away",
         "Anda di antrean nomor 4. Semua petugas sedang sibuk"),
        (None, 130 * 60, "Someone should be with you within about 3 hours.",
         "Petugas akan membalas dalam sekitar 3 jam."),
        (None, None, "They'll reply as soon as they're free.", "Petugas akan membalas secepatnya."),
    ],
)  # fmt: skip
def test_handover_notice_variants_without_an_estimate(
    position: int | None, wait: float | None, expected_en: str, expected_id: str
):
    assert expected_en in handover_notice("en", "Logistics", position, wait)
    assert expected_id in handover_notice("id", "Logistics", position, wait)
    for lang in ("en", "id"):
        assert "Logistics" in handover_notice(lang, "Logistics", position, wait)


def test_short_notices():
    assert replies.agent_joined_notice("en", "Rina", "Billing") == (
        "Rina from Billing has joined the conversation."
    )
    assert replies.agent_joined_notice("id", "Rina", "Billing").startswith("Rina dari tim Billing")
    for lang in ("en", "id"):
        assert replies.handed_back_notice(lang)
        assert replies.resolved_notice(lang)
    assert "card numbers" in replies.masking_warning("en")
    assert "nomor kartu" in replies.masking_warning("id")
