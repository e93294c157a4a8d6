"""When a dossier accepted at a moment is due, for each unit of processing time.

Hạnh Phúc works the national default (Mon–Fri 07:30–11:30 and 13:30–17:30, one working day is
8 hours). In 2026 Tết is off from Mon 16 to Fri 20 February.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.models import ProcessingTime, TimeUnit
from motcua.catalog.selectors import due_at
from motcua.organization.selectors import center_calendar
from motcua.organization.services import working_periods_set
from tests.factories import staff

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, hour: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hour}:00+07:00")


def pt(value, unit: str) -> ProcessingTime:
    return ProcessingTime(channel=1, value=Decimal(str(value)), unit=unit)


@pytest.fixture
def calendar(center):
    return center_calendar(center=center)


@pytest.mark.parametrize(
    ("start", "value", "expected"),
    [
        # Fri 10:00 has 5h30 left; Tết takes Mon 16 – Fri 20; then 8h + 8h + 2h30.
        (at("2026-02-13"), 3, at("2026-02-25")),
        (at("2026-02-13"), 1, at("2026-02-23")),
        (at("2026-02-13"), "0.5", at("2026-02-13", "16:00")),
        (at("2026-02-13"), "1.5", at("2026-02-23", "16:00")),
        (at("2026-02-13", "07:30"), 1, at("2026-02-13", "17:30")),
        # Received on Saturday: counting starts Monday after Tết.
        (at("2026-02-14", "09:00"), 1, at("2026-02-23", "17:30")),
        # Received at lunch: counting starts at 13:30.
        (at("2026-02-12", "12:00"), "0.5", at("2026-02-12", "17:30")),
        # Received after hours on Thursday: counting starts Friday morning.
        (at("2026-02-12", "18:45"), 1, at("2026-02-13", "17:30")),
        # An ordinary week, no holiday: 5 working days from Monday 10:00 is next Monday 10:00.
        (at("2026-03-02"), 5, at("2026-03-09")),
        # Giỗ Tổ (Sun 26 Apr, off on Mon 27) and 30/4–1/5.
        (at("2026-04-24"), 3, at("2026-05-04")),
    ],
)
def test_working_days(calendar, start, value, expected):
    assert due_at(calendar, start, pt(value, TimeUnit.WORKING_DAYS)) == expected


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at("2026-02-13"), 4, at("2026-02-13", "16:00")),
        (at("2026-02-13"), 1, at("2026-02-13", "11:00")),
        (at("2026-02-13"), "1.5", at("2026-02-13", "11:30")),
        (at("2026-02-13", "16:00"), 8, at("2026-02-23", "16:00")),
        (at("2026-02-13", "11:00"), 2, at("2026-02-13", "15:00")),
    ],
)
def test_working_hours(calendar, start, hours, expected):
    assert due_at(calendar, start, pt(hours, TimeUnit.WORKING_HOURS)) == expected


def test_half_a_working_day_is_four_working_hours(calendar):
    start = at("2026-03-03", "09:15")

    half_day = due_at(calendar, start, pt("0.5", TimeUnit.WORKING_DAYS))

    assert half_day == due_at(calendar, start, pt(4, TimeUnit.WORKING_HOURS))
    assert half_day == at("2026-03-03", "15:15")


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Ends on a working day: the same time that day.
        (at("2026-03-02"), 10, at("2026-03-12")),
        (at("2026-03-02", "16:20"), 1, at("2026-03-03", "16:20")),
        # Ends on a Sunday or a Saturday: the same time on Monday (Civil Code art. 148).
        (at("2026-03-02"), 6, at("2026-03-09")),
        (at("2026-03-02"), 5, at("2026-03-09")),
        # Ends in Tết: the same time on the first working day after it.
        (at("2026-02-11", "09:00"), 5, at("2026-02-23", "09:00")),
        (at("2026-02-13"), 1, at("2026-02-23")),
        # Outside working hours the time is kept as it was.
        (at("2026-03-02", "19:00"), 2, at("2026-03-04", "19:00")),
        # 25 days across a month end.
        (at("2026-03-20"), 25, at("2026-04-14")),
    ],
)
def test_calendar_days(calendar, start, days, expected):
    assert due_at(calendar, start, pt(days, TimeUnit.DAYS)) == expected


@pytest.mark.parametrize(
    ("start", "expected_day"),
    [
        (at("2026-02-13"), "2026-02-13"),
        (at("2026-02-13", "18:00"), "2026-02-23"),  # after hours before Tết: after Tết
        (at("2026-03-07", "09:00"), "2026-03-09"),  # Saturday: Monday
    ],
)
def test_immediate_is_due_on_the_working_day_of_receipt(calendar, start, expected_day):
    due = due_at(calendar, start, pt(0, TimeUnit.IMMEDIATE))

    assert due >= start
    assert due.date().isoformat() == expected_day
    assert due.utcoffset() == timedelta(hours=7)


def test_immediate_during_working_hours_is_not_later_than_the_end_of_the_day(calendar):
    start = at("2026-03-03", "09:00")

    due = due_at(calendar, start, pt(0, TimeUnit.IMMEDIATE))

    assert start <= due <= at("2026-03-03", "17:30")


def test_within_the_day_is_due_at_the_end_of_the_working_day(calendar):
    due = due_at(calendar, at("2026-03-03", "09:00"), pt(0, TimeUnit.IMMEDIATE))

    assert due == at("2026-03-03", "17:30")


@pytest.mark.parametrize("days", ["0.5", "2.5"])
def test_fractional_calendar_days_are_not_cut_short(calendar, days):
    start = at("2026-03-02")

    due = due_at(calendar, start, pt(days, TimeUnit.DAYS))

    assert due >= start + timedelta(days=float(days))


def test_the_result_is_in_the_centers_zone_whatever_the_start_zone(calendar):
    start_utc = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi

    due = due_at(calendar, start_utc, pt(3, TimeUnit.WORKING_DAYS))

    assert due == at("2026-02-25")
    assert due.utcoffset() == timedelta(hours=7)
    assert due.isoformat() == "2026-02-25T10:00:00+07:00"


def test_a_center_that_works_saturday_mornings(center):
    weekdays = [((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))] * 5
    working_periods_set(
        actor=staff("center_admin", center=center),
        center=center,
        week=[*weekdays, ((time(7, 30), time(11, 30)),), ()],
    )
    calendar = center_calendar(center=center)

    # Fri 13 Feb 10:00: 5h30 left on Friday, the remaining 2h30 on Saturday morning.
    assert due_at(calendar, at("2026-02-13"), pt(1, TimeUnit.WORKING_DAYS)) == at("2026-02-14")
    # A calendar period ending on that Saturday stays on Saturday.
    assert due_at(calendar, at("2026-03-02"), pt(5, TimeUnit.DAYS)) == at("2026-03-07")
    # Sunday still is not.
    assert due_at(calendar, at("2026-03-02"), pt(6, TimeUnit.DAYS)) == at("2026-03-09")
