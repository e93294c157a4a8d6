"""Public catalog pages and the kiosk's lookup screen."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Channel, Field
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
from motcua.errors import NotFound
from motcua.organization.models import Center
from motcua.organization.selectors import center_calendar, center_list_public

PAGE_SIZE = 20


def _qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, dark="#14181f", title=url, omitsize=True)


def _search(request: HttpRequest, center: Center | None):
    q = request.GET.get("q", "").strip()[:200]
    field = None
    if request.GET.get("field"):
        field = Field.objects.filter(code=request.GET["field"]).first()
    queryset, hits = procedure_list(q=q, center=center, field=field)
    if q:
        items = in_rank_order(with_listing_data(queryset), hits)
    else:
        items = list(with_listing_data(queryset)) if field else []
    return q, field, items


def _decorate(procedures):
    """Each procedure with its in-person time and fees, for list rows."""
    rows = []
    for procedure in procedures:
        version = procedure.current_version
        time = processing_time_for(version, Channel.IN_PERSON) if version else None
        fees = (
            [f for f in version.fees.all() if time and f.channel == time.channel] if version else []
        )
        rows.append({"procedure": procedure, "time": time, "fees": fees})
    return rows


def procedure_list_page(request: HttpRequest) -> HttpResponse:
    centers = list(center_list_public())
    center = next((c for c in centers if c.code == request.GET.get("center")), None)
    q, field, items = _search(request, center)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "q": q,
        "field": field,
        "fields": field_list(),
        "centers": centers,
        "center": center,
        "page": page,
        "rows": _decorate(page.object_list),
        "searched": bool(q or field),
    }
    return render(request, "catalog/procedure_list.html", context)


def procedure_detail_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        procedure = procedure_get(code=code)
    except NotFound:
        raise Http404(_("Không có thủ tục này.")) from None
    context = _detail_context(request, procedure, center_code=request.GET.get("center", ""))
    return render(request, "catalog/procedure_detail.html", context)


def _detail_context(
    request: HttpRequest, procedure, center_code: str, fixed: Center | None = None
) -> dict:
    """``fixed``: the kiosk's own center, whatever else handles the procedure."""
    version = procedure.current_version
    handling = [cp.center for cp in procedure.centers.all() if cp.is_active]
    centers = handling or list(center_list_public())
    center = fixed or next(
        (c for c in centers if c.code == center_code), centers[0] if centers else None
    )
    due = None
    time = processing_time_for(version, Channel.IN_PERSON)
    if center is not None and time is not None:
        calendar = center_calendar(center=center)
        due = due_at(calendar, timezone.now(), time).astimezone(calendar.tz)
    url = portal_url(procedure)
    return {
        "procedure": procedure,
        "version": version,
        "channels": procedure_channels(version),
        "cases": version.document_cases.all(),
        "centers": centers,
        "center": center,
        "due": due,
        # Shown in the center's own zone, whatever the server's.
        "due_hour": f"{due:%H:%M}" if due else "",
        "due_day": f"{due:%d/%m/%Y}" if due else "",
        "time": time,
        "portal_url": url,
        "qr_svg": _qr_svg(url),
    }


# --- Kiosk lookup screen --------------------------------------------------------------------


def _kiosk_center(code: str) -> Center:
    center = center_list_public().filter(code=code).first()
    if center is None:
        raise Http404(_("Không có trung tâm này."))
    return center


KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
KIOSK_PAGE_SIZE = 20


def kiosk_lookup(request: HttpRequest, center: str) -> HttpResponse:
    center_obj = _kiosk_center(center)
    q, field, items = _search(request, center_obj)
    page = Paginator(items, KIOSK_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "center": center_obj,
        "fields": field_list().filter(procedures__centers__center=center_obj).distinct(),
        "q": q,
        "field": field,
        "rows": _decorate(page.object_list),
        "page": page,
        "searched": bool(q or field),
        "keyboard": KEYBOARD_ROWS,
        "digits": "1234567890",
    }
    # htmx asks for the results only (the on-screen keyboard updates them as one types).
    partial = request.headers.get("HX-Request") == "true"
    template = "catalog/kiosk_results.html" if partial else "catalog/kiosk_lookup.html"
    return render(request, template, context)


def kiosk_procedure(request: HttpRequest, center: str, code: str) -> HttpResponse:
    center_obj = _kiosk_center(center)
    try:
        procedure = procedure_get(code=code)
    except NotFound:
        raise Http404(_("Không có thủ tục này.")) from None
    context = _detail_context(request, procedure, center_code=center_obj.code, fixed=center_obj)
    return render(request, "catalog/kiosk_procedure.html", context)
