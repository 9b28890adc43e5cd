"""A team's business hours: is it open, when does it open or close, how long was it open.

Pure: no clock, no I/O. Every method takes timezone-aware datetimes in any zone and answers
in UTC, except `local_opening`, which answers in the team's own zone.

How a config's local times become instants:

- A range belongs to its weekday. One that ends at or before its start runs past midnight
  ("22:00-02:00" on sat closes at 02:00 on sunday); "24:00" is the end of the day.
- A holiday is a local calendar date, closed from its midnight to the next: a range running
  into a holiday closes at midnight, and the part of a holiday's overnight range that falls on
  the next, ordinary, day is open.
- A local time means the first instant the clock shows it: the first of the two in a
  fall-back hour and, for a time a spring-forward skips, the instant the clocks jump. So
  09:00-17:00 is 8 hours on either change-over day, and an opening at 02:30 on a day that
  skips from 02:00 to 03:00 opens at 03:00.
- Open periods that touch (an overnight range, ranges on either side of midnight) are one
  period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from itertools import pairwise
from typing import Annotated, Any, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays import country_holidays, list_supported_countries
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

__all__ = [
    "HORIZON_DAYS",
    "BusinessHours",
    "HolidayRules",
    "HoursError",
    "HoursIssue",
    "TimeRange",
    "Weekly",
]

HORIZON_DAYS = 400  # how far next_open and closes_at look ahead, in local days
DAY_MINUTES = 24 * 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # in date.weekday() order
_CLOCK_TIME = re.compile(r"(\d\d):(\d\d)")

Minutes = tuple[int, int]  # [start, end) in minutes after a local midnight
Period = tuple[datetime, datetime]  # [opens, closes) in UTC
_Bound = TypeVar("_Bound", int, datetime)


@dataclass(frozen=True)
class HoursIssue:
    field: str  # e.g. "hours.weekly.mon[0]"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class HoursError(ValueError):
    """A business-hours config that cannot be used; `issues` names every mistake's field."""

    def __init__(self, issues: Sequence[HoursIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class TimeRange:
    """One opening of a weekday, in minutes after its midnight; an `end` past 1440 is the
    next day's."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock_text(self.start)}-{_clock_text(self.end)}"


def _clock_text(minutes: int) -> str:
    if minutes > DAY_MINUTES:
        minutes -= DAY_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_range(value: object) -> TimeRange:
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"{value!r} is not a range (HH:MM-HH:MM)")
    first, last = value.split("-")
    start, end = _parse_time(first.strip()), _parse_time(last.strip())
    if start == DAY_MINUTES:
        raise ValueError(f"{value!r} starts at 24:00, which only ends a range")
    if end == start:
        raise ValueError(f"{value!r} is empty (all day is 00:00-24:00)")
    return TimeRange(start, end if end > start else end + DAY_MINUTES)


def _parse_time(text: str) -> int:
    if match := _CLOCK_TIME.fullmatch(text):
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and hours * 60 + minutes <= DAY_MINUTES:
            return hours * 60 + minutes
    raise ValueError(f"{text!r} is not a time (HH:MM)")


def _no_overlaps(ranges: tuple[TimeRange, ...]) -> tuple[TimeRange, ...]:
    for earlier, later in pairwise(sorted(ranges, key=lambda r: r.start)):
        if later.start < earlier.end:
            raise ValueError(f"'{earlier}' and '{later}' overlap")
    return ranges


Range = Annotated[
    TimeRange,
    PlainValidator(_parse_range),
    PlainSerializer(str, return_type=str),  # back to "HH:MM-HH:MM"
    WithJsonSchema({"type": "string", "examples": ["08:00-17:00", "22:00-02:00"]}),
]
DayRanges = Annotated[tuple[Range, ...], AfterValidator(_no_overlaps)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weekly(_Model):
    """Opening ranges per weekday; a day left out is closed."""

    mon: DayRanges = ()
    tue: DayRanges = ()
    wed: DayRanges = ()
    thu: DayRanges = ()
    fri: DayRanges = ()
    sat: DayRanges = ()
    sun: DayRanges = ()

    @model_validator(mode="after")
    def _opens_at_all(self) -> Self:
        if not any(self.ranges_on(weekday) for weekday in range(7)):
            raise ValueError("no open hours on any day; leave `weekly` out for always open")
        return self

    def ranges_on(self, weekday: int) -> tuple[TimeRange, ...]:
        """The ranges given for a weekday (Monday is 0)."""
        ranges: tuple[TimeRange, ...] = getattr(self, DAYS[weekday])
        return ranges

    @cached_property
    def open_minutes(self) -> tuple[tuple[Minutes, ...], ...]:
        """Per weekday (Monday is 0), the open minutes of such a local day: its own ranges up
        to midnight and the previous day's overnight parts, joined where they touch."""
        return tuple(self._minutes_of(weekday) for weekday in range(7))

    def _minutes_of(self, weekday: int) -> tuple[Minutes, ...]:
        own = [(r.start, min(r.end, DAY_MINUTES)) for r in self.ranges_on(weekday)]
        before = self.ranges_on((weekday - 1) % 7)
        spill = [(0, r.end - DAY_MINUTES) for r in before if r.end > DAY_MINUTES]
        return tuple(_joined(sorted(own + spill)))


ALL_WEEK = Weekly.model_validate({day: ["00:00-24:00"] for day in DAYS})


class HolidayRules(_Model):
    """Local dates closed all day: a country's public holidays (from the holidays package)
    and extra `dates`, except `open_dates`, which keep their weekday's hours."""

    country: str | None = None
    subdivision: str | None = None
    dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str | None) -> str | None:
        if country is not None and country not in list_supported_countries():
            raise ValueError(f"unknown country {country!r} (an ISO 3166 code such as ID or DE)")
        return country

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, subdivision: str | None, info: ValidationInfo) -> str | None:
        if subdivision is None or "country" not in info.data:  # a bad country says so itself
            return subdivision
        country = info.data["country"]
        if country is None:
            raise ValueError("a subdivision needs a country")
        try:
            country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            known = ", ".join(list_supported_countries()[country]) or "none"
            raise ValueError(
                f"unknown subdivision {subdivision!r} of {country} (known: {known})"
            ) from None
        return subdivision

    @field_validator("open_dates")
    @classmethod
    def _not_also_closed(cls, open_dates: frozenset[date], info: ValidationInfo) -> frozenset[date]:
        both = sorted(open_dates & info.data.get("dates", frozenset()))
        if both:
            raise ValueError(f"also in dates: {', '.join(day.isoformat() for day in both)}")
        return open_dates

    def closed_on(self, day: date) -> bool:
        """Whether local date `day` is closed all day."""
        if day in self.open_dates:
            return False
        if day in self.dates:
            return True
        return self.country is not None and day in _public_holidays(
            self.country, self.subdivision, day.year
        )


@cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(country_holidays(country, subdiv=subdivision, years=year))


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as Asia/Jakarta)"
        ) from None
    return name


class BusinessHours(_Model):
    """When a team is open, in its own time zone. Leaving `weekly` out means open all week."""

    timezone: Annotated[str, AfterValidator(_known_zone)]
    weekly: Weekly = ALL_WEEK
    holidays: HolidayRules = HolidayRules()

    @classmethod
    def always_open(cls) -> Self:
        return cls(timezone="UTC")

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, path: str = "hours") -> Self:
        """Validate a parsed config; HoursError names each mistake's field under `path`."""
        try:
            return cls.model_validate(config)
        except ValidationError as error:
            raise HoursError([_issue(e, path) for e in error.errors()]) from error

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        at = _utc(at)
        period = next(self._periods(at, days=1), None)
        return period is not None and period[0] <= at

    def next_open(self, at: datetime) -> datetime:
        """`at` itself if open, else the moment it next opens; ValueError if it stays closed
        for HORIZON_DAYS."""
        at = _utc(at)
        period = next(self._periods(at, days=HORIZON_DAYS), None)
        if period is None:
            raise ValueError(f"closed for the {HORIZON_DAYS} days from {at.isoformat()}")
        return max(period[0], at)

    def closes_at(self, at: datetime) -> datetime | None:
        """When the open period around `at` ends. None when closed at `at`, and when it stays
        open for HORIZON_DAYS (as an always-open schedule does)."""
        at = _utc(at)
        period = next(self._periods(at, days=HORIZON_DAYS), None)
        if period is None or period[0] > at:
            return None
        horizon = self._instant(self._local_date(at) + timedelta(days=HORIZON_DAYS), 0)
        return period[1] if period[1] < horizon else None

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds in [start, end) while open; 0 when `end` is not after `start`."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return 0.0
        days = (self._local_date(end) - self._local_date(start)).days + 1
        total = timedelta()
        for opens, closes in self._periods(start, days=days):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total.total_seconds()

    def local_opening(self, at: datetime) -> datetime:
        """next_open in the team's time zone, for telling a customer when a person is there."""
        return self.next_open(at).astimezone(self.zone)

    def _periods(self, start: datetime, days: int) -> Iterator[Period]:
        """The open periods that end after `start`, in order and joined where they touch,
        over `days` local days from start's (one running on past them is cut there)."""
        first = self._local_date(start)
        return _joined(
            period
            for offset in range(days)
            for period in self._day_periods(first + timedelta(days=offset))
            if period[1] > start
        )

    def _day_periods(self, day: date) -> list[Period]:
        """The open periods of local date `day`, none on a holiday."""
        if self.holidays.closed_on(day):
            return []
        minutes = self.weekly.open_minutes[day.weekday()]
        periods = [(self._instant(day, start), self._instant(day, end)) for start, end in minutes]
        return [(opens, closes) for opens, closes in periods if opens < closes]  # not skipped

    def _instant(self, day: date, minutes: int) -> datetime:
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return _first_instant(wall, self.zone)

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def _joined(spans: Iterable[tuple[_Bound, _Bound]]) -> Iterator[tuple[_Bound, _Bound]]:
    """Spans sorted by start, each run of touching or overlapping ones joined into one."""
    current: tuple[_Bound, _Bound] | None = None
    for start, end in spans:
        if current is None:
            current = (start, end)
        elif start <= current[1]:
            current = (current[0], max(current[1], end))
        else:
            yield current
            current = (start, end)
    if current is not None:
        yield current


def _first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in `zone` shows the naive `wall`, or the
    instant the clocks jump past it if a spring-forward skips it."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated time
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Skipped: fold=0 read it with the old offset (an instant after the jump), fold=1 with
    # the new one (an instant before it).
    return _jump(wall.replace(tzinfo=zone, fold=1).astimezone(UTC), instant, zone)


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first second in (before, after] with `zone`'s offset at `after`."""
    low, high = int(before.timestamp()), int(after.timestamp())
    offset = before.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _utc(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError(f"needs a timezone-aware datetime, got {at.isoformat()}")
    return at.astimezone(UTC)


def _issue(error: ErrorDetails, path: str) -> HoursIssue:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    field = f"{path}{where}".lstrip(".")
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return HoursIssue(field, "unknown key")
    if kind == "missing":
        return HoursIssue(field, "required")
    message = error["msg"].removeprefix("Value error, ")
    if kind != "value_error" and isinstance(value, str | int | float | bool):
        message += f" (got {value!r})"
    return HoursIssue(field, message)
