"""The staff side of appointments: the day's list (content, scoping, cancel, check-in at the
desk, no-show only after the window), booking for a caller, the bookings that lost their slot
(availability deactivated, a closure, a day off, capacity lowered), the admin's scoping and
warning, the staff home tiles, and the sweep's command and worker hook.

NOW is Sunday 29/11/2026 10:00 (+07); Monday 30/11 has slots 08:00–11:00 in quarters of two
places (see conftest)."""

from __future__ import annotations

import re
import threading
from datetime import date, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from motcua.appointments import selectors, services
from motcua.appointments.models import Appointment, AppointmentEvent, Availability, Closure
from motcua.appointments.workflow import Action, Status
from motcua.errors import Conflict
from motcua.organization.models import Role
from motcua.queueing import services as queue
from motcua.queueing.models import Ticket
from motcua.workcalendar.models import CalendarOverride
from tests.appointments.conftest import NOW, at
from tests.factories import PASSWORD, CounterFactory, staff
from tests.queueing.conftest import make_service

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)
DAY_URL = reverse("appointments:staff-day")
BOOK_URL = reverse("appointments:staff-book")


def book(service, start=None, *, phone="0912345678", now=NOW, name="Nguyễn Văn An", **fields):
    appointment, secret = services.appointment_reserve(
        center=service.center,
        service_code=service.code,
        start=start or at(30, 8),
        name=name,
        phone=phone,
        now=now,
        **fields,
    )
    services.appointment_confirm(code=appointment.code, secret=secret, now=now)
    appointment.refresh_from_db()
    return appointment


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def day_page(client, center, day=MONDAY, **params):
    return client.get(DAY_URL, {"center": center.code, "date": day.isoformat(), **params})


def act(client, center, action, code, **extra):
    data = {"center": center.code, "date": MONDAY.isoformat(), "action": action, "code": code}
    return client.post(DAY_URL, {**data, **extra})


# --- The day's list ---------------------------------------------------------------------------


def test_the_day_list_shows_each_service_with_its_counters_and_appointments(
    client, center, service, receptionist
):
    land = make_service(center, code="dat-dai", name="Đất đai", number_start=2001, number_end=2999)
    land.counters.add(CounterFactory(center=center, number=3, name="Đất đai"))
    for weekday in range(5):
        Availability.objects.create(
            center=center, service=land, weekday=weekday, start=time(8), end=time(10)
        )
    first = book(service, at(30, 8, 15), name="Trần Thị Bình", phone="0911111111")
    second = book(land, at(30, 9), name="Lê Văn Cường", phone="0922222222")
    other_day = book(service, at(1, 8, month=12), phone="0933333333")
    login(client, receptionist)

    with time_machine.travel(at(30, 7, 0), tick=False):
        response = day_page(client, center)

    assert response.status_code == 200
    html = response.content.decode()
    assert "30/11/2026" in html
    for appointment in (first, second):
        assert appointment.code in html
    assert other_day.code not in html
    assert "Trần Thị Bình" in html and "0911111111" in html
    assert "Quầy phục vụ: 1 – Hộ tịch" in html and "3 – Đất đai" in html
    # Grouped per service.
    assert (
        html.index('id="svc-ho-tich"')
        < html.index(f'data-code="{first.code}"')
        < html.index('id="svc-dat-dai"')
        < html.index(f'data-code="{second.code}"')
    )
    assert "2 lịch hẹn" in html
    # Day navigation and the service filter.
    assert "date=2026-11-29" in html and "date=2026-12-01" in html
    only_land = day_page(client, center, service="dat-dai").content.decode()
    assert second.code in only_land and first.code not in only_land


def test_a_checked_in_appointment_shows_its_ticket_and_the_counter_serving_it(
    client, center, service, counter, receptionist
):
    appointment = book(service, at(30, 8))
    _, ticket = services.appointment_check_in(
        center=center, scan=appointment.code, actor=receptionist, now=at(30, 7, 55)
    )
    queue.ticket_call_next(actor=receptionist, counter=counter, now=at(30, 8, 1))
    login(client, receptionist)

    with time_machine.travel(at(30, 8, 2), tick=False):
        html = day_page(client, center).content.decode()

    row = re.search(rf'<tr data-code="{appointment.code}".*?</tr>', html, re.S).group(0)
    assert ticket.display in row and "quầy 1" in row and "đã gọi" in row
    assert "Đã đến (đã lấy số)" in row


