"""Dated cases of the deadline arithmetic on Vietnam's real calendar, 2025-2027.

Every expected value below was worked out by hand from the rules in DOMAIN.md ("Deadlines") and
the days off the ``holidays`` package gives for Vietnam (checked against holidays 0.109):

- 2025: 1 Jan; 27 Jan-1 Feb (Tết); 7 Apr (Hùng Kings); 30 Apr, 1 May, 2 May (swap for the
  working Saturday 26 Apr); 1-2 Sep.
- 2026: 1 Jan; 16-20 Feb (Tết); 26 Apr (Sun) + 27 Apr (observed); 30 Apr, 1 May; 31 Aug (swap for
  the working Saturday 22 Aug); 1-2 Sep; 24 Nov (Vietnam Culture Day, new in 2026).
- 2027: 1 Jan; 4-10 Feb (Tết); 16 Apr; 30 Apr; 1 May (Sat) + 3 May (observed); 2-3 Sep; 24 Nov.

The working day is 07:30-11:30 and 13:30-17:30 (1d = 8h, 0.5d = 4h); periods are half-open.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from motcua.workcalendar.calendar import (
    add_calendar_days,
    add_working_time,
    is_working_time,
    next_working_time,
    parse_duration,
    working_time_between,
)
from motcua.workcalendar.selectors import calendar_build

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:  # noqa: N802
    """A local (Asia/Ho_Chi_Minh) time."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


