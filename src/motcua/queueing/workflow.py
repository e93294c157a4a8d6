"""The ticket's state machine: every allowed move, and nothing else.

``TRANSITIONS[action] = (allowed from-statuses, to-status)``; ``None`` as the to-status keeps
the current one (a recall stays "called"). Services check moves with :func:`check`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.errors import Conflict


class Status:
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    ALL = (WAITING, CALLED, SERVING, PARKED, FINISHED, NO_SHOW, EXPIRED, CANCELLED)
    OPEN = (WAITING, CALLED, SERVING, PARKED)
    AT_COUNTER = (CALLED, SERVING)


class Action:
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    PARK = "park"
    RESUME = "resume"
    EXPIRE = "expire"
    CANCEL = "cancel"


TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.CALL: (frozenset({Status.WAITING}), Status.CALLED),
    Action.RECALL: (frozenset({Status.CALLED}), None),
    Action.START: (frozenset({Status.CALLED}), Status.SERVING),
    Action.FINISH: (frozenset({Status.SERVING}), Status.FINISHED),
    Action.NO_SHOW: (frozenset({Status.CALLED}), Status.NO_SHOW),
    Action.TRANSFER: (frozenset({Status.CALLED, Status.SERVING}), Status.WAITING),
    Action.PARK: (frozenset({Status.CALLED, Status.SERVING}), Status.PARKED),
    Action.RESUME: (frozenset({Status.PARKED}), Status.CALLED),  # called back: announced again
    Action.EXPIRE: (frozenset({Status.WAITING, Status.CALLED, Status.PARKED}), Status.EXPIRED),
    Action.CANCEL: (frozenset({Status.WAITING}), Status.CANCELLED),
}


def check(action: str, status: str) -> str:
    """The status after ``action`` from ``status``; raises Conflict for a move not in the table."""
    if action not in TRANSITIONS:
        raise Conflict(_("Thao tác không hợp lệ."), code="invalid_action")
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(
            _("Không thể %(action)s phiếu đang ở trạng thái “%(status)s”.")
            % {"action": action_label(action), "status": status_label(status)},
            code="invalid_transition",
        )
    return target or status


def action_label(action: str) -> str:
    return {
        Action.CALL: _("gọi"),
        Action.RECALL: _("gọi lại"),
        Action.START: _("bắt đầu phục vụ"),
        Action.FINISH: _("kết thúc"),
        Action.NO_SHOW: _("đánh dấu vắng mặt"),
        Action.TRANSFER: _("chuyển"),
        Action.PARK: _("tạm hoãn"),
        Action.RESUME: _("tiếp tục"),
        Action.EXPIRE: _("hủy khi hết giờ"),
        Action.CANCEL: _("hủy"),
    }.get(action, action)


def status_label(status: str) -> str:
    return {
        Status.WAITING: _("đang chờ"),
        Status.CALLED: _("đã gọi"),
        Status.SERVING: _("đang phục vụ"),
        Status.PARKED: _("tạm hoãn"),
        Status.FINISHED: _("đã xong"),
        Status.NO_SHOW: _("vắng mặt"),
        Status.EXPIRED: _("hết hạn"),
        Status.CANCELLED: _("đã hủy"),
    }.get(status, status)
