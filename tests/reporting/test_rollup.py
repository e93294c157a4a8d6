"""The report rollup (PostgreSQL): the summary read from rolled-up closed days is the summary
read from the base tables, a retroactive change is seen at once, and a change made while the
rollup reads is not lost (docs/reports.md, "Rollup")."""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.feedback.models import Rating
from motcua.organization.models import Center
from motcua.queueing.models import Ticket
from motcua.reporting import figures, rollup
from motcua.reporting.models import DayFigures, RollupMark
from motcua.reporting.periods import Period, month_period
from tests.reporting.conftest import HCM, local

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the rollup is PostgreSQL's"
)

NOV = month_period(date(2026, 11, 1), HCM)


def _ids(world):
    return [world.center.pk, world.other.pk]


def _live(monkeypatch, **kwargs):
    """The summary from the base tables only."""
    with monkeypatch.context() as patch:
        patch.setattr(rollup, "enabled", lambda: False)
        return figures.summary(**kwargs)


def _today() -> date:
    return timezone.now().astimezone(HCM).date()


def _random_history(world, *, seed: int, days: int = 40) -> None:
    """Dossiers, tickets and ratings over the last ``days`` days up to today, at times that
    include the minutes around local midnight."""
    rng = random.Random(seed)
    today = _today()
    procedure = world.extra["p1"]
    services = list(world.services.values())
    dossiers, tickets = [], []

    def moment(day: date) -> datetime:
        hour, minute = rng.choice([(0, 0), (23, 59), (7, 30), (9, 15), (14, 5), (16, 59)])
        return datetime(day.year, day.month, day.day, hour, minute, rng.randrange(60), tzinfo=HCM)

    for n in range(400):
        center = rng.choice([world.center, world.other])
        received = moment(today - timedelta(days=rng.randrange(days)))
        processed = None
        if rng.random() < 0.7:
            processed = min(received + timedelta(hours=rng.randrange(1, 200)), timezone.now())
        dossiers.append(
            Dossier(
                code=f"{center.unit_code}-R-{seed}-{n:04d}",
                center=center,
                procedure=procedure,
                procedure_version=procedure.current_version,
                applicant_name="Trần Thị B",
                status=10 if processed else 4,
                channel=rng.choice([1, 2, 3]),
                received_at=received,
                accepted_at=received,
                due_at=received + timedelta(days=3),
                processed_at=processed,
                timeliness=rng.choice(["early", "on_time", "late"]) if processed else "",
                supplements_during_processing=rng.choice([0, 0, 1, 2]),
            )
        )
    for n in range(300):
        issued = moment(today - timedelta(days=rng.randrange(days)))
        service = rng.choice(services)
        status = rng.choice(["finished", "finished", "no_show", "expired", "cancelled", "waiting"])
        called = issued + timedelta(seconds=rng.randrange(0, 5000)) if status != "waiting" else None
        if called and called > timezone.now():
            called = None
            status = "waiting"
        booked = issued + timedelta(minutes=rng.randrange(-30, 30)) if rng.random() < 0.3 else None
        serving = called + timedelta(seconds=rng.randrange(0, 60)) if called else None
        finished = serving + timedelta(seconds=rng.randrange(1, 3000)) if serving else None
        if status != "finished":
            serving = finished = None
        tickets.append(
            Ticket(
                center=world.center,
                service=service,
                issued_service=service,
                day=issued.date(),
                number=5000 + n,
                display=str(5000 + n),
                token=f"rollup-{seed}-{n}",
                issued_at=issued,
                appointment_at=booked,
                called_at=called,
                serving_at=serving,
                finished_at=finished,
                status=status,
            )
        )
    Dossier.objects.bulk_create(dossiers)
    Ticket.objects.bulk_create(tickets)
    Rating.objects.bulk_create(
        Rating(
            center=rng.choice([world.center, world.other]),
            channel="tablet",
            kind="service",
            ticket=ticket,
            score=rng.choice(["very_satisfied", "satisfied", "dissatisfied"]),
            created_at=min(moment(today - timedelta(days=rng.randrange(days))), timezone.now()),
        )
        for ticket in tickets[:200]
    )


