"""``motcua send_notifications``: send every due message now (also run by ``motcua worker``
every minute; useful from cron or after an outage)."""

from typing import Any

from django.core.management.base import BaseCommand

from motcua.notifications.services import notifications_flush


class Command(BaseCommand):
    help = "Send every due notification (new, retries, and ones whose worker died)."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = notifications_flush()
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) or "nothing due"
        )
