"""Public API of the catalog: fields, procedure search and listing, a procedure in full."""

from __future__ import annotations

import math
from typing import cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from motcua.catalog.models import Channel, Field, Procedure, ProcedureVersion
from motcua.catalog.selectors import (
    due_at,
    field_list,
    in_rank_order,
    portal_url,
    procedure_channels,
    procedure_get,
    procedure_list,
    processing_time_for,
    with_listing_data,
)
from motcua.errors import InvalidInput, NotFound
from motcua.organization.selectors import center_calendar, center_get_public

router = Router(tags=["catalog"])
PAGE_SIZE = 20


class ErrorOut(Schema):
    code: str
    message: str


class FieldOut(Schema):
    code: str
    name: str
    procedure_count: int


class TimeOut(Schema):
    value: float
    unit: str
    note: str = ""


class FeeOut(Schema):
    kind: str
    amount_vnd: int | None
    description: str


class FieldRef(Schema):
    code: str
    name: str


class ProcedureItem(Schema):
    code: str
    name: str
    field: FieldRef | None
    fields: list[FieldRef]
    processing_time: TimeOut | None
    fees: list[FeeOut]
    online_level: str
    score: float | None = None


class ProcedurePage(Schema):
    items: list[ProcedureItem]
    count: int
    page: int
    pages: int


def _time_out(time) -> TimeOut | None:
    if time is None:
        return None
    return TimeOut(value=float(time.value), unit=time.unit, note=time.note)


def _item(procedure: Procedure, score: float | None = None) -> ProcedureItem:
    # Listings only hold procedures that have a version.
    version = cast(ProcedureVersion, procedure.current_version)
    fields = [FieldRef(code=f.code, name=f.name) for f in procedure.fields.all()]
    time = processing_time_for(version)
    fees = [f for f in version.fees.all() if time is None or f.channel == time.channel]
    return ProcedureItem(
        code=procedure.code,
        name=procedure.name,
        field=fields[0] if fields else None,
        fields=fields,
        processing_time=_time_out(time),
        fees=[
            FeeOut(kind=f.kind, amount_vnd=f.amount_vnd, description=f.description) for f in fees
        ],
        online_level=procedure.online_level,
        score=score,
    )


@router.get("fields", response=list[FieldOut], auth=None)
def fields(request: HttpRequest) -> list[FieldOut]:
    """Fields (lĩnh vực) that have procedures, with how many."""
    return [
        FieldOut(
            code=f.code,
            name=f.name,
            procedure_count=f.procedure_count,  # type: ignore[attr-defined]
        )
        for f in field_list()
    ]


@router.get("procedures", response={200: ProcedurePage, 400: ErrorOut, 404: ErrorOut}, auth=None)
def procedures(
    request: HttpRequest,
    q: str = "",
    center: str = "",
    field: str = "",
    online: bool | None = None,
    page: int = 1,
) -> ProcedurePage:
    """Search (forgiving: no diacritics needed, any word order, small typos) or list procedures."""
    if page < 1:
        raise InvalidInput(_("Số trang phải từ 1 trở lên."), code="invalid_page")
    if len(q) > 200:
        raise InvalidInput(_("Từ khóa quá dài (tối đa 200 ký tự)."), code="invalid_query")
    center_obj = center_get_public(code=center) if center else None
    field_obj = None
    if field:
        field_obj = Field.objects.filter(code=field).first()
        if field_obj is None:
            raise NotFound(
                _("Không có lĩnh vực mã “%(code)s”.") % {"code": field}, code="unknown_field"
            )
    queryset, hits = procedure_list(q=q, center=center_obj, field=field_obj, online=online)
    scores = {hit.procedure_id: hit.score for hit in hits}
    if hits:
        present = set(queryset.values_list("id", flat=True))
        ranked_ids = [hit.procedure_id for hit in hits if hit.procedure_id in present]
        count = len(ranked_ids)
        page_ids = ranked_ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        page_items = in_rank_order(with_listing_data(queryset.filter(id__in=page_ids)), hits)
    else:
        count = 0 if q.strip() else queryset.count()
        page_items = (
            []
            if q.strip()
            else list(with_listing_data(queryset)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        )
    return ProcedurePage(
        items=[_item(p, scores.get(p.pk)) for p in page_items],
        count=count,
        page=page,
        pages=max(1, math.ceil(count / PAGE_SIZE)),
    )


class DocumentOut(Schema):
    id: int
    name: str
    originals: int
    copies: int
    form_name: str
    form_url: str


class CaseOut(Schema):
    name: str
    documents: list[DocumentOut]


class ChannelOut(Schema):
    channel: int
    label: str
    processing_time: TimeOut | None
    fees: list[FeeOut]


class CenterRef(Schema):
    code: str
    name: str


class ProcedureDetail(Schema):
    code: str
    base_code: str
    name: str
    version: int
    level: str
    fields: list[FieldRef]
    implementing_agency: str
    steps: str
    conditions: str
    result: str
    legal_basis: list[dict]
    online_level: str
    channels: list[ChannelOut]
    document_cases: list[CaseOut]
    centers: list[CenterRef]
    portal_url: str
    due_if_received_now: str | None = None


@router.get("procedures/{code}", response={200: ProcedureDetail, 404: ErrorOut}, auth=None)
def procedure_detail(
    request: HttpRequest, code: str, center: str = "", channel: int = Channel.IN_PERSON
) -> ProcedureDetail:
    """Everything about a procedure; with ``center``, when a dossier received now is due."""
    procedure = procedure_get(code=code)
    version = cast(ProcedureVersion, procedure.current_version)
    due = None
    if center:
        center_obj = center_get_public(code=center)
        time = processing_time_for(version, channel)
        if time is not None:
            due = due_at(center_calendar(center=center_obj), timezone.now(), time).isoformat()
    return ProcedureDetail(
        code=procedure.code,
        base_code=procedure.base_code,
        name=procedure.name,
        version=version.number,
        level=version.level,
        fields=[FieldRef(code=f.code, name=f.name) for f in procedure.fields.all()],
        implementing_agency=version.implementing_agency,
        steps=version.steps,
        conditions=version.conditions,
        result=version.result,
        legal_basis=version.legal_basis,
        online_level=version.online_level,
        channels=[
            ChannelOut(
                channel=info.channel,
                label=info.label,
                processing_time=_time_out(info.time),
                fees=[
                    FeeOut(kind=f.kind, amount_vnd=f.amount_vnd, description=f.description)
                    for f in info.fees
                ],
            )
            for info in procedure_channels(version)
        ],
        document_cases=[
            CaseOut(
                name=case.name,
                documents=[
                    DocumentOut(
                        id=d.pk,
                        name=d.name,
                        originals=d.originals,
                        copies=d.copies,
                        form_name=d.form_name,
                        form_url=d.form_file.url if d.form_file else d.form_url,
                    )
                    for d in case.documents.all()
                ],
            )
            for case in version.document_cases.all()
        ],
        centers=[
            CenterRef(code=cp.center.code, name=cp.center.name)
            for cp in procedure.centers.all()
            if cp.is_active
        ],
        portal_url=portal_url(procedure),
        due_if_received_now=due,
    )
