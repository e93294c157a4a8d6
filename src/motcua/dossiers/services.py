"""Writes of dossiers: receiving at the counter, by post and online; deciding (accept, request
a supplement, refuse); the citizen's supplement; attaching scans; returning the result.

Every write runs in one transaction that appends a :class:`DossierEvent`; messages to the
citizen are written to the outbox in the same transaction and sent after commit. Dossier codes
and form numbers come from per-scope sequence rows bumped with an atomic ``F()`` update (the
row stays locked until commit), so simultaneous acceptances get distinct consecutive codes.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit.models import Action as AuditAction
from motcua.audit.services import audit_record
from motcua.catalog.models import CenterProcedure, Channel, Procedure
from motcua.catalog.selectors import due_at as catalog_due_at
from motcua.catalog.selectors import processing_time_for
from motcua.dossiers.models import (
    ApplicantKind,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFile,
    DossierSequence,
    FormRecord,
    FormSequence,
    Gender,
    ResultDelivery,
    Supplement,
)
from motcua.dossiers.selectors import (
    POSTAL_ROLES,
    RECEIVE_ROLES,
    checklist_for,
    tracking_url,
)
from motcua.dossiers.signals import dossier_event_recorded
from motcua.dossiers.signing import pdf_sign
from motcua.dossiers.uploads import CheckedFile, upload_check
from motcua.dossiers.workflow import NEW, Action, Status, check
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.notifications.models import ChannelKind, Kind
from motcua.notifications.services import notification_enqueue
from motcua.organization.models import Center
from motcua.organization.selectors import center_calendar, center_now, user_has_role
from motcua.phones import VIETNAMESE as VIETNAMESE_PHONE
from motcua.phones import normalize_phone

CHANNEL_NAMES = {"direct": Channel.IN_PERSON, "online": Channel.ONLINE, "postal": Channel.POSTAL}
DECISIONS = ("accept", "supplement", "refuse")
MAX_FILES_PER_DOSSIER = 60


# --- Input ---------------------------------------------------------------------------------


@dataclass
class Applicant:
    """The applicant as entered at the counter, by post or online, cleaned."""

    name: str
    kind: str = ApplicantKind.PERSON
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

    def as_fields(self) -> dict[str, Any]:
        """The applicant as the Dossier's fields."""
        return {
            "applicant_kind": self.kind,
            "applicant_name": self.name,
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "id_issued_on": self.id_issued_on,
            "birth_date": self.birth_date,
            "gender": self.gender,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
            "representative_name": self.representative_name,
            "representative_id_number": self.representative_id_number,
            "representative_phone": self.representative_phone,
        }


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()[:limit]


def _date_value(data: dict[str, Any], key: str, errors: dict[str, str]) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[key] = _("Ngày không hợp lệ (dạng YYYY-MM-DD).")
        return None


