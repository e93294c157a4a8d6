"""Build the working calendar of a center: periods + Vietnam's holidays + admin overrides."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import translation
from django.utils.translation import gettext as _

from motcua.workcalendar.calendar import (
    DEFAULT_PERIODS,
    DEFAULT_WEEK,
    Period,
    WorkingCalendar,
    YearlyDates,
)
from motcua.workcalendar.models import CalendarOverride


@lru_cache(maxsize=64)
def _package_year(year: int, language: str = "vi") -> holidays.HolidayBase:
    """The national calendar of a year (about 4 ms to compute, so once per process; read only)."""
    return holidays.country_holidays(
        "VN", years=year, language="en_US" if language == "en" else "vi"
    )


def _overrides(center_code: str | None) -> dict[date, CalendarOverride]:
    """The overrides in force for a center: its own win over national ones."""
    scopes = [""] if not center_code else ["", center_code]
    found: dict[date, CalendarOverride] = {}
    for override in CalendarOverride.objects.filter(center_code__in=scopes).order_by(
        "center_code"  # national ("") first, so the center's own replace them
    ):
        found[override.date] = override
    return found


def calendar_build(
    *,
    center_code: str | None = None,
    tz: str | ZoneInfo = "Asia/Ho_Chi_Minh",
    week: Sequence[Sequence[Period]] | None = None,
    standard_periods: Sequence[Period] | None = None,
) -> WorkingCalendar:
    """The working calendar for one center (or the national default when ``center_code`` is None)."""
    overrides = _overrides(center_code)

    def days_off(year: int) -> set[date]:
        days = {d for d in _package_year(year) if d.year == year}
        for day, override in overrides.items():
            if day.year != year:
                continue
            if override.kind == CalendarOverride.Kind.DAY_OFF:
                days.add(day)
            else:
                days.discard(day)
        return days

    def extra_working_days(year: int) -> set[date]:
        package = _package_year(year)
        days = {d for d in package.weekend_workdays if d.year == year}
        for day, override in overrides.items():
            if day.year != year:
                continue
            if override.kind == CalendarOverride.Kind.WORKING_DAY:
                days.add(day)
            else:
                days.discard(day)
        return days

    return WorkingCalendar(
        tz=tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz),
        week=tuple(tuple(day) for day in week) if week is not None else DEFAULT_WEEK,
        standard_periods=tuple(standard_periods) if standard_periods else DEFAULT_PERIODS,
        days_off=YearlyDates(days_off),
        extra_working_days=YearlyDates(extra_working_days),
    )


@dataclass(frozen=True)
class CalendarDay:
    date: date
    kind: str  # "day_off" or "working_day"
    name: str
    source: str  # "holidays" (the national calendar) or "override"


def calendar_special_days(
    *, calendar: WorkingCalendar, center_code: str | None, year: int, language: str = "vi"
) -> list[CalendarDay]:
    """The days off (holidays, swaps) and extra working days of ``year`` that the calendar uses."""
    package = _package_year(year, language)
    overrides = _overrides(center_code)
    result: list[CalendarDay] = []
    for day in sorted(_dates_of_year(calendar.days_off, year)):
        if day in overrides:
            result.append(CalendarDay(day, "day_off", overrides[day].name, "override"))
        else:
            result.append(CalendarDay(day, "day_off", package.get(day, ""), "holidays"))
    for day in sorted(_dates_of_year(calendar.extra_working_days, year)):
        name = overrides[day].name if day in overrides else ""
        source = "override" if day in overrides else "holidays"
        if not name and day in package.weekend_workdays:
            with translation.override(language):
                name = _("Ngày làm việc bù")
        result.append(CalendarDay(day, "working_day", name, source))
    result.sort(key=lambda d: d.date)
    return result


def _dates_of_year(dates: frozenset[date] | YearlyDates, year: int) -> frozenset[date]:
    if isinstance(dates, YearlyDates):
        return dates.year(year)
    return frozenset(d for d in dates if d.year == year)
