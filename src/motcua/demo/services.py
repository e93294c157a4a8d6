"""Load the demo province (idempotent: running it again updates, never duplicates)."""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from motcua.catalog.models import CenterProcedure, Procedure
from motcua.catalog.services import (
    StepPlan,
    center_procedure_set,
    procedure_import,
    process_steps_set,
)
from motcua.demo import province as data
from motcua.demo.appointments import demo_appointments_setup
from motcua.demo.feedback import demo_feedback_setup
from motcua.demo.history import WEEKS as HISTORY_WEEKS
from motcua.demo.history import demo_dossiers_load
from motcua.demo.integrations import demo_certificates_setup
from motcua.organization.models import Center, Counter, Department, Province
from motcua.organization.services import membership_grant, working_periods_set


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


@cache
def _demo_password_hash() -> str:
    return make_password(data.DEMO_PASSWORD)


def _user(username: str, first_name: str, last_name: str, *, superuser: bool = False):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.invalid",
        },
    )
    if created:
        # Hashing is deliberately slow (about 0.3 s each), so the demo accounts share one hash of
        # the published demo password; an existing account keeps its own.
        user.password = _demo_password_hash()
    if superuser:
        user.is_superuser = user.is_staff = True
    user.save()
    return user


CATALOG_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "procedures-demo.json"


def demo_catalog_load(centers: list[Center]) -> None:
    """The demo catalog (real commune procedures), handled by every demo center with the
    department of its field and the standard internal process."""
    procedure_import(actor=None, records=json.loads(CATALOG_FILE.read_text(encoding="utf-8")))
    procedures = list(Procedure.objects.filter(is_active=True).prefetch_related("fields"))
    for center in centers:
        departments = {d.code: d for d in center.departments.all()}
        existing = set(
            CenterProcedure.objects.filter(center=center).values_list("procedure_id", flat=True)
        )
        for procedure in procedures:
            if procedure.pk in existing:
                continue  # keep what the center's admins changed since
            field_codes = [f.code for f in procedure.fields.all()]
            department = next(
                (
                    departments[data.FIELD_DEPARTMENTS[c]]
                    for c in field_codes
                    if c in data.FIELD_DEPARTMENTS
                ),
                departments.get("van-phong"),
            )
            center_procedure = center_procedure_set(
                actor=None, center=center, procedure=procedure, department=department
            )
            process_steps_set(
                actor=None,
                center_procedure=center_procedure,
                steps=[
                    StepPlan(
                        name=name,
                        role=role,
                        share_percent=share,
                        department=department if where == "department" else None,
                    )
                    for name, role, where, share in data.PROCESS
                ],
            )


def demo_queue_load(centers: list[Center]) -> None:
    """Queue services per center, served by the counters that exist there, remote numbers on."""
    from motcua.catalog.models import Field
    from motcua.queueing.models import QueuePolicy, QueueService
    from motcua.queueing.services import priority_groups_ensure

    fields = {f.code: f for f in Field.objects.all()}
    for center in centers:
        priority_groups_ensure(center)
        QueuePolicy.objects.get_or_create(center=center, defaults={"remote_enabled": True})
        counters = {c.number: c for c in center.counters.all()}
        for order, (code, name, first, last, prefix, field_codes, numbers) in enumerate(
            data.QUEUE_SERVICES
        ):
            service, created = QueueService.objects.get_or_create(
                center=center,
                code=code,
                defaults={
                    "name": name,
                    "order": order,
                    "number_start": first,
                    "number_end": last,
                    "prefix": prefix,
                },
            )
            if not created:
                continue  # keep what the center's admins changed since
            service.fields.set([fields[c] for c in field_codes if c in fields])
            serving = [counters[n] for n in [1, *numbers] if n in counters]
            service.counters.set(serving or list(counters.values()))


@transaction.atomic
def demo_province_load(
    *, now: datetime | None = None, history_weeks: int = HISTORY_WEEKS
) -> list[DemoLogin]:
    """The demo province, its catalog and queues, and ``history_weeks`` of dossier history up
    to ``now`` (none: 0)."""
    logins: list[DemoLogin] = []
    superuser = _user("admin", "Quản trị", "Hệ thống", superuser=True)
    logins.append(DemoLogin("admin", "superuser", "*"))

    province, _ = Province.objects.update_or_create(
        code=data.PROVINCE["code"],
        defaults={"name": data.PROVINCE["name"], "unit_code": data.PROVINCE["unit_code"]},
    )
    for username, first, last, role in data.PROVINCE_STAFF:
        user = _user(username, first, last)
        membership_grant(actor=None, user=user, role=role, province=province)
        logins.append(DemoLogin(username, role, province.name))

    for spec in data.CENTERS:
        center, _ = Center.objects.update_or_create(
            code=spec["code"],
            defaults={
                "province": province,
                "name": spec["name"],
                "unit_code": spec["unit_code"],
                "address": spec["address"],
                "phone": spec["phone"],
            },
        )
        working_periods_set(actor=superuser, center=center, week=spec["week"])
        departments = {}
        for code, name in data.DEPARTMENTS:
            departments[code], _ = Department.objects.update_or_create(
                center=center, code=code, defaults={"name": name}
            )
        for number, name, department_code, priority in spec["counters"]:
            Counter.objects.update_or_create(
                center=center,
                number=number,
                defaults={
                    "name": name,
                    "department": departments.get(department_code) if department_code else None,
                    "is_priority_desk": priority,
                },
            )
        for suffix, first, last, role, department_code in data.CENTER_STAFF:
            username = f"{spec['prefix']}.{suffix}"
            user = _user(username, first, last)
            department = departments.get(department_code) if department_code else None
            membership_grant(actor=None, user=user, role=role, center=center, department=department)
            logins.append(DemoLogin(username, role, center.name))
    centers = list(Center.objects.filter(province=province))
    demo_catalog_load(centers)
    demo_queue_load(centers)
    demo_appointments_setup(centers, now=now)
    demo_dossiers_load(centers, now=now, weeks=history_weeks)
    demo_certificates_setup(centers, province_name=province.name)
    demo_feedback_setup(centers, now=now, weeks=history_weeks)
    return logins
