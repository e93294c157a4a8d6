"""Redis down: the channel layer (and the cache) point at a port where nothing listens.

Tickets are still issued and called (the push after the commit fails, is logged and undoes
nothing), and the TV display, whose websocket cannot join its groups, falls back to polling
the display API and shows the call within 10 s. A real browser against the real ASGI server;
the server runs in this process, so the overridden settings are its settings too.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from motcua.organization.services import device_token_create
from motcua.queueing.models import QueueService, Ticket
from tests.factories import CounterFactory, staff
from tests.faults.conftest import NEEDS_POSTGRES_AND_REDIS, free_port
from tests.queueing.test_concurrency import token_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.browser,
    NEEDS_POSTGRES_AND_REDIS,
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def redis_down(settings):
    """Every Redis client of the application aimed at a closed port (the server stopped)."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [dead], "prefix": "motcua-faults"},
        }
    }
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}
    settings.CACHES = {
        "default": {**redis_cache, "KEY_PREFIX": "motcua"},
        "axes": {**redis_cache, "KEY_PREFIX": "motcua-axes"},
    }
    return dead


def api(page, method: str, path: str, headers: dict, **data) -> dict:
    response = page.request.fetch(path, method=method, headers=headers, data=data or None)
    assert response.ok, (path, response.status, response.text())
    return response.json()


def test_redis_down_tickets_still_issued_and_the_display_polls(
    page, center, redis_down, caplog, record_property
):
    counter = CounterFactory(center=center, number=2, name="Quầy 2")
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(counter)
    officer = {"Authorization": f"Bearer {token_for(staff('receptionist', center))}"}
    admin = staff("center_admin", center)
    _device, raw = device_token_create(actor=admin, center=center, purpose="kiosk", name="K1")
    kiosk = {"X-Device-Token": raw}

    page.goto(f"/display/{center.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(center.name)
    # The websocket is refused (its groups live in Redis): the display says so and polls.
    expect(page.locator("#link")).to_have_text("Mất kết nối — cập nhật mỗi 5 giây")

    with caplog.at_level(logging.ERROR, logger="motcua.realtime.publish"):
        # Issued at the kiosk and by a member of staff.
        tickets = f"/api/v1/centers/{center.code}/tickets"
        assert api(page, "POST", tickets, kiosk, service="ho-tich")["display"] == "1001"
        assert api(page, "POST", tickets, officer, service="ho-tich")["display"] == "1002"
        assert Ticket.objects.filter(center=center, status="waiting").count() == 2
        started = time.monotonic()
        called = api(page, "POST", f"/api/v1/counters/{counter.pk}/call-next", officer)["ticket"]
        assert called["display"] == "1001"
        expect(page.locator('.tile[data-counter="2"] .tile__number')).to_have_text(
            "1001", timeout=10_000
        )
    seconds = time.monotonic() - started
    record_property("redis down: call to screen (ms)", round(seconds * 1000))
    print(f"\nredis down: call to screen {seconds * 1000:.0f} ms")
    expect(page.locator('#waiting li[data-service="Hộ tịch"] .tv-waiting__count')).to_have_text("1")
    assert Ticket.objects.get(center=center, display="1001").status == "called"
    # The pushes were tried after each commit, failed, and were logged.
    failed = [r for r in caplog.records if r.name == "motcua.realtime.publish"]
    assert failed and all(re.match(r"could not publish", r.getMessage()) for r in failed)
    assert page.evaluate("window.motcuaDisplay.connected") is False


def test_redis_down_the_citizens_phone_page_and_remote_numbers_still_work(
    client, center, redis_down
):
    """The phone's side of the same outage: the ticket page, its polling API (what the page
    falls back to without its websocket) and taking a number remotely."""
    from motcua.queueing.services import queue_policy

    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(CounterFactory(center=center, number=1))
    policy = queue_policy(center)
    policy.remote_enabled = True
    policy.save()
    remote = client.post(
        f"/api/v1/centers/{center.code}/tickets",
        {"service": "ho-tich", "phone": "0912345678"},
        content_type="application/json",
    )
    assert remote.status_code == 201, remote.content
    token = remote.json()["token"]
    assert client.get(f"/api/v1/tickets/{token}").status_code == 200
    assert client.get(f"/t/{token}/").status_code == 200
