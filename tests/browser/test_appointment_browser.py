"""Appointments in a real browser: a citizen books on a phone through the wizard (the real
altcha-solver.js solves the real proof-of-work challenge in Chromium), sees the code and the QR
code; then at the kiosk types the code on the on-screen keypad and gets a printed ticket that
carries the appointment's time. Outside the window the kiosk says so and offers an ordinary
ticket. Every page is also checked by axe-core (see conftest)."""

import os
import re
import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.appointments import services
from motcua.appointments.models import Appointment, Availability, BookingPolicy
from motcua.appointments.workflow import Status
from motcua.catalog.models import Procedure
from motcua.catalog.services import center_procedure_set, procedure_import
from motcua.organization.services import device_token_create
from motcua.queueing.models import Ticket
from tests.browser.axe import assert_accessible
from tests.catalog.conftest import national_record
from tests.conftest import ARTIFACTS
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 30 November 2026, 08:05: the centre books the same morning (no cut-off), so a slot
# booked now is checked in at once.
NOW = datetime(2026, 11, 30, 8, 5, tzinfo=HCM)
PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}


@pytest.fixture(autouse=True)
def isolated(settings):
    """Rate-limit counts and used challenges in a cache of the test's own; a challenge that
    Chromium solves in well under a second (still a real one)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"appointment-browser-{uuid.uuid4().hex}",
        },
    }
    settings.ALTCHA_MAX_NUMBER = 20_000


@pytest.fixture
def frozen():
    # Ticking: the live server runs in this process and sees the same clock.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def bookable(center):
    """Civil status, Monday–Friday 08:00–11:00 in 15-minute slots of 2 places, bookable the
    same day, check-in from an hour before to 30 minutes after; a procedure it serves."""
    counter = CounterFactory(center=center, number=1, name="Quầy Tư pháp - Hộ tịch")
    service = make_service(center, code="ho-tich", name="Hộ tịch, chứng thực", counters=[counter])
    for weekday in range(5):
        Availability.objects.create(
            center=center,
            service=service,
            weekday=weekday,
            start=time(8),
            end=time(11),
            slot_minutes=15,
            capacity=2,
        )
    BookingPolicy.objects.update_or_create(
        center=center,
        defaults={
            "earliest_days_ahead": 0,
            "same_day_cutoff_minutes": 0,
            "checkin_before_minutes": 60,
            "checkin_after_minutes": 30,
        },
    )
    report = procedure_import(
        actor=None,
        records=[
            national_record(
                "1.001193",
                "Thủ tục đăng ký khai sinh",
                field=("ho-tich", "Hộ tịch"),
                documents=[
                    ("Tờ khai đăng ký khai sinh theo mẫu", "1", "0"),
                    ("Giấy chứng sinh", "1", "0"),
                ],
            )
        ],
    )
    assert report.ok, report.summary()
    procedure = Procedure.objects.get(code="1.001193")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    service.procedures.add(procedure)
    return service


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


def _book_directly(center, hour: int, minute: int, phone: str) -> tuple[Appointment, str]:
    appointment, secret = services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=datetime(2026, 11, 30, hour, minute, tzinfo=HCM),
        name="Trần Văn Bình",
        phone=phone,
    )
    return services.appointment_confirm(code=appointment.code, secret=secret), secret


def _fits(page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _pair_kiosk(page, center) -> None:
    admin = staff("center_admin", center, username="quantri")
    _device, raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="Ki-ốt 1")
    page.goto("/devices/pair/")
    page.get_by_label("Mã thiết bị").fill(raw)
    page.get_by_role("button", name="Ghép thiết bị").click()
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/$"))


def _type_on_keypad(page, text: str) -> None:
    keypad = page.get_by_role("group", name="Bàn phím nhập mã")
    for char in text:
        keypad.get_by_role("button", name=char, exact=True).click()


def test_book_on_a_phone_then_check_in_at_the_kiosk(page, center, bookable, frozen):
    # 08:15 is full already: it is shown, greyed, and cannot be chosen.
    _book_directly(center, 8, 15, "0912000001")
    _book_directly(center, 8, 15, "0912000002")
    page.set_viewport_size(PHONE)

    page.goto("/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Đặt lịch hẹn"
    ).click()
    expect(page).to_have_url(re.compile(r"/appointments/book/hanh-phuc/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặt lịch hẹn")
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-1-service-390.png")

    page.get_by_label("Tìm thủ tục").fill("khai sinh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_role("link", name=re.compile("Thủ tục đăng ký khai sinh")).click()
    expect(page.get_by_role("heading", name="Chọn ngày")).to_be_visible()
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-2-date-390.png")

    page.get_by_role("link", name=re.compile(r"Thứ Hai\s+30.11")).click()
    expect(page.get_by_role("heading", name="Chọn giờ")).to_be_visible()
    full = page.locator(".slot--full", has_text="08:15")
    expect(full).to_contain_text("hết chỗ")
    expect(page.get_by_role("link", name=re.compile("08:15"))).to_have_count(0)
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-3-slot-390.png")

    # Back works: the wizard's steps are plain pages.
    page.go_back()
    expect(page.get_by_role("heading", name="Chọn ngày")).to_be_visible()
    page.go_forward()
    page.get_by_role("link", name=re.compile("08:30")).click()

    expect(page.get_by_role("heading", name="Thông tin người đến")).to_be_visible()
    submit = page.get_by_role("button", name="Đặt lịch hẹn")
    page.get_by_role("textbox", name="Họ và tên", exact=True).fill("Nguyễn Thị Lan")
    page.get_by_role("textbox", name="Số điện thoại", exact=True).fill("0912 345 678")
    page.get_by_label(re.compile("Tôi đồng ý")).check()
    # The solver fetched a challenge and found its number: the button is enabled.
    expect(submit).to_be_enabled(timeout=20_000)
    expect(page.locator("[data-altcha-status]")).to_have_text(re.compile("Đã xác minh"))
    assert page.locator("input[name=altcha]").input_value()
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-4-details-390.png")
    submit.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Lịch hẹn của ông/bà")
    appointment = Appointment.objects.get(phone="0912345678")
    assert appointment.status == Status.CONFIRMED
    assert appointment.procedure.code == "1.001193"
    expect(page.get_by_test_id("appointment-code")).to_have_text(appointment.code)
    expect(page.get_by_test_id("appointment-time")).to_have_text("08:30–08:45")
    qr = page.get_by_test_id("appointment-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    expect(page.get_by_text("Đã đặt lịch hẹn.")).to_be_visible()
    expect(page.get_by_text("Giấy chứng sinh")).to_be_visible()
    expect(page.get_by_role("link", name="Thêm vào lịch của điện thoại")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Giữ đường liên kết"))).to_be_visible()
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-5-confirmation-390.png")
    page.set_viewport_size({"width": 360, "height": 740})
    _fits(page)
    _shot(page, "appointment-5-confirmation-360.png")
    page.set_viewport_size(PHONE)

    # Change the time on the holder's page: the same steps, inside it.
    page.get_by_role("link", name="Đổi giờ hẹn").click()
    expect(page.get_by_role("heading", name="Chọn ngày mới")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Thứ Hai\s+30.11")).click()
    expect(page.locator(".slot--current")).to_contain_text("08:30")
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-5b-reschedule-slots-390.png")
    page.get_by_role("link", name=re.compile("08:45")).click()
    expect(page.get_by_text("Đổi sang 08:45–09:00, Thứ Hai, 30/11/2026?")).to_be_visible()
    page.get_by_role("button", name="Xác nhận đổi giờ").click()
    expect(page.get_by_text("Đã đổi lịch hẹn sang 08:45, Thứ Hai, 30/11/2026.")).to_be_visible()
    expect(page.get_by_test_id("appointment-time")).to_have_text("08:45–09:00")
    expect(page.get_by_test_id("appointment-code")).to_have_text(appointment.code)
    _shot(page, "appointment-5c-rescheduled-390.png")

    # At the kiosk: the code typed on the on-screen keypad.
    page.add_init_script("window.print = () => { window.__printed = true }")
    page.set_viewport_size(KIOSK)
    _pair_kiosk(page, center)
    assert_accessible(page)
    _shot(page, "appointment-6-kiosk-home-1080x1920.png")
    page.get_by_role("link", name="Đã đặt lịch hẹn? Lấy số theo lịch hẹn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lấy số theo lịch hẹn")
    scan = page.get_by_label("Mã lịch hẹn")
    expect(scan).to_be_focused()
    _type_on_keypad(page, appointment.code[:-1] + "Z")
    page.get_by_role("group", name="Bàn phím nhập mã").get_by_role(
        "button", name="Xóa một chữ"
    ).click()
    _type_on_keypad(page, appointment.code[-1])
    expect(scan).to_have_value(appointment.code)
    expect(scan).to_be_focused()  # a scanner could type now
    assert_accessible(page)
    _shot(page, "appointment-7-kiosk-check-in-1080x1920.png")
    page.get_by_role("button", name="Lấy số", exact=True).click()

    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/ticket/[\w-]+/$"))
    ticket = Ticket.objects.get()
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.display)
    expect(page.get_by_test_id("ticket-appointment")).to_have_text("Lịch hẹn lúc 08:45")
    page.wait_for_function("window.__printed === true")
    assert ticket.appointment_code == appointment.code
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    assert_accessible(page)
    _shot(page, "appointment-8-kiosk-ticket-1080x1920.png")


def test_too_early_at_the_kiosk_offers_an_ordinary_ticket(page, center, bookable, frozen):
    later, secret = _book_directly(center, 10, 30, "0912000003")
    page.set_viewport_size(KIOSK)
    page.goto("/kiosk/hanh-phuc/check-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ki-ốt chưa được ghép")
    _pair_kiosk(page, center)
    page.goto("/kiosk/hanh-phuc/check-in/")

    # A scanner types the appointment's QR text and Enter.
    scan = page.get_by_label("Mã lịch hẹn")
    expect(scan).to_be_focused()
    page.keyboard.type(later.code)
    page.keyboard.press("Enter")
    error = page.get_by_test_id("checkin-error")
    expect(page.get_by_label("Mã lịch hẹn")).to_be_focused()  # ready for the next scan
    expect(error).to_contain_text("Lịch hẹn lúc 10:30 30/11/2026")
    expect(error).to_contain_text("Mời quay lại từ 09:30")
    assert_accessible(page)
    _shot(page, "appointment-9-kiosk-too-early-1080x1920.png")

    page.get_by_role("link", name="Lấy số thường").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lấy số thứ tự")
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/ho-tich/$"))
    expect(page.get_by_text("Hộ tịch, chứng thực")).to_be_visible()
    assert not Ticket.objects.exists()

    # The citizen cannot come after all: cancel on the holder's page, after a confirmation.
    # With only the code and the secret (no link): the small lookup form.
    page.set_viewport_size(PHONE)
    page.goto(f"/appointments/{later.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem lịch hẹn")
    expect(page.get_by_label("Mã lịch hẹn")).to_have_value(later.code)
    page.get_by_label("Mã bí mật").fill(secret)
    assert_accessible(page)
    _fits(page)
    _shot(page, "appointment-10-lookup-390.png")
    page.get_by_role("button", name="Xem lịch hẹn").click()
    expect(page.get_by_test_id("appointment-code")).to_have_text(later.code)
    page.get_by_role("link", name="Hủy lịch hẹn").click()
    expect(page.get_by_role("heading", name="Hủy lịch hẹn?")).to_be_visible()
    assert_accessible(page)
    _shot(page, "appointment-11-cancel-390.png")
    page.get_by_role("button", name="Hủy lịch hẹn").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã hủy")
    expect(page.get_by_role("link", name="Đổi giờ hẹn")).to_have_count(0)
    later.refresh_from_db()
    assert later.status == Status.CANCELLED
    _shot(page, "appointment-12-cancelled-390.png")
