"""The internal process of the demo's accepted dossiers, made through ``processing.dossier_act``
with ``now=`` in the past: reception → the department's specialist → the leader's approval →
back to the one-stop counter, the result attached, processed and returned.

How each dossier ends follows the center's shares (``province.py``, ``"processing"``): early or
on time in a large majority, a few late, a couple late after an apology with a new date; some
have a supplement asked during processing (the clock restarts when it is received), a few are
sent back by the leader or go to another center of the province (inter-agency). Moves planned
after ``now`` are not made: recent dossiers are in progress at various steps, and of those
already past due a few are stalled (overdue).
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.dossiers.deadlines import at_least_a_working_day_before
from motcua.dossiers.models import Dossier, ResultDelivery
from motcua.dossiers.processing import ActionInput, dossier_act
from motcua.organization.models import Center, Membership, Role
from motcua.workcalendar.calendar import add_working_time, working_time_between

if TYPE_CHECKING:
    from motcua.demo.history import _Quota

SEND_BACK_REASONS = [
    "Đề nghị kiểm tra lại thông tin trong dự thảo kết quả",
    "Dự thảo còn sai họ tên người được cấp, đề nghị sửa lại",
    "Bổ sung ý kiến thẩm định về điều kiện cấp",
]
SUPPLEMENT_DURING = [
    "Bản sao có chứng thực giấy tờ chứng minh nơi cư trú",
    "Văn bản xác nhận của trưởng thôn về nội dung đề nghị",
    "Bản vẽ sơ đồ vị trí thửa đất có xác nhận",
]
APOLOGY_REASONS = [
    "cần xác minh thêm thông tin tại cơ quan khác",
    "hệ thống cơ sở dữ liệu chuyên ngành gián đoạn nhiều ngày",
    "cán bộ thẩm định đi công tác đột xuất, hồ sơ phải chuyển người khác thẩm định lại",
]


def result_pdf(code: str) -> bytes:
    """A one-page A5 PDF standing for the signed result of dossier ``code`` (ASCII only:
    the standard Helvetica font, nothing embedded, a few hundred bytes)."""
    lines = ["KET QUA GIAI QUYET HO SO", f"Ma ho so: {code}", "(ban mo phong - du lieu demo)"]
    text = "".join(
        f"BT /F1 {14 if n == 0 else 11} Tf 60 {520 - 30 * n} Td ({line}) Tj ET\n"
        for n, line in enumerate(lines)
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class _Stop(Exception):
    """The next move would be after ``now``: the dossier stays where it is."""


class DemoProcess:
    """Moves one center's accepted dossiers along their internal process."""

    def __init__(
        self,
        center: Center,
        spec: dict[str, Any],
        now: datetime,
        rng: random.Random,
        quota: type[_Quota],
        calendar: Any,
    ) -> None:
        self.center = center
        self.now = now
        self.rng = rng
        self.calendar = calendar
        shares = spec.get("processing") or {"early": 0.8, "on_time": 0.2}
        self.outcomes = quota(rng, {k: v for k, v in shares.items() if k != "stalled" and v})
        stalled = shares.get("stalled", 0)
        self.stalls = quota(rng, {"stalled": stalled, "go": 1 - stalled} if stalled else {"go": 1})
        self.supplements = quota(rng, {"yes": 0.05, "no": 0.95})
        self.detours = quota(rng, {"send_back": 0.04, "inter_agency": 0.03, "none": 0.93})
        staff = Membership.objects.filter(center=center).select_related("user")
        self.leader = next(m.user for m in staff if m.role == Role.LEADER)
        self.receptionists = sorted(
            (m.user for m in staff if m.role == Role.RECEPTIONIST), key=lambda u: u.username
        )
        self.postal = [m.user for m in staff if m.role == Role.POSTAL] or self.receptionists
        self.partners = list(
            Center.objects.filter(province_id=center.province_id, is_active=True)
            .exclude(pk=center.pk)
            .order_by("code")
        )
        self.counts: dict[str, int] = {}

    # --- Time -----------------------------------------------------------------------------

    def _after(self, start: datetime, minutes: float) -> datetime:
        return add_working_time(self.calendar, start, timedelta(minutes=max(minutes, 1)))

    def _between(self, start: datetime, end: datetime, fraction: float) -> datetime:
        span = max(working_time_between(self.calendar, start, end), timedelta())
        return add_working_time(self.calendar, start, span * fraction)

    def _finish(self, start: datetime, due: datetime, outcome: str) -> datetime:
        """When the result should be ready for ``outcome`` (the classification is by date)."""
        day = self.calendar.day_length.total_seconds() / 60
        total = working_time_between(self.calendar, start, due).total_seconds() / 60
        if outcome == "early":
            # An earlier date than due (the same one for procedures of a few hours).
            done = self._after(start, total * self.rng.uniform(0.3, 0.75))
            before = self._after(start, max(total - day, total * 0.5))
            return min(done, before)
        if outcome == "on_time":
            return self._after(start, max(total - self.rng.uniform(10, min(120, total / 3)), 5))
        # Late: one to three working days after due.
        return self._after(due, self.rng.uniform(0.3, 2.5) * day)

    # --- Moves ----------------------------------------------------------------------------

    def _act(self, actor, dossier: Dossier, action: str, at: datetime, **data: Any) -> Dossier:
        if at >= self.now:
            raise _Stop
        return dossier_act(
            actor=actor, dossier=dossier, action=action, data=ActionInput(**data), now=at
        )

    def _worker(self, dossier: Dossier):
        step = dossier.current_step
        return step.assignee if step is not None and step.assignee else self.leader

    def run(self, dossier: Dossier) -> None:
        """Move ``dossier`` (just accepted) as far as its plan goes before ``now``."""
        if dossier.due_at is None or dossier.accepted_at is None:
            return
        outcome = self.outcomes.pick()
        stalled = dossier.due_at < self.now and self.stalls.pick() == "stalled"
        with contextlib.suppress(_Stop):
            self._run(dossier, outcome, stalled=stalled)
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def _run(self, dossier: Dossier, outcome: str, *, stalled: bool) -> None:
        rng = self.rng
        start, due = dossier.accepted_at, dossier.due_at
        assert start is not None and due is not None  # noqa: S101 - checked by run()
        apology_at = None
        if outcome == "apology":
            apology_at = self._between(start, due, rng.uniform(0.25, 0.45))
            if not at_least_a_working_day_before(self.calendar, apology_at, due):
                outcome, apology_at = "late", None  # too short a procedure to apologise
        finish = self._finish(start, due, outcome)
        # Reception hands the dossier over within the hour (or its share, if shorter).
        at = min(self._after(start, rng.uniform(5, 60)), self._between(start, finish, 0.1))
        dossier = self._act(self._worker(dossier), dossier, "forward", at)

        if (
            outcome in ("early", "on_time")
            and working_time_between(self.calendar, start, due) >= self.calendar.day_length
            and self.supplements.pick() == "yes"
        ):
            # The specialist finds something missing: asked within 3 working days; the clock
            # stands until the citizen brings it to the counter, then starts again.
            asked = self._between(at, finish, rng.uniform(0.15, 0.4))
            dossier = self._act(
                self._worker(dossier),
                dossier,
                "request_supplement",
                asked,
                items=[rng.choice(SUPPLEMENT_DURING)],
                reason="Bổ sung để đủ căn cứ thẩm định.",
            )
            back = self._after(asked, rng.uniform(1, 4) * 60 * 8)
            dossier = self._act(rng.choice(self.receptionists), dossier, "receive_supplement", back)
            assert dossier.due_at is not None  # noqa: S101 - set by the restart
            start, at = back, back
            finish = self._finish(back, dossier.due_at, outcome)

        if apology_at is not None and apology_at > at:
            new_due = self._after(due, 2 * self.calendar.day_length.total_seconds() / 60)
            dossier = self._act(
                self._worker(dossier),
                dossier,
                "apologize",
                apology_at,
                reason=rng.choice(APOLOGY_REASONS),
                new_due_at=new_due,
            )
        if stalled:
            # Stuck with the specialist, or with the leader: overdue, waiting still.
            if rng.random() < 0.5:
                waited = self._between(at, min(due, self.now), 0.7)
                self._act(self._worker(dossier), dossier, "forward", waited)
            return

        detour = self.detours.pick()
        specialist_done = self._between(at, finish, rng.uniform(0.55, 0.7))
        if detour == "inter_agency" and self.partners:
            partner = rng.choice(self.partners)
            step_due = dossier.current_step.due_at if dossier.current_step else None
            sent = self._between(at, specialist_done, 0.5)
            if step_due is not None and sent < step_due:
                dossier = self._act(
                    self._worker(dossier),
                    dossier,
                    "forward",
                    sent,
                    to_center=partner.code,
                    step_due_at=step_due,
                    reason="Đề nghị xác minh, cho ý kiến",
                )
        dossier = self._act(self._worker(dossier), dossier, "forward", specialist_done)
        approve_at = self._between(specialist_done, finish, rng.uniform(0.5, 0.8))
        if detour == "send_back":
            back_at = self._between(specialist_done, approve_at, 0.4)
            dossier = self._act(
                self.leader, dossier, "send_back", back_at, reason=rng.choice(SEND_BACK_REASONS)
            )
            again = self._between(back_at, approve_at, 0.5)
            dossier = self._act(self._worker(dossier), dossier, "forward", again)
        counter = rng.choice(self.receptionists)
        dossier = self._act(self.leader, dossier, "approve", approve_at, assignee=counter.username)
        attach_at = self._between(approve_at, finish, 0.5)
        if attach_at >= self.now:
            raise _Stop
        services.dossier_attach(
            actor=self._worker(dossier),
            dossier=dossier,
            uploads=[
                services.Upload(
                    SimpleUploadedFile(
                        f"ket-qua-{dossier.code}.pdf", result_pdf(dossier.code), "application/pdf"
                    )
                )
            ],
            result=True,
            now=attach_at,
        )
        dossier = self._act(self._worker(dossier), dossier, "mark_processed", finish)
        self._return(dossier, finish)

    def _return(self, dossier: Dossier, ready: datetime) -> None:
        rng = self.rng
        if dossier.result_delivery == ResultDelivery.ELECTRONIC:
            at = self._after(ready, rng.uniform(2, 30))
            self._act(rng.choice(self.receptionists), dossier, "return_result", at)
        elif dossier.result_delivery == ResultDelivery.POST:
            at = self._after(ready, rng.uniform(30, 8 * 60))
            self._act(
                rng.choice(self.postal),
                dossier,
                "return_result",
                at,
                delivery=ResultDelivery.POST,
                postal_tracking=f"EB{rng.randrange(10**9):09d}VN",
            )
        else:
            # Collected at the counter within a few working days (some not yet).
            at = self._after(ready, rng.uniform(20, 3 * 8 * 60))
            self._act(rng.choice(self.receptionists), dossier, "return_result", at)
