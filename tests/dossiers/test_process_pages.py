"""The staff pages of the internal process through the Django test client: "my dossiers" (order,
due-soon and overdue marks, steps to take), the department's and the center's lists (filters,
pages, scoping), bulk assignment, and every move from the dossier's page through ``act``: the
page's version refuses a stale form, a move the table or the official may not make is refused
with its message, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from motcua.catalog.services import center_procedure_set
from motcua.dossiers import processing, services, views_process
from motcua.dossiers.models import Dossier, DossierFile, FormRecord
from motcua.dossiers.selectors import checklist_for
from motcua.organization.models import Role
from tests.dossiers.conftest import APPLICANT, local, make_procedure, pdf_bytes, upload
from tests.factories import DepartmentFactory, staff

pytestmark = pytest.mark.django_db

# A Wednesday, 09:00 at the center: 3 working days later is Monday 30/11 09:00.
NOW = local(2026, 11, 25, 9, 0)
MINE = "/staff/dossiers/mine/"
WORK = "/staff/dossiers/work/"
DEPARTMENT = "/staff/dossiers/department/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def department(center):
    return DepartmentFactory(center=center, code="vh-xh", name="Phòng Văn hóa - Xã hội")


@pytest.fixture
def specialist(center, department):
    return staff(
        Role.SPECIALIST,
        center,
        username="chuyenvien",
        first_name="Bình",
        last_name="Trần Văn",
    )


@pytest.fixture
def specialist_in_department(specialist, department):
    specialist.memberships.update(department=department)
    return specialist


@pytest.fixture
def leader(center):
    return staff(Role.LEADER, center, username="lanhdao", first_name="Hùng", last_name="Lê Văn")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accept(center, procedure, receptionist, *, name=None) -> Dossier:
    applicant = {**APPLICANT, "name": name} if name else APPLICANT
    dossier, _form = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=applicant,
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        decision=services.Decision("accept"),
    )
    return Dossier.objects.get(pk=dossier.pk)


def move(dossier: Dossier, actor, action: str, **data) -> Dossier:
    return processing.dossier_act(
        actor=actor, dossier=dossier, action=action, data=processing.ActionInput(**data)
    )


def to_specialist(center, procedure, receptionist, specialist, **kwargs) -> Dossier:
    dossier = accept(center, procedure, receptionist, **kwargs)
    return move(dossier, receptionist, "forward", assignee=specialist.username)


def _text(response) -> str:
    return response.content.decode()


def act_url(dossier: Dossier, action: str) -> str:
    return reverse("dossiers_staff:act", args=[dossier.code, action])


def post_act(client, dossier: Dossier, action: str, **data):
    dossier.refresh_from_db()
    return client.post(act_url(dossier, action), {"version": dossier.version, **data})


# --- "My dossiers" ------------------------------------------------------------------------------


def test_my_dossiers_are_sorted_by_the_steps_due_time_with_marks(
    frozen, center, procedure, receptionist, specialist
):
    first = to_specialist(center, procedure, receptionist, specialist, name="Người Thứ Nhất")
    frozen.move_to(local(2026, 11, 26, 9, 0))
    second = to_specialist(center, procedure, receptionist, specialist, name="Người Thứ Hai")
    # The specialist step ends at 70 % of the 24 working hours (after reception's 10 %): for
    # the first, 16.8 h from Wednesday 09:00 is Friday 09:48.
    first.refresh_from_db()
    assert first.current_step.due_at == local(2026, 11, 27, 9, 48)

    frozen.move_to(local(2026, 11, 27, 9, 0))  # Friday morning: the first is due today
    page = _client(specialist).get(MINE)
    body = _text(page)
    assert page.status_code == 200
    assert body.index(first.code) < body.index(second.code)
    rows = body.split('class="work-row')[1:]
    assert 'data-mark="due-soon"' in rows[0] and "work-row--soon" in rows[0]
    assert 'data-mark="overdue"' not in body

    frozen.move_to(local(2026, 11, 30, 8, 0))  # Monday: the first step is past its deadline
    body = _text(_client(specialist).get(MINE))
    rows = body.split('class="work-row')[1:]
    assert 'data-mark="overdue"' in rows[0] and "work-row--overdue" in rows[0]
    assert 'data-mark="due-soon"' in rows[1]  # the second's step ends on Monday 09:48
    assert 'data-testid="mine-overdue">1 quá hạn' in body


def test_my_dossiers_do_not_show_others_steps_and_offer_unassigned_ones(
    center, procedure, receptionist, specialist, leader
):
    other = staff(Role.SPECIALIST, center, username="chuyenvien2")
    theirs = to_specialist(center, procedure, receptionist, other, name="Của Người Khác")
    mine = to_specialist(center, procedure, receptionist, specialist, name="Của Tôi")
    open_step = to_specialist(center, procedure, receptionist, specialist, name="Chưa Ai Nhận")
    step = open_step.current_step
    step.assignee = None
    step.save(update_fields=["assignee"])

    body = _text(_client(specialist).get(MINE))
    assert mine.code in body and open_step.code in body
    assert theirs.code not in body
    assert body.count('data-mark="unassigned"') == 1
    # The leader's list does not have the specialists' steps.
    assert mine.code not in _text(_client(leader).get(MINE))

    # Taking it from the list: the step is the specialist's.
    response = _client(specialist).post(
        act_url(open_step, "assign"),
        {"version": open_step.version, "assignee": specialist.username},
    )
    assert response.status_code == 302
    open_step.refresh_from_db()
    assert open_step.current_step.assignee == specialist


def test_the_staff_home_counts_my_dossiers(frozen, center, procedure, receptionist, specialist):
    to_specialist(center, procedure, receptionist, specialist)
    to_specialist(center, procedure, receptionist, specialist)
    frozen.move_to(local(2026, 11, 30, 8, 0))
    body = _text(_client(specialist).get("/staff/"))
    assert reverse("dossiers_staff:mine") in body
    assert 'data-testid="mine-open">2 hồ sơ đang xử lý' in body
    assert 'data-testid="mine-overdue">2 quá hạn' in body
    assert reverse("dossiers_staff:work") in body
    # Postal staff have no process tiles.
    postal = staff(Role.POSTAL, center, username="buudien")
    assert reverse("dossiers_staff:mine") not in _text(_client(postal).get("/staff/"))


# --- The center's and the department's lists ----------------------------------------------------


def test_the_centers_list_filters_and_pages(
    frozen, monkeypatch, center, procedure, receptionist, specialist, leader
):
    make_procedure(center, "9.000009", name="Thủ tục cấp phép khai thác cát")
    other_procedure = make_procedure(center, "9.000009")
    waiting = accept(center, procedure, receptionist, name="Đang Chờ Chuyển")
    at_specialist = to_specialist(center, procedure, receptionist, specialist, name="Ở Chuyên Viên")
    sand = to_specialist(center, other_procedure, receptionist, specialist, name="Khai Thác Cát")
    returned = to_specialist(center, procedure, receptionist, specialist, name="Đã Dừng")
    move(returned, specialist, "stop", reason="Công dân đề nghị dừng xử lý.")
    client = _client(leader)

    body = _text(client.get(WORK))
    for dossier in (waiting, at_specialist, sand):
        assert dossier.code in body
    assert returned.code not in body  # stopped: no longer open
    assert "3 hồ sơ" in body

    def codes(**params) -> set[str]:
        text = _text(client.get(WORK, params))
        return {d.code for d in (waiting, at_specialist, sand) if d.code in text}

    assert codes(status=2) == {waiting.code}
    assert codes(step="Thẩm định, xử lý") == {at_specialist.code, sand.code}
    assert codes(assignee="chuyenvien") == {at_specialist.code, sand.code}
    assert codes(assignee="tiepnhan") == {waiting.code}
    assert codes(procedure="9.000009") == {sand.code}
    assert codes(q="Khai Thác Cát") == {sand.code}
    assert codes(q=sand.code) == {sand.code}
    assert codes(timing="overdue") == set()
    assert codes(status="abc", timing="nonsense") == {waiting.code, at_specialist.code, sand.code}

    frozen.move_to(local(2026, 11, 25, 14, 0))  # the reception step (2.4 h) is past due
    assert codes(timing="overdue") == {waiting.code}
    assert codes(timing="due_soon") == set()
    frozen.move_to(local(2026, 11, 27, 9, 0))
    assert codes(timing="due_soon") == {at_specialist.code, sand.code}

    monkeypatch.setattr(views_process, "PAGE_SIZE", 2)
    first = _text(client.get(WORK))
    second = _text(client.get(WORK, {"page": 2}))
    assert "Trang 1/2" in first and "page=2" in first
    assert sum(d.code in second for d in (waiting, at_specialist, sand)) == 1


def test_the_lists_are_scoped_to_the_users_centers(
    center, other_center, procedure, receptionist, specialist, other_receptionist
):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    outsider = _client(other_receptionist)
    assert dossier.code not in _text(outsider.get(WORK))
    assert outsider.get(WORK, {"center": center.code}).status_code == 404
    assert dossier.code not in _text(outsider.get(MINE))
    assert outsider.get(reverse("dossiers_staff:detail", args=[dossier.code])).status_code == 404
    refused = outsider.post(act_url(dossier, "forward"), {"version": dossier.version})
    assert refused.status_code == 404
    dossier.refresh_from_db()
    assert dossier.current_step.assignee == specialist


def test_the_departments_list(
    center, department, procedure, receptionist, specialist_in_department
):
    center_procedure_set(actor=None, center=center, procedure=procedure, department=department)
    at_department = to_specialist(center, procedure, receptionist, specialist_in_department)
    at_reception = accept(center, procedure, receptionist, name="Chưa Chuyển Phòng")
    page = _client(specialist_in_department).get(DEPARTMENT)
    body = _text(page)
    assert page.status_code == 200
    assert "Phòng Văn hóa - Xã hội" in body
    assert at_department.code in body
    assert at_reception.code not in body
    assert 'name="codes"' not in body  # a specialist does not assign in bulk
    # A receptionist without a department is told so.
    assert _client(receptionist).get(DEPARTMENT).status_code == 404


# --- Bulk assignment ------------------------------------------------------------------------------


def test_a_leader_assigns_in_bulk_and_is_told_what_failed(
    center, procedure, receptionist, specialist, leader
):
    other = staff(Role.SPECIALIST, center, username="chuyenvien2", first_name="An")
    one = to_specialist(center, procedure, receptionist, specialist)
    two = to_specialist(center, procedure, receptionist, specialist)
    at_reception = accept(center, procedure, receptionist)  # a reception step: not a specialist's
    client = _client(leader)
    page = _text(client.get(WORK))
    assert 'name="codes"' in page and 'id="bulk-form"' in page
    assert "Tự động: người ít hồ sơ nhất" in page

    response = client.post(
        reverse("dossiers_staff:bulk-assign"),
        {
            "codes": [one.code, two.code, at_reception.code],
            "assignee": other.username,
            "next": WORK + "?status=4",
        },
    )
    assert response.status_code == 302 and response["Location"] == WORK + "?status=4"
    body = _text(client.get(response["Location"]))
    assert "Đã phân công 2 hồ sơ." in body
    assert "Chưa phân công được 1 hồ sơ" in body and at_reception.code in body
    assert "không phải cán bộ làm được bước" in body
    for dossier in (one, two):
        dossier.refresh_from_db()
        assert dossier.current_step.assignee == other
    at_reception.refresh_from_db()
    assert at_reception.current_step.assignee == receptionist

    # "Least loaded": each to whoever has the fewest open steps.
    response = client.post(reverse("dossiers_staff:bulk-assign"), {"codes": [one.code]})
    one.refresh_from_db()
    assert one.current_step.assignee == specialist  # 0 open steps against the other's 2
    # Outside the user's reach, to another site, or without a leader: refused.
    assert client.post(
        reverse("dossiers_staff:bulk-assign"),
        {"codes": [one.code], "next": "https://evil.example/"},
    )["Location"] == reverse("dossiers_staff:work")
    refused = _client(specialist).post(reverse("dossiers_staff:bulk-assign"), {"codes": [two.code]})
    assert refused.status_code == 403  # a refusal, not a redirect (docs/security.md)
    two.refresh_from_db()
    assert two.current_step.assignee == other


# --- The dossier page and its moves --------------------------------------------------------------


def test_the_dossier_page_shows_steps_deadlines_and_only_the_allowed_moves(
    center, procedure, receptionist, specialist, leader
):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    detail = reverse("dossiers_staff:detail", args=[dossier.code])
    body = _text(_client(specialist).get(detail))
    assert 'data-testid="steps"' in body
    for name in ("Tiếp nhận, chuyển hồ sơ", "Thẩm định, xử lý", "Phê duyệt, ký kết quả"):
        assert name in body
    assert "Hẹn trả ban đầu" in body and "09:00 30/11/2026" in body
    assert 'aria-current="step"' in body
    assert "người giao <strong>Nguyễn Thị Lan</strong>" in body  # the receptionist (factory name)
    assert "người nhận <strong>Trần Văn Bình</strong>" in body
    assert f'value="{dossier.version}"' in body
    for action in ("forward", "send_back", "request_supplement", "attach_result", "refuse"):
        assert act_url(dossier, action) in body
    for action in ("approve", "receive_supplement", "record_payment", "mark_processed"):
        assert act_url(dossier, action) not in body
    assert reverse("dossiers_staff:form05", args=[dossier.code]) in body

    # The leader sees the dossier and may reassign it, but not approve it yet.
    leader_body = _text(_client(leader).get(detail))
    assert act_url(dossier, "assign") in leader_body
    assert act_url(dossier, "approve") not in leader_body
    # The receptionist (no longer at the step) sees no move of the step's.
    counter_body = _text(_client(receptionist).get(detail))
    assert act_url(dossier, "forward") not in counter_body
    assert act_url(dossier, "withdraw") in counter_body  # the citizen withdraws at the counter


def test_the_whole_way_through_the_pages(
    center, procedure, receptionist, specialist, leader, settings
):
    dossier = accept(center, procedure, receptionist)
    counter, specialist_client, leader_client = (
        _client(receptionist),
        _client(specialist),
        _client(leader),
    )
    assert post_act(counter, dossier, "forward", assignee=specialist.username).status_code == 302

    # The result document: a real PDF, attached by the specialist.
    dossier.refresh_from_db()
    response = specialist_client.post(
        act_url(dossier, "attach_result"),
        {"version": dossier.version, "files": upload("quyet-dinh.pdf", pdf_bytes("kq"))},
    )
    assert response.status_code == 302
    assert (
        DossierFile.objects.get(dossier=dossier, is_result=True).original_name == "quyet-dinh.pdf"
    )
    assert post_act(specialist_client, dossier, "forward").status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.assignee == leader

    response = post_act(leader_client, dossier, "approve")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.approved_by == leader and dossier.current_step.role == Role.RECEPTIONIST
    assert dossier.current_step.assignee == receptionist

    assert post_act(counter, dossier, "mark_processed").status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == 9 and dossier.timeliness == "early"
    page = _text(counter.get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert act_url(dossier, "return_result") in page

    response = post_act(counter, dossier, "return_result", delivery="post", postal_tracking="")
    assert response.status_code == 400
    assert "bưu gửi" in _text(response)
    response = post_act(
        counter, dossier, "return_result", delivery="post", postal_tracking="RR123456789VN"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.postal_tracking_out) == (10, "RR123456789VN")
    body = _text(counter.get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert body.count('data-testid="handover"') >= 3
    assert "Trước hạn" in body


def test_send_back_supplement_payment_and_apology_forms(
    frozen, center, procedure, receptionist, specialist
):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    client, counter = _client(specialist), _client(receptionist)

    short = post_act(client, dossier, "send_back", reason="x")
    assert short.status_code == 400 and "Hãy ghi rõ lý do trả lại" in _text(short)
    assert 'data-testid="act-error"' in _text(short)
    assert post_act(client, dossier, "send_back", reason="Thiếu chữ ký.").status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.order == 1
    assert post_act(counter, dossier, "forward", assignee="chuyenvien").status_code == 302

    none = post_act(client, dossier, "request_supplement", items="  \n ")
    assert none.status_code == 400 and "Hãy ghi rõ các giấy tờ cần bổ sung" in _text(none)
    response = post_act(
        client, dossier, "request_supplement", items="Bản sao sổ hộ khẩu\nẢnh 4x6", reason="Gấp"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == 5 and dossier.supplements.last().items == [
        "Bản sao sổ hộ khẩu",
        "Ảnh 4x6",
    ]
    page = _text(counter.get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert "Chờ công dân bổ sung" in page
    assert act_url(dossier, "receive_supplement") in page
    assert reverse("dossiers_staff:decide", args=[dossier.code]) not in page
    frozen.move_to(local(2026, 11, 26, 9, 0))
    assert post_act(counter, dossier, "receive_supplement").status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == 4 and dossier.due_at == local(2026, 12, 1, 9, 0)  # restarted

    bad = post_act(client, dossier, "request_payment", amount_vnd="nhiều")
    assert bad.status_code == 400 and "Số tiền phải là số đồng" in _text(bad)
    assert post_act(client, dossier, "request_payment", amount_vnd="50.000").status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.fee_requested_vnd) == (6, 50000)
    assert post_act(counter, dossier, "record_payment", receipt="").status_code == 400
    assert post_act(counter, dossier, "record_payment", receipt="BL-0001").status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.fee_receipt) == (4, "BL-0001")

    response = post_act(
        client, dossier, "apologize", new_due_at="2026-12-04T16:00", reason="Chờ ý kiến sở."
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.due_at == local(2026, 12, 4, 16, 0)
    assert dossier.forms.filter(form=FormRecord.Form.APOLOGY).exists()
    page = _text(client.get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert "Xin lỗi, hẹn lại" in page and "Chờ ý kiến sở." in page
    assert act_url(dossier, "apologize") not in page  # once only
    again = post_act(
        client, dossier, "apologize", new_due_at="2026-12-07T16:00", reason="Lần hai nữa."
    )
    assert again.status_code == 409 and "chỉ được hẹn lại một lần" in _text(again)
    bad_time = post_act(client, dossier, "apologize", new_due_at="mai", reason="Không rõ ngày.")
    assert bad_time.status_code == 400 and "Thời điểm không hợp lệ" in _text(bad_time)


@pytest.mark.parametrize(
    ("action", "who", "data", "status"),
    [
        ("withdraw", "receptionist", {"reason": "Công dân có đơn xin rút."}, 7),
        ("stop", "specialist", {"reason": "Cơ quan thuế đề nghị dừng."}, 8),
        ("refuse", "specialist", {"reason": "Không đủ điều kiện cấp phép."}, 3),
    ],
)
def test_closing_moves(
    action, who, data, status, center, procedure, receptionist, specialist, request
):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    client = _client(request.getfixturevalue(who))
    assert post_act(client, dossier, action, reason="").status_code == 400
    assert post_act(client, dossier, action, **data).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == status and dossier.current_step is None


def test_inter_agency_forward_from_the_page(
    center, other_center, procedure, receptionist, specialist
):
    DepartmentFactory(center=other_center, code="tai-nguyen", name="Phòng Tài nguyên")
    helper = staff(Role.SPECIALIST, other_center, username="lienthong")
    dossier = to_specialist(center, procedure, receptionist, specialist)
    client = _client(specialist)
    page = _text(client.get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert f'value="{other_center.code}|tai-nguyen"' in page
    late = post_act(
        client, dossier, "forward", target=f"{other_center.code}|", step_due_at="2026-12-31T10:00"
    )
    assert late.status_code == 400 and "không được sau hạn trả kết quả" in _text(late)
    response = post_act(
        client, dossier, "forward", target=f"{other_center.code}|", step_due_at="2026-11-27T10:00"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    step = dossier.current_step
    assert step.inter_agency and step.center == other_center and step.assignee == helper
    assert step.due_at == local(2026, 11, 27, 10, 0)
    # It appears in the other center's lists.
    assert dossier.code in _text(_client(helper).get(MINE))
    assert dossier.code in _text(_client(helper).get(WORK))


def test_a_stale_page_is_refused_and_nothing_changes(center, procedure, receptionist, specialist):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    seen = dossier.version
    move(dossier, specialist, "request_payment", amount_vnd=8000)  # someone acted meanwhile
    dossier.refresh_from_db()
    before = (dossier.status, dossier.version, dossier.events.count())
    response = _client(specialist).post(
        act_url(dossier, "send_back"), {"version": seen, "reason": "Thiếu chữ ký."}
    )
    assert response.status_code == 409
    assert "vừa được người khác xử lý" in _text(response)
    dossier.refresh_from_db()
    assert (dossier.status, dossier.version, dossier.events.count()) == before
    # The page shown again carries the current version.
    assert f'name="version" value="{dossier.version}"' in _text(response)
    # A form without a version is refused too.
    missing = _client(specialist).post(act_url(dossier, "record_payment"), {"receipt": "BL-1"})
    assert missing.status_code == 400 and "hãy mở lại hồ sơ" in _text(missing)


def test_a_forbidden_move_is_refused_with_its_message(
    center, procedure, receptionist, specialist, leader
):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    move(dossier, specialist, "forward")  # to the leader
    dossier.refresh_from_db()
    version = dossier.version
    client = _client(specialist)
    response = post_act(client, dossier, "approve")
    assert response.status_code == 403 and "Chỉ lãnh đạo được phê duyệt" in _text(response)
    # Not the specialist's step any more.
    taken = post_act(client, dossier, "send_back", reason="Muốn sửa lại.")
    assert taken.status_code == 403 and "đang do người khác xử lý" in _text(taken)
    # Not in the table: returning a result that is not ready.
    early = post_act(_client(receptionist), dossier, "return_result", delivery="counter")
    assert early.status_code == 409
    # Not an action at all.
    assert post_act(client, dossier, "delete").status_code == 404
    dossier.refresh_from_db()
    assert dossier.version == version and dossier.status == 4
    # Mark processed before the leader approved: refused with the reason.
    leader_client = _client(leader)
    assert post_act(leader_client, dossier, "mark_processed").status_code == 409
    assert client.get(act_url(dossier, "approve")).status_code == 405


def test_attaching_a_result_refuses_a_broken_file(center, procedure, receptionist, specialist):
    dossier = to_specialist(center, procedure, receptionist, specialist)
    response = _client(specialist).post(
        act_url(dossier, "attach_result"),
        {"version": dossier.version, "files": upload("kq.pdf", b"%PDF-1.4 broken")},
    )
    assert response.status_code == 400
    assert not DossierFile.objects.filter(dossier=dossier).exists()
    other = _client(receptionist).post(
        act_url(dossier, "attach_result"),
        {"version": dossier.version, "files": upload("kq.pdf", pdf_bytes())},
    )
    assert other.status_code == 403


def test_the_due_facts_after_a_late_step(frozen, center, procedure, receptionist, specialist):
    dossier = accept(center, procedure, receptionist)
    frozen.move_to(NOW + timedelta(days=1))  # the reception step was due Wednesday 11:24
    move(dossier, receptionist, "forward", assignee=specialist.username)
    body = _text(_client(specialist).get(reverse("dossiers_staff:detail", args=[dossier.code])))
    assert "badge--err" in body and "Quá hạn" in body  # the reception step was late
