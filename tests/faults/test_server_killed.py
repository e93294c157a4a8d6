"""An application process (``motcua serve``) killed (SIGKILL) while a request is in its
transaction: nothing half-made is left in the database, and no file on disk that no row
points to.

The request is caught in the middle on purpose: this test holds a row lock the request needs
(from a connection of its own), waits until the server's database backend is blocked on it,
kills the server, and only then lets the lock go. The database sees its client gone and rolls
the transaction back. The server runs as a child process on the test database, with the test
run's keys (so the token issued here is accepted) and a media folder of the test's own.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import pytest

from motcua.audit.models import AuditEntry
from motcua.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFile,
    DossierSequence,
    FormRecord,
    FormSequence,
)
from motcua.dossiers.uploads import ORPHAN_AFTER_SECONDS, orphan_files_sweep
from motcua.organization.models import Role
from tests.dossiers.conftest import APPLICANT, make_procedure, pdf_bytes
from tests.factories import staff
from tests.faults.conftest import (
    NEEDS_POSTGRES_AND_REDIS,
    backend_gone,
    blocked_backend,
    child_env,
    free_port,
    pg_connect,
    wait_for,
    wait_http,
)
from tests.queueing.test_concurrency import token_for

pytestmark = [
    pytest.mark.faults,
    NEEDS_POSTGRES_AND_REDIS,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def intake(center, media):
    """A procedure handled at the center and a receptionist's bearer token."""
    procedure = make_procedure(center)
    token = token_for(staff(Role.RECEPTIONIST, center, username="tiepnhan"))
    return procedure, token


