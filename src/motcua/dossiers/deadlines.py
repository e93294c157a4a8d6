"""Deadlines of a dossier and its steps, computed only by the center's working calendar.

- The dossier's due time is fixed at acceptance (``services._set_due``); its steps get their
  deadlines from their shares of the whole working time between acceptance and due.
- A supplement asked during processing stops the clock; when the complete supplement arrives
  the processing time restarts from zero (Decree 61 art. 19(4)), or, where the center chose
  "pause and resume", goes on with the working time that was left.
- Classification when processed: finished on an earlier date than due → early; the same date →
  on time; later → late (an apology makes it late whatever the date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from motcua.dossiers.models import Dossier, DossierStep, Timeliness
from motcua.organization.models import Role
from motcua.workcalendar.calendar import (
    WorkingCalendar,
    add_working_time,
    working_time_between,
)


@dataclass(frozen=True)
class PlannedStep:
    name: str
    role: str
    share: Decimal
    department_id: int | None


# A center without an internal process for the procedure: the usual one-stop path.
DEFAULT_PROCESS = (
    ("Tiếp nhận, chuyển hồ sơ", Role.RECEPTIONIST, Decimal("10"), False),
    ("Thẩm định, xử lý", Role.SPECIALIST, Decimal("60"), True),
    ("Phê duyệt, ký kết quả", Role.LEADER, Decimal("20"), False),
    ("Trả kết quả", Role.RECEPTIONIST, Decimal("10"), False),
)


def process_for(dossier: Dossier) -> list[PlannedStep]:
    """The center's internal process for the dossier's procedure (the default one without)."""
    from motcua.catalog.models import CenterProcedure

    link = (
        CenterProcedure.objects.filter(center=dossier.center, procedure=dossier.procedure)
        .prefetch_related("steps")
        .first()
    )
    steps = list(link.steps.all().order_by("order")) if link is not None else []
    if steps:
        return [
            PlannedStep(step.name, step.role, Decimal(step.share_percent), step.department_id)
            for step in steps
        ]
    department = link.department_id if link is not None else None
    return [
        PlannedStep(name, role, share, department if in_department else None)
        for name, role, share, in_department in DEFAULT_PROCESS
    ]


def step_deadlines(
    calendar: WorkingCalendar, start: datetime, due: datetime, shares: Sequence[Decimal]
) -> list[datetime]:
    """Each step's deadline: the cumulative shares of the working time from ``start`` to
    ``due``; the last one is ``due`` itself."""
    total = working_time_between(calendar, start, due)
    if total <= timedelta():
        return [due for _ in shares]
    deadlines = []
    used = Decimal(0)
    whole = sum(shares, Decimal(0)) or Decimal(100)
    for index, share in enumerate(shares):
        used += share
        if index == len(shares) - 1:
            deadlines.append(due)
            continue
        part = total * float(used / whole)
        deadlines.append(add_working_time(calendar, start, part))
    return deadlines


def reschedule_open_steps(
    calendar: WorkingCalendar, dossier: Dossier, start: datetime, due: datetime
) -> None:
    """The current step and those after it share the time from ``start`` to ``due`` again."""
    # An inter-agency step keeps the deadline it was sent with (its share of the time is 0).
    steps = [s for s in dossier.steps.all() if s.finished_at is None and not s.inter_agency]
    if not steps:
        return
    deadlines = step_deadlines(calendar, start, due, [Decimal(s.share_percent) for s in steps])
    for step, deadline in zip(steps, deadlines, strict=True):
        step.due_at = deadline
    DossierStep.objects.bulk_update(steps, ["due_at"])


def restart_due(calendar: WorkingCalendar, dossier: Dossier, now: datetime) -> datetime:
    """Restart from zero: the whole statutory working time again, from now."""
    statutory = working_time_between(
        calendar, dossier.accepted_at or now, dossier.original_due_at or dossier.due_at or now
    )
    return add_working_time(calendar, now, statutory)


def resume_due(calendar: WorkingCalendar, dossier: Dossier, now: datetime) -> datetime:
    """Pause and resume: the working time that was left when the clock stopped, from now."""
    paused = dossier.paused_at or now
    left = working_time_between(calendar, paused, dossier.due_at or paused)
    return add_working_time(calendar, now, max(left, timedelta()))


def classify(calendar: WorkingCalendar, finished: datetime, due: datetime | None) -> str:
    """Early (an earlier date than due), on time (the same date), late (a later date)."""
    if due is None:
        return Timeliness.ON_TIME
    done_day = finished.astimezone(calendar.tz).date()
    due_day = due.astimezone(calendar.tz).date()
    if done_day < due_day:
        return Timeliness.EARLY
    if done_day == due_day:
        return Timeliness.ON_TIME
    return Timeliness.LATE


def at_least_a_working_day_before(calendar: WorkingCalendar, now: datetime, due: datetime) -> bool:
    """Whether one whole working day (the standard day's length) still lies before ``due``."""
    return working_time_between(calendar, now, due) >= calendar.day_length


def working_days_since(calendar: WorkingCalendar, start: datetime, now: datetime) -> float:
    return working_time_between(calendar, start, now) / calendar.day_length