def applicant_clean(data: dict[str, Any], *, require_contact: bool = False) -> Applicant:
    """Check the applicant's data; every problem is reported at once (``details.errors``)."""
    errors: dict[str, str] = {}
    kind = _text(data, "kind", 16) or ApplicantKind.PERSON
    if kind not in ApplicantKind.values:
        errors["kind"] = _("Người nộp phải là cá nhân hoặc tổ chức.")
    name = _text(data, "name", 200)
    if len(name) < 2:
        errors["name"] = _("Nhập họ tên người nộp (hoặc tên tổ chức).")
    id_number = re.sub(r"\s", "", str(data.get("id_number") or ""))[:20]
    if id_number:
        if kind == ApplicantKind.PERSON and not re.fullmatch(r"\d{12}|\d{9}", id_number):
            errors["id_number"] = _("Số CCCD có 12 chữ số (CMND cũ: 9 chữ số).")
        elif kind == ApplicantKind.ORGANISATION and not re.fullmatch(r"[0-9-]{10,14}", id_number):
            errors["id_number"] = _("Mã số doanh nghiệp/tổ chức không hợp lệ.")
    old_id = re.sub(r"\s", "", str(data.get("old_id_number") or ""))[:12]
    if old_id and not re.fullmatch(r"\d{9}|\d{12}", old_id):
        errors["old_id_number"] = _("Số CMND cũ có 9 hoặc 12 chữ số.")
    gender = _text(data, "gender", 8)
    if gender and gender not in Gender.values:
        errors["gender"] = _("Giới tính không hợp lệ.")
    phone = normalize_phone(str(data.get("phone") or ""))
    if phone and not VIETNAMESE_PHONE.match(phone):
        errors["phone"] = _("Số điện thoại không hợp lệ (ví dụ 0912345678).")
    email = _text(data, "email", 254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Địa chỉ thư điện tử không hợp lệ.")
    rep_phone = normalize_phone(str(data.get("representative_phone") or ""))
    if rep_phone and not VIETNAMESE_PHONE.match(rep_phone):
        errors["representative_phone"] = _("Số điện thoại không hợp lệ (ví dụ 0912345678).")
    rep_id = re.sub(r"\s", "", str(data.get("representative_id_number") or ""))[:20]
    if rep_id and not re.fullmatch(r"\d{12}|\d{9}", rep_id):
        errors["representative_id_number"] = _("Số CCCD có 12 chữ số (CMND cũ: 9 chữ số).")
    birth_date = _date_value(data, "birth_date", errors)
    issued_on = _date_value(data, "id_issued_on", errors)
    today = timezone.localdate()
    if birth_date and (birth_date > today or birth_date.year < 1900):
        errors["birth_date"] = _("Ngày sinh không hợp lý.")
    if issued_on and issued_on > today:
        errors["id_issued_on"] = _("Ngày cấp không thể ở tương lai.")
    if require_contact:
        if not id_number:
            errors.setdefault("id_number", _("Nhập số CCCD (hoặc mã số tổ chức)."))
        if not phone and not email:
            errors.setdefault("phone", _("Nhập số điện thoại hoặc thư điện tử để nhận thông báo."))
    if errors:
        raise InvalidInput(
            _("Thông tin người nộp chưa hợp lệ: %(fields)s.")
            % {"fields": "; ".join(errors.values())},
            code="invalid_applicant",
            errors=errors,
        )
    return Applicant(
        name=name,
        kind=kind,
        id_number=id_number,
        old_id_number=old_id,
        id_issued_on=issued_on,
        birth_date=birth_date,
        gender=gender,
        address=_text(data, "address", 300),
        phone=phone,
        email=email,
        representative_name=_text(data, "representative_name", 200),
        representative_id_number=rep_id,
        representative_phone=rep_phone,
    )


@dataclass
class DocumentTick:
    """One line of the checklist as the officer ticked it."""

    required_document: int
    received: bool = True
    originals: int | None = None
    copies: int | None = None


@dataclass
class Upload:
    """A file for the dossier, for one required document (or none: "other")."""

    file: UploadedFile
    required_document: int | None = None


@dataclass
class Decision:
    decision: str
    missing: list[str] = field(default_factory=list)
    reasons: str = ""
    note: str = ""


def channel_value(channel: str | int) -> int:
    if isinstance(channel, int) and channel in Channel.values:
        return channel
    if str(channel) in CHANNEL_NAMES:
        return CHANNEL_NAMES[str(channel)]
    if str(channel).isdigit() and int(channel) in Channel.values:
        return int(channel)
    raise InvalidInput(
        _("Kênh nộp phải là trực tiếp (direct), trực tuyến (online) hoặc bưu chính (postal)."),
        code="invalid_channel",
    )


# --- Numbers --------------------------------------------------------------------------------


def _bump(queryset, create) -> int:
    """Add one to a sequence row (the update holds its lock until commit); create it first."""
    if not queryset.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                create()
        except IntegrityError:
            # Another transaction created the row first: bump it like everyone else.
            queryset.update(last_number=F("last_number") + 1)
    return queryset.values_list("last_number", flat=True).get()


def dossier_code_next(*, center: Center, day: date) -> str:
    """``{unit code}-{YYMMDD}-{NNNN}``: the receiving unit's sequence of the day, never reused.
    Call inside the transaction that stores the dossier."""
    number = _bump(
        DossierSequence.objects.filter(center=center, day=day),
        lambda: DossierSequence.objects.create(center=center, day=day, last_number=1),
    )
    return f"{center.unit_code}-{day:%y%m%d}-{number:04d}"


def form_number_next(*, center: Center, form: str, year: int) -> int:
    return _bump(
        FormSequence.objects.filter(center=center, form=form, year=year),
        lambda: FormSequence.objects.create(center=center, form=form, year=year, last_number=1),
    )


# --- Helpers ---------------------------------------------------------------------------------


def _event(
    dossier: Dossier,
    action: str,
    before: int,
    *,
    at: datetime,
    actor: User | None,
    note: str = "",
    data: dict | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        from_status=before,
        to_status=dossier.status,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:2000],
        data=data or {},
    )
    # Layers above (integrations: the portal outbox, webhooks) write their rows in this
    # transaction.
    dossier_event_recorded.send(sender=Dossier, dossier=dossier, event=event)
    # The audit log (docs/security.md): every state change, in the same transaction.
    audit_record(
        actor=actor,
        action=AuditAction.STATE_CHANGE,
        object_type="dossier",
        object_key=dossier.code,
        center=dossier.center,
        details={"action": action, "from": before, "to": dossier.status, "event": event.pk},
        at=at,
    )
    return event


