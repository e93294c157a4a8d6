"""The deadline sweep in the background: ``motcua dossiers_sweep`` once (the worker every
minute) warns the officials the working day before a due time and marks overdue dossiers, each
once; and a center's admins choose how a supplement counts, for their centers only."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from motcua.dossiers.models import DossierEvent, DossierPolicy, SupplementMode
from motcua.notifications.models import Message
from motcua.organization.models import Role
from tests.dossiers.conftest import local
from tests.dossiers.test_forms_pdf import receive
from tests.factories import PASSWORD, staff

pytestmark = pytest.mark.django_db


def test_the_sweep_command_warns_then_marks_overdue_once(capsys, center, procedure):
    receptionist = staff(Role.RECEPTIONIST, center, username="tiepnhan", email="mai@example.com")
    staff(Role.LEADER, center, username="lanhdao", email="lanhdao@example.com")
    dossier, _receipt = receive(center, procedure, receptionist, at=local(2026, 11, 30, 9, 15))
    assert dossier.due_at == local(2026, 12, 3, 9, 15)

    def sweep(at):
        with time_machine.travel(at, tick=False):
            call_command("dossiers_sweep")
        return capsys.readouterr().out.strip()

    # More than a working day before: nothing to say.
    assert sweep(local(2026, 12, 1, 16, 0)) == "overdue: 0, warned: 0"
    # Wednesday 10:00: less than a working day left: the assignee and the leader are warned.
    assert sweep(local(2026, 12, 2, 10, 0)) == "overdue: 0, warned: 1"
    warnings = Message.objects.filter(kind="dossier_due_soon")
    assert sorted(warnings.values_list("recipient", flat=True)) == [
        "lanhdao@example.com",
        "mai@example.com",
    ]
    assert dossier.code in warnings.first().body
    assert sweep(local(2026, 12, 2, 10, 1)) == "overdue: 0, warned: 0"  # once per due time
    # Past due: marked overdue, once.
    assert sweep(local(2026, 12, 3, 9, 16)) == "overdue: 1, warned: 0"
    assert sweep(local(2026, 12, 3, 10, 0)) == "overdue: 0, warned: 0"
    dossier.refresh_from_db()
    assert dossier.overdue_marked_at == local(2026, 12, 3, 9, 16)
    assert DossierEvent.objects.filter(dossier=dossier, action="mark_overdue").count() == 1


def test_the_worker_sweeps_dossier_deadlines_every_round(monkeypatch):
    from motcua.web.management.commands import worker

    calls: list[str] = []
    for duty in (
        "motcua.notifications.services.notifications_flush",
        "motcua.queueing.services.tickets_expire_after_closing",
        "motcua.appointments.services.appointments_sweep",
    ):
        monkeypatch.setattr(duty, lambda: None)

    def broken():
        calls.append("sweep")
        raise RuntimeError("the database is away")

    monkeypatch.setattr("motcua.dossiers.processing.dossiers_deadline_sweep", broken)
    monkeypatch.setattr("motcua.queueing.voice.prune", lambda **kwargs: calls.append("prune"))

    class TwoRounds(threading.Event):
        rounds = 0

        def wait(self, timeout=None):
            self.rounds += 1
            return self.rounds > 2

    worker._flush_loop(TwoRounds())
    # Every round, and its failure holds back nothing else.
    assert calls == ["sweep", "prune", "sweep"]


def test_center_admins_see_and_change_only_their_centers_policy(client, center, other_center):
    ours = DossierPolicy.objects.create(center=center)
    theirs = DossierPolicy.objects.create(center=other_center, supplement_mode="pause")
    admin = staff(Role.CENTER_ADMIN, center, username="quantri-a")
    admin.is_staff = True
    admin.save()
    client.login(username="quantri-a", password=PASSWORD)

    listing = client.get(reverse("admin:dossiers_dossierpolicy_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert center.name in text and other_center.name not in text
    for name in ("change", "delete"):
        response = client.get(reverse(f"admin:dossiers_dossierpolicy_{name}", args=[theirs.pk]))
        assert response.status_code == 302  # "does not exist" for them
    response = client.post(
        reverse("admin:dossiers_dossierpolicy_change", args=[theirs.pk]),
        {"supplement_mode": "restart"},
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.supplement_mode == SupplementMode.PAUSE

    # Their own: the center stays, the mode changes.
    response = client.post(
        reverse("admin:dossiers_dossierpolicy_change", args=[ours.pk]),
        {"center": other_center.pk, "supplement_mode": "pause"},
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.center_id, ours.supplement_mode) == (center.pk, SupplementMode.PAUSE)
    # Adding one for another center is not offered.
    add = client.get(reverse("admin:dossiers_dossierpolicy_add")).content.decode()
    assert other_center.name not in add
