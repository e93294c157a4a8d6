"""A provider outage loses nothing and sends nothing twice: against a real SMTP server and a
real HTTP SMS gateway that first refuse and then accept."""

from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from motcua.notifications.models import DeliveryAttempt, Message
from motcua.notifications.services import (
    BACKOFF,
    MAX_ATTEMPTS,
    message_deliver,
    message_retry,
    notification_enqueue,
    notifications_flush,
)
from tests.factories import staff
from tests.notifications.servers import SmsGateway, SmtpServer

pytestmark = pytest.mark.django_db

CONTEXT = {
    "dossier_code": "000.00.10.H34-261123-0001",
    "procedure_name": "Đăng ký khai sinh",
    "due_at": "10:00 26/11/2026",
    "track_url": "http://127.0.0.1:8000/t/1",
}


def _enqueue(center, channel, recipient, key="dossier:1:received", kind="dossier_received"):
    return notification_enqueue(
        center=center,
        kind=kind,
        channel=channel,
        recipient=recipient,
        context=CONTEXT,
        idempotency_key=f"{key}:{channel}",
    )


def test_email_refused_then_accepted_arrives_exactly_once(
    center, settings, django_capture_on_commit_callbacks
):
    with SmtpServer(refuse=2) as smtp:
        settings.EMAIL_URL = smtp.url
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(center, "email", "Cong.Dan@Example.org")
        # The immediate task tried once and the server refused.
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING
        assert message.attempts == 1
        assert "451" in message.last_error
        assert message.next_attempt_at is not None
        assert smtp.received == []

        # Not due yet: nothing is sent.
        assert notifications_flush() == {}
        # Due: refused a second time, then accepted on the third attempt.
        later = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
        assert notifications_flush(now=later) == {"retry": 1}
        assert notifications_flush(now=later + BACKOFF[1] + timedelta(seconds=1)) == {"sent": 1}
        # And never again, however often the outbox is flushed or the task runs.
        assert notifications_flush(now=later + timedelta(days=2)) == {}
        assert message_deliver(message_id=message.pk) == "skipped"

    assert len(smtp.received) == 1
    envelope = smtp.received[0]
    assert envelope.rcpt_tos == ["cong.dan@example.org"]
    email = message_from_bytes(envelope.original_content)
    assert str(make_header(decode_header(email["Subject"]))) == (
        "Đã tiếp nhận hồ sơ 000.00.10.H34-261123-0001"
    )
    assert "Ngày hẹn trả kết quả: 10:00 26/11/2026" in email.get_payload(decode=True).decode()
    assert email["Message-ID"] == "<dossier.1.received.email@motcua>"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 3
    assert list(DeliveryAttempt.objects.filter(message=message).values_list("ok", flat=True)) == [
        False,
        False,
        True,
    ]


def test_sms_gateway_down_then_up_sends_exactly_once(
    center, settings, django_capture_on_commit_callbacks
):
    with SmsGateway(refuse=1) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        settings.SMS_GATEWAY_HEADERS = '{"X-Api-Key": "k-123"}'
        settings.SMS_GATEWAY_BODY = '{"msisdn": "$to", "content": "$text", "ref": "$reference"}'
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(center, "sms", "+84 912 345 678")
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING
        assert "503" in message.last_error

        due = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
        assert notifications_flush(now=due) == {"sent": 1}
        assert notifications_flush(now=due + timedelta(days=1)) == {}

    assert len(gateway.received) == 1
    sent = gateway.received[0]
    assert sent["api_key"] == "k-123"
    assert sent["body"]["msisdn"] == "0912345678"
    assert sent["body"]["ref"] == "dossier:1:received:sms"
    assert "000.00.10.H34-261123-0001" in sent["body"]["content"]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_reference == "sms-1"


def test_the_same_cause_gives_one_message(center, settings, django_capture_on_commit_callbacks):
    with SmsGateway() as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            first = _enqueue(center, "sms", "0912345678")
            second = _enqueue(center, "sms", "0912345678")
        assert first.pk == second.pk
        assert Message.objects.count() == 1
    assert len(gateway.received) == 1


def test_nothing_is_sent_when_the_cause_is_rolled_back(center, settings):
    from django.db import transaction

    with SmsGateway() as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(RuntimeError), transaction.atomic():
            _enqueue(center, "sms", "0912345678")
            raise RuntimeError("the change that caused it failed")
        assert Message.objects.count() == 0
        assert notifications_flush() == {}
    assert gateway.received == []


def test_a_permanent_refusal_fails_at_once_and_staff_can_retry(
    center, settings, django_capture_on_commit_callbacks
):
    with SmsGateway(refuse=1, refuse_status=400) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(center, "sms", "0912345678")
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.attempts == 1

        receptionist = staff("receptionist", center)
        with django_capture_on_commit_callbacks(execute=True):
            message_retry(actor=receptionist, message=message)
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
    assert len(gateway.received) == 1


def test_gives_up_after_the_last_attempt(center, settings, django_capture_on_commit_callbacks):
    with SmsGateway(refuse=100) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(center, "sms", "0912345678")
        moment = timezone.now()
        for _ in range(MAX_ATTEMPTS):
            moment += timedelta(days=1)
            notifications_flush(now=moment)
        message.refresh_from_db()
        assert message.status == Message.Status.FAILED
        assert message.attempts == MAX_ATTEMPTS
        assert gateway.refused == MAX_ATTEMPTS


def test_a_message_whose_worker_died_while_sending_is_sent_later(center, settings):
    with SmsGateway() as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        message = _enqueue(center, "sms", "0912345678")
        # A worker claimed it and died before finishing.
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENDING, attempts=1, next_attempt_at=timezone.now()
        )
        assert notifications_flush(now=timezone.now() - timedelta(seconds=1)) == {}
        assert notifications_flush(now=timezone.now() + timedelta(seconds=1)) == {"sent": 1}
    assert len(gateway.received) == 1


def test_without_a_provider_messages_are_shown_to_staff(
    center, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(center, "email", "a@example.org")
    message.refresh_from_db()
    assert message.status == Message.Status.SHOWN
