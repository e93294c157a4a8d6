"""The internal process after acceptance, through ``processing.dossier_act`` with a fixed
``now``: steps and their deadlines, assignment, who may act, forwarding and sending back,
supplements during processing, fees, approval, the result, the apology, closing, inter-agency
steps, versions, and the background sweep (overdue, due soon).

Unless a test says otherwise the dossier is accepted on Monday 30 November 2026 at 09:00 (in
Vietnam) for a procedure of 3 working days: due Thursday 3 December at 09:00; the default
process (reception 10 %, specialist 60 %, leader 20 %, back to the counter 10 %) gives the
steps Monday 11:24, Wednesday 09:48, Wednesday 16:36 and Thursday 09:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from motcua.dossiers import processing, services
from motcua.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierPolicy,
    DossierStep,
    FormRecord,
    ResultDelivery,
    SupplementMode,
    Timeliness,
)
from motcua.dossiers.selectors import dossier_list_for_user
from motcua.dossiers.workflow import Action, Status
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.notifications.models import Message
from motcua.organization.models import Role
from tests.dossiers.conftest import TZ, local, pdf_bytes, upload
from tests.dossiers.test_workflow import at_counter
from tests.factories import CenterFactory, DepartmentFactory, ProvinceFactory, staff

pytestmark = pytest.mark.django_db

ACCEPTED = local(2026, 11, 30, 9)  # Monday
DUE = local(2026, 12, 3, 9)  # Thursday
DEFAULT_STEP_DUES = [
    local(2026, 11, 30, 11, 24),
    local(2026, 12, 2, 9, 48),
    local(2026, 12, 2, 16, 36),
    DUE,
]


# --- Helpers -------------------------------------------------------------------------------


@dataclass
class People:
    receptionist: User
    specialist: User
    leader: User
    admin: User


@pytest.fixture
def people(center, receptionist) -> People:
    return People(
        receptionist=receptionist,
        specialist=staff(
            Role.SPECIALIST,
            center,
            username="chuyenvien",
            first_name="Hùng",
            last_name="Trần Văn",
            email="hung@example.com",
        ),
        leader=staff(
            Role.LEADER,
            center,
            username="lanhdao",
            first_name="Minh",
            last_name="Lê Quang",
            email="lanhdao@example.com",
        ),
        admin=staff(Role.CENTER_ADMIN, center, username="quantri"),
    )


def accept(center, procedure, receptionist, at: datetime = ACCEPTED, **kwargs) -> Dossier:
    dossier, _form = at_counter(center, procedure, receptionist, at=at, **kwargs)
    return dossier


def act(actor, dossier, action, at: datetime, **data) -> Dossier:
    return processing.dossier_act(
        actor=actor,
        dossier=dossier,
        action=action,
        data=processing.ActionInput(**data),
        now=at,
    )


def attach_result(actor, dossier, at: datetime, name: str = "quyet-dinh.pdf"):
    return services.dossier_attach(
        actor=actor,
        dossier=dossier,
        uploads=[services.Upload(upload(name, pdf_bytes("kết quả")))],
        result=True,
        now=at,
    )


def steps_of(dossier: Dossier) -> list[DossierStep]:
    return list(DossierStep.objects.filter(dossier=dossier).order_by("order", "id"))


def local_dues(dossier: Dossier) -> list[datetime]:
    return [step.due_at.astimezone(TZ) for step in steps_of(dossier)]


def current(dossier: Dossier) -> DossierStep:
    """The dossier's current step as stored now (and the dossier refreshed with it)."""
    dossier.refresh_from_db()
    assert dossier.current_step_id is not None
    step = DossierStep.objects.select_related("assignee", "center", "department").get(
        pk=dossier.current_step_id
    )
    dossier.current_step = step
    return step


def vn(user: User) -> str:
    """A Vietnamese name as the hand-overs write it: family name first."""
    return f"{user.last_name} {user.first_name}"


def instants(data: dict) -> dict:
    """ISO times in stored data as instants (stored in UTC or with the local offset)."""
    return {
        key: datetime.fromisoformat(value) if key.endswith("_at") and value else value
        for key, value in data.items()
    }


AT_LEADER = local(2026, 12, 1, 10)
APPROVED = local(2026, 12, 2, 15)


def at_leader(dossier, people, at: datetime = AT_LEADER) -> Dossier:
    """Forwarded by the counter (Monday 10:00), then by the specialist: at the leader's step."""
    act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
    return act(people.specialist, dossier, Action.FORWARD, at)


def at_counter_again(dossier, people, at: datetime = APPROVED) -> Dossier:
    """Approved by the leader: back at the one-stop counter (the last step)."""
    at_leader(dossier, people)
    return act(people.leader, dossier, Action.APPROVE, at)


def unchanged(dossier: Dossier):
    """A snapshot to compare after a refused action: nothing may have changed."""
    dossier.refresh_from_db()
    return (
        dossier.status,
        dossier.version,
        dossier.current_step_id,
        dossier.due_at,
        DossierEvent.objects.filter(dossier=dossier).count(),
        FormRecord.objects.filter(dossier=dossier).count(),
        list(DossierStep.objects.filter(dossier=dossier).values_list("assignee", "finished_at")),
    )


def events(dossier: Dossier) -> list[DossierEvent]:
    return list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "id"))


# --- The whole way ---------------------------------------------------------------------------


