"""The dossier's state machine, exhaustively, and the rules the services enforce around it:
who may do what where, completeness, supplements, refusals, returning results, due dates from
the center's calendar, events, messages to the citizen and the fees snapshot."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest

from motcua.catalog.models import Channel, Procedure
from motcua.catalog.selectors import due_at, processing_time_for
from motcua.catalog.services import procedure_import
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierEvent, FormRecord, ResultDelivery, Supplement
from motcua.dossiers.selectors import checklist_for
from motcua.dossiers.workflow import CLOSED, NEW, TRANSITIONS, Action, Status, check
from motcua.errors import Conflict, InvalidInput, NotAllowed
from motcua.notifications.models import Message
from motcua.organization.models import Role
from motcua.organization.selectors import center_calendar
from tests.catalog.conftest import national_record
from tests.dossiers.conftest import APPLICANT, TZ, local, make_procedure, pdf_bytes, upload
from tests.factories import staff

NOW = local(2026, 11, 30, 9)  # Monday 30 November 2026, 09:00 in Vietnam

# --- The transition table ------------------------------------------------------------------------

EVERY_STATUS = [NEW, *Status.values]
# Written out from DOMAIN.md and the issue, not copied from workflow.py: a change to the table
# must be a change to this test too.
OPEN = {
    Status.REGISTERED,
    Status.ACCEPTED,
    Status.PROCESSING,
    Status.SUPPLEMENT,
    Status.WAITING_FEES,
}
# Accepted and not finished: the clock runs (or stands for a supplement, or for the fees).
INSIDE = {Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.WAITING_FEES}
EXPECTED = {
    Action.REGISTER: ({NEW}, Status.REGISTERED),
    Action.ACCEPT: ({NEW, Status.REGISTERED, Status.SUPPLEMENT}, Status.ACCEPTED),
    # At reception, and during processing (the clock stops).
    Action.REQUEST_SUPPLEMENT: (
        {NEW, Status.REGISTERED, Status.ACCEPTED, Status.PROCESSING},
        Status.SUPPLEMENT,
    ),
    # At reception, and after review during processing (form 03 either way).
    Action.REFUSE: (
        {NEW, Status.REGISTERED, Status.SUPPLEMENT, Status.ACCEPTED, Status.PROCESSING},
        Status.NOT_ACCEPTED,
    ),
    Action.SUPPLEMENT_ANSWER: ({Status.SUPPLEMENT}, Status.REGISTERED),
    Action.ATTACH: (OPEN | {Status.PROCESSED}, None),  # the status stays
    # The internal process.
    Action.ASSIGN: ({Status.ACCEPTED, Status.PROCESSING}, Status.PROCESSING),
    Action.FORWARD: ({Status.ACCEPTED, Status.PROCESSING}, Status.PROCESSING),
    Action.SEND_BACK: ({Status.PROCESSING}, Status.PROCESSING),
    Action.RECEIVE_SUPPLEMENT: ({Status.SUPPLEMENT}, Status.PROCESSING),
    Action.REQUEST_PAYMENT: ({Status.PROCESSING}, Status.WAITING_FEES),
    Action.RECORD_PAYMENT: ({Status.WAITING_FEES}, Status.PROCESSING),
    Action.APPROVE: ({Status.PROCESSING}, Status.PROCESSING),
    Action.MARK_PROCESSED: ({Status.PROCESSING}, Status.PROCESSED),
    Action.WITHDRAW: (OPEN, Status.WITHDRAWN),
    Action.STOP: (INSIDE, Status.STOPPED),
    Action.APOLOGIZE: (INSIDE, None),
    Action.MARK_OVERDUE: (INSIDE, None),
    Action.RETURN_RESULT: ({Status.PROCESSED}, Status.RETURNED),
}
MOVES = [(action, status) for action in Action.values for status in EVERY_STATUS]


def test_the_table_has_every_action():
    assert set(TRANSITIONS) == set(Action.values) == set(EXPECTED)


@pytest.mark.parametrize(("action", "status"), MOVES)
def test_every_move(action, status):
    allowed, target = EXPECTED[action]
    if status in allowed:
        assert check(action, status) == (status if target is None else target)
    else:
        with pytest.raises(Conflict) as caught:
            check(action, status)
        assert caught.value.code == "invalid_transition"
        assert caught.value.status == 409
        assert str(Action(action).label) in caught.value.message


def test_nothing_moves_out_of_a_closed_dossier():
    for status in CLOSED:
        for action in Action.values:
            with pytest.raises(Conflict):
                check(action, status)


def test_an_unknown_action_is_refused():
    with pytest.raises(Conflict) as caught:
        check("teleport", Status.PROCESSING)
    assert caught.value.code == "invalid_action"


def test_every_status_is_in_the_table():
    """Every status is reached by some action, and only the closed ones have no way out."""
    reached = {target for _allowed, target in EXPECTED.values() if target is not None}
    assert reached == set(Status.values)
    leaving = set().union(*(allowed for allowed, target in EXPECTED.values() if target))
    assert set(EVERY_STATUS) - leaving == CLOSED


def test_a_new_dossier_is_named_new_in_the_message():
    with pytest.raises(Conflict, match="mới"):
        check(Action.RETURN_RESULT, NEW)


# --- Helpers for the services -------------------------------------------------------------------


def documents_of(procedure):
    return checklist_for(procedure.current_version)


def all_ticked(procedure):
    return [services.DocumentTick(doc.pk) for doc in documents_of(procedure)]


def at_counter(
    center,
    procedure,
    actor,
    decision="accept",
    *,
    at=NOW,
    channel="direct",
    applicant=None,
    documents=None,
    **kwargs,
):
    if isinstance(decision, str):
        decision = services.Decision(decision, reasons="Hồ sơ không thuộc thẩm quyền của xã.")
    return services.dossier_receive(
        actor=actor,
        center=center,
        procedure_code=procedure.code,
        channel=channel,
        applicant=applicant or APPLICANT,
        documents=all_ticked(procedure) if documents is None else documents,
        decision=decision,
        now=at,
        **kwargs,
    )


def online(center, procedure, *, at=NOW, applicant=None, every_document=True):
    docs = documents_of(procedure)
    chosen = docs if every_document else docs[:1]
    return services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=applicant or APPLICANT,
        uploads=[services.Upload(upload(f"{doc.pk}.pdf", pdf_bytes()), doc.pk) for doc in chosen],
        now=at,
    )


def decide(actor, dossier, decision, *, at=NOW, **kwargs):
    if isinstance(decision, str):
        decision = services.Decision(decision, reasons="Hồ sơ không thuộc thẩm quyền của xã.")
    return services.dossier_decide(
        actor=actor, dossier=dossier, decision=decision, now=at, **kwargs
    )


def processed(dossier: Dossier) -> Dossier:
    """Put a dossier where the next issue's processing will leave it (status 9)."""
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.PROCESSED)
    dossier.refresh_from_db()
    return dossier


