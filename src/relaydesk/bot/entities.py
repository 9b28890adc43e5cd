"""Entities a customer types: order and transaction ids, email, phone, card last four, amount.

Rules for ids (docs/commerce-backend.md repeats them for shop integrators):
- `ORD-58005` (any case) stays `ORD-58005`; `#58001`, `order 58001`, `pesanan 58001` give
  `58001`. The bot then tries the key variants of `order_key_candidates` against the backend,
  so a shop that keys orders either way is found.
- `TX-20001`, `tx20001`, `Tx 20001` give `TX-20001`; "transaction 20001" gives `20001`.
- A bare number is an order id only when the conversation is about delivery (`topic`) or the
  bot asked for an order number (`expecting`), and only when nothing around it says it is a
  one-time code, an amount, a card's last four or a phone number.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import phonenumbers

from relaydesk.bot.intents import Topic

_WORD_GAP = r"(?:\W+\w+){0,2}?\W*"  # up to two words between a context word and the number

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_TX = re.compile(r"\btx[-_ ]?(\d{3,12})\b", re.IGNORECASE)
_ORD = re.compile(r"\bord[-_ ]?(\d{3,12})\b", re.IGNORECASE)
_HASH_ID = re.compile(r"(?<![\w&])#\s?(\d{3,12})\b")
_NUMBER = re.compile(r"(?<![\w.,+\-/*#])(\d{4,12})(?![\w*]|[.,/:\-]\d)")

_ORDER_WORDS = (
    r"order|orders|orderan|pesanan|pesananku|parcel|package|paket|paketku|shipment|kiriman|"
    r"delivery|pengiriman|invoice|purchase|pembelian|barang"
)
_ORDER_CONTEXT = re.compile(rf"\b(?:{_ORDER_WORDS})\b{_WORD_GAP}$", re.I)
_TX_CONTEXT = re.compile(rf"\b(?:transaction|transaksi|trx|payment|pembayaran)\b{_WORD_GAP}$", re.I)
_CODE_WORDS = r"code|codes|otp|kode|kodenya|pin|passcode|verification|verifikasi|token|cvv|cvc"
_CODE_BEFORE = re.compile(rf"\b(?:{_CODE_WORDS})\b{_WORD_GAP}$", re.I)
_CODE_AFTER = re.compile(r"^\W*(?:\w+\W+){0,2}?(?:code|otp|kode|pin)\b", re.I)
_CARD_LAST4 = re.compile(
    r"\b(?:card|kartu)\b[^.\n]{0,30}?\b(?:ending|ends|end|berakhiran|akhiran|belakang|terakhir)"
    r"(?:\s+(?:in|with|dengan|nya))?\W{0,3}(\d{4})\b"
    r"|\blast\s+(?:four|4)(?:\s+digits)?(?:\s+(?:is|are|of my card))?\W{0,3}(\d{4})\b"
    r"|\b4\s+(?:digit|angka)\s+terakhir(?:nya)?(?:\s+\w+){0,2}?\W{0,3}(\d{4})\b"
    r"|\d{6}[* ]*\*{3,}[* ]*(\d{4})\b"
    r"|\*{4,}\s?(\d{4})\b",
    re.I,
)
_AMOUNT_PREFIX = re.compile(
    r"(?P<cur>\bRp\.?|\bIDR|\bUSD|US\$|\$)\s?(?P<num>\d[\d.,]*\d|\d)"
    r"(?:\s?(?P<mul>rb|ribu|k|jt|juta)\b)?",
    re.I,
)
_AMOUNT_SUFFIX = re.compile(
    r"(?<![\w.,])(?P<num>\d[\d.,]*\d|\d)\s?(?P<cur>rb|ribu|jt|juta|rupiah|idr|usd|dollars?)\b",
    re.I,
)
_CURRENCY = {
    **dict.fromkeys(("rp", "idr", "rupiah", "rb", "ribu", "jt", "juta"), "IDR"),
    **dict.fromkeys(("usd", "us$", "$", "dollar", "dollars"), "USD"),
}
_MULTIPLIER = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}


def extract_entities(
    text: str, *, topic: str | None = None, expecting: str | None = None
) -> dict[str, str]:
    """Everything recognisable in `text`: the first value of each kind, normalised.

    `topic` is the conversation's case topic and `expecting` the entity the bot asked for:
    both decide whether a bare number is an order id.
    """
    found: dict[str, str] = {}
    if email := _EMAIL.search(text):
        found["email"] = email.group(0).lower()
    scrubbed = _EMAIL.sub(" ", text)  # digits inside an address are not ids
    if tx := _TX.search(scrubbed):
        found["transaction_id"] = f"TX-{tx.group(1)}"
    if last4 := _card_last4(scrubbed):
        found["card_last4"] = last4
    found.update(_amount(scrubbed))
    order_id, transaction_id = _ids_from_numbers(scrubbed, topic=topic, expecting=expecting)
    if order_id:
        found["order_id"] = order_id
    if transaction_id and "transaction_id" not in found:
        found["transaction_id"] = transaction_id
    if phone := _phone(scrubbed):
        found["phone"] = phone
    return found


def order_key_candidates(order_id: str) -> tuple[str, ...]:
    """The keys under which a shop may file this order: as given, bare digits, `ORD-` digits."""
    digits = re.sub(r"\D", "", order_id)
    variants = (order_id, digits, f"ORD-{digits}") if digits else (order_id,)
    return tuple(dict.fromkeys(v for v in variants if v))


def transaction_key_candidates(transaction_id: str) -> tuple[str, ...]:
    """As `order_key_candidates`, for transactions: as given, `TX-` digits, bare digits."""
    digits = re.sub(r"\D", "", transaction_id)
    variants = (transaction_id, f"TX-{digits}", digits) if digits else (transaction_id,)
    return tuple(dict.fromkeys(v for v in variants if v))


def _ids_from_numbers(
    text: str, *, topic: str | None, expecting: str | None
) -> tuple[str | None, str | None]:
    if ord_id := _ORD.search(text):
        return f"ORD-{ord_id.group(1)}", None
    if hash_id := _HASH_ID.search(text):
        return hash_id.group(1), None
    bare_is_order = topic == Topic.DELIVERY or expecting == "order_id"
    blocked = _blocked_spans(text)
    transaction_id = None
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in blocked):
            continue
        digits, before = match.group(1), text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 20]
        if _CODE_BEFORE.search(before) or _CODE_AFTER.search(after) or _phone_shaped(digits):
            continue
        if _ORDER_CONTEXT.search(before):
            return digits, transaction_id
        if _TX_CONTEXT.search(before) or expecting == "transaction_id":
            transaction_id = transaction_id or digits
        elif bare_is_order and 5 <= len(digits) <= 10:
            return digits, transaction_id
    return None, transaction_id


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    """Where a number is part of an id, an amount or a card's last four already."""
    spans = [m.span() for m in _TX.finditer(text)]
    spans += [m.span() for m in _CARD_LAST4.finditer(text)]
    spans += [m.span() for m in _AMOUNT_PREFIX.finditer(text)]
    spans += [m.span() for m in _AMOUNT_SUFFIX.finditer(text)]
    return spans