class TestTheWholeWay:
    def test_accept_forward_approve_result_returned(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        assert (dossier.status, dossier.version) == (Status.ACCEPTED, 0)
        assert dossier.original_due_at == dossier.due_at == DUE
        first = current(dossier)
        assert (first.order, first.assignee, first.started_at) == (
            1,
            people.receptionist,
            ACCEPTED,
        )

        # The counter hands the dossier to the (only, hence least loaded) specialist.
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        step = current(dossier)
        assert (dossier.status, dossier.version) == (Status.PROCESSING, 1)
        assert (step.order, step.role, step.assignee) == (2, Role.SPECIALIST, people.specialist)
        assert step.started_at == local(2026, 11, 30, 10)

        # The specialist sends it on to the leader.
        act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 1, 10))
        step = current(dossier)
        assert (step.order, step.role, step.assignee) == (3, Role.LEADER, people.leader)

        # The leader approves: back to the one-stop counter.
        act(people.leader, dossier, Action.APPROVE, local(2026, 12, 2, 15))
        step = current(dossier)
        assert (step.order, step.role, step.assignee) == (4, Role.RECEPTIONIST, people.receptionist)
        assert (dossier.approved_at, dossier.approved_by) == (local(2026, 12, 2, 15), people.leader)

        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))
        dossier.refresh_from_db()
        assert dossier.status == Status.PROCESSED
        assert dossier.processed_at == local(2026, 12, 2, 16, 30)
        assert dossier.timeliness == Timeliness.EARLY  # Wednesday, due Thursday
        assert dossier.current_step is None

        returned = act(
            people.receptionist,
            dossier,
            Action.RETURN_RESULT,
            local(2026, 12, 3, 8),
            delivery=ResultDelivery.COUNTER,
        )
        assert returned.status == Status.RETURNED
        assert returned.returned_at == local(2026, 12, 3, 8)
        assert returned.version == 5  # four moves and the return (attaching is no move)

        assert [(e.action, e.from_status, e.to_status) for e in events(dossier)] == [
            (Action.ACCEPT, 0, Status.ACCEPTED),
            (Action.FORWARD, Status.ACCEPTED, Status.PROCESSING),
            (Action.FORWARD, Status.PROCESSING, Status.PROCESSING),
            (Action.APPROVE, Status.PROCESSING, Status.PROCESSING),
            (Action.ATTACH, Status.PROCESSING, Status.PROCESSING),
            (Action.MARK_PROCESSED, Status.PROCESSING, Status.PROCESSED),
            (Action.RETURN_RESULT, Status.PROCESSED, Status.RETURNED),
        ]
        # Every step finished, by whom, and how it went against its own deadline.
        assert [
            (s.order, s.finished_at.astimezone(TZ), s.finished_by, s.timeliness)
            for s in steps_of(dossier)
        ] == [
            (1, local(2026, 11, 30, 10), people.receptionist, Timeliness.ON_TIME),
            (2, local(2026, 12, 1, 10), people.specialist, Timeliness.EARLY),
            (3, local(2026, 12, 2, 15), people.leader, Timeliness.ON_TIME),
            (4, local(2026, 12, 2, 16, 30), people.receptionist, Timeliness.EARLY),
        ]
        # The citizen is told the result is ready.
        ready = Message.objects.filter(kind="result_ready").values_list("channel", flat=True)
        assert sorted(ready) == ["email", "sms"]

    def test_hand_overs_carry_giver_receiver_and_timeliness(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        hand_overs = [e for e in events(dossier) if e.action in (Action.FORWARD, Action.APPROVE)]
        assert [e.actor for e in hand_overs] == [
            people.receptionist,
            people.specialist,
            people.leader,
        ]
        first, second, third = (e.data for e in hand_overs)
        assert instants(first) == {
            "from_step": 1,
            "from_name": "Tiếp nhận, chuyển hồ sơ",
            "from_unit": center.name,
            "to_step": 2,
            "to_name": "Thẩm định, xử lý",
            "to_unit": center.name,
            "giver": "Nguyễn Thị Lan",
            "receiver": "Trần Văn Hùng",
            "step_due_at": DEFAULT_STEP_DUES[0],
            "timeliness": Timeliness.ON_TIME,
        }
        assert (second["giver"], second["receiver"]) == ("Trần Văn Hùng", "Lê Quang Minh")
        assert second["timeliness"] == Timeliness.EARLY
        assert third["approved"] is True
        assert (third["from_step"], third["to_step"]) == (3, 4)
        assert (third["giver"], third["receiver"]) == ("Lê Quang Minh", "Nguyễn Thị Lan")

    def test_the_result_returned_by_post(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))
        returned = act(
            people.receptionist,
            dossier,
            Action.RETURN_RESULT,
            local(2026, 12, 3, 8),
            delivery=ResultDelivery.POST,
            postal_tracking="EB 111 222 333 VN",
        )
        assert (returned.status, returned.result_delivery, returned.postal_tracking_out) == (
            Status.RETURNED,
            "post",
            "EB111222333VN",
        )


# --- Steps and their deadlines ---------------------------------------------------------------


