"""Working-time arithmetic over a calendar object: the only place deadlines are computed.

Pure: no database, no settings, no clock. A :class:`WorkingCalendar` says, for every date,
which working periods it has; the functions below move through those periods. Periods are
half-open ``[start, end)``: 11:30 is not working time when the morning ends at 11:30, but a
duration that is used up exactly at 11:30 ends at 11:30.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

Period = tuple[time, time]

DEFAULT_PERIODS: tuple[Period, ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))
# Monday..Friday work the standard periods; Saturday and Sunday are off.
DEFAULT_WEEK: tuple[tuple[Period, ...], ...] = (DEFAULT_PERIODS,) * 5 + ((), ())

# A calendar that finds no working time in this many consecutive days has none at all.
MAX_SEARCH_DAYS = 800
# Longest duration accepted from outside (about four years of working days).
MAX_WORKING_DAYS = 1000


class CalendarError(ValueError):
    """The calendar cannot answer: bad duration, or no working time at all."""


class YearlyDates:
    """A set of dates computed one year at a time, on demand (holidays over any year)."""

    def __init__(self, for_year: Callable[[int], Iterable[date]]) -> None:
        self._for_year = for_year
        self._years: dict[int, frozenset[date]] = {}

    def year(self, year: int) -> frozenset[date]:
        if year not in self._years:
            self._years[year] = frozenset(self._for_year(year))
        return self._years[year]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self.year(day.year)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which periods are worked on which date, in one time zone.

    ``days_off`` and ``extra_working_days`` are anything that answers ``in`` for a date (a set,
    or a :class:`YearlyDates`). An extra working day (a make-up Saturday) works the standard
    periods and wins over ``days_off``.
    """

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    week: tuple[tuple[Period, ...], ...] = DEFAULT_WEEK
    standard_periods: tuple[Period, ...] = DEFAULT_PERIODS
    days_off: frozenset[date] | YearlyDates = frozenset()
    extra_working_days: frozenset[date] | YearlyDates = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError("a week has seven days of periods")
        for periods in (*self.week, self.standard_periods):
            check_periods(periods)
        if not self.standard_periods:
            raise CalendarError("the standard working day needs at least one period")

    @property
    def day_length(self) -> timedelta:
        """One working day ("1d"): the length of the standard working day (default 8 hours)."""
        return sum((_period_length(p) for p in self.standard_periods), timedelta())

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.extra_working_days:
            return self.standard_periods
        if day in self.days_off:
            return ()
        return self.week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        return bool(self.periods_on(day))

    def intervals_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for start, end in self.periods_on(day):
            yield (
                datetime.combine(day, start, tzinfo=self.tz),
                datetime.combine(day, end, tzinfo=self.tz),
            )


def _period_length(period: Period) -> timedelta:
    start, end = period
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def check_periods(periods: tuple[Period, ...]) -> None:
    previous_end: time | None = None
    for start, end in periods:
        if not start < end:
            raise CalendarError(f"a working period must end after it starts: {start}-{end}")
        if previous_end is not None and start < previous_end:
            raise CalendarError("working periods of a day must be in order and not overlap")
        previous_end = end


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError("times must be timezone-aware")


def is_working_time(calendar: WorkingCalendar, moment: datetime) -> bool:
    """Is ``moment`` inside a working period (start included, end excluded)?"""
    _aware(moment)
    local = moment.astimezone(calendar.tz)
    return any(start <= local < end for start, end in calendar.intervals_on(local.date()))


def next_working_time(calendar: WorkingCalendar, moment: datetime) -> datetime:
    """``moment`` itself when it is working time, else the start of the next working period."""
    return add_working_time(calendar, moment, timedelta())


def add_working_time(calendar: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of working time, counted from ``start``, is used up.

    Outside working time, counting begins at the start of the next working period. The result
    is in the calendar's time zone.
    """
    _aware(start)
    if duration < timedelta():
        raise CalendarError("a duration cannot be negative")
    local = start.astimezone(calendar.tz)
    remaining = duration
    day = local.date()
    idle_days = 0
    while True:
        worked_today = False
        for period_start, period_end in calendar.intervals_on(day):
            worked_today = True
            if local >= period_end:
                continue
            begin = max(local, period_start)
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        idle_days = 0 if worked_today else idle_days + 1
        if idle_days > MAX_SEARCH_DAYS:
            raise CalendarError("the calendar has no working time")
        day += timedelta(days=1)


def working_time_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time inside ``[start, end]``; negative when ``end`` is before ``start``."""
    _aware(start)
    _aware(end)
    if end < start:
        return -working_time_between(calendar, end, start)
    total = timedelta()
    local_start = start.astimezone(calendar.tz)
    local_end = end.astimezone(calendar.tz)
    day = local_start.date()
    while day <= local_end.date():
        for period_start, period_end in calendar.intervals_on(day):
            overlap = min(period_end, local_end) - max(period_start, local_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total


def add_calendar_days(calendar: WorkingCalendar, start: datetime, days: int) -> datetime:
    """``days`` calendar days after ``start``; when that day is not a working day, the same
    time on the next working day (Civil Code art. 148)."""
    _aware(start)
    if days < 0:
        raise CalendarError("a duration cannot be negative")
    local = start.astimezone(calendar.tz)
    target = local.date() + timedelta(days=days)
    for _ in range(MAX_SEARCH_DAYS):
        if calendar.is_working_day(target):
            return datetime.combine(target, local.timetz().replace(tzinfo=None), tzinfo=calendar.tz)
        target += timedelta(days=1)
    raise CalendarError("the calendar has no working day")


# --- Durations ----------------------------------------------------------------------------

_TERM = re.compile(r"(\d+(?:[.,]\d+)?)\s*(d|h|m)", re.IGNORECASE)
_UNIT_SECONDS = {"h": Decimal(3600), "m": Decimal(60)}


@dataclass(frozen=True)
class WorkingDuration:
    """A duration as written: working days (``d``), hours (``h``) and minutes (``m``)."""

    days: Decimal = Decimal(0)
    seconds: Decimal = Decimal(0)

    def to_timedelta(self, calendar: WorkingCalendar) -> timedelta:
        total = self.days * Decimal(calendar.day_length.total_seconds()) + self.seconds
        return timedelta(seconds=int(total.to_integral_value()))


def parse_duration(text: str) -> WorkingDuration:
    """Parse ``3d``, ``4h``, ``0.5d``, ``1d 4h``, ``90m``; raise :class:`CalendarError`."""
    cleaned = (text or "").strip().replace(" ", "")
    if not cleaned:
        raise CalendarError("empty duration")
    position = 0
    days = Decimal(0)
    seconds = Decimal(0)
    for match in _TERM.finditer(cleaned):
        if match.start() != position:
            break
        position = match.end()
        try:
            amount = Decimal(match.group(1).replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern only admits numbers
            raise CalendarError(f"not a number: {match.group(1)}") from exc
        unit = match.group(2).lower()
        if unit == "d":
            days += amount
        else:
            seconds += amount * _UNIT_SECONDS[unit]
    if position != len(cleaned):
        raise CalendarError(f"cannot read duration {text!r}: use e.g. 3d, 4h, 0.5d or 90m")
    if days * 8 * 3600 + seconds > MAX_WORKING_DAYS * 8 * 3600:
        raise CalendarError(f"duration longer than {MAX_WORKING_DAYS} working days")
    return WorkingDuration(days=days, seconds=seconds)
