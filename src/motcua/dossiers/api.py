"""Dossier API: receiving (counters, postal staff, other systems), attaching scans, a dossier
for staff, and the public lookup by code and secret."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, overload
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from motcua.dossiers import selectors, services
from motcua.dossiers.models import Dossier, FormRecord
from motcua.errors import InvalidInput, NotAllowed, Unauthorized
from motcua.organization.identity import caller
from motcua.organization.selectors import center_list_for_user
from motcua.ratelimit import client_ip, rate_limit_hit

router = Router(tags=["dossiers"])


@overload
def _local(dossier: Dossier, value: datetime) -> datetime: ...
@overload
def _local(dossier: Dossier, value: datetime | None) -> datetime | None: ...
def _local(dossier: Dossier, value: datetime | None) -> datetime | None:
    """Times are given in the center's own zone (ISO 8601 with its offset)."""
    return value.astimezone(ZoneInfo(dossier.center.time_zone)) if value else None


class ErrorOut(Schema):
    code: str
    message: str


class StepOut(Schema):
    at: datetime
    action: str
    status: int
    label: str


class LookupOut(Schema):
    code: str
    procedure: str
    status: int
    status_label: str
    received_at: datetime
    due_at: datetime | None
    steps: list[StepOut]
    result_ready: bool
    center: str
    accepted_at: datetime | None
    returned_at: datetime | None
    supplement_items: list[str] | None = None


