"""Writes to the catalog: importing procedures (new versions on change), per-center settings
and internal processes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from motcua.catalog import national
from motcua.catalog.models import (
    CenterProcedure,
    DocumentCase,
    Fee,
    Field,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
    RequiredDocument,
)
from motcua.catalog.search import fold
from motcua.errors import InvalidInput, NotAllowed
from motcua.organization.models import Center, Department, Role
from motcua.organization.selectors import ADMIN_ROLES, user_has_role


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # a new version was made
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (position, code, reason)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _(
            "%(created)d thủ tục mới, %(changed)d thủ tục có phiên bản mới, "
            "%(unchanged)d không đổi, %(errors)d bản ghi lỗi."
        ) % {
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "errors": len(self.errors),
        }


def _require_catalog_admin(actor: User | None) -> None:
    # The catalog is national data shared by every center: superusers and province admins load it.
    if actor is None:
        return
    if not actor.is_active:
        raise NotAllowed(_("Tài khoản đã bị khóa."))
    if actor.is_superuser:
        return
    if not actor.memberships.filter(role=Role.PROVINCE_ADMIN).exists():
        raise NotAllowed(_("Chỉ quản trị cấp tỉnh được nạp danh mục thủ tục."))


def procedure_import(
    *, actor: User | None, records: Iterable[Any], source: str = ""
) -> ImportReport:
    """Import national-shape records. Each record is its own transaction: a bad one is reported
    with its reason and the others go in. A record equal to the current version changes nothing;
    a different one becomes the procedure's new version."""
    _require_catalog_admin(actor)
    report = ImportReport()
    for position, record in enumerate(records, start=1):
        code = str(record.get("MATTHC", "")) if isinstance(record, dict) else ""
        try:
            normalized = national.normalize(record)
        except national.RecordError as error:
            report.errors.append((position, code, str(error)))
            continue
        if source and not normalized["source"]:
            normalized["source"] = source
        try:
            with transaction.atomic():
                outcome = _procedure_store(normalized)
        except DatabaseError as error:
            # A value the database refuses (too long, out of range): this record only.
            report.errors.append(
                (position, code, _("không lưu được: %(error)s") % {"error": error})
            )
            continue
        getattr(report, outcome).append(normalized["code"])
    return report


def _procedure_store(normalized: dict) -> str:
    digest = national.content_hash(normalized)
    procedure = Procedure.objects.select_for_update().filter(code=normalized["code"]).first()
    current = procedure.current_version if procedure is not None else None
    if current is not None and current.content_hash == digest:
        return "unchanged"
    outcome = "created" if procedure is None else "changed"
    if procedure is None:
        procedure = Procedure.objects.create(
            code=normalized["code"], base_code=normalized["base_code"]
        )
    number = (
        procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        content_hash=digest,
        source=normalized["source"][:500],
        name=normalized["name"],
        level=normalized["level"],
        field_codes=[f["code"] for f in normalized["fields"]],
        implementing_agency="; ".join(normalized["agencies"]),
        steps="\n".join(normalized["steps"]),
        conditions=normalized["conditions"],
        legal_basis=normalized["legal_basis"],
        result="; ".join(normalized["results"]),
        online_level=normalized["online_level"],
        record=normalized,
    )
    for channel in normalized["channels"]:
        first = channel["times"][0]
        ProcessingTime.objects.create(
            version=version,
            channel=channel["channel"],
            value=Decimal(first["value"]),
            unit=first["unit"],
            note=first["note"],
        )
        Fee.objects.bulk_create(
            Fee(
                version=version,
                channel=channel["channel"],
                kind=fee["kind"],
                amount_vnd=fee["amount_vnd"],
                description=fee["description"],
                order=order,
            )
            for order, fee in enumerate(channel["fees"])
        )
    for order, case_data in enumerate(normalized["cases"]):
        case = DocumentCase.objects.create(version=version, name=case_data["name"], order=order)
        RequiredDocument.objects.bulk_create(
            RequiredDocument(
                case=case,
                name=document["name"],
                originals=document["originals"],
                copies=document["copies"],
                form_name=document["form_name"][:300],
                form_url=document["form_url"][:500],
                order=index,
            )
            for index, document in enumerate(case_data["documents"])
        )
    fields = []
    for item in normalized["fields"]:
        field_obj, _created = Field.objects.get_or_create(
            code=item["code"], defaults={"name": item["name"], "search_name": fold(item["name"])}
        )
        fields.append(field_obj)
    procedure.current_version = version
    procedure.is_active = True
    procedure.name = version.name
    procedure.level = version.level
    procedure.online_level = version.online_level
    procedure.search_name = fold(version.name)
    procedure.search_fields = " ".join(fold(f.name) for f in fields)
    procedure.search_documents = " ".join(
        fold(d["name"]) for case in normalized["cases"] for d in case["documents"]
    )
    procedure.save()
    procedure.fields.set(fields)
    return outcome


