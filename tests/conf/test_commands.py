"""The `motcua` command's own sub-commands, run as real processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["MOTCUA_VAR_DIR"] = str(tmp_path)
    env.pop("DATABASE_URL", None)  # a private SQLite database for the process under test
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("REDIS_URL", None)  # and no Redis: the several-processes warning is expected
    return env


def _motcua(*args):
    return [sys.executable, "-m", "motcua.conf.cli", *args]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_http_with_several_processes(tmp_path):
    env = _env(tmp_path)
    subprocess.run(_motcua("migrate", "-v", "0"), env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        _motcua("serve", "--port", str(port), "--workers", "2", "--log-level", "warning"),
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=20)
    # Several processes without Redis: the operator is warned that groups are not shared.
    assert "REDIS_URL" in err


def test_worker_batch_runs_and_exits(tmp_path):
    env = _env(tmp_path)
    subprocess.run(_motcua("migrate", "-v", "0"), env=env, check=True, timeout=120)
    done = subprocess.run(
        _motcua("worker", "--batch"), env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_demo_sets_up_without_serving(tmp_path):
    env = _env(tmp_path)
    done = subprocess.run(
        _motcua("demo", "--no-serve"), env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "hp.tiepnhan1" in done.stdout
    assert (tmp_path / "motcua.sqlite3").exists()


@pytest.mark.parametrize("command", ["serve", "worker", "demo", "seed_demo", "migrate"])
def test_commands_are_listed(command):
    done = subprocess.run(_motcua("help"), capture_output=True, text=True, timeout=60)
    assert command in done.stdout