def dossier_personal_data_viewed(
    *, actor: User, dossier: Dossier, what: str, request: Any = None, action: str = ""
) -> None:
    """Write to the audit log that ``actor`` saw ``dossier``'s personal data (its page, a
    file, a form, the API); ``what`` says which."""
    audit_record(
        actor=actor,
        action=action or AuditAction.VIEW_PERSONAL_DATA,
        object_type="dossier",
        object_key=dossier.code,
        center=dossier.center,
        details={"what": what},
        request=request,
    )


def _issue_form(
    dossier: Dossier, form: str, *, at: datetime, actor: User | None, content: dict
) -> FormRecord:
    local = center_now(center=dossier.center, now=at)
    number = form_number_next(center=dossier.center, form=form, year=local.year)
    return FormRecord.objects.create(
        dossier=dossier,
        form=form,
        year=local.year,
        number=number,
        issued_at=at,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        content=content,
    )


def _center_procedure(center: Center, procedure_code: str) -> CenterProcedure:
    link = (
        CenterProcedure.objects.select_related(
            "procedure", "procedure__current_version", "department"
        )
        .filter(
            center=center,
            procedure__code=procedure_code,
            procedure__is_active=True,
            procedure__current_version__isnull=False,
        )
        .first()
    )
    if link is None:
        if not Procedure.objects.filter(code=procedure_code).exists():
            raise NotFound(
                _("Không có thủ tục mã “%(code)s”.") % {"code": procedure_code},
                code="unknown_procedure",
            )
        raise InvalidInput(
            _("%(center)s không tiếp nhận thủ tục “%(code)s”.")
            % {"center": center.name, "code": procedure_code},
            code="procedure_not_at_center",
        )
    if not link.is_active:
        raise InvalidInput(
            _("%(center)s đang tạm dừng tiếp nhận thủ tục này.") % {"center": center.name},
            code="procedure_not_at_center",
        )
    return link


def _fees(version, channel: int) -> tuple[list[dict], int]:
    rows = [fee for fee in version.fees.all() if fee.channel == channel]
    if not rows:
        rows = [fee for fee in version.fees.all() if fee.channel == Channel.IN_PERSON]
    fees = [
        {"kind": fee.kind, "amount_vnd": fee.amount_vnd, "description": fee.description}
        for fee in rows
    ]
    return fees, sum(fee.amount_vnd or 0 for fee in rows)


def _set_due(dossier: Dossier, at: datetime) -> None:
    """The due time, fixed at acceptance by the center's calendar, with what produced it."""
    version = dossier.procedure_version
    time = processing_time_for(version, dossier.channel)
    dossier.accepted_at = at
    if time is None:
        dossier.due_at = None
        dossier.due_basis = {"version": version.pk, "reason": "no processing time"}
        return
    calendar = center_calendar(center=dossier.center)
    dossier.due_at = catalog_due_at(calendar, at, time)
    dossier.due_basis = {
        "version": version.pk,
        "version_number": version.number,
        "channel": time.channel,
        "value": str(time.value),
        "unit": time.unit,
        "calendar": dossier.center.code,
        "time_zone": dossier.center.time_zone,
        "from": at.isoformat(),
    }


def _store_files(
    dossier: Dossier,
    checked: Sequence[tuple[CheckedFile, DossierDocument | None]],
    *,
    at: datetime,
    actor: User | None,
    by_citizen: bool,
) -> list[DossierFile]:
    if dossier.files.count() + len(checked) > MAX_FILES_PER_DOSSIER:
        raise InvalidInput(
            _("Mỗi hồ sơ có tối đa %(n)s tệp.") % {"n": MAX_FILES_PER_DOSSIER},
            code="too_many_files",
        )
    stored = []
    for item, document in checked:
        row = DossierFile(
            dossier=dossier,
            document=document,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_at=at,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            by_citizen=by_citizen,
        )
        row.file.save(f"{item.sha256[:16]}{item.extension}", ContentFile(item.content), save=False)
        # A file written by a transaction that then fails must not stay on disk.
        _written().append((row.file.storage, row.file.name or ""))
        row.save()
        stored.append(row)
    return stored


_files_local = threading.local()


def _written() -> list[tuple[Any, str]]:
    """Files saved by the current thread's open dossier transactions."""
    if not hasattr(_files_local, "names"):
        _files_local.names = []
    return _files_local.names


