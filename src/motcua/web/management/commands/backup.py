"""``motcua backup --output DIR``: one .tar.gz with a consistent copy of the database (SQLite's
backup API, or ``pg_dump -Fc``), the uploaded files and a manifest with versions and checksums."""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.audit.models import Action
from motcua.audit.services import audit_record
from motcua.web.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one .tar.gz."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", required=True, help="the folder to write the archive to")

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        # Written first, so the backup holds its own record.
        audit_record(
            actor=None,
            actor_name=f"cli:{getpass.getuser()}",
            action=Action.BACKUP,
            object_type="backup",
            object_key=str(Path(output).resolve())[:100],
        )
        try:
            result = backup_create(output_dir=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = result.manifest["database"]["counts"]
        self.stdout.write(
            f"{result.path} ({result.path.stat().st_size} bytes; "
            f"{len(result.manifest['files']) - 1} files; "
            f"{counts.get('dossiers_dossier', 0)} dossiers)"
        )
