"""Staff dossier pages: the intake page (at the counter from the ticket being served, walk-in,
or by post), the online dossiers waiting to be checked, the center's dossiers, a dossier's page
(decide, attach scans, return the result) and its files, streamed only to staff who may see it.

Views only read through selectors and write through services; a refused write re-shows the
page with everything typed kept (files must be chosen again) and nothing saved.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Channel, Procedure, ProcedureVersion
from motcua.cccd import CCCDError, parse_cccd_qr
from motcua.dossiers import selectors, services
from motcua.dossiers.models import (
    ApplicantKind,
    Dossier,
    DossierFile,
    FormRecord,
    Gender,
    ResultDelivery,
    Supplement,
)
from motcua.dossiers.workflow import TRANSITIONS, Action, Status
from motcua.errors import NotAllowed, NotFound, ServiceError
from motcua.organization.models import Center
from motcua.organization.selectors import center_calendar, center_list_for_user, user_has_role

# Every staff view of a dossier's personal data is written here (who, which dossier, what).
audit = logging.getLogger("motcua.audit")

LIST_PAGE_SIZE = 30
# Where a CCCD QR string starts inside whatever was typed: 12 digits, then the "|" separator.
CCCD_IN_TEXT = re.compile(r"\d{12}\|[^|]*\|[^|]+\|")
SEARCH_LIMIT = 30

# The applicant form's fields (the names CitizenCard.as_form() fills).
APPLICANT_FIELDS = (
    "kind",
    "applicant_name",
    "id_number",
    "old_id_number",
    "id_issued_on",
    "birth_date",
    "gender",
    "address",
    "phone",
    "email",
    "representative_name",
    "representative_id_number",
    "representative_phone",
)
# Where a service error belongs on the page: its error code → the form field.
ERROR_FIELDS = {
    "address_needed": "address",
    "tracking_needed": "postal_tracking",
    "no_reasons": "reasons",
    "no_missing_items": "missing_other",
    "invalid_delivery": "result_delivery",
    "invalid_case": "case",
}
STATUS_BADGES = {
    Status.REGISTERED: "badge--warn",
    Status.ACCEPTED: "badge--ok",
    Status.NOT_ACCEPTED: "badge--err",
    Status.PROCESSING: "badge--ok",
    Status.SUPPLEMENT: "badge--warn",
    Status.WAITING_FEES: "badge--warn",
    Status.STOPPED: "badge--err",
    Status.PROCESSED: "badge--ok",
}
# Statuses a receptionist decides on (an online dossier, or a supplement that came back).
DECIDABLE = frozenset({Status.REGISTERED, Status.SUPPLEMENT})
ATTACHABLE = TRANSITIONS[Action.ATTACH][0]


def _user(request: HttpRequest) -> User:
    """Behind log-in: the request's user is a real one."""
    return cast(User, request.user)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _field_errors(error: ServiceError) -> dict[str, str]:
    """The per-field messages of a service error, under the page's field names."""
    errors = {
        ("applicant_name" if key == "name" else key): str(message)
        for key, message in (error.details.get("errors") or {}).items()
    }
    if error.code in ERROR_FIELDS:
        errors.setdefault(ERROR_FIELDS[error.code], error.message)
    return errors


def _centers(user: User, roles) -> list[Center]:
    return list(center_list_for_user(user=user, roles=roles).order_by("name"))


def _center_chosen(centers: list[Center], code: str, *, default_first: bool) -> Center | None:
    """The center picked with ``?center=`` among the user's, the only one, or (lists) the first."""
    if code:
        chosen = next((c for c in centers if c.code == code), None)
        if chosen is None:
            raise Http404(_("Không có trung tâm này trong các trung tâm của bạn."))
        return chosen
    if len(centers) == 1 or (centers and default_first):
        return centers[0]
    return None


# --- Checklist rows (intake and decide) -------------------------------------------------------


@dataclass
class Row:
    """One line of the completeness checklist as the page shows and reads it."""

    id: int
    name: str
    originals_required: int
    copies_required: int
    received: bool = False
    originals: str = ""
    copies: str = ""
    form_name: str = ""
    files: list = field(default_factory=list)
    error: str = ""


