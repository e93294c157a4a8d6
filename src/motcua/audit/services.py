"""Writing the audit log. ``audit_record`` is the one write; any app may call it (the audit
app imports only organization, so every app above may import it)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from motcua.audit.context import current_ip
from motcua.audit.models import Action, AuditEntry
from motcua.organization.models import Center
from motcua.ratelimit import client_ip

logger = logging.getLogger("motcua.audit")


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    object_type: str = "",
    object_key: str = "",
    center: Center | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Append one audit row. The client address comes from ``request``, else from the request
    being served (middleware), else stays empty (commands, the worker)."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    user = actor if actor is not None and actor.is_authenticated else None
    ip = client_ip(request) if request is not None else current_ip.get()
    entry = AuditEntry(
        actor=user,
        actor_name=(user.get_username() if user is not None else actor_name)[:150],
        actor_ip=ip[:64],
        action=action,
        object_type=object_type[:40],
        object_key=str(object_key)[:100],
        center=center,
        details=details or {},
    )
    if at is not None:
        entry.at = at
    entry.save()
    logger.info(
        "audit %s %s %s by %s from %s",
        action,
        object_type,
        object_key,
        entry.actor_name or "-",
        entry.actor_ip or "-",
    )
    return entry
