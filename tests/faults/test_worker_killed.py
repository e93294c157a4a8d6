"""A ``motcua worker`` killed (SIGKILL) in the middle of a task: delivering an email to an SMTP
server that is slow to answer.

What the product promises is about the message: it is delivered exactly once in the end. The
outbox claims a message for a lease (5 minutes, ``LEASE``) before handing it over; a worker that
dies leaves it claimed, and once the lease has run out the next flush (every worker runs one a
minute, and ``motcua worker --batch`` / ``motcua send_notifications`` run one at once) sends it.

What django-tasks-db does with the task itself is the second test: the killed task's row stays
RUNNING forever and nothing runs it again (it has no lease or heartbeat of its own).

The worker runs as a real child process on the test database, with the database task backend
(not in testing mode). Five minutes cannot be waited for in a test: the lease's end is moved
back instead, which is exactly what five minutes of the clock would do to it.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.notifications.models import DeliveryAttempt, Message
from motcua.notifications.services import LEASE, notification_enqueue
from tests.faults.conftest import (
    MOTCUA,
    NEEDS_POSTGRES_AND_REDIS,
    ROOT,
    child_env,
    free_port,
)

pytestmark = [
    pytest.mark.faults,
    NEEDS_POSTGRES_AND_REDIS,
    pytest.mark.django_db(transaction=True),
]

CONTEXT = {
    "dossier_code": "000.00.10.H34-261125-0001",
    "procedure_name": "Đăng ký khai sinh",
    "due_at": "10:00 27/11/2026",
    "track_url": "http://127.0.0.1:8000/t/1",
}


class SlowFirstRecipient:
    """An SMTP server that takes 30 s to answer the first RCPT TO (the message itself has not
    been sent yet then), and answers at once afterwards."""

    def __init__(self) -> None:
        self.recipients_asked = 0
        self.first_waiting = threading.Event()
        self.received: list[Envelope] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.recipients_asked += 1
        if self.recipients_asked == 1:
            self.first_waiting.set()
            await asyncio.sleep(30)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def slow_smtp():
    handler = SlowFirstRecipient()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}?from=motcua@test.invalid&timeout=60"
    finally:
        controller.stop()


@pytest.fixture
def database_tasks(settings):
    """This process enqueues into the database, as the application does outside tests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_batch_worker(env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [MOTCUA, "worker", "--batch", "--interval", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def kill_worker_mid_delivery(children, center, slow_smtp) -> tuple[Message, DBTaskResult, dict]:
    """Queue one email, let a worker start delivering it, SIGKILL the worker there."""
    handler, url = slow_smtp
    env = child_env(EMAIL_URL=url)
    worker = children("worker", "--interval", "0.2", env=env, name="worker")
    with transaction.atomic():
        message = notification_enqueue(
            center=center,
            kind="dossier_received",
            channel="email",
            recipient="cong.dan@example.org",
            context=CONTEXT,
            idempotency_key="fault:worker-killed:email",
        )
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    # The worker has claimed the task and the message, and waits for the SMTP server's answer.
    assert handler.first_waiting.wait(timeout=20), worker.output()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENDING, 1)
    task.refresh_from_db()
    assert task.status == "RUNNING"
    worker.kill()
    return message, task, env


def test_a_message_whose_worker_was_killed_is_delivered_once(
    children, center, slow_smtp, database_tasks
):
    handler, _url = slow_smtp
    message, _task, env = kill_worker_mid_delivery(children, center, slow_smtp)

    # Another worker at once: the message is still claimed (the killed one might still have
    # been sending), so it is not sent a second time.
    run_batch_worker(env)
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING
    assert handler.received == []

    # The lease runs out (five minutes later): the next worker's flush sends it.
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert timedelta(minutes=5) == LEASE  # what was skipped
    out = run_batch_worker(env)
    assert "sent: 1" in out, out
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert list(DeliveryAttempt.objects.filter(message=message).values_list("ok", flat=True)) == [
        True
    ]
    # And never again.
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert "nothing due" in run_batch_worker(env)
    assert len(handler.received) == 1
    assert handler.received[0].rcpt_tos == ["cong.dan@example.org"]
    assert handler.recipients_asked == 2  # by the killed attempt, and by the one that delivered


def test_the_task_of_a_killed_worker_runs_again(children, center, slow_smtp, database_tasks):
    _message, task, env = kill_worker_mid_delivery(children, center, slow_smtp)
    # Another worker starts, and keeps working long after (its task lease, if it had one).
    run_batch_worker(env)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(hours=1))
    run_batch_worker(env)
    task.refresh_from_db()
    assert task.status != "RUNNING"
    assert len(task.worker_ids) == 2  # run again, by another worker
