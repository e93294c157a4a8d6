"""Staff downloads of the issued forms (01–04, PDF), form 05 issued afresh on each request,
and the tracking register (form 06) as a page and as a spreadsheet.

A form is served to staff who may see its dossier, logged in or with an API bearer token;
anyone else gets the same 404 as for a dossier that does not exist.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_safe

from motcua.audit.models import Action as AuditAction
from motcua.audit.services import audit_record
from motcua.catalog.models import Field
from motcua.dossiers import forms_pdf as forms
from motcua.dossiers.forms_process import form05_issue
from motcua.dossiers.models import Dossier, FormRecord, ResultDelivery
from motcua.dossiers.selectors import (
    FULL_VIEW_ROLES,
    dossier_get_for_user,
    register_fields,
    register_rows,
    register_years,
)
from motcua.dossiers.services import dossier_personal_data_viewed
from motcua.errors import Conflict, NotAllowed, NotFound
from motcua.organization.identity import caller
from motcua.organization.models import Center
from motcua.organization.selectors import center_list_for_user, center_now

logger = logging.getLogger("motcua.dossiers.access")

REGISTER_PAGE_SIZE = 100


# --- Forms 01–05 -----------------------------------------------------------------------------


def _unauthorized(message: str) -> HttpResponse:
    response = HttpResponse(message, status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


def _staff_dossier(request: HttpRequest, code: str) -> tuple[User, Dossier] | HttpResponse:
    """The caller (session or bearer token) and the dossier they may see; otherwise the answer
    to give: 401 for a bad token or a program without one, the log-in page for a browser, 404
    for anyone who may not see the dossier (as for one that does not exist)."""
    try:
        user = caller(request).user
    except NotAllowed as error:  # a bearer token that is wrong, revoked or expired
        return _unauthorized(error.message)
    if user is None:
        # A browser goes to the log-in page and comes back; a program is told to authenticate.
        accept = request.headers.get("Accept", "")
        if accept and "text/html" not in accept:
            return _unauthorized(_("Cần đăng nhập hoặc mã truy cập (Bearer)."))
        return redirect_to_login(request.get_full_path())
    try:
        return user, dossier_get_for_user(user=user, code=code)
    except NotFound as error:
        raise Http404(error.message) from error


def _pdf_response(data: bytes, record: FormRecord) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{forms.form_filename(record)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def form_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """An issued form's PDF, inline. Rendered on the first request and stored; later requests
    get the stored document unchanged."""
    found = _staff_dossier(request, code)
    if isinstance(found, HttpResponse):
        return found
    user, dossier = found
    record = (
        FormRecord.objects.select_related("dossier", "dossier__center", "issued_by")
        .filter(pk=pk, dossier=dossier)
        .first()
    )
    if record is None:
        raise Http404(_("Không có phiếu này."))
    data = forms.form_pdf(record)
    logger.info("user %s downloaded form %s (%s) of %s", user.pk, record.pk, record.form, code)
    dossier_personal_data_viewed(
        actor=user, dossier=dossier, what=f"form {record.form} #{record.pk}", request=request
    )
    return _pdf_response(data, record)


@require_GET
def form05(request: HttpRequest, code: str) -> HttpResponse:
    """Form 05 as the dossier stands now: each request issues a new slip (its own number; the
    record keeps the PDF of that moment) and answers it inline."""
    found = _staff_dossier(request, code)
    if isinstance(found, HttpResponse):
        return found
    user, dossier = found
    try:
        record, data = form05_issue(actor=user, dossier=dossier)
    except Conflict as error:
        return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
    logger.info("user %s issued form 05 %s of %s", user.pk, record.display_number, code)
    dossier_personal_data_viewed(
        actor=user, dossier=dossier, what=f"form 05 {record.display_number}", request=request
    )
    return _pdf_response(data, record)


# --- Register (form 06) ---------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


class _Filters:
    """The register's center, year and field from the query string, with the messages of
    whatever was not understood (and then not applied)."""

    def __init__(self, request: HttpRequest) -> None:
        self.errors: list[str] = []
        centers = list(center_list_for_user(user=_user(request), roles=FULL_VIEW_ROLES))
        if not centers:
            raise Http404
        wanted = request.GET.get("center", "").strip()
        chosen = next((c for c in centers if c.code == wanted), None)
        if wanted and chosen is None:
            raise Http404
        self.centers = centers
        self.center: Center = chosen or centers[0]
        self.today = center_now(center=self.center).date()
        self.year = self.today.year
        raw_year = request.GET.get("year", "").strip()
        if raw_year:
            if raw_year.isdigit() and 2000 <= int(raw_year) <= self.today.year + 1:
                self.year = int(raw_year)
            else:
                self.errors.append(
                    _("Năm “%(year)s” không hợp lệ; đang hiển thị năm %(current)s.")
                    % {"year": raw_year[:10], "current": self.year}
                )
        self.fields = list(register_fields(center=self.center))
        self.field: Field | None = None
        raw_field = request.GET.get("field", "").strip()
        if raw_field:
            self.field = next((f for f in self.fields if f.code == raw_field), None)
            if self.field is None:
                self.errors.append(
                    _(
                        "Trung tâm chưa có hồ sơ thuộc lĩnh vực mã “%(code)s”; "
                        "đang hiển thị mọi lĩnh vực."
                    )
                    % {"code": raw_field[:64]}
                )
        self.years = sorted(set(register_years(center=self.center)) | {self.today.year, self.year})

    def rows(self, user: User):
        try:
            return register_rows(
                user=user,
                center=self.center,
                year=self.year,
                field_code=self.field.code if self.field else "",
            )
        except NotAllowed as error:
            raise Http404 from error

    def query(self, **extra: Any) -> str:
        from urllib.parse import urlencode

        params = {"center": self.center.code, "year": self.year}
        if self.field:
            params["field"] = self.field.code
        params.update(extra)
        return urlencode(params)


def _how_returned(dossier: Dossier) -> str:
    if dossier.returned_at is None:
        return ""
    return str(ResultDelivery(dossier.result_delivery).label)


@login_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    """Form 06: the center's dossiers received in a year (one field or all), in order."""
    filters = _Filters(request)
    page = Paginator(filters.rows(_user(request)), REGISTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "order": page.start_index() + index,
            "dossier": dossier,
            "how_returned": _how_returned(dossier),
        }
        for index, dossier in enumerate(page.object_list)
    ]
    logger.info(
        "user %s viewed the register of %s %s page %s",
        request.user.pk,
        filters.center.code,
        filters.year,
        page.number,
    )
    audit_record(
        actor=_user(request),
        action=AuditAction.VIEW_PERSONAL_DATA,
        object_type="register",
        object_key=f"{filters.center.code}/{filters.year}",
        center=filters.center,
        details={"what": "form 06", "page": page.number},
        request=request,
    )
    return render(
        request,
        "dossiers/register.html",
        {
            "filters": filters,
            "center": filters.center,
            "page": page,
            "rows": rows,
            "query": filters.query(),
        },
    )