class TestSteps:
    def test_the_default_process_without_one_of_the_center(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        steps = steps_of(dossier)
        assert [(s.order, s.name, s.role, s.share_percent) for s in steps] == [
            (1, "Tiếp nhận, chuyển hồ sơ", Role.RECEPTIONIST, Decimal("10")),
            (2, "Thẩm định, xử lý", Role.SPECIALIST, Decimal("60")),
            (3, "Phê duyệt, ký kết quả", Role.LEADER, Decimal("20")),
            (4, "Trả kết quả", Role.RECEPTIONIST, Decimal("10")),
        ]
        assert local_dues(dossier) == DEFAULT_STEP_DUES
        assert all(s.center == center and not s.inter_agency for s in steps)
        # Only the first has started.
        assert [s.started_at for s in steps] == [ACCEPTED, None, None, None]

    def test_the_default_specialist_step_is_in_the_procedures_department(
        self, center, procedure, people
    ):
        from motcua.catalog.models import CenterProcedure

        land = DepartmentFactory(center=center, code="dia-chinh", name="Phòng Địa chính")
        CenterProcedure.objects.filter(center=center, procedure=procedure).update(department=land)
        dossier = accept(center, procedure, people.receptionist)
        assert [s.department for s in steps_of(dossier)] == [None, land, None, None]

    def test_the_centers_own_process(self, center, procedure, people):
        from motcua.catalog.models import CenterProcedure
        from motcua.catalog.services import StepPlan, process_steps_set

        land = DepartmentFactory(center=center, code="dia-chinh", name="Phòng Địa chính")
        link = CenterProcedure.objects.get(center=center, procedure=procedure)
        process_steps_set(
            actor=None,
            center_procedure=link,
            steps=[
                StepPlan("Tiếp nhận", Role.RECEPTIONIST, "20"),
                StepPlan("Thẩm định hồ sơ đất", Role.SPECIALIST, "50", land),
                StepPlan("Ký duyệt", Role.LEADER, "30"),
            ],
        )
        dossier = accept(center, procedure, people.receptionist)
        steps = steps_of(dossier)
        assert [(s.name, s.role, s.department, s.share_percent) for s in steps] == [
            ("Tiếp nhận", Role.RECEPTIONIST, None, Decimal("20")),
            ("Thẩm định hồ sơ đất", Role.SPECIALIST, land, Decimal("50")),
            ("Ký duyệt", Role.LEADER, None, Decimal("30")),
        ]
        # 24 working hours: 20 % = 4.8 h (Monday 15:48), 70 % = 16.8 h (Wednesday 09:48).
        assert local_dues(dossier) == [
            local(2026, 11, 30, 15, 48),
            local(2026, 12, 2, 9, 48),
            DUE,
        ]

    def test_a_specialist_of_another_department_does_not_get_the_step(
        self, center, procedure, people
    ):
        from motcua.catalog.models import CenterProcedure

        land = DepartmentFactory(center=center, code="dia-chinh")
        justice = DepartmentFactory(center=center, code="tu-phap")
        CenterProcedure.objects.filter(center=center, procedure=procedure).update(department=land)
        # The fixture's specialist holds no department (works for all); make him justice's.
        people.specialist.memberships.update(department=justice)
        land_specialist = staff(Role.SPECIALIST, center, username="zz-dia-chinh")
        land_specialist.memberships.update(department=land)
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert current(dossier).assignee == land_specialist


# --- Assignment ------------------------------------------------------------------------------


class TestAssignment:
    @pytest.fixture
    def two(self, center, people):
        """Two specialists: An (busy) and Bình."""
        people.specialist.memberships.all().delete()
        an = staff(Role.SPECIALIST, center, username="an", email="an@example.com")
        binh = staff(Role.SPECIALIST, center, username="binh", email="binh@example.com")
        return an, binh

    def test_by_hand_by_the_leader(self, center, procedure, people, two):
        an, binh = two
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert current(dossier).assignee == an  # equal loads: by user name
        act(people.leader, dossier, Action.ASSIGN, local(2026, 11, 30, 11), assignee="binh")
        assert current(dossier).assignee == binh
        event = events(dossier)[-1]
        assert (event.action, event.actor) == (Action.ASSIGN, people.leader)
        assert event.data == {"step": 2, "giver": "an", "receiver": "binh"}
        assert dossier.version == 2

    def test_least_loaded(self, center, procedure, people, two):
        an, binh = two
        busy = [accept(center, procedure, people.receptionist) for _ in range(2)]
        for dossier in busy:
            act(
                people.receptionist,
                dossier,
                Action.FORWARD,
                local(2026, 11, 30, 10),
                assignee="an",
            )
        assert processing.least_loaded(current(busy[0])) == binh
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert current(dossier).assignee == binh  # 0 open steps against An's 2
        # Re-assigning without a name gives the least loaded again (Bình: 1, An: 2).
        act(people.leader, dossier, Action.ASSIGN, local(2026, 11, 30, 11))
        assert current(dossier).assignee == binh
        # Finished steps do not count.
        for other in busy:
            act(an, other, Action.FORWARD, local(2026, 11, 30, 14))
        assert processing.least_loaded(current(dossier)) == an

    def test_a_specialist_takes_an_unassigned_step_but_gives_none_away(
        self, center, procedure, people, two
    ):
        an, binh = two
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        DossierStep.objects.filter(pk=current(dossier).pk).update(assignee=None)
        before = unchanged(dossier)
        with pytest.raises(NotAllowed):
            act(binh, dossier, Action.ASSIGN, local(2026, 11, 30, 11), assignee="an")
        assert unchanged(dossier) == before
        act(binh, dossier, Action.ASSIGN, local(2026, 11, 30, 11), assignee="binh")
        assert current(dossier).assignee == binh

    def test_an_official_who_cannot_do_the_step_is_refused(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        before = unchanged(dossier)
        for name in ("tiepnhan", "lanhdao", "nobody"):
            with pytest.raises(InvalidInput) as caught:
                act(people.leader, dossier, Action.ASSIGN, local(2026, 11, 30, 11), assignee=name)
            assert caught.value.code == "invalid_assignee"
        assert unchanged(dossier) == before

    def test_no_official_for_the_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        people.specialist.memberships.all().delete()
        DossierStep.objects.filter(pk=current(dossier).pk).update(assignee=None)
        with pytest.raises(InvalidInput) as caught:
            act(people.leader, dossier, Action.ASSIGN, local(2026, 11, 30, 11))
        assert caught.value.code == "no_staff"

    def test_forward_to_a_named_official(self, center, procedure, people, two):
        an, binh = two
        dossier = accept(center, procedure, people.receptionist)
        act(
            people.receptionist,
            dossier,
            Action.FORWARD,
            local(2026, 11, 30, 10),
            assignee="binh",
        )
        assert current(dossier).assignee == binh


# --- Who may act -----------------------------------------------------------------------------


class TestWhoMayAct:
    def test_the_assignee_and_the_supervisors(self, center, procedure, people):
        other = staff(Role.SPECIALIST, center, username="chuyenvien2")
        for who in (people.specialist, people.leader, people.admin):
            dossier = accept(center, procedure, people.receptionist)
            act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
            assert current(dossier).assignee == people.specialist
            assert processing.may_work_on(who, dossier)
            assert not processing.may_work_on(other, dossier)
            before = unchanged(dossier)
            with pytest.raises(NotAllowed) as caught:
                act(other, dossier, Action.FORWARD, local(2026, 11, 30, 11))
            assert caught.value.code == "not_your_step"
            assert unchanged(dossier) == before
            act(who, dossier, Action.FORWARD, local(2026, 11, 30, 11))
            assert current(dossier).order == 3

    def test_an_unassigned_step_is_taken_by_its_role(self, center, procedure, people):
        other = staff(Role.SPECIALIST, center, username="chuyenvien2")
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        DossierStep.objects.filter(pk=current(dossier).pk).update(assignee=None)
        current(dossier)
        assert processing.may_work_on(other, dossier)
        # The counter's officer holds another role: not this step.
        assert not processing.may_work_on(people.receptionist, dossier)
        with pytest.raises(NotAllowed):
            act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 11))
        act(other, dossier, Action.FORWARD, local(2026, 11, 30, 11))
        assert current(dossier).order == 3

    def test_another_center_is_refused(self, center, other_center, procedure, people):
        outsiders = [
            staff(role, other_center, username=f"khac-{role}")
            for role in (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER, Role.CENTER_ADMIN)
        ]
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        before = unchanged(dossier)
        for outsider in outsiders:
            for action in processing.ACTIONS:
                if action == Action.RETURN_RESULT:
                    continue
                with pytest.raises(NotAllowed):
                    act(outsider, dossier, action, local(2026, 11, 30, 11), reason="Lý do thử")
        with pytest.raises(NotAllowed):
            act(outsiders[0], dossier, Action.RETURN_RESULT, local(2026, 11, 30, 11))
        assert unchanged(dossier) == before

    def test_only_a_leader_approves_and_only_a_leader_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        # At the specialist's step: not yet.
        with pytest.raises(Conflict) as caught:
            act(people.leader, dossier, Action.APPROVE, local(2026, 11, 30, 11))
        assert caught.value.code == "not_approval_step"
        act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 1, 10))
        before = unchanged(dossier)
        for who in (people.specialist, people.admin, people.receptionist):
            with pytest.raises(NotAllowed) as caught:
                act(who, dossier, Action.APPROVE, local(2026, 12, 1, 11))
            assert caught.value.code == "not_leader"
        assert unchanged(dossier) == before
        assert dossier.approved_at is None

    def test_a_leader_step_is_left_by_approving_not_by_forwarding(self, center, procedure, people):
        """Forwarding from the leader's step would skip the approval (and leave the dossier at
        the counter unable to be marked processed); two forwards at once must not slip a
        dossier past it either."""
        dossier = accept(center, procedure, people.receptionist)
        at_leader(dossier, people)
        before = unchanged(dossier)
        for who in (people.leader, people.admin):
            with pytest.raises(Conflict) as caught:
                act(who, dossier, Action.FORWARD, local(2026, 12, 1, 11))
            assert caught.value.code == "not_approved"
        assert unchanged(dossier) == before

    def test_an_action_before_acceptance_is_refused(self, center, procedure, people):
        from tests.dossiers.test_workflow import online

        dossier = online(center, procedure)
        with pytest.raises(Conflict) as caught:
            act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert caught.value.code == "invalid_transition"

    def test_an_unknown_action(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        for name in ("teleport", Action.ACCEPT, Action.ATTACH, Action.MARK_OVERDUE):
            with pytest.raises(NotFound) as caught:
                act(people.receptionist, dossier, name, local(2026, 11, 30, 10))
            assert caught.value.code == "invalid_action"


# --- Sending back ----------------------------------------------------------------------------


class TestSendBack:
    def test_with_a_reason_to_the_previous_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_leader(dossier, people)
        before = unchanged(dossier)
        for reason in ("", "  ", "sai"):
            with pytest.raises(InvalidInput) as caught:
                act(people.leader, dossier, Action.SEND_BACK, local(2026, 12, 1, 14), reason=reason)
            assert caught.value.code == "reason_required"
        assert unchanged(dossier) == before

        reason = "Thiếu ý kiến của Phòng Tài nguyên."
        act(people.leader, dossier, Action.SEND_BACK, local(2026, 12, 1, 14), reason=reason)
        step = current(dossier)
        assert (step.order, step.assignee, step.finished_at) == (2, people.specialist, None)
        assert step.started_at == local(2026, 12, 1, 14)
        leader_step = steps_of(dossier)[2]
        assert (leader_step.started_at, leader_step.finished_at) == (None, None)
        event = events(dossier)[-1]
        assert (event.action, event.note, event.actor) == (Action.SEND_BACK, reason, people.leader)
        assert event.data["send_back"] is True
        assert (event.data["from_step"], event.data["to_step"]) == (3, 2)
        assert dossier.status == Status.PROCESSING
        # The specialist fixes it and forwards again: the leader's step opens again.
        act(people.specialist, dossier, Action.FORWARD, local(2026, 12, 1, 16))
        step = current(dossier)
        assert (step.order, step.started_at) == (3, local(2026, 12, 1, 16))

    def test_not_from_the_first_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.ASSIGN, local(2026, 11, 30, 9, 30))
        with pytest.raises(Conflict) as caught:
            act(
                people.receptionist,
                dossier,
                Action.SEND_BACK,
                local(2026, 11, 30, 10),
                reason="Gửi lại cho ai?",
            )
        assert caught.value.code == "first_step"

    def test_not_while_only_accepted(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        with pytest.raises(Conflict) as caught:
            act(
                people.receptionist,
                dossier,
                Action.SEND_BACK,
                local(2026, 11, 30, 10),
                reason="Lý do bất kỳ",
            )
        assert caught.value.code == "invalid_transition"


# --- Supplements during processing ---------------------------------------------------------


class TestSupplementDuringProcessing:
    def test_the_clock_stops_form_02_and_a_message(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        Message.objects.all().delete()
        at = local(2026, 12, 1, 9)
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            at,
            items=["Bản đồ thửa đất", " ", "Bản đồ thửa đất", "Giấy ủy quyền"],
            reason="Bổ sung trong 10 ngày",
        )
        dossier.refresh_from_db()
        assert dossier.status == Status.SUPPLEMENT
        assert dossier.paused_at == at
        assert dossier.supplements_during_processing == 1
        assert not dossier.supplement_flagged
        assert dossier.due_at == DUE  # unchanged until the supplement is received
        supplement = dossier.supplements.get()
        assert supplement.items == ["Bản đồ thửa đất", "Giấy ủy quyền"]
        assert (supplement.requested_at, supplement.requested_by) == (at, people.specialist)
        form = dossier.forms.get(form="02")
        assert form.content == {
            "items": ["Bản đồ thửa đất", "Giấy ủy quyền"],
            "note": "Bổ sung trong 10 ngày",
            "during_processing": True,
        }
        assert sorted(
            Message.objects.filter(kind="supplement_requested").values_list("channel", flat=True)
        ) == ["email", "sms"]
        sms = Message.objects.get(kind="supplement_requested", channel="sms")
        assert sms.recipient == "0912345678" and dossier.code in sms.body
        event = events(dossier)[-1]
        assert (event.action, event.from_status, event.to_status) == (
            Action.REQUEST_SUPPLEMENT,
            Status.PROCESSING,
            Status.SUPPLEMENT,
        )
        assert event.data == {"items": ["Bản đồ thửa đất", "Giấy ủy quyền"], "late_request": False}

    def test_items_are_needed(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        before = unchanged(dossier)
        with pytest.raises(InvalidInput) as caught:
            act(
                people.receptionist,
                dossier,
                Action.REQUEST_SUPPLEMENT,
                local(2026, 11, 30, 10),
                items=["", " "],
            )
        assert caught.value.code == "no_missing_items"
        assert unchanged(dossier) == before

    @pytest.mark.parametrize(
        ("asked", "flagged"),
        [
            (local(2026, 12, 3, 9), False),  # exactly 3 working days after acceptance
            (local(2026, 12, 3, 10), True),  # more than 3
            (local(2026, 12, 7, 8), True),
        ],
    )
    def test_a_late_request_is_flagged(self, center, procedure, people, asked, flagged):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(people.specialist, dossier, Action.REQUEST_SUPPLEMENT, asked, items=["Bản đồ"])
        dossier.refresh_from_db()
        assert dossier.supplement_flagged is flagged
        assert events(dossier)[-1].data["late_request"] is flagged

    def test_received_restart_from_zero(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            local(2026, 12, 1, 9),
            items=["Bản đồ"],
        )
        received = local(2026, 12, 4, 10)  # Friday
        act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, received)
        dossier.refresh_from_db()
        # The whole 3 working days again from Friday 10:00: Wednesday 9 December 10:00.
        assert dossier.due_at == local(2026, 12, 9, 10)
        assert dossier.original_due_at == DUE
        assert dossier.status == Status.PROCESSING
        assert dossier.paused_at is None
        assert dossier.supplements.get().answered_at == received
        assert instants(dossier.due_basis["supplement"]) == {
            "mode": "restart",
            "paused_at": local(2026, 12, 1, 9),
            "received_at": received,
            "previous_due_at": DUE,
        }
        # The current step (the specialist's, still his) and those after it share the new time.
        step = current(dossier)
        assert (step.order, step.assignee) == (2, people.specialist)
        assert local_dues(dossier)[0] == DEFAULT_STEP_DUES[0]  # finished: untouched
        assert local_dues(dossier)[1:] == [
            # 60/90 and 80/90 of 24 h from Friday 10:00: 16 h and 21 h 20 min.
            local(2026, 12, 8, 10),
            local(2026, 12, 8, 17, 20),
            local(2026, 12, 9, 10),
        ]

    def test_received_pause_and_resume(self, center, procedure, people):
        DossierPolicy.objects.create(center=center, supplement_mode=SupplementMode.PAUSE)
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            local(2026, 12, 1, 9),
            items=["Bản đồ"],
        )
        act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, 4, 10))
        dossier.refresh_from_db()
        # 16 working hours were left (Tuesday 09:00 → Thursday 09:00): Tuesday 8 Dec 10:00.
        assert dossier.due_at == local(2026, 12, 8, 10)
        assert dossier.due_basis["supplement"]["mode"] == "pause"
        assert instants(events(dossier)[-1].data) == {
            "mode": "pause",
            "due_at": local(2026, 12, 8, 10),
            "previous_due_at": DUE,
        }

    def test_received_by_the_one_stop_counter_only(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            local(2026, 12, 1, 9),
            items=["Bản đồ"],
        )
        before = unchanged(dossier)
        with pytest.raises(NotAllowed):
            act(people.specialist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, 2, 9))
        assert unchanged(dossier) == before
        # While waiting, nothing else moves but what the table allows.
        for action in (Action.FORWARD, Action.APPROVE, Action.MARK_PROCESSED):
            with pytest.raises(Conflict) as caught:
                act(people.leader, dossier, action, local(2026, 12, 2, 9))
            assert caught.value.code == "invalid_transition"

    def test_a_second_supplement_counts_again(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        for day in (1, 2):
            act(
                people.specialist,
                dossier,
                Action.REQUEST_SUPPLEMENT,
                local(2026, 12, day, 9),
                items=[f"Giấy tờ {day}"],
            )
            act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, day, 14))
        dossier.refresh_from_db()
        assert dossier.supplements_during_processing == 2
        assert dossier.forms.filter(form="02").count() == 2
        # Restarted from Wednesday 14:00: Monday 7 December 14:00.
        assert dossier.due_at == local(2026, 12, 7, 14)


