"""The staff side of appointments in a real browser: a receptionist opens today's list from the
staff home, checks a citizen in at the desk, sees the bookings a closure left without a slot,
and books for a caller on the phone. Every page is also checked by axe-core (see conftest)."""

import os
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.appointments import services
from motcua.appointments.models import Appointment, Availability, BookingPolicy, Closure
from motcua.appointments.workflow import Status
from motcua.queueing.models import QueueService
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, CounterFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=HCM)
# Monday 30/11/2026, 07:50: the first appointments are at 08:00.
NOW = datetime(2026, 11, 30, 7, 50, tzinfo=HCM)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


@pytest.fixture
def bookable(center):
    counter = CounterFactory(center=center, number=1, name="Hộ tịch – Chứng thực")
    counter2 = CounterFactory(center=center, number=2, name="Đất đai")
    services_ = []
    for order, (code, name, counters, minutes) in enumerate(
        [
            ("ho-tich", "Hộ tịch – Chứng thực", [counter], 15),
            ("dat-dai", "Đất đai – Xây dựng", [counter2], 20),
        ]
    ):
        service = QueueService.objects.create(
            center=center,
            code=code,
            name=name,
            order=order,
            number_start=1001 + 1000 * order,
            number_end=1999 + 1000 * order,
        )
        service.counters.set(counters)
        for weekday in range(5):
            for start, end in ((time(8), time(11)), (time(14), time(16, 30))):
                Availability.objects.create(
                    center=center,
                    service=service,
                    weekday=weekday,
                    start=start,
                    end=end,
                    slot_minutes=minutes,
                    capacity=len(counters),
                )
        services_.append(service)
    BookingPolicy.objects.get_or_create(center=center)
    return services_


def _book(center, code, start, name, phone):
    appointment, secret = services.appointment_reserve(
        center=center, service_code=code, start=start, name=name, phone=phone, now=SUNDAY
    )
    services.appointment_confirm(code=appointment.code, secret=secret, now=SUNDAY)
    return appointment


def test_a_receptionist_works_the_day_list_and_books_for_a_caller(page, center, bookable):
    receptionist = staff("receptionist", center, username="tiepnhan")
    first = _book(center, "ho-tich", at(30, 8), "Trần Thị Bình", "0911111111")
    _book(center, "ho-tich", at(30, 9, 30), "Lê Văn Cường", "0922222222")
    _book(center, "dat-dai", at(30, 8, 20), "Phạm Minh Đức", "0933333333")
    lost = _book(center, "ho-tich", at(1, 8, 15, month=12), "Võ Thị Hoa", "0944444444")
    # A meeting on Tuesday morning, decided after the booking was made.
    Closure.objects.create(
        center=center, start=at(1, 7, 30, month=12), end=at(1, 9, month=12), reason="Họp"
    )

    with time_machine.travel(NOW, tick=True):
        page.goto("/staff/login/")
        page.get_by_label("Tên đăng nhập").fill(receptionist.username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_test_id("appointments-today")).to_have_text("3 lịch hẹn")
        page.get_by_role("link", name=re.compile("Lịch hẹn hôm nay")).click()

        # Today's list, per service, with the booking that lost its slot on top.
        expect(page.get_by_role("heading", level=1)).to_contain_text("30/11/2026")
        expect(page.get_by_role("heading", name="Hộ tịch – Chứng thực")).to_be_visible()
        expect(page.get_by_role("heading", name="Đất đai – Xây dựng")).to_be_visible()
        problems = page.locator("#problems")
        expect(problems).to_contain_text("1 lịch hẹn đã đặt không còn khung giờ")
        expect(problems).to_contain_text(lost.code)
        expect(problems).to_contain_text("0944444444")
        assert_accessible(page)
        _shot(page, "appointments-staff-day.png")

        # The first citizen arrives at the desk: a ticket of the service, called at 08:00.
        row = page.locator(f'tr[data-code="{first.code}"]')
        row.get_by_role("button", name="Lấy số").click()
        expect(page.get_by_role("status")).to_contain_text(f"cho lịch hẹn {first.code}")
        row = page.locator(f'tr[data-code="{first.code}"]')
        expect(row).to_contain_text("Đã đến (đã lấy số)")
        expect(row.locator(".appt-ticket")).to_have_text("1001")
        row = page.locator("tr", has_text="Lê Văn Cường")
        row.locator("summary", has_text="Hủy").click()
        expect(row.get_by_role("button", name="Xác nhận hủy")).to_be_visible()
        _shot(page, "appointments-staff-day-checked-in.png")

        # The lost booking is moved to another time after a call to the citizen.
        page.get_by_role("link", name="Chỉ xem danh sách cần xử lý").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Lịch hẹn cần xử lý")
        problem = page.locator(f'tr[data-problem="{lost.code}"]')
        problem.locator("summary", has_text="Chuyển giờ").click()
        problem.get_by_label("Giờ hẹn mới").select_option(label="01/12/2026 lúc 09:00 (còn 1 chỗ)")
        _shot(page, "appointments-staff-problems.png")
        problem.get_by_role("button", name="Chuyển", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Đã chuyển lịch hẹn")
        expect(page.get_by_text("Không có lịch hẹn nào bị mất khung giờ.")).to_be_visible()
        assert_accessible(page)

        # A caller on the phone: Tuesday is the first day open; 10:00 at the civil status desk.
        page.goto("/staff/appointments/")
        page.get_by_role("link", name="Đặt lịch hộ người gọi").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Đặt lịch hẹn hộ người gọi")
        # Choosing the service reloads the page (once its deferred script has loaded).
        page.wait_for_load_state("load")
        page.get_by_label("Dịch vụ", exact=True).select_option(label="Hộ tịch – Chứng thực")
        expect(page.get_by_role("heading", name=re.compile("Giờ hẹn ngày"))).to_contain_text(
            "01/12/2026"
        )
        # The closure's slots are not offered.
        expect(page.locator(".appt-slot", has_text="08:15")).to_have_count(0)
        page.locator(".appt-slot", has_text="10:00").click()
        page.get_by_label("Họ tên", exact=True).fill("Đặng Thu Hà")
        page.get_by_label("Số điện thoại", exact=True).fill("0987 654 321")
        page.get_by_role("checkbox").check()
        assert_accessible(page)
        _shot(page, "appointments-staff-book.png")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "appointments-staff-book-390.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="Đặt lịch hẹn").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Đã đặt lịch hẹn")
        booked = Appointment.objects.get(name="Đặng Thu Hà")
        assert booked.status == Status.CONFIRMED and booked.source == "staff"
        assert booked.start == at(1, 10, month=12)
        expect(page.get_by_test_id("appointment-code")).to_have_text(booked.code)
        expect(page.get_by_test_id("manage-url")).to_contain_text(f"/appointments/{booked.code}/")
        expect(page.locator(".appt-done__qr")).to_be_visible()
        assert_accessible(page)
        _shot(page, "appointments-staff-booked.png")

        page.get_by_role("link", name="Xem lịch hẹn ngày này").click()
        expect(page.locator(f'tr[data-code="{booked.code}"]')).to_contain_text("đặt hộ")
