"""Factories for the organization: provinces, centers, departments, counters, staff."""

import factory
from django.contrib.auth import get_user_model

from motcua.organization.models import Center, Counter, Department, Membership, Province

PASSWORD = "Mat-khau-2026"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "khanh-hoa"
    name = "Tỉnh Khánh Hòa"
    unit_code = "000.00.00.H34"


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"center-{n}")
    name = factory.Sequence(lambda n: f"Trung tâm Phục vụ hành chính công số {n}")
    unit_code = factory.Sequence(lambda n: f"000.{n // 100:02d}.{n % 100:02d}.H34")
    address = "1 Đường Lê Lợi"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"Phòng chuyên môn {n}")


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    center = factory.SubFactory(CenterFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Quầy {o.number}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"canbo{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def staff(role: str, center: Center | None = None, province: Province | None = None, **user_kwargs):
    """A user holding ``role`` at ``center`` (or over ``province`` for province roles)."""
    from motcua.organization.services import membership_grant

    user = UserFactory(**user_kwargs)
    membership_grant(actor=None, user=user, role=role, center=center, province=province)
    return user


__all__ = [
    "PASSWORD",
    "CenterFactory",
    "CounterFactory",
    "DepartmentFactory",
    "Membership",
    "ProvinceFactory",
    "UserFactory",
    "staff",
]
