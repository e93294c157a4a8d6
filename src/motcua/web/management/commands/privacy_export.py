"""``motcua privacy_export --id-number N [--output FILE]``: everything held about a citizen
(dossiers with their files listed, appointments, tickets, ratings and feedback, messages) as
JSON. The export is written to the audit log (under a hash of the ID number)."""

import getpass
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.web.privacy import privacy_export


class Command(BaseCommand):
    help = "Export everything about a citizen, by ID number, as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--id-number", required=True, help="CCCD (12 digits) or CMND (9)")
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args: Any, id_number: str, output: str | None, **options: Any) -> None:
        try:
            data = privacy_export(id_number=id_number, actor_name=f"cli:{getpass.getuser()}")
        except ValueError as error:
            raise CommandError(str(error)) from None
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            path = Path(output)
            path.write_text(text + "\n", encoding="utf-8")
            path.chmod(0o600)
            self.stderr.write(f"written to {path}")
        else:
            self.stdout.write(text)
