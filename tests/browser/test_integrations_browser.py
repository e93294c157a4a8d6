"""A center admin finds the integrations' dead letters from the staff home, and sends one again."""

import os
import re

import pytest
from playwright.sync_api import expect

from motcua.integrations.models import OutboxItem, WebhookSubscription
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import make_procedure
from tests.factories import PASSWORD, staff
from tests.integrations.conftest import accept


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto("/staff/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_admin_lists_dead_letters_and_retries_one(page, center, settings):
    from tests.dossiers.conftest import local

    procedure = make_procedure(center, channels=("1", "2", "3"))
    receptionist = staff("receptionist", center, username="tiepnhan")

    settings.PORTAL_SYNC_URL = ""
    WebhookSubscription.objects.create(
        center=center, event_type="dossier.received", url="http://127.0.0.1:9/hook"
    )
    first = accept(center, procedure, receptionist)
    accept(center, procedure, receptionist, at=local(2026, 11, 30, 10))
    OutboxItem.objects.update(
        status=OutboxItem.Status.DEAD, attempts=10, last_error="unreachable: Connection refused"
    )
    staff("center_admin", center, username="quantri")
    _log_in(page, "quantri")
    page.get_by_role("link", name="Liên thông: hàng chờ gửi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liên thông: hàng chờ gửi")
    rows = page.get_by_test_id("outbox-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("count-dead")).to_have_text("2")
    expect(rows.first).to_contain_text("Connection refused")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "integrations-outbox.png"), full_page=True)
    assert_accessible(page)

    item = OutboxItem.objects.get(dossier=first)
    page.get_by_role("button", name=f"Gửi lại mục {item.pk}").click()
    expect(page.locator(".messages")).to_contain_text(f"Đã đưa mục #{item.pk} vào hàng gửi lại")
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("count-pending")).to_have_text("1")
    item.refresh_from_db()
    assert (item.status, item.attempts) == (OutboxItem.Status.PENDING, 0)
    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.get_by_test_id("outbox-row")).to_have_count(1)
    expect(page.get_by_test_id("outbox-row")).to_contain_text(first.code)
