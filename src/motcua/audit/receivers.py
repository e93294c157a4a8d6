"""Failed and locked log-ins go to the audit log (Django's and django-axes' signals)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from motcua.audit.models import Action
from motcua.audit.services import audit_record


def _where(request: Any) -> dict[str, str]:
    path = getattr(request, "path", "") or ""
    return {"path": path[:200]}


@receiver(user_login_failed, dispatch_uid="motcua_audit_login_failed")
def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    if request is None:  # no request, no address: a shell or the test client's login()
        return
    audit_record(
        actor=None,
        actor_name=str(credentials.get("username", ""))[:150],
        action=Action.LOGIN_FAILED,
        object_type="user",
        object_key=str(credentials.get("username", ""))[:100],
        details=_where(request),
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="motcua_audit_login_locked")
def on_locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    if request is None:
        return
    audit_record(
        actor=None,
        actor_name=(username or "")[:150],
        action=Action.LOGIN_LOCKED,
        object_type="user",
        object_key=(username or "")[:100],
        details=_where(request),
        request=request,
    )
