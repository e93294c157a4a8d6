"""Reads of integrations: the sync counts the 766 reports use, and the outbox for staff."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from motcua.dossiers.models import Dossier
from motcua.integrations.models import OutboxItem
from motcua.organization.selectors import ADMIN_ROLES, center_list_for_user


def sync_counts(*, center_ids: list[int] | None, start: datetime, end: datetime) -> dict[str, int]:
    """Decision 766's sync rate, as its two counts, for dossiers received in ``[start, end)``
    at ``center_ids`` (``None``: every center; the caller has scoped the list to the user):

    - ``received``: dossiers received (``received_at``) in the period, every channel;
    - ``synced``: those of them that have at least one status change queued for the portal
      and every one of them accepted by the portal (none pending, being sent or dead).

    A dossier received while the sync was not configured has nothing queued and is not synced.
    """
    dossiers = Dossier.objects.filter(received_at__gte=start, received_at__lt=end)
    if center_ids is not None:
        dossiers = dossiers.filter(center_id__in=center_ids)
    portal = OutboxItem.objects.filter(
        kind=OutboxItem.Kind.PORTAL_STATUS, dossier_id=OuterRef("pk")
    )
    counts = dossiers.aggregate(
        received=Count("pk"),
        synced=Count(
            "pk",
            filter=Q(Exists(portal))
            & ~Q(Exists(portal.exclude(status=OutboxItem.Status.DELIVERED))),
        ),
    )
    return {"received": counts["received"] or 0, "synced": counts["synced"] or 0}


def sync_rate(*, center_ids: list[int] | None, start: datetime, end: datetime) -> float | None:
    """``synced ÷ received`` (0–1) of :func:`sync_counts`; ``None`` when nothing was received."""
    counts = sync_counts(center_ids=center_ids, start=start, end=end)
    if not counts["received"]:
        return None
    return counts["synced"] / counts["received"]


def outbox_list(*, user: User, status: str = "", center_code: str = "") -> QuerySet[OutboxItem]:
    """Outbox items of the centers the user administers (center admin, province admin)."""
    centers = center_list_for_user(user=user, roles=ADMIN_ROLES)
    items = OutboxItem.objects.filter(center__in=centers).select_related(
        "center", "dossier", "subscription"
    )
    if status:
        items = items.filter(status=status)
    if center_code:
        items = items.filter(center__code=center_code)
    return items.order_by("-pk")


def outbox_get(*, user: User, pk: int) -> OutboxItem | None:
    return outbox_list(user=user).filter(pk=pk).first()


def outbox_summary(*, user: User) -> dict[str, int]:
    """How many items of the user's centers are in each status."""
    rows = outbox_list(user=user).order_by().values_list("status").annotate(n=Count("pk"))
    summary = {status: 0 for status in OutboxItem.Status.values}
    summary.update({status: n for status, n in rows})
    return summary