def test_staff_of_another_center_get_404_and_people_without_a_center_403(
    client, center, other_center, service
):
    appointment = book(service)
    stranger = staff(Role.RECEPTIONIST, other_center, username="khac")
    login(client, stranger)
    assert day_page(client, center).status_code == 404
    assert client.get(BOOK_URL, {"center": center.code}).status_code == 404
    # Their own center's list never shows another center's bookings.
    assert appointment.code not in day_page(client, other_center).content.decode()
    # Acting on another center's code through their own center changes nothing.
    response = act(client, other_center, "cancel", appointment.code)
    assert response.status_code == 302
    assert "Không tìm thấy lịch hẹn" in " ".join(flashes(response))
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED

    client.logout()
    nobody = staff(Role.POSTAL, center, username="buuchinh")
    login(client, nobody)
    assert client.get(DAY_URL).status_code == 403
    assert client.get(BOOK_URL).status_code == 403

    client.logout()
    assert client.get(DAY_URL).status_code == 302  # to the log-in


def test_cancel_from_the_list(client, center, service, receptionist):
    appointment = book(service)
    login(client, receptionist)

    with time_machine.travel(NOW, tick=False):
        response = act(client, center, "cancel", appointment.code, service="ho-tich")

    assert response.status_code == 302
    assert response["Location"].startswith(DAY_URL)
    assert parse_qs(urlparse(response["Location"]).query)["service"] == ["ho-tich"]
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    event = appointment.events.get(action=Action.CANCEL)
    assert event.actor == receptionist
    assert f"Đã hủy lịch hẹn {appointment.code}." in flashes(response)


def test_a_no_show_is_marked_by_hand_only_after_the_check_in_window(
    client, center, service, receptionist
):
    appointment = book(service, at(30, 8))
    login(client, receptionist)

    with time_machine.travel(at(30, 8, 5), tick=False):
        html = day_page(client, center).content.decode()
        assert 'value="no_show"' not in html
        response = act(client, center, "no_show", appointment.code)
    assert "Chỉ ghi nhận không đến sau 08:10 30/11/2026" in " ".join(flashes(response))
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED

    with time_machine.travel(at(30, 8, 11), tick=False):
        assert 'value="no_show"' in day_page(client, center).content.decode()
        response = act(client, center, "no_show", appointment.code)
    appointment.refresh_from_db()
    assert appointment.status == Status.NO_SHOW
    assert appointment.events.get(action=Action.NO_SHOW).actor == receptionist
    assert f"Đã ghi nhận lịch hẹn {appointment.code} không đến." in flashes(response)


def test_mark_no_show_service_refuses_strangers_and_other_statuses(center, other_center, service):
    appointment = book(service, at(30, 8))
    stranger = staff(Role.RECEPTIONIST, other_center, username="khac")
    with pytest.raises(Exception, match="Không tìm thấy lịch hẹn"):
        services.appointment_mark_no_show(actor=stranger, code=appointment.code, now=at(30, 9))
    receptionist = staff(Role.RECEPTIONIST, center, username="tn")
    services.appointment_cancel(code=appointment.code, secret=None, actor=receptionist, now=NOW)
    with pytest.raises(Conflict):
        services.appointment_mark_no_show(actor=receptionist, code=appointment.code, now=at(30, 9))


