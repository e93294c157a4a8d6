"""A citizen takes a number from home and lands on the live ticket page."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.queueing.models import QueuePolicy, QueueService
from tests.browser.axe import assert_accessible
from tests.factories import CounterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_take_a_number_from_home(page, center):
    QueuePolicy.objects.create(center=center, remote_enabled=True)
    service = QueueService.objects.create(
        center=center, code="dat-dai", name="Đất đai", number_start=2001, number_end=2999
    )
    service.counters.add(CounterFactory(center=center, number=1))
    with time_machine.travel(
        datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True
    ):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/")
        page.get_by_role("link", name="Lấy số thứ tự từ xa").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Lấy số thứ tự từ xa")
        assert_accessible(page)
        page.get_by_label("Số điện thoại").fill("0912 345 678")
        page.get_by_role("button", name="Lấy số").click()
        expect(page).to_have_url(re.compile(r"/t/[\w-]+/$"))
        expect(page.locator("body")).to_contain_text("2001")
