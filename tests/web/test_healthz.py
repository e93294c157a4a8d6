"""/healthz: database, channel layer and task backend, each checked for real."""

import json
import urllib.request

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.db import OperationalError, connections
from django.tasks import task
from django.test import override_settings

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


@task
def nothing_to_do() -> None:
    """A task for the queue that the health check counts."""


@pytest.fixture
def fresh_channel_layers():
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def test_everything_ok(client, fresh_channel_layers):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "tasks"}
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "channel_layer": "ok",
        "tasks": "ok",
    }
    assert body["checks"]["database"]["vendor"] == connections["default"].vendor
    expected_layer = (
        "RedisChannelLayer"
        if "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
        else "InMemoryChannelLayer"
    )
    assert body["checks"]["channel_layer"]["backend"] == expected_layer
    assert body["checks"]["tasks"]["backend"] == "ImmediateBackend"
    assert body["checks"]["database"]["latency_ms"] >= 0


def test_is_never_cached(client, fresh_channel_layers):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_unreachable_channel_layer_is_a_503(client, fresh_channel_layers):
    with override_settings(CHANNEL_LAYERS=DEAD_REDIS):
        channel_layers.backends = {}
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["channel_layer"]["status"] == "fail"
    assert body["checks"]["channel_layer"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["tasks"]["status"] == "ok"


def test_database_failure_is_a_503(client, fresh_channel_layers, monkeypatch):
    connection = connections["default"]

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    monkeypatch.undo()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "error": "OperationalError: connection refused",
    }
    assert body["checks"]["channel_layer"]["status"] == "ok"


def test_database_backed_task_queue_reports_its_backlog(client, fresh_channel_layers):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        nothing_to_do.enqueue()
        nothing_to_do.enqueue()
        response = client.get("/healthz")

    assert response.status_code == 200
    tasks = response.json()["checks"]["tasks"]
    assert tasks["backend"] == "DatabaseBackend"
    assert tasks["queued"] == 2
    assert tasks["oldest_queued_seconds"] >= 0


def test_healthz_over_the_real_asgi_server(live_server_url, fresh_channel_layers):
    url = f"{live_server_url}/healthz"
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local test server
        status = response.status
        body = json.loads(response.read())

    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
