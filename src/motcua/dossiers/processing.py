"""Writes of the internal process after acceptance: assignment, forwarding (also to another
department or center: inter-agency), sending back, supplements during processing, fees,
approval, the result, withdrawal, stopping, refusal after review, the apology with a new date.

One entry point, :func:`dossier_act`, used by the staff pages and
``POST /api/v1/dossiers/{code}/actions/{action}``. Every action locks the dossier row, checks
the transition table and who may act, appends an event (hand-overs carry giver, receiver and the
step's timeliness: form 05 is built from them) and bumps ``version``: an action that names the
version it saw is refused when someone else acted in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.dossiers import deadlines
from motcua.dossiers.models import (
    Dossier,
    DossierPolicy,
    DossierStep,
    FormRecord,
    Supplement,
    SupplementMode,
    Timeliness,
)
from motcua.dossiers.selectors import rating_url
from motcua.dossiers.workflow import Action, Status, check
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.notifications.models import Kind
from motcua.organization.models import Center, Department, Membership, Role
from motcua.organization.selectors import center_calendar, center_list_for_user, user_has_role

# Who may act on a step besides the official it is assigned to.
SUPERVISORS = (Role.LEADER, Role.CENTER_ADMIN)
ONE_STOP = (Role.RECEPTIONIST, Role.CENTER_ADMIN)


@dataclass
class ActionInput:
    """What an action may carry (each action reads what it needs)."""

    assignee: str = ""  # user name; empty with "assign": the least loaded official
    reason: str = ""
    items: list[str] = field(default_factory=list)
    amount_vnd: int | None = None
    receipt: str = ""
    new_due_at: datetime | None = None
    to_center: str = ""  # forward to another center of the province (inter-agency)
    to_department: str = ""
    step_due_at: datetime | None = None  # an inter-agency step's own deadline
    delivery: str = ""
    postal_tracking: str = ""
    version: int | None = None


def policy_for(center: Center) -> DossierPolicy:
    policy, _created = DossierPolicy.objects.get_or_create(center=center)
    return policy


# --- Steps -----------------------------------------------------------------------------------


def steps_create(dossier: Dossier, *, at: datetime, actor: User | None) -> None:
    """At acceptance: the dossier's steps from the center's process, with their deadlines; the
    first (reception) starts now, assigned to the officer who accepted."""
    plan = deadlines.process_for(dossier)
    calendar = center_calendar(center=dossier.center)
    due = dossier.due_at or at
    marks = deadlines.step_deadlines(calendar, at, due, [p.share for p in plan])
    rows = DossierStep.objects.bulk_create(
        DossierStep(
            dossier=dossier,
            order=order,
            name=planned.name,
            role=planned.role,
            center=dossier.center,
            department_id=planned.department_id,
            share_percent=planned.share,
            due_at=deadline,
        )
        for order, (planned, deadline) in enumerate(zip(plan, marks, strict=True), start=1)
    )
    first = DossierStep.objects.filter(dossier=dossier).order_by("order").first() or rows[0]
    first.started_at = at
    if actor is not None and actor.is_authenticated:
        first.assignee = actor
    first.save(update_fields=["started_at", "assignee"])
    dossier.current_step = first
    dossier.original_due_at = dossier.due_at
    dossier.save(update_fields=["current_step", "original_due_at"])


def _step_staff(step: DossierStep, roles=None):
    """Active users holding the step's role at the step's center (and department)."""
    memberships = Membership.objects.filter(center=step.center, role__in=roles or [step.role])
    if step.department_id:
        memberships = memberships.filter(Q(department_id=step.department_id) | Q(department=None))
    return User.objects.filter(is_active=True, memberships__in=memberships).distinct()


def least_loaded(step: DossierStep) -> User | None:
    """The official of the step's role with the fewest open steps (then by user name)."""
    candidates = list(_step_staff(step).order_by("username"))
    if not candidates:
        return None
    load = dict(
        DossierStep.objects.filter(
            assignee__in=candidates, finished_at__isnull=True, started_at__isnull=False
        )
        .values_list("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    return min(candidates, key=lambda user: (load.get(user.pk, 0), user.username))


def _may_work(actor: User, step: DossierStep) -> bool:
    if step.assignee_id == actor.pk:
        return True
    if user_has_role(user=actor, center=step.center, roles=SUPERVISORS):
        return True
    # An unassigned step may be taken by anyone holding its role there.
    return step.assignee_id is None and _step_staff(step).filter(pk=actor.pk).exists()


def may_work_on(actor: User, dossier: Dossier) -> bool:
    """Whether ``actor`` may act on the dossier's current step."""
    step = dossier.current_step
    return step is not None and _may_work(actor, step)


def _finish_step(step: DossierStep, *, at: datetime, actor: User, calendar) -> str:
    step.finished_at = at
    step.finished_by = actor
    step.timeliness = deadlines.classify(calendar, at, step.due_at)
    step.save(update_fields=["finished_at", "finished_by", "timeliness"])
    return step.timeliness


def _start_step(step: DossierStep, *, at: datetime, assignee: User | None) -> None:
    step.started_at = at
    step.finished_at = None
    step.finished_by = None
    step.timeliness = ""
    if assignee is not None:
        step.assignee = assignee
    step.save(update_fields=["started_at", "finished_at", "finished_by", "timeliness", "assignee"])


def _user(username: str, step: DossierStep) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not _step_staff(step).filter(pk=user.pk).exists():
        raise InvalidInput(
            _("“%(user)s” không phải cán bộ làm được bước “%(step)s”.")
            % {"user": username, "step": step.name},
            code="invalid_assignee",
        )
    return user


# --- The entry point -------------------------------------------------------------------------

ACTIONS = (
    Action.ASSIGN,
    Action.FORWARD,
    Action.SEND_BACK,
    Action.REQUEST_SUPPLEMENT,
    Action.RECEIVE_SUPPLEMENT,
    Action.REQUEST_PAYMENT,
    Action.RECORD_PAYMENT,
    Action.APPROVE,
    Action.MARK_PROCESSED,
    Action.RETURN_RESULT,
    Action.WITHDRAW,
    Action.STOP,
    Action.REFUSE,
    Action.APOLOGIZE,
)


def dossier_act(
    *,
    actor: User,
    dossier: Dossier,
    action: str,
    data: ActionInput | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Do ``action`` on an accepted dossier; anything not in the transition table, not allowed
    to the actor, or on a version someone else has changed since, is refused with a message."""
    from motcua.dossiers import services

    if action not in ACTIONS:
        raise NotFound(
            _("Không có thao tác “%(action)s”.") % {"action": action}, code="invalid_action"
        )
    data = data or ActionInput()
    at = now or timezone.now()
    if action == Action.RETURN_RESULT:
        return services.dossier_return_result(
            actor=actor,
            dossier=dossier,
            delivery=data.delivery or dossier.result_delivery,
            postal_tracking=data.postal_tracking,
            note=data.reason,
            now=at,
            version=data.version,
        )
    with services.dossier_transaction():
        # Only the dossier's row is locked (not its center's). The current step is read after
        # the lock, not joined: PostgreSQL refuses FOR UPDATE on an outer join's nullable side,
        # and a joined row re-read after waiting for the lock is the old one (or none).
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("center", "procedure_version")
            .get(pk=dossier.pk)
        )
        if not center_list_for_user(user=actor).filter(pk=locked.center_id).exists() and not (
            locked.current_step is not None
            and center_list_for_user(user=actor).filter(pk=locked.current_step.center_id).exists()
        ):
            raise NotAllowed(_("Bạn không được xử lý hồ sơ này."))
        if data.version is not None and data.version != locked.version:
            raise Conflict(
                _(
                    "Hồ sơ vừa được người khác xử lý (hiện ở trạng thái “%(status)s”). "
                    "Hãy mở lại hồ sơ trước khi thao tác."
                )
                % {"status": locked.status_label},
                code="dossier_changed",
            )
        if locked.accepted_at is None:
            raise Conflict(
                _("Hồ sơ chưa được tiếp nhận; hãy quyết định tiếp nhận trước."),
                code="invalid_transition",
            )
        before = locked.status
        target = check(action, before)
        handler = _HANDLERS[action]
        note, extra = handler(locked, actor=actor, at=at, data=data, target=target)
        locked.version += 1
        locked.save()
        services._event(locked, action, before, at=at, actor=actor, note=note, data=extra)
    return locked


def _need_step(dossier: Dossier) -> DossierStep:
    step = dossier.current_step
    if step is None:
        raise Conflict(_("Hồ sơ không có bước xử lý nào đang mở."), code="no_step")
    return step


def _need_worker(actor: User, step: DossierStep) -> None:
    if not _may_work(actor, step):
        raise NotAllowed(
            _("Bước “%(step)s” đang do người khác xử lý.") % {"step": step.name},
            code="not_your_step",
        )


def _need_reason(data: ActionInput, what: str) -> str:
    reason = data.reason.strip()
    if len(reason) < 5:
        raise InvalidInput(_("Hãy ghi rõ lý do %(what)s.") % {"what": what}, code="reason_required")
    return reason[:2000]


def _assign(dossier, *, actor, at, data, target):
    step = _need_step(dossier)
    supervisor = user_has_role(user=actor, center=step.center, roles=SUPERVISORS)
    if not supervisor and not _step_staff(step).filter(pk=actor.pk).exists():
        raise NotAllowed(_("Chỉ lãnh đạo hoặc cán bộ của bước này được phân công."))
    assignee: User | None
    if data.assignee:
        if not supervisor and data.assignee != actor.username:
            raise NotAllowed(_("Chỉ lãnh đạo được phân công cho người khác."))
        assignee = _user(data.assignee, step)
    elif not supervisor:
        assignee = actor  # an official of the step takes it
    else:
        assignee = least_loaded(step)
        if assignee is None:
            raise InvalidInput(
                _("Không có cán bộ nào làm được bước “%(step)s”.") % {"step": step.name},
                code="no_staff",
            )
    giver = step.assignee
    step.assignee = assignee
    if step.started_at is None:
        step.started_at = at
    step.save(update_fields=["assignee", "started_at"])
    dossier.status = target
    return "", {
        "step": step.order,
        "giver": giver.get_username() if giver else "",
        "receiver": assignee.get_username(),
    }


def _forward(dossier, *, actor, at, data, target, approving=False):
    step = _need_step(dossier)
    _need_worker(actor, step)
    if step.role == Role.LEADER and not approving:
        # Leaving the leader's step without approving would skip the approval (and a second
        # forward sent at the same moment as the first would slip past it).
        raise Conflict(
            _("Bước “%(step)s” được chuyển tiếp bằng thao tác “Phê duyệt”.") % {"step": step.name},
            code="not_approved",
        )
    calendar = center_calendar(center=dossier.center)
    steps = list(dossier.steps.all().order_by("order", "id"))
    after = [s for s in steps if (s.order, s.pk) > (step.order, step.pk)]
    if data.to_center or data.to_department:
        next_step = _inter_agency_step(dossier, step, data, at)
    else:
        if not after:
            raise Conflict(
                _("Đây là bước cuối; hãy ghi nhận có kết quả hoặc trả kết quả."), code="last_step"
            )
        next_step = after[0]
    timeliness = _finish_step(step, at=at, actor=actor, calendar=calendar)
    receiver = None
    if data.assignee:
        receiver = _user(data.assignee, next_step)
    elif next_step.assignee_id is None:
        receiver = least_loaded(next_step)
    _start_step(next_step, at=at, assignee=receiver)
    next_step.refresh_from_db()
    dossier.current_step = next_step
    dossier.status = target
    return data.reason.strip()[:2000], _handover(step, next_step, actor, timeliness)


def _handover(step: DossierStep, next_step: DossierStep, actor: User, timeliness: str) -> dict:
    return {
        "from_step": step.order,
        "from_name": step.name,
        "from_unit": _unit(step),
        "to_step": next_step.order,
        "to_name": next_step.name,
        "to_unit": _unit(next_step),
        "giver": _name(actor),
        "receiver": _name(next_step.assignee) if next_step.assignee else "",
        "step_due_at": step.due_at.isoformat() if step.due_at else "",
        "timeliness": timeliness,
    }


def _name(user: User) -> str:
    """A Vietnamese name reads family name first ("Trần Văn" + "Minh" → "Trần Văn Minh")."""
    full = " ".join(part for part in (user.last_name, user.first_name) if part)
    return full or user.get_username()


def _unit(step: DossierStep) -> str:
    if step.department is not None:
        return f"{step.department.name} – {step.center.name}"
    return step.center.name


def _inter_agency_step(dossier, step, data: ActionInput, at: datetime) -> DossierStep:
    """A step inserted after the current one, at another department or center of the
    province; when it is forwarded, the process comes back to the next regular step."""
    center = dossier.center
    if data.to_center:
        center = Center.objects.filter(
            code=data.to_center, province_id=dossier.center.province_id, is_active=True
        ).first()
        if center is None:
            raise InvalidInput(
                _("Không có cơ quan “%(code)s” trong tỉnh.") % {"code": data.to_center},
                code="unknown_center",
            )
    department = None
    if data.to_department:
        department = Department.objects.filter(center=center, code=data.to_department).first()
        if department is None:
            raise InvalidInput(
                _("Không có phòng “%(code)s” ở %(center)s.")
                % {"code": data.to_department, "center": center.name},
                code="unknown_department",
            )
    due = data.step_due_at or step.due_at or dossier.due_at
    if due is None or due <= at:
        raise InvalidInput(
            _("Hạn của bước liên thông phải ở sau thời điểm hiện tại."), code="invalid_due"
        )
    if dossier.due_at and due > dossier.due_at:
        raise InvalidInput(
            _("Hạn của bước liên thông không được sau hạn trả kết quả của hồ sơ."),
            code="invalid_due",
        )
    # Later steps move one place to make room (orders stay unique per dossier).
    later = list(dossier.steps.filter(order__gt=step.order).order_by("-order"))
    for row in later:
        row.order += 1
        row.save(update_fields=["order"])
    name = _("Liên thông: %(unit)s") % {
        "unit": f"{department.name} – {center.name}" if department else center.name
    }
    return DossierStep.objects.create(
        dossier=dossier,
        order=step.order + 1,
        name=name[:200],
        role=Role.SPECIALIST,
        center=center,
        department=department,
        share_percent=0,
        inter_agency=True,
        due_at=due,
    )


def _send_back(dossier, *, actor, at, data, target):
    step = _need_step(dossier)
    _need_worker(actor, step)
    reason = _need_reason(data, _("trả lại"))
    previous = dossier.steps.filter(order__lt=step.order).order_by("-order", "-id").first()
    if previous is None:
        raise Conflict(_("Đây là bước đầu tiên, không có bước trước."), code="first_step")
    calendar = center_calendar(center=dossier.center)
    timeliness = _finish_step(step, at=at, actor=actor, calendar=calendar)
    # The step sent back is done again later: it opens again when reached.
    step.finished_at = None
    step.started_at = None
    step.save(update_fields=["finished_at", "started_at"])
    _start_step(previous, at=at, assignee=None)
    previous.refresh_from_db()
    dossier.current_step = previous
    dossier.status = target
    return reason, {**_handover(step, previous, actor, timeliness), "send_back": True}


def _request_supplement(dossier, *, actor, at, data, target):
    from motcua.dossiers import services

    step = _need_step(dossier)
    _need_worker(actor, step)
    items = list(dict.fromkeys(i.strip()[:500] for i in data.items if i and i.strip()))
    if not items:
        raise InvalidInput(
            _("Hãy ghi rõ các giấy tờ cần bổ sung (tất cả trong một lần)."), code="no_missing_items"
        )
    calendar = center_calendar(center=dossier.center)
    late_request = deadlines.working_days_since(calendar, dossier.accepted_at, at) > 3
    dossier.status = target
    dossier.paused_at = at
    dossier.supplements_during_processing += 1
    dossier.supplement_flagged = dossier.supplement_flagged or late_request
    Supplement.objects.create(
        dossier=dossier, items=items, note=data.reason.strip()[:2000], requested_at=at,
        requested_by=actor,
    )  # fmt: skip
    services._issue_form(
        dossier,
        FormRecord.Form.SUPPLEMENT,
        at=at,
        actor=actor,
        content={"items": items, "note": data.reason.strip()[:2000], "during_processing": True},
    )
    services._notify(dossier, Kind.SUPPLEMENT_REQUESTED, {"missing": "; ".join(items)[:300]})
    return data.reason.strip()[:2000], {"items": items, "late_request": late_request}


def _receive_supplement(dossier, *, actor, at, data, target):
    if not user_has_role(user=actor, center=dossier.center, roles=ONE_STOP + SUPERVISORS):
        raise NotAllowed(_("Hồ sơ bổ sung được nhận tại bộ phận một cửa."))
    calendar = center_calendar(center=dossier.center)
    mode = policy_for(dossier.center).supplement_mode
    old_due = dossier.due_at
    if mode == SupplementMode.PAUSE:
        new_due = deadlines.resume_due(calendar, dossier, at)
    else:
        new_due = deadlines.restart_due(calendar, dossier, at)
    dossier.due_at = new_due
    dossier.due_basis = {
        **dossier.due_basis,
        "supplement": {
            "mode": mode,
            "paused_at": dossier.paused_at.isoformat() if dossier.paused_at else "",
            "received_at": at.isoformat(),
            "previous_due_at": old_due.isoformat() if old_due else "",
        },
    }
    dossier.paused_at = None
    # A new due time: overdue again only if this one passes too (and warned again before it).
    dossier.overdue_marked_at = None
    dossier.due_warned_for = None
    dossier.status = target
    open_supplement = dossier.supplements.filter(answered_at__isnull=True).last()
    if open_supplement is not None:
        open_supplement.answered_at = at
        open_supplement.save(update_fields=["answered_at"])
    step = dossier.current_step
    if step is not None:
        deadlines.reschedule_open_steps(calendar, dossier, at, new_due)
    return data.reason.strip()[:2000], {
        "mode": mode,
        "due_at": new_due.isoformat(),
        "previous_due_at": old_due.isoformat() if old_due else "",
    }


def _request_payment(dossier, *, actor, at, data, target):
    step = _need_step(dossier)
    _need_worker(actor, step)
    amount = data.amount_vnd if data.amount_vnd is not None else dossier.fee_total_vnd
    if amount is None or amount <= 0:
        raise InvalidInput(_("Hãy ghi số tiền phí, lệ phí cần nộp."), code="amount_required")
    dossier.fee_requested_vnd = amount
    dossier.status = target
    return data.reason.strip()[:2000], {"amount_vnd": amount}


def _record_payment(dossier, *, actor, at, data, target):
    if not user_has_role(
        user=actor, center=dossier.center, roles=ONE_STOP + SUPERVISORS + (Role.SPECIALIST,)
    ):
        raise NotAllowed(_("Bạn không được ghi nhận thu phí của hồ sơ này."))
    receipt = data.receipt.strip()[:60]
    if not receipt:
        raise InvalidInput(_("Hãy ghi số biên lai thu phí, lệ phí."), code="receipt_required")
    dossier.fee_paid_at = at
    dossier.fee_receipt = receipt
    dossier.status = target
    return "", {"receipt": receipt, "amount_vnd": dossier.fee_requested_vnd}


def _approve(dossier, *, actor, at, data, target):
    step = _need_step(dossier)
    if step.role != Role.LEADER:
        raise Conflict(_("Hồ sơ chưa đến bước phê duyệt của lãnh đạo."), code="not_approval_step")
    if not user_has_role(user=actor, center=step.center, roles=[Role.LEADER]):
        raise NotAllowed(_("Chỉ lãnh đạo được phê duyệt."), code="not_leader")
    dossier.approved_at = at
    dossier.approved_by = actor
    note, extra = "", {"approved": True}
    # Approved: the result goes on to the next step (back to the one-stop counter).
    if dossier.steps.filter(order__gt=step.order).exists():
        if step.assignee_id != actor.pk:
            step.assignee = actor
            step.save(update_fields=["assignee"])
        _note, handover = _forward(
            dossier, actor=actor, at=at, data=data, target=target, approving=True
        )
        extra.update(handover)
    dossier.status = target
    return note, extra


def _mark_processed(dossier, *, actor, at, data, target):
    from motcua.dossiers import services

    step = _need_step(dossier)
    _need_worker(actor, step)
    if dossier.steps.filter(order__gt=step.order).exists():
        raise Conflict(_("Hồ sơ chưa qua hết các bước của quy trình."), code="steps_remaining")
    needs_approval = dossier.steps.filter(role=Role.LEADER).exists()
    if needs_approval and dossier.approved_at is None:
        raise Conflict(_("Kết quả chưa được lãnh đạo phê duyệt."), code="not_approved")
    if not dossier.files.filter(is_result=True).exists():
        raise InvalidInput(
            _("Hãy đính kèm văn bản kết quả trước khi ghi nhận có kết quả."),
            code="result_missing",
        )
    calendar = center_calendar(center=dossier.center)
    timeliness = _finish_step(step, at=at, actor=actor, calendar=calendar)
    dossier.current_step = None
    dossier.processed_at = at
    dossier.timeliness = (
        Timeliness.LATE if dossier.apology_at else deadlines.classify(calendar, at, dossier.due_at)
    )
    dossier.status = target
    services._notify(
        dossier,
        Kind.RESULT_READY,
        {"delivery": dossier.result_delivery, "rating_url": rating_url(dossier)},
    )
    return "", {"timeliness": dossier.timeliness, "step_timeliness": timeliness}


def _withdraw(dossier, *, actor, at, data, target):
    if not user_has_role(user=actor, center=dossier.center, roles=ONE_STOP + SUPERVISORS):
        raise NotAllowed(_("Việc rút hồ sơ do bộ phận một cửa ghi nhận."))
    reason = _need_reason(data, _("rút hồ sơ"))
    _close_steps(dossier, at)
    dossier.closed_reason = reason
    dossier.status = target
    return reason, {}


def _stop(dossier, *, actor, at, data, target):
    step = _need_step(dossier) if dossier.current_step_id else None
    if step is not None:
        _need_worker(actor, step)
    reason = _need_reason(data, _("dừng xử lý"))
    _close_steps(dossier, at)
    dossier.closed_reason = reason
    dossier.status = target
    return reason, {}


def _refuse(dossier, *, actor, at, data, target):
    from motcua.dossiers import services

    step = _need_step(dossier)
    _need_worker(actor, step)
    reason = _need_reason(data, _("từ chối"))
    _close_steps(dossier, at)
    dossier.refusal_reasons = reason
    dossier.status = target
    services._issue_form(
        dossier, FormRecord.Form.REFUSAL, at=at, actor=actor,
        content={"reasons": reason, "after_review": True},
    )  # fmt: skip
    services._notify(dossier, Kind.DOSSIER_REFUSED, {"reason": reason[:300]})
    return reason, {}


def _apologize(dossier, *, actor, at, data, target):
    from motcua.dossiers import services

    step = dossier.current_step
    if step is not None:
        _need_worker(actor, step)
    if dossier.apology_at is not None:
        raise Conflict(
            _("Hồ sơ đã có một phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."),
            code="apology_once",
        )
    reason = _need_reason(data, _("hẹn lại"))
    if data.new_due_at is None or dossier.due_at is None or data.new_due_at <= dossier.due_at:
        raise InvalidInput(
            _("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."), code="invalid_new_due"
        )
    calendar = center_calendar(center=dossier.center)
    if not deadlines.at_least_a_working_day_before(calendar, at, dossier.due_at):
        raise Conflict(
            _(
                "Phiếu xin lỗi phải gửi trước hạn trả ít nhất một ngày làm việc; "
                "đã quá thời điểm đó."
            ),
            code="apology_too_late",
        )
    previous = dossier.due_at
    dossier.apology_at = at
    dossier.apology_reason = reason
    dossier.due_at = data.new_due_at
    dossier.overdue_marked_at = None
    dossier.due_warned_for = None
    dossier.due_basis = {
        **dossier.due_basis,
        "apology": {"at": at.isoformat(), "previous_due_at": previous.isoformat()},
    }
    if step is not None:
        deadlines.reschedule_open_steps(calendar, dossier, at, data.new_due_at)
    services._issue_form(
        dossier,
        FormRecord.Form.APOLOGY,
        at=at,
        actor=actor,
        content={
            "reason": reason,
            "previous_due_at": previous.isoformat(),
            "new_due_at": data.new_due_at.isoformat(),
        },
    )
    services._notify(
        dossier,
        Kind.APOLOGY_NEW_DATE,
        {"reason": reason[:300], "new_due_at": services._local_text(dossier, data.new_due_at)},
    )
    return reason, {
        "previous_due_at": previous.isoformat(),
        "new_due_at": data.new_due_at.isoformat(),
    }


def _close_steps(dossier: Dossier, at: datetime) -> None:
    step = dossier.current_step
    if step is not None and step.finished_at is None:
        step.finished_at = at
        step.save(update_fields=["finished_at"])
    dossier.current_step = None


_HANDLERS: dict[str, Any] = {
    Action.ASSIGN: _assign,
    Action.FORWARD: _forward,
    Action.SEND_BACK: _send_back,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.RECEIVE_SUPPLEMENT: _receive_supplement,
    Action.REQUEST_PAYMENT: _request_payment,
    Action.RECORD_PAYMENT: _record_payment,
    Action.APPROVE: _approve,
    Action.MARK_PROCESSED: _mark_processed,
    Action.WITHDRAW: _withdraw,
    Action.STOP: _stop,
    Action.REFUSE: _refuse,
    Action.APOLOGIZE: _apologize,
}


# --- Background work -----------------------------------------------------------------------


def dossiers_deadline_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Every few minutes: mark open dossiers past their due time overdue (an event, once), and
    warn the assignee and the center's leaders the working day before a due time (once per due
    time)."""
    from motcua.dossiers import services
    from motcua.notifications.models import ChannelKind
    from motcua.notifications.services import notification_enqueue

    at = now or timezone.now()
    counts = {"overdue": 0, "warned": 0}
    open_rows = Dossier.objects.filter(
        status__in=[Status.ACCEPTED, Status.PROCESSING, Status.WAITING_FEES],
        due_at__isnull=False,
    ).select_related("center", "current_step", "current_step__assignee", "procedure_version")
    for dossier in open_rows.filter(due_at__lt=at, overdue_marked_at__isnull=True):
        with transaction.atomic():
            locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
            if locked.overdue_marked_at is not None or locked.status not in (2, 4, 6):
                continue
            locked.overdue_marked_at = at
            locked.save(update_fields=["overdue_marked_at"])
            services._event(locked, Action.MARK_OVERDUE, locked.status, at=at, actor=None)
            counts["overdue"] += 1
    # One working day before a due time is never more than ten calendar days (Tết included).
    for dossier in open_rows.filter(due_at__gte=at, due_at__lte=at + timedelta(days=10)):
        if dossier.due_at is None:
            continue
        calendar = center_calendar(center=dossier.center)
        if deadlines.at_least_a_working_day_before(calendar, at, dossier.due_at):
            continue
        if dossier.due_warned_for == dossier.due_at:
            continue
        recipients = set()
        step = dossier.current_step
        if step is not None and step.assignee is not None and step.assignee.email:
            recipients.add(step.assignee.email)
        leaders = User.objects.filter(
            is_active=True, memberships__center=dossier.center, memberships__role=Role.LEADER
        ).exclude(email="")
        recipients.update(leaders.values_list("email", flat=True))
        with transaction.atomic():
            for email in sorted(recipients):
                notification_enqueue(
                    center=dossier.center,
                    kind=Kind.DOSSIER_DUE_SOON,
                    channel=ChannelKind.EMAIL,
                    recipient=email,
                    context={
                        "dossier_code": dossier.code,
                        "procedure_name": dossier.procedure_version.name[:120],
                        "due_at": services._local_text(dossier, dossier.due_at),
                        "step_name": step.name if step else "",
                    },
                    idempotency_key=f"dossier:{dossier.pk}:due-soon:{dossier.due_at.isoformat()}:{email}",
                )
            Dossier.objects.filter(pk=dossier.pk).update(due_warned_for=dossier.due_at)
        counts["warned"] += 1
    return counts


__all__ = [
    "ACTIONS",
    "ActionInput",
    "dossier_act",
    "dossiers_deadline_sweep",
    "least_loaded",
    "policy_for",
    "steps_create",
]
