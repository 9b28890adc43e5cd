"""Entities: ids as the shop keys them, and numbers that are not ids left alone."""

from __future__ import annotations

import pytest

from relaydesk.bot.entities import (
    extract_entities,
    order_key_candidates,
    parse_amount,
    transaction_key_candidates,
)


@pytest.mark.parametrize(
    ("text", "order_id"),
    [
        ("where is my order 10001?", "10001"),
        ("status of #58001 please", "58001"),
        ("check ORD-58005", "ORD-58005"),
        ("check ord58005", "ORD-58005"),
        ("order number 10001", "10001"),
        ("order no. 10001", "10001"),
        ("halo, pesanan saya 10006 kok belum sampai ya?", "10006"),
        ("paket 10004 hilang", "10004"),
        ("The package for order 10008 arrived broken", "10008"),
    ],
)
def test_order_ids_with_context(text: str, order_id: str):
    assert extract_entities(text)["order_id"] == order_id


def test_a_bare_number_is_an_order_only_when_orders_are_discussed():
    assert "order_id" not in extract_entities("where is 10009")
    assert extract_entities("where is 10009", topic="delivery")["order_id"] == "10009"
    assert extract_entities("10009", expecting="order_id")["order_id"] == "10009"


@pytest.mark.parametrize(
    "text",
    [
        "I got a login code 839201",
        "839201 is my otp",
        "my pin 123456 for order",
        "kode verifikasi 123456",
        "call me on 081234567890",
        "it was Rp250000",
        "card ending 4242",
    ],
)
def test_codes_phones_amounts_and_cards_are_not_orders_even_in_a_delivery_case(text: str):
    assert "order_id" not in extract_entities(text, topic="delivery", expecting="order_id")


@pytest.mark.parametrize(
    ("text", "transaction_id"),
    [
        ("transaction TX-20001", "TX-20001"),
        ("tx-20001 failed", "TX-20001"),
        ("Tx 20001", "TX-20001"),
        ("payment tx20001", "TX-20001"),
        ("transaksi 20001 gagal", "20001"),
    ],
)
def test_transaction_ids(text: str, transaction_id: str):
    assert extract_entities(text)["transaction_id"] == transaction_id


def test_a_bare_number_answers_a_question_for_a_transaction():
    assert extract_entities("20001", expecting="transaction_id") == {"transaction_id": "20001"}


def test_emails_are_lowercased_and_their_digits_are_not_ids():
    found = extract_entities("it's Budi.Santoso+shop@Example.co.id", topic="delivery")
    assert found == {"email": "budi.santoso+shop@example.co.id"}
    assert extract_entities("user10001@example.com", topic="delivery") == {
        "email": "user10001@example.com"
    }


@pytest.mark.parametrize(
    "text", ["call me on +62 812-3456-7890", "my number is 0812 3456 7890", "wa 081234567890"]
)
def test_phone_numbers_become_e164_with_indonesia_as_default(text: str):
    assert extract_entities(text)["phone"] == "+6281234567890"


def test_short_numbers_are_not_phones():
    assert "phone" not in extract_entities("order 10001 and TX-20001")


@pytest.mark.parametrize(
    ("text", "last4"),
    [
        ("card ending 4242", "4242"),
        ("my card ending in 4242 was charged", "4242"),
        ("the card that ends with 1881", "1881"),
        ("kartu berakhiran 7777", "7777"),
        ("kartu dengan 4 digit terakhirnya 1881", "1881"),
        ("last four digits are 0005", "0005"),
        ("I used card 411111******1111", "1111"),
        ("card ****4242", "4242"),
    ],
)
def test_card_last_four(text: str, last4: str):
    assert extract_entities(text)["card_last4"] == last4


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("I paid Rp250.000", "250000", "IDR"),
        ("charged Rp 1.200.000,00 twice", "1200000", "IDR"),
        ("IDR 250,000", "250000", "IDR"),
        ("bayar 250rb", "250000", "IDR"),
        ("1,5 juta rupiah", "1500000", "IDR"),
        ("it was $12.50", "12.50", "USD"),
        ("USD 40", "40", "USD"),
        ("99 dollars", "99", "USD"),
    ],
)
def test_amounts_with_currency(text: str, amount: str, currency: str):
    found = extract_entities(text)
    assert (found["amount"], found["currency"]) == (amount, currency)


def test_parse_amount_separators():
    assert str(parse_amount("250.000", "IDR")) == "250000"
    assert str(parse_amount("12,50", "USD")) == "12.50"
    assert parse_amount("1.2.3", "IDR") is None


def test_key_candidates_try_every_way_a_shop_may_file_an_id():
    assert order_key_candidates("ORD-58005") == ("ORD-58005", "58005")
    assert order_key_candidates("58005") == ("58005", "ORD-58005")
    assert transaction_key_candidates("20001") == ("20001", "TX-20001")
    assert transaction_key_candidates("TX-20001") == ("TX-20001", "20001")


def test_nothing_in_plain_text():
    assert extract_entities("hello, how are you?") == {}
