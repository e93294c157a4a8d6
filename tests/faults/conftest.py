"""Shared helpers of the fault tests (docs/security.md, "Faults").

Every test here is marked ``faults`` and skipped unless PostgreSQL and Redis are configured
(``DATABASE_URL``, ``REDIS_URL``): the faults are those of a real deployment, and killing a
database backend or another process's connection needs a server database. Processes started
here (``motcua serve``, ``motcua worker``) run against the test database, outside testing mode
(the database task backend, a connection pool), with the test run's keys so tokens validate.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
NEEDS_POSTGRES_AND_REDIS = pytest.mark.skipif(
    not (POSTGRES and settings.REDIS_URL),
    reason="fault tests need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
)
MOTCUA = str(Path(sys.executable).with_name("motcua"))


def free_port() -> int:
    """A port nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_connect(**options: Any) -> psycopg.Connection:
    """A connection of our own to the test database, outside Django (to hold locks and to
    terminate other backends)."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        **options,
    )


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a ``motcua`` child process on the test database, not in testing mode
    (so the database task backend and the connection pool are those of production)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MOTCUA_TESTING", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,
        TOKEN_HASH_KEY=settings.TOKEN_HASH_KEY,
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def wait_for(condition: Callable[[], Any], seconds: float = 15, what: str = "the condition") -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def blocked_backend(admin: psycopg.Connection, query_like: str) -> int | None:
    """The pid of a backend of the test database waiting on a lock in a statement like
    ``query_like`` (SQL LIKE), or None."""
    row = admin.execute(
        """
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND wait_event_type = 'Lock' AND query LIKE %s
        ORDER BY query_start LIMIT 1
        """,
        [query_like],
    ).fetchone()
    return row[0] if row else None


def backend_gone(admin: psycopg.Connection, pid: int) -> bool:
    row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row is not None and row[0] == 0


def wait_http(url: str, seconds: float = 30) -> None:
    def answers() -> bool:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                return response.status == 200
        except (URLError, OSError):
            return False

    wait_for(answers, seconds, f"{url} answering")


class Child:
    """A ``motcua`` command as a child process; killed (SIGKILL) or stopped at the end."""

    def __init__(self, *args: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [MOTCUA, *args], env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine's OOM killer strikes."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._out.close()

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")


@pytest.fixture
def children(tmp_path) -> Iterator[Callable[..., Child]]:
    """Start ``motcua`` child processes; every one still running is stopped at the end."""
    started: list[Child] = []

    def start(*args: str, env: dict[str, str], name: str = "child") -> Child:
        child = Child(*args, env=env, log=tmp_path / f"{name}-{len(started)}.log")
        started.append(child)
        return child

    yield start
    for child in started:
        child.stop()
