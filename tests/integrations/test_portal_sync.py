"""The National Public Service Portal sync against a real fake portal (HTTP, in a thread):
status changes queued in the dossier's transaction, delivered in order, exactly once, through
refusals and retries; dead letters; pulling dossiers submitted on the portal and catalog
updates; the sync counts; the commands."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_list_for_user
from motcua.dossiers.workflow import Status
from motcua.errors import InvalidInput, NotAllowed
from motcua.integrations.models import OutboxItem, PortalInbound
from motcua.integrations.selectors import sync_counts, sync_rate
from motcua.integrations.services import (
    BACKOFF,
    MAX_ATTEMPTS,
    outbox_deliver,
    outbox_item_retry,
    portal_pull,
)
from motcua.organization.models import Role
from tests.catalog.conftest import national_record
from tests.dossiers.conftest import APPLICANT, local, pdf_bytes
from tests.factories import staff
from tests.integrations.conftest import accept, walk

pytestmark = pytest.mark.django_db

STATUSES = [2, 4, 6, 4, 9, 10]


def deliver_until_done(*, start, rounds: int = 30) -> list[dict[str, int]]:
    """Run delivery rounds, each one later than the last retry's back-off, until nothing waits."""
    now = start
    outcomes = []
    for _ in range(rounds):
        outcomes.append(outbox_deliver(now=now))
        if not OutboxItem.objects.exclude(status=OutboxItem.Status.DELIVERED).exists():
            break
        now += BACKOFF[-1]
    return outcomes


def received(portal, code: str) -> list[dict]:
    return [row for row in portal.state.received if row["dossier_code"] == code]


