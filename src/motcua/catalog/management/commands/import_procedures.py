"""``motcua import_procedures FILE``: load procedures from the national JSON, or our CSV/XLSX."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog import tabular
from motcua.catalog.services import procedure_import


class Command(BaseCommand):
    help = "Import procedures (national JSON shape, or our CSV/XLSX layout). Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        if file.suffix.lower() in {".csv", ".xlsx"}:
            records = [tabular.row_to_record(row) for row in tabular.rows_from_file(file)]
        else:
            try:
                data = json.loads(file.read_text(encoding="utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise CommandError(f"{file}: not a JSON file ({error})") from None
            if isinstance(data, dict):
                data = data.get("data", data.get("items"))
            if not isinstance(data, list):
                raise CommandError(
                    f"{file}: expected a list of procedure records (or an object with 'data')"
                )
            records = data
        report = procedure_import(actor=None, records=records, source=file.name)
        self.stdout.write(report.summary())
        for position, code, reason in report.errors:
            self.stderr.write(f"  record {position} {code or '(no code)'}: {reason}")
        if report.errors:
            # Good records are in; the exit status still tells scripts that something was refused.
            raise SystemExit(1)
