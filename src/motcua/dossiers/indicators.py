"""The dossier side of the report figures and the Decision 766 indicators, shared by feedback
and reporting (owned by reporting; see docs/reports.md for every formula).

A dossier *counts as late* for 766 when its result came after its due time (``timeliness`` is
``late``; the due time already excludes the time the clock stood for a supplement) **or** the
center asked the citizen for a supplement more than once during processing.

A dossier is *in progress at* a moment ``t`` when it was accepted before ``t`` and had no
result yet at ``t``: either it is still open now (a status of :data:`IN_PROCESS`, no result),
or its result came at or after ``t``. Dossiers refused after review, withdrawn or stopped are
left out (the moment they closed is not kept on the row). It is *overdue at* ``t`` when its
due time is before ``t``.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.dossiers.models import Dossier, DossierFile, Timeliness
from motcua.dossiers.workflow import IN_PROCESS


def late_766_q() -> Q:
    """Q over Dossier: late for 766 (late result, or more than one supplement request)."""
    return Q(timeliness=Timeliness.LATE) | Q(supplements_during_processing__gt=1)


def _centers(dossiers: QuerySet[Dossier], center_ids: list[int] | None) -> QuerySet[Dossier]:
    return dossiers if center_ids is None else dossiers.filter(center_id__in=center_ids)


def processed_between(
    *, center_ids: list[int] | None, start: datetime, end: datetime
) -> QuerySet[Dossier]:
    """Dossiers whose result came out in [start, end): the base of the 766 rates."""
    dossiers = Dossier.objects.filter(processed_at__gte=start, processed_at__lt=end)
    return _centers(dossiers, center_ids)


def received_between(
    *, center_ids: list[int] | None, start: datetime, end: datetime
) -> QuerySet[Dossier]:
    """Dossiers received in [start, end), whatever became of them (the base of the online rate)."""
    dossiers = Dossier.objects.filter(received_at__gte=start, received_at__lt=end)
    return _centers(dossiers, center_ids)


def open_now_q(moment: datetime) -> Q:
    """Q over Dossier: accepted before ``moment`` and still open now (no result yet)."""
    return Q(accepted_at__lt=moment, processed_at__isnull=True, status__in=sorted(IN_PROCESS))


def resolved_after_q(moment: datetime) -> Q:
    """Q over Dossier: accepted before ``moment``, its result came at or after ``moment``."""
    return Q(accepted_at__lt=moment, processed_at__gte=moment)


def in_progress_at_q(moment: datetime) -> Q:
    """Q over Dossier: accepted before ``moment`` and without a result at ``moment`` (the two
    parts never overlap, so they may also be counted apart and added)."""
    return open_now_q(moment) | resolved_after_q(moment)


def in_progress_at(*, center_ids: list[int] | None, moment: datetime) -> QuerySet[Dossier]:
    """Dossiers being processed at ``moment`` (see the module's note)."""
    return _centers(Dossier.objects.filter(in_progress_at_q(moment)), center_ids)


def overdue_at_q(moment: datetime) -> Q:
    """Q over dossiers in progress at ``moment``: past their due time then."""
    return Q(due_at__lt=moment)


def open_late_766_q(moment: datetime) -> Q:
    """Q over dossiers in progress at ``moment``: already late for 766 then (overdue, or asked
    for a supplement more than once)."""
    return overdue_at_q(moment) | Q(supplements_during_processing__gt=1)


def digitised_q() -> Q:
    """Q over Dossier: digitised for 766: at least one scanned or uploaded document (a file that
    is not the result) *and* an electronic result (a result file)."""
    scans = DossierFile.objects.filter(dossier=OuterRef("pk"), is_result=False)
    results = DossierFile.objects.filter(dossier=OuterRef("pk"), is_result=True)
    return Q(Exists(scans)) & Q(Exists(results))
