"""``motcua reports_rollup``: roll up the report figures of the closed days not yet rolled up
(``motcua worker`` does it every minute; docs/reports.md, "Rollup")."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from motcua.organization.models import Center
from motcua.reporting import rollup


class Command(BaseCommand):
    help = "Roll up the report figures of closed days (PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--center", action="append", default=[], help="center code")

    def handle(self, *args: Any, center: list[str], **options: Any) -> None:
        if not rollup.enabled():
            self.stdout.write("the report rollup runs on PostgreSQL only: nothing to do")
            return
        ids = None
        if center:
            found = dict(Center.objects.filter(code__in=center).values_list("code", "pk"))
            unknown = sorted(set(center) - set(found))
            if unknown:
                self.stderr.write(f"unknown center code(s): {', '.join(unknown)}")
                raise SystemExit(2)
            ids = list(found.values())
        began = time.monotonic()
        count = rollup.refresh(center_ids=ids)
        self.stdout.write(f"rolled up {count} center(s) in {time.monotonic() - began:.1f} s")
