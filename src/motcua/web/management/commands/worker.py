"""``motcua worker``: runs background tasks queued in the database (django-tasks-db); every
minute sends the notifications that are due (retries, and any whose task was lost) and expires
the tickets still waiting at centers that have closed, and every hour removes cached call audio
older than a week."""

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)
FLUSH_EVERY_SECONDS = 60


VOICE_KEEP_SECONDS = 7 * 24 * 3600


def _flush_loop(stop: threading.Event) -> None:
    from motcua.notifications.services import notifications_flush
    from motcua.queueing import voice
    from motcua.queueing.services import tickets_expire_after_closing

    rounds = 0
    while not stop.wait(FLUSH_EVERY_SECONDS):
        rounds += 1
        try:
            close_old_connections()
            notifications_flush()
            # Waiting tickets expire when their center closes.
            tickets_expire_after_closing()
            if rounds % 60 == 1:
                # Spoken calls older than a week are never asked for again.
                voice.prune(older_than_seconds=VOICE_KEEP_SECONDS)
        except Exception:
            logger.exception("sending due notifications failed; trying again in a minute")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run the background task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        if batch:
            call_command("db_worker", "--interval", str(interval), "--batch")
            call_command("send_notifications")
            return
        stop = threading.Event()
        flusher = threading.Thread(target=_flush_loop, args=(stop,), daemon=True, name="notify")
        flusher.start()
        try:
            call_command("db_worker", "--interval", str(interval))
        finally:
            stop.set()
