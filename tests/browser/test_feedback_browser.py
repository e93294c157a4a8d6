"""Satisfaction and feedback in a real browser, against the real ASGI server.

- The counter's rating tablet (the issue's "done when"): a receptionist calls, serves and
  finishes a ticket on the counter screen; a second browser, paired as the counter's rating
  tablet, opens the rating screen by itself (websocket push, or the polling fallback when the
  websocket is unavailable); the citizen's tap is stored against the right official.
- The dossier survey behind the QR code of form 01, with its 4-digit secret.
- The suggestion box: submission, follow-up by code, the leader's published answer.
- The leader's satisfaction figures (with the Decision 766 figure), on a desk and on a phone.

The clock is frozen, ticking, on a Wednesday at 09:00 (the queue's working hours); the live
server runs in this process and sees the same clock. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.dossiers.selectors import tracking_token
from motcua.feedback.models import Feedback, Rating, SurveyQuestion
from motcua.organization.models import DeviceToken
from motcua.organization.services import device_token_create
from motcua.queueing import services as queue
from motcua.queueing.models import QueueService, Ticket
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, CounterFactory, staff
from tests.feedback.conftest import make_dossier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# Marks the page when its websocket opens (the page's own WebSocket, only watched).
WATCH_SOCKET = """
(() => {
  const Real = window.WebSocket;
  if (!Real) { return; }
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Real(url) : new Real(url, protocols);
    socket.addEventListener("open", () => { window.__wsOpen = true; });
    socket.addEventListener("close", () => { window.__wsOpen = false; });
    return socket;
  };
  window.WebSocket.prototype = Real.prototype;
})();
"""
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def isolated(settings):
    """A cache of the test's own (the rate limits count there), and the rate limits reset."""
    from motcua.ratelimit import rate_limit_reset

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "feedback-browser",
        },
    }
    rate_limit_reset()


@pytest.fixture
def counter(center):
    return CounterFactory(center=center, number=3, name="Quầy Tư pháp - Hộ tịch")


@pytest.fixture
def service(center, counter):
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(counter)
    return service


@pytest.fixture
def official(center):
    return staff("receptionist", center, username="canbo-lan", first_name="Lan", last_name="Trần")


@pytest.fixture
def tablet_token(center, counter) -> str:
    admin = staff("center_admin", center, username="quantri-hp")
    _device, raw = device_token_create(
        actor=admin,
        center=center,
        purpose=DeviceToken.Purpose.RATING_TABLET,
        name="Máy đánh giá quầy 3",
        counter=counter,
    )
    return raw


def _shot(page, name: str, full_page: bool = True) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=full_page)


def _issue(center, official) -> Ticket:
    return queue.ticket_issue(
        issuer=queue.Issuer(source="staff", user=official), center=center, service_code="ho-tich"
    )


def _press(page, key: str) -> None:
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def _login(page, username: str) -> None:
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