def trail(dossier: Dossier) -> list[tuple[str, int, int]]:
    return list(
        DossierEvent.objects.filter(dossier=dossier).values_list(
            "action", "from_status", "to_status"
        )
    )


# --- Deciding ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDeciding:
    @pytest.mark.parametrize("second", ["accept", "supplement", "refuse"])
    @pytest.mark.parametrize("first", ["accept", "refuse"])
    def test_deciding_twice_is_refused_the_second_time(
        self, center, procedure, receptionist, first, second
    ):
        dossier = online(center, procedure)
        decided, _form = decide(receptionist, dossier, first)
        events, forms = DossierEvent.objects.count(), FormRecord.objects.count()
        with pytest.raises(Conflict) as caught:
            decide(receptionist, decided, second)
        assert caught.value.code == "invalid_transition"
        dossier.refresh_from_db()
        assert dossier.status == decided.status
        assert (DossierEvent.objects.count(), FormRecord.objects.count()) == (events, forms)

    @pytest.mark.parametrize("second", ["accept", "refuse"])
    def test_a_decision_on_a_dossier_read_before_another_decision_is_refused(
        self, center, procedure, receptionist, second
    ):
        """The service reads the row under lock and compares it with what the officer saw: a
        supplement request followed by an acceptance made on the old page (which the table alone
        would allow from status 5) is refused."""
        dossier = online(center, procedure)
        seen = Dossier.objects.get(pk=dossier.pk)
        decide(receptionist, dossier, services.Decision("supplement", missing=["Bản đồ"]))
        assert seen.status == Status.REGISTERED
        with pytest.raises(Conflict) as caught:
            decide(receptionist, seen, second)
        assert caught.value.code == "dossier_changed"
        assert "Yêu cầu bổ sung" in caught.value.message
        dossier.refresh_from_db()
        assert dossier.status == Status.SUPPLEMENT
        assert dossier.forms.count() == 1

    def test_accepting_an_incomplete_checklist_lists_what_is_missing(
        self, center, procedure, receptionist
    ):
        first, second = documents_of(procedure)
        with pytest.raises(InvalidInput) as caught:
            at_counter(
                center,
                procedure,
                receptionist,
                documents=[
                    services.DocumentTick(first.pk),
                    services.DocumentTick(second.pk, received=False),
                ],
            )
        assert caught.value.code == "incomplete"
        assert caught.value.details["missing"] == [second.name]
        assert second.name in caught.value.message
        assert Dossier.objects.count() == 0

    def test_nothing_ticked_is_nothing_received(self, center, procedure, receptionist):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, receptionist, documents=[])
        assert caught.value.details["missing"] == [doc.name for doc in documents_of(procedure)]

    def test_accepting_an_incomplete_online_dossier_is_refused(
        self, center, procedure, receptionist
    ):
        dossier = online(center, procedure, every_document=False)
        with pytest.raises(InvalidInput) as caught:
            decide(receptionist, dossier, "accept")
        assert caught.value.details["missing"] == [documents_of(procedure)[1].name]
        dossier.refresh_from_db()
        assert dossier.status == Status.REGISTERED
        # Ticking the paper the citizen brought completes it.
        accepted, form = decide(
            receptionist, dossier, "accept", documents=all_ticked(procedure), at=local(2026, 12, 1)
        )
        assert accepted.status == Status.ACCEPTED and form.form == "01"

    def test_a_supplement_lists_every_missing_item_at_once(self, center, procedure, receptionist):
        first, second = documents_of(procedure)
        dossier, form = at_counter(
            center,
            procedure,
            receptionist,
            services.Decision("supplement", missing=["Giấy ủy quyền", " ", "Giấy ủy quyền"]),
            documents=[
                services.DocumentTick(first.pk),
                services.DocumentTick(second.pk, received=False),
            ],
        )
        assert dossier.status == Status.SUPPLEMENT
        items = [second.name, "Giấy ủy quyền"]
        assert dossier.supplements.get().items == items
        assert form.form == "02" and form.content["items"] == items
        assert dossier.due_at is None and dossier.accepted_at is None

    def test_a_supplement_without_items_is_refused(self, center, procedure, receptionist):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, receptionist, services.Decision("supplement"))
        assert caught.value.code == "no_missing_items"
        assert Dossier.objects.count() == 0

    def test_a_supplement_of_blank_items_is_refused(self, center, procedure, receptionist):
        dossier = online(center, procedure)
        with pytest.raises(InvalidInput) as caught:
            decide(receptionist, dossier, services.Decision("supplement", missing=["", "  "]))
        assert caught.value.code == "no_missing_items"

    @pytest.mark.parametrize("reasons", ["", "   ", "sai"])
    def test_a_refusal_without_reasons_is_refused(self, center, procedure, receptionist, reasons):
        with pytest.raises(InvalidInput) as caught:
            at_counter(
                center, procedure, receptionist, services.Decision("refuse", reasons=reasons)
            )
        assert caught.value.code == "no_reasons"
        dossier = online(center, procedure)
        with pytest.raises(InvalidInput):
            decide(receptionist, dossier, services.Decision("refuse", reasons=reasons))
        dossier.refresh_from_db()
        assert dossier.status == Status.REGISTERED

    def test_a_refusal_keeps_its_reasons(self, center, procedure, receptionist):
        reasons = "Thủ tục thuộc thẩm quyền của Sở Nông nghiệp."
        dossier, form = at_counter(
            center, procedure, receptionist, services.Decision("refuse", reasons=reasons)
        )
        assert dossier.status == Status.NOT_ACCEPTED
        assert dossier.refusal_reasons == reasons
        assert form.form == "03" and form.content == {"reasons": reasons}
        assert dossier.due_at is None

    def test_an_unknown_decision_is_refused(self, center, procedure, receptionist):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, receptionist, services.Decision("maybe"))
        assert caught.value.code == "invalid_decision"

    def test_at_the_counter_a_decision_is_needed(self, center, procedure, receptionist):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, receptionist, None)
        assert caught.value.code == "invalid_decision"

    def test_a_supplement_brought_to_the_counter_is_accepted(self, center, procedure, receptionist):
        first, second = documents_of(procedure)
        dossier, _form = at_counter(
            center,
            procedure,
            receptionist,
            "supplement",
            documents=[
                services.DocumentTick(first.pk),
                services.DocumentTick(second.pk, received=False),
            ],
        )
        later = local(2026, 12, 2, 14)
        accepted, form = decide(
            receptionist, dossier, "accept", documents=all_ticked(procedure), at=later
        )
        assert accepted.status == Status.ACCEPTED and form.form == "01"
        assert accepted.accepted_at == later
        # The supplement is answered when it comes back.
        assert accepted.supplements.get().answered_at == later
        assert trail(accepted) == [
            (Action.REQUEST_SUPPLEMENT, NEW, Status.SUPPLEMENT),
            (Action.ACCEPT, Status.SUPPLEMENT, Status.ACCEPTED),
        ]

    def test_an_online_supplement_answered_goes_back_to_be_checked(
        self, center, procedure, receptionist
    ):
        dossier = online(center, procedure, every_document=False)
        decide(receptionist, dossier, "supplement")
        second = documents_of(procedure)[1]
        answered_at = local(2026, 12, 1, 20)
        answered = services.dossier_supplement_answer(
            dossier=dossier,
            uploads=[services.Upload(upload("so-do.pdf", pdf_bytes()), second.pk)],
            note="Gửi bổ sung sơ đồ",
            now=answered_at,
        )
        assert answered.status == Status.REGISTERED
        supplement = Supplement.objects.get(dossier=dossier)
        assert supplement.answered_at == answered_at
        assert supplement.answer_note == "Gửi bổ sung sơ đồ"
        accepted, _form = decide(receptionist, answered, "accept", at=local(2026, 12, 2, 8))
        assert accepted.status == Status.ACCEPTED
        assert trail(accepted) == [
            (Action.REGISTER, NEW, Status.REGISTERED),
            (Action.REQUEST_SUPPLEMENT, Status.REGISTERED, Status.SUPPLEMENT),
            (Action.SUPPLEMENT_ANSWER, Status.SUPPLEMENT, Status.REGISTERED),
            (Action.ACCEPT, Status.REGISTERED, Status.ACCEPTED),
        ]

    @pytest.mark.parametrize("decision", ["accept", "supplement", "refuse"])
    @pytest.mark.parametrize("status", [Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT])
    def test_an_accepted_dossier_is_not_decided_again(
        self, center, procedure, receptionist, decision, status
    ):
        """Once accepted, its moves are those of the internal process: even from status 5
        (a supplement asked during processing), which the table alone would let through."""
        dossier = online(center, procedure)
        accepted, _form = decide(receptionist, dossier, "accept")
        Dossier.objects.filter(pk=dossier.pk).update(status=status)
        accepted.refresh_from_db()
        events, forms = DossierEvent.objects.count(), FormRecord.objects.count()
        with pytest.raises(Conflict) as caught:
            decide(receptionist, accepted, decision, documents=all_ticked(procedure))
        assert caught.value.code == "invalid_transition"
        assert "quy trình nội bộ" in caught.value.message
        accepted.refresh_from_db()
        assert accepted.status == status
        assert (DossierEvent.objects.count(), FormRecord.objects.count()) == (events, forms)

    def test_a_supplement_asked_during_processing_is_answered_online_and_stays_asked(
        self, center, procedure, receptionist
    ):
        """The citizen's files are attached; the dossier stays at 5 until the one-stop counter
        receives the supplement (the clock restarts then), not back to 1 to be checked."""
        from motcua.dossiers import processing

        dossier = online(center, procedure)
        accepted, _form = decide(receptionist, dossier, "accept")
        asked = processing.dossier_act(
            actor=receptionist,
            dossier=accepted,
            action=Action.REQUEST_SUPPLEMENT,
            data=processing.ActionInput(items=["Bản đồ vị trí thửa đất"]),
            now=local(2026, 12, 1, 9),
        )
        assert asked.status == Status.SUPPLEMENT
        files_before = asked.files.count()
        answered_at = local(2026, 12, 2, 20)
        answered = services.dossier_supplement_answer(
            dossier=asked,
            uploads=[services.Upload(upload("ban-do.pdf", pdf_bytes()))],
            note="Gửi bản đồ",
            now=answered_at,
        )
        assert answered.status == Status.SUPPLEMENT
        assert answered.files.count() == files_before + 1
        assert answered.files.last().by_citizen
        supplement = Supplement.objects.get(dossier=dossier)
        assert (supplement.answered_at, supplement.answer_note) == (answered_at, "Gửi bản đồ")
        assert trail(answered)[-1] == (
            Action.SUPPLEMENT_ANSWER,
            Status.SUPPLEMENT,
            Status.SUPPLEMENT,
        )
        # Still not a reception decision: the counter receives it through the process.
        with pytest.raises(Conflict):
            decide(receptionist, answered, "accept")

    def test_a_supplement_answer_needs_a_file_or_a_note(self, center, procedure, receptionist):
        dossier = online(center, procedure)
        decide(receptionist, dossier, services.Decision("supplement", missing=["Bản đồ"]))
        with pytest.raises(InvalidInput) as caught:
            services.dossier_supplement_answer(dossier=dossier, uploads=[], note="  ")
        assert caught.value.code == "no_files"

    def test_only_a_dossier_waiting_for_a_supplement_can_be_answered(self, center, procedure):
        dossier = online(center, procedure)
        with pytest.raises(Conflict) as caught:
            services.dossier_supplement_answer(dossier=dossier, uploads=[], note="bổ sung")
        assert caught.value.code == "invalid_transition"

    def test_a_counter_dossier_is_not_answered_online(self, center, procedure, receptionist):
        dossier, _form = at_counter(
            center, procedure, receptionist, services.Decision("supplement", missing=["Bản đồ"])
        )
        with pytest.raises(Conflict) as caught:
            services.dossier_supplement_answer(dossier=dossier, uploads=[], note="bổ sung")
        assert caught.value.code == "not_online"


