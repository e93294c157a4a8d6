"""Forms 04 (apology and new date) and 05 (process-control slip) as A5 PDFs: what they say (read
back with pypdf), their yearly numbers, form 05 issued afresh as the dossier moves, and who may
download it; the citizen is told the result is ready in the way they chose to receive it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from motcua.dossiers import forms_pdf
from motcua.dossiers import services as s
from motcua.dossiers.forms_process import control_rows, form05_issue
from motcua.dossiers.models import FormRecord, ResultDelivery
from motcua.dossiers.processing import ActionInput, dossier_act
from motcua.errors import Conflict
from motcua.notifications.models import Message
from motcua.organization.models import Role
from motcua.organization.services import api_token_issue, membership_grant
from tests.dossiers.conftest import local, pdf_bytes, upload
from tests.dossiers.test_forms_pdf import A5, receive, save_png, text_of
from tests.factories import PASSWORD, DepartmentFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

MONDAY = local(2026, 11, 30, 9, 15)  # accepted then: 3 working days → due Thu 03/12 09:15


@pytest.fixture
def department(center):
    return DepartmentFactory(center=center, code="vhxh", name="Phòng Văn hóa – Xã hội")


@pytest.fixture
def process_procedure(center, department):
    """3 working days, processed by the department: the default process (reception 10 %,
    department 60 %, leader 20 %, return 10 %)."""
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set
    from tests.dossiers.conftest import make_procedure

    make_procedure(center)
    procedure = Procedure.objects.get(code="9.000001")
    center_procedure_set(actor=None, center=center, procedure=procedure, department=department)
    return procedure


def _person(center, role, username, last, first, department=None):
    user = UserFactory(username=username, last_name=last, first_name=first)
    membership_grant(actor=None, user=user, role=role, center=center, department=department)
    return user


@pytest.fixture
def people(center, other_center, department):
    return {
        "receptionist": _person(center, Role.RECEPTIONIST, "tiepnhan", "Trần Thị", "Mai"),
        "specialist": _person(
            center, Role.SPECIALIST, "chuyenvien", "Lê Văn", "Hùng", department=department
        ),
        "leader": _person(center, Role.LEADER, "lanhdao", "Phạm", "Quang"),
        "partner": _person(other_center, Role.SPECIALIST, "lienthong", "Võ Thị", "Hà"),
    }


def act(actor, dossier, action, at, **data):
    return dossier_act(
        actor=actor, dossier=dossier, action=action, data=ActionInput(**data), now=at
    )


def travelled(center, other_center, procedure, people):
    """Reception → specialist (sent back once) → another center (inter-agency, late) → leader
    (late) → counter: processed on the due date and returned."""
    p = people
    dossier, _receipt = receive(center, procedure, p["receptionist"], at=MONDAY)
    assert dossier.due_at == local(2026, 12, 3, 9, 15)
    act(p["receptionist"], dossier, "forward", local(2026, 11, 30, 10, 0))
    act(
        p["specialist"],
        dossier,
        "send_back",
        local(2026, 11, 30, 14, 0),
        reason="Thiếu bản sao giấy khai sinh của người con",
    )
    act(p["receptionist"], dossier, "forward", local(2026, 11, 30, 15, 0))
    act(
        p["specialist"],
        dossier,
        "forward",
        local(2026, 12, 1, 14, 0),
        to_center=other_center.code,
        step_due_at=local(2026, 12, 2, 16, 0),
        reason="Xác minh nơi cư trú",
    )
    act(p["partner"], dossier, "forward", local(2026, 12, 3, 8, 0))
    dossier = act(p["leader"], dossier, "approve", local(2026, 12, 3, 8, 30))
    s.dossier_attach(
        actor=p["receptionist"],
        dossier=dossier,
        uploads=[s.Upload(upload("ket-qua.pdf", pdf_bytes("kết quả"), "application/pdf"))],
        result=True,
        now=local(2026, 12, 3, 8, 45),
    )
    act(p["receptionist"], dossier, "mark_processed", local(2026, 12, 3, 9, 0))
    act(p["receptionist"], dossier, "return_result", local(2026, 12, 3, 10, 0), delivery="counter")
    dossier.refresh_from_db()
    return dossier


def test_form_05_shows_every_hand_over(center, other_center, process_procedure, people):
    dossier = travelled(center, other_center, process_procedure, people)
    assert dossier.timeliness == "on_time"

    rows = control_rows(dossier)
    assert [r["action"] for r in rows] == [
        "accept",
        "forward",
        "send_back",
        "forward",
        "forward",
        "forward",
        "approve",
        "mark_processed",
        "return_result",
    ]
    assert [r["timeliness"] for r in rows] == [
        "",
        "on_time",  # reception: forwarded the same day as its deadline
        "early",  # the specialist sends it back a day early
        "on_time",
        "early",  # the specialist's step, due Wednesday, done Tuesday
        "late",  # the other center: due Wednesday 16:00, done Thursday
        "late",  # the leader's step was due Wednesday
        "on_time",
        "on_time",  # the dossier: processed on its due date
    ]

    record, data = form05_issue(
        actor=people["receptionist"], dossier=dossier, now=local(2026, 12, 3, 10, 30)
    )
    save_png(data, "form-05")
    assert record.form == "05" and record.number == 1 and record.pdf
    reader = PdfReader(io.BytesIO(data))
    assert [round(float(v), 2) for v in reader.pages[0].mediabox[2:]] == list(A5)
    text = text_of(data)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN XÃ HẠNH PHÚC",
        "Mẫu số 05",
        "Số: 1/2026",
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Nguyễn Thị Lan",
        "Tiếp nhận hồ sơ",
        "Bộ phận tiếp nhận và trả kết quả",
        "Thẩm định, xử lý",
        "Phòng Văn hóa – Xã hội",
        "Trả lại bước trước: Thiếu bản sao giấy khai sinh của người con",
        "Liên thông",
        other_center.name,
        "Phê duyệt, ký kết quả",
        "Đã phê duyệt",
        "Có kết quả giải quyết",
        "Trả kết quả",
        "Nhận tại bộ phận một cửa",
        "Trần Thị Mai",
        "Lê Văn Hùng",
        "Võ Thị Hà",
        "Phạm Quang",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "09 giờ 15 phút, ngày 03/12/2026",  # the due time
        "08:00 ngày 03/12/2026",  # the inter-agency step came back
        "16:00 ngày 02/12/2026",  # its own deadline
        "Đã trả kết quả",
    ]:
        assert expected in text, expected
    # Each hand-over's words in the order they happened.
    order = [
        text.index("Tiếp nhận hồ sơ"),
        text.index("Trả lại bước trước"),
        text.index("Liên thông"),
        text.index("Đã phê duyệt"),
        text.index("Có kết quả giải quyết"),
    ]
    assert order == sorted(order)
    assert text.count("Quá hạn") >= 2 and text.count("Trước hạn") >= 2


def test_form_05_is_issued_afresh_as_the_dossier_moves(
    center, other_center, process_procedure, people
):
    dossier, _receipt = receive(center, process_procedure, people["receptionist"], at=MONDAY)
    first, first_pdf = form05_issue(
        actor=people["receptionist"], dossier=dossier, now=local(2026, 11, 30, 9, 30)
    )
    assert [r["action"] for r in first.content["rows"]] == ["accept"]
    act(people["receptionist"], dossier, "forward", local(2026, 11, 30, 10, 0))
    second, second_pdf = form05_issue(
        actor=people["specialist"], dossier=dossier, now=local(2026, 11, 30, 10, 5)
    )
    assert (first.number, second.number) == (1, 2)
    assert [r["action"] for r in second.content["rows"]] == ["accept", "forward"]
    assert "Lê Văn Hùng" not in text_of(first_pdf)
    assert "Lê Văn Hùng" in text_of(second_pdf)
    # The first slip is kept as it was printed.
    first.refresh_from_db()
    assert "Lê Văn Hùng" not in text_of(forms_pdf.form_pdf(first))

    # A dossier not accepted has no process to control.
    refused, _form = receive(center, process_procedure, people["receptionist"], "refuse")
    with pytest.raises(Conflict):
        form05_issue(actor=people["receptionist"], dossier=refused)


def test_form_04_apology_and_new_date(center, process_procedure, people):
    dossier, _receipt = receive(center, process_procedure, people["receptionist"], at=MONDAY)
    act(people["receptionist"], dossier, "forward", local(2026, 11, 30, 10, 0))
    act(
        people["specialist"],
        dossier,
        "apologize",
        local(2026, 12, 1, 10, 0),
        reason="Cần xác minh thêm thông tin hộ tịch tại nơi cư trú trước đây",
        new_due_at=local(2026, 12, 8, 9, 15),
    )
    record = FormRecord.objects.get(dossier=dossier, form="04")
    assert record.number == 1 and record.year == 2026
    data = forms_pdf.form_pdf(record)
    save_png(data, "form-04")
    text = text_of(data)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "ỦY BAN NHÂN DÂN XÃ HẠNH PHÚC",
        "Mẫu số 04",
        "Số: 1/2026",
        "Hạnh Phúc, ngày 01 tháng 12 năm 2026",
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Kính gửi: Nguyễn Thị Lan",
        process_procedure.current_version.name,
        "09 giờ 15 phút, ngày 03/12/2026",  # the due time promised on form 01
        "Cần xác minh thêm thông tin hộ tịch tại nơi cư trú trước đây",
        "xin lỗi ông/bà",
        "09 giờ 15 phút, ngày 08/12/2026",  # the new date
        "Rất mong nhận được sự thông cảm",
        "Lê Văn Hùng",
    ]:
        assert expected in text, expected
    # The citizen is told too.
    assert Message.objects.filter(kind="apology_new_date").exists()


@pytest.mark.parametrize(
    ("delivery", "words"),
    [
        (ResultDelivery.COUNTER, "Mời ông/bà đến"),
        (ResultDelivery.POST, "gửi qua bưu chính công ích"),
        (ResultDelivery.ELECTRONIC, "bản điện tử"),
    ],
)
def test_the_citizen_is_told_the_result_is_ready_their_way(
    center, other_center, process_procedure, people, delivery, words
):
    dossier, _receipt = receive(
        center, process_procedure, people["receptionist"], at=MONDAY, result_delivery=delivery
    )
    p = people
    act(p["receptionist"], dossier, "forward", local(2026, 11, 30, 10, 0))
    act(p["specialist"], dossier, "forward", local(2026, 12, 1, 10, 0))
    dossier = act(p["leader"], dossier, "approve", local(2026, 12, 1, 15, 0))
    s.dossier_attach(
        actor=p["receptionist"],
        dossier=dossier,
        uploads=[s.Upload(upload("ket-qua.pdf", pdf_bytes(), "application/pdf"))],
        result=True,
        now=local(2026, 12, 1, 15, 30),
    )
    act(p["receptionist"], dossier, "mark_processed", local(2026, 12, 1, 16, 0))
    body = Message.objects.get(kind="result_ready", channel="email").body
    assert words in body, body
    assert "{%" not in body
    assert Message.objects.filter(kind="result_ready", channel="sms").exists()


# --- Who may get form 05 -------------------------------------------------------------------


def test_form_05_view_issues_one_for_staff_who_see_the_dossier(
    client, center, other_center, process_procedure, people
):
    dossier, _receipt = receive(center, process_procedure, people["receptionist"], at=MONDAY)
    url = reverse("dossiers_staff:form05", args=[dossier.code])
    assert url == f"/staff/dossiers/{dossier.code}/form05.pdf"

    # Not logged in: a browser goes to the log-in page, a program is told to authenticate.
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(url, headers={"accept": "application/pdf"}).status_code == 401
    assert client.get(url, headers={"authorization": "Bearer nope"}).status_code == 401

    client.login(username="tiepnhan", password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="phieu-05-{dossier.code}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert "Trần Thị Mai" in text_of(response.content)
    assert client.get(url).status_code == 200
    assert list(
        FormRecord.objects.filter(dossier=dossier, form="05").values_list("number", flat=True)
    ) == [1, 2]
    assert client.post(url).status_code == 405

    # Staff of another center: the same 404 as for a dossier that does not exist.
    client.logout()
    staff(Role.RECEPTIONIST, other_center, username="khac")
    client.login(username="khac", password=PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dossiers_staff:form05", args=["000-nope"])).status_code == 404

    # An API token works as well.
    client.logout()
    _token, raw = api_token_issue(username="lanhdao", password=PASSWORD)
    response = client.get(url, headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert FormRecord.objects.filter(dossier=dossier, form="05").count() == 3

    # Not accepted: nothing to control.
    refused, _form = receive(center, process_procedure, people["receptionist"], "refuse")
    client.login(username="tiepnhan", password=PASSWORD)
    response = client.get(reverse("dossiers_staff:form05", args=[refused.code]))
    assert response.status_code == 409
    assert "chưa được tiếp nhận" in response.content.decode()