def test_check_in_at_the_desk_issues_a_ticket_inside_the_window_only(
    client, center, service, receptionist
):
    appointment = book(service, at(30, 8, 30))
    login(client, receptionist)

    with time_machine.travel(at(30, 8, 0), tick=False):
        assert 'value="check_in"' not in day_page(client, center).content.decode()
        response = act(client, center, "check_in", appointment.code)
    assert "Mời quay lại từ 08:15" in " ".join(flashes(response))
    assert not Ticket.objects.exists()

    with time_machine.travel(at(30, 8, 20), tick=False):
        assert 'value="check_in"' in day_page(client, center).content.decode()
        response = act(client, center, "check_in", appointment.code)
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    ticket = appointment.ticket
    assert ticket.source == Ticket.Source.STAFF and ticket.appointment_at == appointment.start
    assert appointment.events.get(action=Action.CHECK_IN).actor == receptionist
    assert f"Đã lấy số {ticket.display} cho lịch hẹn {appointment.code}" in " ".join(
        flashes(response)
    )


def test_an_unknown_action_or_a_bad_date_is_told_and_changes_nothing(
    client, center, service, receptionist
):
    appointment = book(service)
    login(client, receptionist)
    response = act(client, center, "delete", appointment.code)
    assert "Thao tác không hợp lệ." in flashes(response)
    response = client.get(DAY_URL, {"center": center.code, "date": "30/11"}, follow=True)
    assert response.status_code == 200
    assert "Ngày không hợp lệ; đang xem hôm nay." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


# --- Booking for a caller ---------------------------------------------------------------------


def test_a_receptionist_books_for_a_caller_and_reads_out_the_code_and_link(
    client, center, service, receptionist
):
    login(client, receptionist)
    with time_machine.travel(NOW, tick=False):
        page = client.get(BOOK_URL, {"center": center.code}).content.decode()
        assert "Hộ tịch" in page and "Thứ 2 30/11" in page  # the only service, chosen; Monday
        assert 'value="2026-11-30T08:00:00+07:00"' in page
        response = client.post(
            BOOK_URL,
            {
                "center": center.code,
                "service": "ho-tich",
                "date": "2026-11-30",
                "start": "2026-11-30T08:15:00+07:00",
                "name": "  Phạm   Thị Dung ",
                "phone": "0912 345 678",
                "email": "",
                "id_number": "001090012345",
                "consent": "on",
            },
        )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.status == Status.CONFIRMED
    assert appointment.source == Appointment.Source.STAFF
    assert appointment.created_by == receptionist
    assert (appointment.name, appointment.phone) == ("Phạm Thị Dung", "0912345678")
    assert appointment.start == at(30, 8, 15)
    assert [e.action for e in appointment.events.all()] == [Action.RESERVE, Action.CONFIRM]

    done = client.get(response["Location"])
    html = done.content.decode()
    assert appointment.code in html
    secret = re.search(r"\?secret=([\w-]+)", html).group(1)
    assert selectors.appointment_by_secret(code=appointment.code, secret=secret) == appointment
    assert "08:15" in html and "30/11/2026" in html

    # The page with the secret is only for the one who booked, in their session.
    client.logout()
    login(client, staff(Role.RECEPTIONIST, center, username="tiepnhan2"))
    assert client.get(response["Location"]).status_code == 404


def test_booking_for_a_caller_with_bad_details_says_what_is_wrong_and_books_nothing(
    client, center, service, receptionist
):
    login(client, receptionist)
    data = {
        "center": center.code,
        "service": "ho-tich",
        "date": "2026-11-30",
        "start": "2026-11-30T08:15:00+07:00",
        "name": "Phạm Thị Dung",
        "phone": "12345",
    }
    with time_machine.travel(NOW, tick=False):
        response = client.post(BOOK_URL, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Hãy hỏi và đánh dấu rằng người gọi đồng ý." in html
        assert 'value="Phạm Thị Dung"' in html  # what was typed stays

        response = client.post(BOOK_URL, {**data, "consent": "on"})
        assert response.status_code == 400
        assert "Số điện thoại không hợp lệ" in response.content.decode()

        response = client.post(BOOK_URL, {**data, "consent": "on", "start": ""})
        assert "Chọn giờ hẹn." in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_a_full_slot_for_a_caller_is_refused_with_the_slot_shown_full(
    client, center, service, receptionist
):
    book(service, at(30, 8), phone="0911111111")
    book(service, at(30, 8), phone="0922222222")
    login(client, receptionist)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            BOOK_URL,
            {
                "center": center.code,
                "service": "ho-tich",
                "date": "2026-11-30",
                "start": "2026-11-30T08:00:00+07:00",
                "name": "Phạm Thị Dung",
                "phone": "0933333333",
                "consent": "on",
            },
        )
    assert response.status_code == 400
    assert "Khung giờ này vừa hết chỗ" in response.content.decode()
    assert Appointment.objects.count() == 2