# --- Returning the result ------------------------------------------------------------------------


@pytest.mark.django_db
class TestReturning:
    @pytest.mark.parametrize(
        "status",
        [s for s in Status.values if s != Status.PROCESSED],
    )
    def test_only_a_processed_dossier_returns_its_result(
        self, center, procedure, receptionist, status
    ):
        dossier, _form = at_counter(center, procedure, receptionist)
        Dossier.objects.filter(pk=dossier.pk).update(status=status)
        with pytest.raises(Conflict) as caught:
            services.dossier_return_result(
                actor=receptionist, dossier=dossier, delivery=ResultDelivery.COUNTER
            )
        assert caught.value.code == "invalid_transition"

    def test_returned_at_the_counter(self, center, procedure, receptionist):
        dossier = processed(at_counter(center, procedure, receptionist)[0])
        at = local(2026, 12, 3, 10)
        returned = services.dossier_return_result(
            actor=receptionist, dossier=dossier, delivery=ResultDelivery.COUNTER, now=at
        )
        assert returned.status == Status.RETURNED and returned.returned_at == at
        assert trail(returned)[-1] == (Action.RETURN_RESULT, Status.PROCESSED, Status.RETURNED)
        with pytest.raises(Conflict):
            services.dossier_return_result(
                actor=receptionist, dossier=returned, delivery=ResultDelivery.COUNTER
            )

    def test_by_post_needs_a_tracking_number(self, center, procedure, receptionist, postal_staff):
        dossier = processed(at_counter(center, procedure, receptionist)[0])
        with pytest.raises(InvalidInput) as caught:
            services.dossier_return_result(
                actor=postal_staff,
                dossier=dossier,
                delivery=ResultDelivery.POST,
                postal_tracking=" ",
            )
        assert caught.value.code == "tracking_needed"
        dossier.refresh_from_db()
        assert dossier.status == Status.PROCESSED
        returned = services.dossier_return_result(
            actor=postal_staff,
            dossier=dossier,
            delivery=ResultDelivery.POST,
            postal_tracking="EB 123 456 789 VN",
            now=local(2026, 12, 3, 10),
        )
        assert returned.postal_tracking_out == "EB123456789VN"
        assert returned.result_delivery == ResultDelivery.POST
        assert DossierEvent.objects.filter(dossier=dossier).last().data == {
            "delivery": "post",
            "postal_tracking": "EB123456789VN",
        }

    def test_postal_staff_do_not_hand_results_over_the_counter(
        self, center, procedure, receptionist, postal_staff
    ):
        dossier = processed(at_counter(center, procedure, receptionist)[0])
        with pytest.raises(NotAllowed):
            services.dossier_return_result(
                actor=postal_staff, dossier=dossier, delivery=ResultDelivery.COUNTER
            )

    def test_an_unknown_delivery_is_refused(self, center, procedure, receptionist):
        dossier = processed(at_counter(center, procedure, receptionist)[0])
        with pytest.raises(InvalidInput) as caught:
            services.dossier_return_result(actor=receptionist, dossier=dossier, delivery="pigeon")
        assert caught.value.code == "invalid_delivery"


