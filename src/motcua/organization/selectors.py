"""Reads of the organization, scoped to what the acting user may see."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.errors import NotFound
from motcua.organization.models import (
    PROVINCE_ROLES,
    ApiToken,
    Center,
    DeviceToken,
    Membership,
    Role,
    WorkingPeriod,
)
from motcua.rowread import JoinedRead
from motcua.workcalendar.calendar import DEFAULT_PERIODS, Period, WorkingCalendar
from motcua.workcalendar.selectors import calendar_build

AnyUser = User | AnonymousUser

# Roles that administer a center's configuration.
ADMIN_ROLES = frozenset({Role.CENTER_ADMIN, Role.PROVINCE_ADMIN})


def token_hash(raw: str) -> str:
    """Keyed hash under which device and API tokens are stored."""
    return hmac.new(settings.TOKEN_HASH_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def membership_list(*, user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related(
        "center", "center__province", "province", "department"
    )


def center_list_for_user(*, user: AnyUser, roles: Iterable[str] | None = None) -> QuerySet[Center]:
    """Centers where ``user`` holds one of ``roles`` (any role when None), directly or through
    a province role over the center's province. A superuser sees every center."""
    if _is_superuser(user):
        return Center.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Center.objects.none()
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    center_ids = memberships.filter(center__isnull=False).values("center_id")
    province_ids = memberships.filter(province__isnull=False, role__in=list(PROVINCE_ROLES)).values(
        "province_id"
    )
    return Center.objects.filter(Q(id__in=center_ids) | Q(province_id__in=province_ids))


def user_has_role(*, user: AnyUser, center: Center, roles: Iterable[str]) -> bool:
    return center_list_for_user(user=user, roles=roles).filter(pk=center.pk).exists()


def user_roles(*, user: AnyUser) -> list[str]:
    """The distinct roles the user holds anywhere, in the order of :class:`Role`."""
    held = set(membership_list(user=user).values_list("role", flat=True))
    return [role.value for role in Role if role.value in held]


def center_list_public() -> QuerySet[Center]:
    return Center.objects.filter(is_active=True).select_related("province")


def center_get_public(*, code: str) -> Center:
    try:
        return center_list_public().get(code=code)
    except Center.DoesNotExist:
        raise NotFound(_unknown_center(code), code="unknown_center") from None


def _unknown_center(code: str) -> str:
    from django.utils.translation import gettext as _

    return _("Không có trung tâm mã “%(code)s”.") % {"code": code}


def center_week(*, center: Center) -> tuple[tuple[tuple[Period, ...], ...], tuple[Period, ...]]:
    """The center's working periods per weekday and its standard working day (Monday's)."""
    rows = list(WorkingPeriod.objects.filter(center=center).order_by("weekday", "start"))
    if not rows:
        from motcua.workcalendar.calendar import DEFAULT_WEEK

        return DEFAULT_WEEK, DEFAULT_PERIODS
    days: list[list[Period]] = [[] for _ in range(7)]
    for row in rows:
        days[row.weekday].append((row.start, row.end))
    week = tuple(tuple(day) for day in days)
    return week, week[0] or DEFAULT_PERIODS


def center_now(*, center: Center, now: datetime | None = None) -> datetime:
    """``now`` (default: this instant) in the center's own time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(center.time_zone))


def center_calendar(*, center: Center) -> WorkingCalendar:
    """The working calendar that every deadline of this center is computed with."""
    week, standard = center_week(center=center)
    return calendar_build(
        center_code=center.code, tz=center.time_zone, week=week, standard_periods=standard
    )


# Read on every kiosk, display and counter request: one statement compiled once per process
# (motcua.rowread; the ORM compiled this select_related query anew each time). token_hash is
# unique; the counter is read when needed (a counter terminal).
_DEVICE_READ = JoinedRead(
    DeviceToken, ["center"], "m.token_hash = %s AND m.revoked_at IS NULL AND center.is_active = %s"
)


def device_token_authenticate(
    *, raw: str, purposes: Iterable[str] | None = None
) -> DeviceToken | None:
    """The active device token with this value (and one of ``purposes``), or None."""
    if not raw:
        return None
    device = _DEVICE_READ.first([token_hash(raw), True])
    if device is not None and purposes is not None and device.purpose not in set(purposes):
        device = None
    if device is not None:
        _touch(DeviceToken, device.pk, device.last_used_at)
    return device


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user behind a valid, unexpired, unrevoked API token, or None."""
    if not raw:
        return None
    rows = (
        ApiToken.objects.select_related("user")
        .filter(
            token_hash=token_hash(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .order_by()[:1]
    )
    token = next(iter(rows), None)
    if token is None:
        return None
    _touch(ApiToken, token.pk, token.last_used_at)
    return token.user


# A screen polls every few seconds: "last used" is kept to the nearest five minutes, not
# written on every request.
TOUCH_EVERY = timedelta(minutes=5)


def _touch(model: type[DeviceToken | ApiToken], pk: int, last_used_at: datetime | None) -> None:
    """Write "last used" when the row just read is older than ``TOUCH_EVERY`` (a kiosk issuing
    tickets all day writes it once every five minutes, not once a ticket; the query is not
    even built the other times)."""
    now = timezone.now()
    if last_used_at is not None and last_used_at >= now - TOUCH_EVERY:
        return
    model.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY), pk=pk
    ).update(last_used_at=now)