# --- Fees ------------------------------------------------------------------------------------


class TestFees:
    def test_request_and_record(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 14))
        dossier.refresh_from_db()
        assert (dossier.status, dossier.fee_requested_vnd) == (Status.WAITING_FEES, 8000)
        before = unchanged(dossier)
        with pytest.raises(InvalidInput) as caught:
            act(people.receptionist, dossier, Action.RECORD_PAYMENT, local(2026, 12, 1, 9))
        assert caught.value.code == "receipt_required"
        assert unchanged(dossier) == before
        act(
            people.receptionist,
            dossier,
            Action.RECORD_PAYMENT,
            local(2026, 12, 1, 9),
            receipt=" BL-0001234 ",
        )
        dossier.refresh_from_db()
        assert dossier.status == Status.PROCESSING
        assert (dossier.fee_paid_at, dossier.fee_receipt) == (local(2026, 12, 1, 9), "BL-0001234")
        assert events(dossier)[-1].data == {"receipt": "BL-0001234", "amount_vnd": 8000}

    def test_an_amount_given(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.REQUEST_PAYMENT,
            local(2026, 11, 30, 14),
            amount_vnd=150000,
        )
        dossier.refresh_from_db()
        assert dossier.fee_requested_vnd == 150000

    def test_nothing_to_pay(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        Dossier.objects.filter(pk=dossier.pk).update(fee_total_vnd=0)
        with pytest.raises(InvalidInput) as caught:
            act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 14))
        assert caught.value.code == "amount_required"

    def test_a_postal_worker_does_not_record_payments(self, center, procedure, people):
        postal = staff(Role.POSTAL, center, username="buudien2")
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 14))
        with pytest.raises(NotAllowed):
            act(postal, dossier, Action.RECORD_PAYMENT, local(2026, 12, 1, 9), receipt="BL-1")