def _periods() -> list[Period]:
    today = _today()
    return [
        NOV,
        Period(today - timedelta(days=39), today, HCM),  # the rollup and today's live rows
        Period(today - timedelta(days=10), today - timedelta(days=10), HCM),  # one closed day
        Period(today - timedelta(days=20), today - timedelta(days=3), HCM),
        Period(today, today, HCM),  # today only: nothing rolled up
    ]


def _assert_same(world, monkeypatch, periods=None) -> None:
    for period in periods or _periods():
        kwargs = _kw(world, period)
        assert figures.summary(**kwargs) == _live(monkeypatch, **kwargs), period


@pytest.mark.django_db
def test_summary_from_the_rollup_is_the_summary_from_the_base_tables(world, monkeypatch):
    _random_history(world, seed=1)
    before = {p: _live(monkeypatch, **_kw(world, p)) for p in _periods()}
    assert rollup.refresh() == Center.objects.count()
    assert DayFigures.objects.filter(center=world.center).exists()
    today = _today()
    assert set(RollupMark.objects.values_list("complete_until", flat=True)) == {today}
    # The month of November is read from the rollup alone.
    parts = rollup.split(center_ids=_ids(world), start=NOV.start, end=NOV.end)
    assert (parts.rolled, parts.first, parts.until, parts.live) == (
        sorted(_ids(world)),
        date(2026, 11, 1),
        date(2026, 12, 1),
        [],
    )
    for period, summary in before.items():
        assert figures.summary(**_kw(world, period)) == summary, period
    # Nothing left to do: a second refresh rolls up nothing.
    assert rollup.refresh() == 0


@pytest.mark.django_db
def test_the_hand_computed_november_from_the_rollup(world):
    """tests/reporting/test_figures.py's November, read from the rollup: the waits are kept
    whole, so the median and P90 are exact."""
    rollup.refresh()
    assert rollup.split(center_ids=_ids(world), start=NOV.start, end=NOV.end).live == []
    queue = figures.queue_summary(center_ids=_ids(world), start=NOV.start, end=NOV.end, tz=HCM)
    assert (queue["tickets"], queue["served"], queue["no_show"]) == (7, 4, 1)
    assert queue["left_without_service"] == 2
    assert (
        queue["avg_wait_minutes"],
        queue["median_wait_minutes"],
        queue["p90_wait_minutes"],
        queue["avg_service_minutes"],
    ) == (22.0, 20.0, 36.0, 16.3)


def _kw(world, period: Period) -> dict:
    return {
        "center_ids": _ids(world),
        "start": period.start,
        "end": period.end,
        "now": timezone.now(),
        "tz": HCM,
    }


@pytest.mark.django_db
def test_a_change_to_a_closed_day_is_seen_at_once(world, monkeypatch):
    _random_history(world, seed=2)
    rollup.refresh()
    today = _today()
    mark = RollupMark.objects.get(center=world.center)
    assert mark.complete_until == today

    # A November ticket becomes a no-show: its center's mark goes back to its day.
    no_shows = figures.summary(**_kw(world, NOV))["queue"]["no_show"]
    ticket = world.tickets["t1"]
    ticket.status = "no_show"
    ticket.save()
    mark.refresh_from_db()
    assert mark.complete_until == date(2026, 11, 25)
    assert RollupMark.objects.get(center=world.other).complete_until == today
    _assert_same(world, monkeypatch)
    assert figures.summary(**_kw(world, NOV))["queue"]["no_show"] == no_shows + 1

    # A rating given on a closed day, and a dossier whose result moves to another day.
    Rating.objects.create(
        center=world.other,
        channel="tablet",
        kind="service",
        score="dissatisfied",
        ticket=world.tickets["t4"],
        created_at=local(11, 3, 10),
    )
    assert RollupMark.objects.get(center=world.other).complete_until == date(2026, 11, 3)
    dossier = world.dossiers["d3"]
    dossier.processed_at = local(11, 12)
    dossier.save()
    # Its days, the received one (3 November) the earliest.
    assert RollupMark.objects.get(center=world.center).complete_until == date(2026, 11, 3)
    _assert_same(world, monkeypatch)

    # Rolled up again: the marks are today's and the figures the same.
    assert rollup.refresh() == 2
    assert set(RollupMark.objects.values_list("complete_until", flat=True)) == {today}
    _assert_same(world, monkeypatch)

    # A deleted ticket of a closed day counts no more.
    Ticket.objects.filter(pk=world.tickets["t6"].pk).delete()
    assert RollupMark.objects.get(center=world.center).complete_until == date(2026, 11, 25)
    _assert_same(world, monkeypatch)


