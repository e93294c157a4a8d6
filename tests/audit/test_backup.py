"""motcua backup / restore: a round trip on SQLite and on PostgreSQL (a scratch database),
checksums verified, a database with data not overwritten unless forced."""

import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from motcua.web.backup import BackupError, backup_create, backup_restore, table_counts
from tests.audit.conftest import online_dossier

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data(center, procedure, receptionist, private_media):
    """Committed rows (pg_dump and SQLite's backup read what is committed) and an upload."""
    dossier = online_dossier(center, procedure)
    stored = dossier.files.get()
    relative = Path(stored.file.path).relative_to(Path(private_media).resolve()).as_posix()
    return dossier, relative, Path(stored.file.path).read_bytes()


def _round_trip(tmp_path, target_db, media_src, stored_name, content):
    result = backup_create(output_dir=tmp_path / "out")
    manifest = result.manifest
    assert result.path.name.startswith("motcua-backup-") and result.path.suffix == ".gz"
    assert f"media/{stored_name}" in manifest["files"]
    assert manifest["database"]["counts"]["dossiers_dossier"] == 1
    assert manifest["versions"]["django"]
    restored_media = tmp_path / "restored-media"
    backup_restore(input_path=result.path, db=target_db, media_root=restored_media)
    assert table_counts(target_db) == manifest["database"]["counts"]
    assert (restored_media / stored_name).read_bytes() == content
    # The target now holds data: a second restore is refused unless forced.
    with pytest.raises(BackupError, match="holds data"):
        backup_restore(input_path=result.path, db=target_db, media_root=restored_media)
    backup_restore(input_path=result.path, db=target_db, media_root=restored_media, force=True)
    assert table_counts(target_db) == manifest["database"]["counts"]
    return result


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
def test_sqlite_round_trip(tmp_path, data):
    dossier, stored_name, content = data
    target = {**connection.settings_dict, "NAME": str(tmp_path / "restored.sqlite3")}
    _round_trip(tmp_path, target, None, stored_name, content)
    import sqlite3

    with sqlite3.connect(target["NAME"]) as db:
        row = db.execute(
            "SELECT applicant_name FROM dossiers_dossier WHERE code = ?", [dossier.code]
        ).fetchone()
    assert row == ("Nguyễn Thị Lan",)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL round trip")
def test_postgresql_round_trip(tmp_path, data):
    import psycopg

    dossier, stored_name, content = data
    settings_dict = connection.settings_dict
    scratch = "motcua_sec_restore"
    admin = psycopg.connect(
        dbname="postgres",
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=True,
    )
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch}")
        admin.execute(f"CREATE DATABASE {scratch}")
        target = {**settings_dict, "NAME": scratch}
        _round_trip(tmp_path, target, None, stored_name, content)
        with psycopg.connect(
            dbname=scratch,
            host=settings_dict.get("HOST") or None,
            port=settings_dict.get("PORT") or None,
            user=settings_dict.get("USER") or None,
            password=settings_dict.get("PASSWORD") or None,
        ) as db:
            row = db.execute(
                "SELECT applicant_name FROM dossiers_dossier WHERE code = %s", [dossier.code]
            ).fetchone()
            assert row == ("Nguyễn Thị Lan",)
            # The append-only trigger came back with the table.
            with pytest.raises(psycopg.Error, match="append-only"):
                db.execute("DELETE FROM audit_auditentry")
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        admin.close()


def test_a_tampered_archive_is_refused(tmp_path, data):
    result = backup_create(output_dir=tmp_path / "out")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(result.path) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            handle = source.extractfile(member)
            body = handle.read() if handle else b""
            if member.name.startswith("media/"):
                body = body[:-1] + b"X"
            import io

            member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    empty = {**connection.settings_dict, "NAME": str(tmp_path / "x.sqlite3")}
    if connection.vendor == "postgresql":
        empty = connection.settings_dict  # refused before anything is touched
    with pytest.raises(BackupError, match="checksum"):
        backup_restore(input_path=tampered, db=empty, media_root=tmp_path / "m", force=True)
    assert not (tmp_path / "m").exists()


def test_an_archive_of_another_engine_is_refused(tmp_path, data):
    result = backup_create(output_dir=tmp_path / "out")
    with tarfile.open(result.path) as archive:
        handle = archive.extractfile("manifest.json")
        assert handle is not None
        vendor = json.loads(handle.read())["database"]["vendor"]
    other = (
        {"ENGINE": "django.db.backends.postgresql", "NAME": "nowhere"}
        if vendor == "sqlite"
        else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "y.sqlite3")}
    )
    with pytest.raises(BackupError, match="this backup is of a"):
        backup_restore(input_path=result.path, db=other, media_root=tmp_path / "m")


def test_the_commands(tmp_path, data):
    from io import StringIO

    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "b"), stdout=out)
    archive = next((tmp_path / "b").glob("motcua-backup-*.tar.gz"))
    assert str(archive) in out.getvalue()
    # The application's own database holds data: restore refuses without --force.
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="holds data"):
        call_command("restore", "--input", str(archive))