class TestStatusPush:
    def test_every_change_arrives_once_and_in_order_after_refusals(
        self, center, procedure, people, fake_portal
    ):
        fake_portal.state.refuse = 3
        dossier = accept(center, procedure, people.receptionist)
        walk(dossier, people)
        other = accept(center, procedure, people.receptionist, at=local(2026, 11, 30, 9, 30))
        # Queued with the changes (the attach, the approval and the assignment are no change).
        items = list(OutboxItem.objects.filter(dossier=dossier).order_by("pk"))
        assert [i.payload["status"] for i in items] == STATUSES
        assert [i.sequence for i in items] == [1, 2, 3, 4, 5, 6]

        outcomes = deliver_until_done(start=timezone.now())

        # The portal refused three times (503), then took everything: once, in order.
        assert fake_portal.state.refused == 3
        assert sum(o.get("retry", 0) for o in outcomes) == 3
        mine = received(fake_portal, dossier.code)
        assert [r["status"] for r in mine] == STATUSES
        assert [r["sequence"] for r in mine] == [1, 2, 3, 4, 5, 6]
        assert [r["from_status"] for r in mine] == [None, 2, 4, 6, 4, 9]
        assert len({r["key"] for r in mine}) == 6
        assert mine[0]["unit_code"] == center.unit_code
        assert mine[0]["procedure_code"] == procedure.code
        assert mine[0]["applicant"]["name"] == APPLICANT["name"]
        assert [r["status"] for r in received(fake_portal, other.code)] == [2]
        # No request of one dossier was ever answered "out of order".
        assert all(status != 409 for _m, _p, status in fake_portal.state.requests)
        assert not OutboxItem.objects.exclude(status=OutboxItem.Status.DELIVERED).exists()

    def test_a_change_is_not_sent_before_the_previous_one_is_accepted(
        self, center, procedure, people, fake_portal
    ):
        dossier = accept(center, procedure, people.receptionist)
        walk(dossier, people, until="processed")
        first = OutboxItem.objects.filter(dossier=dossier).order_by("pk").first()
        # The first change failed for good (say the portal refused it as invalid once).
        OutboxItem.objects.filter(pk=first.pk).update(
            status=OutboxItem.Status.DEAD, last_error="HTTP 400"
        )
        now = timezone.now()
        assert outbox_deliver(now=now) == {}
        assert fake_portal.state.received == []
        # Staff send it again: it goes first, the held-back changes follow in order.
        admin = staff(Role.CENTER_ADMIN, center, username="qt")
        outbox_item_retry(actor=admin, item=first)
        assert outbox_deliver(now=now) == {"delivered": 5}
        assert [r["sequence"] for r in fake_portal.state.received] == [1, 2, 3, 4, 5]

    def test_a_repeated_push_is_kept_once_by_the_portal(
        self, center, procedure, people, fake_portal
    ):
        dossier = accept(center, procedure, people.receptionist)
        outbox_deliver()
        item = OutboxItem.objects.get(dossier=dossier)
        # As if the answer had been lost: the worker sends the same item again.
        OutboxItem.objects.filter(pk=item.pk).update(status=OutboxItem.Status.PENDING)
        assert outbox_deliver() == {"delivered": 1}
        assert len(fake_portal.state.received) == 1
        assert [s for _m, _p, s in fake_portal.state.requests] == [200, 200]

    def test_permanent_refusal_and_too_many_attempts_go_to_the_dead_letters(
        self, center, procedure, people, fake_portal, settings
    ):
        settings.PORTAL_SYNC_TOKEN = "wrong"
        dossier = accept(center, procedure, people.receptionist)
        assert outbox_deliver() == {"dead": 1}
        item = OutboxItem.objects.get(dossier=dossier)
        assert item.status == OutboxItem.Status.DEAD
        assert "401" in item.last_error and item.attempts == 1

        settings.PORTAL_SYNC_TOKEN = fake_portal.state.token
        fake_portal.state.refuse = 100
        admin = staff(Role.CENTER_ADMIN, center, username="qt")
        outbox_item_retry(actor=admin, item=item)
        outcomes = deliver_until_done(start=timezone.now(), rounds=MAX_ATTEMPTS + 2)
        item.refresh_from_db()
        assert item.status == OutboxItem.Status.DEAD
        assert item.attempts == MAX_ATTEMPTS
        assert sum(o.get("retry", 0) for o in outcomes) == MAX_ATTEMPTS - 1

    def test_the_portal_down_costs_one_attempt_per_round(
        self, center, procedure, people, fake_portal
    ):
        for minute in (0, 10, 20):
            accept(center, procedure, people.receptionist, at=local(2026, 11, 30, 9, minute))
        fake_portal.state.refuse = 1
        assert outbox_deliver() == {"retry": 1}
        # The two others were not tried against a portal that just failed.
        assert sorted(OutboxItem.objects.values_list("attempts", flat=True)) == [0, 0, 1]

    def test_retry_waits_for_its_back_off(self, center, procedure, people, fake_portal):
        accept(center, procedure, people.receptionist)
        fake_portal.state.refuse = 1
        now = timezone.now()
        assert outbox_deliver(now=now) == {"retry": 1}
        assert outbox_deliver(now=now + BACKOFF[0] - timedelta(seconds=1)) == {}
        assert outbox_deliver(now=now + BACKOFF[0]) == {"delivered": 1}

    def test_a_dead_worker_s_claim_is_taken_back_after_its_lease(
        self, center, procedure, people, fake_portal
    ):
        accept(center, procedure, people.receptionist)
        now = timezone.now()
        OutboxItem.objects.update(
            status=OutboxItem.Status.SENDING, attempts=1, next_attempt_at=now + timedelta(minutes=2)
        )
        assert outbox_deliver(now=now) == {}
        assert outbox_deliver(now=now + timedelta(minutes=3)) == {"delivered": 1}

    def test_retry_from_staff_needs_an_admin_of_the_center_and_a_dead_item(
        self, center, other_center, procedure, people, fake_portal
    ):
        accept(center, procedure, people.receptionist)
        item = OutboxItem.objects.get()
        admin = staff(Role.CENTER_ADMIN, center, username="qt")
        with pytest.raises(InvalidInput):
            outbox_item_retry(actor=admin, item=item)
        OutboxItem.objects.update(status=OutboxItem.Status.DEAD)
        item.refresh_from_db()
        with pytest.raises(NotAllowed):
            outbox_item_retry(actor=people.receptionist, item=item)
        with pytest.raises(NotAllowed):
            outbox_item_retry(actor=staff(Role.CENTER_ADMIN, other_center), item=item)
        assert OutboxItem.objects.get().status == OutboxItem.Status.DEAD

    def test_nothing_is_queued_without_a_portal_url(self, center, procedure, people, settings):
        settings.PORTAL_SYNC_URL = ""
        dossier = accept(center, procedure, people.receptionist)
        walk(dossier, people)
        assert not OutboxItem.objects.exists()
        assert portal_pull() == {}

    def test_the_outbox_row_lives_and_dies_with_the_change(
        self, center, procedure, people, fake_portal
    ):
        from django.db import transaction

        class Undo(Exception):
            pass

        with pytest.raises(Undo), transaction.atomic():
            accept(center, procedure, people.receptionist)
            assert OutboxItem.objects.count() == 1
            raise Undo
        assert not OutboxItem.objects.exists() and not Dossier.objects.exists()


def portal_item(portal_id: str, center, procedure, **extra) -> dict:
    return {
        "portal_id": portal_id,
        "unit_code": center.unit_code,
        "procedure_code": procedure.code,
        "submitted_at": "2026-11-29T20:15:00+07:00",
        "applicant": dict(APPLICANT),
        "result_delivery": "electronic",
        "files": [
            {
                "name": "don-de-nghi.pdf",
                "document": "Đơn đề nghị cấp giấy phép",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf_bytes("đơn")).decode(),
            }
        ],
        **extra,
    }