def U(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:  # noqa: N802
    """A UTC time (local = UTC + 7h)."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def cal():
    return calendar_build()


def test_package_days_off_are_the_ones_these_cases_assume(cal):
    """Guard: if the ``holidays`` package changes its Vietnam data, fail here first."""
    expected_off = {
        2025: [
            date(2025, 1, 1),
            *(date(2025, 1, d) for d in range(27, 32)),
            date(2025, 2, 1),
            date(2025, 4, 7),
            date(2025, 4, 30),
            date(2025, 5, 1),
            date(2025, 5, 2),
            date(2025, 9, 1),
            date(2025, 9, 2),
        ],
        2026: [
            date(2026, 1, 1),
            *(date(2026, 2, d) for d in range(16, 21)),
            date(2026, 4, 26),
            date(2026, 4, 27),
            date(2026, 4, 30),
            date(2026, 5, 1),
            date(2026, 8, 31),
            date(2026, 9, 1),
            date(2026, 9, 2),
            date(2026, 11, 24),
        ],
        2027: [
            date(2027, 1, 1),
            *(date(2027, 2, d) for d in range(4, 11)),
            date(2027, 4, 16),
            date(2027, 4, 30),
            date(2027, 5, 1),
            date(2027, 5, 3),
            date(2027, 9, 2),
            date(2027, 9, 3),
            date(2027, 11, 24),
        ],
    }
    expected_extra = {
        2025: {date(2025, 4, 26)},
        2026: {date(2026, 8, 22)},
        2027: set(),
    }
    for year, days in expected_off.items():
        assert cal.days_off.year(year) == frozenset(days), year
        assert cal.extra_working_days.year(year) == expected_extra[year], year


# (start, duration, expected local result, id)
ADD_CASES = [
    # --- An ordinary week (10-17 March 2025 has no holiday) ---------------------------------
    (L(2025, 3, 10, 10), "1d", L(2025, 3, 11, 10), "mon-1000-1d-is-tue-1000"),
    (L(2025, 3, 10, 10), "4h", L(2025, 3, 10, 16), "mid-morning-4h-crosses-lunch"),
    (L(2025, 3, 10, 7, 30), "4h", L(2025, 3, 10, 11, 30), "0730-4h-ends-exactly-at-1130"),
    (L(2025, 3, 10, 7, 30), "1d", L(2025, 3, 10, 17, 30), "0730-1d-ends-exactly-at-1730"),
    (L(2025, 3, 10, 13, 30), "1.5d", L(2025, 3, 11, 17, 30), "1330-1.5d-ends-at-period-end"),
    (L(2025, 3, 10, 6), "4h", L(2025, 3, 10, 11, 30), "before-opening-counts-from-0730"),
    (L(2025, 3, 10, 0, 0), "1h", L(2025, 3, 10, 8, 30), "midnight-counts-from-0730"),
    (L(2025, 3, 10, 12), "1h", L(2025, 3, 10, 14, 30), "lunch-break-counts-from-1330"),
    (L(2025, 3, 10, 11, 30), "30m", L(2025, 3, 10, 14), "at-1130-exactly-is-lunch"),
    (L(2025, 3, 10, 11, 30), "0.5d", L(2025, 3, 10, 17, 30), "at-1130-0.5d-is-the-afternoon"),
    (L(2025, 3, 10, 11), "90m", L(2025, 3, 10, 14, 30), "90m-across-lunch"),
    (L(2025, 3, 10, 18), "1h", L(2025, 3, 11, 8, 30), "after-closing-next-morning"),
    (L(2025, 3, 10, 17, 30), "2h", L(2025, 3, 11, 9, 30), "at-1730-exactly-is-closed"),
    (L(2025, 3, 11, 15), "0.5d", L(2025, 3, 12, 9), "afternoon-0.5d-overnight"),
    (L(2025, 3, 10, 7, 30), "1d 4h", L(2025, 3, 11, 11, 30), "1d-4h"),
    (L(2025, 3, 12, 14), "3d", L(2025, 3, 17, 14), "wed-3d-over-weekend"),
    (L(2025, 3, 10, 10), "5d", L(2025, 3, 17, 10), "5d-is-a-week"),
    (L(2025, 3, 3, 9), "10d", L(2025, 3, 17, 9), "10d-is-two-weeks"),
    (L(2025, 3, 14, 16), "0.5d", L(2025, 3, 17, 10), "fri-1600-0.5d-is-mon-1000"),
    (L(2025, 3, 14, 17, 30), "1m", L(2025, 3, 17, 7, 31), "fri-closing-1m"),
    (L(2025, 3, 15, 9), "1h", L(2025, 3, 17, 8, 30), "saturday-start"),
    (L(2025, 3, 16, 23, 59), "0.5d", L(2025, 3, 17, 11, 30), "sunday-night-start"),
    # --- New Year, crossing the year end -----------------------------------------------------
    (L(2024, 12, 31, 10), "1d", L(2025, 1, 2, 10), "newyear-2025-crossing"),
    (L(2025, 1, 1, 9), "4h", L(2025, 1, 2, 11, 30), "newyear-2025-start-on-holiday"),
    (L(2025, 12, 31, 16), "0.5d", L(2026, 1, 2, 10), "newyear-2026-crossing"),
    (L(2026, 12, 31, 15), "1d", L(2027, 1, 4, 15), "newyear-2027-crossing-to-monday"),
    # --- Tết ------------------------------------------------------------------------------
    (L(2025, 1, 24, 10), "1d", L(2025, 2, 3, 10), "tet-2025-fri-1d"),
    (L(2025, 1, 29, 8), "0.5d", L(2025, 2, 3, 11, 30), "tet-2025-start-inside"),
    (L(2025, 1, 23, 8), "3d", L(2025, 2, 4, 8), "tet-2025-3d"),
    (L(2025, 1, 6, 8), "20d", L(2025, 2, 10, 8), "tet-2025-20d-from-january"),
    (L(2026, 2, 13, 10), "1d", L(2026, 2, 23, 10), "tet-2026-fri-13-feb-1d"),
    (L(2026, 2, 13, 17), "1h", L(2026, 2, 23, 8), "tet-2026-fri-closing-1h"),
    (L(2026, 2, 18, 9), "2h", L(2026, 2, 23, 9, 30), "tet-2026-start-inside"),
    (L(2027, 2, 3, 14), "1d", L(2027, 2, 11, 14), "tet-2027-wed-1d"),
    (L(2027, 2, 3, 17, 30), "0.5d", L(2027, 2, 11, 11, 30), "tet-2027-from-closing"),
    # --- Hùng Kings -----------------------------------------------------------------------
    (L(2025, 4, 4, 13, 30), "1d", L(2025, 4, 8, 11, 30), "hung-kings-2025-mon-7-apr"),
    (L(2026, 4, 24, 10), "1d", L(2026, 4, 28, 10), "hung-kings-2026-observed-mon"),
    (L(2026, 4, 24, 17), "1h", L(2026, 4, 28, 8), "hung-kings-2026-observed-mon-1h"),
    (L(2026, 4, 26, 9), "1d", L(2026, 4, 28, 17, 30), "hung-kings-2026-start-on-sunday"),
    (L(2027, 4, 15, 16), "0.5d", L(2027, 4, 19, 10), "hung-kings-2027-fri-16-apr"),
    # --- 30/4 and 1/5, and the 2025 swap (Sat 26 Apr worked, Fri 2 May off) ------------------
    (L(2025, 4, 25, 10), "1d", L(2025, 4, 26, 10), "swap-2025-fri-1d-lands-on-saturday"),
    (L(2025, 4, 25, 16), "0.5d", L(2025, 4, 26, 10), "swap-2025-fri-1600-0.5d"),
    (L(2025, 4, 26, 9), "1d", L(2025, 4, 28, 9), "swap-2025-start-on-saturday"),
    (L(2025, 4, 29, 10), "1d", L(2025, 5, 5, 10), "apr30-may2-2025-1d"),
    (L(2025, 4, 29, 17), "1h", L(2025, 5, 5, 8), "apr30-may2-2025-closing-1h"),
    (L(2026, 4, 29, 10), "1d", L(2026, 5, 4, 10), "apr30-may1-2026-1d"),
    (L(2026, 4, 28, 8), "3d", L(2026, 5, 5, 8), "hung-kings-and-apr30-2026-3d"),
    (L(2027, 4, 29, 10), "1d", L(2027, 5, 4, 10), "apr30-may1-observed-may3-2027"),
    # --- The 2026 swap (Sat 22 Aug worked, Mon 31 Aug off) and 2/9 --------------------------
    (L(2026, 8, 21, 16), "0.5d", L(2026, 8, 22, 10), "swap-2026-fri-lands-on-saturday"),
    (L(2026, 8, 22, 14), "1d", L(2026, 8, 24, 14), "swap-2026-start-on-saturday"),
    (L(2026, 8, 28, 10), "1d", L(2026, 9, 3, 10), "swap-2026-aug31-and-sep-1-2"),
    (L(2025, 8, 29, 10), "1d", L(2025, 9, 3, 10), "national-day-2025-sep-1-2"),
    (L(2027, 9, 1, 10), "1d", L(2027, 9, 6, 10), "national-day-2027-sep-2-3"),
    # --- Vietnam Culture Day (24/11, since 2026) ----------------------------------------------
    (L(2026, 11, 23, 10), "1d", L(2026, 11, 25, 10), "culture-day-2026"),
    (L(2027, 11, 23, 16), "4h", L(2027, 11, 25, 10), "culture-day-2027"),
    (L(2025, 11, 21, 16), "0.5d", L(2025, 11, 24, 10), "no-culture-day-in-2025"),
    # --- Starts given in UTC (the result is still local) --------------------------------------
    (U(2025, 3, 10, 3), "1d", L(2025, 3, 11, 10), "utc-start-mon-1000-local"),
    (U(2025, 3, 9, 23, 30), "1h", L(2025, 3, 10, 8, 30), "utc-sunday-is-local-monday-0630"),
    (U(2026, 2, 13, 3), "1d", L(2026, 2, 23, 10), "utc-start-before-tet-2026"),
    (U(2025, 12, 31, 20), "1h", L(2026, 1, 2, 8, 30), "utc-31-dec-is-local-new-year"),
]


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [pytest.param(s, d, e, id=i) for s, d, e, i in ADD_CASES],
)
def test_add_working_time(cal, start, duration, expected):
    result = add_working_time(cal, start, parse_duration(duration).to_timedelta(cal))
    assert result == expected
    # Same instant *and* shown on the local clock.
    assert result.utcoffset() == timedelta(hours=7)
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)


def test_at_least_45_dated_cases():
    assert len(ADD_CASES) >= 45
    assert len({case[-1] for case in ADD_CASES}) == len(ADD_CASES)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [pytest.param(s, d, e, id=i) for s, d, e, i in ADD_CASES],
)
def test_working_time_between_inverts_the_table(cal, start, duration, expected):
    assert working_time_between(cal, start, expected) == parse_duration(duration).to_timedelta(cal)


BETWEEN_CASES = [
    (L(2025, 3, 10, 10), L(2025, 3, 11, 10), timedelta(hours=8), "one-day"),
    (L(2025, 3, 11, 10), L(2025, 3, 10, 10), -timedelta(hours=8), "reversed-is-negative"),
    (L(2025, 3, 10, 10), L(2025, 3, 10, 10), timedelta(), "empty"),
    (L(2025, 3, 10, 11, 30), L(2025, 3, 10, 13, 30), timedelta(), "lunch-break"),
    (L(2025, 3, 15, 0), L(2025, 3, 17, 0), timedelta(), "weekend"),
    (L(2025, 3, 10, 0), L(2025, 3, 17, 0), timedelta(hours=40), "a-week"),
    (L(2026, 2, 13, 10), L(2026, 2, 23, 10), timedelta(hours=8), "across-tet-2026"),
    (L(2026, 2, 14, 0), L(2026, 2, 22, 23, 59), timedelta(), "tet-2026-no-work"),
    (L(2025, 4, 25, 10), L(2025, 4, 26, 10), timedelta(hours=8), "swap-saturday-2025"),
    (L(2026, 8, 22, 0), L(2026, 8, 23, 0), timedelta(hours=8), "swap-saturday-2026"),
    (L(2026, 8, 31, 0), L(2026, 9, 3, 0), timedelta(), "aug31-sep2-2026"),
    (U(2025, 3, 10, 0, 30), U(2025, 3, 10, 4, 30), timedelta(hours=4), "utc-is-the-morning"),
    # 2025: 261 weekdays - 12 weekday holidays + 1 working Saturday = 250 days.
    (L(2025, 1, 1), L(2026, 1, 1), timedelta(hours=250 * 8), "whole-2025"),
    # 2026: 261 weekdays - 13 weekday holidays + 1 working Saturday = 249 days.
    (L(2026, 1, 1), L(2027, 1, 1), timedelta(hours=249 * 8), "whole-2026"),
    # 2027: 261 weekdays - 12 weekday holidays (1/1, 5 weekdays of Tết, 16/4, 30/4, 3/5, 2-3/9,
    # 24/11) and no working Saturday = 249 days.
    (L(2027, 1, 1), L(2028, 1, 1), timedelta(hours=249 * 8), "whole-2027"),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"), [pytest.param(s, e, x, id=i) for s, e, x, i in BETWEEN_CASES]
)
def test_working_time_between(cal, start, end, expected):
    assert working_time_between(cal, start, end) == expected


IS_WORKING_CASES = [
    (L(2025, 3, 10, 7, 30), True, "opening-included"),
    (L(2025, 3, 10, 7, 29, 59), False, "before-opening"),
    (L(2025, 3, 10, 11, 29, 59), True, "just-before-lunch"),
    (L(2025, 3, 10, 11, 30), False, "1130-excluded"),
    (L(2025, 3, 10, 12), False, "lunch"),
    (L(2025, 3, 10, 13, 30), True, "afternoon-opening"),
    (L(2025, 3, 10, 17, 29, 59), True, "just-before-closing"),
    (L(2025, 3, 10, 17, 30), False, "1730-excluded"),
    (L(2025, 3, 15, 9), False, "saturday"),
    (L(2025, 3, 16, 9), False, "sunday"),
    (L(2025, 4, 26, 9), True, "swap-saturday-2025-morning"),
    (L(2025, 5, 2, 9), False, "swap-friday-2025-off"),
    (L(2026, 8, 22, 14), True, "swap-saturday-2026-afternoon"),
    (L(2026, 8, 22, 12), False, "swap-saturday-2026-lunch"),
    (L(2026, 8, 31, 9), False, "swap-monday-2026-off"),
    (L(2026, 2, 17, 9), False, "tet-2026"),
    (L(2025, 4, 7, 9), False, "hung-kings-2025"),
    (L(2026, 4, 27, 9), False, "hung-kings-2026-observed"),
    (L(2027, 5, 3, 9), False, "may1-2027-observed"),
    (L(2026, 11, 24, 9), False, "culture-day-2026"),
    (L(2025, 11, 24, 9), True, "no-culture-day-2025"),
    (L(2025, 1, 1, 9), False, "new-year-2025"),
    (U(2025, 3, 10, 0, 30), True, "utc-0030-is-local-0730"),
    (U(2025, 3, 10, 4, 30), False, "utc-0430-is-local-1130"),
]


@pytest.mark.parametrize(
    ("moment", "expected"), [pytest.param(m, x, id=i) for m, x, i in IS_WORKING_CASES]
)
def test_is_working_time(cal, moment, expected):
    assert is_working_time(cal, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(L(2025, 3, 10, 9), L(2025, 3, 10, 9), id="inside-is-itself"),
        pytest.param(L(2025, 3, 10, 11, 30), L(2025, 3, 10, 13, 30), id="at-1130"),
        pytest.param(L(2025, 3, 14, 17, 30), L(2025, 3, 17, 7, 30), id="friday-closing"),
        pytest.param(L(2025, 4, 25, 18), L(2025, 4, 26, 7, 30), id="swap-saturday-2025"),
        pytest.param(L(2026, 2, 13, 18), L(2026, 2, 23, 7, 30), id="tet-2026"),
    ],
)
def test_next_working_time(cal, moment, expected):
    assert next_working_time(cal, moment) == expected


CALENDAR_DAY_CASES = [
    # 1 Mar 2025 + 15 = Sunday 16 Mar -> Monday 17 Mar, same time.
    (L(2025, 3, 1, 9, 15), 15, L(2025, 3, 17, 9, 15), "lands-on-sunday"),
    (L(2025, 3, 14, 10), 15, L(2025, 3, 31, 10), "lands-on-saturday"),
    (L(2025, 3, 3, 10), 15, L(2025, 3, 18, 10), "lands-on-a-working-day"),
    (L(2025, 3, 3, 10), 0, L(2025, 3, 3, 10), "zero-days"),
    (L(2025, 3, 1, 20), 15, L(2025, 3, 17, 20), "time-kept-even-out-of-hours"),
    (L(2026, 2, 3, 14), 15, L(2026, 2, 23, 14), "lands-in-tet-2026"),
    (L(2026, 2, 6, 14), 10, L(2026, 2, 23, 14), "lands-on-first-day-of-tet-2026"),
    (L(2025, 1, 12, 8), 15, L(2025, 2, 3, 8), "lands-in-tet-2025"),
    (L(2025, 4, 11, 10), 15, L(2025, 4, 26, 10), "lands-on-swap-saturday-2025"),
    (L(2025, 4, 15, 10), 15, L(2025, 5, 5, 10), "lands-on-30-apr-2025"),
    (L(2026, 8, 16, 10), 15, L(2026, 9, 3, 10), "lands-on-swap-monday-2026"),
    (L(2026, 11, 9, 10), 15, L(2026, 11, 25, 10), "lands-on-culture-day-2026"),
    (L(2026, 12, 17, 10), 15, L(2027, 1, 4, 10), "crosses-year-lands-on-new-year"),
    # 28 Feb 20:00 UTC is 1 Mar 03:00 local: the local date counts.
    (U(2025, 2, 28, 20), 15, L(2025, 3, 17, 3), "utc-start-counts-the-local-date"),
]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [pytest.param(s, n, e, id=i) for s, n, e, i in CALENDAR_DAY_CASES],
)
def test_add_calendar_days(cal, start, days, expected):
    result = add_calendar_days(cal, start, days)
    assert result == expected
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)
