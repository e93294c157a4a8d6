"""The tracking register (form 06): a center's dossiers of a year (and field) as a page and
as a spreadsheet, for the center's staff only; the year is the center's own calendar year."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from motcua.catalog.services import center_procedure_set
from motcua.dossiers import services as s
from motcua.dossiers import views_forms
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import register_rows, register_years
from motcua.errors import NotAllowed
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import APPLICANT, TZ, local, make_procedure
from tests.factories import PASSWORD, staff

pytestmark = pytest.mark.django_db

URL = reverse("dossiers_staff:register")
XLSX = reverse("dossiers_staff:register-xlsx")


def receive(center, procedure, actor, at, *, name="Nguyễn Thị Lan", decision="accept"):
    docs = list(procedure.current_version.document_cases.first().documents.all())
    dossier, _form = s.dossier_receive(
        actor=actor,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant={**APPLICANT, "name": name},
        documents=[s.DocumentTick(doc.pk) for doc in docs],
        decision=s.Decision(decision, reasons="Không thuộc thẩm quyền giải quyết của xã."),
        now=at,
    )
    return dossier


@pytest.fixture
def officer(center):
    return staff("receptionist", center, username="tiepnhan")


@pytest.fixture
def birth(center):
    """A second procedure, in the civil-status field."""
    return make_procedure(
        center, code="9.000002", name="Thủ tục đăng ký khai sinh", field=("ho-tich", "Hộ tịch")
    )


@pytest.fixture
def book(center, procedure, birth, officer):
    """Dossiers around the turn of 2025–2026 in two fields."""
    return {
        "old": receive(center, procedure, officer, local(2025, 6, 2, 9), name="Lê Văn Cũ"),
        "eve": receive(center, birth, officer, local(2025, 12, 31, 23, 30), name="Đỗ Thị Đêm"),
        "first": receive(center, procedure, officer, local(2026, 1, 1, 0, 30), name="Phạm Văn Một"),
        "birth": receive(center, birth, officer, local(2026, 3, 2, 10), name="Hoàng Thị Hai"),
        "later": receive(center, procedure, officer, local(2026, 5, 4, 14), name="Vũ Văn Ba"),
        "refused": receive(
            center, procedure, officer, local(2026, 5, 5, 8), name="Trịnh Thị Tư", decision="refuse"
        ),
    }


def codes(rows) -> list[str]:
    return [row.code for row in rows]


# --- The selector -----------------------------------------------------------------------------


def test_rows_of_a_year_in_the_order_received(center, officer, book):
    rows = register_rows(user=officer, center=center, year=2026)
    assert codes(rows) == [book[k].code for k in ("first", "birth", "later", "refused")]
    assert codes(register_rows(user=officer, center=center, year=2025)) == [
        book["old"].code,
        book["eve"].code,
    ]
    assert codes(register_rows(user=officer, center=center, year=2026, field_code="ho-tich")) == [
        book["birth"].code
    ]
    assert register_years(center=center) == [2025, 2026]


def test_the_year_is_the_centers_calendar_year(center, procedure, officer):
    """Bounds at midnight in the center's zone, whatever the server's zone is."""
    center.time_zone = "Asia/Tokyo"  # UTC+9, the server runs on UTC+7
    center.save()
    # 23:30 on 31 Dec 2025 in Tokyo, and 00:30 on 1 Jan 2026 in Tokyo (still 2025 in Hà Nội).
    eve = receive(center, procedure, officer, datetime(2025, 12, 31, 21, 30, tzinfo=TZ))
    new = receive(center, procedure, officer, datetime(2025, 12, 31, 22, 30, tzinfo=TZ))
    assert codes(register_rows(user=officer, center=center, year=2025)) == [eve.code]
    assert codes(register_rows(user=officer, center=center, year=2026)) == [new.code]


def test_only_staff_who_see_the_centers_dossiers(center, other_center, book):
    postal = staff("postal", center, username="buudien")
    with pytest.raises(NotAllowed):
        register_rows(user=postal, center=center, year=2026)
    other = staff("receptionist", other_center, username="khac")
    with pytest.raises(NotAllowed):
        register_rows(user=other, center=center, year=2026)
    leader = staff("leader", center, username="lanhdao")
    assert len(register_rows(user=leader, center=center, year=2026)) == 4


# --- The page ---------------------------------------------------------------------------------


def row_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def test_page_shows_the_chosen_year_and_field(client, center, officer, book):
    client.force_login(officer)
    response = client.get(URL, {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    assert row_codes(html) == [book[k].code for k in ("first", "birth", "later", "refused")]
    assert "Sổ theo dõi hồ sơ" in html and "Mẫu số 06" in html
    assert "Năm 2026: 4 hồ sơ." in html
    assert "Phạm Văn Một" in html and "Lê Văn Cũ" not in html
    # The received and due times in the center's zone; the refused one has no due date.
    assert "01/01/2026 <small>00:30</small>" in html
    assert "Không tiếp nhận (từ chối)" in html
    assert '<option value="ho-tich">Hộ tịch</option>' in html

    html = client.get(URL, {"year": 2026, "field": "ho-tich"}).content.decode()
    assert row_codes(html) == [book["birth"].code]
    assert "Lĩnh vực: Hộ tịch." in html

    html = client.get(URL, {"year": 2025}).content.decode()
    assert row_codes(html) == [book["old"].code, book["eve"].code]
    assert '<option value="2025" selected>2025</option>' in html


def test_returned_dossiers_show_when_and_how(client, center, officer, book):
    dossier = book["later"]
    Dossier.objects.filter(pk=dossier.pk).update(status=9)  # processed (part 2 of the workflow)
    s.dossier_return_result(
        actor=officer, dossier=dossier, delivery="counter", now=local(2026, 5, 7, 15, 45)
    )
    client.force_login(officer)
    html = client.get(URL, {"year": 2026}).content.decode()
    row = html.split(f'<tr data-code="{dossier.code}">')[1].split("</tr>")[0]
    assert "07/05/2026 <small>15:45</small>" in row
    assert "Nhận tại bộ phận một cửa" in row
    assert "Đã trả kết quả" in row


def test_pages_of_rows_keep_their_order_numbers(client, center, officer, book, monkeypatch):
    monkeypatch.setattr(views_forms, "REGISTER_PAGE_SIZE", 3)
    client.force_login(officer)
    html = client.get(URL, {"year": 2026, "page": 2}).content.decode()
    assert row_codes(html) == [book["refused"].code]
    assert '<td class="register__n">4</td>' in html
    assert "Trang 2/2" in html
    assert f"?center={center.code}&amp;year=2026&amp;page=1" in html


def test_default_year_is_this_year_in_the_center(client, center, officer, book):
    client.force_login(officer)
    with time_machine.travel(local(2026, 8, 1, 9), tick=False):
        html = client.get(URL).content.decode()
    assert "Năm 2026: 4 hồ sơ." in html


def test_bad_year_and_field_are_explained_and_ignored(client, center, officer, book):
    client.force_login(officer)
    with time_machine.travel(local(2026, 8, 1, 9), tick=False):
        html = client.get(URL, {"year": "abc", "field": "khong-co"}).content.decode()
    assert "Năm “abc” không hợp lệ; đang hiển thị năm 2026." in html
    assert (
        "Trung tâm chưa có hồ sơ thuộc lĩnh vực mã “khong-co”; đang hiển thị mọi lĩnh vực." in html
    )
    assert len(row_codes(html)) == 4


def test_staff_of_several_centers_choose_one(
    client, center, other_center, procedure, officer, book
):
    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    from motcua.organization.services import membership_grant

    membership_grant(actor=None, user=officer, role="receptionist", center=other_center)
    theirs = receive(other_center, procedure, officer, local(2026, 2, 2, 9))
    client.force_login(officer)
    html = client.get(URL, {"center": other_center.code, "year": 2026}).content.decode()
    assert row_codes(html) == [theirs.code]
    assert f'<option value="{other_center.code}" selected>' in html
    html = client.get(URL, {"center": center.code, "year": 2026}).content.decode()
    assert theirs.code not in html and len(row_codes(html)) == 4


def test_others_get_404_and_anonymous_log_in(client, center, other_center, book):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    response = client.get(XLSX)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))

    other = staff("receptionist", other_center, username="khac")
    client.force_login(other)
    assert client.get(URL, {"center": center.code}).status_code == 404
    assert client.get(XLSX, {"center": center.code}).status_code == 404
    # Their own center's register is empty.
    assert row_codes(client.get(URL, {"year": 2026}).content.decode()) == []

    client.force_login(staff("postal", center, username="buudien"))
    assert client.get(URL).status_code == 404
    assert client.get(XLSX).status_code == 404


# --- The spreadsheet --------------------------------------------------------------------------


def test_xlsx_has_every_row_with_real_dates(client, center, officer, book, monkeypatch):
    monkeypatch.setattr(views_forms, "REGISTER_PAGE_SIZE", 2)  # no pagination in the export
    client.force_login(officer)
    response = client.get(XLSX, {"center": center.code, "year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="so-theo-doi-hanh-phuc-2026.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "SỔ THEO DÕI HỒ SƠ (Mẫu số 06)"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == f"{center.name} – mã đơn vị {center.unit_code}"
    assert sheet["A3"].value == "Năm 2026"
    header = [cell.value for cell in sheet[5]]
    assert header == [
        "TT",
        "Mã hồ sơ",
        "Thủ tục hành chính",
        "Người nộp",
        "Ngày nhận",
        "Hẹn trả",
        "Ngày trả",
        "Hình thức trả",
        "Trạng thái",
    ]
    assert all(cell.font.bold for cell in sheet[5])
    assert sheet.column_dimensions["C"].width >= 40
    assert sheet.freeze_panes == "A6"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    assert [row[1] for row in rows] == [
        book[k].code for k in ("first", "birth", "later", "refused")
    ]
    first = rows[0]
    assert first[0] == 1
    assert first[2] == "Thủ tục cấp giấy phép nuôi chim yến"
    assert first[3] == "Phạm Văn Một"
    # A real Excel date, as the center's wall clock showed it.
    assert first[4] == datetime(2026, 1, 1, 0, 30, tzinfo=TZ).replace(tzinfo=None)
    due = book["first"].due_at.astimezone(TZ).replace(tzinfo=None)
    assert first[5] == due
    assert first[6] is None and first[7] is None
    assert first[8] == "Đã tiếp nhận"
    assert sheet.cell(row=6, column=5).number_format == "dd/mm/yyyy hh:mm"
    assert rows[3][5] is None and rows[3][8] == "Không tiếp nhận (từ chối)"


def test_xlsx_of_one_field(client, center, officer, book):
    client.force_login(officer)
    response = client.get(XLSX, {"year": 2025, "field": "ho-tich"})
    assert response["Content-Disposition"].endswith('so-theo-doi-hanh-phuc-2025-ho-tich.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "Năm 2025 – lĩnh vực: Hộ tịch"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    assert [row[1] for row in rows] == [book["eve"].code]
    assert rows[0][4] == datetime(2025, 12, 31, 23, 30, tzinfo=TZ).replace(tzinfo=None)


# --- In a browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_receptionist_opens_the_register_in_a_browser(page, center, procedure, birth):
    from playwright.sync_api import expect

    officer = staff("receptionist", center, username="tiepnhan")
    names = ["Nguyễn Thị Lan", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Minh Đức", "Hoàng Văn Em"]
    for day, name in enumerate(names, start=2):
        receive(center, birth if day % 2 else procedure, officer, local(2026, 3, day, 9), name=name)
    refused = receive(
        center, procedure, officer, local(2026, 3, 9, 10), name="Đặng Thị Giang", decision="refuse"
    )
    assert refused.status == 3

    page.goto(URL + "?year=2026")
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sổ theo dõi hồ sơ")
    expect(page.locator("tbody tr")).to_have_count(6)
    expect(page.get_by_role("cell", name="Đặng Thị Giang")).to_be_visible()

    page.get_by_label("Lĩnh vực").select_option("ho-tich")
    page.get_by_role("button", name="Xem sổ").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Lĩnh vực").select_option("")
    page.get_by_role("button", name="Xem sổ").click()
    expect(page.locator("tbody tr")).to_have_count(6)

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về Excel").click()
    assert download.value.suggested_filename == "so-theo-doi-hanh-phuc-2026.xlsx"
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "dossier-register.png"), full_page=True)
