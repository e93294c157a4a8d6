"""Webhooks: a real receiving HTTP server checks each delivery's HMAC-SHA256 signature on its
own (the way docs/integrations.md tells receivers to); retries go through the outbox; the
staff page lists the dead letters and sends one again."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from motcua.dossiers.workflow import Action
from motcua.integrations.models import EventType, OutboxItem, WebhookSubscription
from motcua.integrations.services import BACKOFF, outbox_deliver
from motcua.organization.models import Role
from tests.dossiers.conftest import local
from tests.factories import PASSWORD, staff
from tests.integrations.conftest import accept, act, walk

pytestmark = pytest.mark.django_db


class Receiver:
    """A system of the province receiving webhooks: answers 500 to the first ``refuse``
    deliveries, then checks the signature and keeps what it accepted."""

    def __init__(self, secret: str = "", refuse: int = 0) -> None:
        self.secret = secret
        self.refuse = refuse
        self.accepted: list[dict] = []
        self.rejected = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refuse > 0:
                    receiver.refuse -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                timestamp = self.headers.get("X-Motcua-Timestamp", "")
                expected = hmac.new(
                    receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
                if not fresh or not hmac.compare_digest(
                    f"v1={expected}", self.headers.get("X-Motcua-Signature", "")
                ):
                    receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver.accepted.append(
                    {"event": self.headers["X-Motcua-Event"], "body": json.loads(body)}
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/motcua"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def subscribe(center, url: str, event_type: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(center=center, event_type=event_type, url=url)


def test_signed_deliveries_are_verified_by_the_receiver(center, procedure, people, settings):
    settings.PORTAL_SYNC_URL = ""
    with Receiver() as receiver:
        changed = subscribe(center, receiver.url, EventType.DOSSIER_STATUS_CHANGED)
        ready = subscribe(center, receiver.url, EventType.DOSSIER_RESULT_READY)
        receiver.secret = changed.secret
        dossier = accept(center, procedure, people.receptionist)
        walk(dossier, people)
        assert outbox_deliver() == {"delivered": 6, "dead": 1}
        # The result-ready subscription has its own secret: signed with it, refused by a
        # receiver that checks against the other one.
        assert receiver.rejected == 1
        dead = OutboxItem.objects.get(status=OutboxItem.Status.DEAD)
        assert dead.subscription == ready and "401" in dead.last_error

        bodies = [row["body"] for row in receiver.accepted]
        assert [b["data"]["status"] for b in bodies] == [2, 4, 6, 4, 9, 10]
        assert {row["event"] for row in receiver.accepted} == {"dossier.status_changed"}
        first = bodies[0]
        assert first["type"] == "dossier.status_changed"
        assert first["center"] == {"code": center.code, "unit_code": center.unit_code}
        assert first["data"]["dossier_code"] == dossier.code
        # No personal data in webhooks.
        assert "Nguyễn" not in json.dumps(bodies, ensure_ascii=False)

        receiver.secret = ready.secret
        admin = staff(Role.CENTER_ADMIN, center, username="qt")
        from motcua.integrations.services import outbox_item_retry

        outbox_item_retry(actor=admin, item=dead)
        assert outbox_deliver() == {"delivered": 1}
        assert receiver.accepted[-1]["event"] == "dossier.result_ready"


def test_retries_through_the_outbox_in_order(center, procedure, people, settings):
    settings.PORTAL_SYNC_URL = ""
    with Receiver(refuse=2) as receiver:
        subscription = subscribe(center, receiver.url, EventType.DOSSIER_STATUS_CHANGED)
        receiver.secret = subscription.secret
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        now = timezone.now()
        assert outbox_deliver(now=now) == {"retry": 1}
        assert outbox_deliver(now=now + BACKOFF[0]) == {"retry": 1}
        assert outbox_deliver(now=now + BACKOFF[0] + BACKOFF[1]) == {"delivered": 2}
        assert [r["body"]["data"]["status"] for r in receiver.accepted] == [2, 4]


def test_event_types_and_inactive_subscriptions(center, procedure, people, settings):
    settings.PORTAL_SYNC_URL = ""
    url = "http://127.0.0.1:9/nowhere"
    subscribe(center, url, EventType.DOSSIER_SUBMITTED)
    subscribe(center, url, EventType.DOSSIER_RECEIVED)
    off = subscribe(center, url + "2", EventType.DOSSIER_STATUS_CHANGED)
    off.is_active = False
    off.save()
    dossier = accept(center, procedure, people.receptionist)
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
    assert sorted(OutboxItem.objects.values_list("event_type", flat=True)) == [
        "dossier.received",
        "dossier.submitted",
    ]


class TestDeadLetterPage:
    def test_admins_see_their_dead_letters_and_send_one_again(
        self, center, other_center, procedure, people, settings
    ):
        settings.PORTAL_SYNC_URL = ""
        with Receiver(refuse=100) as receiver:
            subscription = subscribe(center, receiver.url, EventType.DOSSIER_RECEIVED)
            accept(center, procedure, people.receptionist)
            item = OutboxItem.objects.get()
            OutboxItem.objects.update(
                status=OutboxItem.Status.DEAD, attempts=10, last_error="HTTP 500"
            )
            staff(Role.CENTER_ADMIN, center, username="qt")
            staff(Role.CENTER_ADMIN, other_center, username="qt-khac")
            client = Client()
            client.login(username="qt", password=PASSWORD)
            page = client.get("/staff/integrations/outbox/")
            html = page.content.decode()
            assert page.status_code == 200
            assert subscription.url in html and "HTTP 500" in html
            assert f"/staff/integrations/outbox/{item.pk}/retry/" in html

            other = Client()
            other.login(username="qt-khac", password=PASSWORD)
            assert subscription.url not in other.get("/staff/integrations/outbox/").content.decode()
            assert other.post(f"/staff/integrations/outbox/{item.pk}/retry/").status_code == 404
            receptionist = Client()
            receptionist.login(username=people.receptionist.username, password=PASSWORD)
            assert receptionist.get("/staff/integrations/outbox/").status_code == 404

            answer = client.post(f"/staff/integrations/outbox/{item.pk}/retry/", follow=True)
            assert "vào hàng gửi lại" in answer.content.decode()
            item.refresh_from_db()
            assert (item.status, item.attempts) == (OutboxItem.Status.PENDING, 0)
            receiver.refuse = 0
            receiver.secret = subscription.secret
            assert outbox_deliver() == {"delivered": 1}
