"""Public dossier pages: online submission, tracking on the web and on the kiosk, and the
citizen's answer to a supplement request.

Tracking shows no personal data. A lookup with the code and the secret (the last four digits of
the applicant's ID number or phone) remembers the dossier in the session: only then may the
citizen answer a supplement request online. The signed link (QR code on form 01, links in
messages) opens the same page without the secret, and unlocks nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.catalog.models import Channel, OnlineLevel, Procedure
from motcua.catalog.selectors import procedure_get, processing_time_for
from motcua.dossiers import selectors, services
from motcua.dossiers.models import ApplicantKind, Dossier, DossierFile, Gender, ResultDelivery
from motcua.dossiers.signing import SignatureCheck, pdf_verify
from motcua.dossiers.uploads import max_upload_bytes
from motcua.dossiers.workflow import RESULT_READY, Status
from motcua.errors import InvalidInput, NotFound, ServiceError
from motcua.organization.identity import device_from_request
from motcua.organization.models import Center
from motcua.organization.selectors import center_list_public, center_now
from motcua.ratelimit import RateLimited, client_ip, rate_limit_hit

# The session's list of dossier codes unlocked with the secret (newest last, a few at most).
UNLOCKED_KEY = "dossiers_unlocked"
UNLOCKED_MAX = 20
# The code of the dossier just submitted from this session (its confirmation is shown once).
SUBMITTED_KEY = "dossier_submitted"
# Rate-limit scopes (the lookup's is shared with the JSON API).
LOOKUP_SCOPE = "dossier-lookup"
SUBMIT_SCOPE = "dossier-submit"
SUPPLEMENT_SCOPE = "dossier-supplement"

APPLICANT_FIELDS = (
    "kind",
    "name",
    "id_number",
    "birth_date",
    "gender",
    "address",
    "phone",
    "email",
    "representative_name",
    "representative_id_number",
    "representative_phone",
)
# What the file pickers offer (the content is checked whatever the name says).
ACCEPT = ".pdf,.jpg,.jpeg,.png"
# A tracking link typed into the code field (a QR scanner at the kiosk types the URL).
TOKEN_IN_TEXT = re.compile(r"/dossiers/track/([^/?#\s]+)")
# Service errors that belong to one field of the submission form.
FIELD_OF_ERROR = {"address_needed": "address", "invalid_delivery": "delivery", "no_files": "files"}
FORM_ERROR = gettext_noop("Hồ sơ chưa gửi được. Hãy sửa các mục được đánh dấu bên dưới.")
KIOSK_KEYS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]


# --- Helpers ----------------------------------------------------------------------------------


def _local(center: Center, value: datetime | None) -> str:
    """``HH:MM DD/MM/YYYY`` in the center's time zone."""
    if value is None:
        return ""
    return f"{center_now(center=center, now=value):%H:%M %d/%m/%Y}"


def _unlocked(request: HttpRequest) -> list[str]:
    codes = request.session.get(UNLOCKED_KEY, [])
    return [str(code) for code in codes] if isinstance(codes, list) else []


def _unlock(request: HttpRequest, code: str) -> None:
    codes = [c for c in _unlocked(request) if c != code] + [code]
    request.session[UNLOCKED_KEY] = codes[-UNLOCKED_MAX:]


def _limit(request: HttpRequest, scope: str, setting: tuple[int, int]) -> None:
    """Per client address; staff who are logged in and paired devices (the kiosk, a center PC
    helping citizens) are not limited, since many people share them."""
    if request.user.is_authenticated or device_from_request(request) is not None:
        return
    limit, window = setting
    rate_limit_hit(scope, client_ip(request), limit=limit, window=window)


