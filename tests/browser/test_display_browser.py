"""The TV display and the citizen's phone page in a real browser, against the real ASGI server.

Tickets are issued and called through the HTTP API with a staff bearer token (the request runs
in the live server, whose after-commit push reaches the websockets). The clock is frozen, ticking,
on a Wednesday at 09:00: the live server runs in this process and sees it too.
"""

from __future__ import annotations

import io
import re
import time
import wave
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.queueing.models import QueueService
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, CounterFactory, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# A call shown this soon came over the websocket: the display resyncs every 10 s, it polls
# every 5 s only while its socket is down, and the phone polls every 10 s.
WS_WITHIN_MS = 3000


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def hall(center):
    """Three counters serving "Hộ tịch", one serving "Đất đai", and an officer's API token."""
    counters = {n: CounterFactory(center=center, number=n, name=f"Quầy {n}") for n in (1, 2, 3, 4)}
    civil = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    land = QueueService.objects.create(
        center=center, code="dat-dai", name="Đất đai", number_start=2001, number_end=2999
    )
    civil.counters.add(counters[1], counters[2], counters[3])
    land.counters.add(counters[4])
    staff("receptionist", center, username="canbo-quay")
    return counters


def api(page, method: str, path: str, token: str | None = None, **data):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = page.request.fetch(path, method=method, headers=headers, data=data or None)
    assert response.ok, (path, response.status, response.text())
    return response.json() if response.status != 204 else None


def login(page) -> str:
    return api(page, "POST", "/api/v1/auth/token", username="canbo-quay", password=PASSWORD)[
        "token"
    ]


def issue(page, token: str, center, service: str = "ho-tich") -> dict:
    return api(page, "POST", f"/api/v1/centers/{center.code}/tickets", token, service=service)


def call_next(page, token: str, counter) -> dict:
    return api(page, "POST", f"/api/v1/counters/{counter.pk}/call-next", token)["ticket"]


def report(record_property, name: str, started: float) -> None:
    """A measured time (from just before the HTTP request that made the call): printed with -s
    and kept in the JUnit XML."""
    milliseconds = round((time.monotonic() - started) * 1000)
    record_property(name, milliseconds)
    print(f"\n{name}: {milliseconds} ms")


