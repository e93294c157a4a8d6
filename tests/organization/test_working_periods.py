"""working_periods_set: a center's week, checked, and used by its calendar."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from motcua.errors import InvalidInput, NotAllowed
from motcua.organization.models import WorkingPeriod
from motcua.organization.selectors import center_calendar, center_week
from motcua.organization.services import working_periods_set
from motcua.workcalendar.calendar import DEFAULT_PERIODS, DEFAULT_WEEK, add_working_time
from tests.factories import staff

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 30), time(17, 30))
FULL = (MORNING, AFTERNOON)
WEEKDAYS_AND_SATURDAY_MORNING = [FULL] * 5 + [(MORNING,), ()]


def test_center_without_periods_works_the_national_default(center):
    week, standard = center_week(center=center)

    assert week == DEFAULT_WEEK
    assert standard == DEFAULT_PERIODS
    assert center_calendar(center=center).day_length.total_seconds() == 8 * 3600


def test_admin_sets_saturday_mornings(admin_a, center):
    working_periods_set(actor=admin_a, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    rows = list(WorkingPeriod.objects.filter(center=center).values_list("weekday", "start", "end"))
    assert len(rows) == 11
    assert (5, time(7, 30), time(11, 30)) in rows
    assert not any(weekday == 6 for weekday, _s, _e in rows)
    calendar = center_calendar(center=center)
    assert calendar.periods_on(date(2026, 3, 7)) == (MORNING,)  # a Saturday
    assert calendar.periods_on(date(2026, 3, 8)) == ()  # a Sunday


def test_setting_again_replaces_the_week(admin_a, center, other_center):
    working_periods_set(actor=admin_a, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)
    admin_b = staff("center_admin", center=other_center)
    working_periods_set(actor=admin_b, center=other_center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    working_periods_set(actor=admin_a, center=center, week=[(MORNING,)] * 5 + [(), ()])

    assert WorkingPeriod.objects.filter(center=center).count() == 5
    assert WorkingPeriod.objects.filter(center=other_center).count() == 11


def test_monday_defines_the_length_of_a_working_day(admin_a, center):
    short_monday = ((time(8, 0), time(12, 0)), (time(13, 0), time(15, 0)))  # 6h
    working_periods_set(actor=admin_a, center=center, week=[short_monday] + [FULL] * 4 + [(), ()])

    calendar = center_calendar(center=center)

    assert calendar.day_length.total_seconds() == 6 * 3600
    assert calendar.standard_periods == short_monday
    # 1d from Tuesday 3 March 2026 07:30 uses 6h of Tuesday's 8h.
    start = datetime(2026, 3, 3, 7, 30, tzinfo=VN)
    assert add_working_time(calendar, start, calendar.day_length) == datetime(
        2026, 3, 3, 15, 30, tzinfo=VN
    )


def test_make_up_saturday_works_mondays_periods(admin_a, center):
    monday = ((time(8, 0), time(11, 0)),)
    working_periods_set(actor=admin_a, center=center, week=[monday] + [FULL] * 4 + [(), ()])

    # Saturday 22 August 2026 is a make-up working day.
    assert center_calendar(center=center).periods_on(date(2026, 8, 22)) == monday


@pytest.mark.parametrize(
    ("week", "message"),
    [
        (
            [((time(7, 30), time(11, 30)), (time(11, 0), time(17, 0)))] + [FULL] * 4 + [(), ()],
            "Các khoảng giờ làm việc phải theo thứ tự",
        ),
        (
            [FULL] * 4 + [((time(13, 30), time(17, 30)), (time(7, 30), time(11, 30)))] + [(), ()],
            "Các khoảng giờ làm việc phải theo thứ tự",
        ),
        ([FULL, ((time(11, 30), time(7, 30)),)] + [FULL] * 3 + [(), ()], "Các khoảng"),
        ([FULL, ((time(9, 0), time(9, 0)),)] + [FULL] * 3 + [(), ()], "Các khoảng"),
        ([()] + [FULL] * 4 + [(), ()], "Thứ Hai là ngày làm việc chuẩn"),
        ([FULL] * 5 + [()], "Cần giờ làm việc cho đủ bảy ngày"),
        ([FULL] * 8, "Cần giờ làm việc cho đủ bảy ngày"),
        ([], "Cần giờ làm việc cho đủ bảy ngày"),
    ],
    ids=[
        "overlap",
        "out-of-order",
        "end-before-start",
        "empty-period",
        "monday-empty",
        "six-days",
        "eight-days",
        "no-days",
    ],
)
def test_refusals_leave_the_week_unchanged(admin_a, center, week, message):
    working_periods_set(actor=admin_a, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    with pytest.raises(InvalidInput) as caught:
        working_periods_set(actor=admin_a, center=center, week=week)

    assert caught.value.message.startswith(message)
    assert WorkingPeriod.objects.filter(center=center).count() == 11


@pytest.mark.parametrize("role", ["receptionist", "specialist", "leader", "postal"])
def test_non_admin_is_not_allowed(center, role):
    user = staff(role, center=center)

    with pytest.raises(NotAllowed):
        working_periods_set(actor=user, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    assert WorkingPeriod.objects.filter(center=center).count() == 0


def test_admin_of_another_center_is_not_allowed(admin_b, center):
    with pytest.raises(NotAllowed):
        working_periods_set(actor=admin_b, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    assert WorkingPeriod.objects.filter(center=center).count() == 0


def test_analyst_of_the_province_is_not_allowed(center, province):
    analyst = staff("analyst", province=province)

    with pytest.raises(NotAllowed):
        working_periods_set(actor=analyst, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)


def test_province_admin_is_allowed(center, province):
    boss = staff("province_admin", province=province)

    working_periods_set(actor=boss, center=center, week=WEEKDAYS_AND_SATURDAY_MORNING)

    assert WorkingPeriod.objects.filter(center=center).count() == 11