def _phone_shaped(digits: str) -> bool:
    # Indonesian numbers are written 08xx... or 628xx...; no order id here starts that way.
    return len(digits) >= 9 and (digits.startswith("0") or digits.startswith("62"))


def _card_last4(text: str) -> str | None:
    match = _CARD_LAST4.search(text)
    if not match:
        return None
    return next(group for group in match.groups() if group)


def _amount(text: str) -> dict[str, str]:
    match = _AMOUNT_PREFIX.search(text) or _AMOUNT_SUFFIX.search(text)
    if not match:
        return {}
    unit = match.group("cur").lower().rstrip(".")
    # "250rb": the suffix is the multiplier and says rupiah at once
    scale = match.groupdict().get("mul") or unit
    multiplier = _MULTIPLIER.get(scale.lower(), 1)
    currency = _CURRENCY[unit]
    value = parse_amount(match.group("num"), currency)
    if value is None:
        return {}
    return {"amount": format_decimal(value * multiplier), "currency": currency}


def parse_amount(raw: str, currency: str) -> Decimal | None:
    """ "250.000" and "250,000" are thousands; "12.50" and "12,50" are cents.

    A separator followed by exactly three digits groups thousands (IDR has no cents in
    practice), one followed by one or two digits marks decimals.
    """
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        raw = re.sub(r"[.,]", "", raw)
    elif match := re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})*|\d+)[.,](\d{1,2})", raw):
        raw = re.sub(r"[.,]", "", match.group(1)) + "." + match.group(2)
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def format_decimal(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def _phone(text: str) -> str | None:
    if sum(ch.isdigit() for ch in text) < 8:  # skip the matcher's cost on most messages
        return None
    for match in phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None