# --- The apology -----------------------------------------------------------------------------


class TestApology:
    def apologize(self, actor, dossier, at, new_due, reason="Chờ ý kiến của Sở Xây dựng."):
        return act(actor, dossier, Action.APOLOGIZE, at, new_due_at=new_due, reason=reason)

    def test_once_with_form_04_and_a_message(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        new_due = local(2026, 12, 8, 9)
        self.apologize(people.specialist, dossier, local(2026, 12, 1, 9), new_due)
        dossier.refresh_from_db()
        assert dossier.due_at == new_due
        assert dossier.original_due_at == DUE
        assert (dossier.apology_at, dossier.apology_reason) == (
            local(2026, 12, 1, 9),
            "Chờ ý kiến của Sở Xây dựng.",
        )
        form = dossier.forms.get(form="04")
        assert instants(form.content) == {
            "reason": "Chờ ý kiến của Sở Xây dựng.",
            "previous_due_at": DUE,
            "new_due_at": new_due,
        }
        assert form.number == 1 and form.year == 2026
        email = Message.objects.get(kind="apology_new_date", channel="email")
        assert "08/12/2026" in email.body
        assert Message.objects.filter(kind="apology_new_date", channel="sms").exists()
        # The open steps share the new time.
        assert local_dues(dossier)[-1] == new_due
        # A second apology is refused, whatever its date.
        before = unchanged(dossier)
        with pytest.raises(Conflict) as caught:
            self.apologize(
                people.specialist, dossier, local(2026, 12, 2, 9), local(2026, 12, 10, 9)
            )
        assert caught.value.code == "apology_once"
        assert unchanged(dossier) == before

    @pytest.mark.parametrize(
        ("at", "allowed"),
        [
            (local(2026, 12, 2, 9), True),  # exactly one working day (8 h) before
            (local(2026, 12, 2, 9, 1), False),
            (local(2026, 12, 2, 16), False),
            (local(2026, 12, 3, 10), False),  # already overdue
        ],
    )
    def test_at_least_one_working_day_before_due(self, center, procedure, people, at, allowed):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        before = unchanged(dossier)
        if allowed:
            self.apologize(people.specialist, dossier, at, local(2026, 12, 8, 9))
            dossier.refresh_from_db()
            assert dossier.apology_at == at
        else:
            with pytest.raises(Conflict) as caught:
                self.apologize(people.specialist, dossier, at, local(2026, 12, 8, 9))
            assert caught.value.code == "apology_too_late"
            assert unchanged(dossier) == before

    @pytest.mark.parametrize("new_due", [None, DUE, local(2026, 12, 2, 9)])
    def test_the_new_date_is_after_the_current_one(self, center, procedure, people, new_due):
        dossier = accept(center, procedure, people.receptionist)
        with pytest.raises(InvalidInput) as caught:
            self.apologize(people.receptionist, dossier, local(2026, 11, 30, 10), new_due)
        assert caught.value.code == "invalid_new_due"

    def test_a_reason_is_needed(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        with pytest.raises(InvalidInput) as caught:
            self.apologize(
                people.receptionist, dossier, local(2026, 11, 30, 10), local(2026, 12, 8), "  "
            )
        assert caught.value.code == "reason_required"

    def test_it_still_counts_late(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        self.apologize(people.receptionist, dossier, local(2026, 11, 30, 10), local(2026, 12, 8, 9))
        at_counter_again(dossier, people)
        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))
        dossier.refresh_from_db()
        # Finished before even the first due date, yet late: there was an apology.
        assert dossier.timeliness == Timeliness.LATE


# --- The result ------------------------------------------------------------------------------


class TestMarkProcessed:
    def test_needs_the_approval_when_the_process_has_a_leader(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        # The last step reached without the leader's approval (as data, not through a move).
        last = steps_of(dossier)[-1]
        Dossier.objects.filter(pk=dossier.pk).update(current_step=last)
        DossierStep.objects.filter(pk=last.pk).update(
            started_at=local(2026, 11, 30, 11), assignee=people.receptionist
        )
        attach_result(people.receptionist, dossier, local(2026, 12, 1, 9))
        before = unchanged(dossier)
        with pytest.raises(Conflict) as caught:
            act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 1, 10))
        assert caught.value.code == "not_approved"
        assert unchanged(dossier) == before

    def test_needs_the_result_document(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        # An ordinary scan is not the result.
        services.dossier_attach(
            actor=people.receptionist,
            dossier=dossier,
            uploads=[services.Upload(upload("scan.pdf", pdf_bytes()))],
            now=local(2026, 12, 2, 15, 30),
        )
        with pytest.raises(InvalidInput) as caught:
            act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16))
        assert caught.value.code == "result_missing"
        [row] = attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        assert row.is_result
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))

    def test_only_from_the_last_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        attach_result(people.specialist, dossier, local(2026, 11, 30, 14))
        with pytest.raises(Conflict) as caught:
            act(people.specialist, dossier, Action.MARK_PROCESSED, local(2026, 11, 30, 15))
        assert caught.value.code == "steps_remaining"

    def test_the_result_is_attached_by_who_works_on_the_step(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        other = staff(Role.SPECIALIST, center, username="chuyenvien2")
        with pytest.raises(NotAllowed):
            attach_result(other, dossier, local(2026, 11, 30, 14))
        assert not dossier.files.filter(is_result=True).exists()
        attach_result(people.specialist, dossier, local(2026, 11, 30, 14))
        assert dossier.files.filter(is_result=True).count() == 1

    def test_no_result_document_before_processing(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        with pytest.raises(Conflict):
            attach_result(people.receptionist, dossier, local(2026, 11, 30, 9, 30))

    def test_a_process_without_a_leader_needs_no_approval(self, center, procedure, people):
        from motcua.catalog.models import CenterProcedure
        from motcua.catalog.services import StepPlan, process_steps_set

        process_steps_set(
            actor=None,
            center_procedure=CenterProcedure.objects.get(center=center, procedure=procedure),
            steps=[
                StepPlan("Tiếp nhận", Role.RECEPTIONIST, "20"),
                StepPlan("Xử lý và trả", Role.SPECIALIST, "80"),
            ],
        )
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        attach_result(people.specialist, dossier, local(2026, 12, 3, 8))
        act(people.specialist, dossier, Action.MARK_PROCESSED, local(2026, 12, 3, 8, 30))
        dossier.refresh_from_db()
        assert dossier.status == Status.PROCESSED and dossier.approved_at is None
        assert dossier.timeliness == Timeliness.ON_TIME

    @pytest.mark.parametrize(
        ("finished", "timeliness"),
        [
            (local(2026, 12, 2, 17), Timeliness.EARLY),  # an earlier date
            (local(2026, 12, 3, 7, 45), Timeliness.ON_TIME),  # the due date, before 09:00
            (local(2026, 12, 3, 17), Timeliness.ON_TIME),  # the due date, after 09:00
            (local(2026, 12, 4, 8), Timeliness.LATE),  # a later date
        ],
    )
    def test_classified_by_dates(self, center, procedure, people, finished, timeliness):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, finished)
        dossier.refresh_from_db()
        assert dossier.timeliness == timeliness
        assert events(dossier)[-1].data["timeliness"] == timeliness


# --- Closing ---------------------------------------------------------------------------------


class TestClosing:
    @pytest.mark.parametrize(
        ("action", "status"),
        [
            (Action.WITHDRAW, Status.WITHDRAWN),
            (Action.STOP, Status.STOPPED),
            (Action.REFUSE, Status.NOT_ACCEPTED),
        ],
    )
    def test_closing_closes_the_steps(self, center, procedure, people, action, status):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        actor = people.receptionist if action == Action.WITHDRAW else people.specialist
        before = unchanged(dossier)
        with pytest.raises(InvalidInput) as caught:
            act(actor, dossier, action, local(2026, 12, 1, 9), reason="")
        assert caught.value.code == "reason_required"
        assert unchanged(dossier) == before
        reason = "Công dân đề nghị rút hồ sơ để bổ sung giấy tờ khác."
        act(actor, dossier, action, local(2026, 12, 1, 9), reason=reason)
        dossier.refresh_from_db()
        assert dossier.status == status
        assert dossier.current_step is None
        assert (
            DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True)
            .filter(started_at__isnull=False)
            .count()
            == 0
        )
        assert steps_of(dossier)[1].finished_at == local(2026, 12, 1, 9)
        assert events(dossier)[-1].note == reason
        # Closed for good: nothing moves any more.
        for later in processing.ACTIONS:
            with pytest.raises((Conflict, NotAllowed, InvalidInput)):
                act(people.admin, dossier, later, local(2026, 12, 2, 9), reason=reason)

    def test_refused_after_review_with_form_03(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        Message.objects.all().delete()
        reason = "Thửa đất đang có tranh chấp."
        act(people.specialist, dossier, Action.REFUSE, local(2026, 12, 1, 9), reason=reason)
        dossier.refresh_from_db()
        assert dossier.refusal_reasons == reason
        form = dossier.forms.get(form="03")
        assert form.content == {"reasons": reason, "after_review": True}
        assert sorted(
            Message.objects.filter(kind="dossier_refused").values_list("channel", flat=True)
        ) == ["email", "sms"]

    def test_withdrawal_is_recorded_by_the_one_stop_counter(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        with pytest.raises(NotAllowed):
            act(
                people.specialist,
                dossier,
                Action.WITHDRAW,
                local(2026, 12, 1, 9),
                reason="Công dân xin rút",
            )

    def test_a_stranger_to_the_step_cannot_stop_or_refuse(self, center, procedure, people):
        other = staff(Role.SPECIALIST, center, username="chuyenvien2")
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        for action in (Action.STOP, Action.REFUSE):
            with pytest.raises(NotAllowed):
                act(other, dossier, action, local(2026, 12, 1, 9), reason="Không đủ điều kiện")

    def test_stopped_while_waiting_for_the_fees(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 14))
        act(
            people.leader,
            dossier,
            Action.STOP,
            local(2026, 12, 7, 9),
            reason="Quá hạn nộp lệ phí.",
        )
        dossier.refresh_from_db()
        assert (dossier.status, dossier.closed_reason) == (Status.STOPPED, "Quá hạn nộp lệ phí.")


# --- Inter-agency --------------------------------------------------------------------------


class TestInterAgency:
    @pytest.fixture
    def department_of_construction(self, province):
        return CenterFactory(province=province, code="so-xay-dung", name="Sở Xây dựng")

    def test_to_another_center_and_back(
        self, center, procedure, people, department_of_construction
    ):
        there = department_of_construction
        expert = staff(Role.SPECIALIST, there, username="sxd-chuyenvien")
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert not dossier_list_for_user(user=expert).filter(pk=dossier.pk).exists()
        with pytest.raises(NotAllowed):
            act(expert, dossier, Action.FORWARD, local(2026, 11, 30, 11))

        step_due = local(2026, 12, 2, 11)
        act(
            people.specialist,
            dossier,
            Action.FORWARD,
            local(2026, 11, 30, 14),
            to_center="so-xay-dung",
            step_due_at=step_due,
            reason="Xin ý kiến về quy hoạch",
        )
        step = current(dossier)
        assert (step.order, step.center, step.inter_agency) == (3, there, True)
        assert step.name == "Liên thông: Sở Xây dựng"
        assert step.due_at == step_due
        assert step.assignee == expert  # least loaded there
        assert [s.order for s in steps_of(dossier)] == [1, 2, 3, 4, 5]
        assert [s.role for s in steps_of(dossier)][3:] == [Role.LEADER, Role.RECEPTIONIST]
        # It is in the other center's work list; its staff may act on it.
        assert dossier_list_for_user(user=expert).filter(pk=dossier.pk).exists()
        assert processing.may_work_on(expert, dossier)
        event = events(dossier)[-1]
        assert event.data["to_unit"] == there.name and event.note == "Xin ý kiến về quy hoạch"

        # Done there (late: Thursday, its step was due Wednesday): back to the leader here.
        act(expert, dossier, Action.FORWARD, local(2026, 12, 3, 8))
        step = current(dossier)
        assert (step.order, step.role, step.center, step.assignee) == (
            4,
            Role.LEADER,
            center,
            people.leader,
        )
        visit = steps_of(dossier)[2]
        assert (visit.finished_by, visit.timeliness) == (expert, Timeliness.LATE)
        assert events(dossier)[-1].data["from_unit"] == there.name

    def test_to_a_department_of_the_center(self, center, procedure, people):
        finance = DepartmentFactory(center=center, code="tai-chinh", name="Phòng Tài chính")
        accountant = staff(Role.SPECIALIST, center, username="ketoan")
        accountant.memberships.update(department=finance)
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.FORWARD,
            local(2026, 11, 30, 14),
            to_department="tai-chinh",
        )
        step = current(dossier)
        assert (step.department, step.inter_agency) == (finance, True)
        # Without its own deadline: the step it came from gives it.
        assert step.due_at.astimezone(TZ) == DEFAULT_STEP_DUES[1]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            ({"to_center": "khong-co"}, "unknown_center"),
            ({"to_center": "tinh-khac"}, "unknown_center"),
            ({"to_center": "so-xay-dung", "to_department": "khong-co"}, "unknown_department"),
            (
                {"to_center": "so-xay-dung", "step_due_at": local(2026, 11, 30, 13)},
                "invalid_due",
            ),
            (
                {"to_center": "so-xay-dung", "step_due_at": local(2026, 12, 4, 9)},
                "invalid_due",
            ),
        ],
    )
    def test_refused(self, center, procedure, people, department_of_construction, data, code):
        elsewhere = ProvinceFactory(
            code="lam-dong", name="Tỉnh Lâm Đồng", unit_code="000.00.00.H35"
        )
        CenterFactory(province=elsewhere, code="tinh-khac")
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        before = unchanged(dossier)
        with pytest.raises(InvalidInput) as caught:
            act(people.specialist, dossier, Action.FORWARD, local(2026, 11, 30, 14), **data)
        assert caught.value.code == code
        assert unchanged(dossier) == before
        assert DossierStep.objects.filter(dossier=dossier).count() == 4