# --- The postal channel ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestPostal:
    def test_postal_dossiers_need_a_tracking_number(self, center, procedure, postal_staff):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, postal_staff, channel="postal")
        assert caught.value.code == "tracking_needed"
        assert Dossier.objects.count() == 0

    def test_postal_staff_register_a_dossier_that_came_by_post(
        self, center, procedure, postal_staff
    ):
        dossier, form = at_counter(
            center, procedure, postal_staff, channel="postal", postal_tracking="EB 987 654 321 VN"
        )
        assert dossier.channel == Channel.POSTAL
        assert dossier.postal_tracking_in == "EB987654321VN"
        assert dossier.result_delivery == ResultDelivery.POST  # back by post unless told
        assert dossier.received_by == postal_staff
        assert form.form == "01"

    def test_a_result_by_post_needs_an_address(self, center, procedure, postal_staff):
        with pytest.raises(InvalidInput) as caught:
            at_counter(
                center,
                procedure,
                postal_staff,
                channel="postal",
                postal_tracking="EB1VN",
                applicant={**APPLICANT, "address": ""},
            )
        assert caught.value.code == "address_needed"

    @pytest.mark.parametrize("channel", ["direct", "online"])
    def test_postal_staff_cannot_receive_in_person_or_online(
        self, center, procedure, postal_staff, channel
    ):
        with pytest.raises(NotAllowed) as caught:
            at_counter(center, procedure, postal_staff, channel=channel)
        assert caught.value.code == "not_receptionist"

    def test_postal_staff_cannot_decide_on_online_dossiers(self, center, procedure, postal_staff):
        dossier = online(center, procedure)
        with pytest.raises(NotAllowed):
            decide(postal_staff, dossier, "accept")

    def test_receptionists_may_register_postal_dossiers(self, center, procedure, receptionist):
        dossier, _form = at_counter(
            center, procedure, receptionist, channel="postal", postal_tracking="EB1VN"
        )
        assert dossier.channel == Channel.POSTAL

    def test_an_unknown_channel_is_refused(self, center, procedure, receptionist):
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, procedure, receptionist, channel="fax")
        assert caught.value.code == "invalid_channel"


