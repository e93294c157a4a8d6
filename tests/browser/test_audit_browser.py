"""A center leader reads the audit log: a dossier viewed by a receptionist shows up with who,
from where and when; filters narrow it; the Excel export downloads. A locked-out log-in is
refused with the message."""

import re

import pytest
from playwright.sync_api import expect

from motcua.audit.services import audit_record
from tests.audit.conftest import online_dossier
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import make_procedure
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _log_in(page, username, password=PASSWORD):
    page.goto("/staff/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_leader_reads_and_filters_the_audit_log(page, center, other_center, media):
    dossier = online_dossier(center, make_procedure(center, channels=("1", "2", "3")))
    staff("receptionist", center, username="tiepnhan")
    audit_record(
        actor=None, action="export", object_type="dossier", object_key="B-1", center=other_center
    )
    staff("leader", center, username="lanhdao")

    # A receptionist opens the dossier: that is a view of personal data.
    _log_in(page, "tiepnhan")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.goto(f"/staff/dossiers/{dossier.code}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.context.clear_cookies()

    _log_in(page, "lanhdao")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.goto("/staff/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký kiểm tra")
    viewed = page.locator("tr[data-action=view_personal_data]")
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("tiepnhan")
    expect(viewed).to_contain_text("127.0.0.1")
    expect(viewed).to_contain_text(dossier.code)
    # Another center's rows are not shown.
    expect(page.locator("#audit-table")).not_to_contain_text("B-1")
    assert_accessible(page)
    page.screenshot(path=f"{ARTIFACTS}/audit-list.png", full_page=True)

    page.get_by_label("Hành động").select_option("state_change")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("tr[data-action=view_personal_data]")).to_have_count(0)
    expect(page.locator("tr[data-action=state_change]").first).to_contain_text(dossier.code)

    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_a_locked_out_login_says_so(page, center):
    staff("receptionist", center, username="lan")
    for _ in range(5):
        _log_in(page, "lan", "sai-mat-khau")
    _log_in(page, "lan")
    expect(page.locator("#locked-out")).to_contain_text("Đăng nhập bị tạm khóa")
    expect(page).to_have_url(re.compile(r"/staff/login/"))
    assert_accessible(page)
    page.screenshot(path=f"{ARTIFACTS}/login-locked.png", full_page=True)
