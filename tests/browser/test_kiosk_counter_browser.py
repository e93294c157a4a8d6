"""The kiosk and the counter screen in a real browser: a kiosk is paired and prints a priority
ticket; a receptionist calls, serves and finishes with the keyboard while the waiting list
refreshes itself. Every page is also checked by axe-core (see conftest)."""

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.organization.services import device_token_create
from motcua.queueing import services
from motcua.queueing.models import QueueService, Ticket
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, CounterFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Wednesday, 09:00 in the center's zone: inside the morning working period.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def frozen():
    # Ticking: the live server runs in this process and sees the same clock.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def queue(center):
    """Two counters, three services, the four priority groups, a receptionist."""
    counter = CounterFactory(center=center, number=1, name="Quầy Tư pháp - Hộ tịch")
    counter2 = CounterFactory(center=center, number=2, name="Quầy Đất đai")
    for order, (code, name, counters) in enumerate(
        [
            ("ho-tich", "Hộ tịch, chứng thực", [counter]),
            ("dat-dai", "Đất đai, xây dựng", [counter2]),
            ("lao-dong", "Lao động, thương binh và xã hội", [counter, counter2]),
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
    services.priority_groups_ensure(center)
    return {"counter": counter, "counter2": counter2}


def _issue(center, service_code="ho-tich", priority=None) -> Ticket:
    receptionist = staff("receptionist", center, username="phatso")
    return services.ticket_issue(
        issuer=services.Issuer(source="staff", user=receptionist),
        center=center,
        service_code=service_code,
        priority_group_code=priority,
    )


def _press(page, key: str) -> None:
    """A shortcut key, once the page (and its deferred script) has loaded."""
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


def test_after_hours_the_kiosk_start_screen_says_so(page, center, queue):
    """At 18:30 no service issues: each button is grey, says why, and cannot be pressed."""
    admin = staff("center_admin", center, username="quantri")
    _device, raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="Ki-ốt 1")
    with time_machine.travel(NOW.replace(hour=18, minute=30), tick=True):
        page.goto("/kiosk/hanh-phuc/")
        page.get_by_role("link", name="Ghép thiết bị").click()
        page.get_by_label("Mã thiết bị").fill(raw)
        page.get_by_role("button", name="Ghép thiết bị").click()
        expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/$"))
        closed = page.locator('[aria-disabled="true"]')
        expect(closed).to_have_count(3)
        expect(closed.first).to_contain_text(
            "Ngoài giờ phát số. Giờ làm việc hôm nay: 07:30–11:30, 13:30–17:30."
        )
        expect(page.get_by_role("link", name=re.compile("Hộ tịch, chứng thực"))).to_have_count(0)
        assert_accessible(page)
        page.set_viewport_size({"width": 1920, "height": 1080})
        _shot(page, "kiosk-after-hours.png")


def test_a_paired_kiosk_issues_and_prints_a_priority_ticket(page, center, queue, frozen):
    admin = staff("center_admin", center, username="quantri")
    _device, raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="Ki-ốt 1")
    _issue(center)
    _issue(center)
    _issue(center, "dat-dai")
    page.add_init_script("window.print = () => { window.__printed = true }")

    page.goto("/kiosk/hanh-phuc/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ki-ốt chưa được ghép")
    page.get_by_role("link", name="Ghép thiết bị").click()
    page.get_by_label("Mã thiết bị").fill(raw)
    page.get_by_role("button", name="Ghép thiết bị").click()

    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Chạm vào dịch vụ để lấy số thứ tự")
    button = page.get_by_role("link", name=re.compile("Hộ tịch, chứng thực"))
    expect(button).to_contain_text("2 người đang chờ")
    assert_accessible(page)
    page.set_viewport_size({"width": 1920, "height": 1080})
    _shot(page, "kiosk-1920x1080.png")
    page.set_viewport_size({"width": 1080, "height": 1920})
    _shot(page, "kiosk-1080x1920.png")

    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bạn thuộc nhóm ưu tiên?")
    expect(page.get_by_role("button", name="Không", exact=True)).to_be_visible()
    assert_accessible(page)
    _shot(page, "kiosk-priority-1080x1920.png")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_role("button", name="Người cao tuổi").click()

    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/ticket/[\w-]+/$"))
    expect(page.get_by_test_id("ticket-number")).to_have_text("1003")
    expect(page.locator(".ticket-slip")).to_contain_text("Người cao tuổi")
    expect(page.get_by_test_id("ahead")).to_have_text("0")  # priority: before the two others
    expect(page.locator(".ticket-slip__qr svg")).to_be_visible()
    page.wait_for_function("window.__printed === true")
    ticket = Ticket.objects.get(number=1003)
    assert (ticket.source, ticket.priority_group.code) == ("kiosk", "elderly")
    assert_accessible(page)
    _shot(page, "kiosk-ticket-1920x1080.png")

    # The print: 80 mm wide (≈ 302 CSS px), one page, the kiosk's header and buttons left out.
    page.set_viewport_size({"width": 302, "height": 700})
    page.emulate_media(media="print")
    expect(page.locator(".kiosk-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Xong")).to_be_hidden()
    _shot(page, "ticket-print-80mm.png")
    pdf = page.pdf(prefer_css_page_size=True)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box is not None
    assert abs(float(box.group(1)) / MM - 80) < 0.5
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_receptionist_works_the_counter_with_the_keyboard(page, center, queue, frozen):
    staff("receptionist", center, username="tiepnhan")
    _issue(center)
    _issue(center, "lao-dong")

    page.goto("/staff/counter/")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/counter/$"))
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Quầy 1 · Quầy Tư pháp")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Quầy 1")
    waiting = page.get_by_test_id("waiting-total")
    expect(waiting).to_have_text("2")
    expect(page.get_by_test_id("counter-free")).to_be_visible()
    assert_accessible(page)

    _press(page, "n")
    expect(page.get_by_test_id("current-number")).to_have_text("1001")
    expect(waiting).to_have_text("1")
    expect(page.get_by_role("status")).to_contain_text("Đã gọi số 1001.")
    expect(page.get_by_test_id("recalls")).to_have_text("Đã gọi lại 0/2 lần")
    # Typing in a field is not a shortcut.
    page.locator("details.desk__transfer summary").click()
    page.get_by_label("Dịch vụ").focus()
    page.keyboard.press("s")
    page.wait_for_timeout(600)
    expect(page.get_by_test_id("recalls")).to_be_visible()  # still called, not serving
    page.locator("details.desk__transfer summary").click()
    page.evaluate("document.activeElement.blur()")

    _press(page, "s")
    expect(page.get_by_text("Đang phục vụ", exact=True)).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    assert_accessible(page)
    page.screenshot(path=os.path.join(ARTIFACTS, "counter-1366x768.png"))

    page.get_by_role("button", name=re.compile("Chỉ hướng dẫn")).click()
    expect(page.get_by_test_id("counter-free")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Đã kết thúc số 1001: Chỉ hướng dẫn.")
    assert Ticket.objects.get(number=1001).outcome == "advice"

    # Someone takes a number at the kiosk: the list refreshes itself within a few seconds.
    _issue(center)
    expect(waiting).to_have_text("2", timeout=8_000)
    _press(page, "n")
    expect(page.get_by_test_id("current-number")).to_have_text("3001")  # issued before 1002
    page.screenshot(path=os.path.join(ARTIFACTS, "counter-called-1366x768.png"))

    # Park it, take a break, come back and resume it.
    _press(page, "p")
    parked = page.get_by_role("button", name="Tiếp tục số 3001")
    expect(parked).to_be_enabled()
    _press(page, "b")
    expect(page.get_by_test_id("counter-state")).to_have_text("Tạm nghỉ")
    expect(page.get_by_role("button", name=re.compile("Gọi số tiếp"))).to_be_disabled()
    page.screenshot(path=os.path.join(ARTIFACTS, "counter-paused-1366x768.png"))
    _press(page, "b")
    expect(page.get_by_test_id("counter-state")).to_have_text("Đang mở")
    page.get_by_role("button", name="Tiếp tục số 3001").click()
    expect(page.get_by_test_id("current-number")).to_have_text("3001")
    expect(page.get_by_text("Không có phiếu nào.")).to_be_visible()