def _rows_from_catalog(documents) -> list[Row]:
    return [
        Row(
            id=doc.pk,
            name=doc.name,
            originals_required=doc.originals,
            copies_required=doc.copies,
            originals=str(doc.originals),
            copies=str(doc.copies),
            form_name=doc.form_name,
        )
        for doc in documents
    ]


def _rows_from_dossier(dossier: Dossier) -> list[Row]:
    rows = []
    for doc in dossier.documents.all():
        if doc.required_document_id is None:
            continue  # the catalog line is gone: shown read-only on the page
        rows.append(
            Row(
                id=doc.required_document_id,
                name=doc.name,
                originals_required=doc.originals_required,
                copies_required=doc.copies_required,
                received=doc.received,
                originals=str(doc.originals if doc.received else doc.originals_required),
                copies=str(doc.copies if doc.received else doc.copies_required),
                files=list(doc.files.all()),
            )
        )
    return rows


def _ticks_read(rows: list[Row], data) -> tuple[list[services.DocumentTick], bool]:
    """The ticks posted for ``rows`` (the rows keep what was typed); False when a number is bad."""
    ticks = []
    ok = True
    for row in rows:
        prefix = f"doc-{row.id}-"
        row.received = data.get(prefix + "received") in ("1", "on", "true")
        row.originals = (data.get(prefix + "originals") or "").strip()[:3]
        row.copies = (data.get(prefix + "copies") or "").strip()[:3]
        numbers = []
        for text in (row.originals, row.copies):
            value = _int(text) if text else None
            if text and (value is None or not 0 <= value <= 99):
                row.error = _("Số bản phải từ 0 đến 99.")
                ok = False
            numbers.append(value)
        ticks.append(
            services.DocumentTick(
                required_document=row.id,
                received=row.received,
                originals=numbers[0],
                copies=numbers[1],
            )
        )
    return ticks, ok


def _decision_read(data) -> tuple[services.Decision, dict[str, str]]:
    values = {
        "missing_other": (data.get("missing_other") or "")[:4000],
        "reasons": (data.get("reasons") or "")[:2000],
    }
    decision = services.Decision(
        decision=(data.get("decision") or "").strip(),
        missing=_lines(values["missing_other"]),
        reasons=values["reasons"].strip(),
    )
    return decision, values


def _missing_rows(rows: list[Row], missing: list[str]) -> None:
    names = set(missing)
    for row in rows:
        if row.name in names and not row.error:
            row.error = _("Chưa nhận giấy tờ này.")


# --- Intake -----------------------------------------------------------------------------------


@dataclass
class Intake:
    """Where and how the page receives: the center, the channel, the ticket being served, the
    procedure and case chosen, and the checklist they give."""

    center: Center | None
    centers: list[Center]
    postal: bool
    ticket: Any = None
    procedure: Procedure | None = None
    version: ProcedureVersion | None = None
    cases: list = field(default_factory=list)
    case: int | None = None
    documents: list = field(default_factory=list)

    @property
    def channel(self) -> int:
        return Channel.POSTAL if self.postal else Channel.IN_PERSON

    def query(self, **extra: Any) -> str:
        """The page's own parameters (ticket, channel, center) plus ``extra``, as a query."""
        params: dict[str, Any] = {}
        if self.ticket is not None:
            params["ticket"] = self.ticket.pk
        if self.postal:
            params["channel"] = "postal"
        if self.center is not None and len(self.centers) > 1 and self.ticket is None:
            params["center"] = self.center.code
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


class _Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _refused(request: HttpRequest, message: str, status: int = 403) -> _Refused:
    response = render(request, "dossiers/staff/refused.html", {"message": message}, status=status)
    return _Refused(response)