def _check_uploads(
    uploads: Sequence[Upload], documents: dict[int, DossierDocument]
) -> list[tuple[CheckedFile, DossierDocument | None]]:
    """Every file is checked before anything is written: one bad file refuses them all."""
    checked = []
    for upload in uploads:
        document = None
        if upload.required_document is not None:
            document = documents.get(upload.required_document)
            if document is None:
                raise InvalidInput(
                    _("Tệp “%(name)s” gắn với giấy tờ không có trong hồ sơ.")
                    % {"name": upload.file.name},
                    code="unknown_document",
                )
        checked.append((upload_check(upload.file), document))
    return checked


def _notify(dossier: Dossier, kind: str, context: dict[str, Any]) -> None:
    """The citizen's message by SMS and email, whichever they gave, in Vietnamese."""
    base = {
        "dossier_code": dossier.code,
        "procedure_name": dossier.procedure_version.name[:120],
        "track_url": tracking_url(dossier),
        **context,
    }
    for channel, recipient in (
        (ChannelKind.SMS, dossier.phone),
        (ChannelKind.EMAIL, dossier.email),
    ):
        if recipient:
            notification_enqueue(
                center=dossier.center,
                kind=kind,
                channel=channel,
                recipient=recipient,
                context=base,
                idempotency_key=f"dossier:{dossier.pk}:{kind}:{dossier.events.count()}:{channel}",
            )


def _local_text(dossier: Dossier, at: datetime | None) -> str:
    if at is None:
        return ""
    return f"{center_now(center=dossier.center, now=at):%H:%M %d/%m/%Y}"


# --- Deciding ------------------------------------------------------------------------------


def _decide(
    dossier: Dossier,
    decision: Decision,
    *,
    at: datetime,
    actor: User | None,
    documents: list[DossierDocument],
) -> FormRecord:
    """Accept (form 01), request a supplement (form 02) or refuse (form 03); in the caller's
    transaction, with the dossier row locked or new."""
    before = dossier.status
    if decision.decision == "accept":
        missing = [doc.name for doc in documents if not doc.received]
        if missing:
            raise InvalidInput(
                _(
                    "Hồ sơ chưa đủ giấy tờ nên chưa thể tiếp nhận; hãy yêu cầu bổ sung. "
                    "Còn thiếu: %(missing)s"
                )
                % {"missing": "; ".join(m[:80] for m in missing)},
                code="incomplete",
                missing=missing,
            )
        dossier.status = check(Action.ACCEPT, before)
        _set_due(dossier, at)
        dossier.decided_at = at
        dossier.save()
        _event(dossier, Action.ACCEPT, before, at=at, actor=actor, note=decision.note)
        from motcua.dossiers.processing import steps_create

        steps_create(dossier, at=at, actor=actor)
        form = _issue_form(dossier, FormRecord.Form.RECEIPT, at=at, actor=actor, content={})
        _notify(dossier, Kind.DOSSIER_RECEIVED, {"due_at": _local_text(dossier, dossier.due_at)})
        return form
    if decision.decision == "supplement":
        items = [doc.name for doc in documents if not doc.received]
        items += [item.strip()[:500] for item in decision.missing if item and item.strip()]
        items = list(dict.fromkeys(items))
        if not items:
            raise InvalidInput(
                _("Hãy ghi rõ các giấy tờ cần bổ sung (tất cả trong một lần)."),
                code="no_missing_items",
            )
        dossier.status = check(Action.REQUEST_SUPPLEMENT, before)
        dossier.decided_at = at
        dossier.save()
        Supplement.objects.create(
            dossier=dossier,
            items=items,
            note=decision.note[:2000],
            requested_at=at,
            requested_by=actor if actor is not None and actor.is_authenticated else None,
        )
        _event(
            dossier,
            Action.REQUEST_SUPPLEMENT,
            before,
            at=at,
            actor=actor,
            note=decision.note,
            data={"items": items},
        )
        form = _issue_form(
            dossier,
            FormRecord.Form.SUPPLEMENT,
            at=at,
            actor=actor,
            content={"items": items, "note": decision.note[:2000]},
        )
        _notify(dossier, Kind.SUPPLEMENT_REQUESTED, {"missing": "; ".join(items)[:300]})
        return form
    if decision.decision == "refuse":
        reasons = decision.reasons.strip()[:2000]
        if len(reasons) < 5:
            raise InvalidInput(_("Hãy ghi rõ lý do từ chối tiếp nhận."), code="no_reasons")
        dossier.status = check(Action.REFUSE, before)
        dossier.refusal_reasons = reasons
        dossier.decided_at = at
        dossier.save()
        _event(dossier, Action.REFUSE, before, at=at, actor=actor, note=reasons)
        form = _issue_form(
            dossier, FormRecord.Form.REFUSAL, at=at, actor=actor, content={"reasons": reasons}
        )
        _notify(dossier, Kind.DOSSIER_REFUSED, {"reason": reasons[:300]})
        return form
    raise InvalidInput(
        _("Quyết định phải là tiếp nhận, yêu cầu bổ sung hoặc từ chối."), code="invalid_decision"
    )


