"""The state machine of a suggestion, complaint or hotline call (:class:`models.Feedback`).

``TRANSITIONS[action] = (allowed from-statuses, to-status)``: received → assigned → answered →
closed. An answer may be given without an assignment (the leader answers it), and a submission
may be closed without an answer (a duplicate, a message with no content) with a reason.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.errors import Conflict


class Status(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Đã tiếp nhận")
    ASSIGNED = "assigned", gettext_lazy("Đang xử lý")
    ANSWERED = "answered", gettext_lazy("Đã trả lời")
    CLOSED = "closed", gettext_lazy("Đã đóng")


OPEN = frozenset({Status.RECEIVED, Status.ASSIGNED})


class Action:
    RECEIVE = "receive"
    ASSIGN = "assign"
    ANSWER = "answer"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    CLOSE = "close"
    REOPEN = "reopen"


NEW = ""

ACTION_LABELS = {
    Action.RECEIVE: gettext_lazy("Tiếp nhận"),
    Action.ASSIGN: gettext_lazy("Giao xử lý"),
    Action.ANSWER: gettext_lazy("Trả lời"),
    Action.PUBLISH: gettext_lazy("Công khai trả lời"),
    Action.UNPUBLISH: gettext_lazy("Thôi công khai"),
    Action.CLOSE: gettext_lazy("Đóng"),
    Action.REOPEN: gettext_lazy("Mở lại"),
}

# None as the to-status keeps the status.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.RECEIVE: (frozenset({NEW}), Status.RECEIVED),
    Action.ASSIGN: (frozenset({Status.RECEIVED, Status.ASSIGNED}), Status.ASSIGNED),
    Action.ANSWER: (frozenset({Status.RECEIVED, Status.ASSIGNED}), Status.ANSWERED),
    Action.PUBLISH: (frozenset({Status.ANSWERED, Status.CLOSED}), None),
    Action.UNPUBLISH: (frozenset({Status.ANSWERED, Status.CLOSED}), None),
    Action.CLOSE: (frozenset({Status.RECEIVED, Status.ASSIGNED, Status.ANSWERED}), Status.CLOSED),
    Action.REOPEN: (frozenset({Status.ANSWERED, Status.CLOSED}), Status.ASSIGNED),
}


def check(action: str, status: str) -> str:
    """The status after ``action`` from ``status``; a Conflict when the move is not allowed."""
    if action not in TRANSITIONS:
        raise Conflict(_("Thao tác không hợp lệ."), code="invalid_action")
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(
            _("Không thể thực hiện thao tác này với góp ý ở trạng thái hiện tại."),
            code="invalid_transition",
        )
    return status if target is None else target
