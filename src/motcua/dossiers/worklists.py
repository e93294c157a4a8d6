"""Reads of the internal process for the staff work lists: "my dossiers", the department's and
the center's open dossiers, with the due-soon and overdue marks, and the officials a step may be
given to. Scoped to the acting staff member like every dossier read (``selectors``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.dossiers import selectors
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.workflow import Status
from motcua.organization.models import Center, Department, Membership, Role
from motcua.organization.selectors import center_calendar, center_list_for_user
from motcua.workcalendar.calendar import WorkingCalendar, add_working_time

AnyUser = User | AnonymousUser

# Open: accepted and not yet processed (the center's work in progress).
OPEN_STATUSES = (Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.WAITING_FEES)
# The clock runs in these (it stands while a supplement is awaited).
CLOCK_RUNS = (Status.ACCEPTED, Status.PROCESSING, Status.WAITING_FEES)
# Who may give steps to others (bulk assignment).
SUPERVISORS = (Role.LEADER, Role.CENTER_ADMIN)
# Roles that work on steps (and so have "my dossiers").
WORKING_ROLES = (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER, Role.CENTER_ADMIN)


def _open(user: AnyUser) -> QuerySet[Dossier]:
    return (
        selectors.dossier_list_for_user(user=user, statuses=list(OPEN_STATUSES))
        .filter(accepted_at__isnull=False)
        .select_related(
            "current_step",
            "current_step__assignee",
            "current_step__center",
            "current_step__department",
        )
    )


def _takeable(user: AnyUser) -> Q:
    """Unassigned current steps of a role the user holds where the step is (at the step's
    department, or anywhere in the center for a membership without a department)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    parts = []
    for member in Membership.objects.filter(
        user=user, center__isnull=False, role__in=WORKING_ROLES
    ):
        here = Q(current_step__center_id=member.center_id, current_step__role=member.role)
        if member.department_id is not None:
            here &= Q(current_step__department_id=member.department_id) | Q(
                current_step__department__isnull=True
            )
        parts.append(here)
    if not parts:
        return Q(pk__in=[])
    return Q(current_step__assignee__isnull=True) & reduce(or_, parts)


def mine(user: AnyUser) -> QuerySet[Dossier]:
    """Open dossiers whose current step is the user's, and unassigned ones they may take; the
    step due first comes first."""
    return (
        _open(user)
        .filter(
            Q(current_step__assignee=user, current_step__finished_at__isnull=True) | _takeable(user)
        )
        .order_by("current_step__due_at", "due_at", "id")
    )


def user_departments(user: AnyUser) -> list[Department]:
    """The departments whose list the user sees: their own; all of a center they lead or run."""
    if not user.is_authenticated:
        return []
    own = Membership.objects.filter(user=user, department__isnull=False).values("department_id")
    supervised = center_list_for_user(user=user, roles=SUPERVISORS)
    return list(
        Department.objects.filter(Q(pk__in=own) | Q(center__in=supervised))
        .select_related("center")
        .order_by("center__name", "name")
    )


def department_dossiers(user: AnyUser, department: Department) -> QuerySet[Dossier]:
    """Open dossiers whose current step is at the department."""
    return _open(user).filter(current_step__department=department)


def work_centers(user: AnyUser) -> list[Center]:
    return list(center_list_for_user(user=user, roles=selectors.FULL_VIEW_ROLES).order_by("name"))


def center_dossiers(user: AnyUser, center: Center) -> QuerySet[Dossier]:
    """The center's open dossiers, and those whose current (inter-agency) step is there."""
    return _open(user).filter(Q(center=center) | Q(current_step__center=center))


def due_soon_before(calendar: WorkingCalendar, now: datetime) -> datetime:
    """A due time before this instant is less than one working day away."""
    return add_working_time(calendar, now, calendar.day_length)


def overdue_q(now: datetime) -> Q:
    return Q(status__in=CLOCK_RUNS) & (Q(due_at__lt=now) | Q(current_step__due_at__lt=now))


def due_soon_q(now: datetime, limit: datetime) -> Q:
    return (
        Q(status__in=CLOCK_RUNS)
        & ~overdue_q(now)
        & (Q(due_at__lt=limit) | Q(current_step__due_at__lt=limit))
    )


