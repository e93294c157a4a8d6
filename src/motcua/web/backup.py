"""Backup and restore (docs/security.md, "Backup"): one ``.tar.gz`` holding a consistent copy
of the database, the uploaded files (``MEDIA_ROOT``) and ``manifest.json`` (versions, the
database engine, the latest migration of each app, row counts of key tables, and the size and
SHA-256 of every file in the archive).

- SQLite: the copy is made with SQLite's online backup API (``sqlite3.Connection.backup``),
  consistent even while the application writes.
- PostgreSQL: ``pg_dump -Fc`` (one snapshot), restored with ``pg_restore --clean``.

A restore verifies every checksum before it touches anything, refuses an archive of another
engine, and refuses to overwrite a database that holds data unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
# Tables whose row counts go into the manifest and are compared after a restore.
KEY_TABLES = (
    "auth_user",
    "organization_center",
    "catalog_procedure",
    "queueing_ticket",
    "appointments_appointment",
    "dossiers_dossier",
    "dossiers_dossierfile",
    "feedback_rating",
    "notifications_message",
    "audit_auditentry",
)
# A target holding rows in any of these is "not empty".
DATA_TABLES = ("auth_user", "organization_center", "dossiers_dossier", "queueing_ticket")


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(db: dict[str, Any]) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"unsupported database engine {engine}")


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict[str, Any]) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is needed (PostgreSQL client tools) and was not found")
    return found


@contextmanager
def _cursor(db: dict[str, Any]) -> Iterator[Any]:
    """A cursor on ``db`` outside Django's connection (the target of a restore may be another
    database than the one the application uses)."""
    if _vendor(db) == "sqlite":
        conn = sqlite3.connect(str(db["NAME"]))
        try:
            yield conn.cursor()
        finally:
            conn.close()
    else:
        import psycopg

        pg = psycopg.connect(
            dbname=str(db["NAME"]),
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            autocommit=True,
        )
        try:
            yield pg.cursor()
        finally:
            pg.close()


def table_counts(db: dict[str, Any], tables: tuple[str, ...] = KEY_TABLES) -> dict[str, int]:
    """Row counts of the tables that exist in ``db``."""
    counts: dict[str, int] = {}
    with _cursor(db) as cursor:
        for table in tables:
            try:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (fixed names)
            except Exception:  # noqa: BLE001 - the table does not exist (yet)
                if _vendor(db) == "postgresql":
                    cursor.connection.rollback()
                continue
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(db: dict[str, Any]) -> dict[str, str]:
    latest: dict[str, str] = {}
    with _cursor(db) as cursor:
        try:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        except Exception:  # noqa: BLE001
            return latest
        latest = {app: name for app, name in cursor.fetchall()}
    return latest


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def backup_create(
    *,
    output_dir: Path,
    db: dict[str, Any] | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Write ``motcua-backup-<time>.tar.gz`` into ``output_dir``."""
    db = db or connection.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    vendor = _vendor(db)
    now = now or timezone.now()
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="motcua-backup-") as tmp:
        work = Path(tmp)
        if vendor == "sqlite":
            dump = work / SQLITE_NAME
            source = sqlite3.connect(str(db["NAME"]))
            target = sqlite3.connect(str(dump))
            try:
                source.backup(target)  # online backup: a consistent copy
            finally:
                target.close()
                source.close()
        else:
            dump = work / PG_NAME
            completed = subprocess.run(  # noqa: S603
                [
                    _tool("pg_dump"),
                    "-Fc",
                    "--no-owner",
                    *_pg_args(db),
                    "-f",
                    str(dump),
                    str(db["NAME"]),
                ],
                env=_pg_env(db),
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
        files: dict[str, dict[str, Any]] = {
            dump.name: {"sha256": _sha256(dump), "size": dump.stat().st_size}
        }
        media_files: list[Path] = []
        if media_root.exists():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    name = "media/" + path.relative_to(media_root).as_posix()
                    files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
                    media_files.append(path)
        manifest = {
            "format": 1,
            "created_at": now.isoformat(),
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "migrations": _migrations(db),
                "counts": table_counts(db),
            },
            "versions": {
                "motcua": _version("motcua"),
                "django": django.get_version(),
                "python": ".".join(map(str, __import__("sys").version_info[:3])),
                "sqlite": sqlite3.sqlite_version if vendor == "sqlite" else None,
                "pg_dump": _pg_dump_version() if vendor == "postgresql" else None,
            },
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
        path = output_dir / f"motcua-backup-{stamp}.tar.gz"
        partial = path.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            for source_path in media_files:
                archive.add(
                    source_path, arcname="media/" + source_path.relative_to(media_root).as_posix()
                )
        partial.rename(path)
        path.chmod(0o600)
    return BackupResult(path=path, manifest=manifest)


def _pg_dump_version() -> str:
    completed = subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=False
    )
    return completed.stdout.strip()


def _extract(archive_path: Path, into: Path) -> dict[str, Any]:
    """Unpack and check: every file listed with its checksum, nothing else, no path outside."""
    with tarfile.open(archive_path, "r:gz") as archive:
        names = archive.getnames()
        if MANIFEST not in names:
            raise BackupError("not a motcua backup: no manifest.json")
        archive.extractall(into, filter="data")
    manifest = json.loads((into / MANIFEST).read_text())
    listed = set(manifest.get("files", {}))
    present = {n for n in names if n != MANIFEST and (into / n).is_file()}
    if listed != present:
        missing = sorted(listed - present)[:5]
        extra = sorted(present - listed)[:5]
        raise BackupError(
            f"the archive does not match its manifest (missing {missing}, extra {extra})"
        )
    for name, info in manifest["files"].items():
        if _sha256(into / name) != info["sha256"]:
            raise BackupError(f"checksum mismatch: {name}")
    return manifest


def database_is_empty(db: dict[str, Any]) -> bool:
    return not any(table_counts(db, DATA_TABLES).values())


def backup_restore(
    *,
    input_path: Path,
    db: dict[str, Any] | None = None,
    media_root: Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Restore a backup into ``db`` (default: the application's database) and ``media_root``.
    Returns the manifest."""
    db = db or connection.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    vendor = _vendor(db)
    with tempfile.TemporaryDirectory(prefix="motcua-restore-") as tmp:
        work = Path(tmp)
        manifest = _extract(input_path, work)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"this backup is of a {manifest['database']['vendor']} database; the target is {vendor}"
            )
        if not force and not database_is_empty(db):
            raise BackupError("the target database holds data; use --force to overwrite it")
        dump = work / manifest["database"]["file"]
        if vendor == "sqlite":
            if db is connection.settings_dict:
                connection.close()
            source = sqlite3.connect(str(dump))
            target = sqlite3.connect(str(db["NAME"]))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            if db is connection.settings_dict:
                connection.close()
            completed = subprocess.run(  # noqa: S603
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *_pg_args(db),
                    "-d",
                    str(db["NAME"]),
                    str(dump),
                ],
                env=_pg_env(db),
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                raise BackupError(f"pg_restore failed: {completed.stderr.strip()[-2000:]}")
        media_src = work / "media"
        if media_src.exists():
            for path in media_src.rglob("*"):
                if path.is_file():
                    target_path = media_root / path.relative_to(media_src)
                    target_path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target_path)
        restored = table_counts(db)
        expected = manifest["database"]["counts"]
        differing = {
            t: (expected[t], restored.get(t)) for t in expected if restored.get(t) != expected[t]
        }
        if differing:
            raise BackupError(f"row counts differ after the restore: {differing}")
    return manifest
