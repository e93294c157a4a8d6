"""Reads of ratings and feedback: scoped to the acting staff member, or public by code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from motcua.errors import NotFound
from motcua.feedback.indicators import percent
from motcua.feedback.models import Feedback, Rating, Score, SurveyQuestion
from motcua.feedback.workflow import OPEN
from motcua.organization.models import Center, Role
from motcua.organization.selectors import center_list_for_user

AnyUser = User | AnonymousUser

# Who sees the ratings and the figures of a center; who handles its feedback.
RATING_VIEW_ROLES = (Role.CENTER_ADMIN, Role.LEADER, Role.PROVINCE_ADMIN, Role.ANALYST)
FEEDBACK_ROLES = (Role.CENTER_ADMIN, Role.LEADER, Role.PROVINCE_ADMIN)
# Who may enter paper-box letters and hotline calls, and be given one to answer.
FEEDBACK_ENTRY_ROLES = (Role.CENTER_ADMIN, Role.LEADER, Role.RECEPTIONIST)
FEEDBACK_ASSIGNABLE_ROLES = (Role.CENTER_ADMIN, Role.LEADER, Role.RECEPTIONIST, Role.SPECIALIST)

# The groupings of the ratings table: key → (field, label field).
GROUPS: dict[str, tuple[str, str]] = {
    "official": ("official_id", "official__username"),
    "counter": ("counter_id", "counter__name"),
    "service": ("service_id", "service__name"),
    "procedure": ("procedure_id", "procedure__name"),
    "center": ("center_id", "center__name"),
}


def rating_centers(*, user: AnyUser) -> QuerySet[Center]:
    return center_list_for_user(user=user, roles=RATING_VIEW_ROLES).order_by("name")


def feedback_centers(*, user: AnyUser) -> QuerySet[Center]:
    return center_list_for_user(user=user, roles=FEEDBACK_ROLES).order_by("name")


def rating_list(
    *,
    center_ids: list[int] | None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Rating]:
    """Ratings of some centers (None: all) given in [start, end)."""
    ratings = Rating.objects.all()
    if center_ids is not None:
        ratings = ratings.filter(center_id__in=center_ids)
    if start is not None:
        ratings = ratings.filter(created_at__gte=start)
    if end is not None:
        ratings = ratings.filter(created_at__lt=end)
    return ratings


def rating_counts(
    *,
    center_ids: list[int] | None,
    start: datetime,
    end: datetime,
    kinds: Iterable[str] | None = None,
) -> dict[str, Any]:
    """``{"total", "very_satisfied", "satisfied", "dissatisfied", "satisfaction_rate"}``:
    ratings of some centers (None: all) in [start, end); the rate in percent or None."""
    ratings = rating_list(center_ids=center_ids, start=start, end=end)
    if kinds is not None:
        ratings = ratings.filter(kind__in=list(kinds))
    counts = ratings.aggregate(
        total=Count("id"),
        very_satisfied=Count("id", filter=Q(score=Score.VERY_SATISFIED)),
        satisfied=Count("id", filter=Q(score=Score.SATISFIED)),
        dissatisfied=Count("id", filter=Q(score=Score.DISSATISFIED)),
    )
    counts["satisfaction_rate"] = percent(
        counts["very_satisfied"] + counts["satisfied"], counts["total"]
    )
    return counts


def rating_table(
    *, center_ids: list[int] | None, start: datetime, end: datetime, group: str
) -> list[dict[str, Any]]:
    """One row per official / counter / service / procedure / center with its counts and rate,
    worst rate first (rows without a value for the grouping are left out)."""
    field, label = GROUPS[group]
    rows = (
        rating_list(center_ids=center_ids, start=start, end=end)
        .filter(**{f"{field}__isnull": False})
        .values(field, label)
        .annotate(
            total=Count("id"),
            very_satisfied=Count("id", filter=Q(score=Score.VERY_SATISFIED)),
            satisfied=Count("id", filter=Q(score=Score.SATISFIED)),
            dissatisfied=Count("id", filter=Q(score=Score.DISSATISFIED)),
        )
    )
    result = [
        {
            "id": row[field],
            "label": row[label] or "",
            "total": row["total"],
            "very_satisfied": row["very_satisfied"],
            "satisfied": row["satisfied"],
            "dissatisfied": row["dissatisfied"],
            "satisfaction_rate": percent(row["very_satisfied"] + row["satisfied"], row["total"]),
        }
        for row in rows
    ]
    if group == "official":
        _official_names(result)
    result.sort(key=lambda r: (r["satisfaction_rate"] or 0, -r["total"], r["label"]))
    return result


def _official_names(rows: list[dict[str, Any]]) -> None:
    users = User.objects.in_bulk([row["id"] for row in rows])
    for row in rows:
        user = users.get(row["id"])
        if user is not None:
            row["label"] = user.get_full_name() or user.username


def dissatisfied_to_review(*, center_ids: list[int]) -> QuerySet[Rating]:
    return (
        Rating.objects.filter(
            center_id__in=center_ids, score=Score.DISSATISFIED, reviewed_at__isnull=True
        )
        .select_related("center", "counter", "official", "service", "dossier")
        .order_by("-created_at")
    )


def survey_questions(*, center: Center) -> list[SurveyQuestion]:
    return list(
        SurveyQuestion.objects.filter(Q(center__isnull=True) | Q(center=center), active=True)
    )


# --- Feedback ------------------------------------------------------------------------------


def feedback_list(
    *, center_ids: list[int], status: str = "", category: str = "", overdue_at=None
) -> QuerySet[Feedback]:
    items = Feedback.objects.filter(center_id__in=center_ids).select_related(
        "center", "assignee", "dossier"
    )
    if status == "open":
        items = items.filter(status__in=OPEN)
    elif status:
        items = items.filter(status=status)
    if category:
        items = items.filter(category=category)
    if overdue_at is not None:
        items = items.filter(status__in=OPEN, due_at__lt=overdue_at)
    return items


def feedback_get_for_user(*, user: AnyUser, pk: int) -> Feedback:
    """A feedback item of a center the user handles feedback at, or is assigned to."""
    item = Feedback.objects.select_related("center", "assignee", "dossier").filter(pk=pk).first()
    if item is None:
        raise NotFound(_("Không tìm thấy góp ý này."), code="feedback_not_found")
    allowed = feedback_centers(user=user).filter(pk=item.center_id).exists() or (
        user.is_authenticated and item.assignee_id == user.pk
    )
    if not allowed:
        raise NotFound(_("Không tìm thấy góp ý này."), code="feedback_not_found")
    return item


def feedback_public(*, code: str) -> Feedback:
    """By its follow-up code; an unknown code is a plain not-found."""
    code = "".join((code or "").split()).upper()
    item = Feedback.objects.select_related("center").filter(code=code).first() if code else None
    if item is None:
        raise NotFound(
            _("Không tìm thấy góp ý, phản ánh với mã này. Hãy kiểm tra lại."),
            code="feedback_not_found",
        )
    return item


def feedback_published(*, center: Center, limit: int = 20) -> QuerySet[Feedback]:
    """Answered items a center chose to publish (the public Q&A; no contact details shown)."""
    return Feedback.objects.filter(center=center, published=True).order_by("-answered_at")[:limit]
