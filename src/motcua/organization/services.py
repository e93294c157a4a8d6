"""Writes to the organization: tokens, working hours, memberships."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import time, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.errors import InvalidInput, NotAllowed
from motcua.organization.lockout import LockedOut, is_locked_out, lockout_message
from motcua.organization.models import (
    CENTER_ONLY_ROLES,
    PROVINCE_ONLY_ROLES,
    ApiToken,
    Center,
    Counter,
    Department,
    DeviceToken,
    Membership,
    Province,
    Role,
    WorkingPeriod,
)
from motcua.organization.selectors import ADMIN_ROLES, token_hash, user_has_role
from motcua.workcalendar.calendar import CalendarError, check_periods

API_TOKEN_LIFETIME = timedelta(days=30)


def _new_token(kind: str) -> tuple[str, str]:
    """A fresh random token and its short, non-secret prefix for display."""
    body = secrets.token_urlsafe(32)
    return f"mc{kind}_{body}", body[:8]


def _require_admin(actor: User, center: Center) -> None:
    if not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm này được làm việc này."))


def device_token_create(
    *,
    actor: User,
    center: Center,
    purpose: str,
    name: str,
    counter: Counter | None = None,
) -> tuple[DeviceToken, str]:
    """Create a device token; returns it with the raw token, which is shown only this once."""
    device_token_check(actor=actor, center=center, purpose=purpose, name=name, counter=counter)
    raw, prefix = _new_token("d")
    device = DeviceToken.objects.create(
        center=center,
        purpose=purpose,
        name=name.strip(),
        counter=counter,
        prefix=prefix,
        token_hash=token_hash(raw),
        created_by=actor if actor.is_authenticated else None,
    )
    return device, raw


def device_token_check(
    *, actor: User, center: Center, purpose: str, name: str, counter: Counter | None = None
) -> None:
    """Refuse a device token that ``device_token_create`` would refuse (for forms)."""
    _require_admin(actor, center)
    if purpose not in DeviceToken.Purpose.values:
        raise InvalidInput(_("Mục đích thiết bị không hợp lệ."))
    if not name.strip():
        raise InvalidInput(_("Hãy đặt tên cho thiết bị."))
    needs_counter = purpose in {
        DeviceToken.Purpose.COUNTER_TERMINAL,
        DeviceToken.Purpose.RATING_TABLET,
    }
    if needs_counter and counter is None:
        raise InvalidInput(_("Thiết bị tại quầy phải gắn với một quầy."))
    if counter is not None and counter.center_id != center.pk:
        raise InvalidInput(_("Quầy không thuộc trung tâm này."))


def device_token_revoke(*, actor: User, device: DeviceToken) -> DeviceToken:
    _require_admin(actor, device.center)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
    return device


def api_token_issue(
    *, username: str, password: str, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Exchange a staff member's credentials for a bearer token. With the ``request`` (the
    API always passes it) failures count towards the log-in lock-out, and a locked user name
    + address is refused with :class:`LockedOut` (429) whatever the password."""
    user = authenticate(request, username=username, password=password)
    if is_locked_out(request):
        raise LockedOut(lockout_message())
    if user is None or not user.is_active:
        raise NotAllowed(_("Tên đăng nhập hoặc mật khẩu không đúng."), code="invalid_credentials")
    if not (user.is_superuser or Membership.objects.filter(user=user).exists()):
        raise NotAllowed(_("Tài khoản này chưa được giao vai trò nào."), code="no_role")
    raw, prefix = _new_token("u")
    token = ApiToken.objects.create(
        user=user,
        prefix=prefix,
        token_hash=token_hash(raw),
        expires_at=timezone.now() + API_TOKEN_LIFETIME,
    )
    return token, raw


def working_periods_set(
    *, actor: User, center: Center, week: Sequence[Sequence[tuple[time, time]]]
) -> None:
    """Replace a center's working periods (seven lists, Monday first)."""
    _require_admin(actor, center)
    if len(week) != 7:
        raise InvalidInput(_("Cần giờ làm việc cho đủ bảy ngày trong tuần."))
    try:
        for periods in week:
            check_periods(tuple(periods))
    except CalendarError:
        raise InvalidInput(
            _(
                "Các khoảng giờ làm việc phải theo thứ tự, không chồng lên nhau và kết thúc sau khi bắt đầu."
            )
        ) from None
    if not week[0]:
        raise InvalidInput(_("Thứ Hai là ngày làm việc chuẩn và phải có giờ làm việc."))
    with transaction.atomic():
        WorkingPeriod.objects.filter(center=center).delete()
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(center=center, weekday=weekday, start=start, end=end)
            for weekday, periods in enumerate(week)
            for start, end in periods
        )
        from motcua.queueing.cache import settings_changed

        settings_changed(center_ids=[center.pk])


def membership_check(
    *,
    actor: User | None,
    role: str,
    center: Center | None = None,
    province: Province | None = None,
    department: Department | None = None,
) -> None:
    """Refuse a role that does not fit its scope, or that ``actor`` may not give.

    ``actor`` None is the system itself (set-up commands). Otherwise a center's roles are given
    by that center's admins (or its province's admins), province roles by admins of that province.
    """
    if role not in Role.values:
        raise InvalidInput(_("Vai trò không hợp lệ."))
    if center is not None and province is not None:
        raise InvalidInput(_("Chọn trung tâm hoặc tỉnh, không chọn cả hai."))
    if role in PROVINCE_ONLY_ROLES and province is None:
        raise InvalidInput(_("Vai trò cấp tỉnh cần chọn tỉnh."))
    if role in CENTER_ONLY_ROLES and center is None:
        raise InvalidInput(_("Vai trò này cần chọn trung tâm."))
    if center is None and province is None:
        raise InvalidInput(_("Chọn một trung tâm, hoặc một tỉnh cho vai trò cấp tỉnh."))
    if department is not None and (center is None or department.center_id != center.pk):
        raise InvalidInput(_("Phòng chuyên môn không thuộc trung tâm đã chọn."))
    if actor is None:
        return
    if center is not None:
        _require_admin(actor, center)
    elif not (
        actor.is_superuser
        or Membership.objects.filter(
            user=actor, role=Role.PROVINCE_ADMIN, province=province
        ).exists()
    ):
        raise NotAllowed(_("Chỉ quản trị cấp tỉnh được giao vai trò cấp tỉnh."))


def membership_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    center: Center | None = None,
    province: Province | None = None,
    department: Department | None = None,
) -> Membership:
    """Give ``user`` a role at a center (or a province role over a province)."""
    membership_check(
        actor=actor, role=role, center=center, province=province, department=department
    )
    membership, created = Membership.objects.get_or_create(
        user=user,
        role=role,
        center=center,
        province=province,
        defaults={"department": department},
    )
    if not created and department is not None and membership.department_id != department.pk:
        membership.department = department
        membership.save(update_fields=["department"])
    user_sync_staff_flag(user=user)
    return membership


def user_sync_staff_flag(*, user: User) -> None:
    """Center and province admins (and only they, besides superusers) enter the Django admin."""
    should = (
        user.is_superuser or Membership.objects.filter(user=user, role__in=ADMIN_ROLES).exists()
    )
    if user.is_staff != should:
        user.is_staff = should
        user.save(update_fields=["is_staff"])
