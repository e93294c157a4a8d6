"""API authentication: staff bearer tokens, staff sessions, device tokens."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from motcua.organization.selectors import api_token_authenticate, device_token_authenticate


class StaffBearer(HttpBearer):
    """``Authorization: Bearer <token>`` from ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user  # type: ignore[assignment]
        return user


class DeviceKey(APIKeyHeader):
    """``X-Device-Token: <token>`` for kiosks, displays, counter terminals and rating tablets."""

    param_name = "X-Device-Token"

    def __init__(self, *purposes: str) -> None:
        self.purposes = purposes or None
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        device = device_token_authenticate(raw=key or "", purposes=self.purposes)
        if device is not None:
            request.device = device  # type: ignore[attr-defined]
        return device


# Staff calls: a bearer token, or the browser session (with CSRF) of a logged-in user.
staff_auth = [StaffBearer(), django_auth]
