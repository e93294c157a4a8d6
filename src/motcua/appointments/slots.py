"""Slots of a day from the weekly availability, the working calendar and closures (pure).

A day that the center's working calendar does not work (weekends, Tết and the other public
holidays, a swapped weekday) has no slots; a make-up working Saturday has Monday's. A slot that
overlaps a closure is not offered. Two availability rows giving the same slot add their
capacities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from motcua.workcalendar.calendar import WorkingCalendar


@dataclass(frozen=True)
class Period:
    """One availability row, as plain values."""

    weekday: int
    start: time
    end: time
    slot_minutes: int
    capacity: int
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int


def weekday_of(calendar: WorkingCalendar, day: date) -> int | None:
    """The weekday whose availability applies to ``day``; None when the center does not work."""
    if not calendar.is_working_day(day):
        return None
    if (
        day in calendar.extra_working_days
        and calendar.week[day.weekday()] != calendar.standard_periods
    ):
        # A make-up working day (a Saturday) works the standard day: Monday's availability. A
        # weekday whose day off was cancelled, and that normally works the standard day, keeps
        # its own (a service booked only on Tuesdays is booked on that Tuesday).
        return 0
    return day.weekday()


def day_slots(
    *,
    calendar: WorkingCalendar,
    day: date,
    periods: Iterable[Period],
    closures: Iterable[tuple[datetime, datetime]] = (),
) -> list[Slot]:
    weekday = weekday_of(calendar, day)
    if weekday is None:
        return []
    closed = list(closures)
    capacity: dict[tuple[datetime, datetime], int] = {}
    for period in periods:
        if period.weekday != weekday:
            continue
        if period.valid_from and day < period.valid_from:
            continue
        if period.valid_until and day > period.valid_until:
            continue
        step = timedelta(minutes=period.slot_minutes)
        start = datetime.combine(day, period.start, tzinfo=calendar.tz)
        end_of_period = datetime.combine(day, period.end, tzinfo=calendar.tz)
        while start + step <= end_of_period:
            end = start + step
            if not any(c_start < end and start < c_end for c_start, c_end in closed):
                capacity[(start, end)] = capacity.get((start, end), 0) + period.capacity
            start = end
    return [Slot(start, end, cap) for (start, end), cap in sorted(capacity.items())]