def silent_wav(seconds: float = 0.2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def enable_sound(page) -> None:
    """The one click the browser needs before it plays audio (when its policy asks for one)."""
    button = page.get_by_role("button", name="Bấm để bật âm thanh")
    page.wait_for_function("window.motcuaDisplay !== undefined")
    if button.is_visible():
        button.click()
    expect(button).to_be_hidden()


# Records, at each play(), how many other audio elements are still playing (must be none).
COUNT_PLAYING = """
window.__audio = {started: [], max: 0};
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  const a = window.__audio, el = this;
  const others = a.started.filter((o) => o !== el && !o.paused && !o.ended).length;
  a.max = Math.max(a.max, others + 1);
  a.started.push(el);
  return play.call(el);
};
"""


def test_call_shows_on_the_display_speaks_and_reaches_the_phone(
    page, browser, live_server_url, center, hall, record_property
):
    token = login(page)
    ticket = issue(page, token, center)
    issue(page, token, center, "dat-dai")
    assert ticket["display"] == "1001"

    page.set_viewport_size({"width": 1920, "height": 1080})
    voice_requests: list[str] = []
    voice_responses: list[int] = []
    page.on("request", lambda r: "/voice/call/" in r.url and voice_requests.append(r.url))
    page.on("response", lambda r: "/voice/call/" in r.url and voice_responses.append(r.status))
    page.goto(f"/display/{center.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(center.name)
    enable_sound(page)
    tile = page.locator('.tile[data-counter="3"]')
    expect(tile.locator(".tile__label")).to_have_text("Quầy 3")
    expect(tile.locator(".tile__number")).to_have_text("—")
    expect(page.locator('#waiting li[data-service="Hộ tịch"] .tv-waiting__count')).to_have_text("1")
    expect(page.locator('#waiting li[data-service="Đất đai"] .tv-waiting__count')).to_have_text("1")
    expect(page.locator("#clock-time")).to_have_text(re.compile(r"^09:0\d:\d\d$"))
    page.wait_for_function("window.motcuaDisplay.connected === true")

    phone_context = browser.new_context(
        base_url=live_server_url,
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
    )
    try:
        phone = phone_context.new_page()
        phone.goto(f"/t/{ticket['token']}/")
        expect(phone.locator(".ticket__number")).to_have_text("1001")
        expect(phone.locator("#ticket-status")).to_have_text("Đang chờ đến lượt")
        expect(phone.locator("#ticket-position")).to_have_text("1")
        expect(phone.locator("#ticket-ahead")).to_have_text("0")
        expect(phone.locator("#ticket-link")).to_have_text("Cập nhật trực tiếp")
        expect(phone.locator("#ticket-banner")).to_be_hidden()

        started = time.monotonic()
        called = call_next(page, token, hall[3])
        report(record_property, "call-next HTTP request", started)
        # Within WS_WITHIN_MS: sooner than the display's 10 s resync and the phone's polling,
        # so it came over the websocket. How fast is measured in bench/, not here (1 s was
        # missed once in CI with other test runs loading the machine).
        expect(tile.locator(".tile__number")).to_have_text("1001", timeout=WS_WITHIN_MS)
        report(record_property, "websocket: call to screen", started)
        expect(phone.locator("#ticket-banner")).to_have_text(
            "Mời đến quầy số 3", timeout=WS_WITHIN_MS
        )
        report(record_property, "websocket: call to phone banner", started)
        assert called["display"] == "1001"
        expect(page.locator("#now-number")).to_have_text("1001")
        expect(page.locator("#now-counter")).to_have_text("3")
        expect(page.locator("#recent li").first).to_have_text(re.compile(r"1001\s*Quầy 3"))
        expect(tile).to_have_class(re.compile(r"\bis-called\b"))
        expect(tile.locator(".tile__service")).to_have_text("Hộ tịch")
        # The waiting count follows (the state pushed after the call).
        expect(page.locator('#waiting li[data-service="Hộ tịch"] .tv-waiting__count')).to_have_text(
            "0"
        )

        # The voice: the server's audio for this call, asked for at once.
        audio_url = f"/voice/call/{center.code}/1001/3/vi.wav"
        page.wait_for_function("window.motcuaDisplay.played.length >= 1")
        assert page.evaluate("window.motcuaDisplay.played[0]") == audio_url
        deadline = time.monotonic() + 5
        while not voice_responses and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert voice_requests and voice_requests[0].endswith(audio_url)
        assert voice_responses[0] == 200  # espeak-ng rendered it

        # The phone: "go to counter 3", with an alert (vibration and beep).
        expect(phone.locator("#ticket-status")).to_have_text("Đã đến lượt bạn!")
        expect(phone.locator("#ticket-facts")).to_be_hidden()
        assert phone.evaluate("window.motcuaTicket.alerts") == 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert_accessible(phone)
        # Nothing personal and no token on the page's text.
        assert ticket["token"] not in phone.locator("main").inner_text()
    finally:
        phone_context.close()


def test_voice_queue_plays_one_call_after_another_with_repeat_and_english(page, center, hall):
    token = login(page)
    issue(page, token, center)
    issue(page, token, center)
    page.add_init_script(COUNT_PLAYING)
    wav = silent_wav()
    page.route(
        "**/voice/call/**",
        lambda route: route.fulfill(status=200, body=wav, content_type="audio/wav"),
    )
    page.goto(f"/display/{center.code}/?repeat=2&english=1")
    enable_sound(page)
    page.wait_for_function("window.motcuaDisplay.connected === true")

    call_next(page, token, hall[1])
    call_next(page, token, hall[2])
    expect(page.locator('.tile[data-counter="2"] .tile__number')).to_have_text("1002")
    page.wait_for_function("window.motcuaDisplay.played.length >= 8", timeout=15000)
    page.wait_for_function("window.__audio.started.every((el) => el.ended)")
    base = f"/voice/call/{center.code}"
    one = [f"{base}/1001/1/vi.wav", f"{base}/1001/1/en.wav"]
    two = [f"{base}/1002/2/vi.wav", f"{base}/1002/2/en.wav"]
    assert page.evaluate("window.motcuaDisplay.played") == one + one + two + two
    assert page.evaluate("window.__audio.max") == 1  # never two at once


def test_browser_voice_speaks_when_the_server_audio_fails(page, center, hall):
    token = login(page)
    issue(page, token, center)
    page.route("**/voice/call/**", lambda route: route.fulfill(status=404, body="no"))
    page.goto(f"/display/{center.code}/")
    enable_sound(page)
    page.wait_for_function("window.motcuaDisplay.connected === true")
    call_next(page, token, hall[1])
    page.wait_for_function("window.motcuaDisplay.played.length >= 2")
    assert page.evaluate("window.motcuaDisplay.played") == [
        f"/voice/call/{center.code}/1001/1/vi.wav",
        "Mời công dân có số thứ tự 1001 đến quầy số 1",
    ]


def test_display_falls_back_to_polling_without_websocket(page, center, hall, record_property):
    token = login(page)
    issue(page, token, center)
    page.goto(f"/display/{center.code}/?nows=1")
    enable_sound(page)
    expect(page.locator("#link")).to_have_text("Mất kết nối — cập nhật mỗi 5 giây")
    assert page.evaluate("window.motcuaDisplay.connected") is False
    started = time.monotonic()
    call_next(page, token, hall[2])
    expect(page.locator('.tile[data-counter="2"] .tile__number')).to_have_text(
        "1001", timeout=10_000
    )
    report(record_property, "polling: call to screen", started)
    # Found by polling, and still announced.
    page.wait_for_function("window.motcuaDisplay.played.length >= 1")
    assert page.evaluate("window.motcuaDisplay.played[0]") == (
        f"/voice/call/{center.code}/1001/2/vi.wav"
    )
    assert page.evaluate("window.motcuaDisplay.connected") is False


def test_display_polls_while_the_websocket_is_down_and_reconnects(page, center, hall):
    """The websocket refused (as behind a broken proxy): the display polls, then reconnects by
    itself once the websocket works again, and calls arrive over it at once."""
    token = login(page)
    issue(page, token, center)
    issue(page, token, center)
    server_up = {"value": False}

    def websocket(route):
        if server_up["value"]:
            route.connect_to_server()
        else:
            route.close(code=1011)

    page.route_web_socket(re.compile(r"/ws/display/"), websocket)
    page.goto(f"/display/{center.code}/")
    enable_sound(page)
    expect(page.locator("#link")).to_have_text("Mất kết nối — cập nhật mỗi 5 giây")
    call_next(page, token, hall[1])
    expect(page.locator('.tile[data-counter="1"] .tile__number')).to_have_text(
        "1001", timeout=10_000
    )
    server_up["value"] = True
    page.wait_for_function("window.motcuaDisplay.connected === true", timeout=15_000)
    expect(page.locator("#link")).to_have_text("Trực tiếp")
    call_next(page, token, hall[2])
    expect(page.locator('.tile[data-counter="2"] .tile__number')).to_have_text(
        "1002", timeout=WS_WITHIN_MS
    )
    page.wait_for_function("window.motcuaDisplay.played.length >= 2")
    assert page.evaluate("window.motcuaDisplay.played") == [
        f"/voice/call/{center.code}/1001/1/vi.wav",
        f"/voice/call/{center.code}/1002/2/vi.wav",
    ]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_display_fills_the_screen_without_scrolling(page, center, hall, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/display/{center.code}/")
    enable_sound(page)
    expect(page.locator(".tile")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    # Everything inside the screen, and the counters' numbers big (readable from 5 m).
    for selector in (".tv-head", ".tv-foot", ".tile", "#recent", "#waiting"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1
    number_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.tile__number')).fontSize)"
    )
    assert number_px >= 0.07 * height  # 76 px on 1080p


def test_unknown_center_or_ticket_is_404(page, center):
    assert page.request.get("/display/nowhere/").status == 404
    assert page.request.get("/t/no-such-ticket/").status == 404