# --- Versions --------------------------------------------------------------------------------


class TestVersions:
    def test_an_action_on_an_old_version_is_refused(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        seen = dossier.version
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10), version=seen)
        before = unchanged(dossier)
        with pytest.raises(Conflict) as caught:
            act(
                people.leader,
                dossier,
                Action.FORWARD,
                local(2026, 11, 30, 10, 1),
                version=seen,
            )
        assert caught.value.code == "dossier_changed"
        assert "Đang xử lý" in caught.value.message
        assert unchanged(dossier) == before
        act(people.specialist, dossier, Action.FORWARD, local(2026, 11, 30, 11), version=seen + 1)
        assert current(dossier).order == 3

    def test_every_move_bumps_the_version(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        versions = [dossier.version]
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        versions.append(Dossier.objects.get(pk=dossier.pk).version)
        act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 11))
        versions.append(Dossier.objects.get(pk=dossier.pk).version)
        act(
            people.receptionist,
            dossier,
            Action.RECORD_PAYMENT,
            local(2026, 11, 30, 14),
            receipt="1",
        )
        versions.append(Dossier.objects.get(pk=dossier.pk).version)
        assert versions == [0, 1, 2, 3]

    def test_returning_the_result_checks_the_version(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))
        dossier.refresh_from_db()
        with pytest.raises(Conflict) as caught:
            act(
                people.receptionist,
                dossier,
                Action.RETURN_RESULT,
                local(2026, 12, 3, 8),
                version=dossier.version - 1,
            )
        assert caught.value.code == "dossier_changed"
        act(
            people.receptionist,
            dossier,
            Action.RETURN_RESULT,
            local(2026, 12, 3, 8),
            version=dossier.version,
        )


