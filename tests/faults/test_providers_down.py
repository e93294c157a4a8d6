"""The SMTP server and the SMS gateway both down (nothing listens on their ports) when a
dossier is received: the intake succeeds, its two messages (email and SMS) stay in the outbox
with each failed attempt recorded, and once both providers are back on the same addresses
the next due flush delivers each exactly once.

The delivery tests (tests/notifications/test_delivery.py) cover providers that answer and
refuse (SMTP 451, HTTP 503); this is the other outage — connection refused, for hours — at the
level of the whole intake: the API request, the outbox, the retries the worker's flush makes.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.notifications.models import DeliveryAttempt, Message
from motcua.notifications.services import notifications_flush
from motcua.organization.models import Role
from tests.dossiers.conftest import APPLICANT, make_procedure
from tests.factories import staff
from tests.faults.conftest import NEEDS_POSTGRES_AND_REDIS
from tests.notifications.servers import SmsGateway, SmtpServer
from tests.queueing.test_queue_api import bearer

pytestmark = [pytest.mark.faults, NEEDS_POSTGRES_AND_REDIS, pytest.mark.django_db]

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


class StoppedSmsGateway(SmsGateway):
    """The test gateway, its port reserved but closed until ``start()`` (a gateway that is down
    and comes back on the same address)."""

    def __init__(self) -> None:
        super().__init__()
        self.port = self.server.server_address[1]
        self.handler = self.server.RequestHandlerClass
        self.server.server_close()  # nothing listens: connection refused

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self) -> StoppedSmsGateway:
        return self

    def __exit__(self, *exc) -> None:
        if self.thread.is_alive():
            super().__exit__(*exc)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"


def test_email_and_sms_down_at_intake_are_kept_and_delivered_once_when_back(
    client, center, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    smtp = SmtpServer()  # not started: its port refuses connections
    with StoppedSmsGateway() as gateway, time_machine.travel(NOW, tick=True):
        settings.EMAIL_URL = smtp.url
        settings.SMS_GATEWAY_URL = gateway.url
        procedure = make_procedure(center)
        receptionist = staff(Role.RECEPTIONIST, center, username="tiepnhan")
        headers = bearer(client, receptionist)
        case = procedure.current_version.document_cases.first()
        body = {
            "center": center.code,
            "procedure": procedure.code,
            "channel": "direct",
            "applicant": APPLICANT,
            "documents": [{"required_document": d.pk} for d in case.documents.all()],
            "decision": "accept",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/dossiers", body, content_type="application/json", **headers
            )
        # The intake is not held up by the outage.
        assert response.status_code == 201, response.content
        dossier = Dossier.objects.get(code=response.json()["code"])
        messages = {m.channel: m for m in Message.objects.filter(center=center)}
        assert set(messages) == {"email", "sms"}

        # The task that ran after the commit tried each once: refused, kept, retry planned.
        for message in messages.values():
            message.refresh_from_db()
            assert message.status == Message.Status.PENDING
            assert message.attempts == 1
            assert message.next_attempt_at is not None
        assert "Connection refused" in messages["email"].last_error
        assert "refused" in messages["sms"].last_error.lower()

        # Hours of outage: every due flush tries again and records the failure.
        moment = timezone.now()
        for _ in range(3):
            moment += timedelta(hours=1)
            assert notifications_flush(now=moment) == {"retry": 2}
        assert DeliveryAttempt.objects.filter(ok=False).count() == 2 * 4
        assert smtp.received == [] and gateway.received == []

        # Both come back on the same addresses; the next due flush delivers each once.
        smtp.controller.start()
        gateway.start()
        try:
            moment += timedelta(hours=6)
            assert notifications_flush(now=moment) == {"sent": 2}
            assert notifications_flush(now=moment + timedelta(days=2)) == {}
        finally:
            smtp.controller.stop()

    assert len(smtp.received) == 1
    assert smtp.received[0].rcpt_tos == [APPLICANT["email"]]
    assert dossier.code.encode() in smtp.received[0].original_content
    assert len(gateway.received) == 1
    assert dossier.code in gateway.received[0]["body"]["text"]
    for message in messages.values():
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.attempts == 5
        oks = list(
            DeliveryAttempt.objects.filter(message=message)
            .order_by("pk")
            .values_list("ok", flat=True)
        )
        assert oks == [False, False, False, False, True]
