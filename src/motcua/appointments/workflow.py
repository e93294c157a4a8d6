"""The appointment's state machine.

A booking is *reserved* (it holds its slot until ``expires_at``), then *confirmed*; a confirmed
appointment is *checked in* at the kiosk (a ticket is issued), or becomes a *no-show* after its
check-in window. It can be *cancelled* (the slot is released after a delay) or *rescheduled*
(the same appointment moves to another slot). A reservation not confirmed in time *expires*.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.errors import Conflict


class Status(models.TextChoices):
    RESERVED = "reserved", gettext_lazy("Đang giữ chỗ")
    CONFIRMED = "confirmed", gettext_lazy("Đã xác nhận")
    CHECKED_IN = "checked_in", gettext_lazy("Đã đến (đã lấy số)")
    NO_SHOW = "no_show", gettext_lazy("Không đến")
    CANCELLED = "cancelled", gettext_lazy("Đã hủy")
    EXPIRED = "expired", gettext_lazy("Hết hạn giữ chỗ")


class Action(models.TextChoices):
    RESERVE = "reserve", gettext_lazy("Giữ chỗ")
    CONFIRM = "confirm", gettext_lazy("Xác nhận")
    RESCHEDULE = "reschedule", gettext_lazy("Đổi giờ hẹn")
    CANCEL = "cancel", gettext_lazy("Hủy")
    CHECK_IN = "check_in", gettext_lazy("Đến và lấy số")
    NO_SHOW = "no_show", gettext_lazy("Ghi nhận không đến")
    EXPIRE = "expire", gettext_lazy("Hết hạn giữ chỗ")


NEW = ""

# Statuses whose slot is taken (a reservation only until it expires; a cancellation until the
# release delay has passed).
HOLDING = (Status.RESERVED, Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW)
OPEN = (Status.RESERVED, Status.CONFIRMED)

TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.RESERVE: (frozenset({NEW}), Status.RESERVED),
    Action.CONFIRM: (frozenset({Status.RESERVED}), Status.CONFIRMED),
    Action.RESCHEDULE: (frozenset({Status.RESERVED, Status.CONFIRMED}), None),
    Action.CANCEL: (frozenset({Status.RESERVED, Status.CONFIRMED}), Status.CANCELLED),
    Action.CHECK_IN: (frozenset({Status.CONFIRMED}), Status.CHECKED_IN),
    Action.NO_SHOW: (frozenset({Status.CONFIRMED}), Status.NO_SHOW),
    Action.EXPIRE: (frozenset({Status.RESERVED}), Status.EXPIRED),
}


def check(action: str, status: str) -> str:
    if action not in TRANSITIONS:
        raise Conflict(_("Thao tác không hợp lệ."), code="invalid_action")
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        label = Status(status).label if status in Status.values else _("mới")
        raise Conflict(
            _("Không thể “%(action)s” lịch hẹn đang ở trạng thái “%(status)s”.")
            % {"action": Action(action).label, "status": label},
            code="invalid_transition",
        )
    return status if target is None else target
