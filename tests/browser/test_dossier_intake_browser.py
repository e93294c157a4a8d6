"""Receiving a dossier in a real browser: a receptionist calls a ticket at the counter, serves
it, opens the intake from it, finds the procedure, scans the citizen's ID card (the QR string
typed as a USB scanner types it, then Enter), ticks the checklist, attaches a scan, accepts and
prints form 01. Also: checking an online dossier, and the postal registration. Every page is
checked by axe-core (see conftest) and photographed into test-artifacts/."""

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, FormRecord
from motcua.queueing import services
from motcua.queueing.models import QueueService
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import APPLICANT, CCCD, make_procedure, pdf_bytes, upload
from tests.factories import PASSWORD, CounterFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Wednesday, 09:00 in the center's zone: 3 working days later is Monday 30/11 09:00.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
COUNTER_PC = {"width": 1366, "height": 768}


@pytest.fixture
def frozen():
    # Ticking: the live server runs in this process and sees the same clock.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def procedure(center):
    make_procedure(center, "9.000002", name="Thủ tục đăng ký khai thác nước dưới đất")
    return make_procedure(center, channels=("1", "2", "3"))


def _shot(page, name: str, full_page: bool = True) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=full_page)


def _log_in(page, username: str, url: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _press(page, key: str) -> None:
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def test_a_receptionist_receives_from_the_called_ticket_with_a_scanned_id(
    page, center, procedure, frozen
):
    counter = CounterFactory(center=center, number=1, name="Quầy Tư pháp - Hộ tịch")
    service = QueueService.objects.create(
        center=center,
        code="ho-tich",
        name="Hộ tịch, chứng thực",
        number_start=1001,
        number_end=1999,
    )
    service.counters.set([counter])
    services.priority_groups_ensure(center)
    staff("receptionist", center, username="tiepnhan")
    services.ticket_issue(
        issuer=services.Issuer(source="staff", user=staff("receptionist", center, username="ps")),
        center=center,
        service_code="ho-tich",
    )
    page.set_viewport_size(COUNTER_PC)

    # At the counter: call the ticket, start serving it, open the intake from it.
    _log_in(page, "tiepnhan", "/staff/counter/")
    page.get_by_role("link", name=re.compile("Quầy 1 · Quầy Tư pháp")).click()
    _press(page, "n")
    expect(page.get_by_test_id("current-number")).to_have_text("1001")
    expect(page.get_by_role("link", name="Tiếp nhận hồ sơ")).to_have_count(0)
    _press(page, "s")
    receive = page.get_by_role("link", name="Tiếp nhận hồ sơ")
    expect(receive).to_be_visible()
    _shot(page, "counter-serving-receive-link-1366x768.png", full_page=False)
    receive.click()

    # The intake: the ticket, then the procedure found by a search without diacritics.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp nhận hồ sơ")
    expect(page.get_by_test_id("intake-ticket")).to_contain_text("1001")
    expect(page.get_by_test_id("intake-ticket")).to_contain_text("Hộ tịch, chứng thực")
    search = page.get_by_label("Tìm thủ tục của trung tâm")
    expect(search).to_be_focused()
    page.wait_for_load_state("load")
    page.keyboard.type("chim yen")
    result = page.get_by_role("link", name=re.compile("nuôi chim yến"))
    expect(result).to_be_visible()  # swapped in by htmx while typing
    expect(page.get_by_role("link", name=re.compile("nước dưới đất"))).to_have_count(0)
    assert_accessible(page)
    _shot(page, "intake-search-1366x768.png")
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")

    # The scanner types the ID card's QR string and Enter into the focused scan field.
    expect(page.get_by_test_id("procedure-name")).to_have_text(
        "Thủ tục cấp giấy phép nuôi chim yến"
    )
    scan = page.get_by_label("Quét CCCD")
    expect(scan).to_be_focused()
    page.wait_for_load_state("load")
    _shot(page, "intake-scan-focused-1366x768.png", full_page=False)
    page.keyboard.type(CCCD, delay=2)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Họ tên người nộp / tên tổ chức")).to_have_value("Nguyễn Thị Lan")
    expect(page.get_by_label("Số CCCD / mã số tổ chức")).to_have_value("001095012345")
    expect(page.get_by_label("Số CMND cũ")).to_have_value("123456789")
    expect(page.get_by_label("Ngày sinh")).to_have_value("1995-03-15")
    expect(page.get_by_label("Ngày cấp CCCD")).to_have_value("2021-04-10")
    expect(page.get_by_label("Giới tính")).to_have_value("female")
    expect(page.get_by_label("Địa chỉ")).to_have_value(re.compile("^Số 12, thôn Đông"))
    expect(scan).to_have_value("")
    expect(page.get_by_role("status").filter(has_text="Đã điền từ căn cước")).to_be_visible()
    expect(page.get_by_label("Điện thoại", exact=True)).to_be_focused()
    page.keyboard.type(APPLICANT["phone"])

    # A broken string shows why, and changes nothing.
    scan.fill("001095012345|Nguyễn Thị Lan")
    scan.press("Enter")
    expect(page.get_by_text("không phải mã QR của căn cước công dân")).to_be_visible()
    expect(page.get_by_label("Họ tên người nộp / tên tổ chức")).to_have_value("Nguyễn Thị Lan")
    # The card scanned into another field (here the e-mail) is read from there too.
    email = page.get_by_label("Thư điện tử")
    email.fill("")
    page.get_by_label("Họ tên người nộp / tên tổ chức").fill("")
    email.focus()
    page.keyboard.type(CCCD, delay=1)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Họ tên người nộp / tên tổ chức")).to_have_value("Nguyễn Thị Lan")
    expect(email).to_have_value("")
    expect(scan).to_have_value("")

    # The checklist, with a scanned PDF for the application form.
    page.get_by_role("checkbox", name="Đơn đề nghị cấp giấy phép").check()
    page.get_by_role("checkbox", name="Sơ đồ nhà yến").check()
    page.get_by_label("Tệp quét: Đơn đề nghị cấp giấy phép").set_input_files(
        files=[{"name": "don-de-nghi.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    assert_accessible(page)
    _shot(page, "intake-filled-1366x768.png")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()

    # The dossier: its code big, the due date, form 01 to print, the way back to the counter.
    dossier = Dossier.objects.get()
    expect(page.get_by_test_id("dossier-code")).to_have_text(dossier.code)
    assert re.fullmatch(r"000\.00\.10\.H34-261125-0001", dossier.code)
    expect(page.get_by_test_id("due-at")).to_contain_text("09:00")
    expect(page.get_by_test_id("due-at")).to_contain_text("30/11/2026")
    assert (dossier.status, dossier.ticket.display, dossier.phone) == (2, "1001", "0912345678")
    assert dossier.files.get().original_name == "don-de-nghi.pdf"
    expect(page.get_by_role("link", name="don-de-nghi.pdf").first).to_be_visible()
    expect(page.get_by_role("link", name="Quay lại màn hình gọi số")).to_be_visible()
    assert_accessible(page)
    _shot(page, "dossier-accepted-1366x768.png")
    _shot(page, "dossier-accepted-fold-1366x768.png", full_page=False)

    form = FormRecord.objects.get(dossier=dossier)
    assert form.form == "01"
    printing = page.get_by_role("link", name="In phiếu")
    href = printing.get_attribute("href")
    assert href == f"/staff/dossiers/{dossier.code}/forms/{form.pk}.pdf"
    answer = page.request.get(href)
    assert answer.status == 200, answer.status
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")

    scan_file = page.request.get(
        page.get_by_role("link", name="don-de-nghi.pdf").first.get_attribute("href")
    )
    assert scan_file.headers["content-type"] == "application/pdf"
    assert scan_file.headers["x-content-type-options"] == "nosniff"

    page.get_by_role("link", name="Quay lại màn hình gọi số").click()
    expect(page.get_by_test_id("current-number")).to_have_text("1001")


def test_a_receptionist_checks_an_online_dossier_and_asks_for_a_supplement(
    page, center, procedure, frozen
):
    docs = list(procedure.current_version.document_cases.first().documents.order_by("order"))
    with time_machine.travel(datetime(2026, 11, 24, 15, 30, tzinfo=NOW.tzinfo), tick=False):
        dossier = dossier_services.dossier_submit_online(
            center=center,
            procedure_code=procedure.code,
            applicant=APPLICANT,
            uploads=[dossier_services.Upload(upload("don.pdf", pdf_bytes()), docs[0].pk)],
        )
    staff("receptionist", center, username="tiepnhan")
    page.set_viewport_size(COUNTER_PC)
    _log_in(page, "tiepnhan", "/staff/")
    expect(page.get_by_test_id("online-waiting")).to_have_text("1 hồ sơ")
    _shot(page, "staff-home-dossier-tiles-1366x768.png")
    page.get_by_role("link", name=re.compile("Hồ sơ trực tuyến chờ kiểm tra")).click()
    expect(page.get_by_role("cell", name="17 giờ 30 phút")).to_be_visible()
    assert_accessible(page)
    _shot(page, "online-list-1366x768.png")
    page.get_by_role("link", name=dossier.code).click()

    expect(page.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký (chờ kiểm tra)")
    expect(page.get_by_role("checkbox", name="Đơn đề nghị cấp giấy phép")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Sơ đồ nhà yến")).not_to_be_checked()
    assert_accessible(page)
    _shot(page, "online-check-1366x768.png")
    # Enter in a field decides nothing: a decision is a button.
    page.get_by_role("checkbox", name="Sơ đồ nhà yến").check()
    page.get_by_label("Số bản sao: Sơ đồ nhà yến").press("Enter")
    page.wait_for_timeout(300)
    dossier.refresh_from_db()
    assert dossier.status == 1
    page.get_by_role("checkbox", name="Sơ đồ nhà yến").uncheck()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Còn thiếu")
    expect(page.get_by_role("alert")).to_contain_text("Sơ đồ nhà yến")
    assert_accessible(page)
    _shot(page, "online-check-incomplete-1366x768.png")

    page.get_by_label("Giấy tờ khác cần bổ sung (mỗi dòng một mục)").fill("Ảnh chụp khu vực nuôi")
    page.get_by_role("button", name="Yêu cầu bổ sung").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Yêu cầu bổ sung")
    dossier.refresh_from_db()
    assert dossier.status == 5
    assert dossier.supplements.get().items == ["Sơ đồ nhà yến", "Ảnh chụp khu vực nuôi"]

    page.get_by_role("link", name="Danh sách hồ sơ").first.click()
    expect(page.get_by_role("link", name=dossier.code)).to_be_visible()
    assert_accessible(page)
    _shot(page, "dossier-list-1366x768.png")


def test_postal_staff_register_a_dossier_that_came_by_post(page, center, procedure, frozen):
    staff("postal", center, username="buudien")
    page.set_viewport_size(COUNTER_PC)
    _log_in(page, "buudien", "/staff/")
    page.get_by_role("link", name=re.compile("Nhận hồ sơ qua bưu chính")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận hồ sơ qua bưu chính")
    page.get_by_label("Tìm thủ tục của trung tâm").fill("giay phep nuoi chim")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_role("link", name=re.compile("nuôi chim yến")).click()

    expect(page.get_by_label("Qua dịch vụ bưu chính công ích")).to_be_checked()
    page.get_by_label("Quét CCCD").fill(CCCD)
    page.get_by_label("Quét CCCD").press("Enter")
    expect(page.get_by_label("Họ tên người nộp / tên tổ chức")).to_have_value("Nguyễn Thị Lan")
    page.get_by_role("checkbox", name="Đơn đề nghị cấp giấy phép").check()
    page.get_by_role("checkbox", name="Sơ đồ nhà yến").check()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("số hiệu bưu gửi")
    expect(page.get_by_label("Họ tên người nộp / tên tổ chức")).to_have_value("Nguyễn Thị Lan")
    assert_accessible(page)
    _shot(page, "postal-intake-error-1366x768.png")

    page.get_by_label("Số hiệu bưu gửi (mã vận đơn)").fill("EB123456789VN")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.get_by_test_id("tracking-in")).to_have_text("EB123456789VN")
    dossier = Dossier.objects.get()
    assert (dossier.channel, dossier.result_delivery) == (3, "post")
    _shot(page, "postal-dossier-1366x768.png")
