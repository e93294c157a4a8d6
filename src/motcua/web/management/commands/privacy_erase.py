"""``motcua privacy_erase --id-number N``: erase a citizen's personal data where the law
allows it. Dossiers still inside their retention (open, or closed less than
DOSSIER_RETENTION_YEARS ago) are kept unchanged; older ones are anonymised; appointments,
tickets' phones, messages and feedback contact details are erased. Prints what was done; the
erasure is written to the audit log (under a hash of the ID number)."""

import getpass
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.web.privacy import privacy_erase


class Command(BaseCommand):
    help = "Erase a citizen's personal data by ID number, keeping dossiers inside retention."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--id-number", required=True, help="CCCD (12 digits) or CMND (9)")

    def handle(self, *args: Any, id_number: str, **options: Any) -> None:
        try:
            report = privacy_erase(id_number=id_number, actor_name=f"cli:{getpass.getuser()}")
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