# --- Who may act where ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestOtherCenters:
    @pytest.fixture
    def outsiders(self, other_center):
        return {
            "receptionist": staff(Role.RECEPTIONIST, other_center, username="tn-khac"),
            "postal": staff(Role.POSTAL, other_center, username="bc-khac"),
            "center_admin": staff(Role.CENTER_ADMIN, other_center, username="qt-khac"),
        }

    @pytest.mark.parametrize("channel", ["direct", "online", "postal"])
    def test_they_cannot_receive_here(self, center, procedure, outsiders, channel):
        for actor in outsiders.values():
            with pytest.raises(NotAllowed):
                at_counter(center, procedure, actor, channel=channel, postal_tracking="EB1VN")
        assert Dossier.objects.count() == 0

    def test_they_cannot_decide_attach_or_return_here(
        self, center, procedure, receptionist, outsiders
    ):
        waiting = online(center, procedure)
        accepted = at_counter(center, procedure, receptionist)[0]
        done = processed(at_counter(center, procedure, receptionist)[0])
        for actor in outsiders.values():
            for decision in ("accept", "supplement", "refuse"):
                with pytest.raises(NotAllowed):
                    decide(actor, waiting, decision)
            with pytest.raises(NotAllowed):
                services.dossier_attach(
                    actor=actor,
                    dossier=accepted,
                    uploads=[services.Upload(upload("x.pdf", pdf_bytes()))],
                )
            for delivery in ResultDelivery.values:
                with pytest.raises(NotAllowed):
                    services.dossier_return_result(
                        actor=actor, dossier=done, delivery=delivery, postal_tracking="EB1VN"
                    )
        waiting.refresh_from_db()
        done.refresh_from_db()
        assert (waiting.status, done.status) == (Status.REGISTERED, Status.PROCESSED)
        assert accepted.files.count() == 0

    @pytest.mark.parametrize("role", [Role.SPECIALIST, Role.LEADER])
    def test_other_roles_of_the_center_do_not_receive(self, center, procedure, role):
        with pytest.raises(NotAllowed):
            at_counter(center, procedure, staff(role, center, username=f"u-{role}"))

    def test_nobody_receives_anonymously(self, center, procedure):
        with pytest.raises(NotAllowed):
            at_counter(center, procedure, None)

    def test_the_center_admin_receives(self, center, procedure):
        dossier, _form = at_counter(center, procedure, staff(Role.CENTER_ADMIN, center))
        assert dossier.status == Status.ACCEPTED

    def test_a_procedure_the_center_does_not_handle_is_refused(
        self, center, other_center, receptionist
    ):
        elsewhere = make_procedure(other_center, code="9.000777")
        with pytest.raises(InvalidInput) as caught:
            at_counter(center, elsewhere, receptionist)
        assert caught.value.code == "procedure_not_at_center"


