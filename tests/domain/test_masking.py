"""Masking card numbers, CVVs, one-time codes and passwords (REFERENCE.md vectors)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relaydesk.domain.masking import PASSWORD_MASK, luhn_valid, mask, mask_pan

# REFERENCE.md: Luhn-valid test PANs, all to be masked.
REFERENCE_PANS = [
    ("4111111111111111", "411111******1111"),
    ("4111 1111 1111 1111", "411111******1111"),
    ("4111-1111-1111-1111", "411111******1111"),
    ("5555555555554444", "555555******4444"),
    ("378282246310005", "378282*****0005"),
    ("6011111111111117", "601111******1117"),
    ("4000056655665556", "400005******5556"),
]
# REFERENCE.md: Luhn fails, must stay.
NOT_CARDS = ["1234567890123456", "4111111111111112", "12345678901234"]


@pytest.mark.parametrize(("pan", "masked"), REFERENCE_PANS)
def test_reference_card_numbers_are_masked_to_first_six_and_last_four(pan: str, masked: str):
    result = mask(f"my card is {pan} thanks")
    assert result.text == f"my card is {masked} thanks"
    assert result.kinds == ("card",)


@pytest.mark.parametrize("number", NOT_CARDS)
def test_reference_non_luhn_numbers_stay(number: str):
    result = mask(f"ref {number}")
    assert result.text == f"ref {number}"
    assert not result.masked


def test_luhn_and_pan_helpers():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert mask_pan("378282246310005") == "378282*****0005"


@pytest.mark.parametrize(
    "text",
    [
        "where is order 10001?",
        "status of #58001 and ORD-58005",
        "transaction TX-20001 failed",
        "call me on +6281234567890",
        "my number is 0812 3456 7890",
        "or 0812-3456-7890",
        "6281234567890",
        "orders 10001 10002 10003 10004",
        "kode pos 12345",
        "promo code 2024",
        "code for order 10001",
        "it cost Rp250.000 on 2026-11-23",
    ],
)
def test_order_numbers_ids_and_phones_stay(text: str):
    result = mask(text)
    assert result.text == text
    assert not result.masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I got a login code 839201 but it doesn't work",
         "I got a login code ****** but it doesn't work"),
        ("my OTP is 123456", "my OTP is ******"),
        ("kode OTP saya 483920", "kode OTP saya ******"),
        ("kode verifikasi 1234 tidak bisa", "kode verifikasi **** tidak bisa"),
        ("839201 is the code", "****** is the code"),
        ("my pin is 1234", "my pin is ****"),
        ("verification code: 55501234", "verification code: ********"),
    ],
)  # fmt: skip
def test_one_time_codes_are_masked(text: str, expected: str):
    result = mask(text)
    assert result.text == expected
    assert result.kinds == ("otp",)


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("cvv 123", "cvv ***", ("cvv",)),
        ("my CVC is 4567", "my CVC is ****", ("cvv",)),
        ("security code: 987", "security code: ***", ("cvv",)),
        ("CVV-nya 123", "CVV-nya ***", ("cvv",)),
        ("card 4111111111111111 123", "card 411111******1111 ***", ("card", "cvv")),
        ("4111 1111 1111 1111 exp 12/28 cvv 123",
         "411111******1111 exp 12/28 cvv ***", ("card", "cvv")),
    ],
)  # fmt: skip
def test_cvv_next_to_a_card_or_named_is_masked(text: str, expected: str, kinds: tuple[str, ...]):
    result = mask(text)
    assert result.text == expected
    assert result.kinds == kinds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password is hunter2", f"my password is {PASSWORD_MASK}"),
        ("password: x", f"password: {PASSWORD_MASK}"),
        ("Password=abc", f"Password={PASSWORD_MASK}"),
        ('my password is "correct horse"', f"my password is {PASSWORD_MASK}"),
        ("my new password is Hunter2!.", f"my new password is {PASSWORD_MASK}."),
        ("kata sandi saya rahasia123", f"kata sandi saya {PASSWORD_MASK}"),
        ("kata sandi saya adalah kucing", f"kata sandi saya adalah {PASSWORD_MASK}"),
        ("passwordnya: bebas", f"passwordnya: {PASSWORD_MASK}"),
        ("login maya and password s3cret!", f"login maya and password {PASSWORD_MASK}"),
    ],
)
def test_typed_passwords_are_masked_whole(text: str, expected: str):
    result = mask(text)
    assert result.text == expected
    assert result.kinds == ("password",)


@pytest.mark.parametrize(
    "text",
    [
        "my password is not working",
        "I forgot my password",
        "the password reset link never came",
        "password saya salah terus",
        "kata sandi saya sudah benar",
        "pass me to a human",
    ],
)
def test_sentences_about_passwords_stay(text: str):
    assert mask(text).text == text


def test_several_secrets_in_one_message():
    text = "card 5555555555554444, otp 123456, password: hunter2, order 10001"
    result = mask(text)
    assert (
        result.text == f"card 555555******4444, otp ******, password: {PASSWORD_MASK}, order 10001"
    )
    assert result.kinds == ("card", "otp", "password")


def test_a_card_after_other_digits_in_the_same_run_is_found():
    assert mask("12/28 4111111111111111").text == "12/28 411111******1111"
    assert mask("4111111111111111 5555555555554444").text == "411111******1111 555555******4444"


@given(st.text(max_size=200))
def test_masking_is_idempotent_and_never_fails(text: str):
    once = mask(text)
    assert mask(once.text).text == once.text


@given(
    prefix=st.text(st.characters(exclude_categories=("Nd",), exclude_characters="+"), max_size=30),
    suffix=st.text(st.characters(exclude_categories=("Nd",)), max_size=30),
    pan=st.sampled_from([p for p, _ in REFERENCE_PANS]),
)
def test_a_card_number_never_survives_whatever_surrounds_it(prefix: str, suffix: str, pan: str):
    masked = mask(prefix + pan + suffix).text
    digits_left = "".join(re.findall(r"\d", masked))
    assert re.sub(r"\D", "", pan) not in digits_left
