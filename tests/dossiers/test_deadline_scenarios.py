"""Frozen-time scenarios of the legal deadline, each with its exact expected times, stated in
the center's local time (Asia/Ho_Chi_Minh; working periods 07:30–11:30 and 13:30–17:30, one
working day = 8 hours). The clock is frozen with time_machine and the services read it: no
``now=`` is passed, except to the background sweep.

The procedure takes 3 working days (24 working hours). The default internal process shares
them 10 / 60 / 20 / 10 % between the counter, the specialist, the leader and the counter.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

import holidays
import pytest
import time_machine

from motcua.dossiers import processing, services
from motcua.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierPolicy,
    DossierStep,
    SupplementMode,
    Timeliness,
)
from motcua.dossiers.workflow import Action, Status
from motcua.errors import Conflict
from motcua.notifications.models import Message
from tests.dossiers.conftest import TZ, local, pdf_bytes, upload
from tests.dossiers.test_processing import People
from tests.dossiers.test_workflow import APPLICANT, all_ticked
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(center, receptionist) -> People:
    from motcua.organization.models import Role

    return People(
        receptionist=receptionist,
        specialist=staff(Role.SPECIALIST, center, username="chuyenvien", email="cv@example.com"),
        leader=staff(Role.LEADER, center, username="lanhdao", email="ld@example.com"),
        admin=staff(Role.CENTER_ADMIN, center, username="quantri"),
    )


@contextmanager
def clock(moment: datetime):
    """The wall clock stands still at ``moment``."""
    with time_machine.travel(moment, tick=False):
        yield


def receive(center, procedure, receptionist, moment: datetime) -> Dossier:
    """Accepted at the counter at ``moment`` (by the frozen clock)."""
    with clock(moment):
        dossier, _form = services.dossier_receive(
            actor=receptionist,
            center=center,
            procedure_code=procedure.code,
            channel="direct",
            applicant=APPLICANT,
            documents=all_ticked(procedure),
            decision=services.Decision("accept"),
        )
    return dossier


def act(actor, dossier, action, moment: datetime, **data) -> Dossier:
    with clock(moment):
        return processing.dossier_act(
            actor=actor, dossier=dossier, action=action, data=processing.ActionInput(**data)
        )


def due(dossier: Dossier) -> datetime:
    dossier.refresh_from_db()
    assert dossier.due_at is not None
    return dossier.due_at.astimezone(TZ)


def step_dues(dossier: Dossier) -> list[datetime]:
    return [
        step.due_at.astimezone(TZ)
        for step in DossierStep.objects.filter(dossier=dossier).order_by("order")
    ]


def finish(people: People, dossier: Dossier, moment: datetime) -> Dossier:
    """The result attached and the dossier marked processed at ``moment``."""
    with clock(moment):
        services.dossier_attach(
            actor=people.receptionist,
            dossier=dossier,
            uploads=[services.Upload(upload("ket-qua.pdf", pdf_bytes()))],
            result=True,
        )
    act(people.receptionist, dossier, Action.MARK_PROCESSED, moment)
    dossier.refresh_from_db()
    return dossier


# --- Acceptance -------------------------------------------------------------------------------


def test_accepted_friday_at_16_with_3_working_days(center, procedure, people):
    """Friday 4 December 2026, 16:00: 1 h 30 left on Friday, the weekend does not count,
    Monday and Tuesday 8 h each, 6 h 30 on Wednesday: Wednesday 9 December, 16:00."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 12, 4, 16))
    assert dossier.accepted_at == local(2026, 12, 4, 16)
    assert due(dossier) == local(2026, 12, 9, 16)
    assert dossier.original_due_at == dossier.due_at
    assert datetime.fromisoformat(dossier.due_basis["from"]) == local(2026, 12, 4, 16)
    assert step_dues(dossier) == [
        local(2026, 12, 7, 8, 24),  # 2.4 h: 1 h 30 on Friday, 54 min on Monday
        local(2026, 12, 8, 16, 48),  # 16.8 h
        local(2026, 12, 9, 13, 36),  # 21.6 h
        local(2026, 12, 9, 16),  # 24 h
    ]


