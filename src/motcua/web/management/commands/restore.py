"""``motcua restore --input FILE [--force]``: restore a ``motcua backup`` archive (database
and uploaded files) after checking every checksum. Refuses a database that holds data unless
``--force``; refuses an archive of another database engine."""

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.audit.models import Action
from motcua.audit.services import audit_record
from motcua.web.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `motcua backup`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--input", required=True, help="the .tar.gz made by motcua backup")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that holds data"
        )

    def handle(self, *args: Any, input: str, force: bool, **options: Any) -> None:  # noqa: A002
        path = Path(input)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            manifest = backup_restore(input_path=path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        audit_record(
            actor=None,
            actor_name=f"cli:{getpass.getuser()}",
            action=Action.RESTORE,
            object_type="backup",
            object_key=path.name[:100],
            details={"created_at": manifest["created_at"]},
        )
        self.stdout.write(
            f"restored {path.name} (made {manifest['created_at']}; "
            f"{len(manifest['files']) - 1} files)"
        )