def center_procedure_set(
    *,
    actor: User | None,
    center: Center,
    procedure: Procedure,
    department: Department | None = None,
    is_active: bool = True,
) -> CenterProcedure:
    """Say that ``center`` handles ``procedure`` (processed by ``department``)."""
    if actor is not None and not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm này được làm việc này."))
    if department is not None and department.center_id != center.pk:
        raise InvalidInput(_("Phòng chuyên môn không thuộc trung tâm này."))
    center_procedure, _created = CenterProcedure.objects.update_or_create(
        center=center,
        procedure=procedure,
        defaults={"department": department, "is_active": is_active},
    )
    return center_procedure


@dataclass(frozen=True)
class StepPlan:
    name: str
    role: str
    share_percent: Decimal | str | int
    department: Department | None = None


def process_steps_set(
    *, actor: User | None, center_procedure: CenterProcedure, steps: Sequence[StepPlan]
) -> list[ProcessStep]:
    """Replace a center's internal process for a procedure. The shares must add up to 100 %."""
    center = center_procedure.center
    if actor is not None and not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm này được làm việc này."))
    if not steps:
        raise InvalidInput(_("Quy trình nội bộ cần ít nhất một bước."))
    total = Decimal(0)
    shares = []
    for number, step in enumerate(steps, start=1):
        try:
            share = Decimal(str(step.share_percent))
            if not share.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise InvalidInput(
                _("Bước %(n)d: tỷ lệ thời gian “%(value)s” không phải số.")
                % {"n": number, "value": step.share_percent}
            ) from None
        if not (Decimal(0) < share <= Decimal(100)) or share != share.quantize(Decimal("0.01")):
            raise InvalidInput(
                _(
                    "Bước %(n)d: tỷ lệ thời gian phải lớn hơn 0 và không quá 100, tối đa hai chữ số thập phân."
                )
                % {"n": number}
            )
        if not step.name.strip():
            raise InvalidInput(_("Bước %(n)d chưa có tên.") % {"n": number})
        if step.role not in Role.values:
            raise InvalidInput(_("Bước %(n)d: vai trò không hợp lệ.") % {"n": number})
        if step.department is not None and step.department.center_id != center.pk:
            raise InvalidInput(
                _("Bước %(n)d: phòng chuyên môn không thuộc trung tâm này.") % {"n": number}
            )
        total += share
        shares.append(share)
    if total != Decimal(100):
        raise InvalidInput(
            _("Tổng tỷ lệ thời gian các bước là %(total)s%%, phải đúng 100%%.")
            % {"total": format(total.normalize(), "f")},
            code="shares_do_not_add_up",
        )
    with transaction.atomic():
        ProcessStep.objects.filter(center_procedure=center_procedure).delete()
        return ProcessStep.objects.bulk_create(
            ProcessStep(
                center_procedure=center_procedure,
                order=order,
                name=step.name.strip(),
                role=step.role,
                department=step.department,
                share_percent=share,
            )
            for order, (step, share) in enumerate(zip(steps, shares, strict=True), start=1)
        )
