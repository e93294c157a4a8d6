"""The reports in a real browser: a leader logs in, opens the dashboard from the staff home,
picks November, reads the figures, downloads a table as Excel (opened with openpyxl); the
page fits a phone (tables scroll inside themselves); a province admin sees the centers
ranked. Screenshots of both pages, desktop and phone, land in test-artifacts/."""

from __future__ import annotations

import io
import os
import re

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from motcua.organization.models import Role
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, staff
from tests.reporting.conftest import NOW, world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


def _login(page, username: str) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _fits(page) -> None:
    """Nothing wider than the screen but the tables and charts, which scroll in their box."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def test_leader_reads_the_dashboard_and_downloads_a_table(page, world, frozen):  # noqa: F811
    staff(Role.LEADER, world.center, username="lanhdao")
    _login(page, "lanhdao")
    page.get_by_role("link", name="Bảng số liệu của trung tâm").click()
    expect(page).to_have_url(re.compile(rf"/staff/reports/centers/{world.center.code}/$"))
    page.get_by_label("Từ ngày").fill("2026-11-01")
    page.get_by_label("Đến ngày").fill("2026-11-30")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page.locator("#period-label")).to_have_text("Từ 01/11/2026 đến 30/11/2026")
    expect(page.locator("[data-figure=received] .figure__value")).to_have_text("9")
    expect(page.locator("[data-figure=online-rate] .figure__value")).to_have_text("77,8 %")
    expect(page.locator("[data-figure=on-time-rate] .figure__value")).to_have_text("60,0 %")
    expect(page.locator("[data-figure=satisfaction-rate] .figure__value")).to_have_text("80,0 %")
    fields = page.locator("[data-table=fields]")
    expect(fields.get_by_role("row", name=re.compile("Hộ tịch"))).to_contain_text("66,7 %")
    expect(
        page.get_by_role("img", name="Hồ sơ tiếp nhận theo tháng và tỷ lệ đúng hạn")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Lượt lấy số theo thứ và giờ")).to_be_visible()
    expect(page.locator("#today [data-live=waiting]")).to_be_visible()
    assert_accessible(page)
    _shot(page, "reports-dashboard-desktop.png")

    with page.expect_download() as info:
        page.locator("[data-export=fields]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.path().read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    civil = next(row for row in rows if row[0] == "Hộ tịch")
    assert civil[1:5] == (3, 1, 2, 0)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("[data-figure=received] .figure__value")).to_have_text("9")
    _fits(page)
    assert_accessible(page)
    _shot(page, "reports-dashboard-phone.png")


def test_province_admin_sees_the_centers_ranked_on_a_phone(page, world, frozen):  # noqa: F811
    staff(Role.PROVINCE_ADMIN, province=world.center.province, username="tinh")
    _login(page, "tinh")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=re.compile("Báo cáo toàn tỉnh")).click()
    page.get_by_label("Từ ngày").fill("2026-11-01")
    page.get_by_label("Đến ngày").fill("2026-11-30")
    page.get_by_role("button", name="Xem", exact=True).click()
    ranking = page.locator("[data-table=centers] tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.nth(0)).to_contain_text(world.other.name)
    expect(ranking.nth(1)).to_contain_text(world.center.name)
    expect(
        page.get_by_role("img", name="Tỷ lệ giải quyết đúng hạn của các trung tâm")
    ).to_be_visible()
    _fits(page)
    assert_accessible(page)
    _shot(page, "reports-province-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "reports-province-desktop.png")
    # The public page of the province, as a citizen sees it.
    page.goto(f"/figures/provinces/{world.center.province.code}/?from=2026-11-01&to=2026-11-30")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("[data-figure=received] .figure__value")).to_have_text("10")
    assert_accessible(page)
    _shot(page, "reports-public-province.png")
