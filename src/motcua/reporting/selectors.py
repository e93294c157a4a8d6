"""Who sees which figures: the report scopes of the acting user, and the public ones.

Center admins, leaders and analysts see the figures of their centers; province admins and
province analysts see every center of their province and the province view. The public
transparency pages show the headline figures of any active center or province (no personal
data: counts and rates only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.errors import NotAllowed, NotFound
from motcua.organization.models import PROVINCE_ROLES, Center, Membership, Province, Role
from motcua.organization.selectors import center_list_for_user
from motcua.reporting import figures
from motcua.reporting.periods import Period

AnyUser = User | AnonymousUser

REPORT_ROLES = (Role.CENTER_ADMIN, Role.LEADER, Role.ANALYST, Role.PROVINCE_ADMIN)


@dataclass(frozen=True)
class Scope:
    """The centers a report covers: one center, or every center of a province."""

    kind: str  # "center" | "province"
    code: str
    name: str
    centers: list[Center] = field(default_factory=list)
    province: Province | None = None
    center: Center | None = None

    @property
    def center_ids(self) -> list[int]:
        return [center.pk for center in self.centers]

    @property
    def tz(self) -> ZoneInfo:
        """The zone of the period's dates: the center's; a province's first center's."""
        if self.center is not None:
            return ZoneInfo(self.center.time_zone)
        if self.centers:
            return ZoneInfo(self.centers[0].time_zone)
        return ZoneInfo(settings.TIME_ZONE)


def report_centers(*, user: AnyUser) -> QuerySet[Center]:
    """Centers whose reports the user may see."""
    return (
        center_list_for_user(user=user, roles=REPORT_ROLES)
        .select_related("province")
        .order_by("province__name", "name")
    )


def report_provinces(*, user: AnyUser) -> QuerySet[Province]:
    """Provinces whose province view the user may see (a province role over it)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Province.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Province.objects.none()
    held = Membership.objects.filter(
        user=user, province__isnull=False, role__in=sorted(PROVINCE_ROLES)
    ).values("province_id")
    return Province.objects.filter(pk__in=held)


def user_sees_reports(*, user: AnyUser) -> bool:
    return report_centers(user=user).exists()


def center_scope(*, user: AnyUser, code: str) -> Scope:
    """A center's report scope; unknown: NotFound; known but not the user's: NotAllowed."""
    center = Center.objects.select_related("province").filter(code=code).first()
    if center is None:
        raise NotFound(
            _("Không có trung tâm mã “%(code)s”.") % {"code": code[:64]}, code="unknown_center"
        )
    if not report_centers(user=user).filter(pk=center.pk).exists():
        raise NotAllowed(_("Bạn không có quyền xem số liệu của trung tâm này."), code="forbidden")
    return Scope("center", center.code, center.name, [center], center.province, center)


def province_scope(*, user: AnyUser, code: str) -> Scope:
    province = Province.objects.filter(code=code).first()
    if province is None:
        raise NotFound(
            _("Không có tỉnh mã “%(code)s”.") % {"code": code[:64]}, code="unknown_province"
        )
    if not report_provinces(user=user).filter(pk=province.pk).exists():
        raise NotAllowed(_("Bạn không có quyền xem số liệu của tỉnh này."), code="forbidden")
    return _province(province)


def _province(province: Province) -> Scope:
    centers = list(province.centers.filter(is_active=True).order_by("name"))
    return Scope("province", province.code, province.name, centers, province)


def public_center_scope(*, code: str) -> Scope:
    center = Center.objects.select_related("province").filter(code=code, is_active=True).first()
    if center is None:
        raise NotFound(
            _("Không có trung tâm mã “%(code)s”.") % {"code": code[:64]}, code="unknown_center"
        )
    return Scope("center", center.code, center.name, [center], center.province, center)


def public_province_scope(*, code: str) -> Scope:
    province = Province.objects.filter(code=code).first()
    if province is None:
        raise NotFound(
            _("Không có tỉnh mã “%(code)s”.") % {"code": code[:64]}, code="unknown_province"
        )
    return _province(province)


def public_scopes() -> list[Scope]:
    """Every province with its active centers, for the public index."""
    return [_province(province) for province in Province.objects.order_by("name")]


# --- The figures of a scope ----------------------------------------------------------------------


def summary(*, scope: Scope, period: Period, now: datetime) -> dict[str, Any]:
    return figures.summary(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now, tz=scope.tz
    )


def province_centers(*, scope: Scope, period: Period, now: datetime) -> list[dict[str, Any]]:
    """One row per center of the province, ranked by the on-time rate (then satisfaction):
    the dossier figures, the ratings' satisfaction rate and the mean wait."""
    ids = scope.center_ids
    rows = {
        row["id"]: row
        for row in figures.dossier_table(
            center_ids=ids, start=period.start, end=period.end, now=now, group="center"
        )
    }
    satisfaction = figures.satisfaction_by(
        center_ids=ids, start=period.start, end=period.end, group="center"
    )
    queue = figures.queue_stats(
        center_ids=ids, start=period.start, end=period.end, tz=scope.tz, group="center"
    )
    result = []
    for center in scope.centers:
        row = rows.get(center.pk) or {
            "id": center.pk,
            **figures._finish_dossier_row(figures._empty_dossier_row()),
        }
        row["label"] = center.name
        row["code"] = center.code
        row["satisfaction_rate"] = satisfaction.get(center.pk)
        waits = queue.get(center.pk, {})
        row["avg_wait_minutes"] = waits.get("avg_wait_minutes")
        row["tickets"] = waits.get("tickets", 0)
        result.append(row)
    return figures.ranked(result, "on_time_rate")
