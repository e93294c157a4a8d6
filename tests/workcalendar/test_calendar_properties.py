"""Properties of the working-time arithmetic, on calendars with a fixed set of holidays.

Pure: no database. Each property runs on several calendars: Vietnam's default week with its
2025-2026 days off and make-up Saturdays, a week with Saturday mornings worked, and a calendar in
a time zone with daylight saving time (Europe/Paris) with other periods.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.workcalendar.calendar import (
    DEFAULT_PERIODS,
    WorkingCalendar,
    add_calendar_days,
    add_working_time,
    is_working_time,
    next_working_time,
    working_time_between,
)

# No example database: it would leave a .hypothesis/ folder in the work tree.
settings.register_profile(
    "workcalendar",
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROPERTY = settings.get_profile("workcalendar")


def _days(*spans: tuple[date, date]) -> frozenset[date]:
    found: set[date] = set()
    for first, last in spans:
        day = first
        while day <= last:
            found.add(day)
            day += timedelta(days=1)
    return frozenset(found)


def _one(day: date) -> tuple[date, date]:
    return (day, day)


VN_DAYS_OFF = _days(
    _one(date(2025, 1, 1)),
    (date(2025, 1, 27), date(2025, 2, 1)),
    _one(date(2025, 4, 7)),
    (date(2025, 4, 30), date(2025, 5, 2)),
    (date(2025, 9, 1), date(2025, 9, 2)),
    _one(date(2026, 1, 1)),
    (date(2026, 2, 16), date(2026, 2, 20)),
    (date(2026, 4, 26), date(2026, 4, 27)),
    (date(2026, 4, 30), date(2026, 5, 1)),
    (date(2026, 8, 31), date(2026, 9, 2)),
    _one(date(2026, 11, 24)),
)
VN_EXTRA_WORKING = frozenset({date(2025, 4, 26), date(2026, 8, 22)})

SATURDAY_MORNING = ((time(7, 30), time(11, 30)),)
PARIS_PERIODS = ((time(9), time(12, 30)), (time(14), time(17, 30)))
PARIS_DAYS_OFF = _days(
    *(
        _one(day)
        for day in (
            date(2025, 1, 1),
            date(2025, 4, 21),
            date(2025, 5, 1),
            date(2025, 5, 8),
            date(2025, 5, 29),
            date(2025, 6, 9),
            date(2025, 7, 14),
            date(2025, 8, 15),
            date(2025, 11, 11),
            date(2025, 12, 25),
            date(2026, 1, 1),
            date(2026, 4, 6),
            date(2026, 5, 1),
            date(2026, 5, 8),
            date(2026, 5, 14),
            date(2026, 5, 25),
            date(2026, 7, 14),
            date(2026, 11, 11),
            date(2026, 12, 25),
        )
    ),
    # A whole closed fortnight in August.
    (date(2025, 8, 4), date(2025, 8, 15)),
)

CALENDARS = {
    "vietnam": WorkingCalendar(days_off=VN_DAYS_OFF, extra_working_days=VN_EXTRA_WORKING),
    "saturday-mornings": WorkingCalendar(
        week=(DEFAULT_PERIODS,) * 5 + (SATURDAY_MORNING, ()),
        days_off=VN_DAYS_OFF,
        extra_working_days=VN_EXTRA_WORKING,
    ),
    "paris-dst": WorkingCalendar(
        tz=ZoneInfo("Europe/Paris"),
        week=(PARIS_PERIODS,) * 5 + ((), ()),
        standard_periods=PARIS_PERIODS,
        days_off=PARIS_DAYS_OFF,
        # A Sunday worked (in spring, just after the clocks change on 30 March 2025).
        extra_working_days=frozenset({date(2025, 3, 30)}),
    ),
}
with_calendar = pytest.mark.parametrize("cal", list(CALENDARS.values()), ids=list(CALENDARS))

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 10, 31)
BOUNDARY_TIMES = sorted(
    {time(0)}
    | {
        t
        for periods in (DEFAULT_PERIODS, SATURDAY_MORNING, PARIS_PERIODS)
        for p in periods
        for t in p
    }
)

# A local wall-clock time (anywhere in the range, or exactly on a period boundary) and whether to
# hand it to the calendar in UTC instead of the calendar's own zone.
naive_moments = st.one_of(
    st.datetimes(
        min_value=datetime.combine(FIRST_DAY, time(0)),
        max_value=datetime.combine(LAST_DAY, time(23, 59)),
    ),
    st.builds(
        datetime.combine,
        st.dates(min_value=FIRST_DAY, max_value=LAST_DAY),
        st.sampled_from(BOUNDARY_TIMES),
    ),
)
moments = st.tuples(naive_moments, st.booleans())

# Up to 20 working days: any number of seconds, or whole half-hours (to land on boundaries).
durations = st.one_of(
    st.integers(min_value=0, max_value=20 * 8 * 3600).map(lambda s: timedelta(seconds=s)),
    st.integers(min_value=0, max_value=20 * 16).map(lambda k: timedelta(minutes=30 * k)),
    st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=20 * 8)),
)
positive_durations = durations.filter(lambda d: d > timedelta())


def at(cal: WorkingCalendar, moment: tuple[datetime, bool]) -> datetime:
    """An aware datetime for the drawn moment (imaginary DST times resolve to a real instant)."""
    naive, in_utc = moment
    instant = naive.replace(tzinfo=cal.tz).astimezone(UTC)
    return instant if in_utc else instant.astimezone(cal.tz)


def period_ends(cal: WorkingCalendar, moment: datetime) -> set[datetime]:
    return {end for _, end in cal.intervals_on(moment.astimezone(cal.tz).date())}


@with_calendar
@PROPERTY
@given(moment=moments, d1=durations, d2=durations)
def test_monotone_in_duration(cal, moment, d1, d2):
    t = at(cal, moment)
    d1, d2 = sorted((d1, d2))
    assert add_working_time(cal, t, d1) <= add_working_time(cal, t, d2)


@with_calendar
@PROPERTY
@given(m1=moments, m2=moments, d=durations)
def test_monotone_in_start(cal, m1, m2, d):
    t1, t2 = sorted((at(cal, m1), at(cal, m2)))
    assert add_working_time(cal, t1, d) <= add_working_time(cal, t2, d)


@with_calendar
@PROPERTY
@given(moment=moments, x=durations, y=positive_durations)
def test_additive(cal, moment, x, y):
    # Only for y > 0: when add(t, x) is a period end (11:30), add(11:30, 0) is the start of the
    # next period (13:30), because 11:30 itself is not working time, while add(t, x + 0) is
    # 11:30. See test_adding_zero_at_a_period_end_moves_to_the_next_period.
    t = at(cal, moment)
    assert add_working_time(cal, add_working_time(cal, t, x), y) == add_working_time(cal, t, x + y)


def test_adding_zero_at_a_period_end_moves_to_the_next_period():
    cal = CALENDARS["vietnam"]
    monday = datetime(2025, 3, 10, 7, 30, tzinfo=cal.tz)
    end_of_morning = add_working_time(cal, monday, timedelta(hours=4))
    assert end_of_morning == monday.replace(hour=11, minute=30)
    assert add_working_time(cal, end_of_morning, timedelta()) == monday.replace(hour=13, minute=30)


@with_calendar
@PROPERTY
@given(moment=moments, d=durations)
def test_working_time_between_inverts_add(cal, moment, d):
    t = at(cal, moment)
    end = add_working_time(cal, t, d)
    assert working_time_between(cal, t, end) == d
    assert working_time_between(cal, end, t) == -d


gaps = st.timedeltas(min_value=timedelta(), max_value=timedelta(days=30))


@with_calendar
@PROPERTY
@given(moment=moments, gap1=gaps, gap2=gaps)
def test_working_time_between_adds_up(cal, moment, gap1, gap2):
    a = at(cal, moment)
    b = (a.astimezone(UTC) + gap1).astimezone(a.tzinfo)  # real time, not wall-clock time
    c = (b.astimezone(UTC) + gap2).astimezone(a.tzinfo)
    ab = working_time_between(cal, a, b)
    assert timedelta() <= ab <= gap1
    assert ab + working_time_between(cal, b, c) == working_time_between(cal, a, c)
    if ab > timedelta():
        # Adding back the working time found in [a, b] reaches b, or the end of the last
        # working period before it.
        back = add_working_time(cal, a, ab)
        assert back <= b
        assert working_time_between(cal, back, b) == timedelta()


@with_calendar
@PROPERTY
@given(moment=moments, d=positive_durations)
def test_result_is_on_a_working_day(cal, moment, d):
    result = add_working_time(cal, at(cal, moment), d)
    assert result.tzinfo is cal.tz
    assert cal.is_working_day(result.date())
    assert result.date() not in cal.days_off or result.date() in cal.extra_working_days


@with_calendar
@PROPERTY
@given(moment=moments, d=durations)
def test_result_is_working_time_or_a_period_end(cal, moment, d):
    t = at(cal, moment)
    result = add_working_time(cal, t, d)
    assert is_working_time(cal, result) or result in period_ends(cal, result)
    assert result >= t
    # Wall clocks may jump (DST), real elapsed time is at least the working time.
    assert result.astimezone(UTC) - t.astimezone(UTC) >= d


@with_calendar
@PROPERTY
@given(moment=moments)
def test_next_working_time(cal, moment):
    t = at(cal, moment)
    found = next_working_time(cal, t)
    assert is_working_time(cal, found)
    if is_working_time(cal, t):
        assert found == t
    else:
        assert found > t
        assert working_time_between(cal, t, found) == timedelta()


@with_calendar
@PROPERTY
@given(moment=moments, days=st.integers(min_value=0, max_value=120))
def test_add_calendar_days(cal, moment, days):
    t = at(cal, moment)
    local = t.astimezone(cal.tz)
    result = add_calendar_days(cal, t, days)
    target = local.date() + timedelta(days=days)
    assert result.tzinfo is cal.tz
    assert result.time() == local.time()
    assert result.date() >= target
    assert cal.is_working_day(result.date())
    day = target
    while day < result.date():
        assert not cal.is_working_day(day)
        day += timedelta(days=1)
