"""Log-in lock-out (django-axes): after ``AXES_FAILURE_LIMIT`` wrong passwords for one user
name from one client address, that pair is refused for ``AXES_COOLOFF_TIME``.

Counts live in the cache (Redis when ``REDIS_URL`` is set, so every application process sees
them). The staff log-in page, the admin log-in and ``POST /api/v1/auth/token`` all go through
Django's ``authenticate(request, ...)`` and so through :class:`LockoutBackend`; the refusal is
HTTP 429 with a message (JSON ``{"code": "locked_out"}`` under ``/api/``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from motcua.errors import ServiceError


class LockedOut(ServiceError):
    status = 429
    code = "locked_out"


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    if isinstance(cool_off, timedelta):
        return max(1, int(cool_off.total_seconds() // 60))
    return max(1, int(float(cool_off) * 60))


def lockout_message() -> str:
    return _(
        "Đăng nhập bị tạm khóa vì nhập sai mật khẩu quá nhiều lần. "
        "Xin thử lại sau %(minutes)s phút hoặc liên hệ quản trị trung tâm."
    ) % {"minutes": lockout_minutes()}


def is_locked_out(request: HttpRequest | None) -> bool:
    """Whether the last ``authenticate(request, ...)`` was refused or counted as the one that
    locks (set by django-axes on the request)."""
    return bool(getattr(request, "axes_locked_out", False))


class LockoutBackend(AxesStandaloneBackend):
    """Refuses log-ins of a locked user name + address. Log-ins made without a request (the
    test client's ``login()``, a shell) have no address to count and are not checked."""

    def authenticate(  # type: ignore[override]
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' ``AXES_LOCKOUT_CALLABLE``: 429 with the message, as JSON for the API, as
    the log-in page (with the message) otherwise."""
    message = lockout_message()
    retry = str(lockout_minutes() * 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": LockedOut.code, "message": message},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        form = AuthenticationForm(request)
        response = render(
            request,
            "web/login.html",
            {"form": form, "locked_out_message": message, "next": request.POST.get("next", "")},
            status=429,
        )
    response["Retry-After"] = retry
    return response


def lockout_reset_all() -> None:
    """Forget every lock-out count (tests; an operator after a false alarm). Only the
    lock-out cache is touched."""
    cache = caches[settings.AXES_CACHE]
    backend = type(cache).__name__
    if backend == "LocMemCache":
        cache.clear()
        return
    # Redis: delete only this cache's keys (its own key prefix), never the whole database.
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    pattern = cache.make_key("*")
    for key in client.scan_iter(match=pattern):
        client.delete(key)
