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
# Being processed inside the center (the clock runs, or stands for a supplement).
IN_PROCESS = frozenset({Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.WAITING_FEES})
# Finished for good: nothing moves from here.
CLOSED = frozenset({Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})


class Action(models.TextChoices):
    REGISTER = "register", gettext_lazy("Đăng ký trực tuyến")
    ACCEPT = "accept", gettext_lazy("Tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("Yêu cầu bổ sung")
    REFUSE = "refuse", gettext_lazy("Từ chối tiếp nhận")
    SUPPLEMENT_ANSWER = "supplement_answer", gettext_lazy("Công dân nộp bổ sung")
    ATTACH = "attach", gettext_lazy("Đính kèm tệp")
    # The internal process (part 2).
    ASSIGN = "assign", gettext_lazy("Phân công")
    FORWARD = "forward", gettext_lazy("Chuyển bước tiếp theo")
    SEND_BACK = "send_back", gettext_lazy("Trả lại bước trước")
    RECEIVE_SUPPLEMENT = "receive_supplement", gettext_lazy("Nhận hồ sơ bổ sung")
    REQUEST_PAYMENT = "request_payment", gettext_lazy("Yêu cầu nộp phí, lệ phí")
    RECORD_PAYMENT = "record_payment", gettext_lazy("Ghi nhận đã nộp phí, lệ phí")
    APPROVE = "approve", gettext_lazy("Phê duyệt")
    MARK_PROCESSED = "mark_processed", gettext_lazy("Có kết quả")
    WITHDRAW = "withdraw", gettext_lazy("Rút hồ sơ theo đề nghị của công dân")
    STOP = "stop", gettext_lazy("Dừng xử lý")
    APOLOGIZE = "apologize", gettext_lazy("Xin lỗi và hẹn lại ngày trả")
    MARK_OVERDUE = "mark_overdue", gettext_lazy("Quá hạn")
    RETURN_RESULT = "return_result", gettext_lazy("Trả kết quả")


TRANSITIONS: dict[str, tuple[frozenset[int], int | None]] = {
    # Online submission: registered, waiting for a receptionist to check it.
    Action.REGISTER: (frozenset({NEW}), Status.REGISTERED),
    # Deciding on a dossier: at the counter (new), an online one (registered), or one that
    # came back with the supplement asked at reception (the services refuse accepting a
    # dossier whose supplement was asked during processing: that one is received back).
    Action.ACCEPT: (frozenset({NEW, Status.REGISTERED, Status.SUPPLEMENT}), Status.ACCEPTED),
    # At reception (new, registered) or during processing (the clock stops).
    Action.REQUEST_SUPPLEMENT: (
        frozenset({NEW, Status.REGISTERED, Status.ACCEPTED, Status.PROCESSING}),
        Status.SUPPLEMENT,
    ),
    # Refused at reception, or after review during processing (form 03 either way).
    Action.REFUSE: (
        frozenset({NEW, Status.REGISTERED, Status.SUPPLEMENT, Status.ACCEPTED, Status.PROCESSING}),
        Status.NOT_ACCEPTED,
    ),
    # The citizen answers a supplement request online (at reception): checked again.
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
    # The internal process.
    Action.ASSIGN: (frozenset({Status.ACCEPTED, Status.PROCESSING}), Status.PROCESSING),
    Action.FORWARD: (frozenset({Status.ACCEPTED, Status.PROCESSING}), Status.PROCESSING),
    Action.SEND_BACK: (frozenset({Status.PROCESSING}), Status.PROCESSING),
    Action.RECEIVE_SUPPLEMENT: (frozenset({Status.SUPPLEMENT}), Status.PROCESSING),
    Action.REQUEST_PAYMENT: (frozenset({Status.PROCESSING}), Status.WAITING_FEES),
    Action.RECORD_PAYMENT: (frozenset({Status.WAITING_FEES}), Status.PROCESSING),
    Action.APPROVE: (frozenset({Status.PROCESSING}), Status.PROCESSING),
    Action.MARK_PROCESSED: (frozenset({Status.PROCESSING}), Status.PROCESSED),
    Action.WITHDRAW: (
        frozenset(
            {
                Status.REGISTERED,
                Status.ACCEPTED,
                Status.PROCESSING,
                Status.SUPPLEMENT,
                Status.WAITING_FEES,
            }
        ),
        Status.WITHDRAWN,
    ),
    Action.STOP: (IN_PROCESS, Status.STOPPED),
    Action.APOLOGIZE: (IN_PROCESS, None),
    Action.MARK_OVERDUE: (IN_PROCESS, None),
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
