"""A center's internal process for a procedure: steps whose time shares add up to exactly 100 %,
set only by the center's admins, and nothing written when the plan is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.catalog.models import CenterProcedure, Procedure, ProcessStep
from motcua.catalog.services import (
    StepPlan,
    center_procedure_set,
    procedure_import,
    process_steps_set,
)
from motcua.errors import InvalidInput, NotAllowed
from tests.catalog.conftest import national_record
from tests.factories import DepartmentFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure(db):
    procedure_import(actor=None, records=[national_record()])
    return Procedure.objects.get(code="9.000001")


@pytest.fixture
def department(center):
    return DepartmentFactory(center=center, code="kinh-te", name="Phòng Kinh tế")


@pytest.fixture
def foreign_department(other_center):
    return DepartmentFactory(center=other_center, code="kinh-te", name="Phòng Kinh tế Nam Cường")


@pytest.fixture
def center_procedure(center, procedure, department):
    return center_procedure_set(
        actor=None, center=center, procedure=procedure, department=department
    )


def _plan(department=None, shares=("10", "62.5", "20.25", "7.25")) -> list[StepPlan]:
    names = ["Tiếp nhận hồ sơ", "Thẩm định", "Phê duyệt", "Trả kết quả"]
    roles = ["receptionist", "specialist", "leader", "receptionist"]
    return [
        StepPlan(
            name=name,
            role=role,
            share_percent=share,
            department=department if role == "specialist" else None,
        )
        for name, role, share in zip(names, roles, shares, strict=True)
    ]


def _stored(center_procedure) -> list[tuple]:
    return list(
        ProcessStep.objects.filter(center_procedure=center_procedure)
        .order_by("order")
        .values_list("order", "name", "role", "department_id", "share_percent")
    )


def test_shares_adding_up_to_100_store_the_steps_in_order(center_procedure, department):
    steps = process_steps_set(
        actor=None, center_procedure=center_procedure, steps=_plan(department)
    )

    assert [s.order for s in steps] == [1, 2, 3, 4]
    assert _stored(center_procedure) == [
        (1, "Tiếp nhận hồ sơ", "receptionist", None, Decimal("10.00")),
        (2, "Thẩm định", "specialist", department.pk, Decimal("62.50")),
        (3, "Phê duyệt", "leader", None, Decimal("20.25")),
        (4, "Trả kết quả", "receptionist", None, Decimal("7.25")),
    ]


def test_shares_may_be_numbers_or_decimals(center_procedure):
    plan = [
        StepPlan("Tiếp nhận", "receptionist", 25),
        StepPlan("Xử lý", "specialist", Decimal("50.5")),
        StepPlan("Trả kết quả", "receptionist", "24.50"),
    ]

    process_steps_set(actor=None, center_procedure=center_procedure, steps=plan)

    assert [row[4] for row in _stored(center_procedure)] == [
        Decimal("25"),
        Decimal("50.5"),
        Decimal("24.5"),
    ]


def test_setting_the_steps_again_replaces_them(center_procedure, department):
    process_steps_set(actor=None, center_procedure=center_procedure, steps=_plan(department))

    process_steps_set(
        actor=None,
        center_procedure=center_procedure,
        steps=[StepPlan("  Giải quyết tại chỗ  ", "receptionist", "100")],
    )

    assert _stored(center_procedure) == [
        (1, "Giải quyết tại chỗ", "receptionist", None, Decimal("100.00"))
    ]


@pytest.mark.parametrize(
    ("shares", "total"),
    [
        (("10", "50", "20.25", "9.75"), "90"),
        (("10", "70", "20.25", "9.75"), "110"),
        (("10", "60", "20.25", "9.74"), "99.99"),
    ],
)
def test_shares_not_adding_up_to_100_are_refused_with_the_total(center_procedure, shares, total):
    with pytest.raises(InvalidInput) as error:
        process_steps_set(actor=None, center_procedure=center_procedure, steps=_plan(shares=shares))

    assert error.value.code == "shares_do_not_add_up"
    assert f"{total}%" in error.value.message
    assert "100%" in error.value.message
    assert _stored(center_procedure) == []


@pytest.mark.parametrize(
    "share",
    ["0", "-10", 0, -5, "100.01", "150", "33.333", "12.345", "mười", "", "1,5"],
)
def test_a_share_out_of_range_or_too_precise_is_refused(center_procedure, share):
    plan = [StepPlan("Tiếp nhận", "receptionist", "50"), StepPlan("Xử lý", "specialist", share)]

    with pytest.raises(InvalidInput) as error:
        process_steps_set(actor=None, center_procedure=center_procedure, steps=plan)

    assert error.value.code == "invalid_input"
    assert "Bước 2" in error.value.message
    assert _stored(center_procedure) == []


@pytest.mark.parametrize("share", ["NaN", "sNaN"])
def test_a_share_that_is_not_a_number_is_refused(center_procedure, share):
    plan = [StepPlan("Tiếp nhận", "receptionist", "50"), StepPlan("Xử lý", "specialist", share)]

    with pytest.raises(InvalidInput):
        process_steps_set(actor=None, center_procedure=center_procedure, steps=plan)


def test_an_empty_plan_is_refused(center_procedure):
    with pytest.raises(InvalidInput) as error:
        process_steps_set(actor=None, center_procedure=center_procedure, steps=[])

    assert "ít nhất một bước" in error.value.message


def test_a_step_without_a_name_is_refused(center_procedure):
    plan = [StepPlan("Tiếp nhận", "receptionist", "50"), StepPlan("   ", "specialist", "50")]

    with pytest.raises(InvalidInput) as error:
        process_steps_set(actor=None, center_procedure=center_procedure, steps=plan)

    assert "Bước 2" in error.value.message and "tên" in error.value.message


@pytest.mark.parametrize("role", ["tiep_nhan", "", "Receptionist"])
def test_a_bad_role_is_refused(center_procedure, role):
    plan = [StepPlan("Tiếp nhận", role, "50"), StepPlan("Xử lý", "specialist", "50")]

    with pytest.raises(InvalidInput) as error:
        process_steps_set(actor=None, center_procedure=center_procedure, steps=plan)

    assert "Bước 1" in error.value.message and "vai trò" in error.value.message


def test_a_department_of_another_center_is_refused(center_procedure, foreign_department):
    with pytest.raises(InvalidInput) as error:
        process_steps_set(
            actor=None, center_procedure=center_procedure, steps=_plan(foreign_department)
        )

    assert "Bước 2" in error.value.message and "phòng chuyên môn" in error.value.message
    assert _stored(center_procedure) == []


@pytest.mark.parametrize(
    "bad_plan",
    [
        pytest.param(lambda d, f: _plan(d, shares=("10", "50", "20", "10")), id="adds-to-90"),
        pytest.param(lambda d, f: _plan(d, shares=("10", "62.5", "20.25", "0")), id="zero"),
        pytest.param(lambda d, f: [], id="empty"),
        pytest.param(lambda d, f: _plan(f), id="foreign-department"),
        pytest.param(
            lambda d, f: [*_plan(d)[:3], StepPlan("Trả", "nobody", "7.25")], id="bad-role"
        ),
    ],
)
def test_nothing_is_written_when_a_plan_is_refused(
    center_procedure, department, foreign_department, bad_plan
):
    process_steps_set(actor=None, center_procedure=center_procedure, steps=_plan(department))
    before = _stored(center_procedure)

    with pytest.raises(InvalidInput):
        process_steps_set(
            actor=None,
            center_procedure=center_procedure,
            steps=bad_plan(department, foreign_department),
        )

    assert _stored(center_procedure) == before


# --- Who may set the process ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["receptionist", "specialist", "leader", "postal", "analyst"])
def test_a_non_admin_of_the_center_may_not_set_the_process(center, center_procedure, role):
    process_steps_set(actor=None, center_procedure=center_procedure, steps=_plan())
    before = _stored(center_procedure)
    user = staff(role, center=center)

    with pytest.raises(NotAllowed):
        process_steps_set(
            actor=user,
            center_procedure=center_procedure,
            steps=[StepPlan("Giải quyết tại chỗ", "receptionist", "100")],
        )

    assert _stored(center_procedure) == before


def test_the_admin_of_another_center_or_a_plain_user_may_not(other_center, center_procedure):
    for user in (staff("center_admin", center=other_center), UserFactory()):
        with pytest.raises(NotAllowed):
            process_steps_set(actor=user, center_procedure=center_procedure, steps=_plan())
    assert _stored(center_procedure) == []


def test_the_center_admin_and_the_province_admin_may(center, province, center_procedure):
    for user in (
        staff("center_admin", center=center),
        staff("province_admin", province=province),
    ):
        steps = process_steps_set(actor=user, center_procedure=center_procedure, steps=_plan())
        assert len(steps) == 4


def test_a_refused_actor_is_told_before_the_plan_is_checked(center, center_procedure):
    """A receptionist learns they may not, not that the (bad) plan is bad."""
    with pytest.raises(NotAllowed):
        process_steps_set(
            actor=staff("receptionist", center=center),
            center_procedure=center_procedure,
            steps=[],
        )


# --- Which center handles a procedure ------------------------------------------------------


def test_center_procedure_set_with_a_department_of_another_center_is_refused(
    center, procedure, foreign_department
):
    with pytest.raises(InvalidInput) as error:
        center_procedure_set(
            actor=None, center=center, procedure=procedure, department=foreign_department
        )

    assert "phòng chuyên môn" in error.value.message.lower()
    assert not CenterProcedure.objects.filter(center=center).exists()


def test_center_procedure_set_updates_and_refuses_non_admins(
    center, procedure, department, center_procedure
):
    other = DepartmentFactory(center=center, code="van-phong", name="Văn phòng")
    admin = staff("center_admin", center=center)

    updated = center_procedure_set(
        actor=admin, center=center, procedure=procedure, department=other, is_active=False
    )

    assert updated.pk == center_procedure.pk
    assert (updated.department, updated.is_active) == (other, False)
    with pytest.raises(NotAllowed):
        center_procedure_set(
            actor=staff("receptionist", center=center),
            center=center,
            procedure=procedure,
            department=department,
        )
    center_procedure.refresh_from_db()
    assert (center_procedure.department, center_procedure.is_active) == (other, False)
    assert CenterProcedure.objects.filter(center=center).count() == 1
