"""GET /api/v1/calendar/due and /holidays: deadlines on a center's own working calendar.

Hanh Phuc works the national default (Mon–Fri 07:30–11:30, 13:30–17:30; 1d = 8h). In 2026 Tết
is off from Mon 16 to Fri 20 February, so one working day from Fri 13 Feb 10:00 (5h30 left that
day) ends on Mon 23 Feb at 10:00.
"""

from datetime import date, time

import pytest

from motcua.organization.services import working_periods_set
from motcua.workcalendar.models import CalendarOverride
from tests.factories import staff

pytestmark = pytest.mark.django_db

DUE = "/api/v1/calendar/due"
HOLIDAYS = "/api/v1/calendar/holidays"
START = "2026-02-13T10:00:00+07:00"


def due(client, *, center="hanh-phuc", start=START, duration="1d", **extra):
    return client.get(DUE, {"center": center, "start": start, "duration": duration}, **extra)


def test_one_working_day_over_tet(client, center):
    response = due(client)

    assert response.status_code == 200
    assert response.json() == {
        "due": "2026-02-23T10:00:00+07:00",
        "center": "hanh-phuc",
        "start": "2026-02-13T10:00:00+07:00",
        "duration": "1d",
        "working_minutes": 480,
    }


def test_encoded_plus_in_the_raw_query_string(client, center):
    response = client.get(f"{DUE}?center=hanh-phuc&start=2026-02-13T10:00:00%2B07:00&duration=1d")

    assert response.status_code == 200
    assert response.json()["due"] == "2026-02-23T10:00:00+07:00"


@pytest.mark.parametrize(
    ("duration", "expected", "minutes"),
    [
        ("4h", "2026-02-13T16:00:00+07:00", 240),
        ("0.5d", "2026-02-13T16:00:00+07:00", 240),
        ("90m", "2026-02-13T11:30:00+07:00", 90),
        ("3d", "2026-02-25T10:00:00+07:00", 1440),
    ],
)
def test_durations(client, center, duration, expected, minutes):
    body = due(client, duration=duration).json()

    assert body["due"] == expected
    assert body["working_minutes"] == minutes


def test_unencoded_plus_arrives_as_a_space_and_is_still_read(client, center):
    response = client.get(f"{DUE}?center=hanh-phuc&start=2026-02-13T10:00:00+07:00&duration=1d")

    assert response.status_code == 200
    assert response.json()["due"] == "2026-02-23T10:00:00+07:00"
    assert response.json()["start"] == "2026-02-13T10:00:00+07:00"


def test_naive_start_is_read_in_the_centers_zone(client, center):
    body = due(client, start="2026-02-13T10:00:00").json()

    assert body["start"] == "2026-02-13T10:00:00+07:00"
    assert body["due"] == "2026-02-23T10:00:00+07:00"


def test_utc_start_is_converted_to_the_centers_zone(client, center):
    body = due(client, start="2026-02-13T03:00:00Z").json()

    assert body["start"] == "2026-02-13T10:00:00+07:00"
    assert body["due"] == "2026-02-23T10:00:00+07:00"


def test_start_in_another_offset(client, center):
    # 05:00 in Paris (UTC+1 in February) is 11:00 in Hanoi: 30 minutes of the morning left.
    body = due(client, start="2026-02-13T05:00:00+01:00", duration="4h").json()

    assert body["start"] == "2026-02-13T11:00:00+07:00"
    assert body["due"] == "2026-02-13T17:00:00+07:00"


def test_naive_start_follows_a_center_in_another_zone(client, center):
    center.time_zone = "Asia/Tokyo"
    center.save()

    body = due(client, start="2026-02-13T10:00:00", duration="4h").json()

    assert body["start"] == "2026-02-13T10:00:00+09:00"
    assert body["due"] == "2026-02-13T16:00:00+09:00"


@pytest.mark.parametrize("start", ["13/02/2026 10:00", "hôm nay", "", "2026-02-30T10:00:00"])
def test_bad_start_is_a_400_in_vietnamese(client, center, start):
    response = due(client, start=start)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_start"
    assert body["message"] == (
        f"Thời điểm bắt đầu “{start}” không đúng định dạng ISO 8601, "
        "ví dụ 2026-02-13T10:00:00+07:00."
    )


@pytest.mark.parametrize("duration", ["3 ngày", "", "-1d", "1x", "d", "5000d"])
def test_bad_duration_is_a_400_in_vietnamese(client, center, duration):
    response = due(client, duration=duration)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_duration"
    assert body["message"].startswith(f"Thời hạn “{duration}” không hợp lệ")


def test_bad_start_in_english_with_the_language_cookie(client, center):
    client.cookies["motcua_language"] = "en"

    response = due(client, start="yesterday")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_start"
    assert response.json()["message"].startswith("The start “yesterday” is not an ISO 8601 time")


