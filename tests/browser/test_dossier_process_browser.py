"""A dossier's way through the center in a real browser: the receptionist who accepted it
forwards it to a specialist; the specialist finds it in "Hồ sơ của tôi", attaches the result
document and forwards it to the leader; the leader approves; the receptionist marks it processed
and hands the result over at the counter. The dossier's page then shows every hand-over, and the
process-control slip (form 05) lists each of them. Every page is checked by axe-core and
photographed into test-artifacts/."""

import io
import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import checklist_for
from motcua.organization.models import Role
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import APPLICANT, make_procedure, pdf_bytes
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Wednesday, 09:00 in the center's zone: 3 working days later is Monday 30/11 09:00.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
OFFICE_PC = {"width": 1366, "height": 768}


@pytest.fixture
def frozen():
    # Ticking: the live server runs in this process and sees the same clock.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/staff/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def _open_from_my_list(page, code: str) -> None:
    page.get_by_role("link", name=re.compile("Hồ sơ của tôi")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    page.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)


def test_specialist_leader_counter_returned_with_every_hand_over(page, center, frozen):
    procedure = make_procedure(center, channels=("1", "2", "3"))
    receptionist = staff(
        Role.RECEPTIONIST, center, username="tiepnhan", first_name="Lan", last_name="Nguyễn Thị"
    )
    staff(Role.SPECIALIST, center, username="chuyenvien", first_name="Bình", last_name="Trần Văn")
    staff(Role.SPECIALIST, center, username="chuyenvien2", first_name="Cúc", last_name="Phạm Thị")
    staff(Role.LEADER, center, username="lanhdao", first_name="Hùng", last_name="Lê Văn")
    accepted, _form = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        decision=services.Decision("accept"),
    )
    code = accepted.code
    page.set_viewport_size(OFFICE_PC)

    # The receptionist forwards the dossier to the specialist chosen by name.
    _log_in(page, "tiepnhan")
    _open_from_my_list(page, code)
    forward = page.get_by_test_id("forward")
    forward.get_by_label("Người nhận").select_option("chuyenvien")
    _shot(page, "process-1-reception-forward-1366x768.png")
    forward.get_by_role("button", name="Chuyển").click()
    expect(page.locator(".messages")).to_contain_text("Chuyển bước tiếp theo")

    # The specialist: the staff home counts it, "Hồ sơ của tôi" lists it.
    _log_in(page, "chuyenvien")
    expect(page.get_by_test_id("mine-open")).to_have_text("1 hồ sơ đang xử lý")
    _shot(page, "process-2-specialist-home-1366x768.png")
    page.get_by_role("link", name=re.compile("Hồ sơ của tôi")).first.click()
    row = page.locator(f'tr[data-code="{code}"]')
    expect(row).to_contain_text("Thẩm định, xử lý")
    expect(row).to_contain_text("Trần Văn Bình")
    assert_accessible(page)
    _shot(page, "process-3-specialist-mine-1366x768.png")
    row.get_by_role("link", name=code).click()

    # The result document (a real PDF), then on to the leader.
    attach = page.get_by_test_id("attach-result")
    attach.get_by_label("Đính kèm văn bản kết quả").set_input_files(
        {"name": "quyet-dinh-cap-phep.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    attach.get_by_role("button", name="Đính kèm kết quả").click()
    expect(page.get_by_test_id("attach-result")).to_contain_text("quyet-dinh-cap-phep.pdf")
    forward = page.get_by_test_id("forward")
    expect(forward).to_contain_text("Phê duyệt, ký kết quả")
    assert_accessible(page)
    _shot(page, "process-4-specialist-dossier-1366x768.png")
    forward.get_by_role("button", name="Chuyển").click()
    expect(page.get_by_test_id("forward")).to_have_count(0)

    # The leader approves.
    _log_in(page, "lanhdao")
    _open_from_my_list(page, code)
    approve = page.get_by_test_id("approve")
    expect(approve).to_contain_text("quyet-dinh-cap-phep.pdf")
    _shot(page, "process-5-leader-approve-1366x768.png")
    approve.get_by_role("button", name="Phê duyệt").click()
    expect(page.get_by_test_id("approve")).to_have_count(0)

    # Back at the counter: processed, then handed over.
    _log_in(page, "tiepnhan")
    _open_from_my_list(page, code)
    page.get_by_test_id("mark-processed").get_by_role("button", name="Có kết quả").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Đã có kết quả")
    page.get_by_label("Tại bộ phận một cửa").check()
    _shot(page, "process-6-counter-return-1366x768.png")
    page.get_by_role("button", name="Ghi nhận trả kết quả").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Đã trả kết quả")

    # Every hand-over on the page: giver → receiver, with the step's timeliness.
    handovers = page.get_by_test_id("handover")
    texts = [handovers.nth(i).inner_text() for i in range(handovers.count())]
    expected = [
        ("Nguyễn Thị Lan", "Trần Văn Bình"),
        ("Trần Văn Bình", "Lê Văn Hùng"),
        ("Lê Văn Hùng", "Nguyễn Thị Lan"),
    ]
    for giver, receiver in expected:
        assert any(f"người giao {giver} → người nhận {receiver}" in text for text in texts), texts
    # Steps finished on the day they were due are on time; earlier, early (none is late).
    assert all(
        ("Trước hạn" in text or "Đúng hạn" in text) and "Quá hạn" not in text
        for text in texts
        if "người giao" in text
    ), texts
    expect(page.get_by_test_id("timeliness")).to_have_text("Trước hạn")
    assert_accessible(page)
    _shot(page, "process-7-returned-timeline-1366x768.png")

    # Form 05 (the process-control slip) lists each hand-over.
    link = page.get_by_test_id("form05")
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = " ".join(
        page_.extract_text() or "" for page_ in PdfReader(io.BytesIO(response.body())).pages
    )
    flat = re.sub(r"\s+", " ", text)
    for name in ("Nguyễn Thị Lan", "Trần Văn Bình", "Lê Văn Hùng"):
        assert name in flat, flat
    for step in ("Tiếp nhận, chuyển hồ sơ", "Thẩm định, xử lý", "Phê duyệt, ký kết quả"):
        assert step in flat, flat
    assert Dossier.objects.get(code=code).status == 10


def _accept(center, procedure, receptionist, name: str) -> Dossier:
    dossier, _form = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant={**APPLICANT, "name": name},
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        decision=services.Decision("accept"),
    )
    return dossier


def test_a_leader_assigns_dossiers_in_bulk_from_the_centers_list(page, center, frozen):
    from motcua.dossiers import processing

    procedure = make_procedure(center, channels=("1", "2", "3"))
    receptionist = staff(Role.RECEPTIONIST, center, username="tiepnhan")
    staff(Role.SPECIALIST, center, username="chuyenvien", first_name="Bình", last_name="Trần Văn")
    staff(Role.LEADER, center, username="lanhdao", first_name="Hùng", last_name="Lê Văn")
    old = _accept(center, procedure, receptionist, "Phạm Văn Cũ")
    frozen.move_to(datetime(2026, 11, 25, 15, 0, tzinfo=NOW.tzinfo))  # reception step overdue
    fresh = [_accept(center, procedure, receptionist, f"Công Dân {n}") for n in (1, 2)]
    for dossier in fresh:
        processing.dossier_act(actor=receptionist, dossier=dossier, action="forward")
    page.set_viewport_size(OFFICE_PC)

    _log_in(page, "lanhdao")
    page.get_by_role("link", name=re.compile("Hồ sơ đang xử lý của trung tâm")).click()
    expect(page.get_by_test_id("list-count")).to_have_text("3 hồ sơ")
    expect(page.locator(f'tr[data-code="{old.code}"] [data-mark="overdue"]')).to_be_visible()
    for dossier in fresh:
        page.get_by_label(f"Chọn hồ sơ {dossier.code}").check()
    page.get_by_label("Phân công các hồ sơ đã đánh dấu cho").select_option("chuyenvien")
    assert_accessible(page)
    _shot(page, "process-8-center-list-bulk-1366x768.png")
    page.get_by_role("button", name="Phân công", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã phân công 2 hồ sơ.")
    for dossier in fresh:
        expect(page.locator(f'tr[data-code="{dossier.code}"]')).to_contain_text("Trần Văn Bình")
    page.get_by_label("Thời hạn").select_option("overdue")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_test_id("list-count")).to_have_text("1 hồ sơ")
    _shot(page, "process-9-center-list-overdue-1366x768.png")
