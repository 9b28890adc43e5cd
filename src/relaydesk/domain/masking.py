"""Mask card numbers, CVVs, one-time codes and passwords before a message goes anywhere.

PCI DSS: a card number (PAN) is never stored or shown in clear; at most its first six and
last four digits. One-time codes and passwords are masked whole. This runs on every inbound
message before it is stored, logged, shown to an agent or given to the bot, so it is pure and
fast, and it errs on the side of masking a secret rather than missing one, except where that
would eat what support needs: order numbers, transaction ids and phone numbers stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

CARD = "card"
CVV = "cvv"
OTP = "otp"
PASSWORD = "password"

PASSWORD_MASK = "********"  # fixed length: the mask must not tell how long the password was

# Digit groups joined by single spaces or dashes: "4111 1111 1111 1111", "3782-822463-10005".
# Letters around a run do not protect it ("cc4111111111111111"); a leading "+" marks a phone.
_DIGIT_RUN = re.compile(r"(?<![\d+])\d+(?:[ \-]\d+)*(?!\d)")
_GROUP_SEP = re.compile(r"[ \-]")

_EXPIRY = r"(?:(?:exp\w*|valid\w*|berlaku\w*|masa berlaku)\W{0,3})?\d{1,2}\s?/\s?\d{2,4}"
_CVV_AFTER_CARD = re.compile(
    rf"[ \t,;:]*(?:{_EXPIRY}[ \t,;:]*)?(?:(?:cvv2?|cvc2?|csc)\W{{0,3}})?(\d{{3,4}})(?![\d/])",
    re.I,
)
_CVV_KEYWORD = re.compile(
    r"\b(?:cvv2?|cvc2?|csc|security\s+code|kode\s+keamanan)(?:-?nya)?"
    r"(?:\W+(?:is|was|my|saya|adalah|number|nomor|code|kode)){0,2}\W{0,3}(\d{3,4})(?!\d)",
    re.I,
)

_CODE_WORD = r"codes?|kode(?:nya)?|otp|pin|passcode|verification|verifikasi|token|2fa|one[- ]time"
# A number that stands alone: not part of an id ("TX-20001", "#58001"), a masked card, or a
# phone number written in groups ("0812 3456 7890").
_LONE_NUMBER = r"(?<![\w+#*\-])(?<!\d[ \-])(?P<number>\d{4,8})(?![ \-]?\d)(?![\w*])"
_OTP_AFTER_WORD = re.compile(
    rf"\b(?P<word>{_CODE_WORD})\b(?P<gap>(?:\W+[a-z]+){{0,3}}?)\W{{1,3}}{_LONE_NUMBER}", re.I
)
_OTP_BEFORE_WORD = re.compile(
    rf"{_LONE_NUMBER}(?P<gap>(?:\W+[a-z]+){{0,2}}?)\W+(?P<word>{_CODE_WORD})\b", re.I
)
# "kode pos 12345" is a postcode, "promo code 2024" a voucher, "order 10001" an order.
_QUALIFIER_BEFORE = re.compile(
    r"\b(?:post(?:al)?|zip|area|promo|voucher|discount|referral|booking|tracking|coupon)\W*$", re.I
)
_QUALIFIER_AFTER = re.compile(r"^\W*(?:pos|promo|voucher|diskon|booking|resi|kupon|area)\b", re.I)
_ID_WORD = re.compile(
    r"\b(?:order|orders|pesanan|paket|parcel|package|transaction|transaksi|resi|invoice|tx|ord)\b",
    re.I,
)


def _word_set(paragraph: str) -> frozenset[str]:
    return frozenset(paragraph.split())


_PASSWORD_WORD = r"pass(?:word|wd|code)?|pwd|pw|(?:kata\s+)?sandi|kata\s+kunci"
_OWNER = r"(?:\s+(?:saya|aku|ku|gue|gw|my|baru|lama|new|old|sekarang))*"
_PASSWORD_STATED = re.compile(
    rf"\b(?:{_PASSWORD_WORD})(?:nya|ku)?{_OWNER}\s*(?:\bis\b|\bwas\b|\badalah\b|\bitu\b|=|:|->)\s*"
    r"(\"[^\"\n]{1,64}\"|'[^'\n]{1,64}'|[^\s\"']{1,64})",
    re.I,
)
# Without "is" or ":", "pass" and "pw" are too often a verb or an abbreviation.
_BARE_PASSWORD_WORD = r"password|passwd|pwd|passcode|(?:kata\s+)?sandi|kata\s+kunci"
_PASSWORD_BARE = re.compile(
    rf"\b(?:{_BARE_PASSWORD_WORD})(?:nya|ku)?{_OWNER}\s+([^\s\"']{{3,64}})",
    re.I,
)
# Words that follow "password is" in a sentence about a password rather than in one that
# gives it away ("my password is not working", "kata sandi saya salah").
_NOT_A_PASSWORD = _word_set(
    """not wrong incorrect invalid expired correct right the a an still being too very always
    never changed reset locked blocked same weak strong rejected fine ok okay working required
    forgotten forgot lost missing empty saved case sensitive different new old mine there here
    salah benar betul tidak nggak gak ga enggak sudah udah lupa terkunci diganti diubah
    kadaluarsa ditolak kosong masih selalu sama lemah baru lama bisa dong sih ya kok apa"""
)


@dataclass(frozen=True)
class MaskResult:
    text: str
    kinds: tuple[str, ...]  # what was masked, sorted: "card", "cvv", "otp", "password"

    @property
    def masked(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    replacement: str
    kind: str


def mask(text: str) -> MaskResult:
    """`text` with every secret masked, and the kinds of secrets found."""
    spans = _resolve([*_card_spans(text), *_cvv_spans(text), *_otp_spans(text), *_pw_spans(text)])
    out = text
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        out = out[: span.start] + span.replacement + out[span.end :]
    return MaskResult(out, tuple(sorted({span.kind for span in spans})))


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_pan(digits: str) -> str:
    """First six and last four in clear, the rest starred: `411111******1111`."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _card_spans(text: str) -> Iterator[_Span]:
    for run in _DIGIT_RUN.finditer(text):
        for start, end in _cards_in_run(run.group(0)):
            digits = _GROUP_SEP.sub("", run.group(0)[start:end])
            yield _Span(run.start() + start, run.start() + end, mask_pan(digits), CARD)
            if cvv := _CVV_AFTER_CARD.match(text, run.start() + end):
                yield _Span(cvv.start(1), cvv.end(1), "*" * len(cvv.group(1)), CVV)


