"""The audit log viewer (/staff/audit/) and its Excel export."""

from __future__ import annotations

import io
from datetime import date
from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit.models import Action, AuditEntry
from motcua.audit.selectors import AuditFilters, audit_centers, audit_list, audit_may_view
from motcua.audit.services import audit_record

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 50_000


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> tuple[AuditFilters, list[str]]:
    errors: list[str] = []
    action = request.GET.get("action", "")
    if action and action not in Action.values:
        errors.append(_("Hành động không hợp lệ."))
        action = ""
    date_from = _date(request.GET.get("from", ""))
    date_to = _date(request.GET.get("to", ""))
    if request.GET.get("from", "").strip() and date_from is None:
        errors.append(_("Ngày bắt đầu không đúng định dạng."))
    if request.GET.get("to", "").strip() and date_to is None:
        errors.append(_("Ngày kết thúc không đúng định dạng."))
    if date_from and date_to and date_from > date_to:
        errors.append(_("Ngày bắt đầu phải trước ngày kết thúc."))
        date_from = date_to = None
    return (
        AuditFilters(
            actor=request.GET.get("actor", "").strip()[:150],
            action=action,
            object_key=request.GET.get("code", "").strip()[:100],
            center=request.GET.get("center", "").strip()[:50],
            date_from=date_from,
            date_to=date_to,
        ),
        errors,
    )


@login_required
def audit_list_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not audit_may_view(user=user):
        raise PermissionDenied
    filters, errors = _filters(request)
    rows = audit_list(user=user, filters=filters)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, user, filters, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "actions": Action.choices,
            "centers": audit_centers(user=user).order_by("name"),
            "query": query.urlencode(),
        },
    )


def _xlsx(request: HttpRequest, user: User, filters: AuditFilters, rows) -> HttpResponse:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new workbook always has one
        sheet = workbook.create_sheet()
    sheet.title = _("Nhật ký")[:31]
    header = [
        _("Lúc"),
        _("Người thực hiện"),
        _("Địa chỉ IP"),
        _("Hành động"),
        _("Loại đối tượng"),
        _("Mã đối tượng"),
        _("Trung tâm"),
        _("Chi tiết"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    labels = dict(Action.choices)
    for entry in rows[:EXPORT_MAX_ROWS]:
        entry = cast(AuditEntry, entry)
        sheet.append(
            [
                timezone.localtime(entry.at).replace(tzinfo=None),
                entry.actor_name,
                entry.actor_ip,
                str(labels.get(entry.action, entry.action)),
                entry.object_type,
                entry.object_key,
                entry.center.code if entry.center else "",
                _details_text(entry.details),
            ]
        )
        sheet.cell(row=sheet.max_row, column=1).number_format = "dd/mm/yyyy hh:mm:ss"
        count += 1
    for letter, width in zip("ABCDEFGH", (20, 18, 16, 28, 14, 22, 16, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit_record(
        actor=user,
        action=Action.EXPORT,
        object_type="audit_log",
        details={
            "rows": count,
            "filters": {
                "actor": filters.actor,
                "action": filters.action,
                "code": filters.object_key,
                "center": filters.center,
                "from": filters.date_from.isoformat() if filters.date_from else "",
                "to": filters.date_to.isoformat() if filters.date_to else "",
            },
        },
        request=request,
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.xlsx"'
    return response


def _details_text(details: dict) -> str:
    return "; ".join(f"{key}: {value}" for key, value in sorted(details.items()))
