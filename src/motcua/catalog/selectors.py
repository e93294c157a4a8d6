"""Reads of the catalog: search, listings, a procedure with everything, due dates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from motcua.catalog.models import (
    Channel,
    DocumentCase,
    Field,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    TimeUnit,
)
from motcua.catalog.search import Entry, Hit, SearchIndex, index_for
from motcua.errors import NotFound
from motcua.organization.models import Center
from motcua.workcalendar.calendar import (
    WorkingCalendar,
    add_calendar_days,
    add_working_time,
    next_working_time,
)


def field_list() -> QuerySet[Field]:
    """Fields that have active procedures, with how many."""
    return (
        Field.objects.annotate(
            procedure_count=Count("procedures", filter=Q(procedures__is_active=True))
        )
        .filter(procedure_count__gt=0)
        .order_by("search_name")
    )


def _catalog_stamp() -> tuple:
    return tuple(Procedure.objects.aggregate(Max("updated_at"), Count("id")).values())


def _build_index() -> SearchIndex:
    rows = Procedure.objects.filter(is_active=True).values_list(
        "id", "code", "search_name", "search_fields", "search_documents"
    )
    return SearchIndex(
        Entry(
            procedure_id=pk,
            name=name,
            name_length=len(name),
            documents=docs,
            code=code,
            tokens=(frozenset(name.split()), frozenset(fields.split()), frozenset(docs.split())),
        )
        for pk, code, name, fields, docs in rows
    )


def procedure_list(
    *,
    q: str = "",
    center: Center | None = None,
    field: Field | None = None,
    online: bool | None = None,
) -> tuple[QuerySet[Procedure], list[Hit]]:
    """Active procedures, filtered, and — with a query — ranked by the search.

    Returns the queryset (in rank order when searching: use :func:`in_rank_order`) and the hits.
    """
    procedures = Procedure.objects.filter(is_active=True, current_version__isnull=False)
    if center is not None:
        procedures = procedures.filter(centers__center=center, centers__is_active=True)
    if field is not None:
        procedures = procedures.filter(fields=field)
    if online is True:
        procedures = procedures.exclude(online_level="none")
    elif online is False:
        procedures = procedures.filter(online_level="none")
    if not q.strip():
        # The folded name sorts as Vietnamese readers expect (Đ with D, not after Z).
        return procedures.order_by("search_name", "code"), []
    index = index_for(_catalog_stamp(), _build_index)
    filtered = center is not None or field is not None or online is not None
    allowed = set(procedures.values_list("id", flat=True)) if filtered else None
    hits = index.search(q, allowed=allowed, limit=200)
    return procedures.filter(id__in=[hit.procedure_id for hit in hits]), hits


def in_rank_order(procedures: QuerySet[Procedure], hits: list[Hit]) -> list[Procedure]:
    rank = {hit.procedure_id: position for position, hit in enumerate(hits)}
    return sorted(procedures, key=lambda p: rank.get(p.pk, len(rank)))


def with_listing_data(procedures: QuerySet[Procedure]) -> QuerySet[Procedure]:
    """What a list item shows: fields, and the current version's times and fees."""
    return procedures.select_related("current_version").prefetch_related(
        "fields", "current_version__processing_times", "current_version__fees"
    )


def procedure_get(*, code: str) -> Procedure:
    procedure = (
        Procedure.objects.filter(code=code, current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related(
            "fields",
            "current_version__processing_times",
            "current_version__fees",
            Prefetch(
                "current_version__document_cases",
                queryset=DocumentCase.objects.prefetch_related("documents"),
            ),
            "centers__center",
        )
        .first()
    )
    if procedure is None:
        from django.utils.translation import gettext as _

        raise NotFound(
            _("Không có thủ tục mã “%(code)s”.") % {"code": code}, code="unknown_procedure"
        )
    return procedure


def portal_url(procedure: Procedure) -> str:
    """The procedure's page on the National Public Service Portal (by its base code)."""
    return (
        "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
        f"?ma_thu_tuc={procedure.base_code}"
    )


def processing_time_for(
    version: ProcedureVersion, channel: int = Channel.IN_PERSON
) -> ProcessingTime | None:
    """The statutory time for a channel; the in-person time when the channel has none."""
    times = {t.channel: t for t in version.processing_times.all()}
    return times.get(channel) or times.get(Channel.IN_PERSON) or next(iter(times.values()), None)


def due_at(calendar: WorkingCalendar, start: datetime, time: ProcessingTime) -> datetime:
    """When a dossier accepted at ``start`` must be resolved, by the working calendar."""
    value = Decimal(time.value)
    if time.unit == TimeUnit.WORKING_DAYS:
        return add_working_time(calendar, start, calendar.day_length * float(value))
    if time.unit == TimeUnit.WORKING_HOURS:
        return add_working_time(calendar, start, timedelta(hours=float(value)))
    if time.unit == TimeUnit.DAYS:
        # A part of a calendar day still takes that day.
        return add_calendar_days(calendar, start, math.ceil(value))
    # "Trong ngày" (within the day): by the end of the working day the dossier was received on
    # (the next working day's end when received after hours).
    begin = next_working_time(calendar, start)
    local = begin.astimezone(calendar.tz)
    last_end = calendar.periods_on(local.date())[-1][1]
    return datetime.combine(local.date(), last_end, tzinfo=calendar.tz)


@dataclass(frozen=True)
class ChannelInfo:
    channel: int
    label: str
    time: ProcessingTime | None
    fees: list


def procedure_channels(version: ProcedureVersion) -> list[ChannelInfo]:
    times = {t.channel: t for t in version.processing_times.all()}
    fees: dict[int, list] = {}
    for fee in version.fees.all():
        fees.setdefault(fee.channel, []).append(fee)
    return [
        ChannelInfo(channel, str(Channel(channel).label), times.get(channel), fees.get(channel, []))
        for channel in sorted(times)
    ]
