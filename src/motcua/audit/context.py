"""The client address of the request being served, for audit rows written by services that
never see the request (a dossier's state change). Set by :class:`AuditContextMiddleware`."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from motcua.ratelimit import client_ip

current_ip: ContextVar[str] = ContextVar("motcua_audit_ip", default="")


class AuditContextMiddleware:
    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        if iscoroutinefunction(self):
            return self.__acall__(request)
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return await self.get_response(request)
        finally:
            current_ip.reset(token)
