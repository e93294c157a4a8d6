"""``motcua seed_demo``: load the demo province (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from motcua.demo.history import WEEKS as HISTORY_WEEKS
from motcua.demo.province import DEMO_PASSWORD
from motcua.demo.services import demo_province_load
from motcua.dossiers.models import Dossier


class Command(BaseCommand):
    help = "Load the demo province: centers, departments, counters and staff for every role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the log-ins")
        parser.add_argument(
            "--history-weeks",
            type=int,
            default=HISTORY_WEEKS,
            help=f"weeks of dossier history for centers without dossiers (default {HISTORY_WEEKS}; 0: none)",
        )

    def handle(
        self,
        *args: Any,
        quiet_logins: bool = False,
        history_weeks: int = HISTORY_WEEKS,
        **options: Any,
    ) -> None:
        logins = demo_province_load(history_weeks=history_weeks)
        self.stdout.write(self.style.SUCCESS(f"Demo province loaded: {len(logins)} log-ins."))
        self.stdout.write(f"Dossiers: {Dossier.objects.count()}.")
        if not quiet_logins:
            self.stdout.write(format_logins(logins))


def format_logins(logins) -> str:
    """The province log-ins and the first center's in full; the other centers by prefix."""
    first_center = next(login.where for login in logins if login.role == "center_admin")
    shown = [
        login
        for login in logins
        if login.where in {"*", first_center}
        or "." not in login.username
        or login.username.startswith("tinh.")
    ]
    width = max(len(login.username) for login in shown)
    lines = [f"Demo log-ins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {login.username:<{width}}  {login.role:<15} {login.where}" for login in shown]
    others = sorted(
        {
            (login.username.split(".")[0], login.where)
            for login in logins
            if login.where not in {"*", first_center} and not login.username.startswith("tinh.")
        }
    )
    for prefix, where in others:
        lines.append(f"  {prefix}.* (same roles)  {where}")
    return "\n".join(lines)