COLUMNS = [
    # (title, width in characters)
    (gettext_lazy("TT"), 6),
    (gettext_lazy("Mã hồ sơ"), 27),
    (gettext_lazy("Thủ tục hành chính"), 48),
    (gettext_lazy("Người nộp"), 26),
    (gettext_lazy("Ngày nhận"), 17),
    (gettext_lazy("Hẹn trả"), 17),
    (gettext_lazy("Ngày trả"), 17),
    (gettext_lazy("Hình thức trả"), 24),
    (gettext_lazy("Trạng thái"), 22),
]


def _naive_local(value: datetime | None, center: Center) -> datetime | None:
    """A datetime as the center's wall clock shows it, without a zone (Excel has none)."""
    if value is None:
        return None
    return center_now(center=center, now=value).replace(tzinfo=None)


@login_required
@require_safe
def register_xlsx(request: HttpRequest) -> HttpResponse:
    """The same register, every row, as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    filters = _Filters(request)
    center = filters.center
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Sổ theo dõi %(year)s") % {"year": filters.year}
    last = get_column_letter(len(COLUMNS))
    title = _("SỔ THEO DÕI HỒ SƠ (Mẫu số 06)")
    lines = [
        title,
        f"{center.name} – {_('mã đơn vị')} {center.unit_code}",
        _("Năm %(year)s") % {"year": filters.year}
        + (f" – {_('lĩnh vực')}: {filters.field.name}" if filters.field else ""),
    ]
    for number, line in enumerate(lines, start=1):
        sheet.append([line])
        sheet.merge_cells(f"A{number}:{last}{number}")
        sheet[f"A{number}"].font = Font(bold=number == 1, size=14 if number == 1 else 11)
        sheet[f"A{number}"].alignment = Alignment(horizontal="center")
    sheet.append([])
    header_row = len(lines) + 2
    sheet.append([str(name) for name, _width in COLUMNS])
    for column, (_name, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    count = 0
    for count, dossier in enumerate(filters.rows(_user(request)).iterator(chunk_size=500), 1):
        sheet.append(
            [
                count,
                dossier.code,
                dossier.procedure_version.name,
                dossier.applicant_name,
                _naive_local(dossier.received_at, center),
                _naive_local(dossier.due_at, center),
                _naive_local(dossier.returned_at, center),
                _how_returned(dossier),
                dossier.status_label,
            ]
        )
        row = sheet.max_row
        for column in (5, 6, 7):
            sheet.cell(row=row, column=column).number_format = "dd/mm/yyyy hh:mm"
        sheet.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    logger.info(
        "user %s exported the register of %s %s (%s rows)",
        request.user.pk,
        center.code,
        filters.year,
        count,
    )
    audit_record(
        actor=_user(request),
        action=AuditAction.EXPORT,
        object_type="register",
        object_key=f"{center.code}/{filters.year}",
        center=center,
        details={"what": "form 06", "rows": count},
        request=request,
    )
    name = f"so-theo-doi-{center.code}-{filters.year}"
    if filters.field:
        name += "-" + re.sub(r"[^0-9A-Za-z.-]", "", filters.field.code)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
