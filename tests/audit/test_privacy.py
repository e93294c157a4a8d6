"""Retention and a citizen's rights: the daily sweep (ticket phones, old feedback contacts),
and the export and erasure of everything about a person by ID number, keeping dossiers that
are inside their legal retention."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.appointments.models import Appointment
from motcua.audit.models import AuditEntry
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.feedback.models import Feedback
from motcua.notifications.models import Message
from motcua.queueing.models import QueueService, Ticket
from motcua.web.privacy import (
    id_key,
    privacy_erase,
    privacy_export,
    privacy_sweep,
    privacy_sweep_daily,
)
from tests.audit.conftest import online_dossier

pytestmark = pytest.mark.django_db
ID = "001095012345"  # the APPLICANT of tests/dossiers


@pytest.fixture
def line(center):
    return QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )


def _ticket(center, line, *, issued_at, phone="0912345678", appointment_code="", n=1):
    return Ticket.objects.create(
        center=center,
        service=line,
        issued_service=line,
        day=issued_at.date(),
        number=1000 + n,
        display=str(1000 + n),
        token=f"tok-{n}",
        issued_at=issued_at,
        phone=phone,
        appointment_code=appointment_code,
        source="remote",
    )


def _feedback(center, *, n, closed_at=None, dossier=None, phone="0912345678"):
    now = timezone.now()
    return Feedback.objects.create(
        center=center,
        code=f"GY-{n}",
        number=n,
        year=now.year,
        category="suggestion",
        source="web",
        status="closed" if closed_at else "open",
        subject="Góp ý",
        content="Nội dung",
        name="Nguyễn Thị Lan",
        phone=phone,
        email="lan@example.com",
        dossier=dossier,
        received_at=now,
        due_at=now + timedelta(days=10),
        closed_at=closed_at,
    )


# --- The sweep -----------------------------------------------------------------------------


def test_sweep_removes_old_ticket_phones_and_old_feedback_contacts(center, line):
    now = timezone.now()
    old = _ticket(center, line, issued_at=now - timedelta(days=31), n=1)
    recent = _ticket(center, line, issued_at=now - timedelta(days=29), n=2)
    old_fb = _feedback(center, n=1, closed_at=now - timedelta(days=366))
    recent_fb = _feedback(center, n=2, closed_at=now - timedelta(days=300))
    open_fb = _feedback(center, n=3)

    counts = privacy_sweep(now=now)

    assert counts == {"ticket_phones": 1, "feedback_contacts": 1}
    for row in (old, recent, old_fb, recent_fb, open_fb):
        row.refresh_from_db()
    assert old.phone == "" and recent.phone == "0912345678"
    assert (old_fb.name, old_fb.phone, old_fb.email) == ("", "", "")
    assert recent_fb.phone == open_fb.phone == "0912345678"
    entry = AuditEntry.objects.get(action="anonymise")
    assert entry.details["ticket_phones"] == 1
    # Nothing left to do: no second row.
    assert privacy_sweep(now=now) == {"ticket_phones": 0, "feedback_contacts": 0}
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_retention_days_come_from_settings(center, line, settings):
    settings.QUEUE_PHONE_RETENTION_DAYS = 7
    ticket = _ticket(center, line, issued_at=timezone.now() - timedelta(days=8))
    privacy_sweep()
    ticket.refresh_from_db()
    assert ticket.phone == ""


def test_the_worker_runs_the_sweep_once_a_day(center, line, settings):
    import uuid

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        },
    }
    now = timezone.now()
    _ticket(center, line, issued_at=now - timedelta(days=40))
    assert privacy_sweep_daily(now) == {"ticket_phones": 1, "feedback_contacts": 0}
    _ticket(center, line, issued_at=now - timedelta(days=40), n=2)
    assert privacy_sweep_daily(now + timedelta(hours=1)) is None  # same day: not again
    assert privacy_sweep_daily(now + timedelta(days=1)) == {
        "ticket_phones": 1,
        "feedback_contacts": 0,
    }


def test_sweep_command(center, line, capsys):
    _ticket(center, line, issued_at=timezone.now() - timedelta(days=40))
    call_command("privacy_sweep")
    assert "ticket phones removed: 1" in capsys.readouterr().out


# --- Export and erasure --------------------------------------------------------------------


@pytest.fixture
def person(center, procedure, receptionist, line):
    """Two dossiers of the person (one open, one refused = closed now), an appointment with a
    ticket, a message to their phone, feedback about a dossier; and someone else's dossier."""
    open_dossier = online_dossier(center, procedure)
    closed = online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist,
        dossier=closed,
        decision=services.Decision("refuse", reasons="Không thuộc thẩm quyền"),
    )
    closed.refresh_from_db()
    other = online_dossier(
        center, procedure, id_number="001095099999", phone="0987654321", email=""
    )
    now = timezone.now()
    appointment = Appointment.objects.create(
        code="LH-ABCD",
        secret_hash="x",
        center=center,
        service=line,
        day=now.date(),
        start=now,
        end=now + timedelta(minutes=15),
        status="checked_in",
        name="Nguyễn Thị Lan",
        phone="0912345678",
        email="lan@example.com",
        id_number=ID,
        consent_at=now,
        created_at=now,
    )
    ticket = _ticket(center, line, issued_at=now, appointment_code="LH-ABCD", n=7)
    Message.objects.create(
        kind="appointment_confirmed",
        channel="sms",
        recipient="0912345678",
        body="Lịch hẹn LH-ABCD",
        idempotency_key="t:1",
        status="sent",
    )
    Message.objects.create(
        kind="dossier_received",
        channel="sms",
        recipient="0987654321",
        body="Người khác",
        idempotency_key="t:2",
        status="sent",
    )
    feedback = _feedback(center, n=9, dossier=closed, phone="")
    return {
        "open": open_dossier,
        "closed": closed,
        "other": other,
        "appointment": appointment,
        "ticket": ticket,
        "feedback": feedback,
    }


