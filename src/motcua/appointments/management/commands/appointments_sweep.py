"""``motcua appointments_sweep``: once, what the worker does every minute for appointments:
expire reservations not confirmed in time, mark no-shows after the check-in window, queue the
reminders due (the day before and the hour before). Prints how many of each."""

from typing import Any

from django.core.management.base import BaseCommand

from motcua.appointments.services import appointments_sweep


class Command(BaseCommand):
    help = (
        "Expire unconfirmed reservations, mark no-shows and queue due reminders once "
        "(the worker does this every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = appointments_sweep()
        self.stdout.write(
            f"expired: {counts['expired']}, no_show: {counts['no_show']}, "
            f"reminders: {counts['reminders']}"
        )
