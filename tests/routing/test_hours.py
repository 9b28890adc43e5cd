"""Business hours: weekly ranges, holidays and daylight saving, checked against the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from relaydesk.routing.hours import BusinessHours, HoursError

JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = {day: ["08:00-17:00"] for day in WORKDAYS}
NIGHTS = {day: ["22:00-06:00"] for day in WORKDAYS}
HOUR = 3600.0
CHRISTMAS_EVE = "2026-12-24"


def hours(weekly: dict[str, list[str]] | None = None, **config: Any) -> BusinessHours:
    config.setdefault("timezone", "Asia/Jakarta")
    if weekly is not None:
        config["weekly"] = weekly
    return BusinessHours.from_config(config)


def jkt(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA)


def ber(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


# 2026-11-23 is a Monday, 2026-11-28 a Saturday.


def test_a_normal_week() -> None:
    desk = hours(OFFICE)
    assert desk.is_open(jkt(2026, 11, 23, 8, 0))
    assert desk.is_open(jkt(2026, 11, 23, 16, 59, 59))
    assert not desk.is_open(jkt(2026, 11, 23, 7, 59, 59))
    assert not desk.is_open(jkt(2026, 11, 23, 17, 0))
    assert not desk.is_open(jkt(2026, 11, 28, 12, 0))
    friday_evening = jkt(2026, 11, 27, 18, 0)
    assert desk.next_open(friday_evening) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert desk.next_open(friday_evening).tzinfo is UTC
    assert desk.closes_at(jkt(2026, 11, 23, 10, 0)) == jkt(2026, 11, 23, 17, 0)
    assert desk.closes_at(jkt(2026, 11, 23, 18, 0)) is None
    week = desk.open_seconds_between(jkt(2026, 11, 23, 0, 0), jkt(2026, 11, 30, 0, 0))
    assert week == 5 * 9 * HOUR


def test_answers_do_not_depend_on_the_zone_a_time_is_given_in() -> None:
    desk = hours(OFFICE)
    new_york = datetime(2026, 11, 27, 6, 0, tzinfo=ZoneInfo("America/New_York"))  # Fri 18:00
    assert desk.next_open(new_york) == desk.next_open(jkt(2026, 11, 27, 18, 0))
    assert desk.open_seconds_between(new_york, new_york + timedelta(days=3)) == 9 * HOUR


def test_local_opening_is_in_the_teams_zone() -> None:
    opening = hours(OFFICE).local_opening(datetime(2026, 11, 28, 5, 0, tzinfo=UTC))
    assert opening == jkt(2026, 11, 30, 8, 0)
    assert opening.tzinfo == JAKARTA
    assert opening.strftime("%A %H:%M") == "Monday 08:00"


def test_a_lunch_break() -> None:
    desk = hours({"tue": ["08:00-12:00", "13:00-17:00"]})
    assert not desk.is_open(jkt(2026, 11, 24, 12, 30))
    assert desk.next_open(jkt(2026, 11, 24, 12, 30)) == jkt(2026, 11, 24, 13, 0)
    assert desk.closes_at(jkt(2026, 11, 24, 11, 0)) == jkt(2026, 11, 24, 12, 0)
    day = desk.open_seconds_between(jkt(2026, 11, 24, 0, 0), jkt(2026, 11, 25, 0, 0))
    assert day == 8 * HOUR


def test_ranges_that_touch_are_one_period() -> None:
    desk = hours({"tue": ["12:00-17:00", "08:00-12:00"]})
    assert desk.closes_at(jkt(2026, 11, 24, 9, 0)) == jkt(2026, 11, 24, 17, 0)
    across_midnight = hours({"sat": ["22:00-24:00"], "sun": ["00:00-02:00"]})
    assert across_midnight.closes_at(jkt(2026, 11, 28, 23, 0)) == jkt(2026, 11, 29, 2, 0)


def test_an_overnight_range_closes_the_next_day() -> None:
    desk = hours({"sat": ["22:00-02:00"]})
    assert desk.next_open(jkt(2026, 11, 28, 12, 0)) == jkt(2026, 11, 28, 22, 0)
    assert desk.closes_at(jkt(2026, 11, 28, 23, 0)) == jkt(2026, 11, 29, 2, 0)
    assert desk.is_open(jkt(2026, 11, 29, 1, 59))
    assert not desk.is_open(jkt(2026, 11, 29, 2, 0))
    assert not desk.is_open(jkt(2026, 11, 28, 1, 0))  # saturday's own early hours are closed
    week = desk.open_seconds_between(jkt(2026, 11, 23, 0, 0), jkt(2026, 11, 30, 0, 0))
    assert week == 4 * HOUR


def test_sundays_overnight_range_runs_into_monday() -> None:
    desk = hours({"sun": ["20:00-04:00"]})
    assert desk.is_open(jkt(2026, 11, 30, 3, 0))
    assert desk.closes_at(jkt(2026, 11, 29, 21, 0)) == jkt(2026, 11, 30, 4, 0)


def test_an_overnight_range_may_overlap_the_next_days_own() -> None:
    desk = hours({"sat": ["22:00-02:00"], "sun": ["00:00-24:00"], "mon": ["08:00-17:00"]})
    assert desk.closes_at(jkt(2026, 11, 28, 23, 0)) == jkt(2026, 11, 30, 0, 0)
    assert desk.open_seconds_between(jkt(2026, 11, 28, 0, 0), jkt(2026, 11, 30, 0, 0)) == 26 * HOUR


def test_a_24_hour_day() -> None:
    desk = hours({"sun": ["00:00-24:00"]})
    assert desk.next_open(jkt(2026, 11, 28, 12, 0)) == jkt(2026, 11, 29, 0, 0)
    assert desk.closes_at(jkt(2026, 11, 29, 12, 0)) == jkt(2026, 11, 30, 0, 0)
    assert desk.is_open(jkt(2026, 11, 29, 23, 59, 59))
    assert desk.open_seconds_between(jkt(2026, 11, 23), jkt(2026, 12, 7)) == 48 * HOUR


def test_always_open() -> None:
    t = jkt(2026, 11, 28, 3, 17)
    for desk in (BusinessHours.always_open(), hours(timezone="Asia/Jakarta")):
        assert desk.is_open(t)
        assert desk.next_open(t) == t
        assert desk.closes_at(t) is None  # never closes within the horizon
        assert desk.open_seconds_between(t, t + timedelta(days=30)) == 30 * 24 * HOUR
    assert BusinessHours.always_open().local_opening(t).tzinfo == ZoneInfo("UTC")


def test_always_open_except_on_holidays() -> None:
    desk = hours(holidays={"dates": [CHRISTMAS_EVE]})
    assert desk.closes_at(jkt(2026, 12, 20, 9, 0)) == jkt(2026, 12, 24, 0, 0)
    assert desk.next_open(jkt(2026, 12, 24, 9, 0)) == jkt(2026, 12, 25, 0, 0)


def test_the_holidays_package_lists_christmas_but_not_christmas_eve_for_indonesia() -> None:
    listed = holidays.country_holidays("ID", years=2026)
    assert date(2026, 12, 25) in listed
    assert date(2026, 12, 24) not in listed
    assert date(2027, 1, 1) in holidays.country_holidays("ID", years=2027)


def test_country_holidays_close_all_day() -> None:
    desk = hours(OFFICE, holidays={"country": "ID"})
    assert desk.is_open(jkt(2026, 12, 24, 9, 0))
    assert not desk.is_open(jkt(2026, 12, 25, 9, 0))  # Christmas, a Friday
    assert desk.closes_at(jkt(2026, 12, 24, 9, 0)) == jkt(2026, 12, 24, 17, 0)
    assert desk.next_open(jkt(2026, 12, 24, 18, 0)) == jkt(2026, 12, 28, 8, 0)
    assert desk.next_open(jkt(2026, 12, 31, 18, 0)) == jkt(2027, 1, 4, 8, 0)  # across New Year
    week = desk.open_seconds_between(jkt(2026, 12, 21), jkt(2026, 12, 28))
    assert week == 4 * 9 * HOUR


def test_a_holiday_is_a_local_calendar_date() -> None:
    desk = hours(NIGHTS, holidays={"country": "ID"})
    # Thursday night runs into Christmas: closes at midnight.
    assert desk.closes_at(jkt(2026, 12, 24, 23, 0)) == jkt(2026, 12, 25, 0, 0)
    assert not desk.is_open(jkt(2026, 12, 25, 1, 0))
    # Christmas evening's range is closed, its part on Saturday is open.
    assert not desk.is_open(jkt(2026, 12, 25, 23, 0))
    assert desk.next_open(jkt(2026, 12, 25, 12, 0)) == jkt(2026, 12, 26, 0, 0)
    assert desk.closes_at(jkt(2026, 12, 26, 0, 0)) == jkt(2026, 12, 26, 6, 0)


def test_extra_closed_dates() -> None:
    desk = hours(OFFICE, holidays={"country": "ID", "dates": ["2026-12-24", "2026-12-31"]})
    assert not desk.is_open(jkt(2026, 12, 24, 9, 0))
    assert desk.next_open(jkt(2026, 12, 23, 18, 0)) == jkt(2026, 12, 28, 8, 0)
    assert desk.open_seconds_between(jkt(2026, 12, 21), jkt(2027, 1, 4)) == 6 * 9 * HOUR


def test_open_dates_override_country_holidays() -> None:
    desk = hours(OFFICE, holidays={"country": "ID", "open_dates": ["2026-12-25", "2026-12-26"]})
    assert desk.is_open(jkt(2026, 12, 25, 9, 0))
    assert not desk.is_open(jkt(2027, 1, 1, 9, 0))
    # An open date keeps its weekday's hours: a Saturday stays closed.
    assert not desk.is_open(jkt(2026, 12, 26, 9, 0))


def test_a_subdivisions_holidays() -> None:
    bavaria, berlin = (
        hours(OFFICE, timezone="Europe/Berlin", holidays={"country": "DE", "subdivision": state})
        for state in ("BY", "BE")
    )
    corpus_christi = ber(2026, 6, 4, 10, 0)
    assert not bavaria.is_open(corpus_christi)
    assert berlin.is_open(corpus_christi)


def test_spring_forward() -> None:
    desk = hours({day: ["09:00-17:00"] for day in ("sat", "sun")}, timezone="Europe/Berlin")
    assert desk.next_open(ber(2026, 3, 28, 0, 0)) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert desk.next_open(ber(2026, 3, 28, 18, 0)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert desk.open_seconds_between(ber(2026, 3, 28, 0, 0), ber(2026, 3, 29, 0, 0)) == 8 * HOUR
    assert desk.open_seconds_between(ber(2026, 3, 29, 0, 0), ber(2026, 3, 30, 0, 0)) == 8 * HOUR
    all_day = hours({"sun": ["00:00-24:00"]}, timezone="Europe/Berlin")
    assert all_day.open_seconds_between(ber(2026, 3, 28), ber(2026, 3, 31)) == 23 * HOUR


def test_fall_back() -> None:
    desk = hours({day: ["09:00-17:00"] for day in ("sat", "sun")}, timezone="Europe/Berlin")
    assert desk.next_open(ber(2026, 10, 24, 0, 0)) == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    assert desk.next_open(ber(2026, 10, 24, 18, 0)) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert desk.open_seconds_between(ber(2026, 10, 25, 0, 0), ber(2026, 10, 26, 0, 0)) == 8 * HOUR
    all_day = hours({"sun": ["00:00-24:00"]}, timezone="Europe/Berlin")
    assert all_day.open_seconds_between(ber(2026, 10, 24), ber(2026, 10, 27)) == 25 * HOUR


def test_an_opening_in_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    desk = hours({"sun": ["02:30-05:00", "09:00-10:00"]}, timezone="Europe/Berlin")
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
    assert desk.next_open(ber(2026, 3, 29, 0, 0)) == jump
    assert not desk.is_open(jump - timedelta(microseconds=1))
    assert desk.open_seconds_between(ber(2026, 3, 29), ber(2026, 3, 30)) == 3 * HOUR
    assert desk.open_seconds_between(ber(2026, 4, 5), ber(2026, 4, 6)) == 3.5 * HOUR


def test_a_closing_in_the_skipped_hour_closes_when_the_clocks_jump() -> None:
    desk = hours({"sat": ["22:00-02:30"]}, timezone="Europe/Berlin")
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert desk.closes_at(ber(2026, 3, 28, 23, 0)) == jump
    assert desk.open_seconds_between(ber(2026, 3, 28), ber(2026, 3, 30)) == 4 * HOUR  # 21-01 UTC


def test_a_range_inside_the_skipped_hour_does_not_open_that_day() -> None:
    desk = hours({"sun": ["02:10-02:40", "09:00-10:00"]}, timezone="Europe/Berlin")
    assert desk.next_open(ber(2026, 3, 29, 0, 0)) == ber(2026, 3, 29, 9, 0)
    assert desk.next_open(ber(2026, 4, 5, 0, 0)) == ber(2026, 4, 5, 2, 10)


def test_a_repeated_time_means_its_first_occurrence() -> None:
    desk = hours({"sun": ["01:00-02:30"]}, timezone="Europe/Berlin")
    first_half_past_two = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert desk.closes_at(ber(2026, 10, 25, 1, 0)) == first_half_past_two
    assert not desk.is_open(ber(2026, 10, 25, 2, 15, fold=1))
    assert desk.open_seconds_between(ber(2026, 10, 25), ber(2026, 10, 26)) == 1.5 * HOUR


def test_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        hours(OFFICE).is_open(datetime(2026, 11, 23, 9, 0))


def test_closed_for_the_whole_horizon() -> None:
    first = date(2026, 11, 23)
    dates = [(first + timedelta(days=n)).isoformat() for n in range(401)]
    desk = hours(OFFICE, holidays={"dates": dates})
    with pytest.raises(ValueError, match="closed for the 400 days"):
        desk.next_open(jkt(2026, 11, 23, 9, 0))


def test_a_span_that_ends_before_it_starts_has_no_open_time() -> None:
    desk = BusinessHours.always_open()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert desk.open_seconds_between(start, start - timedelta(hours=1)) == 0.0


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"weekly": OFFICE}, "hours.timezone: required"),
        (
            {"timezone": "Asia/Jakata"},
            "hours.timezone: unknown time zone 'Asia/Jakata' (an IANA name such as Asia/Jakarta)",
        ),
        (
            {"timezone": "UTC", "weekly": {"mon": ["25:00-26:00"]}},
            "hours.weekly.mon[0]: '25:00' is not a time (HH:MM)",
        ),
        (
            {"timezone": "UTC", "weekly": {"mon": ["08:00-17:00", "9-17"]}},
            "hours.weekly.mon[1]: '9' is not a time (HH:MM)",
        ),
        (
            {"timezone": "UTC", "weekly": {"mon": ["08:00"]}},
            "hours.weekly.mon[0]: '08:00' is not a range (HH:MM-HH:MM)",
        ),
        (
            {"timezone": "UTC", "weekly": {"mon": [800]}},
            "hours.weekly.mon[0]: 800 is not a range (HH:MM-HH:MM)",
        ),
        (
            {"timezone": "UTC", "weekly": {"wed": ["09:00-09:00"]}},
            "hours.weekly.wed[0]: '09:00-09:00' is empty (all day is 00:00-24:00)",
        ),
        (
            {"timezone": "UTC", "weekly": {"sat": ["24:00-02:00"]}},
            "hours.weekly.sat[0]: '24:00-02:00' starts at 24:00, which only ends a range",
        ),
        (
            {"timezone": "UTC", "weekly": {"tue": ["13:00-17:00", "08:00-13:30"]}},
            "hours.weekly.tue: '08:00-13:30' and '13:00-17:00' overlap",
        ),
        (
            {"timezone": "UTC", "weekly": {"fri": ["20:00-02:00", "21:00-22:00"]}},
            "hours.weekly.fri: '20:00-02:00' and '21:00-22:00' overlap",
        ),
        (
            {"timezone": "UTC", "weekly": {"monday": ["08:00-17:00"]}},
            "hours.weekly.monday: unknown key",
        ),
        (
            {"timezone": "UTC", "weekly": {"sun": []}},
            "hours.weekly: no open hours on any day; leave `weekly` out for always open",
        ),
        (
            {"timezone": "UTC", "holidays": {"country": "XX"}},
            "hours.holidays.country: unknown country 'XX' (an ISO 3166 code such as ID or DE)",
        ),
        (
            {"timezone": "UTC", "holidays": {"country": "DE", "subdivision": "XX"}},
            "hours.holidays.subdivision: unknown subdivision 'XX' of DE (known: BB, BE, BW,",
        ),
        (
            {"timezone": "UTC", "holidays": {"subdivision": "BY"}},
            "hours.holidays.subdivision: a subdivision needs a country",
        ),
        (
            {"timezone": "UTC", "holidays": {"dates": ["2026-12-32"]}},
            "hours.holidays.dates[0]: Input should be a valid date",
        ),
        (
            {
                "timezone": "UTC",
                "holidays": {"dates": [CHRISTMAS_EVE], "open_dates": [CHRISTMAS_EVE]},
            },
            "hours.holidays.open_dates: also in dates: 2026-12-24",
        ),
        ({"timezone": "UTC", "open": True}, "hours.open: unknown key"),
    ],
)
def test_a_bad_config_names_the_field(config: dict[str, Any], error: str) -> None:
    with pytest.raises(HoursError) as raised:
        BusinessHours.from_config(config)
    assert str(raised.value).startswith(error)
    assert isinstance(raised.value, ValueError)


def test_every_mistake_is_reported_under_the_given_path() -> None:
    config = {"timezone": "Nowhere", "weekly": {"mon": ["8-17"], "tue": ["09:00-09:00"]}}
    with pytest.raises(HoursError) as raised:
        BusinessHours.from_config(config, path="teams[2].hours")
    assert [issue.field for issue in raised.value.issues] == [
        "teams[2].hours.timezone",
        "teams[2].hours.weekly.mon[0]",
        "teams[2].hours.weekly.tue[0]",
    ]


def test_a_schedule_is_a_frozen_value() -> None:
    desk = hours(OFFICE)
    assert desk == hours(OFFICE)
    assert hash(desk) == hash(hours(OFFICE))
    with pytest.raises(ValueError, match="frozen"):
        desk.timezone = "UTC"


def test_a_schedule_dumps_back_to_its_config() -> None:
    config = {
        "timezone": "Asia/Jakarta",
        "weekly": {"tue": ["08:00-12:00", "13:00-17:00"], "sat": ["22:00-02:00"]},
        "holidays": {"country": "ID", "dates": [CHRISTMAS_EVE]},
    }
    dumped = BusinessHours.from_config(config).model_dump(mode="json")
    assert dumped["weekly"]["sat"] == ["22:00-02:00"]
    assert dumped["holidays"]["dates"] == [CHRISTMAS_EVE]
    assert BusinessHours.from_config(dumped) == BusinessHours.from_config(config)
    assert BusinessHours.always_open().model_dump()["weekly"]["mon"] == ("00:00-24:00",)
    schema = BusinessHours.model_json_schema()
    assert schema["$defs"]["Weekly"]["properties"]["mon"]["items"]["type"] == "string"


# ---- properties, on random schedules in zones with daylight saving -------------------------

ZONES = ("Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Jakarta")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Days worth looking at closely: clocks change in at least one zone, or Christmas.
CHANGE_DAYS = [datetime(2026, m, d, tzinfo=UTC) for m, d in ((3, 29), (4, 5), (9, 6), (10, 4))]
CHANGE_DAYS += [datetime(2026, m, d, tzinfo=UTC) for m, d in ((10, 25), (12, 25))]


def half_hours(n: int) -> str:
    return f"{n // 2:02d}:{n % 2 * 30:02d}"


@st.composite
def day_ranges(draw: st.DrawFn) -> list[str]:
    """Non-overlapping ranges on half-hour marks; an odd mark out starts an overnight range."""
    marks = sorted(draw(st.sets(st.integers(0, 48), max_size=5)))
    pairs = zip(marks[::2], marks[1::2], strict=False)
    ranges = [f"{half_hours(start)}-{half_hours(end)}" for start, end in pairs]
    if len(marks) % 2 and 0 < marks[-1] < 48:
        end = draw(st.integers(0, marks[-1] - 1))
        ranges.append(f"{half_hours(marks[-1])}-{half_hours(end)}")
    return ranges


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {"timezone": draw(st.sampled_from(ZONES))}
    if draw(st.integers(0, 9)):  # now and then, always open
        weekly = {day: draw(day_ranges()) for day in DAY_NAMES}
        assume(any(weekly.values()))
        config["weekly"] = weekly
    some_dates = st.lists(st.sampled_from(CHANGE_DAYS).map(datetime.date), max_size=3)
    dates = draw(some_dates)
    config["holidays"] = {
        "country": draw(st.sampled_from([None, "ID", "DE"])),
        "dates": dates,
        "open_dates": [day for day in draw(some_dates) if day not in dates],
    }
    return config


instants = st.one_of(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 31), timezones=st.just(UTC)),
    st.builds(
        lambda day, seconds: day + timedelta(seconds=seconds),
        st.sampled_from(CHANGE_DAYS),
        st.integers(-2 * 86400, 2 * 86400),
    ),
).map(lambda t: t.replace(second=0, microsecond=0))


def clock_says_open(config: dict[str, Any], at: datetime) -> bool:
    """The config read off the local wall clock: true wherever the local time is unambiguous."""
    local = at.astimezone(ZoneInfo(config["timezone"]))
    rules = config["holidays"]
    day = local.date()
    listed = rules["country"] and day in holidays.country_holidays(rules["country"])
    if (listed or day in rules["dates"]) and day not in rules["open_dates"]:
        return False
    if "weekly" not in config:
        return True
    minute = local.hour * 60 + local.minute
    weekday = local.weekday()
    for text in config["weekly"][DAY_NAMES[weekday]]:
        start, end = minutes(text)
        if start <= minute < (end if end > start else 24 * 60):
            return True
    for text in config["weekly"][DAY_NAMES[weekday - 1]]:
        start, end = minutes(text)
        if end < start and minute < end:
            return True
    return False


def minutes(text: str) -> tuple[int, int]:
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in text.split("-"))
    return start, end


def repeated(at: datetime, zone: ZoneInfo) -> bool:
    """Whether the local time at `at` is one a fall-back shows twice."""
    local = at.astimezone(zone)
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(configs(), instants)
def test_is_open_agrees_with_the_wall_clock(config: dict[str, Any], at: datetime) -> None:
    assume(not repeated(at, ZoneInfo(config["timezone"])))
    assert BusinessHours.from_config(config).is_open(at) == clock_says_open(config, at)


@PROPERTY
@given(configs(), instants)
def test_next_open_is_the_first_open_moment(config: dict[str, Any], at: datetime) -> None:
    desk = BusinessHours.from_config(config)
    opening = desk.next_open(at)
    assert opening >= at
    assert desk.is_open(opening)
    assert desk.open_seconds_between(at, opening) == 0
    if opening > at:  # closed until then, sampled
        assert not any(desk.is_open(at + (opening - at) * k / 50) for k in range(50))


@PROPERTY
@given(configs(), instants)
def test_closes_at_ends_the_open_period(config: dict[str, Any], at: datetime) -> None:
    desk = BusinessHours.from_config(config)
    closing = desk.closes_at(at)
    if not desk.is_open(at):
        assert closing is None
    elif closing is not None:
        assert closing > at
        assert not desk.is_open(closing)
        assert desk.is_open(closing - timedelta(microseconds=1))
        assert desk.open_seconds_between(at, closing) == (closing - at).total_seconds()


@PROPERTY
@given(configs(), instants, st.integers(0, 40 * 86400), st.integers(0, 40 * 86400))
def test_open_time_adds_up_over_a_split(
    config: dict[str, Any], start: datetime, first: int, second: int
) -> None:
    desk = BusinessHours.from_config(config)
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)
    whole = desk.open_seconds_between(start, end)
    assert whole == desk.open_seconds_between(start, middle) + desk.open_seconds_between(
        middle, end
    )
    assert 0 <= whole <= (end - start).total_seconds()


@PROPERTY
@given(configs(), instants, st.integers(0, 36 * 60))
def test_open_time_matches_a_minute_by_minute_count(
    config: dict[str, Any], start: datetime, span: int
) -> None:
    desk = BusinessHours.from_config(config)
    open_minutes = sum(desk.is_open(start + timedelta(minutes=m)) for m in range(span))
    assert desk.open_seconds_between(start, start + timedelta(minutes=span)) == open_minutes * 60
