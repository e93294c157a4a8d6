"""The suggestion box and hotline: submission (anonymous allowed, or entered by staff), the
deadline in working days, the register number, the state machine, answers and publication,
the citizen's messages, follow-up by code, and removal of contact details after closing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.feedback import selectors, services
from motcua.feedback.models import Feedback, FeedbackEvent
from motcua.feedback.services import FeedbackInput
from motcua.feedback.workflow import TRANSITIONS, Action, Status, check
from motcua.notifications.models import Message
from tests.factories import staff
from tests.feedback.conftest import HCM

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 10:00: ten working days later is Wednesday 9 December, 10:00.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=HCM)


def data(**overrides) -> FeedbackInput:
    values = {
        "category": "complaint",
        "subject": "Chờ quá lâu",
        "content": "Tôi phải chờ hơn một tiếng ở quầy hộ tịch sáng nay.",
    }
    values.update(overrides)
    return FeedbackInput(**values)


def test_anonymous_online_submission(center):
    item = services.feedback_submit(center=center, data=data(), now=NOW)
    assert item.status == Status.RECEIVED
    assert item.is_anonymous
    assert item.source == Feedback.Source.ONLINE
    assert item.due_at == datetime(2026, 12, 9, 10, 0, tzinfo=HCM)
    assert (item.number, item.year) == (1, 2026)
    assert len(item.code) == 10
    assert not Message.objects.exists()  # nobody to tell
    assert FeedbackEvent.objects.get(feedback=item).action == Action.RECEIVE
    second = services.feedback_submit(center=center, data=data(), now=NOW)
    assert second.number == 2
    assert second.code != item.code


def test_submission_with_contact_gets_a_message(center):
    item = services.feedback_submit(
        center=center, data=data(phone="+84 912 345 678", email="dan@example.vn"), now=NOW
    )
    assert item.phone == "0912345678"
    messages = Message.objects.filter(kind="feedback_received").order_by("channel")
    assert [m.channel for m in messages] == ["email", "sms"]
    assert item.code in messages[0].body
    assert f"/feedback/follow/?code={item.code}" in messages[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "spam"}, "category"),
        ({"subject": "  "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"content": "ngắn"}, "content"),
        ({"content": "x" * 5001}, "content"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not an email"}, "email"),
        ({"dossier_code": "KHONG-CO"}, "dossier_code"),
    ],
)
def test_bad_submission_is_refused_field_by_field(center, overrides, field):
    with pytest.raises(InvalidInput) as error:
        services.feedback_submit(center=center, data=data(**overrides), now=NOW)
    assert field in error.value.details["errors"]
    assert not Feedback.objects.exists()


def test_staff_enter_box_and_hotline_items(center, official, other_center):
    called = NOW - timedelta(days=2)
    item = services.feedback_submit(
        center=center,
        data=data(category="suggestion", name="Ông Ba"),
        source=Feedback.Source.HOTLINE,
        actor=official,
        received_at=called,
        now=NOW,
    )
    assert item.received_at == called
    assert item.received_by == official
    # The deadline counts from when it came: Monday 23 Nov 10:00 + 10 working days, skipping
    # Tuesday 24 November (Vietnamese Culture Day, a day off from 2026): Tuesday 8 December.
    assert item.due_at == datetime(2026, 12, 8, 10, 0, tzinfo=HCM)
    with pytest.raises(NotAllowed):  # not staff of that center
        services.feedback_submit(
            center=other_center, data=data(), source=Feedback.Source.BOX, actor=official
        )
    with pytest.raises(NotAllowed):  # only staff enter paper-box letters
        services.feedback_submit(center=center, data=data(), source=Feedback.Source.BOX)
    with pytest.raises(InvalidInput):
        services.feedback_submit(
            center=center,
            data=data(),
            source=Feedback.Source.BOX,
            actor=official,
            received_at=NOW + timedelta(days=1),
            now=NOW,
        )


def test_the_state_machine_table_in_full():
    statuses = ["", *Status.values]
    for action, (allowed, target) in TRANSITIONS.items():
        for status in statuses:
            if status in allowed:
                assert check(action, status) == (status if target is None else target)
            else:
                with pytest.raises(Conflict):
                    check(action, status)
    with pytest.raises(Conflict):
        check("delete", Status.RECEIVED)


def test_assign_answer_publish_close(center, leader, official):
    item = services.feedback_submit(center=center, data=data(phone="0912345678"), now=NOW)
    specialist = staff("specialist", center, username="chuyenvien")
    with pytest.raises(NotAllowed):
        services.feedback_act(actor=official, item=item, action="assign", assignee="chuyenvien")
    with pytest.raises(InvalidInput):
        services.feedback_act(actor=leader, item=item, action="assign", assignee="nobody")
    item = services.feedback_act(actor=leader, item=item, action="assign", assignee="chuyenvien")
    assert (item.status, item.assignee) == (Status.ASSIGNED, specialist)
    with pytest.raises(Conflict):  # a stale page
        services.feedback_act(actor=specialist, item=item, action="answer", answer="...", version=0)
    with pytest.raises(NotAllowed):  # the assignee answers, nothing else
        services.feedback_act(actor=specialist, item=item, action="close", reason="x")
    with pytest.raises(InvalidInput):
        services.feedback_act(actor=specialist, item=item, action="answer", answer=" ")
    item = services.feedback_act(
        actor=specialist,
        item=item,
        action="answer",
        answer="Trung tâm đã bố trí thêm một quầy hộ tịch vào buổi sáng.",
        publish=True,
        version=item.version,
    )
    assert item.status == Status.ANSWERED
    assert item.published
    assert Message.objects.filter(kind="feedback_answered", recipient="0912345678").exists()
    assert list(selectors.feedback_published(center=center)) == [item]
    item = services.feedback_act(actor=leader, item=item, action="unpublish")
    assert not item.published
    item = services.feedback_act(actor=leader, item=item, action="close")
    assert item.status == Status.CLOSED
    item = services.feedback_act(actor=leader, item=item, action="reopen", reason="Hỏi lại")
    assert item.status == Status.ASSIGNED
    actions = list(FeedbackEvent.objects.filter(feedback=item).values_list("action", flat=True))
    assert actions == ["receive", "assign", "answer", "unpublish", "close", "reopen"]


def test_closing_without_an_answer_needs_a_reason(center, leader):
    item = services.feedback_submit(center=center, data=data(), now=NOW)
    with pytest.raises(InvalidInput):
        services.feedback_act(actor=leader, item=item, action="close")
    item = services.feedback_act(actor=leader, item=item, action="close", reason="Trùng lặp")
    assert item.close_reason == "Trùng lặp"


def test_follow_by_code(center):
    item = services.feedback_submit(center=center, data=data(), now=NOW)
    assert selectors.feedback_public(code=f" {item.code.lower()} ") == item
    with pytest.raises(NotFound):
        selectors.feedback_public(code="ABCDEFGHJK")
    with pytest.raises(NotFound):
        selectors.feedback_public(code="")


def test_staff_scoping(center, other_center, leader):
    item = services.feedback_submit(center=center, data=data(), now=NOW)
    other_leader = staff("leader", other_center, username="lanhdao-nc")
    assert selectors.feedback_get_for_user(user=leader, pk=item.pk) == item
    with pytest.raises(NotFound):
        selectors.feedback_get_for_user(user=other_leader, pk=item.pk)
    with pytest.raises(NotAllowed):
        services.feedback_act(actor=other_leader, item=item, action="close", reason="x")


def test_contact_details_removed_after_retention(center, leader):
    old = services.feedback_submit(
        center=center, data=data(name="Bà Tư", phone="0912345678"), now=NOW
    )
    services.feedback_act(actor=leader, item=old, action="close", reason="Đã gọi lại")
    kept = services.feedback_submit(center=center, data=data(name="Ông Năm"), now=NOW)
    removed = services.feedback_anonymize(before=NOW + timedelta(days=400))
    assert removed == 1
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.name, old.phone) == ("", "")
    assert kept.name == "Ông Năm"  # still open
