"""Report periods: local dates of the centers' zone, turned into UTC bounds [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from motcua.errors import InvalidInput

# The longest period one request may ask for (a report over ten years is an export job).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """From ``first`` to ``last`` (both included), local dates of ``tz``."""

    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Midnight after the last day (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=self.tz)

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months = []
        current = self.first.replace(day=1)
        while current <= self.last:
            months.append(current)
            current = next_month(current)
        return months

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_period(month: date, tz: ZoneInfo) -> Period:
    first = month.replace(day=1)
    return Period(first, next_month(first) - timedelta(days=1), tz)


def parse_date(text: str, *, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("Ngày “%(value)s” (%(name)s) không đúng định dạng NNNN-TT-NN, ví dụ 2026-01-31.")
            % {"value": text[:20], "name": name},
            code="invalid_date",
        ) from None


def period_parse(*, first: str | None, last: str | None, tz: ZoneInfo, today: date) -> Period:
    """The period of ``from``/``to`` query values; missing values: this month up to today."""
    start = parse_date(first, name="from") if first else today.replace(day=1)
    end = parse_date(last, name="to") if last else max(today, start)
    if end < start:
        raise InvalidInput(
            _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), code="invalid_period"
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            _("Mỗi lần xem tối đa %(days)s ngày.") % {"days": MAX_DAYS}, code="period_too_long"
        )
    return Period(start, end, tz)