@pytest.mark.django_db
def test_a_change_that_touches_no_figure_keeps_the_mark(world):
    rollup.refresh()
    today = _today()
    dossier = world.dossiers["d1"]
    dossier.applicant_name = "Nguyễn Văn C"
    dossier.save()
    Ticket.objects.filter(pk=world.tickets["t1"].pk).update(display="A001")
    # Today's rows never move a mark: today is always read live.
    Rating.objects.create(
        center=world.center,
        channel="tablet",
        kind="service",
        score="satisfied",
        ticket=world.tickets["t5"],
        created_at=timezone.now(),
    )
    assert RollupMark.objects.get(center=world.center).complete_until == today


@pytest.mark.django_db
def test_a_center_in_another_zone_is_read_live_and_rolled_up_again(world, monkeypatch):
    rollup.refresh()
    world.other.time_zone = "Asia/Tokyo"
    world.other.save()
    # Its rolled-up days are still Hanoi's days, as the report's: read from the rollup.
    parts = rollup.split(center_ids=_ids(world), start=NOV.start, end=NOV.end)
    assert parts.rolled == sorted(_ids(world))
    # The next rollup rebuilds its days in its own zone; the report (in Hanoi's) reads it live.
    assert rollup.refresh() == 1
    mark = RollupMark.objects.get(center=world.other)
    assert mark.time_zone == "Asia/Tokyo"
    parts = rollup.split(center_ids=_ids(world), start=NOV.start, end=NOV.end)
    assert parts.rolled == [world.center.pk]
    assert parts.live == [([world.other.pk], NOV.start, NOV.end)]
    _assert_same(world, monkeypatch, [NOV])
    # A period whose bounds are not midnights is read live.
    tokyo = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Asia/Tokyo"))
    assert rollup.split(center_ids=_ids(world), start=tokyo.start, end=NOV.end).rolled == []


@pytest.mark.django_db
def test_the_command(world):
    out = StringIO()
    call_command("reports_rollup", "--center", world.center.code, stdout=out)
    assert out.getvalue().startswith("rolled up 1 center(s)")
    assert list(RollupMark.objects.values_list("center", flat=True)) == [world.center.pk]
    with pytest.raises(SystemExit) as exit_info:
        call_command("reports_rollup", "--center", "no-such-center", stderr=StringIO())
    assert exit_info.value.code == 2


@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_the_rollup_reads_is_not_lost(world, monkeypatch):
    """A change to a closed day, committed while a rollup runs, either is in the rollup or moves
    the mark back after it: the rollup waits for the changing transaction's lock."""
    rollup.refresh()
    RollupMark.objects.filter(center=world.center).update(complete_until=date(2026, 11, 1))
    changed = threading.Event()
    release = threading.Event()
    done = threading.Event()
    errors: list[BaseException] = []

    def change() -> None:
        try:
            with transaction.atomic():
                Ticket.objects.filter(pk=world.tickets["t1"].pk).update(status="no_show")
                changed.set()
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    def roll() -> None:
        try:
            rollup.refresh(center_ids=[world.center.pk])
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            done.set()
            connections.close_all()

    changer = threading.Thread(target=change)
    changer.start()
    assert changed.wait(10)
    roller = threading.Thread(target=roll)
    roller.start()
    # The rollup waits on the mark the uncommitted change locked.
    assert not done.wait(1)
    release.set()
    changer.join(10)
    roller.join(10)
    assert not errors
    assert done.is_set()
    # Either way the figures are the base tables' (the ticket counts as a no-show).
    summary = figures.summary(**_kw(world, NOV))
    assert summary["queue"]["no_show"] == 2
    _assert_same(world, monkeypatch, [NOV])


@pytest.mark.django_db
def test_a_center_with_an_unknown_zone_is_left_out_not_the_others(world, caplog):
    Center.objects.filter(pk=world.other.pk).update(time_zone="Nowhere/Nope")
    assert rollup.refresh() == Center.objects.count() - 1
    assert not RollupMark.objects.filter(center=world.other).exists()
    assert "unknown time zone" in caplog.text