def test_export_lists_everything_about_the_person(person, tmp_path):
    data = privacy_export(id_number=ID)
    assert {d["code"] for d in data["dossiers"]} == {person["open"].code, person["closed"].code}
    assert all(d["files"] and d["files"][0]["sha256"] for d in data["dossiers"])
    assert data["dossiers"][0]["applicant"]["name"] == "Nguyễn Thị Lan"
    closed = next(d for d in data["dossiers"] if d["code"] == person["closed"].code)
    assert closed["closed_at"] and closed["retained_until"]
    assert [a["code"] for a in data["appointments"]] == ["LH-ABCD"]
    assert [t["appointment_code"] for t in data["tickets"]] == ["LH-ABCD"]
    bodies = [m["body"] for m in data["notifications"]]
    assert "Lịch hẹn LH-ABCD" in bodies
    assert {m["recipient"] for m in data["notifications"]} <= {"0912345678", "lan@example.com"}
    assert [f["code"] for f in data["feedback"]] == ["GY-9"]
    assert "Người khác" not in json.dumps(data, ensure_ascii=False)
    entry = AuditEntry.objects.get(action="export", object_type="person")
    assert entry.object_key == id_key(ID) and ID not in json.dumps(entry.details)

    out = tmp_path / "lan.json"
    call_command("privacy_export", "--id-number", ID, "--output", str(out))
    assert json.loads(out.read_text())["id_number"] == ID


def test_erase_keeps_dossiers_inside_retention(person):
    report = privacy_erase(id_number=ID)

    assert {code for code, _why in report.dossiers_kept} == {
        person["open"].code,
        person["closed"].code,
    }
    assert report.dossiers_anonymised == []
    for key in ("open", "closed"):
        person[key].refresh_from_db()
        assert person[key].id_number == ID and person[key].applicant_name == "Nguyễn Thị Lan"
    appointment = Appointment.objects.get(code="LH-ABCD")
    assert (appointment.name, appointment.phone, appointment.email, appointment.id_number) == (
        "",
        "",
        "",
        "",
    )
    person["ticket"].refresh_from_db()
    assert person["ticket"].phone == ""
    mine = Message.objects.get(idempotency_key="t:1")
    assert (mine.recipient, mine.body) == ("", "")
    assert Message.objects.get(idempotency_key="t:2").body == "Người khác"
    person["feedback"].refresh_from_db()
    assert (person["feedback"].name, person["feedback"].email) == ("", "")
    person["other"].refresh_from_db()
    assert person["other"].applicant_name == "Nguyễn Thị Lan"  # someone else's: untouched
    entry = AuditEntry.objects.get(action="erase")
    assert entry.object_key == id_key(ID) and entry.details["appointments"] == 1


def test_erase_anonymises_dossiers_past_retention(
    person, settings, django_capture_on_commit_callbacks
):
    closed = person["closed"]
    paths = [Path(f.file.path) for f in closed.files.all()]
    form_paths = [Path(r.pdf.path) for r in closed.forms.all() if r.pdf]
    assert paths and all(p.exists() for p in paths)
    later = timezone.now() + timedelta(days=365 * settings.DOSSIER_RETENTION_YEARS + 5)

    with django_capture_on_commit_callbacks(execute=True):
        report = privacy_erase(id_number=ID, now=later)

    assert report.dossiers_anonymised == [closed.code]
    assert [code for code, _why in report.dossiers_kept] == [person["open"].code]  # still open
    closed = Dossier.objects.get(pk=closed.pk)
    assert (
        closed.applicant_name,
        closed.id_number,
        closed.phone,
        closed.email,
        closed.address,
    ) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert closed.birth_date is None
    assert not closed.files.exists()
    assert not any(p.exists() for p in paths + form_paths)
    assert all(r.content == {} for r in closed.forms.all())
    # Now nothing links the ID number to it.
    assert closed.code not in {d["code"] for d in privacy_export(id_number=ID)["dossiers"]}
    person["open"].refresh_from_db()
    assert person["open"].id_number == ID


def test_erase_command_and_bad_input(person, capsys):
    call_command("privacy_erase", "--id-number", ID)
    assert '"appointments": 1' in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("privacy_erase", "--id-number", "12ab")
    assert not AuditEntry.objects.filter(action="erase", object_key=id_key("12ab")).exists()


def test_retention_counts_from_closing(person, settings):
    settings.DOSSIER_RETENTION_YEARS = 1
    just_before = timezone.now() + timedelta(days=364)
    assert privacy_erase(id_number=ID, now=just_before).dossiers_anonymised == []
    after = timezone.now() + timedelta(days=367)
    assert privacy_erase(id_number=ID, now=after).dossiers_anonymised == [person["closed"].code]
