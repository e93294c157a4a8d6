"""``POST /api/v1/dossiers/{code}/actions/{action}``: every action of the internal process,
the answer's exact shape, refusals (409 for a move the table does not allow, 404 for an
unknown action, 401 without credentials, 404 for a dossier of another center), and the
result document through ``POST …/files`` with ``result=true``.

The clock ticks from Monday 30 November 2026 10:00 (Vietnam); the dossier was accepted at
09:00 that day (due Thursday 3 December 09:00).
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from motcua.dossiers.models import Dossier, DossierFile, DossierStep, FormRecord
from motcua.dossiers.workflow import Status
from motcua.organization.models import Role
from tests.dossiers.conftest import TZ, local, pdf_bytes, upload
from tests.dossiers.test_processing import ACCEPTED, DEFAULT_STEP_DUES, DUE, People, accept
from tests.factories import CenterFactory, staff
from tests.queueing.test_queue_api import api, bearer

pytestmark = pytest.mark.django_db

ANSWER_KEYS = {"code", "status", "status_label", "due_at", "step", "version", "timeliness"}
STEP_KEYS = {"order", "name", "role", "center", "department", "assignee", "due_at"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(local(2026, 11, 30, 10), tick=True):
        yield


@pytest.fixture
def people(center, receptionist) -> People:
    return People(
        receptionist=receptionist,
        specialist=staff(Role.SPECIALIST, center, username="chuyenvien"),
        leader=staff(Role.LEADER, center, username="lanhdao"),
        admin=staff(Role.CENTER_ADMIN, center, username="quantri"),
    )


@pytest.fixture
def dossier(center, procedure, people) -> Dossier:
    return accept(center, procedure, people.receptionist, at=ACCEPTED)


class Caller:
    """One official calling the API with a bearer token."""

    def __init__(self, client: Client, user) -> None:
        self.client = client
        self.headers = bearer(client, user)

    def act(self, dossier: Dossier | str, action: str, body: dict | None = None):
        code = dossier if isinstance(dossier, str) else dossier.code
        path = api(f"dossiers/{code}/actions/{action}")
        if body is None:
            return self.client.generic("POST", path, b"", content_type="", **self.headers)
        return self.client.post(path, body, content_type="application/json", **self.headers)

    def attach_result(self, dossier: Dossier):
        return self.client.post(
            api(f"dossiers/{dossier.code}/files"),
            {"files": [upload("quyet-dinh.pdf", pdf_bytes())], "result": "true"},
            **self.headers,
        )


def ok(response) -> dict:
    """A 200 answer in exactly the documented shape."""
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == ANSWER_KEYS
    assert isinstance(data["version"], int)
    assert data["status_label"] == str(Status(data["status"]).label)
    if data["step"] is not None:
        assert set(data["step"]) == STEP_KEYS
    return data


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code, data
    assert isinstance(data["message"], str) and data["message"]
    return data


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_whole_way_through_the_api(client, dossier, people, center):
    counter = Caller(client, people.receptionist)
    specialist = Caller(client, people.specialist)
    leader = Caller(client, people.leader)

    data = ok(counter.act(dossier, "forward", {"reason": "Chuyển phòng chuyên môn"}))
    assert data["code"] == dossier.code
    assert (data["status"], data["status_label"], data["version"]) == (4, "Đang xử lý", 1)
    assert data["due_at"] == "2026-12-03T09:00:00+07:00"  # the center's own zone
    assert data["timeliness"] == ""
    assert data["step"] == {
        "order": 2,
        "name": "Thẩm định, xử lý",
        "role": "specialist",
        "center": center.code,
        "department": None,
        "assignee": "chuyenvien",
        "due_at": "2026-12-02T09:48:00+07:00",
    }

    data = ok(specialist.act(dossier, "forward"))
    assert (data["step"]["order"], data["step"]["role"]) == (3, "leader")
    assert data["step"]["assignee"] == "lanhdao"
    assert when(data["step"]["due_at"]) == DEFAULT_STEP_DUES[2]

    data = ok(leader.act(dossier, "approve", {}))
    assert (data["step"]["order"], data["step"]["assignee"]) == (4, "tiepnhan")

    response = counter.attach_result(dossier)
    assert response.status_code == 201, response.content
    assert DossierFile.objects.get(dossier=dossier).is_result

    data = ok(counter.act(dossier, "mark_processed"))
    assert (data["status"], data["step"], data["timeliness"]) == (9, None, "early")

    data = ok(counter.act(dossier, "return_result", {"delivery": "counter"}))
    assert (data["status"], data["status_label"], data["version"]) == (10, "Đã trả kết quả", 5)


def test_assign(client, dossier, people):
    binh = staff(Role.SPECIALIST, dossier.center, username="binh")
    Caller(client, people.receptionist).act(dossier, "forward")
    data = ok(Caller(client, people.leader).act(dossier, "assign", {"assignee": "binh"}))
    assert data["step"]["assignee"] == binh.username
    refused(
        Caller(client, people.leader).act(dossier, "assign", {"assignee": "tiepnhan"}),
        400,
        "invalid_assignee",
    )
    # Without a name: the least loaded.
    data = ok(Caller(client, people.leader).act(dossier, "assign", {}))
    assert data["step"]["assignee"] in {"binh", "chuyenvien"}


def test_send_back(client, dossier, people):
    Caller(client, people.receptionist).act(dossier, "forward")
    specialist = Caller(client, people.specialist)
    refused(specialist.act(dossier, "send_back", {}), 400, "reason_required")
    data = ok(specialist.act(dossier, "send_back", {"reason": "Hồ sơ chuyển nhầm phòng."}))
    assert (data["status"], data["step"]["order"], data["step"]["assignee"]) == (
        4,
        1,
        "tiepnhan",
    )


def test_supplement_asked_and_received(client, dossier, people):
    counter = Caller(client, people.receptionist)
    refused(counter.act(dossier, "request_supplement", {"items": []}), 400, "no_missing_items")
    data = ok(counter.act(dossier, "request_supplement", {"items": ["Bản đồ thửa đất"]}))
    assert (data["status"], data["status_label"]) == (5, "Yêu cầu bổ sung")
    assert FormRecord.objects.filter(dossier=dossier, form="02").count() == 1
    data = ok(counter.act(dossier, "receive_supplement"))
    assert data["status"] == 4
    # Restarted from now: 3 working days from Monday ~10:00.
    assert when(data["due_at"]).date() == local(2026, 12, 3).date()
    assert when(data["due_at"]) > DUE


def test_fees(client, dossier, people):
    Caller(client, people.receptionist).act(dossier, "forward")
    data = ok(
        Caller(client, people.specialist).act(dossier, "request_payment", {"amount_vnd": 50000})
    )
    assert (data["status"], data["status_label"]) == (6, "Chờ nộp phí, lệ phí")
    counter = Caller(client, people.receptionist)
    refused(counter.act(dossier, "record_payment", {}), 400, "receipt_required")
    data = ok(counter.act(dossier, "record_payment", {"receipt": "BL-77"}))
    assert data["status"] == 4
    assert Dossier.objects.get(pk=dossier.pk).fee_requested_vnd == 50000


@pytest.mark.parametrize(
    ("action", "status"),
    [("withdraw", 7), ("stop", 8), ("refuse", 3)],
)
def test_closing(client, dossier, people, action, status):
    Caller(client, people.receptionist).act(dossier, "forward")
    who = people.receptionist if action == "withdraw" else people.specialist
    caller = Caller(client, who)
    refused(caller.act(dossier, action, {"reason": " "}), 400, "reason_required")
    data = ok(caller.act(dossier, action, {"reason": "Lý do ghi rõ ràng ở đây."}))
    assert (data["status"], data["step"]) == (status, None)


def test_apologize(client, dossier, people):
    counter = Caller(client, people.receptionist)
    body = {"new_due_at": "2026-12-08T09:00:00+07:00", "reason": "Chờ ý kiến liên ngành."}
    data = ok(counter.act(dossier, "apologize", body))
    assert data["due_at"] == "2026-12-08T09:00:00+07:00"
    assert data["status"] == 2
    assert FormRecord.objects.filter(dossier=dossier, form="04").count() == 1
    data = refused(counter.act(dossier, "apologize", body), 409, "apology_once")
    assert "một lần" in data["message"]


def test_a_time_without_offset_is_the_centers(client, dossier, people):
    """A naive time is read in the center's zone (not an error, not UTC)."""
    counter = Caller(client, people.receptionist)
    body = {"new_due_at": "2026-12-08T09:00:00", "reason": "Chờ ý kiến liên ngành."}
    data = ok(counter.act(dossier, "apologize", body))
    assert data["due_at"] == "2026-12-08T09:00:00+07:00"


