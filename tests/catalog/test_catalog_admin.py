"""The catalog in the admin: national data read-only, a center's procedures and internal
process scoped to its admins, and a step plan that does not add up refused."""

import pytest

from motcua.catalog.models import CenterProcedure, ProcessStep
from motcua.catalog.services import (
    StepPlan,
    center_procedure_set,
    procedure_import,
    process_steps_set,
)
from tests.factories import DepartmentFactory, staff

RECORD = {
    "MATTHC": "1.001193",
    "TENTTHC": "Thủ tục đăng ký khai sinh",
    "CAPTHUCHIEN": [{"MACAPTHUCHIEN": "XA"}],
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "ho-tich", "TENLINHVUC": "Hộ tịch"}],
    "CACHTHUCTHUCHIEN": [
        {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "1", "DONVITINH": "Ngày làm việc"}]}
    ],
    "THANHPHANHOSO": [{"TRUONGHOP": "", "GIAYTO": [{"TENGIAYTO": "Tờ khai", "SOBANCHINH": "1"}]}],
}


@pytest.fixture
def setup(center, other_center):
    procedure_import(actor=None, records=[RECORD])
    from motcua.catalog.models import Procedure

    procedure = Procedure.objects.get(code="1.001193")
    department = DepartmentFactory(center=center, code="van-phong")
    ours = center_procedure_set(
        actor=None, center=center, procedure=procedure, department=department
    )
    theirs = center_procedure_set(actor=None, center=other_center, procedure=procedure)
    for center_procedure in (ours, theirs):
        process_steps_set(
            actor=None,
            center_procedure=center_procedure,
            steps=[
                StepPlan("Tiếp nhận", "receptionist", "30"),
                StepPlan("Xử lý", "specialist", "70"),
            ],
        )
    return {
        "ours": ours,
        "theirs": theirs,
        "admin": staff("center_admin", center),
        "procedure": procedure,
    }


@pytest.mark.django_db
def test_center_admin_sees_only_own_center_procedures(client, setup):
    client.force_login(setup["admin"])
    listing = client.get("/admin/catalog/centerprocedure/")
    assert listing.status_code == 200
    assert f"/admin/catalog/centerprocedure/{setup['ours'].pk}/change/" in listing.text
    assert f"/admin/catalog/centerprocedure/{setup['theirs'].pk}/change/" not in listing.text
    other = client.get(f"/admin/catalog/centerprocedure/{setup['theirs'].pk}/change/")
    assert other.status_code in (302, 404)


@pytest.mark.django_db
def test_procedures_are_read_only_in_the_admin(client, setup):
    client.force_login(setup["admin"])
    page = client.get(f"/admin/catalog/procedure/{setup['procedure'].pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.get("/admin/catalog/procedure/add/").status_code == 403


def _step_form(center_procedure, shares):
    data = {
        "center": center_procedure.center_id,
        "procedure": center_procedure.procedure_id,
        "department": center_procedure.department_id or "",
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(shares)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, share in enumerate(shares):
        data |= {
            f"steps-{index}-order": str(index + 1),
            f"steps-{index}-name": f"Bước {index + 1}",
            f"steps-{index}-role": "specialist",
            f"steps-{index}-share_percent": share,
        }
    return data


@pytest.mark.django_db
def test_a_step_plan_that_does_not_add_up_is_refused_and_changes_nothing(client, setup):
    ours = setup["ours"]
    ProcessStep.objects.filter(center_procedure=ours).delete()
    client.force_login(setup["admin"])
    url = f"/admin/catalog/centerprocedure/{ours.pk}/change/"
    refused = client.post(url, _step_form(ours, ["50", "40"]))
    assert refused.status_code == 200
    assert "phải đúng 100%" in refused.text
    assert not ProcessStep.objects.filter(center_procedure=ours).exists()

    accepted = client.post(url, _step_form(ours, ["50", "50"]))
    assert accepted.status_code == 302
    assert list(
        ProcessStep.objects.filter(center_procedure=ours).values_list("share_percent", flat=True)
    ) == [50, 50]
    assert CenterProcedure.objects.get(pk=ours.pk).is_active
