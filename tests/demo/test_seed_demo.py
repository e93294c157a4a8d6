"""The demo province loads completely, loading it again changes nothing, and its weeks of
dossier history look like the seed articles' centers: mostly online, a few by post."""

import re
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog.models import Channel
from motcua.demo.history import WEEKS, demo_dossiers_load
from motcua.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    DossierSequence,
    DossierStep,
    FormRecord,
    Supplement,
)
from motcua.dossiers.workflow import NEW, Status
from motcua.notifications.models import Message
from motcua.organization.models import Center, Department, Membership, Role
from motcua.organization.models import Counter as CounterDesk
from motcua.organization.selectors import center_calendar
from motcua.workcalendar.calendar import is_working_time
from tests.reporting.demo_checks import check_reports_agree_with_a_direct_count

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """The history's scans go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _counts():
    return (
        Center.objects.count(),
        Department.objects.count(),
        CounterDesk.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        Dossier.objects.count(),
        DossierEvent.objects.count(),
        DossierFile.objects.count(),
        FormRecord.objects.count(),
        Message.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_is_complete_and_idempotent(capsys, private_media):
    started, cpu = time.perf_counter(), time.process_time()
    call_command("seed_demo")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    first = _counts()
    output = capsys.readouterr().out
    assert "hp.tiepnhan1" in output and "motcua-demo" in output
    assert f"Dossiers: {Dossier.objects.count()}." in output
    print(
        f"\nTIMING seed_demo wall={seconds:.1f}s cpu={cpu:.1f}s dossiers={Dossier.objects.count()}"
    )

    call_command("seed_demo", quiet_logins=True)
    assert _counts() == first  # the history is not made twice

    assert Center.objects.count() >= 3
    # Every role is held by somebody.
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    # Only the demo superuser is a superuser, however often the seed runs.
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
        "admin"
    ]
    # Center admins enter the Django admin; receptionists do not.
    assert User.objects.get(username="hp.quantri").is_staff
    assert not User.objects.get(username="hp.tiepnhan1").is_staff
    # Every center has the three departments and a priority desk.
    for center in Center.objects.all():
        assert center.departments.count() == 3
        assert center.counters.filter(is_priority_desk=True).exists()

    _check_history(private_media)
    # The reports' summary agrees with a direct count of the same rows (no second seed).
    check_reports_agree_with_a_direct_count()


def _check_history(media: Path) -> None:
    now = timezone.now()
    dossiers = list(Dossier.objects.select_related("center", "procedure", "current_step"))
    assert 300 <= len(dossiers) <= 1500

    # Channels in the proportions of the seed articles: mostly online, a few by post.
    channels = Counter(d.channel for d in dossiers)
    online = channels[Channel.ONLINE] / len(dossiers)
    postal = channels[Channel.POSTAL] / len(dossiers)
    assert 0.85 <= online <= 0.95, channels
    assert 0.01 <= postal <= 0.08, channels
    assert channels[Channel.IN_PERSON] > 0
    for center in Center.objects.all():
        mine = [d for d in dossiers if d.center_id == center.pk]
        assert len(mine) >= 40, center.code
        share = sum(d.channel == Channel.ONLINE for d in mine) / len(mine)
        assert share >= 0.8, (center.code, share)
    # Hạnh Phúc: 287 of 4,346 by post, almost nobody in person.
    hanh_phuc = Counter(d.channel for d in dossiers if d.center.code == "hanh-phuc")
    assert hanh_phuc[Channel.POSTAL] > hanh_phuc[Channel.IN_PERSON]

    # Codes: the unit, the local date received, a number per unit and day from 0001 unbroken.
    numbers: dict[tuple[int, str], list[int]] = {}
    for dossier in dossiers:
        match = re.fullmatch(
            re.escape(dossier.center.unit_code) + r"-(\d{6})-(\d{4,})", dossier.code
        )
        assert match, dossier.code
        assert match[1] == f"{dossier.received_at.astimezone(TZ):%y%m%d}"
        numbers.setdefault((dossier.center_id, match[1]), []).append(int(match[2]))
    for found in numbers.values():
        assert sorted(found) == list(range(1, len(found) + 1))
    assert sum(s.last_number for s in DossierSequence.objects.all()) == len(dossiers)

    # Within the weeks asked, in the past.
    oldest = now - timedelta(weeks=WEEKS, days=1)
    assert all(oldest <= d.received_at < now for d in dossiers)

    # What reception does, then the internal process of the accepted dossiers.
    statuses = Counter(d.status for d in dossiers)
    assert set(statuses) <= {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.NOT_ACCEPTED,
        Status.SUPPLEMENT,
        Status.PROCESSING,
        Status.PROCESSED,
        Status.RETURNED,
    }
    accepted = [d for d in dossiers if d.accepted_at is not None]
    assert len(accepted) / len(dossiers) > 0.75, statuses
    assert statuses[Status.NOT_ACCEPTED] > 0 and statuses[Status.SUPPLEMENT] > 0
    assert statuses[Status.PROCESSING] > 0 and statuses[Status.PROCESSED] > 0
    assert statuses[Status.RETURNED] / len(accepted) > 0.6, statuses
    _check_processing(dossiers, now)
    # Still waiting for a check: online ones, recent only.
    waiting = [d for d in dossiers if d.status == Status.REGISTERED]
    assert waiting, statuses
    assert all(d.channel == Channel.ONLINE for d in waiting)
    assert all(d.received_at > now - timedelta(days=5) for d in waiting)
    # Some supplements came back (and were accepted or are waiting again), some not yet.
    supplements = Supplement.objects.all()
    assert supplements.filter(answered_at__isnull=False).exists()
    assert supplements.filter(answered_at__isnull=True).exists()
    assert all(s.answered_at is None or s.requested_at < s.answered_at < now for s in supplements)
    for dossier in dossiers:
        if dossier.accepted_at is not None:
            assert dossier.received_at <= dossier.accepted_at < now
            assert dossier.due_at is None or dossier.due_at > dossier.accepted_at
            assert dossier.forms.filter(form="01").count() == 1
        if dossier.status == Status.NOT_ACCEPTED:
            assert dossier.refusal_reasons
    # Counters and post offices receive during the center's working hours.
    calendars = {c.pk: center_calendar(center=c) for c in Center.objects.all()}
    for dossier in dossiers:
        if dossier.channel != Channel.ONLINE:
            assert is_working_time(calendars[dossier.center_id], dossier.received_at)
            assert dossier.received_by is not None
        if dossier.channel == Channel.POSTAL:
            assert re.fullmatch(r"EB\d{9}VN", dossier.postal_tracking_in)

    # Every change has its event, starting from nothing, in order.
    events = Counter(DossierEvent.objects.values_list("dossier_id", flat=True))
    assert set(events) == {d.pk for d in dossiers}
    assert not DossierEvent.objects.filter(at__gt=now).exists()
    firsts = DossierEvent.objects.filter(from_status=NEW)
    assert firsts.count() == len(dossiers)

    # Realistic applicants.
    for dossier in dossiers:
        assert re.fullmatch(r"\d{12}", dossier.id_number)
        assert re.fullmatch(r"09\d{8}", dossier.phone)
        assert len(dossier.applicant_name.split()) >= 3
        assert dossier.birth_date is not None and dossier.birth_date.year >= 1945
    assert len({d.id_number for d in dossiers}) > 0.95 * len(dossiers)

    # Scans on some: every online dossier (the portal asks for one), some others.
    files = list(DossierFile.objects.all())
    with_files = {f.dossier_id for f in files}
    assert all(d.pk in with_files for d in dossiers if d.channel == Channel.ONLINE)
    assert sum(d.pk in with_files for d in dossiers if d.channel != Channel.ONLINE) > 0
    assert {f.content_type for f in files} == {"application/pdf", "image/png"}
    for row in files[:50]:
        assert Path(row.file.path).is_file()
        assert Path(row.file.path).is_relative_to(Path(media) / "private")

    # The messages of the past were shown then (the demo sends nothing), none left to send.
    messages = Message.objects.filter(idempotency_key__startswith="dossier:")
    assert messages.exists()
    assert set(messages.values_list("status", flat=True)) == {Message.Status.SHOWN}
    assert not messages.filter(created_at__gt=now).exists()
    assert set(messages.values_list("kind", flat=True)) >= {
        "dossier_registered",
        "dossier_received",
        "supplement_requested",
        "dossier_refused",
        "result_ready",
    }


def _check_processing(dossiers: list[Dossier], now: datetime) -> None:
    """Processed and returned in the proportions of the seed articles: early or on time in a
    large majority (all of them at Hạnh Phúc, Nam Cường and Cam Ranh), a few late, a couple
    after an apology; recent dossiers in progress at various steps, a few of them overdue."""
    finished = [d for d in dossiers if d.status in (Status.PROCESSED, Status.RETURNED)]
    timeliness = Counter(d.timeliness for d in finished)
    assert set(timeliness) <= {"early", "on_time", "late"}, timeliness
    on_time = (timeliness["early"] + timeliness["on_time"]) / len(finished)
    assert on_time >= 0.95, timeliness
    assert timeliness["early"] > timeliness["on_time"] > 0
    assert 0 < timeliness["late"] <= 0.05 * len(finished), timeliness
    for code in ("hanh-phuc", "nam-cuong", "cam-ranh"):
        assert not [d for d in finished if d.center.code == code and d.timeliness == "late"], code
    results = set(DossierFile.objects.filter(is_result=True).values_list("dossier_id", flat=True))
    for dossier in finished:
        assert dossier.pk in results, dossier.code
        assert dossier.accepted_at < dossier.processed_at < now
        assert dossier.current_step is None
        if dossier.status == Status.RETURNED:
            assert dossier.processed_at <= dossier.returned_at < now
        if dossier.result_delivery == "post" and dossier.status == Status.RETURNED:
            assert re.fullmatch(r"EB\d{9}VN", dossier.postal_tracking_out)
    # Each step handed over and classified; the approval by the leader.
    assert all(d.approved_at is not None for d in finished)
    # An apology or two: form 04, a new date, late whatever the date.
    apologised = [d for d in dossiers if d.apology_at is not None]
    assert 1 <= len(apologised) <= 6
    for dossier in apologised:
        assert dossier.forms.filter(form="04").count() == 1
        assert dossier.due_at > dossier.original_due_at
        assert dossier.status not in (Status.PROCESSED, Status.RETURNED) or (
            dossier.timeliness == "late"
        )
    # Supplements asked during processing: the clock restarted when they came back.
    restarted = [d for d in dossiers if d.supplements_during_processing]
    assert restarted
    assert any(d.due_basis.get("supplement", {}).get("mode") == "restart" for d in restarted)
    # Some sent back by the leader, some through another center (inter-agency).
    assert DossierEvent.objects.filter(action="send_back").exists()
    assert DossierStep.objects.filter(inter_agency=True, finished_at__isnull=False).exists()
    # In progress: recent ones at various steps, a few past due (overdue).
    open_ = [d for d in dossiers if d.status in (Status.ACCEPTED, Status.PROCESSING)]
    steps = Counter(d.current_step.name for d in open_ if d.current_step is not None)
    assert len(steps) >= 3, steps
    overdue = [d for d in open_ if d.due_at < now]
    assert 1 <= len(overdue) <= 0.05 * len(dossiers), len(overdue)
    # Older ones still open are those of long procedures (or overdue).
    for dossier in open_:
        if dossier.received_at < now - timedelta(days=21) and dossier.due_at >= now:
            assert dossier.due_basis["value"] not in ("1.00", "2.00", "3.00"), dossier.code


@pytest.mark.django_db
def test_the_history_is_the_same_every_time():
    call_command("seed_demo", quiet_logins=True, history_weeks=0)
    assert Dossier.objects.count() == 0
    center = Center.objects.get(code="vinh-phong")
    now = datetime(2026, 11, 27, 15, 0, tzinfo=TZ)

    def made():
        demo_dossiers_load([center], now=now, weeks=1)
        return list(
            Dossier.objects.order_by("received_at", "id").values_list(
                "received_at",
                "channel",
                "status",
                "procedure__code",
                "applicant_name",
                "id_number",
                "phone",
            )
        )

    first = made()
    assert 5 <= len(first) <= 60
    assert demo_dossiers_load([center], now=now, weeks=1) == {}  # it has dossiers: left alone
    Dossier.objects.all().delete()
    assert made() == first


@pytest.mark.django_db
def test_demo_center_with_saturday_mornings_has_its_own_week():
    call_command("seed_demo", quiet_logins=True, history_weeks=0)
    calendar = center_calendar(center=Center.objects.get(code="nghia-hanh"))
    saturday = calendar.week[5]
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in saturday] == [("07:30", "11:30")]
    assert calendar.day_length.total_seconds() == 8 * 3600


@pytest.mark.django_db
def test_demo_centers_take_appointments_and_have_some_booked():
    import datetime as dt

    import time_machine

    from motcua.appointments import selectors as appointment_selectors
    from motcua.appointments.models import Appointment, Availability, BookingPolicy
    from motcua.appointments.workflow import Status as AppointmentStatus
    from motcua.demo.appointments import demo_appointments_setup

    # A Wednesday morning: today's remaining slots and the coming days are booked.
    now = datetime(2026, 11, 25, 9, 5, tzinfo=TZ)
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", quiet_logins=True, history_weeks=0)
        booked = sorted(Appointment.objects.values_list("code", "start", "status"))
        availability = Availability.objects.count()
        # Idempotent and deterministic: the seed again adds nothing, nor does this part alone.
        call_command("seed_demo", quiet_logins=True, history_weeks=0)
        demo_appointments_setup(list(Center.objects.all()), now=now)
        assert sorted(Appointment.objects.values_list("code", "start", "status")) == booked
        assert Availability.objects.count() == availability

    for center in Center.objects.all():
        assert BookingPolicy.objects.filter(center=center).exists()
        services = {s.code: s for s in appointment_selectors.bookable_services(center)}
        assert set(services) == {"ho-tich", "dat-dai", "xa-hoi"}
        for service in services.values():
            periods = Availability.objects.filter(service=service)
            assert set(periods.values_list("weekday", flat=True)) == {0, 1, 2, 3, 4}
            assert {p.slot_minutes for p in periods} <= {15, 20}
            serving = service.counters.filter(is_active=True).count()
            assert {p.capacity for p in periods} == {serving}
            # Inside the center's working hours (07:30–11:30, 13:30–17:30).
            assert all(dt.time(7, 30) <= p.start and p.end <= dt.time(17, 30) for p in periods)
        rows = Appointment.objects.filter(center=center)
        assert rows.filter(day=now.date(), start__gt=now).exists()
        assert rows.filter(day__gt=now.date()).exists()
        assert not rows.filter(start__lte=now).exists()
        assert set(rows.values_list("status", flat=True)) == {AppointmentStatus.CONFIRMED}
        # Never more than a slot holds, and nobody has lost a slot.
        assert appointment_selectors.appointments_without_slot(center, now) == []
