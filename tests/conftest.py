"""Shared fixtures: organization data, a real ASGI server, and a real browser."""

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.factories import CenterFactory, ProvinceFactory


@pytest.fixture(autouse=True)
def _login_lockout_reset():
    """Each test starts with no log-in failures counted (django-axes keeps them in a cache
    that outlives the test database)."""
    from motcua.organization.lockout import lockout_reset_all

    lockout_reset_all()


@pytest.fixture(autouse=True)
def _rate_limits_fresh():
    """Each test counts its requests against the rate limits from zero: the counts live in the
    cache (Redis in the PostgreSQL pass), which outlives the test run, and a second run within
    the hour (CI twice in a row) would otherwise start over the limits of the first."""
    from motcua.ratelimit import rate_limit_reset

    rate_limit_reset()


@pytest.fixture(autouse=True)
def _process_caches_forget():
    """Each test starts with no per-process copies of settings or service times (on SQLite a
    rolled-back test's primary keys are given again to the next test's rows)."""
    from motcua.queueing.cache import forget
    from motcua.queueing.selectors import service_stats_forget

    forget()
    service_stats_forget()


@pytest.fixture
def province(db):
    return ProvinceFactory()


@pytest.fixture
def center(db, province):
    return CenterFactory(
        province=province,
        code="hanh-phuc",
        unit_code="000.00.10.H34",
        name="Trung tâm Phục vụ hành chính công xã Hạnh Phúc",
    )


@pytest.fixture
def other_center(db, province):
    return CenterFactory(
        province=province,
        code="nam-cuong",
        unit_code="000.00.11.H34",
        name="Trung tâm Phục vụ hành chính công phường Nam Cường",
    )


class LiveServer:
    """uvicorn serving the real ASGI application (HTTP and websockets) from a thread."""

    def __init__(self) -> None:
        import uvicorn

        from motcua.conf.asgi import application

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", ws_ping_interval=None
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live_server_url(transactional_db) -> Iterator[str]:
    """The URL of a real ASGI server over the test database (committed data only)."""
    server = LiveServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def fresh_channel_layer(settings):
    """A new channel layer for the test (changing the setting drops the cached one, which an
    in-memory layer ties to one event loop); on Redis, a prefix of its own so that other test
    runs on the same server do not talk to this one."""
    import json
    import uuid

    layers = json.loads(json.dumps(settings.CHANNEL_LAYERS))
    if "Redis" in layers["default"]["BACKEND"]:
        layers["default"]["CONFIG"]["prefix"] = f"motcua-test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers


# --- Browser -------------------------------------------------------------------------------

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop running in this thread while it is started; the
    # ORM calls that browser tests make between steps are still synchronous and safe. Per module,
    # so that the loop (and this allowance) end with the browser tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _browser()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-gpu",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server_url, request):
    """A fresh browser page. Fails the test when the page asks anything of another server,
    and checks the last page shown with axe-core (serious or critical violations fail)."""
    from tests.browser.axe import assert_accessible

    # Playwright's polling helpers (wait_for_function) evaluate strings, which the product's
    # Content-Security-Policy forbids ('unsafe-eval'): tests drive pages with the policy
    # bypassed, except those marked ``enforce_csp``, which check the policy itself.
    context = browser.new_context(
        base_url=live_server_url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        bypass_csp=request.node.get_closest_marker("enforce_csp") is None,
    )
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    try:
        failed = getattr(request.node, "rep_call", None)
        if failed is None or failed.passed:
            assert not outside, f"the page asked other servers: {outside}"
            if page.url.startswith(live_server_url):
                assert_accessible(page)
        else:
            os.makedirs(ARTIFACTS, exist_ok=True)
            page.screenshot(
                path=os.path.join(ARTIFACTS, f"{request.node.name}.png"), full_page=True
            )
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