@pytest.mark.parametrize(
    ("accepted", "expected_due", "first_step_due"),
    [
        # Friday after hours: counting starts Monday 07:30.
        (local(2026, 12, 4, 18), local(2026, 12, 9, 17, 30), local(2026, 12, 7, 9, 54)),
        # Saturday: the same.
        (local(2026, 12, 5, 9), local(2026, 12, 9, 17, 30), local(2026, 12, 7, 9, 54)),
        # Monday before opening.
        (local(2026, 12, 7, 6, 45), local(2026, 12, 9, 17, 30), local(2026, 12, 7, 9, 54)),
        # Monday at lunch: from 13:30.
        (local(2026, 12, 7, 12), local(2026, 12, 10, 11, 30), local(2026, 12, 7, 15, 54)),
        # Exactly at the end of the morning.
        (local(2026, 12, 7, 11, 30), local(2026, 12, 10, 11, 30), local(2026, 12, 7, 15, 54)),
    ],
)
def test_accepted_after_hours_or_at_lunch(
    center, procedure, people, accepted, expected_due, first_step_due
):
    dossier = receive(center, procedure, people.receptionist, accepted)
    assert dossier.accepted_at == accepted
    assert due(dossier) == expected_due
    assert step_dues(dossier)[0] == first_step_due
    assert step_dues(dossier)[-1] == expected_due


# --- A supplement during processing --------------------------------------------------------


def asked_and_received(center, procedure, people) -> Dossier:
    """Accepted Friday 4 December 16:00 (due Wednesday 9 December 16:00); the specialist asks
    for a supplement on Tuesday 8 December 10:00; the complete supplement is received at the
    counter on Monday 14 December 15:00."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 12, 4, 16))
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 12, 7, 8))
    act(
        people.specialist,
        dossier,
        Action.REQUEST_SUPPLEMENT,
        local(2026, 12, 8, 10),
        items=["Bản vẽ hiện trạng"],
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT
    assert dossier.paused_at == local(2026, 12, 8, 10)
    assert due(dossier) == local(2026, 12, 9, 16)  # unchanged while waiting
    act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, 14, 15))
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.paused_at is None
    return dossier


def test_supplement_restart_from_zero(center, procedure, people):
    """Restart (Decree 61 art. 19(4)): the full 24 h again from Monday 14 December 15:00 —
    2 h 30 Monday, 8 h Tuesday, 8 h Wednesday, 5 h 30 Thursday: Thursday 17 December, 15:00."""
    dossier = asked_and_received(center, procedure, people)
    assert due(dossier) == local(2026, 12, 17, 15)
    assert dossier.original_due_at.astimezone(TZ) == local(2026, 12, 9, 16)
    # The specialist's step and the two after it share the new 24 h (60 : 20 : 10).
    assert step_dues(dossier)[1:] == [
        local(2026, 12, 16, 15),  # 16 h
        local(2026, 12, 17, 10, 20),  # 21 h 20 min
        local(2026, 12, 17, 15),
    ]


def test_supplement_pause_and_resume(center, procedure, people):
    """Pause: 12 h were left when the clock stopped on Tuesday 10:00 (5 h 30 Tuesday, 6 h 30
    Wednesday); from Monday 14 December 15:00: 2 h 30, then 8 h Tuesday, then 1 h 30:
    Wednesday 16 December, 09:00."""
    DossierPolicy.objects.create(center=center, supplement_mode=SupplementMode.PAUSE)
    dossier = asked_and_received(center, procedure, people)
    assert due(dossier) == local(2026, 12, 16, 9)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # Received Monday 14 December after hours: counting starts Tuesday 07:30.
        (SupplementMode.RESTART, local(2026, 12, 17, 17, 30)),
        (SupplementMode.PAUSE, local(2026, 12, 16, 11, 30)),
    ],
)
def test_supplement_received_after_hours(center, procedure, people, mode, expected):
    DossierPolicy.objects.create(center=center, supplement_mode=mode)
    dossier = receive(center, procedure, people.receptionist, local(2026, 12, 4, 16))
    act(
        people.receptionist,
        dossier,
        Action.REQUEST_SUPPLEMENT,
        local(2026, 12, 8, 10),
        items=["Bản vẽ hiện trạng"],
    )
    act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, 14, 18))
    assert due(dossier) == expected


# --- The apology ---------------------------------------------------------------------------


def test_apology_once_and_the_dossier_counts_late(center, procedure, people):
    """Due Wednesday 9 December 16:00. On Tuesday 8 December at 16:01 less than a working day
    is left (7 h 59 min): too late. At 16:00 exactly one working day is left: the apology is
    accepted with the new date Friday 11 December 16:00, once; finished on Thursday (before
    the new date), the dossier still counts late."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 12, 4, 16))
    reason = "Chờ kết quả đo đạc của Văn phòng đăng ký đất đai."
    new_due = local(2026, 12, 11, 16)
    with pytest.raises(Conflict) as caught:
        act(
            people.receptionist,
            dossier,
            Action.APOLOGIZE,
            local(2026, 12, 8, 16, 1),
            new_due_at=new_due,
            reason=reason,
        )
    assert caught.value.code == "apology_too_late"

    act(
        people.receptionist,
        dossier,
        Action.APOLOGIZE,
        local(2026, 12, 8, 16),
        new_due_at=new_due,
        reason=reason,
    )
    assert due(dossier) == new_due
    assert dossier.apology_at == local(2026, 12, 8, 16)
    assert dossier.forms.filter(form="04").count() == 1

    # A second apology is refused, even a whole week before the new date.
    with pytest.raises(Conflict) as caught:
        act(
            people.receptionist,
            dossier,
            Action.APOLOGIZE,
            local(2026, 12, 9, 8),
            new_due_at=local(2026, 12, 18, 16),
            reason=reason,
        )
    assert caught.value.code == "apology_once"
    assert due(dossier) == new_due
    assert dossier.forms.filter(form="04").count() == 1

    act(people.receptionist, dossier, Action.FORWARD, local(2026, 12, 9, 8))
    act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 9, 9))
    act(people.leader, dossier, Action.APPROVE, local(2026, 12, 10, 9))
    dossier = finish(people, dossier, local(2026, 12, 10, 10))
    assert dossier.timeliness == Timeliness.LATE


