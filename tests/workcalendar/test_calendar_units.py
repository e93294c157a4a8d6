"""Unit tests: durations, errors, invalid calendars, and admin overrides of the holiday calendar."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from motcua.workcalendar.calendar import (
    DEFAULT_PERIODS,
    MAX_WORKING_DAYS,
    CalendarError,
    WorkingCalendar,
    WorkingDuration,
    add_calendar_days,
    add_working_time,
    is_working_time,
    next_working_time,
    parse_duration,
    working_time_between,
)
from motcua.workcalendar.models import CalendarOverride
from motcua.workcalendar.selectors import calendar_build, calendar_special_days

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2025, 3, 10, 10, tzinfo=VN)  # an ordinary Monday, no holiday that week


# --- parse_duration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "seconds"),
    [
        ("3d", 3, 0),
        ("4h", 0, 4 * 3600),
        ("0.5d", Decimal("0.5"), 0),
        ("0,5d", Decimal("0.5"), 0),  # the Vietnamese decimal comma
        ("1d 4h", 1, 4 * 3600),
        ("1d4h", 1, 4 * 3600),
        ("90m", 0, 90 * 60),
        ("1h 30m", 0, 90 * 60),
        (" 2D ", 2, 0),
        ("1.5h", 0, 90 * 60),
        (f"{MAX_WORKING_DAYS}d", MAX_WORKING_DAYS, 0),  # the cap itself is allowed
        (f"{MAX_WORKING_DAYS * 8}h", 0, MAX_WORKING_DAYS * 8 * 3600),
    ],
)
def test_parse_duration_good(text, days, seconds):
    assert parse_duration(text) == WorkingDuration(days=Decimal(days), seconds=Decimal(seconds))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "3x",
        "3",
        "d",
        "-1d",
        "+1d",
        "1.5.5d",
        "3d x",
        "x3d",
        "1d-4h",
        "1e3d",
        f"{MAX_WORKING_DAYS + 1}d",
        f"{MAX_WORKING_DAYS}d 1m",
        f"{MAX_WORKING_DAYS * 8}h 1m",
        "99999999999999999999d",
    ],
)
def test_parse_duration_bad(text):
    with pytest.raises(CalendarError):
        parse_duration(text)


def test_calendar_error_is_a_value_error():
    assert issubclass(CalendarError, ValueError)


@pytest.mark.parametrize(
    ("text", "hours"),
    [("1d", 8), ("0.5d", 4), ("1d 4h", 12), ("3d", 24), ("90m", 1.5), ("0.25d", 2)],
)
def test_to_timedelta_with_the_default_day(text, hours):
    assert parse_duration(text).to_timedelta(WorkingCalendar()) == timedelta(hours=hours)


def test_to_timedelta_uses_the_calendars_standard_day():
    # 08:00-12:00 and 13:00-17:30: a 8.5-hour day.
    cal = WorkingCalendar(
        standard_periods=((time(8), time(12)), (time(13), time(17, 30))),
        week=(((time(8), time(12)), (time(13), time(17, 30))),) * 5 + ((), ()),
    )
    assert cal.day_length == timedelta(hours=8, minutes=30)
    assert parse_duration("1d").to_timedelta(cal) == timedelta(hours=8, minutes=30)
    assert parse_duration("2d 1h").to_timedelta(cal) == timedelta(hours=18)
    # 1d from 08:00 on Monday is 17:30 on Monday.
    monday = datetime(2025, 3, 10, 8, tzinfo=VN)
    assert add_working_time(cal, monday, parse_duration("1d").to_timedelta(cal)) == monday.replace(
        hour=17, minute=30
    )


# --- Errors from the arithmetic --------------------------------------------------------------


NAIVE = datetime(2025, 3, 10, 10)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: add_working_time(c, NAIVE, timedelta(hours=1)), id="add"),
        pytest.param(lambda c: next_working_time(c, NAIVE), id="next"),
        pytest.param(lambda c: is_working_time(c, NAIVE), id="is-working"),
        pytest.param(lambda c: working_time_between(c, NAIVE, MONDAY), id="between-start"),
        pytest.param(lambda c: working_time_between(c, MONDAY, NAIVE), id="between-end"),
        pytest.param(lambda c: add_calendar_days(c, NAIVE, 3), id="calendar-days"),
    ],
)
def test_naive_datetime_is_refused(call):
    with pytest.raises(CalendarError, match="timezone-aware"):
        call(WorkingCalendar())


def test_negative_duration_is_refused():
    cal = WorkingCalendar()
    with pytest.raises(CalendarError):
        add_working_time(cal, MONDAY, timedelta(seconds=-1))
    with pytest.raises(CalendarError):
        add_working_time(cal, MONDAY, -timedelta(days=1))
    with pytest.raises(CalendarError):
        add_calendar_days(cal, MONDAY, -1)


# --- Invalid calendars -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "periods",
    [
        pytest.param(((time(7, 30), time(11, 30)), (time(11), time(17))), id="overlap"),
        pytest.param(
            ((time(13, 30), time(17, 30)), (time(7, 30), time(11, 30))), id="out-of-order"
        ),
        pytest.param(((time(17), time(8)),), id="end-before-start"),
        pytest.param(((time(8), time(8)),), id="empty-period"),
    ],
)
def test_invalid_periods_are_refused(periods):
    with pytest.raises(CalendarError):
        WorkingCalendar(standard_periods=periods)
    with pytest.raises(CalendarError):
        WorkingCalendar(week=(DEFAULT_PERIODS,) * 4 + (periods, (), ()))


def test_touching_periods_are_allowed():
    periods = ((time(8), time(12)), (time(12), time(16)))
    cal = WorkingCalendar(standard_periods=periods, week=(periods,) * 5 + ((), ()))
    start = datetime(2025, 3, 10, 11, tzinfo=VN)
    assert add_working_time(cal, start, timedelta(hours=2)) == start.replace(hour=13)


def test_a_week_has_seven_days():
    with pytest.raises(CalendarError):
        WorkingCalendar(week=(DEFAULT_PERIODS,) * 6)


def test_the_standard_day_needs_a_period():
    with pytest.raises(CalendarError):
        WorkingCalendar(standard_periods=())


def test_a_calendar_with_no_working_time_raises_instead_of_looping():
    cal = WorkingCalendar(week=((),) * 7)
    with pytest.raises(CalendarError, match="no working"):
        add_working_time(cal, MONDAY, timedelta(hours=1))
    with pytest.raises(CalendarError, match="no working"):
        next_working_time(cal, MONDAY)
    with pytest.raises(CalendarError, match="no working"):
        add_calendar_days(cal, MONDAY, 3)
    assert working_time_between(cal, MONDAY, MONDAY + timedelta(days=30)) == timedelta()
    assert not is_working_time(cal, MONDAY)


def test_every_day_off_raises_instead_of_looping():
    every_day = frozenset(date(2025, 1, 1) + timedelta(days=n) for n in range(4 * 366))
    cal = WorkingCalendar(days_off=every_day)
    with pytest.raises(CalendarError):
        add_working_time(cal, MONDAY, timedelta(hours=1))


def test_extra_working_day_wins_over_day_off():
    saturday = date(2025, 3, 15)
    cal = WorkingCalendar(days_off=frozenset({saturday}), extra_working_days=frozenset({saturday}))
    assert cal.periods_on(saturday) == DEFAULT_PERIODS


# --- Admin overrides ---------------------------------------------------------------------------

TUESDAY = date(2025, 3, 11)
WEDNESDAY = date(2025, 3, 12)
SATURDAY = date(2025, 3, 15)
CENTER = "hanh-phuc"


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=VN)


def _add(cal: WorkingCalendar, start: datetime, text: str) -> datetime:
    return add_working_time(cal, start, parse_duration(text).to_timedelta(cal))


@pytest.mark.django_db
def test_national_extra_day_off():
    CalendarOverride.objects.create(
        date=WEDNESDAY, kind=CalendarOverride.Kind.DAY_OFF, name="Bão số 3"
    )
    cal = calendar_build()
    assert not cal.is_working_day(WEDNESDAY)
    assert _add(cal, _at(TUESDAY, 10), "1d") == _at(date(2025, 3, 13), 10)
    # Also for every center without an override of its own.
    assert not calendar_build(center_code=CENTER).is_working_day(WEDNESDAY)


@pytest.mark.django_db
def test_national_extra_working_saturday():
    CalendarOverride.objects.create(
        date=SATURDAY, kind=CalendarOverride.Kind.WORKING_DAY, name="Làm bù"
    )
    cal = calendar_build()
    assert cal.is_working_day(SATURDAY)
    assert cal.periods_on(SATURDAY) == DEFAULT_PERIODS
    assert _add(cal, _at(date(2025, 3, 14), 16), "0.5d") == _at(SATURDAY, 10)
    assert not cal.is_working_day(date(2025, 3, 22))  # only that Saturday


@pytest.mark.django_db
def test_override_can_cancel_a_package_holiday_and_a_make_up_saturday():
    CalendarOverride.objects.create(date=date(2026, 11, 24), kind=CalendarOverride.Kind.WORKING_DAY)
    CalendarOverride.objects.create(date=date(2026, 8, 22), kind=CalendarOverride.Kind.DAY_OFF)
    cal = calendar_build()
    assert cal.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 8, 22))
    # Untouched days of the package stay as they are.
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2025, 4, 26))


@pytest.mark.django_db
def test_center_override_beats_national_one():
    CalendarOverride.objects.create(date=WEDNESDAY, kind=CalendarOverride.Kind.DAY_OFF)
    CalendarOverride.objects.create(
        date=WEDNESDAY, kind=CalendarOverride.Kind.WORKING_DAY, center_code=CENTER
    )
    CalendarOverride.objects.create(date=SATURDAY, kind=CalendarOverride.Kind.WORKING_DAY)
    CalendarOverride.objects.create(
        date=SATURDAY, kind=CalendarOverride.Kind.DAY_OFF, center_code=CENTER
    )
    national = calendar_build()
    center = calendar_build(center_code=CENTER)
    other = calendar_build(center_code="nam-cuong")
    assert not national.is_working_day(WEDNESDAY)
    assert national.is_working_day(SATURDAY)
    assert center.is_working_day(WEDNESDAY)
    assert not center.is_working_day(SATURDAY)
    assert not other.is_working_day(WEDNESDAY)
    assert other.is_working_day(SATURDAY)
    # Tuesday 10:00 + 1d: Wednesday 10:00 at the center, Thursday 10:00 elsewhere.
    assert _add(center, _at(TUESDAY, 10), "1d") == _at(WEDNESDAY, 10)
    assert _add(national, _at(TUESDAY, 10), "1d") == _at(date(2025, 3, 13), 10)


@pytest.mark.django_db
def test_another_centers_override_does_not_apply():
    CalendarOverride.objects.create(
        date=WEDNESDAY, kind=CalendarOverride.Kind.DAY_OFF, center_code="nam-cuong"
    )
    assert calendar_build().is_working_day(WEDNESDAY)
    assert calendar_build(center_code=CENTER).is_working_day(WEDNESDAY)
    assert not calendar_build(center_code="nam-cuong").is_working_day(WEDNESDAY)


@pytest.mark.django_db
def test_calendar_build_custom_week_and_timezone():
    saturday_morning = ((time(7, 30), time(11, 30)),)
    cal = calendar_build(tz="Asia/Bangkok", week=[DEFAULT_PERIODS] * 5 + [saturday_morning, ()])
    assert cal.tz == ZoneInfo("Asia/Bangkok")
    assert cal.periods_on(SATURDAY) == saturday_morning
    assert cal.periods_on(date(2026, 2, 16)) == ()  # Tết is still off
    assert cal.periods_on(date(2026, 8, 22)) == DEFAULT_PERIODS  # make-up Saturday: full day


@pytest.mark.django_db
def test_calendar_special_days_lists_overrides():
    CalendarOverride.objects.create(
        date=WEDNESDAY, kind=CalendarOverride.Kind.DAY_OFF, name="Bão số 3"
    )
    CalendarOverride.objects.create(
        date=SATURDAY, kind=CalendarOverride.Kind.WORKING_DAY, name="Làm bù"
    )
    CalendarOverride.objects.create(
        date=date(2025, 3, 13), kind=CalendarOverride.Kind.DAY_OFF, center_code=CENTER
    )
    # A package holiday cancelled by an override: listed once, as a working day.
    CalendarOverride.objects.create(
        date=date(2025, 9, 2), kind=CalendarOverride.Kind.WORKING_DAY, name="Đi làm"
    )
    cal = calendar_build()
    days = calendar_special_days(calendar=cal, center_code=None, year=2025)
    assert [(d.kind, d.source, d.name) for d in days if d.date == date(2025, 9, 2)] == [
        ("working_day", "override", "Đi làm")
    ]
    by_date = {d.date: d for d in days}
    assert [d.date for d in days] == sorted(by_date)

    assert by_date[WEDNESDAY].kind == "day_off"
    assert by_date[WEDNESDAY].source == "override"
    assert by_date[WEDNESDAY].name == "Bão số 3"
    assert by_date[SATURDAY].kind == "working_day"
    assert by_date[SATURDAY].source == "override"
    assert by_date[SATURDAY].name == "Làm bù"
    assert date(2025, 3, 13) not in by_date  # another center's override

    # The package's days are there too, marked as such.
    assert by_date[date(2025, 1, 1)].kind == "day_off"
    assert by_date[date(2025, 1, 1)].source == "holidays"
    assert by_date[date(2025, 1, 1)].name
    assert by_date[date(2025, 4, 26)].kind == "working_day"
    assert by_date[date(2025, 4, 26)].source == "holidays"
    assert by_date[date(2025, 4, 26)].name
    assert by_date[date(2025, 5, 2)].kind == "day_off"

    center_cal = calendar_build(center_code=CENTER)
    center_days = calendar_special_days(calendar=center_cal, center_code=CENTER, year=2025)
    assert {d.date: d.source for d in center_days}[date(2025, 3, 13)] == "override"
