"""Reading the audit log, scoped: center leaders and center admins see their centers' rows,
a province admin the rows of the centers of their province, a superuser every row (also those
of no center: failed log-ins, backups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from motcua.audit.models import AuditEntry
from motcua.organization.models import Center, Role
from motcua.organization.selectors import center_list_for_user

AUDIT_VIEWER_ROLES = frozenset({Role.LEADER, Role.CENTER_ADMIN, Role.PROVINCE_ADMIN})


def audit_centers(*, user: User | AnonymousUser) -> QuerySet[Center]:
    return center_list_for_user(user=user, roles=AUDIT_VIEWER_ROLES)


def audit_may_view(*, user: User | AnonymousUser) -> bool:
    return bool(getattr(user, "is_superuser", False)) or audit_centers(user=user).exists()


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_key: str = ""
    center: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def audit_list(*, user: User | AnonymousUser, filters: AuditFilters) -> QuerySet[AuditEntry]:
    rows = AuditEntry.objects.select_related("center", "actor")
    if not (getattr(user, "is_superuser", False) and user.is_active):
        rows = rows.filter(center__in=audit_centers(user=user))
    if filters.center:
        rows = rows.filter(center__code=filters.center)
    if filters.actor:
        rows = rows.filter(
            Q(actor_name__icontains=filters.actor) | Q(actor__last_name__icontains=filters.actor)
        )
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.object_key:
        rows = rows.filter(object_key__iexact=filters.object_key.strip())
    if filters.date_from:
        rows = rows.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return rows.order_by("-at", "-id")