@pytest.fixture
def serve(children, media):
    """Start ``motcua serve`` on the test database; returns (child, base URL)."""

    def start():
        port = free_port()
        child = children(
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            env=child_env(MEDIA_ROOT=str(media)),
            name="serve",
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz")
        return child, url

    return start


def post(url: str, token: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = Request(  # noqa: S310 - our own local server
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    try:
        with urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except HTTPError as error:  # an answer, with an error status
        return error.code, error.read()
    except (URLError, OSError) as error:  # no answer: the server died under the request
        return 0, str(error).encode()


def receive(base: str, token: str, procedure, center) -> tuple[int, bytes]:
    case = procedure.current_version.document_cases.first()
    body = {
        "center": center.code,
        "procedure": procedure.code,
        "channel": "direct",
        "applicant": APPLICANT,
        "documents": [{"required_document": d.pk} for d in case.documents.all()],
        "decision": "accept",
    }
    return post(f"{base}/api/v1/dossiers", token, json.dumps(body).encode(), "application/json")


def attach(base: str, token: str, code: str, document: int) -> tuple[int, bytes]:
    boundary = "motcua-fault-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"\r\n\r\n{document}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n",
    ]
    body = "".join(parts).encode() + pdf_bytes("fault") + f"\r\n--{boundary}--\r\n".encode()
    return post(
        f"{base}/api/v1/dossiers/{code}/files",
        token,
        body,
        f"multipart/form-data; boundary={boundary}",
    )


def assert_whole(dossier: Dossier, form_number: int) -> None:
    """A received dossier with everything that goes with it."""
    assert dossier.status == 2  # accepted
    assert DossierEvent.objects.filter(dossier=dossier).exists()
    assert DossierDocument.objects.filter(dossier=dossier).count() == 2
    form = FormRecord.objects.get(dossier=dossier)
    assert (form.form, form.number) == ("01", form_number)


def kill_while_blocked(
    child, admin, locker, request, statement: str, when_blocked=lambda: None
) -> int:
    """Run ``request`` in a thread; once the server's backend waits on the lock ``locker``
    holds (in a statement like ``statement``), SIGKILL the server, then release the lock and
    wait until the database has dropped the dead server's backend (rolling back its open
    transaction)."""
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(request()), daemon=True)
    thread.start()
    pid = wait_for(
        lambda: blocked_backend(admin, statement), what=f"the request blocked in {statement}"
    )
    when_blocked()
    child.kill()
    thread.join(timeout=30)
    locker.rollback()
    wait_for(lambda: backend_gone(admin, pid), what="the dead server's backend going away")
    assert outcome and outcome[0][0] == 0, outcome  # no answer: the server died
    return pid


def files_on_disk(media: Path) -> set[str]:
    root = media / "private"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def files_in_database() -> set[str]:
    names = set(DossierFile.objects.values_list("file", flat=True))
    names |= set(FormRecord.objects.exclude(pdf="").values_list("pdf", flat=True))
    return names


def test_a_server_killed_during_intake_leaves_no_half_made_dossier(serve, intake, center, media):
    procedure, token = intake
    server, base = serve()
    status, body = receive(base, token, procedure, center)
    assert status == 201, body
    first = Dossier.objects.get()
    assert_whole(first, 1)

    admin = pg_connect(autocommit=True)
    locker = pg_connect()
    try:
        # The second intake stores its dossier, documents and code, then waits for the form
        # 01 number (this test holds the center's form sequence row): the server is killed.
        locker.execute(
            f"SELECT * FROM {FormSequence._meta.db_table} "  # noqa: S608 - a model's table
            "WHERE center_id = %s AND form = '01' FOR UPDATE",
            [center.pk],
        )
        kill_while_blocked(
            server,
            admin,
            locker,
            lambda: receive(base, token, procedure, center),
            f"UPDATE %{FormSequence._meta.db_table}%",
        )
    finally:
        locker.close()
        admin.close()

    # Nothing of the second intake: no dossier, event, checklist, form or number used.
    assert list(Dossier.objects.values_list("pk", flat=True)) == [first.pk]
    assert not DossierEvent.objects.exclude(dossier=first).exists()
    assert not DossierDocument.objects.exclude(dossier=first).exists()
    assert not FormRecord.objects.exclude(dossier=first).exists()
    assert DossierSequence.objects.get(center=center).last_number == 1
    assert FormSequence.objects.get(center=center, form="01").last_number == 1
    assert files_on_disk(media) <= files_in_database()

    # Received again on a new process: whole, with the next code.
    _server, base = serve()
    status, body = receive(base, token, procedure, center)
    assert status == 201, body
    second = Dossier.objects.exclude(pk=first.pk).get()
    assert second.code.endswith("-0002")
    assert_whole(second, 2)


def attach_killed(serve, intake, center, media, lock_sql: str, params, statement: str):
    """Receive a dossier, then attach a scan on a server killed while the attach waits on the
    lock ``lock_sql`` takes (in a statement like ``statement``). Returns (dossier, the files on
    disk while it waited)."""
    procedure, token = intake
    server, base = serve()
    status, body = receive(base, token, procedure, center)
    assert status == 201, body
    dossier = Dossier.objects.get()
    document = DossierDocument.objects.filter(dossier=dossier).order_by("order").first()
    assert document is not None
    before = files_on_disk(media)
    admin = pg_connect(autocommit=True)
    locker = pg_connect()
    seen: set[str] = set()
    try:
        locker.execute(lock_sql, params)
        kill_while_blocked(
            server,
            admin,
            locker,
            lambda: attach(base, token, dossier.code, document.required_document_id),
            statement,
            when_blocked=lambda: seen.update(files_on_disk(media) - before),
        )
    finally:
        locker.close()
        admin.close()
    return dossier, seen


def test_a_server_killed_while_committing_an_attach_leaves_it_whole(serve, intake, center, media):
    """Killed once the COMMIT is sent (its deferred foreign key check waits on the document's
    row, held here): the database finishes the commit without its client, so the scan is
    attached (file, row and event), though the client never heard the answer."""
    document = DossierDocument._meta.db_table
    dossier, seen = attach_killed(
        serve,
        intake,
        center,
        media,
        f"SELECT id FROM {document} WHERE dossier_id = "  # noqa: S608 - models' tables
        f"(SELECT id FROM {Dossier._meta.db_table}) FOR UPDATE",
        [],
        "COMMIT",
    )
    assert len(seen) == 1  # the scan was on disk while the commit waited
    row = DossierFile.objects.get(dossier=dossier)
    assert {row.file.name} == seen
    assert DossierEvent.objects.filter(dossier=dossier, action="attach").count() == 1
    assert files_on_disk(media) == files_in_database()


def test_a_server_killed_while_attaching_a_scan_leaves_no_orphan_file(serve, intake, center, media):
    """Killed in the middle of the attach's transaction: the scan is on disk and its row
    written, and the audit row after them waits (this test holds the audit table in SHARE
    mode, which refuses inserts)."""
    dossier, seen = attach_killed(
        serve,
        intake,
        center,
        media,
        f"LOCK TABLE {AuditEntry._meta.db_table} IN SHARE MODE",
        [],
        f"INSERT INTO %{AuditEntry._meta.db_table}%",
    )
    assert len(seen) == 1  # the scan was on disk while the transaction was open
    # The database has nothing of the attach.
    assert not DossierFile.objects.exists()
    assert not DossierEvent.objects.filter(dossier=dossier, action="attach").exists()
    # The scan is still on disk until the worker's hourly sweep, run here an hour later.
    assert files_on_disk(media) - files_in_database()
    removed = orphan_files_sweep(now=time.time() + ORPHAN_AFTER_SECONDS + 1)
    assert removed
    orphans = files_on_disk(media) - files_in_database()
    assert not orphans, f"files on disk that no row points to: {sorted(orphans)}"