def test_inter_agency_through_the_api(client, dossier, people, province):
    there = CenterFactory(province=province, code="so-xay-dung", name="Sở Xây dựng")
    expert = staff(Role.SPECIALIST, there, username="sxd")
    Caller(client, people.receptionist).act(dossier, "forward")
    data = ok(
        Caller(client, people.specialist).act(
            dossier,
            "forward",
            {"to_center": "so-xay-dung", "step_due_at": "2026-12-02T11:00:00+07:00"},
        )
    )
    assert data["step"] == {
        "order": 3,
        "name": "Liên thông: Sở Xây dựng",
        "role": "specialist",
        "center": "so-xay-dung",
        "department": None,
        "assignee": "sxd",
        "due_at": "2026-12-02T11:00:00+07:00",
    }
    # The other center's official sees it and sends it back to the process.
    outside = Caller(client, expert)
    response = client.get(api(f"dossiers/{dossier.code}"), **outside.headers)
    assert response.status_code == 200
    data = ok(outside.act(dossier, "forward"))
    assert (data["step"]["order"], data["step"]["center"], data["step"]["role"]) == (
        4,
        dossier.center.code,
        "leader",
    )


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("record_payment", "Ghi nhận đã nộp phí, lệ phí"),
        ("receive_supplement", "Nhận hồ sơ bổ sung"),
        ("send_back", "Trả lại bước trước"),
        ("approve", "Phê duyệt"),
        ("mark_processed", "Có kết quả"),
        ("return_result", "Trả kết quả"),
        ("request_payment", "Yêu cầu nộp phí, lệ phí"),
    ],
)
def test_a_forbidden_move_is_a_409_that_says_why(client, dossier, people, action, label):
    before = Dossier.objects.get(pk=dossier.pk)
    data = refused(
        Caller(client, people.admin).act(dossier, action, {"reason": "Lý do ghi rõ."}),
        409,
        "invalid_transition",
    )
    assert label in data["message"]
    assert "Đã tiếp nhận" in data["message"]  # the status it is in
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_an_old_version_is_a_409(client, dossier, people):
    counter = Caller(client, people.receptionist)
    ok(counter.act(dossier, "forward", {"version": 0}))
    data = refused(
        Caller(client, people.leader).act(dossier, "forward", {"version": 0}),
        409,
        "dossier_changed",
    )
    assert "người khác" in data["message"]
    assert DossierStep.objects.get(pk=Dossier.objects.get(pk=dossier.pk).current_step_id).order == 2