# --- Due dates ------------------------------------------------------------------------------------


def due_of(dossier: Dossier) -> datetime:
    assert dossier.due_at is not None
    return dossier.due_at.astimezone(TZ)


@pytest.mark.django_db
class TestDueDates:
    @pytest.mark.parametrize(
        ("accepted", "due"),
        [
            # Monday: three working days of eight hours.
            (local(2026, 11, 30, 9), local(2026, 12, 3, 9)),
            # Friday afternoon: across the weekend.
            (local(2026, 12, 4, 16), local(2026, 12, 9, 16)),
            # Friday after hours: counting starts on Monday morning.
            (local(2026, 12, 4, 18), local(2026, 12, 9, 17, 30)),
            # Saturday (a dossier entered on a day off): from Monday 07:30.
            (local(2026, 12, 5, 10), local(2026, 12, 9, 17, 30)),
            # During the lunch break: from 13:30.
            (local(2026, 12, 7, 12), local(2026, 12, 10, 11, 30)),
            # Wednesday before Tết 2027 (Thursday 4 – Wednesday 10 February off).
            (local(2027, 2, 3, 9), local(2027, 2, 15, 9)),
            # Wednesday before National Day 2027 (Thursday 2 and Friday 3 September off).
            (local(2027, 9, 1, 14), local(2027, 9, 8, 14)),
            # Across 1 January 2027 (a Friday) and a weekend.
            (local(2026, 12, 31, 10), local(2027, 1, 6, 10)),
        ],
    )
    def test_the_due_date_follows_the_centers_calendar(
        self, center, procedure, receptionist, accepted, due
    ):
        dossier, _form = at_counter(center, procedure, receptionist, at=accepted)
        time = processing_time_for(dossier.procedure_version, Channel.IN_PERSON)
        assert due_of(dossier) == due
        assert dossier.due_at == due_at(center_calendar(center=center), accepted, time)
        assert dossier.accepted_at == accepted == dossier.received_at
        assert dossier.due_basis == {
            "version": dossier.procedure_version_id,
            "version_number": 1,
            "channel": Channel.IN_PERSON,
            "value": "3.00",
            "unit": "working_days",
            "calendar": center.code,
            "time_zone": "Asia/Ho_Chi_Minh",
            "from": accepted.isoformat(),
        }

    def test_a_day_off_the_admin_added_moves_the_due_date(self, center, procedure, receptionist):
        from motcua.workcalendar.models import CalendarOverride

        CalendarOverride.objects.create(
            center_code=center.code,
            date=date(2026, 12, 2),
            kind=CalendarOverride.Kind.DAY_OFF,
            name="Nghỉ bầu cử (thử)",
        )
        dossier, _form = at_counter(center, procedure, receptionist)
        assert due_of(dossier) == local(2026, 12, 4, 9)

    def test_an_online_dossier_counts_from_its_acceptance(self, center, procedure, receptionist):
        submitted = local(2026, 11, 30, 20)  # Monday evening
        dossier = online(center, procedure, at=submitted)
        assert dossier.received_at == submitted
        assert dossier.due_at is None and dossier.accepted_at is None
        accepted_at = local(2026, 12, 2, 10)  # checked on Wednesday morning
        accepted, _form = decide(receptionist, dossier, "accept", at=accepted_at)
        assert accepted.received_at == submitted
        assert accepted.accepted_at == accepted_at
        assert due_of(accepted) == local(2026, 12, 7, 10)
        assert accepted.due_basis["from"] == accepted_at.isoformat()
        assert accepted.due_basis["channel"] == Channel.ONLINE

    def test_the_time_of_the_channel_is_used(self, center, receptionist):
        record = national_record("9.000200", channels=("1", "2"))
        # In person: 3 working days; online: 2 working days.
        record["CACHTHUCTHUCHIEN"][1]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] = "2"
        procedure = _import(center, record)
        counter_dossier, _form = at_counter(center, procedure, receptionist)
        online_dossier = online(center, procedure)
        accepted, _form = decide(receptionist, online_dossier, "accept")
        assert due_of(counter_dossier) == local(2026, 12, 3, 9)
        assert due_of(accepted) == local(2026, 12, 2, 9)
        assert (counter_dossier.due_basis["value"], accepted.due_basis["value"]) == ("3.00", "2.00")

    def test_a_procedure_in_working_hours(self, center, receptionist):
        procedure = make_procedure(center, code="9.000201", time="4", unit="Giờ làm việc")
        dossier, _form = at_counter(center, procedure, receptionist, at=local(2026, 11, 30, 10))
        # 10:00–11:30 and 13:30–16:00.
        assert due_of(dossier) == local(2026, 11, 30, 16)
        assert dossier.due_basis["unit"] == "working_hours"

    def test_a_procedure_in_calendar_days_ending_on_a_day_off(self, center, receptionist):
        procedure = make_procedure(center, code="9.000202", time="5", unit="Ngày")
        # Tuesday 1 December + 5 days = Sunday 6: the same time on Monday 7.
        dossier, _form = at_counter(center, procedure, receptionist, at=local(2026, 12, 1, 15))
        assert due_of(dossier) == local(2026, 12, 7, 15)

    def test_the_due_date_uses_the_centers_own_week(self, center, procedure, receptionist):
        from datetime import time

        from motcua.organization.services import working_periods_set

        morning, afternoon = (time(7, 30), time(11, 30)), (time(13, 30), time(17, 30))
        admin = staff(Role.CENTER_ADMIN, center, username="qt")
        working_periods_set(
            actor=admin,
            center=center,
            week=[[morning, afternoon]] * 5 + [[morning], []],  # Saturday mornings
        )
        dossier, _form = at_counter(center, procedure, receptionist, at=local(2026, 12, 4, 16))
        # Friday 1.5 h + Saturday 4 h + Monday 8 h + Tuesday 8 h + Wednesday 2.5 h.
        assert due_of(dossier) == local(2026, 12, 9, 10)


