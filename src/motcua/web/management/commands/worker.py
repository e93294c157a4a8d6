"""``motcua worker``: runs background tasks queued in the database (django-tasks-db)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        extra = ["--batch"] if batch else []
        call_command("db_worker", "--interval", str(interval), *extra)