# --- Bookings that lost their slot ------------------------------------------------------------


def problem_codes(center, now=NOW) -> dict[str, str]:
    return {p.appointment.code: p.reason for p in selectors.appointments_without_slot(center, now)}


def test_deactivating_an_availability_lists_the_bookings_it_gave_and_cancels_nothing(
    client, center, service, receptionist
):
    monday = book(service, at(30, 8), phone="0911111111")
    tuesday = book(service, at(1, 8, month=12), phone="0922222222")
    assert problem_codes(center) == {}

    Availability.objects.filter(service=service, weekday=0).update(is_active=False)

    assert problem_codes(center) == {monday.code: "no_slot"}
    monday.refresh_from_db()
    assert monday.status == Status.CONFIRMED
    login(client, receptionist)
    with time_machine.travel(NOW, tick=False):
        html = day_page(client, center, day=date(2026, 12, 1)).content.decode()
        listed = client.get(DAY_URL, {"center": center.code, "problems": "1"}).content.decode()
    # Shown at the top of any day's page, with a warning.
    assert "1 lịch hẹn đã đặt không còn khung giờ" in html
    assert html.index(monday.code) < html.index(tuesday.code)
    assert f'data-problem="{monday.code}"' in listed and tuesday.code not in listed
    assert "0911111111" in listed


def test_a_closure_or_a_new_day_off_lists_the_bookings_they_cover(center, service):
    eight = book(service, at(30, 8), phone="0911111111")
    ten = book(service, at(30, 10), phone="0922222222")
    tuesday = book(service, at(1, 9, month=12), phone="0933333333")
    Closure.objects.create(center=center, start=at(30, 7, 30), end=at(30, 9), reason="Họp giao ban")
    assert problem_codes(center) == {eight.code: "no_slot"}

    # Another service's closure leaves this one alone.
    other = make_service(center, code="dat-dai", number_start=2001, number_end=2999)
    Closure.objects.create(
        center=center, service=other, start=at(30, 9), end=at(30, 11), reason="Mất điện"
    )
    assert ten.code not in problem_codes(center)

    CalendarOverride.objects.create(
        date=date(2026, 12, 1), kind=CalendarOverride.Kind.DAY_OFF, center_code=center.code
    )
    assert problem_codes(center) == {eight.code: "no_slot", tuesday.code: "no_slot"}


def test_lowering_capacity_lists_the_bookings_made_last(center, service):
    first = book(service, at(30, 8), phone="0911111111", now=NOW)
    later = book(service, at(30, 8), phone="0922222222", now=NOW + timedelta(minutes=5))
    Availability.objects.filter(service=service).update(capacity=1)

    problems = selectors.appointments_without_slot(center, NOW + timedelta(minutes=10))
    assert [(p.appointment.code, p.reason, p.capacity) for p in problems] == [
        (later.code, "over_capacity", 1)
    ]
    assert "giảm còn 1 chỗ" in problems[0].label
    assert first.code not in problem_codes(center)


def test_only_open_coming_bookings_are_problems(center, service, receptionist):
    held, _secret = services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=at(30, 8),
        name="Giữ Chỗ",
        phone="0911111111",
        now=NOW,
    )
    expired, _secret = services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=at(30, 9),
        name="Hết Hạn",
        phone="0922222222",
        now=NOW - timedelta(hours=1),
    )
    cancelled = book(service, at(30, 10), phone="0933333333")
    services.appointment_cancel(code=cancelled.code, secret=None, actor=receptionist, now=NOW)
    Availability.objects.filter(service=service).update(is_active=False)

    assert problem_codes(center) == {held.code: "no_slot"}
    assert expired.code not in problem_codes(center)
    # Once its time is past, a booking is no longer a problem to solve.
    assert problem_codes(center, now=at(30, 8, 20)) == {}