# --- The background sweep ------------------------------------------------------------------


class TestSweep:
    def test_overdue_is_marked_once(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 3, 8, 59))["overdue"] == 0
        counts = processing.dossiers_deadline_sweep(now=local(2026, 12, 3, 9, 5))
        assert counts["overdue"] == 1
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 3, 10))["overdue"] == 0
        dossier.refresh_from_db()
        assert dossier.overdue_marked_at == local(2026, 12, 3, 9, 5)
        marks = DossierEvent.objects.filter(dossier=dossier, action=Action.MARK_OVERDUE)
        assert [(e.from_status, e.to_status, e.actor) for e in marks] == [
            (Status.PROCESSING, Status.PROCESSING, None)
        ]
        assert dossier.status == Status.PROCESSING

    def test_not_overdue_while_waiting_for_a_supplement(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            local(2026, 12, 1, 9),
            items=["Bản đồ"],
        )
        counts = processing.dossiers_deadline_sweep(now=local(2026, 12, 10, 9))
        assert counts == {"overdue": 0, "warned": 0}

    def test_due_soon_warns_the_assignee_and_the_leaders_once(self, center, procedure, people):
        second_leader = staff(Role.LEADER, center, username="phochutich", email="pct@example.com")
        staff(Role.LEADER, center, username="khong-thu")  # no e-mail: nobody to write to
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        # More than a working day left: nothing yet.
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 2, 9))["warned"] == 0
        assert not Message.objects.filter(kind="dossier_due_soon").exists()
        counts = processing.dossiers_deadline_sweep(now=local(2026, 12, 2, 10))
        assert counts["warned"] == 1
        sent = Message.objects.filter(kind="dossier_due_soon")
        assert sorted(sent.values_list("recipient", flat=True)) == sorted(
            [people.specialist.email, people.leader.email, second_leader.email]
        )
        assert set(sent.values_list("channel", flat=True)) == {"email"}
        assert all(dossier.code in m.body for m in sent)
        # Once per due time.
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 2, 15))["warned"] == 0
        assert sent.count() == 3
        dossier.refresh_from_db()
        assert dossier.due_warned_for == DUE

    def test_a_new_due_time_is_warned_again(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        processing.dossiers_deadline_sweep(now=local(2026, 12, 2, 10))
        assert Message.objects.filter(kind="dossier_due_soon").count() == 2
        act(
            people.specialist,
            dossier,
            Action.REQUEST_SUPPLEMENT,
            local(2026, 12, 2, 11),
            items=["Bản đồ"],
        )
        act(people.receptionist, dossier, Action.RECEIVE_SUPPLEMENT, local(2026, 12, 2, 14))
        dossier.refresh_from_db()
        assert dossier.due_at == local(2026, 12, 7, 14)
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 4, 9))["warned"] == 0
        assert processing.dossiers_deadline_sweep(now=local(2026, 12, 4, 15))["warned"] == 1
        assert Message.objects.filter(kind="dossier_due_soon").count() == 4

    def test_closed_and_processed_dossiers_are_left_alone(self, center, procedure, people):
        dossier = accept(center, procedure, people.receptionist)
        at_counter_again(dossier, people)
        attach_result(people.receptionist, dossier, local(2026, 12, 2, 16))
        act(people.receptionist, dossier, Action.MARK_PROCESSED, local(2026, 12, 2, 16, 30))
        counts = processing.dossiers_deadline_sweep(now=local(2026, 12, 10, 9))
        assert counts == {"overdue": 0, "warned": 0}
