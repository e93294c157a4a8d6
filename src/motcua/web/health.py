"""Health of the parts the product cannot work without: database, channel layer, task backend."""

import asyncio
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections
from django.tasks import task_backends

CHANNEL_TIMEOUT_SECONDS = 2.0


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "vendor": connection.vendor, "latency_ms": _elapsed_ms(started)}


async def check_channel_layer() -> dict[str, Any]:
    """Send a message to a fresh channel and read it back (a real round trip through Redis)."""
    started = time.perf_counter()
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    await asyncio.wait_for(layer.send(channel, {"type": "healthz"}), CHANNEL_TIMEOUT_SECONDS)
    message = await asyncio.wait_for(layer.receive(channel), CHANNEL_TIMEOUT_SECONDS)
    if message.get("type") != "healthz":
        raise RuntimeError("channel layer returned another message")
    return {"status": "ok", "backend": type(layer).__name__, "latency_ms": _elapsed_ms(started)}


def check_tasks() -> dict[str, Any]:
    backend = task_backends["default"]
    result: dict[str, Any] = {"status": "ok", "backend": type(backend).__name__}
    if type(backend).__module__.startswith("django_tasks_db"):
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready()
        result["queued"] = ready.count()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        result["oldest_queued_seconds"] = (
            round((timezone.now() - oldest).total_seconds()) if oldest else 0
        )
    return result


async def run_checks() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    for name, check in (
        ("database", sync_to_async(check_database, thread_sensitive=True)),
        ("channel_layer", check_channel_layer),
        ("tasks", sync_to_async(check_tasks, thread_sensitive=True)),
    ):
        try:
            checks[name] = await check()
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check
            checks[name] = {"status": "fail", "error": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return healthy, checks