def _ticks_apply(documents: list[DossierDocument], ticks: Sequence[DocumentTick]) -> None:
    by_required = {doc.required_document_id: doc for doc in documents}
    for tick in ticks:
        doc = by_required.get(tick.required_document)
        if doc is None:
            raise InvalidInput(
                _("Giấy tờ số %(id)s không thuộc thành phần hồ sơ của thủ tục.")
                % {"id": tick.required_document},
                code="unknown_document",
            )
        doc.received = bool(tick.received)
        if tick.received:
            doc.originals = doc.originals_required if tick.originals is None else tick.originals
            doc.copies = doc.copies_required if tick.copies is None else tick.copies
        else:
            doc.originals = doc.copies = 0
        if doc.originals < 0 or doc.copies < 0 or doc.originals > 99 or doc.copies > 99:
            raise InvalidInput(_("Số bản chính/bản sao không hợp lệ."), code="invalid_document")


# --- Receiving -------------------------------------------------------------------------------


def receive_check(*, actor: User | None, center: Center, channel: int) -> None:
    """Receptionists receive in person and online; postal staff (and receptionists) by post."""
    roles = POSTAL_ROLES if channel == Channel.POSTAL else RECEIVE_ROLES
    if actor is None or not user_has_role(user=actor, center=center, roles=roles):
        if channel == Channel.POSTAL:
            raise NotAllowed(
                _(
                    "Chỉ nhân viên bưu chính hoặc cán bộ tiếp nhận của trung tâm được nhận hồ sơ "
                    "qua bưu chính."
                ),
                code="not_postal_staff",
            )
        raise NotAllowed(
            _("Chỉ cán bộ tiếp nhận của trung tâm được tiếp nhận hồ sơ."), code="not_receptionist"
        )


def dossier_receive(
    *,
    actor: User | None,
    center: Center,
    procedure_code: str,
    channel: str | int,
    applicant: dict[str, Any],
    documents: Sequence[DocumentTick] = (),
    decision: Decision | None,
    uploads: Sequence[Upload] = (),
    case: int | None = None,
    result_delivery: str = "",
    postal_tracking: str = "",
    ticket_id: int | None = None,
    appointment_code: str = "",
    note: str = "",
    now: datetime | None = None,
) -> tuple[Dossier, FormRecord | None]:
    """Receive a dossier by staff: at the counter (from the ticket being served), by post, or an
    online dossier entered by another system. With a decision it is accepted, sent back for a
    supplement or refused at once (form 01, 02 or 03); without one (online only) it waits as
    registered. Nothing is written when anything is wrong."""
    channel_code = channel_value(channel)
    receive_check(actor=actor, center=center, channel=channel_code)
    if decision is None and channel_code != Channel.ONLINE:
        raise InvalidInput(
            _("Hãy chọn: tiếp nhận, yêu cầu bổ sung hoặc từ chối."), code="invalid_decision"
        )
    if decision is not None and decision.decision not in DECISIONS:
        raise InvalidInput(
            _("Quyết định phải là tiếp nhận, yêu cầu bổ sung hoặc từ chối."),
            code="invalid_decision",
        )
    person = applicant_clean(applicant)
    link = _center_procedure(center, procedure_code)
    version = link.procedure.current_version
    if version is None:  # filtered out by _center_procedure
        raise NotFound(_("Thủ tục chưa có nội dung."), code="unknown_procedure")
    delivery = result_delivery or (
        ResultDelivery.POST if channel_code == Channel.POSTAL else ResultDelivery.COUNTER
    )
    if delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hình thức nhận kết quả không hợp lệ."), code="invalid_delivery")
    if delivery == ResultDelivery.POST and not person.address:
        raise InvalidInput(
            _("Cần địa chỉ của người nộp để gửi kết quả qua bưu chính."), code="address_needed"
        )
    postal_tracking = re.sub(r"\s", "", postal_tracking or "")[:40]
    if channel_code == Channel.POSTAL and not postal_tracking:
        raise InvalidInput(
            _("Nhập số hiệu bưu gửi của hồ sơ gửi đến qua bưu chính."), code="tracking_needed"
        )
    ticket = None
    if ticket_id is not None:
        from motcua.queueing.models import Ticket

        ticket = Ticket.objects.filter(pk=ticket_id, center=center).first()
        if ticket is None:
            raise InvalidInput(_("Phiếu số không thuộc trung tâm này."), code="unknown_ticket")
    at = now or timezone.now()
    with dossier_transaction():
        fees, total = _fees(version, channel_code)
        dossier = Dossier(
            center=center,
            procedure=link.procedure,
            procedure_version=version,
            channel=channel_code,
            status=NEW,
            **person.as_fields(),
            fees=fees,
            fee_total_vnd=total,
            received_at=at,
            received_by=actor if actor is not None and actor.is_authenticated else None,
            result_delivery=delivery,
            postal_tracking_in=postal_tracking,
            ticket=ticket,
            appointment_code=(appointment_code or (ticket.appointment_code if ticket else ""))[:32],
            note=note.strip()[:2000],
        )
        day = center_now(center=center, now=at).date()
        dossier.code = dossier_code_next(center=center, day=day)
        if decision is None:
            dossier.status = check(Action.REGISTER, NEW)
        dossier.save()
        documents_rows = _checklist_create(dossier, version, case)
        _ticks_apply(documents_rows, documents)
        DossierDocument.objects.bulk_update(documents_rows, ["received", "originals", "copies"])
        by_required = {doc.required_document_id: doc for doc in documents_rows}
        checked = _check_uploads(uploads, by_required)  # type: ignore[arg-type]
        for _checked, doc in checked:
            if doc is not None and not doc.received:
                doc.received = True
                doc.originals, doc.copies = doc.originals_required, doc.copies_required
                doc.save(update_fields=["received", "originals", "copies"])
        _store_files(dossier, checked, at=at, actor=actor, by_citizen=False)
        form = None
        if decision is None:
            _event(dossier, Action.REGISTER, NEW, at=at, actor=actor, note=note)
            _notify(dossier, Kind.DOSSIER_REGISTERED, {})
        else:
            form = _decide(dossier, decision, at=at, actor=actor, documents=documents_rows)
    return dossier, form


