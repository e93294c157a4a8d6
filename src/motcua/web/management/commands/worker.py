"""``motcua worker``: runs background tasks queued in the database (django-tasks-db); every
minute sends the notifications that are due (retries, and any whose task was lost), expires
the tickets still waiting at centers that have closed, and sweeps the appointments (expired
reservations, no-shows after the check-in window, reminders the day and the hour before) and the
dossiers (overdue marks, due-soon warnings to the officials), delivers the integrations outbox
and pulls from the national portal, and rolls up the report figures of closed days (the days
a change moved back, and yesterday once a day); every hour removes cached call
audio older than a week; once a day runs the privacy sweep (``motcua privacy_sweep``). At start
and every minute it queues again the tasks a lost worker left RUNNING (``TASK_LEASE``)."""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
FLUSH_EVERY_SECONDS = 60


VOICE_KEEP_SECONDS = 7 * 24 * 3600


# A task still RUNNING this long after it started lost its worker (killed, machine gone):
# django-tasks-db keeps no lease of its own, so the worker puts such rows back in the queue.
# Our tasks take seconds (a message delivery); a task legitimately longer than this would run
# twice.
TASK_LEASE = timedelta(minutes=15)


def tasks_requeue_stale(*, now: datetime | None = None) -> int:
    """Put the RUNNING tasks of dead workers back to READY; how many."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=now - TASK_LEASE)
    count = stale.update(status="READY", started_at=None)
    if count:
        logger.warning("%d task(s) of a lost worker queued again", count)
    return count


def _flush_loop(stop: threading.Event) -> None:
    from motcua.appointments.services import appointments_sweep
    from motcua.dossiers.processing import dossiers_deadline_sweep
    from motcua.dossiers.uploads import orphan_files_sweep
    from motcua.integrations.services import outbox_deliver, portal_pull
    from motcua.notifications.services import notifications_flush
    from motcua.queueing import voice
    from motcua.queueing.services import tickets_expire_after_closing
    from motcua.reporting.rollup import refresh as reports_rollup
    from motcua.web.privacy import privacy_sweep_daily

    duties: list[tuple[str, Callable[[], object]]] = [
        ("queueing again the tasks of lost workers", tasks_requeue_stale),
        ("sending due notifications", notifications_flush),
        # Waiting tickets expire when their center closes.
        ("expiring tickets after closing", tickets_expire_after_closing),
        # Reservations expire, no-shows are marked, reminders are queued (their task sends them).
        ("sweeping appointments", appointments_sweep),
        # Open dossiers past due are marked overdue; officials are warned a working day before.
        ("sweeping dossier deadlines", dossiers_deadline_sweep),
        # The integrations outbox (portal status changes, webhooks), then the portal's dossiers
        # and catalog updates (nothing for the portal when PORTAL_SYNC_URL is empty).
        ("delivering the integrations outbox", outbox_deliver),
        ("pulling from the national portal", portal_pull),
        # Closed days into the report rollup (PostgreSQL; nothing to do most minutes).
        ("rolling up the report figures", reports_rollup),
    ]
    rounds = 0
    while not stop.wait(FLUSH_EVERY_SECONDS):
        rounds += 1
        # Each duty on its own: one failing does not hold back the others.
        for name, duty in duties:
            try:
                close_old_connections()
                duty()
            except Exception:
                logger.exception("%s failed; trying again in a minute", name)
            finally:
                close_old_connections()
        try:
            # Once a day (the first round of the day, in one worker): retention of personal
            # data (old tickets' phones, old feedback's contact details).
            close_old_connections()
            privacy_sweep_daily()
        except Exception:
            logger.exception("the privacy sweep failed; trying again in a minute")
        finally:
            close_old_connections()
        if rounds % 60 == 1:
            try:
                # Spoken calls older than a week are never asked for again.
                voice.prune(older_than_seconds=VOICE_KEEP_SECONDS)
            except Exception:
                logger.exception("pruning call audio failed; trying again in an hour")
            try:
                # Files a killed process wrote in a transaction that never committed.
                close_old_connections()
                removed = orphan_files_sweep()
                if removed:
                    logger.warning("removed %d file(s) that no dossier names", len(removed))
            except Exception:
                logger.exception("the orphan file sweep failed; trying again in an hour")
            finally:
                close_old_connections()


class Command(BaseCommand):
    help = "Run the background task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        tasks_requeue_stale()
        if batch:
            call_command("db_worker", "--interval", str(interval), "--batch")
            call_command("send_notifications")
            call_command("portal_sync")
            return
        stop = threading.Event()
        flusher = threading.Thread(target=_flush_loop, args=(stop,), daemon=True, name="notify")
        flusher.start()
        try:
            call_command("db_worker", "--interval", str(interval))
        finally:
            stop.set()
