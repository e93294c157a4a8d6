"""The Content-Security-Policy in a real browser: the main pages of every kind of visitor load
without a single violation (no inline script or style slipped in, htmx adds no style element,
websockets and QR images are allowed). Chromium reports each violation as a
``securitypolicyviolation`` event and a console error; either fails the test."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.browser.axe import assert_accessible
from tests.security.world import OPEN, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer", "private_media"),
]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(OPEN, tick=True):
        yield


@pytest.mark.enforce_csp
def test_main_pages_load_without_a_policy_violation(page, live_server_url):
    world = build_world()
    a = world.a
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.context.add_init_script(LISTEN)

    def visit(path: str, *, device: str | None = None, wait: int = 600) -> None:
        page.set_extra_http_headers({"X-Device-Token": world.devices[device]} if device else {})
        response = page.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_timeout(wait)  # scripts run, sockets open, htmx polls once or twice
        seen = page.evaluate("window.__csp")
        assert not seen, (path, seen)
        assert not console, (path, console)

    # Citizens
    visit("/")
    visit("/procedures/")
    visit(f"/appointments/book/{a.center.code}/")
    visit(f"/t/{a.ticket.token}/", wait=1500)
    visit(f"/dossiers/track/{a.tracking_token}/")  # the QR code is a data: image
    visit("/feedback/")
    visit("/figures/")
    # Devices
    visit(f"/kiosk/{a.center.code}/", device="kiosk")
    visit(f"/display/{a.center.code}/", device="display", wait=1500)
    visit(f"/counter/{a.counter.pk}/", device="counter_terminal", wait=1500)
    visit(f"/rating/{a.counter.pk}/", device="rating_tablet", wait=1500)
    # Staff (a real session cookie)
    client = Client()
    client.force_login(world.users["center_admin"])
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server_url,
            }
        ]
    )
    visit("/staff/")
    visit(f"/staff/counter/{a.counter.pk}/", wait=1500)
    visit("/staff/dossiers/receive/")
    visit(f"/staff/dossiers/{a.dossier.code}/")
    visit(f"/staff/reports/centers/{a.center.code}/")
    visit("/staff/feedback/")
    visit("/staff/messages/")
    assert_accessible(page)