def test_an_unknown_action_is_a_404(client, dossier, people):
    for action in ("teleport", "accept", "attach", "mark_overdue"):
        refused(Caller(client, people.receptionist).act(dossier, action), 404, "invalid_action")


def test_an_unknown_dossier_is_a_404(client, dossier, people):
    refused(
        Caller(client, people.receptionist).act("000.00.10.H34-261130-9999", "forward"),
        404,
        "unknown_dossier",
    )


def test_without_credentials_401(client, dossier):
    response = client.post(
        api(f"dossiers/{dossier.code}/actions/forward"), {}, content_type="application/json"
    )
    refused(response, 401, "unauthorized")


def test_another_centers_staff_get_404(client, dossier, other_center):
    for role in (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER, Role.CENTER_ADMIN):
        outsider = staff(role, other_center, username=f"khac-{role}")
        caller = Caller(client, outsider)
        refused(caller.act(dossier, "forward"), 404, "unknown_dossier")
        response = caller.attach_result(dossier)
        refused(response, 404, "unknown_dossier")
    assert Dossier.objects.get(pk=dossier.pk).version == 0


def test_not_your_step_is_a_403(client, dossier, people):
    Caller(client, people.receptionist).act(dossier, "forward")
    other = staff(Role.SPECIALIST, dossier.center, username="chuyenvien2")
    refused(Caller(client, other).act(dossier, "forward"), 403, "not_your_step")


def test_the_result_file_only_from_who_works_on_the_step(client, dossier, people):
    response = Caller(client, people.receptionist).attach_result(dossier)
    refused(response, 409, "invalid_transition")  # accepted, not yet being processed
    Caller(client, people.receptionist).act(dossier, "forward")
    response = Caller(client, people.receptionist).attach_result(dossier)
    assert response.status_code == 403, response.content
    response = Caller(client, people.specialist).attach_result(dossier)
    assert response.status_code == 201, response.content
    [row] = DossierFile.objects.filter(dossier=dossier)
    assert row.is_result and row.uploaded_by == people.specialist
    # An ordinary scan is not a result.
    response = client.post(
        api(f"dossiers/{dossier.code}/files"),
        {"files": [upload("them.pdf", pdf_bytes())]},
        **Caller(client, people.receptionist).headers,
    )
    assert response.status_code == 201
    assert DossierFile.objects.filter(dossier=dossier, is_result=True).count() == 1


def test_bad_body_is_a_400(client, dossier, people):
    response = Caller(client, people.receptionist).client.post(
        api(f"dossiers/{dossier.code}/actions/apologize"),
        {"new_due_at": "thứ hai tuần sau", "reason": "Chờ"},
        content_type="application/json",
        **bearer(client, people.receptionist),
    )
    assert response.status_code in (400, 422), response.content
    assert Dossier.objects.get(pk=dossier.pk).apology_at is None


def test_times_are_given_in_the_centers_zone(client, dossier, people):
    data = ok(Caller(client, people.receptionist).act(dossier, "assign", {}))
    assert data["due_at"].endswith("+07:00")
    assert data["step"]["due_at"] == DEFAULT_STEP_DUES[0].astimezone(TZ).isoformat()
