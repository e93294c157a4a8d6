"""A center admin words a message with a live preview; staff follow a message's delivery."""

import re

import pytest
from playwright.sync_api import expect

from motcua.notifications.models import Message, MessageTemplate
from motcua.notifications.services import notification_enqueue
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto("/staff/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_admin_edits_a_template_with_live_preview(page, center):
    staff("center_admin", center, username="quantri")
    _log_in(page, "quantri")
    page.get_by_role("link", name="Mẫu thông báo").click()
    assert_accessible(page)
    page.get_by_role("row", name=re.compile("Đã có kết quả")).get_by_role("link").nth(2).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tin nhắn SMS")
    body = page.get_by_label("Nội dung")
    body.fill("HP: ho so {{ dossier_code }} da co ket qua, moi den nhan.")
    # The preview follows the typing, rendered with sample data.
    expect(page.locator("#preview")).to_contain_text(
        "HP: ho so 000.00.10.H99-261123-0001 da co ket qua, moi den nhan."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu mẫu thông báo")
    assert MessageTemplate.objects.get(center=center).body.startswith("HP: ho so")


def test_staff_follow_a_message_shown_in_demo_mode(page, center):
    staff("receptionist", center, username="tiepnhan")
    message = notification_enqueue(
        center=center,
        kind="dossier_received",
        channel="sms",
        recipient="0912345678",
        context={"dossier_code": "D-42", "due_at": "10:00 26/11/2026", "track_url": "http://x/t"},
        idempotency_key="browser:1",
    )
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SHOWN)
    _log_in(page, "tiepnhan")
    page.goto("/staff/messages/")
    expect(page.locator("[data-status=shown]")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"\d\d:\d\d")).first.click()
    expect(page.locator(".message-body")).to_contain_text("D-42")
    expect(page.get_by_text("Chế độ thử: chưa cấu hình")).to_be_visible()