def _cards_in_run(run: str) -> Iterator[tuple[int, int]]:
    """Where card numbers sit in a run of digit groups, as offsets into the run.

    A run may hold more than the card: an expiry before it, a CVV after it, other numbers
    ("12/28 4111 1111 1111 1111 123"). From each group, the longest stretch of whole groups
    that is shaped like a card and passes Luhn is taken. Grouped numbers must be grouped
    like cards (a first group of four, then groups of three to six): lists of order
    numbers that happen to pass Luhn stay unmasked.
    """
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run)]
    i = 0
    while i < len(groups):
        found = None
        for j in range(i + 1, len(groups) + 1):
            head = [run[a:b] for a, b in groups[i:j]]
            digits = "".join(head)
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _card_shaped(head) and not _phone_like(digits):
                found = j if luhn_valid(digits) else found
        if found is None:
            i += 1
            continue
        yield groups[i][0], groups[found - 1][1]
        i = found


def _card_shaped(groups: list[str]) -> bool:
    if len(groups) == 1:
        return True
    return len(groups[0]) == 4 and all(3 <= len(g) <= 6 for g in groups[1:])


def _phone_like(digits: str) -> bool:
    # No card number starts with 0 (ISO/IEC 7812). Indonesian mobile numbers written without
    # the plus (62 8xx...) are at most 15 digits; UnionPay cards that also start with 62 have
    # 16 to 19, so they are still masked.
    return digits.startswith("0") or (digits.startswith("628") and len(digits) <= 15)


def _cvv_spans(text: str) -> Iterator[_Span]:
    for match in _CVV_KEYWORD.finditer(text):
        yield _Span(match.start(1), match.end(1), "*" * len(match.group(1)), CVV)


def _otp_spans(text: str) -> Iterator[_Span]:
    for pattern in (_OTP_AFTER_WORD, _OTP_BEFORE_WORD):
        for match in pattern.finditer(text):
            word_start, word_end = match.span("word")
            if (
                _QUALIFIER_BEFORE.search(text[max(0, word_start - 20) : word_start])
                or _QUALIFIER_AFTER.search(text[word_end : word_end + 12])
                or _ID_WORD.search(match.group("gap"))
                or _ID_WORD.search(text[max(0, match.start("number") - 12) : match.start("number")])
            ):
                continue
            number = match.group("number")
            yield _Span(match.start("number"), match.end("number"), "*" * len(number), OTP)


def _pw_spans(text: str) -> Iterator[_Span]:
    for match in _PASSWORD_STATED.finditer(text):
        yield from _password_span(match, strict=False)
    for match in _PASSWORD_BARE.finditer(text):
        yield from _password_span(match, strict=True)


def _password_span(match: re.Match[str], *, strict: bool) -> Iterator[_Span]:
    """Mask the word after "password is"; after a bare "password" only if it looks made up.

    `strict`: with no "is" or ":" in between, "password saya hunter2" gives one away but
    "password reset link" does not, so the word must carry a digit or a symbol.
    """
    secret = match.group(1)
    start, end = match.start(1), match.end(1)
    if secret[0] not in "\"'":
        stripped = secret.rstrip(".,;)")  # sentence punctuation; "!" may be part of it
        end -= len(secret) - len(stripped)
        secret = stripped
    if not secret or secret.lower() in _NOT_A_PASSWORD:
        return
    if strict and not re.search(r"[\d\W_]", secret):
        return
    yield _Span(start, end, PASSWORD_MASK, PASSWORD)


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Drop spans that overlap one already kept; the earliest, then the longest, wins."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if all(span.start >= k.end or span.end <= k.start for k in kept):
            kept.append(span)
    return kept
