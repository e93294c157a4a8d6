"""Main journey of the staff shell in a real browser: log in, see the staff home, switch
language and back, log out. Every page is also checked by axe-core (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receptionist_logs_in_sees_home_and_switches_language(page, center):
    staff("receptionist", center, username="tiepnhan")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trung tâm Phục vụ hành chính công")
    assert_accessible(page)

    page.get_by_role("link", name="Cán bộ đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill("tiepnhan")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    expect(page.locator("[data-role=receptionist]")).to_have_text("Cán bộ tiếp nhận (một cửa)")
    expect(page.get_by_role("heading", name=center.name)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.locator("[data-role=receptionist]")).to_have_text("Reception officer (one-stop)")
    expect(page.get_by_role("heading", name="Your centers")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")

    page.get_by_role("button", name=re.compile("Đăng xuất")).click()
    expect(page).to_have_url(re.compile(r"/staff/login/$"))
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login/\?next=/staff/$"))


def test_phone_width_home_is_usable(page, center):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.get_by_role("heading", name=center.name)).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