def filtered(
    rows: QuerySet[Dossier],
    *,
    user: AnyUser,
    calendar: WorkingCalendar,
    step: str = "",
    assignee: str = "",
    status: int | None = None,
    timing: str = "",
    procedure: str = "",
    q: str = "",
) -> QuerySet[Dossier]:
    """A work list narrowed by the current step's name, its assignee (a user name, or "-" for
    nobody), the status, overdue / due soon, the procedure's code and a text search."""
    now = timezone.now()
    if step:
        rows = rows.filter(current_step__name=step)
    if assignee == "-":
        rows = rows.filter(current_step__assignee__isnull=True)
    elif assignee:
        rows = rows.filter(current_step__assignee__username=assignee)
    if status:
        rows = rows.filter(status=status)
    if timing == "overdue":
        rows = rows.filter(overdue_q(now))
    elif timing == "due_soon":
        rows = rows.filter(due_soon_q(now, due_soon_before(calendar, now)))
    if procedure:
        rows = rows.filter(procedure__code=procedure)
    if q:
        rows = rows.filter(pk__in=selectors.dossier_list_for_user(user=user, q=q).values("pk"))
    return rows


def filter_choices(rows: QuerySet[Dossier]) -> tuple[list[str], list[tuple[str, str]]]:
    """The step names and the procedures (code, name) a list's filters offer."""
    steps = sorted(
        name
        for name in rows.order_by().values_list("current_step__name", flat=True).distinct()
        if name
    )
    # One line per procedure (its dossiers may be of several versions).
    names: dict[str, str] = {}
    for code, name in (
        rows.order_by().values_list("procedure__code", "procedure_version__name").distinct()
    ):
        names.setdefault(code, name)
    return steps, sorted(names.items())


@dataclass
class Marks:
    overdue: bool = False
    due_soon: bool = False
    paused: bool = False
    takeable: bool = False  # no one has the step yet and the user may take it


def marks_for(dossiers: list[Dossier], user: AnyUser, now: datetime | None = None) -> None:
    """Set ``dossier.marks`` on each (the calendars of their centers are built once)."""
    at = now or timezone.now()
    limits: dict[int, datetime] = {}
    for dossier in dossiers:
        step = dossier.current_step
        marks = Marks(paused=dossier.status == Status.SUPPLEMENT)
        dues = [d for d in (dossier.due_at, step.due_at if step else None) if d is not None]
        if dossier.status in CLOCK_RUNS and dues:
            first = min(dues)
            if first < at:
                marks.overdue = True
            else:
                if dossier.center_id not in limits:
                    limits[dossier.center_id] = due_soon_before(
                        center_calendar(center=dossier.center), at
                    )
                marks.due_soon = first < limits[dossier.center_id]
        marks.takeable = bool(step is not None and step.assignee_id is None)
        dossier.marks = marks  # type: ignore[attr-defined]


def mine_counts(user: AnyUser, now: datetime | None = None) -> dict[str, int]:
    """For the staff home: how many dossiers are the user's (open), and how many are overdue."""
    if not user.is_authenticated:
        return {"open": 0, "overdue": 0}
    at = now or timezone.now()
    rows = mine(user).filter(current_step__assignee_id=user.pk)
    return {"open": rows.count(), "overdue": rows.filter(overdue_q(at)).count()}


def officials(center: Center, department: Department | None = None) -> QuerySet[User]:
    """Active officials who work on steps at a center (a department's, and those of the whole
    center), with how many open steps each has (``load``)."""
    memberships = Membership.objects.filter(center=center, role__in=WORKING_ROLES)
    if department is not None:
        memberships = memberships.filter(Q(department=department) | Q(department=None))
    open_steps = (
        DossierStep.objects.filter(
            assignee=OuterRef("pk"), finished_at__isnull=True, started_at__isnull=False
        )
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        User.objects.filter(is_active=True, memberships__in=memberships)
        .distinct()
        .annotate(load=Coalesce(Subquery(open_steps), 0))
        .order_by("last_name", "first_name", "username")
    )


def step_staff(step: DossierStep) -> list[User]:
    """Who may be given ``step`` (its role at its center and department), least loaded first."""
    from motcua.dossiers.processing import _step_staff

    users = list(_step_staff(step).order_by("username"))
    load = dict(
        DossierStep.objects.filter(
            assignee__in=users, finished_at__isnull=True, started_at__isnull=False
        )
        .values_list("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    for user in users:
        user.load = load.get(user.pk, 0)  # type: ignore[attr-defined]
    return sorted(users, key=lambda u: (u.load, u.username))  # type: ignore[attr-defined]