def _import(center, record) -> Procedure:
    from motcua.catalog.services import center_procedure_set

    report = procedure_import(actor=None, records=[record])
    assert report.ok, report.summary()
    procedure = Procedure.objects.get(code=record["MATTHC"])
    center_procedure_set(actor=None, center=center, procedure=procedure)
    return procedure


# --- Events ---------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEvents:
    def test_every_change_appends_an_event(self, center, procedure, receptionist):
        dossier = online(center, procedure, at=NOW)
        decide(receptionist, dossier, "accept", at=local(2026, 11, 30, 10))
        services.dossier_attach(
            actor=receptionist,
            dossier=dossier,
            uploads=[services.Upload(upload("them.pdf", pdf_bytes()))],
            now=local(2026, 11, 30, 11),
        )
        processed(dossier)
        services.dossier_return_result(
            actor=receptionist,
            dossier=dossier,
            delivery=ResultDelivery.ELECTRONIC,
            now=local(2026, 12, 3, 9),
        )
        events = list(DossierEvent.objects.filter(dossier=dossier))
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            (Action.REGISTER, NEW, Status.REGISTERED),
            (Action.ACCEPT, Status.REGISTERED, Status.ACCEPTED),
            (Action.ATTACH, Status.ACCEPTED, Status.ACCEPTED),
            (Action.RETURN_RESULT, Status.PROCESSED, Status.RETURNED),
        ]
        assert [e.at for e in events] == [
            NOW,
            local(2026, 11, 30, 10),
            local(2026, 11, 30, 11),
            local(2026, 12, 3, 9),
        ]
        assert [e.actor for e in events] == [None, receptionist, receptionist, receptionist]
        assert events[2].data == {"files": ["them.pdf"], "result": False}

    @pytest.mark.parametrize(
        ("decision", "status"),
        [
            ("accept", Status.ACCEPTED),
            ("supplement", Status.SUPPLEMENT),
            ("refuse", Status.NOT_ACCEPTED),
        ],
    )
    def test_a_counter_decision_is_one_event_from_new(
        self, center, procedure, receptionist, decision, status
    ):
        dossier, _form = at_counter(
            center,
            procedure,
            receptionist,
            services.Decision(decision, missing=["Bản đồ"], reasons="Không thuộc thẩm quyền"),
        )
        assert trail(dossier) == [(decision_action(decision), NEW, status)]
        assert dossier.decided_at == NOW
        assert dossier.received_by == receptionist


def decision_action(decision: str) -> str:
    return {
        "accept": Action.ACCEPT,
        "supplement": Action.REQUEST_SUPPLEMENT,
        "refuse": Action.REFUSE,
    }[decision]


# --- Messages to the citizen ----------------------------------------------------------------------


def outbox(dossier: Dossier | None = None) -> list[tuple[str, str]]:
    messages = Message.objects.all()
    if dossier is not None:
        messages = messages.filter(idempotency_key__startswith=f"dossier:{dossier.pk}:")
    return sorted(messages.values_list("kind", "channel"))