# --- Holidays ------------------------------------------------------------------------------


def test_tet_2027_days_off_are_the_packages():
    """The calendar's Tết 2027 comes from the ``holidays`` package: Thursday 4 – Wednesday
    10 February."""
    vietnam = holidays.country_holidays("VN", years=2027)
    tet = [day for day in vietnam if date(2027, 2, 1) <= day <= date(2027, 2, 28)]
    assert sorted(tet) == [date(2027, 2, day) for day in range(4, 11)]


def test_a_deadline_across_tet_2027(center, procedure, people):
    """Accepted Wednesday 3 February 2027 09:00: 6 h 30 that day, then nothing until Thursday
    11 February (Tết, then the weekend is inside it), 8 h Thursday, 8 h Friday, 1 h 30 Monday:
    Monday 15 February, 09:00. The steps fall on either side of Tết."""
    dossier = receive(center, procedure, people.receptionist, local(2027, 2, 3, 9))
    assert due(dossier) == local(2027, 2, 15, 9)
    assert step_dues(dossier) == [
        local(2027, 2, 3, 11, 24),
        local(2027, 2, 12, 9, 48),
        local(2027, 2, 12, 16, 36),
        local(2027, 2, 15, 9),
    ]


def test_the_due_soon_warning_comes_before_tet(center, procedure, people):
    """Accepted Monday 1 February 2027 09:00: due Thursday 11 February 09:00, the first
    working day after Tết. The warning ("less than one working day left") comes on Wednesday 3
    February from 09:00 on, before the holiday, not on the day itself."""
    dossier = receive(center, procedure, people.receptionist, local(2027, 2, 1, 9))
    assert due(dossier) == local(2027, 2, 11, 9)
    act(people.receptionist, dossier, Action.FORWARD, local(2027, 2, 1, 10))
    assert processing.dossiers_deadline_sweep(now=local(2027, 2, 3, 8, 59))["warned"] == 0
    assert processing.dossiers_deadline_sweep(now=local(2027, 2, 3, 9, 1))["warned"] == 1
    assert Message.objects.filter(kind="dossier_due_soon").count() == 2
    # Nothing more during Tết, nor overdue before the due time.
    assert processing.dossiers_deadline_sweep(now=local(2027, 2, 8, 9)) == {
        "overdue": 0,
        "warned": 0,
    }
    assert processing.dossiers_deadline_sweep(now=local(2027, 2, 11, 9, 1))["overdue"] == 1


def test_a_pause_across_tet_2027(center, procedure, people):
    """Accepted Monday 1 February 2027 09:00 (due Thursday 11 February 09:00). Supplement asked
    Tuesday 2 February 09:00 with 16 h left (6 h 30 + 8 h + 1 h 30 after Tết), received on the
    first day of Tết (counting starts Thursday 11 February 07:30): Friday 12 February 17:30."""
    DossierPolicy.objects.create(center=center, supplement_mode=SupplementMode.PAUSE)
    dossier = receive(center, procedure, people.receptionist, local(2027, 2, 1, 9))
    act(
        people.receptionist,
        dossier,
        Action.REQUEST_SUPPLEMENT,
        local(2027, 2, 2, 9),
        items=["Bản sao sổ hộ khẩu"],
    )
    act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2027, 2, 4, 10))
    assert due(dossier) == local(2027, 2, 12, 17, 30)


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        # 2026: Monday 31 August (given for Saturday 22 August), 1 and 2 September off.
        (local(2026, 8, 28, 10), local(2026, 9, 7, 10)),
        # 2027: Thursday 2 and Friday 3 September off.
        (local(2027, 9, 1, 14), local(2027, 9, 8, 14)),
    ],
)
def test_a_deadline_across_national_day(center, procedure, people, accepted, expected):
    dossier = receive(center, procedure, people.receptionist, accepted)
    assert due(dossier) == expected