def test_a_booking_of_a_stopped_service_is_listed(center, service):
    appointment = book(service)
    service.is_active = False
    service.save()
    assert problem_codes(center) == {appointment.code: "no_service"}


def test_staff_move_a_booking_without_a_slot_to_a_free_one(client, center, service, receptionist):
    appointment = book(service, at(30, 8))
    Closure.objects.create(center=center, start=at(30, 8), end=at(30, 8, 15), reason="Họp")
    login(client, receptionist)
    with time_machine.travel(NOW, tick=False):
        html = client.get(DAY_URL, {"center": center.code, "problems": "1"}).content.decode()
        assert 'value="2026-11-30T08:15:00+07:00"' in html  # a free slot offered
        response = act(
            client,
            center,
            "move",
            appointment.code,
            start="2026-11-30T08:15:00+07:00",
            problems="1",
        )
    assert "problems=1" in response["Location"]
    appointment.refresh_from_db()
    assert appointment.start == at(30, 8, 15)
    assert appointment.events.get(action=Action.RESCHEDULE).actor == receptionist
    assert problem_codes(center) == {}


# --- Admin ------------------------------------------------------------------------------------


@pytest.fixture
def center_admin(center):
    return staff(Role.CENTER_ADMIN, center, username="quantri-a")


def test_admins_see_and_change_only_their_centers_availability_and_closures(
    client, center, other_center, service, center_admin
):
    theirs = make_service(other_center, code="ho-tich", name="Hộ tịch B")
    their_period = Availability.objects.create(
        center=other_center, service=theirs, weekday=0, start=time(8), end=time(9)
    )
    their_closure = Closure.objects.create(
        center=other_center, start=at(30, 8), end=at(30, 9), reason="Họp bên B"
    )
    login(client, center_admin)

    listing = client.get(reverse("admin:appointments_availability_changelist")).content.decode()
    assert "Hộ tịch B" not in listing and "Hộ tịch" in listing
    closures = client.get(reverse("admin:appointments_closure_changelist")).content.decode()
    assert "Họp bên B" not in closures
    for name, obj in (("availability", their_period), ("closure", their_closure)):
        response = client.get(reverse(f"admin:appointments_{name}_change", args=[obj.pk]))
        assert response.status_code == 302  # "does not exist" for them
        response = client.post(reverse(f"admin:appointments_{name}_delete", args=[obj.pk]))
        assert response.status_code == 302
    assert Availability.objects.filter(pk=their_period.pk).exists()
    assert Closure.objects.filter(pk=their_closure.pk).exists()

    add = client.get(reverse("admin:appointments_availability_add")).content.decode()
    assert "Hộ tịch B" not in add
    response = client.post(
        reverse("admin:appointments_availability_add"),
        {
            "service": theirs.pk,
            "weekday": 1,
            "start": "08:00",
            "end": "09:00",
            "slot_minutes": 15,
            "capacity": 1,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert not Availability.objects.filter(service=theirs, weekday=1).exists()

    response = client.post(
        reverse("admin:appointments_closure_add"),
        {
            "center": center.pk,
            "service": theirs.pk,
            "start_0": "30/11/2026",
            "start_1": "08:00",
            "end_0": "30/11/2026",
            "end_1": "09:00",
            "reason": "Thử",
        },
    )
    assert response.status_code == 200
    assert not Closure.objects.filter(reason="Thử").exists()


def test_saving_a_change_that_leaves_bookings_without_a_slot_warns_with_a_link(
    client, center, service, center_admin
):
    book(service, at(30, 8))
    period = Availability.objects.get(service=service, weekday=0)
    login(client, center_admin)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("admin:appointments_availability_change", args=[period.pk]),
            {
                "service": service.pk,
                "weekday": 0,
                "start": "08:00",
                "end": "11:00",
                "slot_minutes": 15,
                "capacity": 2,
                # is_active unticked: no more appointments on Mondays
            },
            follow=True,
        )
    html = response.content.decode()
    assert "1 lịch hẹn đã đặt không còn khung giờ" in html
    assert f"{DAY_URL}?center={center.code}&amp;problems=1" in html
    period.refresh_from_db()
    assert period.center == center and not period.is_active
    assert Appointment.objects.get().status == Status.CONFIRMED

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("admin:appointments_closure_add"),
            {
                "center": center.pk,
                "service": "",
                "start_0": "01/12/2026",
                "start_1": "07:00",
                "end_0": "01/12/2026",
                "end_1": "12:00",
                "reason": "Tổng vệ sinh",
            },
            follow=True,
        )
    assert Closure.objects.filter(reason="Tổng vệ sinh", center=center).exists()
    assert "1 lịch hẹn đã đặt không còn khung giờ" in response.content.decode()


