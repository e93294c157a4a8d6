"""The dossier's state machine, with the national status codes as its public face.

``TRANSITIONS[action] = (allowed from-statuses, to-status)``. A new dossier starts from
:data:`NEW` (no status yet). Services check every move with :func:`check`; the part of the
process after acceptance (assignment, forwarding, approval…) extends this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from motcua.errors import Conflict


class Status(models.IntegerChoices):
    """The National Public Service Portal's dossier status codes."""

    REGISTERED = 1, gettext_lazy("Mới đăng ký (chờ kiểm tra)")
    ACCEPTED = 2, gettext_lazy("Đã tiếp nhận")
    NOT_ACCEPTED = 3, gettext_lazy("Không tiếp nhận (từ chối)")
    PROCESSING = 4, gettext_lazy("Đang xử lý")
    SUPPLEMENT = 5, pgettext_lazy("trạng thái hồ sơ", "Yêu cầu bổ sung")
    WAITING_FEES = 6, gettext_lazy("Chờ nộp phí, lệ phí")
    WITHDRAWN = 7, gettext_lazy("Công dân rút hồ sơ")
    STOPPED = 8, gettext_lazy("Dừng xử lý")
    PROCESSED = 9, gettext_lazy("Đã có kết quả")
    RETURNED = 10, gettext_lazy("Đã trả kết quả")


# No status yet: the dossier is being created.
NEW = 0

# Statuses in which the result is waiting at, or has left, the one-stop counter.
RESULT_READY = frozenset({Status.PROCESSED, Status.RETURNED})
# Finished for good: nothing moves from here.
CLOSED = frozenset({Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})


class Action(models.TextChoices):
    REGISTER = "register", gettext_lazy("Đăng ký trực tuyến")
    ACCEPT = "accept", gettext_lazy("Tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("Yêu cầu bổ sung")
    REFUSE = "refuse", gettext_lazy("Từ chối tiếp nhận")
    SUPPLEMENT_ANSWER = "supplement_answer", gettext_lazy("Công dân nộp bổ sung")
    ATTACH = "attach", gettext_lazy("Đính kèm tệp")
    RETURN_RESULT = "return_result", gettext_lazy("Trả kết quả")


TRANSITIONS: dict[str, tuple[frozenset[int], int | None]] = {
    # Online submission: registered, waiting for a receptionist to check it.
    Action.REGISTER: (frozenset({NEW}), Status.REGISTERED),
    # Deciding on a dossier: at the counter (new), an online one (registered), or one that
    # came back with the supplement asked at reception.
    Action.ACCEPT: (frozenset({NEW, Status.REGISTERED, Status.SUPPLEMENT}), Status.ACCEPTED),
    Action.REQUEST_SUPPLEMENT: (frozenset({NEW, Status.REGISTERED}), Status.SUPPLEMENT),
    Action.REFUSE: (frozenset({NEW, Status.REGISTERED, Status.SUPPLEMENT}), Status.NOT_ACCEPTED),
    # The citizen answers a supplement request online: back to be checked again.
    Action.SUPPLEMENT_ANSWER: (frozenset({Status.SUPPLEMENT}), Status.REGISTERED),
    # Scans may be added while the dossier is open (the status does not change).
    Action.ATTACH: (
        frozenset(
            {
                Status.REGISTERED,
                Status.ACCEPTED,
                Status.PROCESSING,
                Status.SUPPLEMENT,
                Status.WAITING_FEES,
                Status.PROCESSED,
            }
        ),
        None,
    ),
    Action.RETURN_RESULT: (frozenset({Status.PROCESSED}), Status.RETURNED),
}


def check(action: str, status: int) -> int:
    """The status after ``action`` from ``status``; a move not in the table is refused."""
    if action not in TRANSITIONS:
        raise Conflict(_("Thao tác không hợp lệ."), code="invalid_action")
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        label = Status(status).label if status in Status.values else _("mới")
        raise Conflict(
            _("Không thể “%(action)s” hồ sơ đang ở trạng thái “%(status)s”.")
            % {"action": Action(action).label, "status": label},
            code="invalid_transition",
        )
    return status if target is None else target
