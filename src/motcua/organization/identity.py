"""Who is calling: a staff member (bearer token or session) and/or a paired device.

Devices send ``X-Device-Token``, or carry the token in the signed, http-only ``motcua_device``
cookie set when the device's browser was paired (``/devices/pair/``). Session callers must pass
the CSRF check on unsafe methods.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.utils import check_csrf

from motcua.errors import NotAllowed
from motcua.organization.models import DeviceToken
from motcua.organization.selectors import api_token_authenticate, device_token_authenticate

DEVICE_COOKIE = "motcua_device"
DEVICE_COOKIE_SALT = "motcua.device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600


@dataclass(frozen=True)
class Caller:
    user: User | None
    device: DeviceToken | None


def device_from_request(request: HttpRequest) -> DeviceToken | None:
    raw = request.headers.get("X-Device-Token", "")
    if not raw:
        signed = request.COOKIES.get(DEVICE_COOKIE, "")
        if signed:
            try:
                raw = signing.loads(signed, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
            except signing.BadSignature:
                raw = ""
    return device_token_authenticate(raw=raw) if raw else None


_UNRESOLVED = object()


def caller(request: HttpRequest, device: DeviceToken | None | object = _UNRESOLVED) -> Caller:
    """The staff member and device behind a request (either may be None). ``device``: the
    request's device when the caller already resolved it (``device_from_request``)."""
    user: User | None = None
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        user = api_token_authenticate(raw=authorization[7:].strip())
        if user is None:
            raise NotAllowed(_("Mã truy cập không hợp lệ hoặc đã hết hạn."), code="invalid_token")
    elif request.user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
            raise NotAllowed(_("Thiếu mã bảo vệ CSRF; hãy tải lại trang."), code="csrf")
        user = request.user  # type: ignore[assignment]
    if device is _UNRESOLVED:
        device = device_from_request(request)
    return Caller(user=user, device=device)  # type: ignore[arg-type]


def device_cookie_value(raw: str) -> str:
    return signing.dumps(raw, salt=DEVICE_COOKIE_SALT)
