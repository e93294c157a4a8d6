"""``motcua dossiers_sweep``: once, what the worker does every minute for dossiers: mark the
open dossiers past their due time overdue (once each), and warn the official working on a
dossier and the center's leaders by e-mail the working day before its due time (once per due
time). Prints how many of each."""

from typing import Any

from django.core.management.base import BaseCommand

from motcua.dossiers.processing import dossiers_deadline_sweep


class Command(BaseCommand):
    help = (
        "Mark overdue dossiers and warn of dossiers due within a working day once "
        "(the worker does this every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = dossiers_deadline_sweep()
        self.stdout.write(f"overdue: {counts['overdue']}, warned: {counts['warned']}")
