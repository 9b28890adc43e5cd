"""Dates, money and waits written the way customers read them, in English or Indonesian."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
}
_NEAR = {
    "en": {0: "today", 1: "tomorrow", -1: "yesterday"},
    "id": {0: "hari ini", 1: "besok", -1: "kemarin"},
}


def day(when: date, lang: str, today: date) -> str:
    """ "Wed 25 Nov" / "Rabu, 25 Nov"; the year only when it is not this year."""
    lang = _lang(lang)
    weekday, month = _WEEKDAYS[lang][when.weekday()], _MONTHS[lang][when.month - 1]
    year = f" {when.year}" if when.year != today.year else ""
    separator = ", " if lang == "id" else " "
    return f"{weekday}{separator}{when.day} {month}{year}"


def relative_day(when: date, lang: str, today: date) -> str:
    """When something happens, as a phrase that follows a verb: "tomorrow",
    "on Wed 25 Nov (in 2 days)", "besok", "pada Rabu, 25 Nov (2 hari lagi)"."""
    lang, delta = _lang(lang), (when - today).days
    if delta in _NEAR[lang]:
        return _NEAR[lang][delta]
    return (
        "pada " if lang == "id" else "on "
    ) + f"{day(when, lang, today)} ({days_away(delta, lang)})"


def dated(when: date, lang: str, today: date) -> str:
    """A date with its distance from today: "Wed 25 Nov (in 2 days)", "Rabu, 18 Nov
    (5 hari yang lalu)", "Tue 24 Nov (tomorrow)"."""
    delta = (when - today).days
    near = _NEAR[_lang(lang)].get(delta)
    return f"{day(when, lang, today)} ({near or days_away(delta, lang)})"


def days_away(delta: int, lang: str) -> str:
    """ "in 2 days" / "5 days ago"; "2 hari lagi" / "5 hari yang lalu"."""
    n = abs(delta)
    if _lang(lang) == "id":
        return f"{n} hari lagi" if delta >= 0 else f"{n} hari yang lalu"
    unit = "day" if n == 1 else "days"
    return f"in {n} {unit}" if delta >= 0 else f"{n} {unit} ago"


def money(amount: Decimal | int | None, currency: str | None, lang: str) -> str:
    """Rupiah with dots and no cents ("Rp250.000"); other currencies with their code."""
    if amount is None:
        return ""
    value = Decimal(amount)
    code = (currency or "IDR").upper()
    if code == "IDR":
        return "Rp" + f"{int(value):,}".replace(",", ".")
    text = f"{value:,.2f}"
    if _lang(lang) == "id":  # Indonesian swaps the separators: 1.234,50
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"${text}" if code == "USD" and lang == "en" else f"{code} {text}"


def wait(minutes: float, lang: str) -> str:
    """A wait estimate, rounded up so a promise is kept rather than broken."""
    lang = _lang(lang)
    if minutes < 1:
        return "kurang dari 1 menit" if lang == "id" else "less than a minute"
    if minutes < 90:
        n = math.ceil(minutes)
        return f"sekitar {n} menit" if lang == "id" else f"about {n} minute{'s' * (n != 1)}"
    hours = math.ceil(minutes / 60)
    return f"sekitar {hours} jam" if lang == "id" else f"about {hours} hours"


def wait_within(seconds: float, lang: str) -> str:
    """A promised wait as said to a customer ("within about 4 minutes"); the figure is
    already rounded up by the router (routing.estimate.told_seconds)."""
    lang = _lang(lang)
    if seconds <= 0:
        return "sebentar lagi" if lang == "id" else "in a moment"
    if seconds < 120:
        n = math.ceil(seconds)
        return f"dalam sekitar {n} detik" if lang == "id" else f"within about {n} seconds"
    if seconds < 5400:
        n = math.ceil(seconds / 60)
        return f"dalam sekitar {n} menit" if lang == "id" else f"within about {n} minutes"
    n = math.ceil(seconds / 3600)
    return f"dalam sekitar {n} jam" if lang == "id" else f"within about {n} hours"


def opening(local: datetime, now_local: datetime, lang: str) -> str:
    """When a closed team opens, in the team's own time ("tomorrow at 08:00 WIB")."""
    lang = _lang(lang)
    at = f"{local:%H:%M} {local.tzname() or ''}".strip()
    days = (local.date() - now_local.date()).days
    if days == 0:
        return f"hari ini pukul {at}" if lang == "id" else f"today at {at}"
    if days == 1:
        return f"besok pukul {at}" if lang == "id" else f"tomorrow at {at}"
    day, month = _WEEKDAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    if lang == "id":
        return f"hari {day}, {local.day} {month} pukul {at}"
    return f"on {day} {local.day} {month} at {at}"


def _lang(lang: str) -> str:
    return "id" if lang == "id" else "en"
