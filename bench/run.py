"""The whole benchmark in one run: ``make bench`` (or ``.venv/bin/python bench/run.py``).

Starts the application the way a province runs it (``--processes`` ASGI processes and a task
worker on PostgreSQL + Redis), with a province-sized data set made by
``motcua generate_load_data`` in a database of its own, and measures:

- ticket issuing: throughput and p50/p99 latency with 32 concurrent kiosks over 50 centers,
  beside the floor: the same database transaction issued directly with psycopg;
- call-next → display: p50/p99 from the call to the websocket message, with 2,000 connected
  display and phone clients;
- the public dossier lookup p50/p99 on the generated dossiers (a million by default);
- the report summary for the province-year;
- slot listing and booking under load;
- the transfer size of the kiosk, display and counter pages.

Each figure is printed beside its target and written to ``bench/results.json`` and
``bench/results.md``. Needs PostgreSQL and Redis (``DATABASE_URL`` / ``REDIS_URL``, defaulting to
the local ones); the database ``<name>_benchrun`` is dropped and made again unless ``--reuse``.

    .venv/bin/python bench/run.py [--dossiers 1000000] [--centers 150] [--processes 2] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = "load"
# The password of the bench's own accounts (in its own scratch database).
BENCH_PASSWORD = "bench-" + secrets.token_hex(8)
TARGETS = {
    "ticket_throughput_per_s": (">=", 300),
    "ticket_p99_ms": ("<", 150),
    "call_display_p99_ms": ("<", 250),
    "lookup_p99_ms": ("<", 30),
    "summary_ms": ("<", 1000),
    "pages_kb": ("<", 150),
}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def process_cpu_seconds(name: str) -> float:
    """User + system CPU seconds used so far by the processes called ``name`` and their ended
    children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] == name:
            fields = tail.split()
            # Own time, and that of its children that ended (a PostgreSQL backend whose
            # connection closed is counted in the postmaster's).
            total += sum(int(f) for f in fields[11:15]) / ticks
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
        if not base.startswith("postgres"):
            sys.exit("bench/run.py measures PostgreSQL: set DATABASE_URL=postgres://…")
        parts = urlsplit(base)
        self.db_name = parts.path.lstrip("/") + "_benchrun"
        self.db_url = parts._replace(path="/" + self.db_name).geturl()
        self.admin_url = parts._replace(path="/postgres").geturl()
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
        self.motcua = str(Path(sys.executable).with_name("motcua"))
        self.children: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.results: dict[str, Any] = {}

    # --- Set-up ------------------------------------------------------------------------------

    def run(self, *command: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own command
            [self.motcua, *command], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"motcua {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.db_name]
            ).fetchone()
            if exists and self.args.reuse:
                print(f"reusing database {self.db_name}")
                self.run("migrate", "-v", "0")  # a database made by an older checkout
                return
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        began = time.perf_counter()
        self.run("migrate", "-v", "0")
        print(f"migrated in {time.perf_counter() - began:.1f} s; generating the data set…")
        began = time.perf_counter()
        out = self.run(
            "generate_load_data",
            "--centers",
            str(self.args.centers),
            "--dossiers",
            str(self.args.dossiers),
            "--days",
            "365",
            "--province",
            PROVINCE,
        )
        self.results["load_data"] = {
            "summary": out.strip().splitlines()[-1],
            "seconds": round(time.perf_counter() - began, 1),
        }
        print(out.strip())

    def rollup(self) -> None:
        """Roll up the closed days for the reports, as the worker does every minute (a year of
        150 centers the first time; only what changed on a reused database)."""
        began = time.perf_counter()
        out = self.run("reports_rollup")
        self.results["rollup"] = {
            "summary": out.strip().splitlines()[-1],
            "seconds": round(time.perf_counter() - began, 1),
        }
        print(out.strip())

    def fixtures(self) -> None:
        """Credentials and opening hours for the live part (in a Django of our own)."""
        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        from datetime import time as dtime

        from django.contrib.auth.models import User

        from motcua.appointments.models import Availability
        from motcua.dossiers.models import Dossier
        from motcua.organization.models import (
            Center,
            DeviceToken,
            Membership,
            Province,
            Role,
            WorkingPeriod,
        )
        from motcua.organization.services import api_token_issue, device_token_create
        from motcua.queueing.cache import settings_changed
        from motcua.queueing.models import QueueService, Ticket, TicketSequence
        from motcua.workcalendar.models import CalendarOverride

        province = Province.objects.get(code=PROVINCE)
        centers = list(Center.objects.filter(province=province).order_by("code")[:50])
        admin, _ = User.objects.get_or_create(
            username="bench.admin", defaults={"is_superuser": True, "is_staff": True}
        )
        admin.set_password(BENCH_PASSWORD)
        admin.is_superuser = admin.is_staff = True
        admin.save()
        Membership.objects.get_or_create(user=admin, role=Role.PROVINCE_ADMIN, province=province)
        today = datetime.now(HCM).date()
        # Each run starts the day afresh at the bench centers: with --reuse the tickets that
        # earlier runs left waiting would make the lines longer run after run.
        Ticket.objects.filter(center__in=centers, day=today).delete()
        TicketSequence.objects.filter(service__center__in=centers, day=today).delete()
        from django.db import connection

        with connection.cursor() as cursor:  # as after a night's autovacuum
            cursor.execute("VACUUM (ANALYZE) queueing_ticket, queueing_ticketevent")
        # Open around the clock, today included, so that the bench runs at any hour.
        WorkingPeriod.objects.filter(center__in=centers).delete()
        WorkingPeriod.objects.bulk_create(
            [
                WorkingPeriod(center=c, weekday=w, start=dtime(0, 0), end=dtime(23, 59))
                for c in centers
                for w in range(7)
            ]
        )
        CalendarOverride.objects.get_or_create(
            date=today, center_code="", defaults={"kind": CalendarOverride.Kind.WORKING_DAY}
        )
        settings_changed(center_ids=[c.pk for c in centers])
        kiosks, counters, staff_tokens = [], [], []
        for center in centers:
            device, raw = device_token_create(
                actor=admin,
                center=center,
                purpose=DeviceToken.Purpose.KIOSK,
                name=f"bench {secrets.token_hex(3)}",
            )
            kiosks.append((center.code, raw))
            user = User.objects.get(username=f"{center.code}.tiepnhan1")
            user.set_password(BENCH_PASSWORD)
            user.save()
            _token, raw_token = api_token_issue(username=user.username, password=BENCH_PASSWORD)
            counters.extend(
                (center.code, counter.pk, raw_token)
                for counter in center.counters.order_by("number")[:2]
            )
            staff_tokens.append(raw_token)
            for service in QueueService.objects.filter(center=center):
                for weekday in range(7):
                    Availability.objects.get_or_create(
                        center=center,
                        service=service,
                        weekday=weekday,
                        start=dtime(7, 30),
                        defaults={"end": dtime(17, 0), "slot_minutes": 15, "capacity": 4},
                    )
        _t, province_token = api_token_issue(username="bench.admin", password=BENCH_PASSWORD)
        codes = list(
            Dossier.objects.filter(center__province=province)
            .order_by("?")
            .values_list("code", "id_number")[:2000]
        )
        self.fx = {
            "centers": [c.code for c in centers],
            "kiosks": kiosks,
            "counters": counters,
            "province_token": province_token,
            "codes": codes,
            "today": today,
        }

    def start(self) -> None:
        for _ in range(self.args.processes):
            port = free_port()
            self.ports.append(port)
            self.children.append(
                subprocess.Popen(  # noqa: S603
                    [self.motcua, "serve", "--port", str(port), "--log-level", "warning"],
                    env=self.env,
                    cwd=ROOT,
                )
            )
        self.children.append(
            subprocess.Popen([self.motcua, "worker"], env=self.env, cwd=ROOT)  # noqa: S603
        )
        import urllib.request

        for port in self.ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit(f"process on {port} did not start")
                    time.sleep(0.3)

    def server_cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the ASGI processes (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for child in self.children[: self.args.processes]:
            try:
                fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return float("nan")
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self) -> None:
        for child in self.children:
            child.send_signal(signal.SIGINT)
        for child in self.children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()

    def url(self, i: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[i % len(self.ports)]}{path}"

    # --- Measurements -------------------------------------------------------------------------

    async def tickets(self, session) -> None:
        kiosks = self.fx["kiosks"]
        latencies: list[float] = []
        failures = 0
        stop_at = 0.0

        async def client(i: int) -> None:
            nonlocal failures
            n = i
            while time.perf_counter() < stop_at:
                center, token = kiosks[n % len(kiosks)]
                n += 32
                began = time.perf_counter()
                async with session.post(
                    self.url(n, f"/api/v1/centers/{center}/tickets"),
                    json={"service": "ho-tich" if n % 3 else "chung"},
                    headers={"X-Device-Token": token},
                ) as response:
                    await response.read()
                    if response.status != 201:
                        failures += 1
                        continue
                latencies.append((time.perf_counter() - began) * 1000)

        stop_at = time.perf_counter() + 3  # warm-up
        await asyncio.gather(*(client(i) for i in range(32)))
        latencies.clear()
        failures = 0
        cpu_before = self.server_cpu_seconds()
        others_before = (time.process_time(), process_cpu_seconds("postgres"))
        began = time.perf_counter()
        stop_at = began + self.args.seconds
        await asyncio.gather(*(client(i) for i in range(32)))
        elapsed = time.perf_counter() - began
        cpu = self.server_cpu_seconds() - cpu_before
        client_cpu = time.process_time() - others_before[0]
        postgres_cpu = process_cpu_seconds("postgres") - others_before[1]
        self.results["tickets"] = {
            "clients": 32,
            "centers": len(kiosks),
            "issued": len(latencies),
            "failed": failures,
            "throughput_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(pct(latencies, 0.5), 1),
            "p99_ms": round(pct(latencies, 0.99), 1),
            # CPU time of the ASGI processes per ticket: steadier than throughput on a shared
            # machine, and what decides how many tickets a core can issue.
            "server_cpu_ms_per_ticket": round(1000 * cpu / max(1, len(latencies)), 2),
            "postgres_cpu_ms_per_ticket": round(1000 * postgres_cpu / max(1, len(latencies)), 2),
            "client_cpu_ms_per_ticket": round(1000 * client_cpu / max(1, len(latencies)), 2),
        }
        print("tickets", self.results["tickets"])

    def floor(self) -> None:
        """The issuing transaction alone, with psycopg and 32 threads: the database's share."""
        import threading

        import psycopg

        with psycopg.connect(self.db_url) as conn:
            services = conn.execute(
                "SELECT s.id, s.center_id FROM queueing_queueservice s JOIN organization_center c "
                "ON c.id = s.center_id WHERE c.code = ANY(%s)",
                [self.fx["centers"]],
            ).fetchall()
        day = datetime.now(HCM).date() + timedelta(
            days=3650
        )  # a day of its own, far from the live one
        latencies: list[float] = []
        lock = threading.Lock()
        stop_at = time.perf_counter() + self.args.seconds

        def worker(i: int) -> None:
            with psycopg.connect(self.db_url, autocommit=True) as conn:
                n = i
                while time.perf_counter() < stop_at:
                    service_id, center_id = services[n % len(services)]
                    n += 32
                    began = time.perf_counter()
                    # One statement in autocommit, as queueing.services._issue_sql: the day's
                    # number, the ticket with it, its event.
                    conn.execute(
                        "WITH s AS (INSERT INTO queueing_ticketsequence (service_id, day, "
                        "last_number, issued, last_issued_at) VALUES (%(service)s, %(day)s, 1, 1, "
                        "%(at)s) ON CONFLICT (service_id, day) DO UPDATE SET last_number = "
                        "queueing_ticketsequence.last_number + 1, issued = "
                        "queueing_ticketsequence.issued + 1, last_issued_at = GREATEST("
                        "queueing_ticketsequence.last_issued_at, %(at)s) "
                        "RETURNING last_number, last_issued_at), "
                        "t AS (INSERT INTO queueing_ticket (center_id, service_id, "
                        "issued_service_id, day, number, display, token, appointment_code, source,"
                        " phone, status, recalls, outcome, issued_at) SELECT %(center)s, "
                        "%(service)s, %(service)s, %(day)s, s.last_number, s.last_number::text, "
                        "%(token)s, '', 'kiosk', '', 'waiting', 0, '', s.last_issued_at FROM s "
                        "RETURNING id, issued_at) "
                        "INSERT INTO queueing_ticketevent (ticket_id, action, from_status, "
                        "to_status, at, note) SELECT t.id, 'issue', '', 'waiting', t.issued_at, ''"
                        " FROM t",
                        {
                            "service": service_id,
                            "center": center_id,
                            "day": day,
                            "at": datetime.now(HCM),
                            "token": secrets.token_urlsafe(12),
                        },
                    )
                    with lock:
                        latencies.append((time.perf_counter() - began) * 1000)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
        postgres_before = process_cpu_seconds("postgres")
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        postgres_cpu = process_cpu_seconds("postgres") - postgres_before
        self.results["tickets_floor"] = {
            "throughput_per_s": round(len(latencies) / elapsed, 1),
            "postgres_cpu_ms_per_ticket": round(1000 * postgres_cpu / max(1, len(latencies)), 2),
            "p50_ms": round(pct(latencies, 0.5), 1),
            "p99_ms": round(pct(latencies, 0.99), 1),
        }
        print("floor", self.results["tickets_floor"])

    async def calls(self, session) -> None:
        """2,000 sockets (displays and phones) across the processes; calls through the API."""
        centers = self.fx["centers"]
        counters = self.fx["counters"]
        # Phones follow waiting tickets of the bench centers.
        async with session.get(self.url(0, "/healthz")) as response:
            await response.read()
        tokens: list[str] = []
        for i in range(1000):
            center, kiosk = self.fx["kiosks"][i % len(self.fx["kiosks"])]
            async with session.post(
                self.url(i, f"/api/v1/centers/{center}/tickets"),
                json={"service": "ho-tich"},
                headers={"X-Device-Token": kiosk},
            ) as response:
                body = await response.json()
                if response.status == 201:
                    tokens.append(body["token"])
        arrivals: list[tuple[str, str, float]] = []  # (center, display, when)
        sent_at: dict[tuple[str, str], float] = {}
        sockets = []
        origin_of = {i: f"http://127.0.0.1:{p}" for i, p in enumerate(self.ports)}

        async def listen(ws, center: str) -> None:
            async for message in ws:
                when = time.perf_counter()
                if '"kind": "call"' not in str(message.data)[:24]:
                    continue  # states and the rest: not parsed (the client must keep up)
                try:
                    data = json.loads(message.data)
                except (TypeError, ValueError):
                    continue
                if data.get("kind") == "call":
                    arrivals.append((center, data.get("display"), when))

        tasks = []
        displays = self.args.clients // 2
        for i in range(self.args.clients):
            index = i % len(self.ports)
            if i < displays:
                center = centers[i % len(centers)]
                path = f"/ws/display/{center}/"
            else:
                token = tokens[(i - displays) % len(tokens)]
                center = ""
                path = f"/ws/ticket/{token}/"
            ws = await session.ws_connect(
                f"ws://127.0.0.1:{self.ports[index]}{path}",
                origin=origin_of[index],
                heartbeat=None,
            )
            sockets.append(ws)
            if center:
                tasks.append(asyncio.create_task(listen(ws, center)))
            else:
                tasks.append(asyncio.create_task(self._drain(ws)))
        print(f"{len(sockets)} sockets connected")
        await asyncio.sleep(2)
        for round_ in range(self.args.calls):
            center, counter_id, token = counters[round_ % len(counters)]
            headers = {"Authorization": f"Bearer {token}"}
            # Whatever the counter was doing, it is free again.
            async with session.post(
                self.url(round_, f"/api/v1/counters/{counter_id}/actions/no_show"), headers=headers
            ) as response:
                await response.read()
            began = time.perf_counter()
            # The display number is known only from the answer: record the send time first
            # for every number this center might call next (the answer arrives after).
            async with session.post(
                self.url(round_ + 1, f"/api/v1/counters/{counter_id}/call-next"), headers=headers
            ) as response:
                body = await response.json() if response.status == 200 else None
            if body:
                sent_at[(center, body["ticket"]["display"])] = began
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)
        for task in tasks:
            task.cancel()
        for ws in sockets:
            await ws.close()
        # Matched afterwards: a display may hear the call before the caller hears the answer.
        latencies = [
            (when - sent_at[(center, display)]) * 1000
            for center, display, when in arrivals
            if (center, display) in sent_at and when >= sent_at[(center, display)]
        ]
        self.results["call_display"] = {
            "sockets": len(sockets),
            "calls": self.args.calls,
            "deliveries": len(latencies),
            "p50_ms": round(pct(latencies, 0.5), 1),
            "p99_ms": round(pct(latencies, 0.99), 1),
        }
        print("call→display", self.results["call_display"])

    @staticmethod
    async def _drain(ws) -> None:
        async for _message in ws:
            pass

    async def lookup(self, session) -> None:
        codes = self.fx["codes"]
        kiosk = self.fx["kiosks"][0][1]
        latencies: list[float] = []

        async def client(i: int) -> None:
            for n in range(i, len(codes), 4):
                code, id_number = codes[n]
                began = time.perf_counter()
                async with session.get(
                    self.url(n, "/api/v1/dossiers/lookup"),
                    params={"code": code, "secret": id_number[-4:]},
                    # A paired kiosk is not rate-limited (a public caller would be: 60 / 5 min).
                    headers={"X-Device-Token": kiosk},
                ) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(client(i) for i in range(4)))
        self.results["lookup"] = {
            "requests": len(latencies),
            "concurrency": 4,
            "p50_ms": round(pct(latencies, 0.5), 1),
            "p99_ms": round(pct(latencies, 0.99), 1),
        }
        print("lookup", self.results["lookup"])

    async def summary(self, session) -> None:
        today = self.fx["today"]
        headers = {"Authorization": f"Bearer {self.fx['province_token']}"}
        params = {
            "province": PROVINCE,
            "from": (today - timedelta(days=365)).isoformat(),
            "to": (today - timedelta(days=1)).isoformat(),
        }
        latencies = []
        status = 0
        for i in range(self.args.rounds):
            began = time.perf_counter()
            async with session.get(
                self.url(i, "/api/v1/reports/summary"), params=params, headers=headers
            ) as response:
                body = await response.read()
                status = response.status
            latencies.append((time.perf_counter() - began) * 1000)
        self.results["summary"] = {
            "status": status,
            "rounds": len(latencies),
            "first_ms": round(latencies[0], 1),
            "p50_ms": round(pct(latencies, 0.5), 1),
            "max_ms": round(max(latencies), 1),
            "received": json.loads(body).get("received") if status == 200 else None,
        }
        print("summary", self.results["summary"])

    async def booking(self, session) -> None:
        """Slot listing and reserve + confirm by 16 kiosks at once, over the bench centers."""
        day = self.fx["today"] + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        listing: list[float] = []
        booking: list[float] = []
        failures = 0
        # Phone numbers of this run's callers (a reused database keeps earlier runs' bookings,
        # and a phone may hold only so many).
        phones = secrets.randbelow(10**8)

        async def client(i: int) -> None:
            nonlocal failures
            for n in range(i, 16 * 25, 16):
                center, kiosk = self.fx["kiosks"][n % len(self.fx["kiosks"])]
                began = time.perf_counter()
                async with session.get(
                    self.url(n, f"/api/v1/centers/{center}/slots"),
                    params={"service": "chung", "date": day.isoformat()},
                ) as response:
                    slots = await response.json() if response.status == 200 else []
                listing.append((time.perf_counter() - began) * 1000)
                free = [s for s in slots if s["remaining"] > 0]
                if not free:
                    failures += 1
                    continue
                began = time.perf_counter()
                async with session.post(
                    self.url(n, "/api/v1/appointments"),
                    json={
                        "center": center,
                        "service": "chung",
                        "start": free[n % len(free)]["start"],
                        "name": "Khách Thử",
                        "phone": f"09{(phones + n) % 10**8:08d}",
                        "consent": True,
                    },
                    headers={"X-Device-Token": kiosk},
                ) as response:
                    made = await response.json()
                    if response.status != 201:
                        failures += 1
                        continue
                async with session.post(
                    self.url(n, f"/api/v1/appointments/{made['code']}/confirm"),
                    json={"secret": made.get("secret", "")},
                    headers={"X-Device-Token": kiosk},
                ) as response:
                    await response.read()
                    if response.status != 200:
                        failures += 1
                        continue
                booking.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(client(i) for i in range(16)))
        self.results["booking"] = {
            "concurrency": 16,
            "slot_list_p50_ms": round(pct(listing, 0.5), 1),
            "slot_list_p99_ms": round(pct(listing, 0.99), 1),
            "bookings": len(booking),
            "failed": failures,
            "book_p50_ms": round(pct(booking, 0.5), 1),
            "book_p99_ms": round(pct(booking, 0.99), 1),
        }
        print("booking", self.results["booking"])

    async def pages(self, session) -> None:
        """Bytes a browser fetches for the kiosk, display and counter screens (HTML + CSS +
        JS + images, gzip as the server sends it)."""
        center, kiosk = self.fx["kiosks"][0]
        counter_id = self.fx["counters"][0][1]
        sizes = {}
        for name, path, headers in [
            ("kiosk", f"/kiosk/{center}/", {"X-Device-Token": kiosk}),
            ("display", f"/display/{center}/", {}),
            ("counter", f"/staff/counter/{counter_id}/", {}),
        ]:
            total = 0
            async with session.get(
                self.url(0, path), headers={**headers, "Accept-Encoding": "gzip"}
            ) as response:
                html = await response.text()
                total += int(response.headers.get("Content-Length") or len(html.encode()))
            assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))
            for asset in assets:
                async with session.get(
                    self.url(0, asset), headers={"Accept-Encoding": "gzip"}, auto_decompress=False
                ) as response:
                    total += len(await response.read())
            sizes[name] = round(total / 1024, 1)
        self.results["pages_kb"] = sizes
        print("pages", sizes)

    async def live(self) -> None:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            for name in LIVE:
                if name in self.args.only:
                    await getattr(self, name)(session)

    # --- Report ------------------------------------------------------------------------------

    def report(self) -> None:
        r = self.results
        rows = [
            (
                "ticket issuing throughput (32 clients, 50 centers)",
                f"{r['tickets']['throughput_per_s']}/s",
                "≥ 300/s",
                r["tickets"]["throughput_per_s"] >= 300,
            ),
            (
                "ticket issuing p50 / p99",
                f"{r['tickets']['p50_ms']} / {r['tickets']['p99_ms']} ms",
                "p99 < 150 ms",
                r["tickets"]["p99_ms"] < 150,
            ),
            (
                "floor: the same transaction with psycopg",
                f"{r['tickets_floor']['throughput_per_s']}/s, p99 {r['tickets_floor']['p99_ms']} ms",
                "—",
                None,
            ),
            (
                f"call → display p50 / p99 ({r['call_display']['sockets']} sockets)",
                f"{r['call_display']['p50_ms']} / {r['call_display']['p99_ms']} ms",
                "p99 < 250 ms",
                r["call_display"]["p99_ms"] < 250,
            ),
            (
                "public dossier lookup p50 / p99",
                f"{r['lookup']['p50_ms']} / {r['lookup']['p99_ms']} ms",
                "p99 < 30 ms",
                r["lookup"]["p99_ms"] < 30,
            ),
            (
                "report summary, province-year (first / p50)",
                f"{r['summary']['first_ms']} / {r['summary']['p50_ms']} ms",
                "< 1 s",
                r["summary"]["status"] == 200 and r["summary"]["p50_ms"] < 1000,
            ),
            (
                "slot listing p50 / p99 (16 clients)",
                f"{r['booking']['slot_list_p50_ms']} / {r['booking']['slot_list_p99_ms']} ms",
                "—",
                None,
            ),
            (
                "booking: reserve + confirm p50 / p99",
                f"{r['booking']['book_p50_ms']} / {r['booking']['book_p99_ms']} ms",
                "—",
                None,
            ),
        ]
        for name, kb in r["pages_kb"].items():
            rows.append((f"{name} page, total transfer", f"{kb} KB", "< 150 KB", kb < 150))
        lines = [
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {self.args.processes} ASGI processes + 1 worker; "
            f"data: {r.get('load_data', {}).get('summary', 'reused database')}; "
            f"report rollup: {r.get('rollup', {}).get('summary', 'not run')}.",
            "",
            "| measure | result | target | met |",
            "|---|---|---|---|",
        ]
        for name, value, target, met in rows:
            mark = "—" if met is None else ("yes" if met else "**no**")
            lines.append(f"| {name} | {value} | {target} | {mark} |")
        table = "\n".join(lines)
        print("\n" + table)
        r["generated_at"] = datetime.now(HCM).isoformat(timespec="seconds")
        (ROOT / "bench" / "results.json").write_text(
            json.dumps(r, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        (ROOT / "bench" / "results.md").write_text(table + "\n", encoding="utf-8")


# The measurements through the application, in the order they run; ``floor`` runs after them.
LIVE = ("tickets", "lookup", "summary", "booking", "calls", "pages")
MEASURES = (*LIVE, "floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--centers", type=int, default=150)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=2000, help="websocket clients")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15, help="issuing run length")
    parser.add_argument("--rounds", type=int, default=10, help="report summary rounds")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help="comma-separated measurements to run (default: all of "
        f"{', '.join(MEASURES)}); a partial run prints its figures and writes no results file",
    )
    args = parser.parse_args()
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    if unknown := args.only - set(MEASURES):
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    bench = Bench(args)
    bench.database()
    bench.rollup()
    bench.fixtures()
    bench.start()
    try:
        asyncio.run(bench.live())
        if "floor" in args.only:
            bench.floor()
    finally:
        bench.stop()
    if args.only != set(MEASURES):
        print(json.dumps(bench.results, indent=2, ensure_ascii=False, default=str))
        return
    bench.report()
    print(f"\nresults: bench/results.json, bench/results.md ({statistics.__name__} ok)")


if __name__ == "__main__":
    main()
