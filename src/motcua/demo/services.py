"""Load the demo province (idempotent: running it again updates, never duplicates)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from motcua.demo import province as data
from motcua.organization.models import Center, Counter, Department, Province
from motcua.organization.services import membership_grant, working_periods_set


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def _user(username: str, first_name: str, last_name: str, *, superuser: bool = False):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.invalid",
        },
    )
    if created or not user.check_password(data.DEMO_PASSWORD):
        user.set_password(data.DEMO_PASSWORD)
    if superuser:
        user.is_superuser = user.is_staff = True
    user.save()
    return user


@transaction.atomic
def demo_province_load() -> list[DemoLogin]:
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
    return logins
