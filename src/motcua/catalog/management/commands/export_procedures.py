"""``motcua export_procedures FILE``: write the catalog as national JSON (or CSV/XLSX)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from motcua.catalog import tabular
from motcua.catalog.models import Procedure
from motcua.catalog.national import to_national


class Command(BaseCommand):
    help = "Export the current version of every procedure (national JSON, or .csv / .xlsx)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        versions = [
            p.current_version.record
            for p in Procedure.objects.filter(is_active=True, current_version__isnull=False)
            .select_related("current_version")
            .order_by("code")
            if p.current_version is not None
        ]
        suffix = file.suffix.lower()
        if suffix == ".csv":
            file.write_text(
                tabular.write_csv([tabular.normalized_to_row(v) for v in versions]),
                encoding="utf-8",
            )
        elif suffix == ".xlsx":
            tabular.write_xlsx([tabular.normalized_to_row(v) for v in versions], file)
        else:
            records = [to_national(v) for v in versions]
            file.write_text(
                json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
        self.stdout.write(f"{len(versions)} procedures written to {file}")