def _checklist_create(dossier: Dossier, version, case: int | None) -> list[DossierDocument]:
    rows = [
        DossierDocument(
            dossier=dossier,
            required_document=doc,
            name=doc.name,
            originals_required=doc.originals,
            copies_required=doc.copies,
            order=order,
        )
        for order, doc in enumerate(checklist_for(version, case))
    ]
    return DossierDocument.objects.bulk_create(rows)


def dossier_submit_online(
    *,
    center: Center,
    procedure_code: str,
    applicant: dict[str, Any],
    uploads: Sequence[Upload],
    case: int | None = None,
    result_delivery: str = ResultDelivery.ELECTRONIC,
    now: datetime | None = None,
) -> Dossier:
    """A citizen submits online from the public site: status 1 (registered) and a message
    with the code. Each required document's upload ticks it; the receptionist checks later."""
    person = applicant_clean(applicant, require_contact=True)
    link = _center_procedure(center, procedure_code)
    version = link.procedure.current_version
    if version is None:  # filtered out by _center_procedure
        raise NotFound(_("Thủ tục chưa có nội dung."), code="unknown_procedure")
    if link.procedure.online_level == "none":
        raise InvalidInput(
            _("Thủ tục này chưa được nộp trực tuyến; mời ông/bà nộp trực tiếp hoặc qua bưu chính."),
            code="not_online",
        )
    if result_delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hình thức nhận kết quả không hợp lệ."), code="invalid_delivery")
    if result_delivery == ResultDelivery.POST and not person.address:
        raise InvalidInput(
            _("Cần địa chỉ của người nộp để gửi kết quả qua bưu chính."), code="address_needed"
        )
    if not uploads:
        raise InvalidInput(_("Hãy tải lên ít nhất một giấy tờ của hồ sơ."), code="no_files")
    at = now or timezone.now()
    with dossier_transaction():
        fees, total = _fees(version, Channel.ONLINE)
        dossier = Dossier(
            center=center,
            procedure=link.procedure,
            procedure_version=version,
            channel=Channel.ONLINE,
            status=check(Action.REGISTER, NEW),
            **person.as_fields(),
            fees=fees,
            fee_total_vnd=total,
            received_at=at,
            result_delivery=result_delivery,
        )
        day = center_now(center=center, now=at).date()
        dossier.code = dossier_code_next(center=center, day=day)
        dossier.save()
        documents_rows = _checklist_create(dossier, version, case)
        by_required = {doc.required_document_id: doc for doc in documents_rows}
        checked = _check_uploads(uploads, by_required)  # type: ignore[arg-type]
        for _checked, doc in checked:
            if doc is not None:
                doc.received = True
                doc.copies = max(doc.copies_required, 1)
                doc.originals = 0
                doc.save(update_fields=["received", "originals", "copies"])
        _store_files(dossier, checked, at=at, actor=None, by_citizen=True)
        _event(dossier, Action.REGISTER, NEW, at=at, actor=None)
        _notify(dossier, Kind.DOSSIER_REGISTERED, {})
    return dossier