def _ticket_of(centers: list[Center], value: Any):
    """The queue ticket the intake starts from: one of the user's centers (404 otherwise)."""
    from motcua.queueing.models import Ticket  # dossiers know queueing by the ticket link only

    ticket_id = _int(value)
    ticket = (
        Ticket.objects.select_related("service", "counter", "center")
        .filter(pk=ticket_id, center__in=centers)
        .first()
        if ticket_id
        else None
    )
    if ticket is None:
        raise Http404(_("Không có phiếu số này ở trung tâm của bạn."))
    return ticket


def _intake(request: HttpRequest, data) -> Intake:
    user = _user(request)
    postal = data.get("channel") == "postal"
    centers = _centers(user, selectors.POSTAL_ROLES if postal else selectors.RECEIVE_ROLES)
    if not centers:
        if postal:
            message = _(
                "Chỉ nhân viên bưu chính hoặc cán bộ tiếp nhận được nhận hồ sơ qua bưu chính."
            )
        else:
            message = _(
                "Chỉ cán bộ tiếp nhận của trung tâm được tiếp nhận hồ sơ trực tiếp. "
                "Nhân viên bưu chính dùng trang “Nhận hồ sơ qua bưu chính”."
            )
        raise _refused(request, message)
    ticket = None
    if data.get("ticket") and not postal:
        ticket = _ticket_of(centers, data.get("ticket"))
        center: Center | None = ticket.center
    else:
        center = _center_chosen(centers, data.get("center", ""), default_first=False)
    intake = Intake(center=center, centers=centers, postal=postal, ticket=ticket)
    code = (data.get("procedure") or "").strip()[:64]
    if center is None or not code:
        return intake
    queryset, _hits = catalog.procedure_list(center=center)
    procedure = queryset.filter(code=code).select_related("current_version").first()
    if procedure is None or procedure.current_version is None:
        messages.error(
            request, _("Trung tâm không tiếp nhận thủ tục mã “%(code)s”.") % {"code": code}
        )
        return intake
    version = procedure.current_version
    intake.procedure, intake.version = procedure, version
    intake.cases = [c for c in selectors.document_cases(version) if c.name.strip()]
    case = _int(data.get("case"))
    if intake.cases:
        orders = [c.order for c in intake.cases]
        intake.case = case if case in orders else orders[0]
    intake.documents = selectors.checklist_for(version, intake.case)
    return intake


def _search(intake: Intake, q: str) -> list[dict]:
    if intake.center is None or not q:
        return []
    queryset, hits = catalog.procedure_list(q=q, center=intake.center)
    found = catalog.in_rank_order(catalog.with_listing_data(queryset), hits)[:SEARCH_LIMIT]
    rows = []
    for procedure in found:
        version = procedure.current_version
        time = catalog.processing_time_for(version, intake.channel) if version else None
        rows.append(
            {
                "procedure": procedure,
                "time": time,
                "href": "?" + intake.query(procedure=procedure.code),
            }
        )
    return rows