def test_appointments_are_read_only_in_the_admin(client, center, service, center_admin):
    appointment = book(service)
    login(client, center_admin)
    listing = client.get(reverse("admin:appointments_appointment_changelist"))
    assert listing.status_code == 200 and appointment.code in listing.content.decode()
    for name in ("bookingpolicy", "availability", "closure"):
        assert client.get(reverse(f"admin:appointments_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:appointments_appointment_change", args=[appointment.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and appointment.code in html
    assert "secret_hash" not in html and appointment.secret_hash not in html
    assert "Giữ chỗ" in html or "reserve" in html  # the events, inline
    assert client.get(reverse("admin:appointments_appointment_add")).status_code == 403
    response = client.post(reverse("admin:appointments_appointment_delete", args=[appointment.pk]))
    assert response.status_code == 403
    assert Appointment.objects.filter(pk=appointment.pk).exists()


# --- Staff home, sweep command, worker --------------------------------------------------------


def test_the_staff_home_has_the_appointment_tiles_for_receptionists(
    client, center, service, receptionist
):
    book(service, at(30, 8))
    login(client, receptionist)
    with time_machine.travel(at(30, 7), tick=False):
        html = client.get(reverse("web:home")).content.decode()
    assert "Lịch hẹn hôm nay" in html and "Đặt lịch hộ" in html
    assert re.search(r'data-testid="appointments-today">\s*1 lịch hẹn', html)
    client.logout()
    login(client, staff(Role.POSTAL, center, username="buuchinh"))
    assert "Đặt lịch hộ" not in client.get(reverse("web:home")).content.decode()


def test_the_sweep_command_runs_once_and_prints_the_counts(center, service, capsys):
    book(service, at(30, 8), phone="0911111111")
    services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=at(30, 9),
        name="Giữ Chỗ",
        phone="0922222222",
        now=NOW,
    )
    with time_machine.travel(at(30, 8, 30), tick=False):
        call_command("appointments_sweep")
    assert capsys.readouterr().out.strip() == "expired: 1, no_show: 1, reminders: 0"
    assert set(Appointment.objects.values_list("status", flat=True)) == {
        Status.EXPIRED,
        Status.NO_SHOW,
    }
    assert AppointmentEvent.objects.filter(action=Action.NO_SHOW, actor=None).count() == 1


def test_the_worker_sweeps_appointments_every_round(monkeypatch):
    from motcua.web.management.commands import worker

    calls: list[str] = []
    monkeypatch.setattr(
        "motcua.appointments.services.appointments_sweep", lambda: calls.append("sweep")
    )
    monkeypatch.setattr(
        "motcua.notifications.services.notifications_flush", lambda: calls.append("flush")
    )

    def broken():
        raise RuntimeError("the queue is down")

    monkeypatch.setattr("motcua.queueing.services.tickets_expire_after_closing", broken)
    monkeypatch.setattr("motcua.queueing.voice.prune", lambda **kwargs: None)

    class TwoRounds(threading.Event):
        rounds = 0

        def wait(self, timeout=None):
            self.rounds += 1
            return self.rounds > 2

    worker._flush_loop(TwoRounds())
    # A failing duty does not hold back the sweep.
    assert calls == ["flush", "sweep", "flush", "sweep"]