def _locked(dossier: Dossier) -> Dossier:
    # The dossier's row only: without ``of`` PostgreSQL would lock its center's row as well,
    # and every dossier write of the center would wait for the others.
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("center", "procedure_version")
        .get(pk=dossier.pk)
    )


def dossier_decide(
    *,
    actor: User,
    dossier: Dossier,
    decision: Decision,
    documents: Sequence[DocumentTick] = (),
    now: datetime | None = None,
) -> tuple[Dossier, FormRecord]:
    """A receptionist decides on an online dossier (registered), or on one whose supplement
    asked at reception has come back: accept, request a supplement, or refuse."""
    receive_check(actor=actor, center=dossier.center, channel=dossier.channel)
    at = now or timezone.now()
    with dossier_transaction():
        locked = _locked(dossier)
        if locked.status != dossier.status:
            # Decided by someone else (or answered by the citizen) since the officer read it:
            # this decision was made on a dossier that is no longer there. Without this, a
            # supplement request and an acceptance at the same moment would both succeed.
            raise Conflict(
                _(
                    "Hồ sơ vừa được cập nhật (hiện ở trạng thái “%(status)s”). "
                    "Hãy mở lại hồ sơ và kiểm tra trước khi quyết định."
                )
                % {"status": locked.status_label},
                code="dossier_changed",
            )
        if locked.accepted_at is not None:
            # Accepted already: its decisions are those of the internal process.
            raise Conflict(
                _("Hồ sơ đã được tiếp nhận; hãy xử lý theo quy trình nội bộ."),
                code="invalid_transition",
            )
        check(
            {"accept": Action.ACCEPT, "supplement": Action.REQUEST_SUPPLEMENT}.get(
                decision.decision, Action.REFUSE
            ),
            locked.status,
        )
        rows = list(locked.documents.all())
        _ticks_apply(rows, documents)
        DossierDocument.objects.bulk_update(rows, ["received", "originals", "copies"])
        if locked.status == Status.SUPPLEMENT:
            # The supplement asked at reception came back (at the counter or by post).
            locked.supplements.filter(answered_at__isnull=True).update(answered_at=at)
        form = _decide(locked, decision, at=at, actor=actor, documents=rows)
    return locked, form


def dossier_supplement_answer(
    *,
    dossier: Dossier,
    uploads: Sequence[Upload],
    note: str = "",
    now: datetime | None = None,
) -> Dossier:
    """The citizen answers a supplement request online (the caller has checked the secret):
    the files are attached and the dossier goes back to be checked (status 1)."""
    if dossier.channel != Channel.ONLINE:
        raise Conflict(
            _("Hồ sơ nộp trực tiếp hoặc qua bưu chính được bổ sung tại bộ phận một cửa."),
            code="not_online",
        )
    if not uploads and not note.strip():
        raise InvalidInput(
            _("Hãy tải lên giấy tờ bổ sung hoặc ghi nội dung bổ sung."), code="no_files"
        )
    at = now or timezone.now()
    with dossier_transaction():
        locked = _locked(dossier)
        before = locked.status
        if locked.accepted_at is not None:
            # A supplement asked during processing: the files are added; the one-stop
            # counter checks them and receives the supplement (the clock restarts then).
            check(Action.ATTACH, before)
        else:
            locked.status = check(Action.SUPPLEMENT_ANSWER, before)
        rows = {doc.required_document_id: doc for doc in locked.documents.all()}
        checked = _check_uploads(uploads, rows)  # type: ignore[arg-type]
        for _checked, doc in checked:
            if doc is not None and not doc.received:
                doc.received = True
                doc.copies = max(doc.copies_required, 1)
                doc.save(update_fields=["received", "copies"])
        _store_files(locked, checked, at=at, actor=None, by_citizen=True)
        supplement = locked.supplements.filter(answered_at__isnull=True).last()
        if supplement is not None:
            supplement.answered_at = at
            supplement.answer_note = note.strip()[:2000]
            supplement.save(update_fields=["answered_at", "answer_note"])
        locked.save()
        _event(
            locked,
            Action.SUPPLEMENT_ANSWER,
            before,
            at=at,
            actor=None,
            note=note.strip()[:2000],
            data={"files": len(checked)},
        )
    return locked


