"""The queue's whole journey, as in a hall: a citizen takes a ticket on the kiosk page, an officer
calls it from the counter screen, and the TV display (another browser) shows it within a second
and asks for the spoken call's audio."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.organization.identity import DEVICE_COOKIE, device_cookie_value
from motcua.organization.services import device_token_create
from motcua.queueing import services
from motcua.queueing.models import QueueService
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, CounterFactory, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]

WEDNESDAY_9AM = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_kiosk_ticket_called_at_the_counter_appears_on_the_display(
    browser, page, live_server_url, center
):
    counter = CounterFactory(center=center, number=3, name="Hộ tịch")
    service = QueueService.objects.create(
        center=center,
        code="ho-tich",
        name="Hộ tịch – Chứng thực",
        number_start=1001,
        number_end=1999,
    )
    service.counters.add(counter)
    services.priority_groups_ensure(center)
    staff("receptionist", center, username="tiepnhan")
    _device, raw = device_token_create(
        actor=staff("center_admin", center), center=center, purpose="kiosk", name="Ki-ốt sảnh"
    )

    with time_machine.travel(WEDNESDAY_9AM, tick=True):
        # The TV display, in a browser of its own.
        display_context = browser.new_context(
            base_url=live_server_url, viewport={"width": 1920, "height": 1080}
        )
        display = display_context.new_page()
        audio_requests: list[str] = []
        display.on("request", lambda r: "/voice/call/" in r.url and audio_requests.append(r.url))
        display.goto(f"/display/{center.code}/")
        unlock = display.get_by_role("button", name="Bấm để bật âm thanh")
        if unlock.is_visible():
            unlock.click()
        display.wait_for_function("window.motcuaDisplay && window.motcuaDisplay.connected === true")

        # The kiosk: a paired kiosk browser (its device cookie), touch screen.
        kiosk_context = browser.new_context(
            base_url=live_server_url, viewport={"width": 1080, "height": 1920}
        )
        kiosk_context.add_cookies(
            [{"name": DEVICE_COOKIE, "value": device_cookie_value(raw), "url": live_server_url}]
        )
        kiosk_context.add_init_script("window.print = () => { window.__printed = true }")
        kiosk = kiosk_context.new_page()
        kiosk.goto(f"/kiosk/{center.code}/")
        kiosk.get_by_role("link", name=re.compile("Hộ tịch – Chứng thực")).click()
        kiosk.get_by_role("button", name="Không", exact=True).click()
        expect(kiosk.get_by_test_id("ticket-number")).to_have_text("1001")
        assert_accessible(kiosk)

        # The officer at counter 3 (the test's own page).
        page.goto("/staff/login/?next=/staff/counter/")
        page.get_by_label("Tên đăng nhập").fill("tiepnhan")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name=re.compile("Quầy 3")).click()
        page.wait_for_load_state("load")
        started = time.monotonic()
        page.keyboard.press("n")

        # On the display within a second of the call, and its audio asked for.
        expect(display.locator("body")).to_contain_text("1001", timeout=1000)
        shown_after = time.monotonic() - started
        display.wait_for_function(
            "window.motcuaDisplay.played.some(u => u.includes('/voice/call/'))", timeout=3000
        )
        assert any(f"/voice/call/{center.code}/1001/3/vi.wav" in url for url in audio_requests)
        expect(page.locator("body")).to_contain_text("1001")
        print(f"kiosk → counter → display: shown {shown_after * 1000:.0f} ms after the key press")
        assert_accessible(display)
        display_context.close()
        kiosk_context.close()
