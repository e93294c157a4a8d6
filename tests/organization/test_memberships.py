"""membership_grant: one scope per membership, and the admin flag follows admin roles."""

import pytest
from django.db import IntegrityError, transaction

from motcua.errors import InvalidInput, NotAllowed
from motcua.organization.models import Membership
from motcua.organization.services import membership_grant, user_sync_staff_flag
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db


def test_grant_a_center_role(center):
    user = UserFactory()

    membership = membership_grant(actor=None, user=user, role="receptionist", center=center)

    assert membership.user == user
    assert membership.role == "receptionist"
    assert membership.center == center
    assert membership.province is None
    user.refresh_from_db()
    assert not user.is_staff


def test_grant_a_province_role(center, province):
    user = UserFactory()

    membership = membership_grant(actor=None, user=user, role="analyst", province=province)

    assert membership.province == province
    assert membership.center is None


def test_granting_twice_gives_the_same_membership(center):
    user = UserFactory()
    first = membership_grant(actor=None, user=user, role="leader", center=center)

    second = membership_grant(actor=None, user=user, role="leader", center=center)

    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("director", "center", "Vai trò không hợp lệ."),
        ("", "center", "Vai trò không hợp lệ."),
        ("province_admin", None, "Vai trò cấp tỉnh cần chọn tỉnh."),
        ("analyst", None, "Chọn một trung tâm, hoặc một tỉnh cho vai trò cấp tỉnh."),
        ("province_admin", "center", "Vai trò cấp tỉnh cần chọn tỉnh."),
        ("receptionist", None, "Vai trò này cần chọn trung tâm."),
        ("center_admin", "province", "Vai trò này cần chọn trung tâm."),
        ("receptionist", "both", "Chọn trung tâm hoặc tỉnh, không chọn cả hai."),
        ("analyst", "both", "Chọn trung tâm hoặc tỉnh, không chọn cả hai."),
    ],
)
def test_grant_refusals(center, province, role, scope, message):
    user = UserFactory()
    kwargs = {
        None: {},
        "center": {"center": center},
        "province": {"province": province},
        "both": {"center": center, "province": province},
    }[scope]

    with pytest.raises(InvalidInput) as caught:
        membership_grant(actor=None, user=user, role=role, **kwargs)

    assert caught.value.message == message
    assert Membership.objects.filter(user=user).count() == 0


def test_province_role_at_a_center_is_refused(center):
    user = UserFactory()

    with pytest.raises(InvalidInput):
        membership_grant(actor=None, user=user, role="province_admin", center=center)


def test_the_database_refuses_a_membership_with_two_scopes(center, province):
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role="receptionist", center=center, province=province)


def test_the_database_refuses_a_membership_without_scope(center):
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role="receptionist")


# --- who may grant --------------------------------------------------------------------------


def test_center_admin_grants_at_its_center(admin_a, center):
    user = UserFactory()

    membership_grant(actor=admin_a, user=user, role="specialist", center=center)

    assert Membership.objects.filter(user=user, center=center, role="specialist").exists()


def test_center_admin_cannot_grant_at_another_center(admin_a, other_center):
    user = UserFactory()

    with pytest.raises(NotAllowed):
        membership_grant(actor=admin_a, user=user, role="receptionist", center=other_center)

    assert not Membership.objects.filter(user=user).exists()


def test_center_admin_cannot_grant_a_province_role(admin_a, province):
    with pytest.raises(NotAllowed):
        membership_grant(actor=admin_a, user=admin_a, role="province_admin", province=province)

    assert not Membership.objects.filter(user=admin_a, province=province).exists()


def test_receptionist_cannot_grant(receptionist_a, center):
    with pytest.raises(NotAllowed):
        membership_grant(
            actor=receptionist_a, user=receptionist_a, role="center_admin", center=center
        )

    assert not Membership.objects.filter(user=receptionist_a, role="center_admin").exists()


def test_province_admin_grants_province_roles_in_its_province(province):
    boss = staff("province_admin", province=province)
    user = UserFactory()

    membership_grant(actor=boss, user=user, role="analyst", province=province)

    assert Membership.objects.filter(user=user, role="analyst", province=province).exists()


# --- the admin flag --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "is_staff"),
    [
        ("center_admin", True),
        ("receptionist", False),
        ("specialist", False),
        ("leader", False),
        ("postal", False),
    ],
)
def test_only_admin_roles_enter_the_django_admin(center, role, is_staff):
    user = UserFactory()

    membership_grant(actor=None, user=user, role=role, center=center)

    user.refresh_from_db()
    assert user.is_staff is is_staff


def test_province_admin_is_staff_and_analyst_is_not(province):
    boss = UserFactory()
    watcher = UserFactory()

    membership_grant(actor=None, user=boss, role="province_admin", province=province)
    membership_grant(actor=None, user=watcher, role="analyst", province=province)

    boss.refresh_from_db()
    watcher.refresh_from_db()
    assert boss.is_staff
    assert not watcher.is_staff


def test_removing_the_admin_membership_removes_the_flag(center):
    user = staff("center_admin", center=center)
    staff("receptionist", center=center, username=user.username)
    user.refresh_from_db()
    assert user.is_staff

    Membership.objects.filter(user=user, role="center_admin").delete()
    user_sync_staff_flag(user=user)

    user.refresh_from_db()
    assert not user.is_staff


def test_sync_sets_a_stale_flag_for_a_non_admin(center):
    user = staff("receptionist", center=center, is_staff=True)
    user.refresh_from_db()
    assert not user.is_staff  # membership_grant already corrected it

    user.is_staff = True
    user.save()
    user_sync_staff_flag(user=user)

    user.refresh_from_db()
    assert not user.is_staff


def test_superuser_keeps_the_flag_without_membership(db):
    root = UserFactory(is_superuser=True, is_staff=True)

    user_sync_staff_flag(user=root)

    root.refresh_from_db()
    assert root.is_staff