class Tablet:
    """A second browser context: the counter's rating tablet (no one logged in there)."""

    def __init__(self, browser, base_url: str, init_script: str = "") -> None:
        self.base_url = base_url
        # The policy bypassed, as for every test page (tests/conftest.py, ``page``):
        # wait_for_function polls with a string the Content-Security-Policy forbids, which
        # failed this test whenever the socket was not yet open at the first check.
        self.context = browser.new_context(
            base_url=base_url, locale="vi-VN", viewport=TABLET, bypass_csp=True
        )
        self.outside: list[str] = []
        self.context.route("**/*", self._guard)
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)

    def _guard(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def pair(self, raw: str, counter, state: str = "idle") -> None:
        page = self.page
        page.goto(f"/rating/{counter.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Máy đánh giá chưa được ghép")
        page.get_by_role("link", name="Ghép thiết bị").click()
        page.get_by_label("Mã thiết bị").fill(raw)
        page.get_by_role("button", name="Ghép thiết bị").click()
        expect(page).to_have_url(re.compile(rf"/rating/{counter.pk}/$"))
        expect(page.locator("body")).to_have_attribute("data-state", state)

    def close(self) -> None:
        try:
            assert not self.outside, f"the tablet asked other servers: {self.outside}"
        finally:
            self.context.close()


@pytest.fixture
def tablet_browser(browser, live_server_url):
    tablets: list[Tablet] = []

    def make(init_script: str = "") -> Tablet:
        tablet = Tablet(browser, live_server_url, init_script)
        tablets.append(tablet)
        return tablet

    yield make
    for tablet in tablets:
        tablet.close()


def _serve_on_counter_screen(page, counter) -> None:
    """Call the next number, start and finish it ("Chỉ hướng dẫn") on the counter screen."""
    _press(page, "n")
    expect(page.get_by_test_id("current-number")).to_have_text(re.compile(r"^\d{4}$"))
    _press(page, "s")
    expect(page.get_by_text("Đang phục vụ", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("Chỉ hướng dẫn")).click()
    expect(page.get_by_test_id("counter-free")).to_be_visible()


# --- The counter's rating tablet ----------------------------------------------------------------


def test_finishing_a_ticket_makes_the_paired_tablet_ask_and_stores_the_tap(
    page, tablet_browser, center, counter, service, official, tablet_token, settings
):
    settings.RATING_TABLET_SECONDS = 6
    _issue(center, official)
    _issue(center, official)

    tablet = tablet_browser(WATCH_SOCKET)
    tablet.pair(tablet_token, counter)
    tab = tablet.page
    expect(tab.get_by_role("heading", level=1)).to_have_text(counter.name)
    # The websocket is up before the counter finishes (while it is up the tablet does not
    # poll: what opens the rating screen is the push).
    tab.wait_for_function("window.__wsOpen === true")
    assert_accessible(tab)
    _shot(tab, "rating-tablet-idle-1280x800.png")

    page.goto(f"/staff/counter/{counter.pk}/")
    _login(page, official.username)
    expect(page).to_have_url(re.compile(rf"/staff/counter/{counter.pk}/$"))
    _serve_on_counter_screen(page, counter)
    first = Ticket.objects.get(number=1001)
    assert first.status == "finished"

    # The tablet shows the rating screen by itself.
    started = time.monotonic()
    expect(tab).to_have_url(
        re.compile(rf"/rating/{counter.pk}/\?ticket={first.pk}$"), timeout=5_000
    )
    opened_after = time.monotonic() - started
    expect(tab.locator("body")).to_have_attribute("data-state", "rating")
    expect(tab.locator(".tablet-who")).to_contain_text("Cán bộ Lan Trần")
    expect(tab.locator(".tablet-who")).to_contain_text("1001")
    assert_accessible(tab)
    _shot(tab, "rating-tablet-rating-1280x800.png")

    # A tap on a face lands on its (transparent, face-sized) radio button.
    tab.get_by_role("radio", name="Không hài lòng").click()
    tab.get_by_role("checkbox", name="Thời gian giải quyết").click()
    tab.get_by_label("Ý kiến khác (không bắt buộc)").fill("Phải chờ lâu ở quầy")
    _shot(tab, "rating-tablet-chosen-1280x800.png")
    tab.get_by_role("button", name="Gửi đánh giá").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Cảm ơn ông/bà đã đánh giá!")
    expect(tab.locator("body")).to_have_attribute("data-state", "thanks")
    assert_accessible(tab)
    _shot(tab, "rating-tablet-thanks-1280x800.png")

    rating = Rating.objects.get()
    assert rating.ticket_id == first.pk
    assert rating.official == official
    assert rating.counter == counter
    assert rating.service == service
    assert rating.center == center
    assert (rating.kind, rating.channel) == ("service", "tablet")
    assert rating.score == "dissatisfied"
    assert rating.reasons == ["timeliness"]
    assert rating.comment == "Phải chờ lâu ở quầy"

    # The thanks screen returns to idle by itself (a few seconds). (The thanks page is the
    # POST's answer at the idle URL already: watch the state, not the URL.)
    expect(tab.locator("body")).to_have_attribute("data-state", "idle", timeout=8_000)
    assert tab.url.endswith(f"/rating/{counter.pk}/")

    # The next citizen leaves without a touch: the rating screen times out and goes idle,
    # nothing is stored, and it does not come back for the same ticket.
    _serve_on_counter_screen(page, counter)
    second = Ticket.objects.get(number=1002)
    expect(tab).to_have_url(re.compile(rf"\?ticket={second.pk}$"), timeout=5_000)
    shown = time.monotonic()
    expect(tab.locator("body")).to_have_attribute("data-state", "rating")
    expect(tab).to_have_url(re.compile(rf"/rating/{counter.pk}/$"), timeout=12_000)
    waited = time.monotonic() - shown
    expect(tab.locator("body")).to_have_attribute("data-state", "idle")
    assert 5 <= waited < 10, waited
    tab.wait_for_timeout(1_500)
    expect(tab.locator("body")).to_have_attribute("data-state", "idle")
    assert Rating.objects.count() == 1
    print(f"tablet opened the rating {opened_after * 1000:.0f} ms after the finish")


def test_without_a_websocket_the_tablet_polls_and_still_opens_the_rating(
    page, tablet_browser, center, counter, service, official, tablet_token
):
    # A browser (or a proxy) without websockets: the page falls back to asking pending/.
    tablet = tablet_browser("delete window.WebSocket; window.WebSocket = undefined;")
    tablet.pair(tablet_token, counter)
    tab = tablet.page
    polls: list[str] = []
    tab.on("request", lambda r: polls.append(r.url) if "/pending/" in r.url else None)

    _issue(center, official)
    page.goto(f"/staff/counter/{counter.pk}/")
    _login(page, official.username)
    _serve_on_counter_screen(page, counter)
    ticket = Ticket.objects.get(number=1001)

    started = time.monotonic()
    expect(tab).to_have_url(re.compile(rf"\?ticket={ticket.pk}$"), timeout=6_000)
    elapsed = time.monotonic() - started
    assert elapsed < 5.5, elapsed
    assert polls, "the tablet never asked pending/"
    tab.get_by_role("radio", name="Rất hài lòng").click()
    tab.get_by_role("button", name="Gửi đánh giá").click()
    expect(tab.locator("body")).to_have_attribute("data-state", "thanks")
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.official_id, rating.score) == (
        ticket.pk,
        official.pk,
        "very_satisfied",
    )
    print(f"polling tablet opened the rating {elapsed * 1000:.0f} ms after the finish")


def test_the_tablet_on_a_phone_sized_screen(
    page, tablet_browser, center, counter, service, official, tablet_token
):
    """The rating screen also fits a small screen in portrait (a phone used as a tablet)."""
    from tests.feedback.conftest import serve

    ticket = serve(center, counter, official)
    tablet = tablet_browser()
    # Paired after the counter finished: it asks about the ticket just served.
    tablet.pair(tablet_token, counter, state="rating")
    tab = tablet.page
    assert tab.url.endswith(f"/rating/{counter.pk}/")
    for name, size in (("390x844", PHONE), ("800x1280", {"width": 800, "height": 1280})):
        tab.set_viewport_size(size)
        _shot(tab, f"rating-tablet-rating-{name}.png")
        assert tab.evaluate("document.documentElement.scrollWidth") <= size["width"]
    assert_accessible(tab)
    tab.get_by_role("radio", name="Hài lòng", exact=True).click()
    tab.get_by_role("button", name="Gửi đánh giá").click()
    expect(tab.locator("body")).to_have_attribute("data-state", "thanks")
    _shot(tab, "rating-tablet-thanks-390x844.png")
    assert Rating.objects.get().ticket_id == ticket.pk


# --- The dossier survey (QR code on form 01, link in the result notice) -------------------------


@pytest.fixture
def procedure(center):
    from tests.dossiers.conftest import make_procedure

    return make_procedure(center, channels=("1", "2", "3"))


def test_the_dossier_survey_asks_the_secret_then_thanks_once(page, center, procedure, official):
    dossier = make_dossier(center, procedure, id_number="001095012345", received_by=official)
    # Only this test's questions (the default ones may or may not be there: transactional tests
    # empty the database after them).
    SurveyQuestion.objects.update(active=False)
    asked = SurveyQuestion.objects.create(
        center=center,
        order=1,
        text="Ông/bà có phải đi lại nhiều lần không?",
        kind="yes_no",
        required=True,
    )
    written = SurveyQuestion.objects.create(
        center=None, order=2, text="Ông/bà muốn trung tâm cải thiện điều gì?", kind="text"
    )
    page.set_viewport_size(PHONE)
    page.goto(f"/dossiers/rate/{tracking_token(dossier)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đánh giá việc giải quyết hồ sơ")
    expect(page.locator(".lead")).to_contain_text(dossier.code)
    assert_accessible(page)
    _shot(page, "rating-dossier-390x844.png")

    secret = page.get_by_label("4 số cuối của số CCCD hoặc số điện thoại của người nộp hồ sơ")
    secret.fill("9999")
    overall = page.get_by_role("group", name=re.compile("Nhìn chung"))
    overall.get_by_role("radio", name="Hài lòng", exact=True).click()
    page.get_by_role("group", name=re.compile("đi lại nhiều lần")).get_by_label("Không").check()
    page.get_by_label("Ông/bà muốn trung tâm cải thiện điều gì?").fill("Thêm chỗ ngồi chờ")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("rating-error")).to_be_visible()
    assert not Rating.objects.exists()
    # What was chosen and typed is still there.
    expect(overall.get_by_role("radio", name="Hài lòng", exact=True)).to_be_checked()
    expect(page.get_by_label("Ông/bà muốn trung tâm cải thiện điều gì?")).to_have_value(
        "Thêm chỗ ngồi chờ"
    )
    assert_accessible(page)
    _shot(page, "rating-dossier-error-390x844.png")

    secret.fill("2345")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("rating-thanks")).to_be_visible()
    _shot(page, "rating-dossier-thanks-390x844.png")
    rating = Rating.objects.get()
    assert (rating.kind, rating.channel, rating.dossier_id) == ("dossier", "link", dossier.pk)
    assert rating.score == "satisfied"
    assert rating.official == official
    assert rating.answers == {str(asked.pk): "no", str(written.pk): "Thêm chỗ ngồi chờ"}

    page.goto(f"/dossiers/rate/{tracking_token(dossier)}/")
    expect(page.get_by_role("status")).to_have_text("Hồ sơ này đã được đánh giá. Cảm ơn ông/bà.")
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    assert Rating.objects.count() == 1


