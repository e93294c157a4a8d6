"""Selectors scoped by the acting user: who sees which centers, who holds which role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.organization.models import Province
from motcua.organization.selectors import (
    ADMIN_ROLES,
    center_list_for_user,
    membership_list,
    user_has_role,
    user_roles,
)
from tests.factories import CenterFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_center(db):
    """A center of another province."""
    other = Province.objects.create(code="lam-dong", name="Tỉnh Lâm Đồng")
    return CenterFactory(province=other, code="da-lat", unit_code="000.00.20.H42")


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_receptionist_of_a_sees_only_a(center, other_center, far_center):
    user = staff("receptionist", center=center)

    assert codes(center_list_for_user(user=user)) == ["hanh-phuc"]


def test_staff_of_two_centers_sees_both(center, other_center, far_center):
    user = staff("receptionist", center=center)
    staff("specialist", center=other_center, username=user.username)

    assert codes(center_list_for_user(user=user)) == ["hanh-phuc", "nam-cuong"]


@pytest.mark.parametrize("role", ["province_admin", "analyst"])
def test_province_role_sees_every_center_of_its_province_only(
    center, other_center, far_center, province, role
):
    user = staff(role, province=province)

    assert codes(center_list_for_user(user=user)) == ["hanh-phuc", "nam-cuong"]
    assert user_has_role(user=user, center=center, roles=[role])
    assert not user_has_role(user=user, center=far_center, roles=[role])


def test_superuser_sees_every_center(center, other_center, far_center):
    root = UserFactory(username="root", is_superuser=True)

    assert codes(center_list_for_user(user=root)) == ["da-lat", "hanh-phuc", "nam-cuong"]
    assert user_has_role(user=root, center=far_center, roles=["center_admin"])


def test_inactive_superuser_sees_nothing(center):
    root = UserFactory(username="root", is_superuser=True, is_active=False)

    assert codes(center_list_for_user(user=root)) == []


def test_anonymous_sees_no_center(center, other_center):
    anonymous = AnonymousUser()

    assert codes(center_list_for_user(user=anonymous)) == []
    assert not user_has_role(user=anonymous, center=center, roles=["receptionist"])
    assert list(membership_list(user=anonymous)) == []
    assert user_roles(user=anonymous) == []


def test_inactive_user_sees_no_center(center):
    user = staff("center_admin", center=center, is_active=False)

    assert codes(center_list_for_user(user=user)) == []
    assert not user_has_role(user=user, center=center, roles=["center_admin"])
    assert list(membership_list(user=user)) == []


def test_user_without_membership_sees_no_center(center):
    assert codes(center_list_for_user(user=UserFactory())) == []


def test_filter_by_roles(center, other_center):
    user = staff("receptionist", center=center)
    staff("center_admin", center=other_center, username=user.username)

    assert codes(center_list_for_user(user=user, roles=["receptionist"])) == ["hanh-phuc"]
    assert codes(center_list_for_user(user=user, roles=ADMIN_ROLES)) == ["nam-cuong"]
    assert codes(center_list_for_user(user=user, roles=["leader"])) == []


def test_province_admin_counts_as_admin_of_each_center(center, other_center, province):
    user = staff("province_admin", province=province)

    assert codes(center_list_for_user(user=user, roles=ADMIN_ROLES)) == ["hanh-phuc", "nam-cuong"]
    # An analyst watches the province but does not administer it.
    analyst = staff("analyst", province=province)
    assert codes(center_list_for_user(user=analyst, roles=ADMIN_ROLES)) == []


def test_user_has_role(center, other_center):
    user = staff("receptionist", center=center)

    assert user_has_role(user=user, center=center, roles=["receptionist"])
    assert user_has_role(user=user, center=center, roles=["receptionist", "leader"])
    assert not user_has_role(user=user, center=center, roles=["center_admin"])
    assert not user_has_role(user=user, center=other_center, roles=["receptionist"])
    assert not user_has_role(user=user, center=center, roles=[])


def test_user_roles_in_the_order_of_the_role_list(center, other_center, province):
    user = staff("leader", center=center)
    staff("receptionist", center=other_center, username=user.username)
    staff("analyst", province=province, username=user.username)

    assert user_roles(user=user) == ["receptionist", "leader", "analyst"]
    assert membership_list(user=user).count() == 3