def _fields(specs, values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    """Form fields as the template draws them: name, label, input type, value, error."""
    return [
        {
            "name": name,
            "label": label,
            "type": kind,
            "value": values.get(name, ""),
            "error": errors.get(name, ""),
            "options": options,
            "wide": wide,
            "numeric": name.endswith("id_number"),
        }
        for name, label, kind, options, wide in specs
    ]


def _applicant_fields(values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    return _fields(
        [
            ("kind", _("Người nộp là"), "select", ApplicantKind.choices, False),
            ("applicant_name", _("Họ tên người nộp / tên tổ chức"), "text", None, True),
            ("id_number", _("Số CCCD / mã số tổ chức"), "text", None, False),
            ("old_id_number", _("Số CMND cũ"), "text", None, False),
            ("birth_date", _("Ngày sinh"), "date", None, False),
            ("gender", _("Giới tính"), "select", [("", "—"), *Gender.choices], False),
            ("id_issued_on", _("Ngày cấp CCCD"), "date", None, False),
            ("address", _("Địa chỉ"), "text", None, True),
            ("phone", _("Điện thoại"), "tel", None, False),
            ("email", _("Thư điện tử"), "email", None, False),
        ],
        values,
        errors,
    )


def _representative_fields(values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    return _fields(
        [
            ("representative_name", _("Họ tên người được ủy quyền"), "text", None, False),
            ("representative_id_number", _("Số CCCD người được ủy quyền"), "text", None, False),
            ("representative_phone", _("Điện thoại người được ủy quyền"), "tel", None, False),
        ],
        values,
        errors,
    )


def _intake_defaults(intake: Intake) -> dict[str, str]:
    values = dict.fromkeys(APPLICANT_FIELDS, "")
    values["kind"] = ApplicantKind.PERSON
    values["result_delivery"] = ResultDelivery.POST if intake.postal else ResultDelivery.COUNTER
    values.update(postal_tracking="", note="", missing_other="", reasons="", cccd_scan="")
    return values


def _receive_context(
    request: HttpRequest,
    intake: Intake,
    *,
    values: dict[str, str],
    rows: list[Row] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    missing: list[str] | None = None,
    files_lost: bool = False,
    notice: str = "",
) -> dict[str, Any]:
    q = (request.GET.get("q") or "").strip()[:200]
    version = intake.version
    due = time = None
    fees: list = []
    if version is not None and intake.center is not None:
        time = catalog.processing_time_for(version, intake.channel)
        if time is not None:
            calendar = center_calendar(center=intake.center)
            due = catalog.due_at(calendar, timezone.now(), time)
        fees = [f for f in version.fees.all() if time is not None and f.channel == time.channel]
    return {
        "intake": intake,
        "center": intake.center,
        "q": q,
        "results": _search(intake, q) if version is None else [],
        "rows": rows if rows is not None else _rows_from_catalog(intake.documents),
        "values": values,
        "errors": errors or {},
        "error": error,
        "missing": missing or [],
        "files_lost": files_lost,
        "notice": notice,
        "time": time,
        "due": due,
        "fees": fees,
        "applicant_fields": _applicant_fields(values, errors or {}),
        "representative_fields": _representative_fields(values, errors or {}),
        "has_representative": any(
            values.get(f"representative_{k}") for k in ("name", "id_number", "phone")
        ),
        "deliveries": ResultDelivery.choices,
        "change_href": "?" + intake.query(),
        "case_links": [
            {
                "case": case,
                "href": "?" + intake.query(procedure=intake.procedure.code, case=case.order),
                "current": case.order == intake.case,
            }
            for case in intake.cases
        ]
        if intake.procedure is not None
        else [],
        "centers": intake.centers,
        "keep": [("channel", "postal")] if intake.postal else [],
        "counter_url": _counter_url(intake.ticket),
    }


def _counter_url(ticket) -> str:
    if ticket is None:
        return ""
    if ticket.counter_id:
        return reverse("queue_screens:counter", args=[ticket.counter_id])
    return reverse("queue_screens:counter-choose")


def _cccd_fill(values: dict[str, str], text: str) -> str:
    """Fill the applicant's fields from a scanned CCCD string; the error message otherwise."""
    try:
        card = parse_cccd_qr(text)
    except CCCDError as problem:
        return str(problem)
    values.update(card.as_form())
    values["kind"] = ApplicantKind.PERSON
    values["cccd_scan"] = ""
    return ""


@never_cache
@login_required
def receive(request: HttpRequest) -> HttpResponse:
    """The intake page: find the procedure, check the documents against its checklist, fill
    the applicant (a scanned CCCD QR fills most of it), then accept, ask for a supplement or
    refuse. From the ticket being served (``?ticket=``), walk-in, or by post
    (``?channel=postal``)."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        intake = _intake(request, data)
    except _Refused as refused:
        return refused.response
    if request.method != "POST":
        context = _receive_context(request, intake, values=_intake_defaults(intake))
        if request.headers.get("HX-Request") == "true" and request.GET.get("partial") == "results":
            return render(request, "dossiers/staff/_procedure_results.html", context)
        return render(request, "dossiers/staff/receive.html", context)
    if intake.center is None or intake.procedure is None:
        messages.error(request, _("Hãy chọn thủ tục trước."))
        return redirect(f"{reverse('dossiers_staff:receive')}?{intake.query()}")
    return _receive_post(request, intake)


def _receive_post(request: HttpRequest, intake: Intake) -> HttpResponse:
    post = request.POST
    values = _intake_defaults(intake)
    for key in (*APPLICANT_FIELDS, "result_delivery", "postal_tracking", "note", "cccd_scan"):
        values[key] = (post.get(key) or "").strip()[:400]
    decision, decision_values = _decision_read(post)
    values.update(decision_values)
    rows = _rows_from_catalog(intake.documents)
    ticks, numbers_ok = _ticks_read(rows, post)
    files_lost = bool(request.FILES)

    def again(status: int = 400, **kwargs: Any) -> HttpResponse:
        context = _receive_context(
            request, intake, values=values, rows=rows, files_lost=files_lost, **kwargs
        )
        return render(request, "dossiers/staff/receive.html", context, status=status)

    for key in APPLICANT_FIELDS:
        # The scanner typed into another field than the scan field: read it from there.
        found = CCCD_IN_TEXT.search(values[key]) if not values["cccd_scan"] else None
        if found:
            values["cccd_scan"] = values[key][found.start() :]
            values[key] = values[key][: found.start()].strip()
    scanned = bool(values["cccd_scan"])
    if scanned or decision.decision not in services.DECISIONS:
        # Nothing scanned and no decision (Enter in a field without JavaScript): says so.
        problem = _cccd_fill(values, values["cccd_scan"])
        if problem:
            return again(errors={"cccd_scan": problem}, error=problem)
    if decision.decision not in services.DECISIONS:
        # The scan's own button (or Enter in a field without JavaScript): fill, decide later.
        return again(
            status=200,
            notice=_("Đã điền thông tin từ căn cước công dân. Kiểm tra lại rồi chọn quyết định."),
        )
    if not numbers_ok:
        return again(error=_("Số bản chính/bản sao phải từ 0 đến 99."))
    applicant = {key: values[key] for key in APPLICANT_FIELDS if key != "applicant_name"}
    applicant["name"] = values["applicant_name"]
    uploads = [
        services.Upload(file=upload, required_document=row.id)
        for row in rows
        for upload in request.FILES.getlist(f"doc-{row.id}-files")
    ] + [services.Upload(file=upload) for upload in request.FILES.getlist("other_files")]
    try:
        dossier, form = services.dossier_receive(
            actor=_user(request),
            center=intake.center,  # type: ignore[arg-type]
            procedure_code=intake.procedure.code,  # type: ignore[union-attr]
            channel=intake.channel,
            applicant=applicant,
            documents=ticks,
            decision=decision,
            uploads=uploads,
            case=intake.case,
            result_delivery=values["result_delivery"],
            postal_tracking=values["postal_tracking"] if intake.postal else "",
            ticket_id=intake.ticket.pk if intake.ticket is not None else None,
            note=values["note"],
        )
    except ServiceError as problem:
        missing = list(problem.details.get("missing") or [])
        _missing_rows(rows, missing)
        return again(
            status=403 if isinstance(problem, NotAllowed) else 400,
            errors=_field_errors(problem),
            error=problem.message,
            missing=missing,
        )
    messages.success(request, _decided_message(dossier, form))
    return redirect("dossiers_staff:detail", code=dossier.code)


def _decided_message(dossier: Dossier, form: FormRecord | None) -> str:
    if dossier.status == Status.ACCEPTED:
        return _("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận (mẫu 01) cho công dân.") % {
            "code": dossier.code
        }
    if dossier.status == Status.SUPPLEMENT:
        return _("Đã yêu cầu bổ sung hồ sơ %(code)s. In phiếu yêu cầu bổ sung (mẫu 02).") % {
            "code": dossier.code
        }
    if dossier.status == Status.NOT_ACCEPTED:
        return _("Đã từ chối tiếp nhận hồ sơ %(code)s. In phiếu từ chối (mẫu 03).") % {
            "code": dossier.code
        }
    return _("Đã lưu hồ sơ %(code)s.") % {"code": dossier.code}


@login_required
@require_POST
def cccd_parse(request: HttpRequest) -> HttpResponse:
    """A scanned CCCD QR string → the applicant form's fields, as JSON for intake.js."""
    user = _user(request)
    if not _centers(user, selectors.POSTAL_ROLES):
        return JsonResponse({"ok": False, "message": _("Bạn không có quyền này.")}, status=403)
    text = (request.POST.get("text") or "")[:1000]
    try:
        card = parse_cccd_qr(text)
    except CCCDError as problem:
        return JsonResponse({"ok": False, "message": str(problem)})
    return JsonResponse({"ok": True, "fields": card.as_form()})


# --- Lists ------------------------------------------------------------------------------------


def _list_centers(request: HttpRequest) -> tuple[list[Center], Center | None]:
    centers = list(
        center_list_for_user(
            user=_user(request), roles=(*selectors.FULL_VIEW_ROLES, *selectors.POSTAL_ROLES)
        ).order_by("name")
    )
    return centers, _center_chosen(centers, request.GET.get("center", ""), default_first=True)


def _waited(delta: timedelta) -> str:
    """How long a dossier has waited, as people say it: "2 ngày 3 giờ", "45 phút"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s ngày %(h)s giờ") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s giờ %(m)s phút") % {"h": hours, "m": minutes}
    return pgettext("thời gian đã chờ", "%(m)s phút") % {"m": minutes}


@never_cache
@login_required
def online_list(request: HttpRequest) -> HttpResponse:
    """The center's online dossiers waiting to be checked (a supplement answered online brings
    a dossier back here), the longest waiting first."""
    centers, center = _list_centers(request)
    dossiers: list[Dossier] = []
    if center is not None:
        answered = Supplement.objects.filter(dossier=OuterRef("pk"), answered_at__isnull=False)
        dossiers = list(
            selectors.dossier_list_for_user(
                user=_user(request), center=center, statuses=[Status.REGISTERED]
            )
            .annotate(supplemented=Exists(answered))
            .order_by("received_at", "id")[:500]
        )
        now = timezone.now()
        for dossier in dossiers:
            dossier.waited = _waited(now - dossier.received_at)  # type: ignore[attr-defined]
    return render(
        request,
        "dossiers/staff/online_list.html",
        {"centers": centers, "center": center, "dossiers": dossiers},
    )


@never_cache
@login_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    """The center's dossiers: filter by status, channel, how the result leaves, and search
    the code, name, ID number or phone."""
    centers, center = _list_centers(request)
    status = _int(request.GET.get("status"))
    status = status if status in Status.values else None
    channel = _int(request.GET.get("channel"))
    channel = channel if channel in Channel.values else None
    delivery = request.GET.get("delivery", "")
    delivery = delivery if delivery in ResultDelivery.values else ""
    q = (request.GET.get("q") or "").strip()[:100]
    page = None
    if center is not None:
        dossiers = selectors.dossier_list_for_user(
            user=_user(request),
            center=center,
            statuses=[status] if status else None,
            channel=channel,
            q=q,
        ).order_by("-received_at", "-id")
        if delivery:
            dossiers = dossiers.filter(result_delivery=delivery)
        page = Paginator(dossiers, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {
        "center": center.code if center is not None and len(centers) > 1 else "",
        "status": status or "",
        "channel": channel or "",
        "delivery": delivery,
        "q": q,
    }
    return render(
        request,
        "dossiers/staff/list.html",
        {
            "centers": centers,
            "center": center,
            "page": page,
            "status": status,
            "channel": channel,
            "delivery": delivery,
            "q": q,
            "statuses": Status.choices,
            "channels": Channel.choices,
            "deliveries": ResultDelivery.choices,
            "badges": STATUS_BADGES,
            "query": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


# --- A dossier --------------------------------------------------------------------------------


def _dossier(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_get_for_user(user=_user(request), code=code)
    except NotFound:
        raise Http404(_("Không có hồ sơ này.")) from None


def _return_deliveries(user: User, dossier: Dossier) -> list[tuple[str, Any]]:
    if user_has_role(user=user, center=dossier.center, roles=selectors.RECEIVE_ROLES):
        return list(ResultDelivery.choices)
    if user_has_role(user=user, center=dossier.center, roles=selectors.POSTAL_ROLES):
        return [(ResultDelivery.POST, ResultDelivery.POST.label)]
    return []


def _detail_context(
    request: HttpRequest,
    dossier: Dossier,
    *,
    rows: list[Row] | None = None,
    decide_values: dict[str, str] | None = None,
    return_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    missing: list[str] | None = None,
    process_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from motcua.dossiers.views_process import process_context

    user = _user(request)
    roles = selectors.POSTAL_ROLES if dossier.channel == Channel.POSTAL else selectors.RECEIVE_ROLES
    may_receive = user_has_role(user=user, center=dossier.center, roles=roles)
    documents = list(dossier.documents.prefetch_related("files"))
    forms = [
        {
            "record": record,
            "url": reverse(
                "dossiers_staff:form-pdf", kwargs={"code": dossier.code, "pk": record.pk}
            ),
        }
        for record in dossier.forms.select_related("issued_by").order_by("issued_at", "id")
    ]
    if rows is None:
        rows = _rows_from_dossier(dossier)
    events = [
        {
            "event": event,
            "label": _label(Action, event.action) or event.action,
            "from_label": _label(Status, event.from_status),
            "to_label": _label(Status, event.to_status),
        }
        for event in dossier.events.select_related("actor").order_by("at", "id")
    ]
    deliveries = _return_deliveries(user, dossier) if dossier.status == Status.PROCESSED else []
    default_return = {
        "delivery": deliveries[0][0]
        if len(deliveries) == 1
        else (dossier.result_delivery or ResultDelivery.COUNTER),
        "postal_tracking": "",
        "note": "",
    }
    return {
        "dossier": dossier,
        "center": dossier.center,
        "tz": dossier.center.time_zone,
        "status_badge": STATUS_BADGES.get(dossier.status, ""),  # type: ignore[call-overload]
        "documents": documents,
        "files": list(dossier.files.select_related("document")),
        "forms": forms,
        "last_form": forms[-1] if forms else None,
        "supplements": list(dossier.supplements.order_by("requested_at", "id")),
        "events": events,
        "ticket": dossier.ticket,
        "counter_url": _counter_url(dossier.ticket),
        "time": catalog.processing_time_for(dossier.procedure_version, dossier.channel),
        # An accepted dossier waiting for a supplement is received back through the process.
        "can_decide": may_receive and dossier.status in DECIDABLE and dossier.accepted_at is None,
        "can_supplement": dossier.status == Status.REGISTERED,
        "can_attach": may_receive and dossier.status in ATTACHABLE,
        "can_return": bool(deliveries),
        "deliveries": deliveries,
        "rows": rows,
        "values": decide_values or {"missing_other": "", "reasons": ""},
        "return_values": return_values or default_return,
        "errors": errors or {},
        "error": error,
        "missing": missing or [],
        "process": process_context(
            request, dossier, events=[e["event"] for e in events], **(process_options or {})
        ),
    }


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else ""


def _audit(request: HttpRequest, dossier: Dossier, what: str) -> None:
    audit.info("user=%s dossier=%s %s path=%s", _user(request).pk, dossier.code, what, request.path)
    services.dossier_personal_data_viewed(
        actor=_user(request), dossier=dossier, what=what, request=request
    )


@never_cache
@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """Everything about a dossier for staff, and what they may do with it now."""
    dossier = _dossier(request, code)
    _audit(request, dossier, "viewed")
    return render(request, "dossiers/staff/detail.html", _detail_context(request, dossier))


@login_required
@require_POST
def decide(request: HttpRequest, code: str) -> HttpResponse:
    """Accept, ask for a supplement or refuse an online dossier (or a supplement that came back)."""
    dossier = _dossier(request, code)
    rows = _rows_from_dossier(dossier)
    ticks, numbers_ok = _ticks_read(rows, request.POST)
    decision, values = _decision_read(request.POST)

    def again(status: int, **kwargs: Any) -> HttpResponse:
        context = _detail_context(request, dossier, rows=rows, decide_values=values, **kwargs)
        return render(request, "dossiers/staff/detail.html", context, status=status)

    if not numbers_ok:
        return again(400, error=_("Số bản chính/bản sao phải từ 0 đến 99."))
    try:
        dossier, form = services.dossier_decide(
            actor=_user(request), dossier=dossier, decision=decision, documents=ticks
        )
    except ServiceError as problem:
        missing = list(problem.details.get("missing") or [])
        _missing_rows(rows, missing)
        return again(
            problem.status if problem.status in (403, 409) else 400,
            errors=_field_errors(problem),
            error=problem.message,
            missing=missing,
        )
    messages.success(request, _decided_message(dossier, form))
    return redirect("dossiers_staff:detail", code=dossier.code)


@login_required
@require_POST
def attach(request: HttpRequest, code: str) -> HttpResponse:
    """Add scans to a dossier, for one of its documents or as other files."""
    dossier = _dossier(request, code)
    document = _int(request.POST.get("document"))
    uploads = [
        services.Upload(file=upload, required_document=document)
        for upload in request.FILES.getlist("files")
    ]
    try:
        stored = services.dossier_attach(actor=_user(request), dossier=dossier, uploads=uploads)
    except ServiceError as problem:
        messages.error(request, problem.message + " " + _("Chưa tệp nào được lưu."))
    else:
        messages.success(request, _("Đã đính kèm %(n)s tệp.") % {"n": len(stored)})
    return redirect(reverse("dossiers_staff:detail", kwargs={"code": dossier.code}) + "#files")


@login_required
@require_POST
def return_result(request: HttpRequest, code: str) -> HttpResponse:
    """The result leaves the one-stop counter: handed over, by post (tracking number), or
    electronically."""
    dossier = _dossier(request, code)
    values = {
        "delivery": (request.POST.get("delivery") or "").strip(),
        "postal_tracking": (request.POST.get("postal_tracking") or "").strip()[:40],
        "note": (request.POST.get("note") or "").strip()[:2000],
    }
    try:
        dossier = services.dossier_return_result(
            actor=_user(request),
            dossier=dossier,
            delivery=values["delivery"],
            postal_tracking=values["postal_tracking"],
            note=values["note"],
        )
    except ServiceError as problem:
        errors = _field_errors(problem)
        if problem.code == "invalid_delivery":
            errors["delivery"] = problem.message
        context = _detail_context(
            request, dossier, return_values=values, errors=errors, error=problem.message
        )
        status = problem.status if problem.status in (403, 409) else 400
        return render(request, "dossiers/staff/detail.html", context, status=status)
    messages.success(request, _("Đã ghi nhận trả kết quả hồ sơ %(code)s.") % {"code": dossier.code})
    return redirect("dossiers_staff:detail", code=dossier.code)


# --- Files ------------------------------------------------------------------------------------

INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def _safe_filename(name: str, content_type: str) -> str:
    """The original name without paths, quotes or control characters, and with the extension
    of what the file really is."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'["<>:;|?*%]', "_", name).strip(" .") or "tep"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        content_type, ".bin"
    )
    return f"{stem[:120]}{extension}"


@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A scan of a dossier, only to staff who may see the dossier (404 for anyone else)."""
    row = (
        DossierFile.objects.select_related("dossier")
        .filter(pk=pk, dossier__in=selectors.dossier_list_for_user(user=_user(request)))
        .first()
    )
    if row is None:
        raise Http404(_("Không có tệp này."))
    try:
        handle = row.file.open("rb")
    except OSError:
        raise Http404(_("Không có tệp này.")) from None
    _audit(request, row.dossier, f"file={row.pk}")
    content_type = row.content_type if row.content_type in INLINE_TYPES else ""
    response = FileResponse(
        handle,
        as_attachment=not content_type,
        filename=_safe_filename(row.original_name, row.content_type),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal data: kept by no shared cache, and not on the counter PC's disk either.
    response["Cache-Control"] = "private, no-store"
    return response