# --- The suggestion box -------------------------------------------------------------------------


def test_suggestion_box_submission_answer_and_publication(page, center, official):
    leader = staff("leader", center, username="lanhdao-hp", first_name="Hà", last_name="Nguyễn")
    page.set_viewport_size(PHONE)
    page.goto("/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hòm thư góp ý, phản ánh")
    assert_accessible(page)
    _shot(page, "feedback-submit-390x844.png")

    # Missing fields: messages in Vietnamese next to them, what was typed is kept.
    page.get_by_label("Tiêu đề").fill("Bãi gửi xe chật")
    page.get_by_label("Nội dung").fill("Ngắn")
    page.get_by_role("button", name="Gửi góp ý").click()
    expect(page.get_by_test_id("feedback-error")).to_have_text(
        "Hãy kiểm tra lại các ô được đánh dấu."
    )
    expect(page.get_by_text("Hãy chọn trung tâm.")).to_be_visible()
    expect(page.get_by_text("Hãy chọn loại góp ý.")).to_be_visible()
    expect(page.get_by_text("Hãy viết nội dung góp ý (ít nhất 10 ký tự).")).to_be_visible()
    expect(page.get_by_text("Hãy đồng ý để trung tâm xử lý thông tin ông/bà gửi.")).to_be_visible()
    expect(page.get_by_label("Tiêu đề")).to_have_value("Bãi gửi xe chật")
    expect(page.get_by_label("Nội dung")).to_have_value("Ngắn")
    assert not Feedback.objects.exists()
    assert_accessible(page)
    _shot(page, "feedback-submit-errors-390x844.png")

    page.get_by_label("Trung tâm", exact=True).select_option(center.code)
    page.get_by_label("Kiến nghị, góp ý").check()
    page.get_by_label("Nội dung").fill(
        "Bãi gửi xe trước trung tâm chật, buổi sáng người dân phải để xe ngoài đường."
    )
    page.get_by_label(re.compile("Tôi đồng ý")).check()
    page.get_by_role("button", name="Gửi góp ý").click()
    code = page.get_by_test_id("feedback-code")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{10}$"))
    item = Feedback.objects.get()
    assert code.inner_text() == item.code
    assert item.is_anonymous and item.source == "online" and item.status == "received"
    assert_accessible(page)
    _shot(page, "feedback-submitted-390x844.png")

    page.get_by_role("link", name="Theo dõi góp ý").click()
    expect(page).to_have_url(re.compile(rf"/feedback/follow/\?code={item.code}$"))
    result = page.get_by_test_id("follow-result")
    expect(result).to_contain_text("Bãi gửi xe chật")
    expect(result).to_contain_text("Đã tiếp nhận")
    expect(page.get_by_test_id("follow-answer")).to_have_count(0)
    assert_accessible(page)
    _shot(page, "feedback-follow-390x844.png")

    # The leader assigns it, then answers and publishes the answer.
    desk = page.context.browser.new_context(
        base_url=page.url.split("/feedback")[0],
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
    )
    try:
        staff_page = desk.new_page()
        staff_page.set_default_timeout(10_000)
        staff_page.goto("/staff/feedback/")
        _login(staff_page, leader.username)
        expect(staff_page).to_have_url(re.compile(r"/staff/feedback/$"))
        table = staff_page.get_by_test_id("feedback-table")
        expect(table).to_contain_text("Bãi gửi xe chật")
        assert_accessible(staff_page)
        _shot(staff_page, "feedback-staff-list-1280.png")
        table.get_by_role("link", name=f"{item.number}/{item.year}").click()
        expect(staff_page.get_by_role("heading", level=1)).to_have_text("Bãi gửi xe chật")
        staff_page.get_by_label("Giao cho").select_option(official.username)
        staff_page.get_by_role("button", name="Giao xử lý").click()
        expect(staff_page.get_by_text("Đã giao xử lý.")).to_be_visible()
        expect(staff_page.get_by_test_id("feedback-status")).to_have_text("Đang xử lý")
        answer = "Trung tâm đã bố trí thêm bãi gửi xe ở nhà văn hóa xã, cách 50 m, từ ngày 01/12."
        staff_page.get_by_label("Trả lời", exact=True).fill(answer)
        staff_page.get_by_label(re.compile("Công khai câu trả lời")).check()
        assert_accessible(staff_page)
        _shot(staff_page, "feedback-staff-detail-1280.png")
        staff_page.get_by_role("button", name="Gửi trả lời").click()
        expect(staff_page.get_by_text("Đã lưu câu trả lời.")).to_be_visible()
        expect(staff_page.get_by_test_id("feedback-answer")).to_have_text(answer)
        expect(staff_page.get_by_text("Đã công khai", exact=True)).to_be_visible()
        staff_page.set_viewport_size(PHONE)
        _shot(staff_page, "feedback-staff-answered-390x844.png")
    finally:
        desk.close()
    item.refresh_from_db()
    assert (item.status, item.published, item.assignee, item.answered_by) == (
        "answered",
        True,
        official,
        leader,
    )

    page.reload()
    expect(page.get_by_test_id("follow-answer")).to_have_text(answer)
    expect(page.get_by_test_id("follow-result")).to_contain_text("Đã trả lời")
    _shot(page, "feedback-follow-answered-390x844.png")
    page.goto(f"/feedback/answers/{center.code}/")
    expect(page.locator(".qa")).to_have_count(1)
    expect(page.locator(".qa")).to_contain_text("Bãi gửi xe chật")
    expect(page.locator(".qa")).to_contain_text(answer)
    _shot(page, "feedback-answers-390x844.png")