@pytest.mark.django_db
class TestMessages:
    @pytest.mark.parametrize(
        ("decision", "kind"),
        [
            ("accept", "dossier_received"),
            ("supplement", "supplement_requested"),
            ("refuse", "dossier_refused"),
        ],
    )
    def test_each_decision_messages_the_citizen_by_sms_and_email(
        self, center, procedure, receptionist, decision, kind
    ):
        dossier, _form = at_counter(
            center,
            procedure,
            receptionist,
            services.Decision(decision, missing=["Bản đồ"], reasons="Không thuộc thẩm quyền"),
        )
        assert outbox(dossier) == [(kind, "email"), (kind, "sms")]
        for message in Message.objects.all():
            assert dossier.code in message.body
            assert message.center == center
            assert message.recipient in {"0912345678", "lan@example.com"}

    def test_the_received_message_gives_the_due_date(self, center, procedure, receptionist):
        at_counter(center, procedure, receptionist)
        email = Message.objects.get(channel="email")
        assert "03/12/2026" in email.body

    def test_only_the_contacts_given_are_used(self, center, procedure, receptionist):
        no_email = {**APPLICANT, "email": ""}
        dossier, _form = at_counter(center, procedure, receptionist, applicant=no_email)
        assert outbox(dossier) == [("dossier_received", "sms")]
        no_phone = {**APPLICANT, "phone": ""}
        dossier, _form = at_counter(center, procedure, receptionist, applicant=no_phone)
        assert outbox(dossier) == [("dossier_received", "email")]

    def test_no_message_without_phone_or_email(self, center, procedure, receptionist):
        nothing = {**APPLICANT, "phone": "", "email": ""}
        for decision in ("accept", "supplement", "refuse"):
            at_counter(
                center,
                procedure,
                receptionist,
                services.Decision(decision, missing=["Bản đồ"], reasons="Không thuộc thẩm quyền"),
                applicant=nothing,
            )
        assert Message.objects.count() == 0

    def test_online_registration_then_acceptance(self, center, procedure, receptionist):
        dossier = online(center, procedure)
        assert outbox(dossier) == [("dossier_registered", "email"), ("dossier_registered", "sms")]
        decide(receptionist, dossier, "accept")
        assert outbox(dossier) == [
            ("dossier_received", "email"),
            ("dossier_received", "sms"),
            ("dossier_registered", "email"),
            ("dossier_registered", "sms"),
        ]

    def test_online_needs_a_way_to_reach_the_citizen(self, center, procedure):
        with pytest.raises(InvalidInput) as caught:
            online(center, procedure, applicant={**APPLICANT, "phone": "", "email": ""})
        assert caught.value.code == "invalid_applicant"
        assert "phone" in caught.value.details["errors"]
        assert Message.objects.count() == 0

    def test_two_supplement_rounds_give_two_messages(self, center, procedure, receptionist):
        dossier = online(center, procedure, every_document=False)
        asked, _form = decide(receptionist, dossier, "supplement")
        answered = services.dossier_supplement_answer(
            dossier=asked, uploads=[], note="Tôi gửi lại bản scan rõ hơn"
        )
        decide(receptionist, answered, services.Decision("supplement", missing=["Bản đồ"]))
        kinds = [kind for kind, channel in outbox(dossier) if channel == "sms"]
        assert kinds.count("supplement_requested") == 2


# --- Fees -----------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFees:
    @pytest.fixture
    def priced(self, center):
        """8,000 đ in person, 4,000 đ online; nothing set for the post (the in-person fee)."""
        record = national_record("9.000300", channels=("1", "2", "3"))
        record["CACHTHUCTHUCHIEN"][1]["PHILEPHI"][0]["SOTIEN"] = "4000"
        record["CACHTHUCTHUCHIEN"][2]["PHILEPHI"] = []
        return _import(center, record), record

    def test_the_fees_of_the_channel_are_kept(self, center, receptionist, priced):
        procedure, _record = priced
        direct, _form = at_counter(center, procedure, receptionist)
        by_post, _form = at_counter(
            center, procedure, receptionist, channel="postal", postal_tracking="EB1VN"
        )
        on_line = online(center, procedure)
        assert (direct.fee_total_vnd, on_line.fee_total_vnd, by_post.fee_total_vnd) == (
            8000,
            4000,
            8000,
        )
        assert on_line.fees == [
            {"kind": "charge", "amount_vnd": 4000, "description": "Lệ phí cấp giấy phép"}
        ]

    def test_a_new_version_does_not_change_the_fees_received(self, center, receptionist, priced):
        procedure, record = priced
        dossier, _form = at_counter(center, procedure, receptionist)
        changed = copy.deepcopy(record)
        for channel in changed["CACHTHUCTHUCHIEN"]:
            channel["PHILEPHI"] = [
                {"MAPHILEPHI": "LEPHI", "SOTIEN": "20000", "DONVI": "Đồng", "MOTA": "Mới"}
            ]
        assert procedure_import(actor=None, records=[changed]).ok
        procedure.refresh_from_db()
        assert procedure.current_version_id != dossier.procedure_version_id
        dossier.refresh_from_db()
        assert dossier.fee_total_vnd == 8000
        assert dossier.procedure_version.number == 1
        newer, _form = at_counter(center, procedure, receptionist)
        assert newer.fee_total_vnd == 20000
