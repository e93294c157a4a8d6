"""The report pages: the dashboard and the province view for their staff only, the Excel
exports opened with openpyxl, the monthly PDF read back, and the public pages without
personal data."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from motcua.organization.models import Role
from tests.factories import staff
from tests.reporting.conftest import NOW

pytestmark = pytest.mark.django_db
NOV = "from=2026-11-01&to=2026-11-30"


@pytest.fixture(autouse=True)
def on_10_december():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader_client(world):
    client = Client()
    client.force_login(staff(Role.LEADER, world.center, username="lanhdao"))
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_dashboard_shows_the_figures_tables_and_charts(world, leader_client):
    response = leader_client.get(f"/staff/reports/centers/{world.center.code}/?{NOV}")
    assert response.status_code == 200
    html = _text(response)
    assert 'data-figure="received"' in html
    assert "77,8 %" in html and "60,0 %" in html and "80,0 %" in html  # Vietnamese decimals
    for table in (
        "months",
        "indicators",
        "fields",
        "procedures",
        "departments",
        "officials",
        "queue-services",
        "queue-counters",
        "queue-officials",
        "queue-hours",
        "arrivals",
    ):
        assert f'data-table="{table}"' in html, table
        assert (
            f"/staff/reports/centers/{world.center.code}/{table}.xlsx?{NOV}".replace("&", "&amp;")
            in html
        )
    # Charts drawn on the server, with a title and a description; no script from elsewhere.
    assert html.count("<svg") >= 2 and '<title id="months-chart-t">' in html
    assert '<desc id="heatmap-d">' in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert src.startswith("/static/"), src
    # The register and the monthly PDFs are linked.
    assert f"/staff/dossiers/register/?center={world.center.code}&amp;year=2026" in html
    assert "monthly.pdf?month=2026-11" in html


def test_dashboard_is_for_reporting_staff_of_the_center(world):
    client = Client()
    url = f"/staff/reports/centers/{world.center.code}/"
    assert client.get(url).status_code == 302  # to the log-in
    client.force_login(staff(Role.RECEPTIONIST, world.center, username="tiepnhan"))
    assert client.get(url).status_code == 404
    client.force_login(staff(Role.CENTER_ADMIN, world.other, username="khac"))
    assert client.get(url).status_code == 404
    assert client.get(f"/staff/reports/centers/{world.other.code}/").status_code == 200
    assert client.get(f"/staff/reports/centers/{world.center.code}/fields.xlsx").status_code == 404
    assert client.get(f"/staff/reports/provinces/{world.center.province.code}/").status_code == 404
    # The reports home goes straight to the only center.
    home = client.get("/staff/reports/")
    assert home.status_code == 302 and home["Location"].endswith(f"/centers/{world.other.code}/")


def test_a_bad_period_is_explained_and_this_month_shown(world, leader_client):
    response = leader_client.get(f"/staff/reports/centers/{world.center.code}/?from=31-11-2026")
    assert response.status_code == 200
    assert "không đúng định dạng" in _text(response)


def test_staff_home_links_the_reports_for_reporting_roles(world, leader_client):
    assert "/staff/reports/" in leader_client.get("/staff/").content.decode()
    client = Client()
    client.force_login(staff(Role.RECEPTIONIST, world.center, username="tiepnhan"))
    assert "/staff/reports/" not in client.get("/staff/").content.decode()


def test_xlsx_export_of_a_table_opens_and_says_what_the_page_says(world, leader_client):
    response = leader_client.get(f"/staff/reports/centers/{world.center.code}/fields.xlsx?{NOV}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Theo lĩnh vực"
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "THEO LĨNH VỰC" and rows[1][0] == world.center.name
    header = rows.index(next(r for r in rows if r[0] == "Lĩnh vực"))
    titles = list(rows[header])
    data = {r[0]: dict(zip(titles, r, strict=False)) for r in rows[header + 1 :] if r[0]}
    civil = data["Hộ tịch"]
    assert civil["Tiếp nhận"] == 3 and civil["Trực tuyến"] == 2 and civil["Trực tiếp"] == 1
    assert civil["Tỷ lệ trực tuyến"] == 66.7 and civil["Tỷ lệ đúng hạn"] == 66.7
    business = data["Đăng ký kinh doanh"]
    assert business["Đang giải quyết quá hạn"] == 1 and business["Tỷ lệ đúng hạn"] == 50.0
    rate_cell = sheet.cell(row=header + 2, column=titles.index("Tỷ lệ đúng hạn") + 1)
    assert rate_cell.number_format == '0.0" %"'


def test_xlsx_of_every_table(world, leader_client):
    response = leader_client.get(f"/staff/reports/centers/{world.center.code}/all.xlsx?{NOV}")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 11
    queue = book["Xếp hàng theo dịch vụ"]
    values = [row for row in queue.iter_rows(values_only=True) if row[0] == "Hộ tịch"][0]
    assert values[1:5] == (4, 2, 1, 1)
    assert (
        leader_client.get(f"/staff/reports/centers/{world.center.code}/nothing.xlsx").status_code
        == 404
    )


def test_monthly_pdf_report(world, leader_client):
    from pypdf import PdfReader

    response = leader_client.get(
        f"/staff/reports/centers/{world.center.code}/monthly.pdf?month=2026-11"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "THÁNG 11/2026" in text
    assert "Hộ tịch" in text and "Phòng Kinh tế" in text
    assert "Chỉ số Quyết định 766" in text
    assert (
        leader_client.get(
            f"/staff/reports/centers/{world.center.code}/monthly.pdf?month=2027-05"
        ).status_code
        == 404
    )


def test_province_view_ranks_the_centers(world):
    client = Client()
    client.force_login(staff(Role.PROVINCE_ADMIN, province=world.center.province, username="tinh"))
    response = client.get(f"/staff/reports/provinces/{world.center.province.code}/?{NOV}")
    assert response.status_code == 200
    html = _text(response)
    table = html[html.index('data-table="centers"') :]
    assert table.index(world.other.name) < table.index(world.center.name)  # 100 % before 60 %
    assert 'id="ranking-chart-t"' in html
    book = load_workbook(
        io.BytesIO(
            client.get(
                f"/staff/reports/provinces/{world.center.province.code}/centers.xlsx?{NOV}"
            ).content
        )
    )
    ranks = [row[:2] for row in book.active.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert ranks == [(1, world.other.name), (2, world.center.name)]
    # The home page lists the province and both centers.
    home = client.get("/staff/reports/").content.decode()
    assert f"/staff/reports/provinces/{world.center.province.code}/" in home


def test_today_fragment(world, leader_client):
    response = leader_client.get(f"/staff/reports/centers/{world.center.code}/today/")
    assert response.status_code == 200 and 'data-live="waiting"' in response.content.decode()


def test_public_pages_show_figures_without_personal_data(world):
    client = Client()
    response = client.get(f"/figures/centers/{world.center.code}/?{NOV}")
    assert response.status_code == 200
    html = _text(response)
    assert "77,8 %" in html and "60,0 %" in html
    for personal in ("Nguyễn Văn A", "canbo.x", "Trần", "scan.pdf"):
        assert personal not in html
    province = _text(client.get(f"/figures/provinces/{world.center.province.code}/?{NOV}"))
    assert world.other.name in province and world.center.name in province
    assert client.get("/figures/centers/khong-co/").status_code == 404
    assert world.center.name in client.get("/figures/").content.decode()
