"""The catalog in a real browser: a citizen searches without diacritics on the public site, and
a kiosk's on-screen keyboard, field tiles and inactivity timeout. Every page is also checked by
axe-core (see conftest)."""

import os
import re

import pytest
from playwright.sync_api import expect

from motcua.demo.services import demo_catalog_load
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.factories import DepartmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIOSK = "/kiosk/hanh-phuc/lookup/"


@pytest.fixture
def catalog(center):
    """The demo catalog, handled by Hạnh Phúc with its three departments."""
    for code, name in [
        ("van-phong", "Văn phòng HĐND và UBND"),
        ("kinh-te", "Phòng Kinh tế"),
        ("van-hoa-xa-hoi", "Phòng Văn hóa – Xã hội"),
    ]:
        DepartmentFactory(center=center, code=code, name=name)
    demo_catalog_load([center])
    return center


def _tap(page, text: str) -> None:
    for letter in text:
        key = "space" if letter == " " else letter
        page.locator(f".osk__key[data-key='{key}']").click()


def test_citizen_finds_a_procedure_typed_without_diacritics(page, catalog):
    page.goto("/procedures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục hành chính")
    assert_accessible(page)

    page.get_by_label("Tìm thủ tục").fill("chung thuc ban sao")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"/procedures/\?.*q=chung\+thuc\+ban\+sao"))
    first = page.locator(".proc-row__link").first
    expect(first).to_contain_text("Chứng thực bản sao từ bản chính")
    assert_accessible(page)

    first.click()
    expect(page).to_have_url(re.compile(r"/procedures/2\.000815/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chứng thực bản sao")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    due = page.get_by_test_id("due")
    expect(due).to_contain_text(f"tại {catalog.name}: hẹn trả kết quả lúc")
    expect(due).to_have_text(re.compile(r"lúc \d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}\."))
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page)


def test_kiosk_keyboard_updates_results_without_reloading(page, catalog):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(KIOSK)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu thủ tục hành chính")
    expect(page.locator(".tile").first).to_be_visible()
    assert_accessible(page)
    page.evaluate("window.__sameDocument = true")

    _tap(page, "khai sinh")

    expect(page.locator("#kiosk-q")).to_have_value("khai sinh")
    items = page.locator("#kiosk-results .kiosk-item")
    expect(items.first).to_contain_text("Thủ tục đăng ký khai sinh")
    expect(page.locator(".tile")).to_have_count(0)  # the start screen's tiles gave way
    # htmx swapped the results in: the same document, still at the start URL.
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/lookup/$"))
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "kiosk-lookup-khai-sinh.png"))
    assert_accessible(page)

    # Backspace and clear work too.
    page.locator(".osk__key[data-key='backspace']").click()
    expect(page.locator("#kiosk-q")).to_have_value("khai sin")
    _tap(page, "h")

    items.first.click()
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/lookup/1\.001193/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    expect(page.get_by_test_id("due")).to_contain_text("hẹn trả kết quả")
    page.screenshot(path=os.path.join(ARTIFACTS, "kiosk-procedure.png"))
    assert_accessible(page)


def test_kiosk_field_tile_shows_that_fields_procedures(page, catalog):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(KIOSK)

    page.locator(".tile", has_text="Chứng thực").click()

    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/lookup/\?field=chung-thuc$"))
    items = page.locator("#kiosk-results .kiosk-item")
    expect(items).to_have_count(8)
    for name in items.locator(".kiosk-item__name").all_inner_texts():
        assert "hứng thực" in name, name
    assert_accessible(page)


def test_kiosk_returns_to_its_start_after_inactivity(page, catalog):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.clock.install()
    page.goto(KIOSK)
    assert page.evaluate("document.body.dataset.idleSeconds") == "90"
    _tap(page, "ket hon")
    expect(page.locator("#kiosk-results .kiosk-item").first).to_contain_text("kết hôn")

    page.clock.fast_forward("01:31")

    expect(page.locator("#kiosk-q")).to_have_value("")
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/lookup/$"))
    expect(page.locator(".tile").first).to_be_visible()

    # From a procedure's page too, and not before the time is up.
    page.goto(f"{KIOSK}1.000894/")
    page.clock.fast_forward("01:00")
    expect(page).to_have_url(re.compile(r"/lookup/1\.000894/$"))
    page.clock.fast_forward("00:31")
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/lookup/$"))
    expect(page.locator("#kiosk-q")).to_have_value("")