def test_bad_duration_in_english_with_accept_language(client, center):
    response = due(client, duration="ba ngày", headers={"Accept-Language": "en"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_duration"
    assert response.json()["message"].startswith("The duration “ba ngày” is not valid")
    assert response["Content-Language"] == "en"


def test_cookie_wins_over_accept_language(client, center):
    client.cookies["motcua_language"] = "vi"

    response = due(client, duration="x", headers={"Accept-Language": "en"})

    assert response.json()["message"].startswith("Thời hạn “x” không hợp lệ")


def test_missing_parameter_is_a_400_with_a_json_error(client, center):
    response = client.get(DUE, {"center": "hanh-phuc", "start": START})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_unknown_center_is_a_404(client, center):
    response = due(client, center="khong-co")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_center"


# --- the center's own calendar ---------------------------------------------------------------


def test_saturday_mornings_change_the_due_date(client, center):
    admin = staff("center_admin", center=center)
    weekdays = [((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))] * 5
    working_periods_set(
        actor=admin, center=center, week=[*weekdays, ((time(7, 30), time(11, 30)),), ()]
    )

    # Sat 14 Feb is not a holiday: the remaining 2h30 end on Saturday morning.
    assert due(client).json()["due"] == "2026-02-14T10:00:00+07:00"


def test_a_shorter_standard_day_changes_what_one_day_means(client, center):
    admin = staff("center_admin", center=center)
    morning = ((time(8, 0), time(12, 0)),)  # 1d = 4h
    working_periods_set(actor=admin, center=center, week=[morning] * 5 + [(), ()])

    body = due(client).json()

    assert body["working_minutes"] == 240
    # Fri 10:00–12:00 (2h), then Mon 23 Feb 08:00 + 2h.
    assert body["due"] == "2026-02-23T10:00:00+07:00"
    assert due(client, duration="2h").json()["due"] == "2026-02-13T12:00:00+07:00"


def test_a_center_override_changes_only_that_center(client, center, other_center):
    CalendarOverride.objects.create(
        date=date(2026, 2, 23),
        kind=CalendarOverride.Kind.DAY_OFF,
        center_code="hanh-phuc",
        name="Nghỉ sự kiện địa phương",
    )

    assert due(client).json()["due"] == "2026-02-24T10:00:00+07:00"
    assert due(client, center="nam-cuong").json()["due"] == "2026-02-23T10:00:00+07:00"


def test_a_national_override_changes_every_center(client, center, other_center):
    CalendarOverride.objects.create(
        date=date(2026, 2, 21),
        kind=CalendarOverride.Kind.WORKING_DAY,
        center_code="",
        name="Làm bù",
    )

    assert due(client).json()["due"] == "2026-02-21T10:00:00+07:00"
    assert due(client, center="nam-cuong").json()["due"] == "2026-02-21T10:00:00+07:00"


def test_a_center_override_wins_over_a_national_one(client, center, other_center):
    CalendarOverride.objects.create(
        date=date(2026, 2, 21), kind=CalendarOverride.Kind.WORKING_DAY, center_code=""
    )
    CalendarOverride.objects.create(
        date=date(2026, 2, 21), kind=CalendarOverride.Kind.DAY_OFF, center_code="hanh-phuc"
    )

    assert due(client).json()["due"] == "2026-02-23T10:00:00+07:00"
    assert due(client, center="nam-cuong").json()["due"] == "2026-02-21T10:00:00+07:00"


# --- holidays --------------------------------------------------------------------------------


def holidays(client, year=2026, center="hanh-phuc", **extra):
    return client.get(HOLIDAYS, {"center": center, "year": year}, **extra)


def test_holidays_of_2026(client, center):
    response = holidays(client)

    assert response.status_code == 200
    body = response.json()
    assert body["center"] == "hanh-phuc"
    assert body["year"] == 2026
    days_off = {day["date"]: day for day in body["days_off"]}
    for expected in ["2026-01-01", "2026-02-17", "2026-04-30", "2026-08-31", "2026-11-24"]:
        assert expected in days_off
        assert days_off[expected]["source"] == "holidays"
    assert days_off["2026-01-01"]["name"]
    extra = {day["date"]: day for day in body["extra_working_days"]}
    assert "2026-08-22" in extra
    assert extra["2026-08-22"]["name"] == "Ngày làm việc bù"
    assert all(day.startswith("2026-") for day in [*days_off, *extra])
    assert list(days_off) == sorted(days_off)


def test_holiday_names_in_english(client, center):
    body = holidays(client, headers={"Accept-Language": "en"}).json()

    extra = {day["date"]: day for day in body["extra_working_days"]}
    assert extra["2026-08-22"]["name"] == "Make-up working day"
    names = {day["date"]: day["name"] for day in body["days_off"]}
    assert "New Year" in names["2026-01-01"]


def test_holidays_include_the_centers_overrides(client, center, other_center):
    CalendarOverride.objects.create(
        date=date(2026, 3, 2),
        kind=CalendarOverride.Kind.DAY_OFF,
        center_code="hanh-phuc",
        name="Lễ hội địa phương",
    )

    mine = holidays(client).json()
    theirs = holidays(client, center="nam-cuong").json()

    assert {"date": "2026-03-02", "name": "Lễ hội địa phương", "source": "override"} in mine[
        "days_off"
    ]
    assert "2026-03-02" not in {day["date"] for day in theirs["days_off"]}


@pytest.mark.parametrize("year", [1800, 2201, -1])
def test_year_out_of_range_is_a_400(client, center, year):
    response = holidays(client, year=year)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_year",
        "message": "Năm phải trong khoảng 1900–2200.",
    }


def test_year_that_is_not_a_number_is_a_400(client, center):
    response = holidays(client, year="hai-nghin")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_holidays_of_an_unknown_center_is_a_404(client, center):
    response = holidays(client, center="khong-co")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_center"