@router.get(
    "dossiers/lookup",
    response={200: LookupOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=None,
)
def dossier_lookup(request: HttpRequest, code: str, secret: str) -> LookupOut:
    """Public tracking: the dossier's code and the last four digits of the applicant's ID number
    or phone. No personal data; an unknown code and a wrong secret give the same 404."""
    who = caller(request)
    if who.user is None and who.device is None:
        limit, window = settings.DOSSIER_LOOKUP_LIMIT
        rate_limit_hit("dossier-lookup", client_ip(request), limit=limit, window=window)
    dossier = selectors.dossier_lookup(code=code, secret=secret)
    public = selectors.dossier_public(dossier)
    return LookupOut(
        code=public["code"],
        procedure=public["procedure"],
        status=public["status"],
        status_label=public["status_label"],
        received_at=_local(dossier, public["received_at"]),
        due_at=_local(dossier, public["due_at"]),
        steps=[StepOut(**{**step, "at": _local(dossier, step["at"])}) for step in public["steps"]],
        result_ready=public["result_ready"],
        center=public["center"],
        accepted_at=_local(dossier, public["accepted_at"]),
        returned_at=_local(dossier, public["returned_at"]),
        supplement_items=public["supplement"]["items"] if public["supplement"] else None,
    )


# --- Receiving -------------------------------------------------------------------------------


class ApplicantIn(Schema):
    kind: str = "person"
    name: str
    id_number: str = ""
    old_id_number: str = ""
    id_issued_on: date | None = None
    birth_date: date | None = None
    gender: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    representative_name: str = ""
    representative_id_number: str = ""
    representative_phone: str = ""


class DocumentIn(Schema):
    """A document received: by its id in ``GET /api/v1/procedures/{code}`` or its exact name."""

    required_document: int | None = None
    name: str | None = None
    received: bool = True
    originals: int | None = None
    copies: int | None = None


class DossierIn(Schema):
    center: str
    procedure: str
    channel: str
    applicant: ApplicantIn
    documents: list[DocumentIn] = []
    decision: str | None = None
    reasons: str | None = None
    missing: list[str] = []
    case: int | None = None
    result_delivery: str | None = None
    postal_tracking: str | None = None
    ticket: int | None = None
    appointment_code: str | None = None
    note: str | None = None


class DossierCreated(Schema):
    code: str
    status: int
    status_label: str
    due_at: datetime | None
    receipt_url: str | None
    form: str | None
    track_url: str


def _staff(request: HttpRequest):
    user = caller(request).user
    if user is None:
        raise Unauthorized(_("Cần đăng nhập hoặc mã truy cập của cán bộ."))
    return user


def _center_for(user, code: str):
    center = center_list_for_user(user=user).filter(code=code).first()
    if center is None:
        raise NotAllowed(
            _("Bạn không làm việc ở trung tâm “%(code)s”.") % {"code": code}, code="forbidden"
        )
    return center


def _ticks(documents: list[DocumentIn], checklist) -> list[services.DocumentTick]:
    by_name = {doc.name.strip().casefold(): doc.pk for doc in checklist}
    ticks = []
    for item in documents:
        pk = item.required_document
        if pk is None and item.name:
            pk = by_name.get(item.name.strip().casefold())
        if pk is None:
            raise InvalidInput(
                _("Giấy tờ “%(name)s” không thuộc thành phần hồ sơ của thủ tục.")
                % {"name": item.name or "?"},
                code="unknown_document",
            )
        ticks.append(
            services.DocumentTick(
                required_document=pk,
                received=item.received,
                originals=item.originals,
                copies=item.copies,
            )
        )
    return ticks


def _receipt_url(request: HttpRequest, dossier: Dossier, form: FormRecord | None) -> str | None:
    if form is None:
        return None
    path = reverse("dossiers_staff:form-pdf", kwargs={"code": dossier.code, "pk": form.pk})
    return request.build_absolute_uri(path)


@router.post(
    "dossiers",
    response={
        201: DossierCreated,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=None,
)
def dossier_create(request: HttpRequest, payload: DossierIn):
    """Receive a dossier (staff token or session): ``channel`` direct | online | postal;
    ``decision`` accept (form 01) | supplement (form 02, the documents not received plus
    ``missing``) | refuse (form 03, ``reasons``). An online dossier may come without a decision
    (registered, to be checked). ``receipt_url`` is the form's PDF."""
    user = _staff(request)
    center = _center_for(user, payload.center)
    from motcua.catalog.models import Procedure

    procedure = (
        Procedure.objects.filter(code=payload.procedure).select_related("current_version").first()
    )
    checklist = (
        selectors.checklist_for(procedure.current_version, payload.case)
        if procedure is not None and procedure.current_version is not None
        else []
    )
    decision = None
    if payload.decision is not None:
        decision = services.Decision(
            decision=payload.decision,
            missing=payload.missing,
            reasons=payload.reasons or "",
            note=payload.note or "",
        )
    dossier, form = services.dossier_receive(
        actor=user,
        center=center,
        procedure_code=payload.procedure,
        channel=payload.channel,
        applicant=payload.applicant.dict(),
        documents=_ticks(payload.documents, checklist),
        decision=decision,
        case=payload.case,
        result_delivery=payload.result_delivery or "",
        postal_tracking=payload.postal_tracking or "",
        ticket_id=payload.ticket,
        appointment_code=payload.appointment_code or "",
        note=payload.note or "",
    )
    return Status(
        201,
        DossierCreated(
            code=dossier.code,
            status=dossier.status,
            status_label=dossier.status_label,
            due_at=_local(dossier, dossier.due_at),
            receipt_url=_receipt_url(request, dossier, form),
            form=form.form if form else None,
            track_url=selectors.tracking_url(dossier),
        ),
    )


class FileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    document: int | None
    url: str


class FilesOut(Schema):
    files: list[FileOut]


def _file_out(request: HttpRequest, row) -> FileOut:
    return FileOut(
        id=row.pk,
        name=row.original_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        document=row.document.required_document_id if row.document else None,
        url=request.build_absolute_uri(reverse("dossiers_staff:file", kwargs={"pk": row.pk})),
    )


@router.post(
    "dossiers/{code}/files",
    response={
        201: FilesOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=None,
)
def dossier_files(
    request: HttpRequest,
    code: str,
    files: File[list[UploadedFile]],
    document: Form[int | None] = None,
    result: Form[bool] = False,
):
    """Attach scans (multipart, field ``files``; PDF, JPEG or PNG) to a dossier, optionally for
    one required document (``document``: its id). One bad file refuses them all."""
    user = _staff(request)
    dossier = selectors.dossier_get_for_user(user=user, code=code)
    stored = services.dossier_attach(
        actor=user,
        dossier=dossier,
        uploads=[services.Upload(file=f, required_document=document) for f in files],
        result=result,
    )
    return Status(201, FilesOut(files=[_file_out(request, row) for row in stored]))


class DocumentOut(Schema):
    required_document: int | None
    name: str
    received: bool
    originals: int
    copies: int
    originals_required: int
    copies_required: int


class EventOut(Schema):
    at: datetime
    action: str
    from_status: int
    to_status: int
    actor: str | None
    note: str


class FormOut(Schema):
    form: str
    number: str
    issued_at: datetime
    url: str


class DossierOut(Schema):
    code: str
    center: str
    procedure: str
    procedure_name: str
    procedure_version: int
    channel: int
    status: int
    status_label: str
    applicant: dict[str, Any]
    received_at: datetime
    received_by: str | None
    accepted_at: datetime | None
    due_at: datetime | None
    due_basis: dict[str, Any]
    returned_at: datetime | None
    result_delivery: str
    postal_tracking_in: str
    postal_tracking_out: str
    fees: list[dict[str, Any]]
    fee_total_vnd: int
    refusal_reasons: str
    ticket: int | None
    appointment_code: str
    documents: list[DocumentOut]
    files: list[FileOut]
    forms: list[FormOut]
    events: list[EventOut]
    track_url: str


@router.get(
    "dossiers/{code}",
    response={200: DossierOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=None,
)
def dossier_detail(request: HttpRequest, code: str) -> DossierOut:
    """Everything about a dossier, for staff who may see it (404 for anyone else)."""
    user = _staff(request)
    dossier = selectors.dossier_get_for_user(user=user, code=code)
    services.dossier_personal_data_viewed(actor=user, dossier=dossier, what="api", request=request)
    return DossierOut(
        code=dossier.code,
        center=dossier.center.code,
        procedure=dossier.procedure.code,
        procedure_name=dossier.procedure_version.name,
        procedure_version=dossier.procedure_version.number,
        channel=dossier.channel,
        status=dossier.status,
        status_label=dossier.status_label,
        applicant={
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.id_number,
            "old_id_number": dossier.old_id_number,
            "id_issued_on": dossier.id_issued_on,
            "birth_date": dossier.birth_date,
            "gender": dossier.gender,
            "address": dossier.address,
            "phone": dossier.phone,
            "email": dossier.email,
            "representative_name": dossier.representative_name,
            "representative_id_number": dossier.representative_id_number,
            "representative_phone": dossier.representative_phone,
        },
        received_at=_local(dossier, dossier.received_at),
        received_by=dossier.received_by.get_username() if dossier.received_by else None,
        accepted_at=_local(dossier, dossier.accepted_at),
        due_at=_local(dossier, dossier.due_at),
        due_basis=dossier.due_basis,
        returned_at=_local(dossier, dossier.returned_at),
        result_delivery=dossier.result_delivery,
        postal_tracking_in=dossier.postal_tracking_in,
        postal_tracking_out=dossier.postal_tracking_out,
        fees=dossier.fees,
        fee_total_vnd=dossier.fee_total_vnd,
        refusal_reasons=dossier.refusal_reasons,
        ticket=dossier.ticket_id,
        appointment_code=dossier.appointment_code,
        documents=[
            DocumentOut(
                required_document=doc.required_document_id,
                name=doc.name,
                received=doc.received,
                originals=doc.originals,
                copies=doc.copies,
                originals_required=doc.originals_required,
                copies_required=doc.copies_required,
            )
            for doc in dossier.documents.all()
        ],
        files=[_file_out(request, row) for row in dossier.files.select_related("document").all()],
        forms=[
            FormOut(
                form=form.form,
                number=form.display_number,
                issued_at=_local(dossier, form.issued_at),
                url=_receipt_url(request, dossier, form) or "",
            )
            for form in dossier.forms.all()
        ],
        events=[
            EventOut(
                at=_local(dossier, event.at),
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                actor=event.actor.get_username() if event.actor else None,
                note=event.note,
            )
            for event in dossier.events.select_related("actor").all()
        ],
        track_url=selectors.tracking_url(dossier),
    )


# --- The internal process --------------------------------------------------------------------


class ActionIn(Schema):
    assignee: str | None = None
    reason: str | None = None
    items: list[str] = []
    amount_vnd: int | None = None
    receipt: str | None = None
    new_due_at: datetime | None = None
    to_center: str | None = None
    to_department: str | None = None
    step_due_at: datetime | None = None
    delivery: str | None = None
    postal_tracking: str | None = None
    version: int | None = None


class StepNow(Schema):
    order: int
    name: str
    role: str
    center: str
    department: str | None
    assignee: str | None
    due_at: datetime | None


class ActionOut(Schema):
    code: str
    status: int
    status_label: str
    due_at: datetime | None
    step: StepNow | None
    version: int
    timeliness: str


@router.post(
    "dossiers/{code}/actions/{action}",
    response={
        200: ActionOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=None,
)
def dossier_action(
    request: HttpRequest, code: str, action: str, payload: ActionIn | None = None
) -> ActionOut:
    """A move of the internal process: ``assign`` (``assignee``, or the least loaded),
    ``forward`` (``assignee``?; ``to_center``/``to_department`` and ``step_due_at`` for an
    inter-agency step), ``send_back`` (``reason``), ``request_supplement`` (``items``),
    ``receive_supplement``, ``request_payment`` (``amount_vnd``?), ``record_payment``
    (``receipt``), ``approve``, ``mark_processed`` (a result document must be attached:
    ``POST …/files`` with ``result=true``), ``return_result`` (``delivery``,
    ``postal_tracking``), ``withdraw``, ``stop``, ``refuse`` (``reason``), ``apologize``
    (``new_due_at``, ``reason``). ``version`` (from ``GET``) refuses the move if someone acted
    in between. A move the table does not allow is a 409 with a clear message."""
    from motcua.dossiers import processing

    user = _staff(request)
    dossier = selectors.dossier_get_for_user(user=user, code=code)
    body = payload or ActionIn()
    done = processing.dossier_act(
        actor=user,
        dossier=dossier,
        action=action,
        data=processing.ActionInput(
            assignee=body.assignee or "",
            reason=body.reason or "",
            items=body.items,
            amount_vnd=body.amount_vnd,
            receipt=body.receipt or "",
            new_due_at=_aware(dossier, body.new_due_at),
            to_center=body.to_center or "",
            to_department=body.to_department or "",
            step_due_at=_aware(dossier, body.step_due_at),
            delivery=body.delivery or "",
            postal_tracking=body.postal_tracking or "",
            version=body.version,
        ),
    )
    return _action_out(done)


def _aware(dossier: Dossier, value: datetime | None) -> datetime | None:
    """A time given without its offset is the center's local time."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(dossier.center.time_zone))


def _action_out(dossier: Dossier) -> ActionOut:
    dossier = Dossier.objects.select_related(
        "center", "current_step__center", "current_step__department", "current_step__assignee"
    ).get(pk=dossier.pk)
    step = dossier.current_step
    return ActionOut(
        code=dossier.code,
        status=dossier.status,
        status_label=dossier.status_label,
        due_at=_local(dossier, dossier.due_at),
        step=StepNow(
            order=step.order,
            name=step.name,
            role=step.role,
            center=step.center.code,
            department=step.department.code if step.department else None,
            assignee=step.assignee.get_username() if step.assignee else None,
            due_at=_local(dossier, step.due_at),
        )
        if step is not None
        else None,
        version=dossier.version,
        timeliness=dossier.timeliness,
    )