# --- The leader's figures -----------------------------------------------------------------------


def test_the_leader_sees_the_satisfaction_table_and_the_766_figure(
    page, center, counter, service, official, procedure
):
    from motcua.feedback import services as feedback
    from tests.feedback.conftest import serve

    leader = staff("leader", center, username="lanhdao-hp")
    now = datetime.now(tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    scores = ["very_satisfied", "satisfied", "satisfied", "dissatisfied"]
    for score in scores:
        ticket = serve(center, counter, official)
        feedback.rating_for_ticket(
            token=ticket.token,
            data=feedback.RatingInput(
                score=score, comment="Chờ lâu" if score == "dissatisfied" else ""
            ),
        )
    # Dossiers with a result this month: one late, one on time with a dissatisfied survey.
    make_dossier(center, procedure, processed_at=now - timedelta(hours=2), timeliness="late")
    on_time = make_dossier(center, procedure, processed_at=now - timedelta(hours=1))
    make_dossier(center, procedure, processed_at=now - timedelta(hours=1))
    make_dossier(center, procedure, processed_at=now - timedelta(hours=1))
    feedback.rating_for_dossier(
        code=on_time.code, secret="2345", data=feedback.RatingInput(score="dissatisfied")
    )

    page.goto("/staff/feedback/ratings/")
    _login(page, leader.username)
    expect(page).to_have_url(re.compile(r"/staff/feedback/ratings/$"))
    # 5 ratings: 4 at the counter (3 satisfied) and 1 dossier survey (dissatisfied).
    rate = page.get_by_test_id("satisfaction-rate")
    expect(rate).to_contain_text("60")
    expect(rate).to_contain_text("5 lượt")
    # 766: 4 dossiers with a result, 1 late (25 %), 1 dissatisfied (25 %): 100 − 25 − 25.
    figure = page.get_by_test_id("satisfaction-766")
    expect(figure.locator(".figure__value")).to_have_text(re.compile(r"^50(,0|\.0)?\s%$"))
    table = page.get_by_test_id("rating-table")
    # By official: the four counter ratings are Lan's (the survey's dossier has no receiver).
    row = table.get_by_role("row", name=re.compile("Lan Trần"))
    expect(row.locator("td")).to_have_text(["4", "1", "2", "1", re.compile(r"75,0\s%")])
    expect(page.get_by_test_id("to-review").locator("li")).to_have_count(2)
    assert_accessible(page)
    _shot(page, "feedback-ratings-1280.png")
    page.set_viewport_size(PHONE)
    _shot(page, "feedback-ratings-390x844.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
