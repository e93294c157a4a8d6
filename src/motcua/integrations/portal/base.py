"""What a portal adapter does, and the registry that picks the configured one.

An adapter is named in ``PORTAL_ADAPTER`` (default ``http``: :class:`HttpPortal`, the contract
in docs/integrations.md). Another portal (a provincial one, a new national version) is one
more class registered with :func:`adapter_register`. When ``PORTAL_SYNC_URL`` is empty no
adapter is configured: nothing is queued for the portal and nothing is pulled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PortalError(Exception):
    """The portal did not take a request. ``permanent``: sending it again as it is cannot help
    (the item goes to the dead-letter list at once)."""

    def __init__(self, message: str, *, code: str = "error", permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class PortalAdapter(Protocol):
    def push_status(self, payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """Send one status change; return the portal's answer. Raise :class:`PortalError`."""
        ...

    def pull_submitted(self, *, unit_code: str, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """Dossiers submitted on the portal to the unit, after ``cursor``; and the next cursor."""
        ...

    def pull_catalog(self, *, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """Procedure records (national shape) changed after ``cursor``; and the next cursor."""
        ...


_ADAPTERS: dict[str, Callable[[], PortalAdapter]] = {}


def adapter_register(name: str, factory: Callable[[], PortalAdapter]) -> None:
    _ADAPTERS[name] = factory


def portal_configured() -> bool:
    return bool(getattr(settings, "PORTAL_SYNC_URL", ""))


def adapter_get() -> PortalAdapter | None:
    """The configured adapter, or ``None`` when the portal sync is off."""
    if not portal_configured():
        return None
    name = getattr(settings, "PORTAL_ADAPTER", "") or "http"
    if name not in _ADAPTERS:
        from motcua.integrations.portal import http  # noqa: F401 - registers "http"
    if name not in _ADAPTERS:
        raise ImproperlyConfigured(
            f"PORTAL_ADAPTER={name!r}: no such portal adapter (known: {sorted(_ADAPTERS)})"
        )
    return _ADAPTERS[name]()