def _wait_text(error: RateLimited) -> str:
    seconds = int(error.details.get("retry_after") or 60)
    minutes = max(1, (seconds + 59) // 60)
    return _("khoảng %(n)s phút") % {"n": minutes}


def _result_context(request: HttpRequest, dossier: Dossier, *, via: str) -> dict[str, Any]:
    """What the result page shows: the public view of the dossier, times in the center's zone,
    and whether this session may answer a supplement request."""
    public = selectors.dossier_public(dossier)
    center = dossier.center
    steps = [
        {"label": step["label"], "at": _local(center, step["at"]), "status": step["status"]}
        for step in public["steps"]
    ]
    supplement = public["supplement"]
    if supplement is not None:
        supplement = {**supplement, "requested_at": _local(center, supplement["requested_at"])}
    can_answer = (
        dossier.status == Status.SUPPLEMENT
        and dossier.channel == Channel.ONLINE
        and via != "kiosk"
        and dossier.code in _unlocked(request)
    )
    missing = []
    if can_answer:
        missing = list(dossier.documents.filter(received=False))
    # The electronic result: for the holder of the secret (this session), not on the kiosk.
    result_files = []
    if (
        dossier.status in RESULT_READY
        and dossier.result_delivery == ResultDelivery.ELECTRONIC
        and via != "kiosk"
        and dossier.code in _unlocked(request)
    ):
        result_files = list(dossier.files.filter(is_result=True))
        for row in result_files:
            # Whether the result's digital signature holds (None: not signed).
            check = _signature_check(dossier, row)
            row.signature = check  # type: ignore[attr-defined]
            row.signed_at = _local(center, check.signed_at) if check else ""  # type: ignore[attr-defined]
    return {
        "dossier": dossier,
        "public": public,
        "steps": steps,
        "supplement": supplement,
        "received_at": _local(center, public["received_at"]),
        "accepted_at": _local(center, public["accepted_at"]),
        "due_at": _local(center, public["due_at"]),
        "returned_at": _local(center, public["returned_at"]),
        "channel_label": Channel(dossier.channel).label,
        "delivery": dossier.result_delivery,
        "delivery_label": ResultDelivery(dossier.result_delivery).label,
        "is_online": dossier.channel == Channel.ONLINE,
        "can_answer": can_answer,
        "missing": missing,
        "result_files": result_files,
        "accept": ACCEPT,
        "max_mb": f"{max_upload_bytes() / 1024 / 1024:g}",
        "via": via,
    }


def _signature_check(dossier: Dossier, row: DossierFile) -> SignatureCheck | None:
    if row.content_type != "application/pdf":
        return None
    try:
        with row.file.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        return None
    return pdf_verify(center=dossier.center, pdf=data)


def _find(code: str, secret: str) -> tuple[Dossier, bool]:
    """The dossier by code and secret, or by a tracking link typed into the code field (a QR
    scanner types it); ``True`` when the secret was checked."""
    match = TOKEN_IN_TEXT.search(code or "")
    if match:
        return selectors.dossier_from_tracking_token(match.group(1)), False
    return selectors.dossier_lookup(code=code, secret=secret), True


# --- Tracking ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The lookup form; a lookup by GET (``?code=&secret=``) or POST. A good POST goes on to the
    dossier's signed page (a reload does not ask again); a good GET shows it here."""
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("code", "").strip()[:120]
    secret = data.get("secret", "").strip()[:8]
    context: dict[str, Any] = {"code": code, "error": "", "limited": False}
    status = 200
    # A link may carry the code alone (?code=…): then the form is only filled in.
    asked = request.method == "POST" or bool(secret) or bool(TOKEN_IN_TEXT.search(code))
    if asked:
        try:
            _limit(request, LOOKUP_SCOPE, settings.DOSSIER_LOOKUP_LIMIT)
            dossier, with_secret = _find(code, secret)
        except RateLimited as error:
            context.update(
                limited=True,
                error=_(
                    "Ông/bà đã tra cứu quá nhiều lần trong thời gian ngắn. "
                    "Xin thử lại sau %(wait)s."
                )
                % {"wait": _wait_text(error)},
            )
            status = 429
        except NotFound as error:
            context["error"] = error.message
            status = 404
        else:
            if with_secret:
                _unlock(request, dossier.code)
            if request.method == "POST":
                return redirect(
                    "dossiers_public:track-signed", token=selectors.tracking_token(dossier)
                )
            context.update(_result_context(request, dossier, via="web"))
    return render(request, "dossiers/public/track.html", context, status=status)


@never_cache
def track_signed(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code on form 01 and the links in messages open: no secret needed."""
    try:
        dossier = selectors.dossier_from_tracking_token(token)
    except NotFound as error:
        return render(
            request,
            "dossiers/public/track.html",
            {"code": "", "error": error.message, "limited": False},
            status=404,
        )
    context = _result_context(request, dossier, via="web")
    context["submitted"] = request.session.pop(SUBMITTED_KEY, "") == dossier.code
    return render(request, "dossiers/public/track.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_track(request: HttpRequest, center: str) -> HttpResponse:
    """The same lookup on the kiosk, with an on-screen keyboard. Nothing is remembered: the next
    citizen uses the same screen."""
    center_obj = center_list_public().filter(code=center).first()
    if center_obj is None:
        raise Http404(_("Không có trung tâm này."))
    context: dict[str, Any] = {
        "center": center_obj,
        "code": "",
        "error": "",
        "keys": KIOSK_KEYS,
        "prefix": f"{center_obj.unit_code}-" if center_obj.unit_code else "",
    }
    status = 200
    if request.method == "POST":
        code = request.POST.get("code", "").strip()[:120]
        secret = request.POST.get("secret", "").strip()[:8]
        context["code"] = code
        try:
            _limit(request, LOOKUP_SCOPE, settings.DOSSIER_LOOKUP_LIMIT)
            dossier, _checked = _find(code, secret)
        except RateLimited as error:
            context["error"] = _(
                "Máy này đã tra cứu quá nhiều lần trong thời gian ngắn. Xin thử lại sau %(wait)s "
                "hoặc hỏi cán bộ tại quầy hướng dẫn."
            ) % {"wait": _wait_text(error)}
            status = 429
        except NotFound as error:
            context["error"] = error.message
            status = 404
        else:
            context.update(_result_context(request, dossier, via="kiosk"))
            context["qr_svg"] = _qr_svg(selectors.tracking_url(dossier))
    return render(request, "dossiers/public/kiosk_track.html", context, status=status)


def _qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, dark="#14181f", title=url, omitsize=True)


# --- Supplement ---------------------------------------------------------------------------------


@never_cache
@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """The citizen's answer to a supplement request (online dossiers, unlocked with the
    secret in this session): the missing documents, other files and a note."""
    if code not in _unlocked(request):
        messages.error(
            request,
            _("Hãy tra cứu hồ sơ bằng mã và 4 số cuối trước khi nộp bổ sung."),
        )
        return redirect("dossiers_public:track")
    dossier = (
        Dossier.objects.select_related("center", "procedure", "procedure_version")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404
    back = redirect("dossiers_public:track-signed", token=selectors.tracking_token(dossier))
    if request.method == "POST":
        try:
            _limit(request, SUPPLEMENT_SCOPE, settings.DOSSIER_SUBMIT_LIMIT)
        except RateLimited as error:
            messages.error(
                request,
                _(
                    "Ông/bà đã gửi bổ sung quá nhiều lần trong thời gian ngắn. "
                    "Xin thử lại sau %(wait)s."
                )
                % {"wait": _wait_text(error)},
            )
            context = _result_context(request, dossier, via="web")
            return render(request, "dossiers/public/track.html", context, status=429)
    if dossier.status != Status.SUPPLEMENT or dossier.channel != Channel.ONLINE:
        messages.error(request, _("Hồ sơ này hiện không chờ bổ sung trực tuyến."))
        return back
    uploads: list[services.Upload] = []
    for document in dossier.documents.filter(received=False):
        chosen = request.FILES.get(f"doc-{document.pk}")
        if chosen is not None:
            uploads.append(services.Upload(chosen, document.required_document_id))
    uploads += [services.Upload(f) for f in request.FILES.getlist("other")]
    note = request.POST.get("note", "").strip()[:2000]
    try:
        services.dossier_supplement_answer(dossier=dossier, uploads=uploads, note=note)
    except ServiceError as error:
        messages.error(
            request,
            _("Chưa nộp được phần bổ sung: %(message)s Các tệp cần chọn lại.")
            % {"message": error.message},
        )
        return back
    messages.success(
        request,
        _(
            "Đã nộp bổ sung cho hồ sơ %(code)s. Hồ sơ chuyển về chờ cán bộ kiểm tra; kết quả "
            "được báo qua tin nhắn hoặc thư điện tử."
        )
        % {"code": dossier.code},
    )
    return back


# --- Online submission ---------------------------------------------------------------------------


def _centers_for(procedure: Procedure) -> list[Center]:
    """The active centers that receive the procedure now."""
    centers = [
        link.center for link in procedure.centers.all() if link.is_active and link.center.is_active
    ]
    return sorted(centers, key=lambda c: c.name)


def _case_choice(version, raw: str) -> tuple[list, int | None]:
    """The named cases of the version and the chosen one (its order; the first by default)."""
    named = [case for case in selectors.document_cases(version) if case.name.strip()]
    if not named:
        return [], None
    orders = [case.order for case in named]
    try:
        chosen = int(raw)
    except (TypeError, ValueError):
        chosen = orders[0]
    return named, chosen if chosen in orders else orders[0]


def _form_values(data) -> dict[str, str]:
    values = {name: data.get(name, "").strip()[:300] for name in APPLICANT_FIELDS}
    values["kind"] = values["kind"] or ApplicantKind.PERSON
    values["delivery"] = data.get("delivery", "") or ResultDelivery.ELECTRONIC
    values["consent"] = "on" if data.get("consent") else ""
    return values


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """Online submission of a procedure at one of the centers that receive it."""
    try:
        procedure = procedure_get(code=code)
    except NotFound:
        raise Http404(_("Không có thủ tục này.")) from None
    version = procedure.current_version
    if version is None:  # procedure_get returns only procedures with content
        raise Http404(_("Không có thủ tục này."))
    centers = _centers_for(procedure)
    base: dict[str, Any] = {"procedure": procedure, "version": version, "centers": centers}
    if procedure.online_level == OnlineLevel.NONE or not centers:
        return render(request, "dossiers/public/not_online.html", base)

    data = request.POST if request.method == "POST" else request.GET
    center = next((c for c in centers if c.code == data.get("center")), centers[0])
    cases, case = _case_choice(version, data.get("case", ""))
    documents = selectors.checklist_for(version, case)
    values = _form_values(request.POST) if request.method == "POST" else _form_values({})
    errors: dict[str, str] = {}
    error = ""
    status = 200

    if request.method == "POST":
        try:
            _limit(request, SUBMIT_SCOPE, settings.DOSSIER_SUBMIT_LIMIT)
            dossier = _submit(request, center, procedure, documents, case, values, errors)
        except RateLimited as limited:
            error = _(
                "Đã có quá nhiều lần nộp hồ sơ từ mạng của ông/bà trong thời gian ngắn. "
                "Xin thử lại sau %(wait)s, hoặc nộp trực tiếp tại bộ phận một cửa."
            ) % {"wait": _wait_text(limited)}
            status = 429
        except ServiceError as failure:
            errors.update(failure.details.get("errors") or {})
            # Problems of fields are listed one by one under a common heading.
            error = _(FORM_ERROR) if errors else failure.message
            status = 400
        else:
            _unlock(request, dossier.code)
            request.session[SUBMITTED_KEY] = dossier.code
            return redirect("dossiers_public:track-signed", token=selectors.tracking_token(dossier))

    # The error summary at the top: each problem links to its field, in the form's order.
    order = ["center", *APPLICANT_FIELDS, "delivery"]
    order += [f"doc-{d.pk}" for d in documents] + ["other", "files", "consent"]
    anchors = {"kind": "f-kind-person", "delivery": "f-delivery-electronic", "files": "s-files"}
    error_links = [
        (anchors.get(name, f"f-{name}"), errors[name]) for name in order if name in errors
    ]
    time = processing_time_for(version, Channel.ONLINE)
    fees = [fee for fee in version.fees.all() if fee.channel == Channel.ONLINE]
    context = {
        **base,
        "center": center,
        "cases": cases,
        "case": case,
        "uploads": [
            {"document": d, "field": f"doc-{d.pk}", "error": errors.get(f"doc-{d.pk}", "")}
            for d in documents
        ],
        "values": values,
        "errors": errors,
        "error": error,
        "error_links": error_links,
        "time": time,
        "fees": fees,
        "kinds": ApplicantKind.choices,
        "genders": Gender.choices,
        "deliveries": [
            (ResultDelivery.ELECTRONIC, _("Bản điện tử (qua thư điện tử / trang tra cứu)")),
            (ResultDelivery.POST, _("Qua bưu chính công ích (gửi đến địa chỉ đã khai)")),
            (ResultDelivery.COUNTER, _("Nhận trực tiếp tại bộ phận một cửa")),
        ],
        "accept": ACCEPT,
        "max_mb": f"{max_upload_bytes() / 1024 / 1024:g}",
        "files_lost": request.method == "POST" and bool(request.FILES),
    }
    return render(request, "dossiers/public/submit.html", context, status=status)


def _submit(
    request: HttpRequest,
    center: Center,
    procedure: Procedure,
    documents: list,
    case: int | None,
    values: dict[str, str],
    errors: dict[str, str],
) -> Dossier:
    """Check the whole form at once (consent and every applicant field), then submit."""
    applicant = {name: values[name] for name in APPLICANT_FIELDS}
    if not values["consent"]:
        errors["consent"] = _(
            "Cần đồng ý cho xử lý dữ liệu cá nhân để nộp hồ sơ trực tuyến cho thủ tục này."
        )
    try:
        services.applicant_clean(applicant, require_contact=True)
    except InvalidInput as failure:
        errors.update(failure.details.get("errors") or {})
    if values["delivery"] not in ResultDelivery.values:
        errors["delivery"] = _("Hãy chọn cách nhận kết quả.")
    if errors:
        raise InvalidInput(
            _(FORM_ERROR),
            code="invalid_form",
            errors=errors,
        )
    uploads: list[services.Upload] = []
    for document in documents:
        chosen = request.FILES.get(f"doc-{document.pk}")
        if chosen is not None:
            uploads.append(services.Upload(chosen, document.pk))
    uploads += [services.Upload(f) for f in request.FILES.getlist("other")]
    try:
        return services.dossier_submit_online(
            center=center,
            procedure_code=procedure.code,
            applicant=applicant,
            uploads=uploads,
            case=case,
            result_delivery=values["delivery"],
        )
    except ServiceError as failure:
        # Mark the field the problem belongs to (a refused file: the input it was chosen in).
        field = FIELD_OF_ERROR.get(failure.code, "")
        if failure.code.startswith("file_"):
            for upload in uploads:
                if f"“{_basename(upload.file.name)}”" in failure.message:
                    field = (
                        f"doc-{upload.required_document}"
                        if upload.required_document is not None
                        else "other"
                    )
                    break
        if field:
            errors[field] = failure.message
        raise


def _basename(name: str | None) -> str:
    return (name or "tep").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:150]


__all__ = ["kiosk_track", "submit", "supplement", "track", "track_signed"]


@never_cache
def result_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """The electronic result, for the citizen who opened the dossier with its secret."""
    dossier = Dossier.objects.filter(code=code).first()
    if (
        dossier is None
        or code not in _unlocked(request)
        or dossier.status not in RESULT_READY
        or dossier.result_delivery != ResultDelivery.ELECTRONIC
    ):
        raise Http404
    row = dossier.files.filter(pk=pk, is_result=True).first()
    if row is None:
        raise Http404
    response = FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        as_attachment=True,
        filename=_basename(row.original_name) or f"ket-qua-{dossier.code}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
