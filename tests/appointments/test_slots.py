"""Slot generation: the weekly availability over the working calendar (weekends, Tết, 2/9,
make-up Saturdays), closures, validity dates, capacities; and the booking window of a center
(horizon, earliest day, same-day cut-off) through ``selectors.slot_list``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest

from motcua.appointments import selectors
from motcua.appointments.models import Availability, BookingPolicy, Closure
from motcua.appointments.slots import Period, Slot, day_slots, weekday_of
from motcua.workcalendar.calendar import DEFAULT_PERIODS, WorkingCalendar, YearlyDates
from motcua.workcalendar.models import CalendarOverride
from tests.appointments.conftest import HCM, NOW, at
from tests.queueing.conftest import make_service

# --- A national calendar without the database (as workcalendar.selectors.calendar_build) -----


def _package(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def national_calendar(**fields) -> WorkingCalendar:
    return WorkingCalendar(
        tz=HCM,
        days_off=YearlyDates(lambda year: {d for d in _package(year) if d.year == year}),
        extra_working_days=YearlyDates(
            lambda year: {d for d in _package(year).weekend_workdays if d.year == year}
        ),
        **fields,
    )


CALENDAR = national_calendar()


def weekdays(start: time = time(8), end: time = time(11), minutes: int = 15, capacity: int = 2):
    """Monday–Friday, like the service fixture."""
    return [Period(weekday, start, end, minutes, capacity) for weekday in range(5)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HCM)


def starts(slots: list[Slot]) -> list[str]:
    return [f"{slot.start:%H:%M}" for slot in slots]


def quarter_hours(first: str, last: str) -> list[str]:
    hour, minute = map(int, first.split(":"))
    moment = datetime(2026, 1, 1, hour, minute, tzinfo=HCM)
    out = []
    while f"{moment:%H:%M}" <= last:
        out.append(f"{moment:%H:%M}")
        moment += timedelta(minutes=15)
    return out


MONDAY = date(2026, 11, 30)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)


# --- Days -----------------------------------------------------------------------------------


def test_a_normal_weekday_has_every_slot_of_its_period():
    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=weekdays())

    assert starts(slots) == quarter_hours("08:00", "10:45")
    assert len(slots) == 12
    assert slots[0] == Slot(local(MONDAY, 8), local(MONDAY, 8, 15), 2)
    assert slots[-1].end == local(MONDAY, 11)
    assert all(slot.capacity == 2 for slot in slots)
    assert all(slot.start.utcoffset() == timedelta(hours=7) for slot in slots)


def test_only_the_rows_of_the_day_s_weekday_count():
    periods = [Period(0, time(8), time(9), 30, 1), Period(1, time(14), time(15), 30, 1)]

    assert starts(day_slots(calendar=CALENDAR, day=MONDAY, periods=periods)) == ["08:00", "08:30"]
    tuesday = MONDAY + timedelta(days=1)
    assert starts(day_slots(calendar=CALENDAR, day=tuesday, periods=periods)) == ["14:00", "14:30"]


def test_the_weekend_has_no_slots_even_with_weekend_rows():
    periods = [
        *weekdays(),
        Period(5, time(8), time(11), 15, 2),
        Period(6, time(8), time(11), 15, 2),
    ]

    assert day_slots(calendar=CALENDAR, day=SATURDAY, periods=periods) == []
    assert day_slots(calendar=CALENDAR, day=SUNDAY, periods=periods) == []


def test_a_center_that_works_saturday_mornings_offers_its_saturday_rows():
    week = (DEFAULT_PERIODS,) * 5 + (((time(7, 30), time(11, 30)),), ())
    calendar = national_calendar(week=week)
    periods = [*weekdays(), Period(5, time(8), time(9), 30, 1)]

    assert starts(day_slots(calendar=calendar, day=SATURDAY, periods=periods)) == ["08:00", "08:30"]
    assert day_slots(calendar=calendar, day=SUNDAY, periods=periods) == []


def tet_2027() -> list[date]:
    """The days off of the Lunar New Year 2027, as the holidays package gives them."""
    package = _package(2027)
    return sorted(
        day
        for day, name in package.items()
        if day.month in (1, 2, 3) and "Tết" in name and "Dương lịch" not in name
    )


def test_tet_2027_has_no_slots_and_the_first_working_day_after_has_them():
    tet = tet_2027()
    # 29 Tết (Thursday 4/2/2027) to mùng 5 (Wednesday 10/2/2027), as the package has it.
    assert tet == [date(2027, 2, 4) + timedelta(days=n) for n in range(7)]
    periods = [Period(weekday, time(8), time(11), 15, 2) for weekday in range(7)]

    for day in tet:
        assert day_slots(calendar=CALENDAR, day=day, periods=periods) == [], day
        assert weekday_of(CALENDAR, day) is None

    after = tet[-1] + timedelta(days=1)
    assert after == date(2027, 2, 11)  # Thursday
    assert len(day_slots(calendar=CALENDAR, day=after, periods=periods)) == 12
    before = tet[0] - timedelta(days=1)  # Wednesday 3/2/2027 works
    assert len(day_slots(calendar=CALENDAR, day=before, periods=periods)) == 12


def test_tet_through_the_center_calendar(center, service):
    """The same through the database: the center's calendar and its service's rows."""
    for day in tet_2027():
        assert selectors.slots_of_day(service, day) == [], day
    assert len(selectors.slots_of_day(service, date(2027, 2, 11))) == 12


@pytest.mark.parametrize(
    "day",
    [date(2026, 9, 1), date(2026, 9, 2), date(2027, 9, 2), date(2027, 9, 3)],
    ids=["1/9/2026", "2/9/2026", "2/9/2027", "3/9/2027"],
)
def test_national_day_has_no_slots(day):
    assert day.weekday() < 5
    assert day_slots(calendar=CALENDAR, day=day, periods=weekdays()) == []


def test_the_days_around_national_day_have_slots():
    assert len(day_slots(calendar=CALENDAR, day=date(2026, 9, 3), periods=weekdays())) == 12
    # Monday 31/8/2026 is off, swapped for Saturday 22/8/2026.
    assert day_slots(calendar=CALENDAR, day=date(2026, 8, 31), periods=weekdays()) == []


def test_a_make_up_saturday_of_the_package_works_monday_s_availability():
    make_up = date(2026, 8, 22)
    assert make_up.weekday() == 5 and make_up in _package(2026).weekend_workdays
    periods = [
        Period(0, time(8), time(9), 20, 3),  # Monday
        Period(1, time(14), time(15), 30, 1),  # Tuesday: not used
        Period(5, time(9), time(10), 15, 1),  # a Saturday row: not used either
    ]

    slots = day_slots(calendar=CALENDAR, day=make_up, periods=periods)

    assert weekday_of(CALENDAR, make_up) == 0
    assert starts(slots) == ["08:00", "08:20", "08:40"]
    assert {slot.capacity for slot in slots} == {3}
    # The Saturday after is an ordinary one.
    assert day_slots(calendar=CALENDAR, day=date(2026, 8, 29), periods=periods) == []


def test_an_override_working_saturday_works_monday_s_availability(center, service):
    saturday = date(2026, 12, 5)
    assert selectors.slots_of_day(service, saturday) == []
    CalendarOverride.objects.create(
        date=saturday, kind=CalendarOverride.Kind.WORKING_DAY, center_code=center.code
    )
    Availability.objects.filter(service=service, weekday=0).update(start=time(9), end=time(10))

    slots = selectors.slots_of_day(service, saturday)

    assert starts(slots) == quarter_hours("09:00", "09:45")
    assert all(slot.start.date() == saturday for slot in slots)


def test_an_override_working_weekday_keeps_its_own_availability(center, service):
    """A holiday turned back into a working day (Tuesday 24/11/2026) is a Tuesday, not a
    Monday: a service booked only on Tuesdays has its slots there."""
    holiday = date(2026, 11, 24)
    Availability.objects.filter(service=service).exclude(weekday=1).delete()
    Availability.objects.filter(service=service).update(start=time(14), end=time(15))
    assert selectors.slots_of_day(service, holiday) == []
    CalendarOverride.objects.create(date=holiday, kind=CalendarOverride.Kind.WORKING_DAY)

    assert starts(selectors.slots_of_day(service, holiday)) == quarter_hours("14:00", "14:45")


def test_an_override_day_off_removes_the_slots(center, service):
    CalendarOverride.objects.create(
        date=MONDAY, kind=CalendarOverride.Kind.DAY_OFF, center_code=center.code, name="Bầu cử"
    )

    assert selectors.slots_of_day(service, MONDAY) == []
    assert len(selectors.slots_of_day(service, MONDAY + timedelta(days=1))) == 12


# --- Closures -------------------------------------------------------------------------------


def test_a_closure_of_part_of_a_morning_removes_exactly_the_overlapping_slots():
    closure = (local(MONDAY, 9, 10), local(MONDAY, 9, 40))

    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=weekdays(), closures=[closure])

    removed = set(quarter_hours("08:00", "10:45")) - set(starts(slots))
    assert removed == {"09:00", "09:15", "09:30"}


def test_a_closure_on_slot_boundaries_keeps_the_slots_it_only_touches():
    closure = (local(MONDAY, 9), local(MONDAY, 9, 30))

    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=weekdays(), closures=[closure])

    assert "08:45" in starts(slots)  # ends at 09:00
    assert "09:30" in starts(slots)  # begins at 09:30
    assert set(quarter_hours("08:00", "10:45")) - set(starts(slots)) == {"09:00", "09:15"}


def test_a_closure_given_in_another_zone_is_the_same_instant():
    utc = (local(MONDAY, 9).astimezone(UTC), local(MONDAY, 9, 15).astimezone(UTC))

    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=weekdays(), closures=[utc])

    assert "09:00" not in starts(slots) and len(slots) == 11


def test_a_service_closure_removes_only_that_service_s_slots(center, service, counter):
    other = make_service(center, code="dat-dai", name="Đất đai", counters=[counter])
    Availability.objects.create(
        center=center, service=other, weekday=0, start=time(8), end=time(11), capacity=1
    )
    Closure.objects.create(
        center=center,
        service=service,
        start=local(MONDAY, 8),
        end=local(MONDAY, 9),
        reason="Họp giao ban",
    )

    assert starts(selectors.slots_of_day(service, MONDAY)) == quarter_hours("09:00", "10:45")
    assert len(selectors.slots_of_day(other, MONDAY)) == 12
    # Only that day.
    assert len(selectors.slots_of_day(service, MONDAY + timedelta(days=7))) == 12


def test_a_center_closure_of_a_whole_day_removes_every_service_s_slots(center, service, counter):
    other = make_service(center, code="dat-dai", name="Đất đai", counters=[counter])
    Availability.objects.create(
        center=center, service=other, weekday=0, start=time(8), end=time(11), capacity=1
    )
    Closure.objects.create(
        center=center,
        start=local(MONDAY, 0),
        end=local(MONDAY + timedelta(days=1), 0),
        reason="Mất điện",
    )

    assert selectors.slots_of_day(service, MONDAY) == []
    assert selectors.slots_of_day(other, MONDAY) == []
    assert len(selectors.slots_of_day(service, MONDAY + timedelta(days=1))) == 12


def test_a_closure_of_another_center_changes_nothing(center, service, other_center):
    Closure.objects.create(
        center=other_center,
        start=local(MONDAY, 0),
        end=local(MONDAY + timedelta(days=1), 0),
        reason="Khác",
    )

    assert len(selectors.slots_of_day(service, MONDAY)) == 12


def test_a_closure_over_several_days_covers_each_of_them(center, service):
    Closure.objects.create(
        center=center,
        start=local(MONDAY, 10),
        end=local(MONDAY + timedelta(days=2), 8, 30),
        reason="Sửa chữa",
    )

    assert starts(selectors.slots_of_day(service, MONDAY)) == quarter_hours("08:00", "09:45")
    assert selectors.slots_of_day(service, MONDAY + timedelta(days=1)) == []
    assert starts(selectors.slots_of_day(service, MONDAY + timedelta(days=2))) == quarter_hours(
        "08:30", "10:45"
    )


# --- Rows -----------------------------------------------------------------------------------


def test_valid_from_and_valid_until_are_inclusive():
    first, last = date(2026, 12, 7), date(2026, 12, 14)  # two Mondays
    periods = [Period(0, time(8), time(9), 30, 1, valid_from=first, valid_until=last)]

    assert day_slots(calendar=CALENDAR, day=first - timedelta(days=7), periods=periods) == []
    assert len(day_slots(calendar=CALENDAR, day=first, periods=periods)) == 2
    assert len(day_slots(calendar=CALENDAR, day=last, periods=periods)) == 2
    assert day_slots(calendar=CALENDAR, day=last + timedelta(days=7), periods=periods) == []


def test_a_new_row_replacing_an_old_one_from_a_date():
    change = date(2026, 12, 7)
    periods = [
        Period(0, time(8), time(9), 30, 1, valid_until=change - timedelta(days=1)),
        Period(0, time(13), time(14), 30, 2, valid_from=change),
    ]

    assert starts(day_slots(calendar=CALENDAR, day=MONDAY, periods=periods)) == ["08:00", "08:30"]
    assert starts(day_slots(calendar=CALENDAR, day=change, periods=periods)) == ["13:00", "13:30"]


def test_two_rows_giving_the_same_slot_add_their_capacities():
    periods = [Period(0, time(8), time(10), 30, 2), Period(0, time(9), time(11), 30, 3)]

    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=periods)

    assert [(f"{s.start:%H:%M}", s.capacity) for s in slots] == [
        ("08:00", 2),
        ("08:30", 2),
        ("09:00", 5),
        ("09:30", 5),
        ("10:00", 3),
        ("10:30", 3),
    ]


def test_inactive_rows_give_nothing(center, service):
    Availability.objects.filter(service=service).update(is_active=False)

    assert selectors.slots_of_day(service, MONDAY) == []


def test_two_database_rows_add_capacity(center, service):
    Availability.objects.create(
        center=center, service=service, weekday=0, start=time(8), end=time(9), capacity=1
    )

    slots = selectors.slots_of_day(service, MONDAY)

    assert [s.capacity for s in slots[:4]] == [3, 3, 3, 3]
    assert {s.capacity for s in slots[4:]} == {2}


def test_a_slot_length_that_does_not_divide_the_period_drops_the_last_partial_slot():
    periods = [Period(0, time(8), time(9), 25, 1), Period(0, time(13, 30), time(15), 40, 1)]

    slots = day_slots(calendar=CALENDAR, day=MONDAY, periods=periods)

    assert [(f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in slots] == [
        ("08:00", "08:25"),
        ("08:25", "08:50"),
        ("13:30", "14:10"),
        ("14:10", "14:50"),
    ]


def test_a_period_shorter_than_one_slot_gives_nothing():
    periods = [Period(0, time(8), time(8, 10), 15, 1)]

    assert day_slots(calendar=CALENDAR, day=MONDAY, periods=periods) == []


# --- The booking window (selectors.slot_list) ------------------------------------------------


def test_slot_list_offers_tomorrow_by_default_and_not_today(service):
    # NOW is Sunday 29/11 10:00; tomorrow is Monday.
    tomorrow = selectors.slot_list(service=service, day=MONDAY, now=NOW)

    assert len(tomorrow) == 12
    assert tomorrow[0].start == at(30, 8)
    assert {(s.capacity, s.taken, s.remaining) for s in tomorrow} == {(2, 0, 2)}
    # On Monday itself, Monday is no longer bookable.
    assert selectors.slot_list(service=service, day=MONDAY, now=at(30, 7)) == []


def test_slot_list_stops_at_the_horizon(service):
    policy = BookingPolicy.objects.get(center=service.center)
    assert policy.horizon_days == 14
    last = NOW.date() + timedelta(days=14)  # Sunday 13/12: no slots anyway
    assert len(selectors.slot_list(service=service, day=last - timedelta(days=2), now=NOW)) == 12

    policy.horizon_days = 3
    policy.save()

    assert len(selectors.slot_list(service=service, day=date(2026, 12, 2), now=NOW)) == 12
    assert selectors.slot_list(service=service, day=date(2026, 12, 3), now=NOW) == []
    # A day in the past is never offered.
    assert selectors.slot_list(service=service, day=date(2026, 11, 27), now=NOW) == []


def test_earliest_days_ahead_moves_the_first_bookable_day(service):
    BookingPolicy.objects.filter(center=service.center).update(earliest_days_ahead=3)

    assert selectors.slot_list(service=service, day=MONDAY, now=NOW) == []
    assert selectors.slot_list(service=service, day=date(2026, 12, 1), now=NOW) == []
    assert len(selectors.slot_list(service=service, day=date(2026, 12, 2), now=NOW)) == 12


def test_same_day_booking_respects_the_cut_off(service):
    BookingPolicy.objects.filter(center=service.center).update(
        earliest_days_ahead=0, same_day_cutoff_minutes=60
    )
    now = at(30, 8, 20)

    slots = selectors.slot_list(service=service, day=MONDAY, now=now)

    # 09:20 at the earliest: 09:30 is the first slot.
    assert starts([Slot(s.start, s.end, s.capacity) for s in slots]) == quarter_hours(
        "09:30", "10:45"
    )
    BookingPolicy.objects.filter(center=service.center).update(same_day_cutoff_minutes=0)
    slots = selectors.slot_list(service=service, day=MONDAY, now=now)
    assert slots[0].start == at(30, 8, 30)  # 08:15 has begun
    # A slot beginning exactly at the cut-off is offered.
    slots = selectors.slot_list(service=service, day=MONDAY, now=at(30, 8, 15))
    assert slots[0].start == at(30, 8, 15)


def test_a_disabled_policy_offers_nothing(service):
    BookingPolicy.objects.filter(center=service.center).update(enabled=False)

    assert selectors.slot_list(service=service, day=MONDAY, now=NOW) == []
    assert selectors.days_with_slots(service=service, now=NOW) == []


def test_days_with_slots_lists_the_working_days_of_the_window(service):
    days = selectors.days_with_slots(service=service, now=NOW)

    assert [day for day, _remaining in days] == [
        date(2026, 11, 30) + timedelta(days=n) for n in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)
    ]
    assert {remaining for _day, remaining in days} == {24}