def dossier_attach(
    *,
    actor: User,
    dossier: Dossier,
    uploads: Sequence[Upload],
    result: bool = False,
    now: datetime | None = None,
) -> list[DossierFile]:
    """Staff attach scans to a dossier of their center (``POST …/files``); with ``result``,
    the official working on the dossier attaches the result document (decision, certificate)."""
    if not result:
        receive_check(actor=actor, center=dossier.center, channel=dossier.channel)
    if not uploads:
        raise InvalidInput(_("Chưa chọn tệp nào."), code="no_files")
    at = now or timezone.now()
    with dossier_transaction():
        locked = _locked(dossier)
        if result:
            # Checked on the locked row: the dossier may have moved on since it was read.
            _result_check(actor, locked)
        check(Action.ATTACH, locked.status)
        rows = {doc.required_document_id: doc for doc in locked.documents.all()}
        checked = _check_uploads(uploads, rows)  # type: ignore[arg-type]
        if result:
            # A PDF result is signed with the center's certificate (when it has one).
            checked = [(_signed_result(locked, item), doc) for item, doc in checked]
        stored = _store_files(locked, checked, at=at, actor=actor, by_citizen=False)
        if result:
            DossierFile.objects.filter(pk__in=[row.pk for row in stored]).update(is_result=True)
            for row in stored:
                row.is_result = True
        _event(
            locked,
            Action.ATTACH,
            locked.status,
            at=at,
            actor=actor,
            data={"files": [row.original_name for row in stored], "result": result},
        )
    return stored


def _signed_result(dossier: Dossier, item: CheckedFile) -> CheckedFile:
    if item.content_type != "application/pdf":
        return item
    signed = pdf_sign(
        center=dossier.center,
        pdf=item.content,
        reason=_("Kết quả giải quyết hồ sơ %(code)s") % {"code": dossier.code},
    )
    if signed is item.content:
        return item
    return replace(item, content=signed, sha256=hashlib.sha256(signed).hexdigest())


def _result_check(actor: User, dossier: Dossier) -> None:
    from motcua.dossiers.processing import may_work_on

    if not may_work_on(actor, dossier):
        raise NotAllowed(_("Bạn không được đính kèm kết quả cho hồ sơ này."))
    if dossier.status != Status.PROCESSING:
        raise Conflict(
            _("Chỉ đính kèm văn bản kết quả khi hồ sơ đang được xử lý."),
            code="invalid_transition",
        )


def dossier_return_result(
    *,
    actor: User,
    dossier: Dossier,
    delivery: str,
    postal_tracking: str = "",
    note: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Dossier:
    """The result leaves the one-stop counter (status 10): handed over, sent by post (with the
    postal tracking number), or sent electronically."""
    if delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hình thức trả kết quả không hợp lệ."), code="invalid_delivery")
    roles = POSTAL_ROLES if delivery == ResultDelivery.POST else RECEIVE_ROLES
    if not user_has_role(user=actor, center=dossier.center, roles=roles):
        raise NotAllowed(_("Bạn không được trả kết quả hồ sơ của trung tâm này."))
    tracking = re.sub(r"\s", "", postal_tracking or "")[:40]
    if delivery == ResultDelivery.POST and not tracking:
        raise InvalidInput(
            _("Nhập số hiệu bưu gửi của kết quả gửi qua bưu chính."), code="tracking_needed"
        )
    at = now or timezone.now()
    with dossier_transaction():
        locked = _locked(dossier)
        if version is not None and version != locked.version:
            raise Conflict(
                _("Hồ sơ vừa được người khác xử lý. Hãy mở lại hồ sơ trước khi thao tác."),
                code="dossier_changed",
            )
        before = locked.status
        locked.status = check(Action.RETURN_RESULT, before)
        locked.version += 1
        locked.result_delivery = delivery
        locked.postal_tracking_out = tracking if delivery == ResultDelivery.POST else ""
        locked.returned_at = at
        locked.save()
        _event(
            locked,
            Action.RETURN_RESULT,
            before,
            at=at,
            actor=actor,
            note=note[:2000],
            data={"delivery": delivery, "postal_tracking": locked.postal_tracking_out},
        )
    return locked


# --- Transactions that may have written files ---------------------------------------------


class dossier_transaction:  # noqa: N801 - used like transaction.atomic
    """``transaction.atomic()`` that also removes the files it wrote when it rolls back, so a
    refused or failed intake leaves nothing behind, on disk or in the database."""

    def __enter__(self) -> None:
        self._start = len(_written())
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, exc_type, exc, tb) -> None:
        written = _written()
        mine = written[self._start :]
        del written[self._start :]
        failed = exc_type is not None
        try:
            self._atomic.__exit__(exc_type, exc, tb)
        except BaseException:
            failed = True
            raise
        finally:
            if failed:
                for storage, name in mine:
                    storage.delete(name)


__all__ = [
    "Applicant",
    "Decision",
    "DocumentTick",
    "Upload",
    "applicant_clean",
    "channel_value",
    "dossier_attach",
    "dossier_code_next",
    "dossier_decide",
    "dossier_receive",
    "dossier_return_result",
    "dossier_submit_online",
    "dossier_supplement_answer",
    "form_number_next",
    "receive_check",
]