class TestPull:
    def test_a_dossier_submitted_on_the_portal_appears_once_in_the_online_list(
        self, center, procedure, receptionist, fake_portal
    ):
        fake_portal.state.add_submitted(portal_item("DVC-000123", center, procedure))
        assert portal_pull() == {"dossiers_created": 1}
        assert portal_pull() == {}  # the cursor moved on
        # A portal that sends it again (the cursor lost) does not make a second dossier.
        from motcua.integrations.models import SyncCursor

        SyncCursor.objects.all().delete()
        assert portal_pull() == {"dossiers_duplicate": 1}

        online = list(
            dossier_list_for_user(user=receptionist, center=center, statuses=[Status.REGISTERED])
        )
        assert len(online) == 1
        dossier = online[0]
        assert dossier.channel == 2 and dossier.status == Status.REGISTERED
        assert dossier.received_at == local(2026, 11, 29, 20, 15)
        assert dossier.applicant_name == APPLICANT["name"]
        inbound = PortalInbound.objects.get()
        assert (inbound.portal_id, inbound.dossier) == ("DVC-000123", dossier)
        # The file ticked its document; the receptionist decides like any online dossier.
        ticked = dossier.documents.get(name="Đơn đề nghị cấp giấy phép")
        assert ticked.received and dossier.files.count() == 1
        # Its status 1 goes back to the portal with the portal's id and our code.
        outbox_deliver()
        assert fake_portal.state.received[0]["portal_id"] == "DVC-000123"
        assert fake_portal.state.received[0]["dossier_code"] == dossier.code
        assert fake_portal.state.received[0]["status"] == 1

    def test_a_bad_portal_dossier_is_kept_with_its_reason_and_tried_again(
        self, center, procedure, fake_portal
    ):
        fake_portal.state.add_submitted(
            portal_item("DVC-9", center, procedure, procedure_code="0.000000")
        )
        assert portal_pull() == {"dossiers_error": 1}
        inbound = PortalInbound.objects.get()
        assert inbound.dossier is None and "0.000000" in inbound.error
        assert not Dossier.objects.exists()

    def test_catalog_updates_go_through_the_catalog_import(self, center, procedure, fake_portal):
        fake_portal.state.add_catalog(national_record("9.000001", name="Tên mới của thủ tục"))
        fake_portal.state.add_catalog(national_record("9.000777", name="Thủ tục mới"))
        fake_portal.state.add_catalog({"MATTHC": ""})
        counts = portal_pull()
        assert counts["procedures_created"] == 1
        assert counts["procedures_changed"] == 1
        assert counts["procedures_errors"] == 1
        changed = Procedure.objects.get(code="9.000001")
        assert changed.current_version.name == "Tên mới của thủ tục"
        assert changed.current_version.number == 2
        assert portal_pull() == {}


class TestSyncCounts:
    def test_received_and_synced(self, center, other_center, procedure, people, fake_portal):
        synced = accept(center, procedure, people.receptionist)
        outbox_deliver()
        accept(center, procedure, people.receptionist, at=local(2026, 11, 30, 10))  # waiting
        before = accept(center, procedure, people.receptionist, at=local(2026, 11, 2, 10))
        assert before.pk
        start, end = local(2026, 11, 30, 0), local(2026, 12, 1, 0)
        assert sync_counts(center_ids=[center.pk], start=start, end=end) == {
            "received": 2,
            "synced": 1,
        }
        assert sync_counts(center_ids=None, start=start, end=end)["received"] == 2
        assert sync_counts(center_ids=[other_center.pk], start=start, end=end) == {
            "received": 0,
            "synced": 0,
        }
        assert sync_rate(center_ids=[center.pk], start=start, end=end) == 0.5
        assert sync_rate(center_ids=[other_center.pk], start=start, end=end) is None
        # A later change not yet accepted makes the dossier not synced (for now).
        from motcua.dossiers.workflow import Action
        from tests.integrations.conftest import act

        act(people.receptionist, synced, Action.FORWARD, local(2026, 11, 30, 11))
        assert sync_counts(center_ids=[center.pk], start=start, end=end)["synced"] == 0


class TestCommands:
    def test_portal_sync_runs_one_round(self, center, procedure, people, fake_portal, capsys):
        accept(center, procedure, people.receptionist)
        call_command("portal_sync")
        assert "outbox_delivered: 1" in capsys.readouterr().out
        assert len(fake_portal.state.received) == 1

    def test_fake_portal_command_serves_the_contract(self, tmp_path):
        from tests.conf.test_commands import _env, _free_port, _motcua

        submitted = tmp_path / "submitted.json"
        submitted.write_text(json.dumps([{"portal_id": "P-1", "unit_code": "U1"}]))
        port = _free_port()
        process = subprocess.Popen(
            _motcua(
                "fake_portal", "--port", str(port), "--token", "t", "--submitted", str(submitted)
            ),
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_fake/received", timeout=2) as answer:  # noqa: S310
                        assert json.load(answer) == {"received": [], "refused": 0}
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.2)
            request = urllib.request.Request(  # noqa: S310 - the local fake portal
                f"{base}/dossiers/submitted?unit_code=U1", headers={"Authorization": "Bearer t"}
            )
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                assert json.load(answer) == {
                    "items": [{"portal_id": "P-1", "unit_code": "U1"}],
                    "next": "1",
                }
        finally:
            process.terminate()
            out, _err = process.communicate(timeout=20)
        assert process.returncode == 0, out
        assert "stopped; 0 status change(s) received" in out
