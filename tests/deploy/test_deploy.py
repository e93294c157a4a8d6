"""The deployment in `deploy/`: two application processes (``motcua serve``) behind nginx with
the project's own nginx configuration, sharing PostgreSQL and Redis.

A call made through one process reaches a TV display connected to the other (the channel layer
is Redis), and the same works through nginx (HTTP to the least busy process, the websocket
upgraded and kept). Needs Redis (``REDIS_URL``) and nginx (installed by ``make test``); the
`.ci/run` PostgreSQL + Redis pass runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from motcua.organization.selectors import center_now
from motcua.queueing.models import QueueService, Ticket
from tests.factories import CounterFactory, staff
from tests.queueing.test_concurrency import token_for

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL): the shared layer"),
    pytest.mark.skipif(not NGINX, reason="needs nginx (make test installs it)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{connection.settings_dict['NAME']}"
    return f"sqlite:///{connection.settings_dict['NAME']}"


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer in {seconds} s")
        time.sleep(0.2)


@pytest.fixture
def processes(tmp_path) -> Iterator[dict[str, int]]:
    """Two `motcua serve` processes on the test database and Redis, and nginx before them."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "TOKEN_HASH_KEY": settings.TOKEN_HASH_KEY,
        "LOG_LEVEL": "WARNING",
    }
    ports = {"a": free_port(), "b": free_port(), "nginx": free_port()}
    motcua = str(Path(sys.executable).with_name("motcua"))
    children = [
        subprocess.Popen(  # noqa: S603 - our own command
            [motcua, "serve", "--port", str(ports[name]), "--log-level", "warning"],
            env=env,
            cwd=ROOT,
        )
        for name in ("a", "b")
    ]
    # The project's nginx site, with this test's ports and folders.
    static = tmp_path / "static"
    (static / "motcua").mkdir(parents=True)
    (static / "motcua" / "probe.css").write_text("body{}")
    site = (ROOT / "deploy" / "nginx" / "motcua.conf").read_text()
    site = re.sub(
        r"(upstream motcua_app \{.*?)(\n    server 127\.0\.0\.1:\d+[^\n]*)+",
        lambda m: (
            m.group(1)
            + "".join(
                f"\n    server 127.0.0.1:{ports[n]} max_fails=3 fail_timeout=10s;" for n in "ab"
            )
        ),
        site,
        flags=re.S,
    )
    site = site.replace("listen 80;", f"listen 127.0.0.1:{ports['nginx']};")
    site = site.replace("/srv/motcua/var/static/", f"{static}/")
    assert f"127.0.0.1:{ports['a']}" in site and f"{static}/" in site
    (tmp_path / "logs").mkdir()
    # Run as root (CI), nginx's workers would become "nobody", who cannot read pytest's
    # private temporary folder: keep them as the current user.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.getuid() == 0 else ""
    main = f"""
{user}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include /etc/nginx/mime.types;
{site}
}}
"""
    (tmp_path / "nginx.conf").write_text(main)
    nginx_args = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run(  # noqa: S603
        [*nginx_args, "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr
    children.append(
        subprocess.Popen([*nginx_args, "-g", "daemon off;"])  # noqa: S603
    )
    try:
        for name in ("a", "b", "nginx"):
            wait_http(f"http://127.0.0.1:{ports[name]}/healthz")
        yield ports
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def post(port: int, path: str, token: str) -> tuple[int, dict]:
    request = Request(  # noqa: S310 - local
        f"http://127.0.0.1:{port}/api/v1/{path}",
        data=b"",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read() or b"{}")


async def next_call(ws, seconds: float = 10) -> dict:
    """The next call message on a display socket (state messages in between are skipped)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError("no call reached the display")
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
        if message.get("kind") == "call":
            return message


def waiting_ticket(center, service, number: int) -> Ticket:
    """A ticket waiting today (made directly: issuing is refused outside working hours, and
    this test runs whenever CI does)."""
    now = timezone.now()
    return Ticket.objects.create(
        center=center,
        service=service,
        issued_service=service,
        day=center_now(center=center, now=now).date(),
        number=number,
        display=str(number),
        token=f"deploy-{number}",
        issued_at=now - timedelta(minutes=5),
    )


def test_a_call_through_one_process_reaches_a_display_on_the_other(processes, center):
    import websockets

    counter = CounterFactory(center=center, number=1, name="Quầy 1")
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(counter)
    token = token_for(staff("receptionist", center, username="deploy-staff"))
    first = waiting_ticket(center, service, 1001)
    second = waiting_ticket(center, service, 1002)

    async def scenario() -> tuple[dict, dict, str]:
        path = f"/ws/display/{center.code}/"
        # Browsers send their page's origin; the application checks it against ALLOWED_HOSTS.
        b = f"127.0.0.1:{processes['b']}"
        async with websockets.connect(f"ws://{b}{path}", origin=f"http://{b}") as on_b:
            state = json.loads(await asyncio.wait_for(on_b.recv(), timeout=10))
            assert state["kind"] == "state"
            # The call goes to process A; the display listens on process B.
            status, body = await asyncio.to_thread(
                post, processes["a"], f"counters/{counter.pk}/call-next", token
            )
            assert status == 200, body
            via_processes = await next_call(on_b)
        # Through nginx: the websocket is upgraded and the call (to whichever process nginx
        # picks) reaches it.
        front = f"127.0.0.1:{processes['nginx']}"
        async with websockets.connect(f"ws://{front}{path}", origin=f"http://{front}") as via:
            json.loads(await asyncio.wait_for(via.recv(), timeout=10))
            await asyncio.to_thread(
                post, processes["nginx"], f"counters/{counter.pk}/actions/no_show", token
            )
            status, body = await asyncio.to_thread(
                post, processes["nginx"], f"counters/{counter.pk}/call-next", token
            )
            assert status == 200, body
            via_nginx = await next_call(via)
        with urlopen(  # noqa: S310
            f"http://127.0.0.1:{processes['nginx']}/static/motcua/probe.css", timeout=5
        ) as response:
            static = response.read().decode()
        return via_processes, via_nginx, static

    via_processes, via_nginx, static = asyncio.run(scenario())
    assert via_processes["display"] == first.display
    assert via_processes["counter"] == 1
    assert via_nginx["display"] == second.display
    assert static == "body{}"  # static files come from nginx, not the application