# --- Lateness per step ---------------------------------------------------------------------


def test_a_late_step_in_a_dossier_on_time(center, procedure, people):
    """Accepted Monday 30 November 2026 09:00 (steps due Monday 11:24, Wednesday 09:48,
    Wednesday 16:36, Thursday 09:00). The specialist forwards on Thursday 07:45 and the leader
    approves at 08:00, both after their steps' deadlines: late; the counter finishes at 08:30,
    before its own: on time, and so is the dossier (the due date)."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 11, 30, 9))
    assert step_dues(dossier) == [
        local(2026, 11, 30, 11, 24),
        local(2026, 12, 2, 9, 48),
        local(2026, 12, 2, 16, 36),
        local(2026, 12, 3, 9),
    ]
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
    act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 3, 7, 45))
    act(people.leader, dossier, Action.APPROVE, local(2026, 12, 3, 8))
    dossier = finish(people, dossier, local(2026, 12, 3, 8, 30))

    steps = DossierStep.objects.filter(dossier=dossier).order_by("order")
    assert [s.timeliness for s in steps] == [
        Timeliness.ON_TIME,
        Timeliness.LATE,
        Timeliness.LATE,
        Timeliness.ON_TIME,
    ]
    assert dossier.timeliness == Timeliness.ON_TIME
    hand_overs = DossierEvent.objects.filter(
        dossier=dossier, action__in=[Action.FORWARD, Action.APPROVE]
    ).order_by("at")
    assert [e.data["timeliness"] for e in hand_overs] == [
        Timeliness.ON_TIME,
        Timeliness.LATE,
        Timeliness.LATE,
    ]


def test_a_late_step_in_an_early_dossier(center, procedure, people):
    """The counter forwards only on Tuesday (its step was due Monday 11:24): late; everything
    else is done on Tuesday: the dossier is early (due Thursday)."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 11, 30, 9))
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 12, 1, 8))
    act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 1, 10))
    act(people.leader, dossier, Action.APPROVE, local(2026, 12, 1, 11))
    dossier = finish(people, dossier, local(2026, 12, 1, 14))
    steps = DossierStep.objects.filter(dossier=dossier).order_by("order")
    assert [s.timeliness for s in steps] == [
        Timeliness.LATE,
        Timeliness.EARLY,
        Timeliness.EARLY,
        Timeliness.EARLY,
    ]
    assert dossier.timeliness == Timeliness.EARLY


def test_the_leader_step_deadline_moves_with_an_apology(center, procedure, people):
    """An apology on Monday 30 November 14:00 with the new date Monday 7 December 09:00: the
    open steps (the specialist's, then the leader's and the counter's) share the time from the
    apology to the new date (3 h 30 Monday, 8 h Tuesday to Friday, 1 h 30 on Monday 7 = 37 h)
    in the proportions 60 : 20 : 10."""
    dossier = receive(center, procedure, people.receptionist, local(2026, 11, 30, 9))
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
    act(
        people.specialist,
        dossier,
        Action.APOLOGIZE,
        local(2026, 11, 30, 14),
        new_due_at=local(2026, 12, 7, 9),
        reason="Chờ ý kiến của Sở Xây dựng.",
    )
    assert step_dues(dossier) == [
        local(2026, 11, 30, 11, 24),  # finished: untouched
        # 37 h × 6/9 = 24 h 40 min: 3 h 30 Monday, 8 h Tuesday and Wednesday, 5 h 10 Thursday.
        local(2026, 12, 3, 14, 40),
        # 37 h × 8/9 = 32 h 53 min 20 s: 5 h 23 min 20 s on Friday.
        datetime(2026, 12, 4, 14, 53, 20, tzinfo=TZ),
        local(2026, 12, 7, 9),
    ]
    # The specialist forwards on Thursday 14:00, before the step's new deadline: on time;
    # against its first deadline (Wednesday 09:48) it would have been late.
    act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 3, 14))
    step = DossierStep.objects.get(dossier=dossier, order=2)
    assert step.timeliness == Timeliness.ON_TIME
