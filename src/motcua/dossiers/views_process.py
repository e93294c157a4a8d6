"""Staff pages of the internal process: the work lists ("my dossiers", the department's, the
center's, with filters and bulk assignment) and, on the dossier's page, its steps, deadlines,
hand-overs and the moves the transition table and the official allow.

Every move posts to :func:`act` with the dossier's ``version`` as the page showed it: a page
left open while someone else acted is refused with a message, and nothing changes. Writes go
through ``processing.dossier_act`` (and ``services.dossier_attach`` for the result document).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.dossiers import processing, selectors, services, worklists
from motcua.dossiers.models import Dossier, DossierStep, Timeliness
from motcua.dossiers.workflow import TRANSITIONS, Action, Status
from motcua.errors import Conflict, ServiceError
from motcua.organization.models import Center, Department, Role
from motcua.organization.selectors import center_calendar, center_list_for_user, user_has_role

PAGE_SIZE = 30
BULK_LIMIT = 200
# The moves of the process, and the result document (attached, not a status change).
ATTACH_RESULT = "attach_result"
MOVES = frozenset({*processing.ACTIONS, ATTACH_RESULT})
TIMELINESS_BADGES: dict[str, str] = {
    Timeliness.EARLY: "badge--ok",
    Timeliness.ON_TIME: "badge--ok",
    Timeliness.LATE: "badge--err",
}
STATUS_CHOICES = [(s.value, s.label) for s in worklists.OPEN_STATUSES]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# --- Work lists -------------------------------------------------------------------------------


def _annotated(page_rows: list[Dossier], user: User) -> list[Dossier]:
    worklists.marks_for(page_rows, user)
    return page_rows


@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The official's open dossiers (their current step is theirs) and the unassigned steps
    they may take, the step due first at the top."""
    user = _user(request)
    page = Paginator(worklists.mine(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _annotated(list(page.object_list), user)
    return render(
        request,
        "dossiers/process/mine.html",
        {
            "page": page,
            "rows": rows,
            "counts": worklists.mine_counts(user),
            "has_department": bool(worklists.user_departments(user)),
            "query": "",
        },
    )


class _Filters:
    """The list's filters from the query string; anything not understood is not applied."""

    def __init__(self, request: HttpRequest, base) -> None:
        self.user = _user(request)
        get = request.GET
        self.step = (get.get("step") or "").strip()[:200]
        self.assignee = (get.get("assignee") or "").strip()[:150]
        status = _int(get.get("status"))
        self.status = status if status in dict(STATUS_CHOICES) else None
        timing = (get.get("timing") or "").strip()
        self.timing = timing if timing in ("overdue", "due_soon") else ""
        self.procedure = (get.get("procedure") or "").strip()[:64]
        self.q = (get.get("q") or "").strip()[:100]
        self.steps, self.procedures = worklists.filter_choices(base)

    def apply(self, rows, calendar):
        return worklists.filtered(
            rows,
            user=self.user,
            calendar=calendar,
            step=self.step,
            assignee=self.assignee,
            status=self.status,
            timing=self.timing,
            procedure=self.procedure,
            q=self.q,
        )

    def params(self, **extra: Any) -> dict[str, Any]:
        params = {
            "step": self.step,
            "assignee": self.assignee,
            "status": self.status or "",
            "timing": self.timing,
            "procedure": self.procedure,
            "q": self.q,
            **extra,
        }
        return {k: v for k, v in params.items() if v not in (None, "")}


def _list_page(
    request: HttpRequest,
    *,
    title: str,
    center: Center,
    base,
    scope: dict[str, Any],
    department: Department | None = None,
    choices: list | None = None,
) -> HttpResponse:
    user = _user(request)
    filters = _Filters(request, base)
    calendar = center_calendar(center=center)
    rows = filters.apply(base, calendar).order_by("current_step__due_at", "due_at", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_assign = user_has_role(user=user, center=center, roles=worklists.SUPERVISORS)
    return render(
        request,
        "dossiers/process/list.html",
        {
            "title": title,
            "center": center,
            "department": department,
            "choices": choices or [],
            "scope": scope,
            "filters": filters,
            "statuses": STATUS_CHOICES,
            "page": page,
            "rows": _annotated(list(page.object_list), user),
            "officials": list(worklists.officials(center, department)),
            "may_assign": may_assign,
            "query": urlencode({**scope, **filters.params()}),
            "here": request.get_full_path(),
        },
    )


@never_cache
@login_required
def work(request: HttpRequest) -> HttpResponse:
    """The center's open dossiers (accepted, processing, waiting for a supplement or fees)."""
    centers = worklists.work_centers(_user(request))
    if not centers:
        raise Http404(_("Bạn chưa được giao vai trò xem hồ sơ ở trung tâm nào."))
    code = (request.GET.get("center") or "").strip()
    center = next((c for c in centers if c.code == code), None) if code else centers[0]
    if center is None:
        raise Http404(_("Không có trung tâm này trong các trung tâm của bạn."))
    return _list_page(
        request,
        title=_("Hồ sơ đang xử lý của trung tâm"),
        center=center,
        base=worklists.center_dossiers(_user(request), center),
        scope={"center": center.code} if len(centers) > 1 else {},
        choices=[(c.code, c.name, c.pk == center.pk) for c in centers] if len(centers) > 1 else [],
    )


@never_cache
@login_required
def department(request: HttpRequest) -> HttpResponse:
    """The open dossiers whose current step is at the official's department."""
    departments = worklists.user_departments(_user(request))
    if not departments:
        return render(request, "dossiers/process/no_department.html", status=404)
    wanted = _int(request.GET.get("department"))
    chosen = next((d for d in departments if d.pk == wanted), None) if wanted else departments[0]
    if chosen is None:
        raise Http404(_("Không có phòng này trong các phòng của bạn."))
    return _list_page(
        request,
        title=_("Hồ sơ của phòng"),
        center=chosen.center,
        department=chosen,
        base=worklists.department_dossiers(_user(request), chosen),
        scope={"department": chosen.pk} if len(departments) > 1 else {},
        choices=[(d.pk, f"{d.name} – {d.center.name}", d.pk == chosen.pk) for d in departments]
        if len(departments) > 1
        else [],
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Give the ticked dossiers' current steps to one official (or each to the least loaded);
    every dossier in its own transaction: one refused does not undo the others."""
    user = _user(request)
    back = _safe_next(request, reverse("dossiers_staff:work"))
    if not center_list_for_user(user=user, roles=worklists.SUPERVISORS).exists():
        raise PermissionDenied(_("Chỉ lãnh đạo hoặc quản trị trung tâm được phân công hàng loạt."))
    codes = list(dict.fromkeys(c.strip() for c in request.POST.getlist("codes") if c.strip()))
    if not codes:
        messages.error(request, _("Hãy đánh dấu ít nhất một hồ sơ để phân công."))
        return redirect(back)
    if len(codes) > BULK_LIMIT:
        messages.error(request, _("Mỗi lần phân công tối đa %(n)s hồ sơ.") % {"n": BULK_LIMIT})
        return redirect(back)
    assignee = (request.POST.get("assignee") or "").strip()[:150]
    done = 0
    failed: list[str] = []
    for code in codes:
        try:
            dossier = selectors.dossier_get_for_user(user=user, code=code)
            processing.dossier_act(
                actor=user,
                dossier=dossier,
                action=Action.ASSIGN,
                data=processing.ActionInput(assignee=assignee),
            )
        except ServiceError as problem:
            failed.append(f"{code[:60]}: {problem.message}")
        else:
            done += 1
    if done:
        messages.success(request, _("Đã phân công %(n)s hồ sơ.") % {"n": done})
    if failed:
        messages.error(
            request,
            _("Chưa phân công được %(n)s hồ sơ: %(list)s")
            % {"n": len(failed), "list": "; ".join(failed)},
        )
    return redirect(back)


# --- The dossier page ------------------------------------------------------------------------


def _local_input(value: datetime | None, zone: str) -> str:
    """A time as a datetime-local input shows it, in the center's zone."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _parse_local(text: str, zone: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
        try:
            naive = datetime.strptime(text[:16], pattern)  # noqa: DTZ007 - zone added below
        except ValueError:
            continue
        return naive.replace(tzinfo=ZoneInfo(zone))
    raise ValueError(text)


def _amount(text: str) -> int | None:
    digits = re.sub(r"[\s.,đĐ]|VND|vnd", "", text or "")
    if not digits:
        return None
    if not digits.isdigit() or len(digits) > 15:
        raise ValueError(text)
    return int(digits)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _unit(step: DossierStep) -> str:
    if step.department is not None:
        return f"{step.department.name} – {step.center.name}"
    return step.center.name


def _handovers(events: list[Any], names: dict[str, str], home: str) -> dict[int, dict[str, Any]]:
    """The hand-over line of each event that moved the dossier between people or steps (the
    unit is named when it is not the dossier's own center: a department, another agency)."""
    lines: dict[int, dict[str, Any]] = {}
    for event in events:
        data = event.data or {}
        if event.action == Action.ATTACH and data.get("result"):
            lines[event.pk] = {"result_files": data.get("files") or []}
        elif "from_step" in data:
            timeliness = data.get("timeliness") or ""
            lines[event.pk] = {
                "from": data.get("from_name", ""),
                "from_unit": data.get("from_unit", ""),
                "to": data.get("to_name", ""),
                "to_unit": "" if data.get("to_unit") == home else data.get("to_unit", ""),
                "giver": data.get("giver", ""),
                "receiver": data.get("receiver", ""),
                "timeliness": str(Timeliness(timeliness).label)
                if timeliness in Timeliness.values
                else "",
                "badge": TIMELINESS_BADGES.get(timeliness, ""),
                "send_back": bool(data.get("send_back")),
            }
        elif event.action == Action.ASSIGN and "receiver" in data:
            lines[event.pk] = {
                "giver": names.get(data.get("giver", ""), data.get("giver", "")),
                "receiver": names.get(data["receiver"], data["receiver"]),
                "assign": True,
            }
    return lines


def _form05_url(dossier: Dossier) -> str:
    """Form 05 made on demand, when that page exists."""
    try:
        return reverse("dossiers_staff:form05", kwargs={"code": dossier.code})
    except NoReverseMatch:
        return ""


def _targets(dossier: Dossier) -> list[dict[str, Any]]:
    """Where an inter-agency step may go: a department of this center, another center of the
    province, or one of its departments."""
    centers = list(
        Center.objects.filter(province_id=dossier.center.province_id, is_active=True)
        .prefetch_related("departments")
        .order_by("name")
    )
    centers.sort(key=lambda c: c.pk != dossier.center_id)
    groups = []
    for center in centers:
        options = []
        if center.pk != dossier.center_id:
            options.append((f"{center.code}|", _("Cả cơ quan: %(name)s") % {"name": center.name}))
        options.extend(
            (f"{center.code}|{dept.code}", dept.name) for dept in center.departments.all()
        )
        if options:
            groups.append({"center": center, "options": options})
    return groups


def process_context(
    request: HttpRequest,
    dossier: Dossier,
    *,
    events: list[Any] | None = None,
    values: dict[str, str] | None = None,
    error: str = "",
    failed: str = "",
) -> dict[str, Any]:
    """The process part of the dossier's page: steps, deadlines, hand-overs, and the moves."""
    user = _user(request)
    tz = dossier.center.time_zone
    steps = list(
        dossier.steps.select_related("center", "department", "assignee", "finished_by").order_by(
            "order", "id"
        )
    )
    step = next((s for s in steps if s.pk == dossier.current_step_id), None)
    status = dossier.status
    accepted = dossier.accepted_at is not None

    def table(action: str) -> bool:
        return accepted and status in TRANSITIONS[action][0]

    may_work = step is not None and processing.may_work_on(user, dossier)
    staff_here = worklists.step_staff(step) if step is not None else []
    one_stop = user_has_role(user=user, center=dossier.center, roles=processing.ONE_STOP)
    supervisor = step is not None and user_has_role(
        user=user, center=step.center, roles=processing.SUPERVISORS
    )
    center_supervisor = user_has_role(
        user=user, center=dossier.center, roles=processing.SUPERVISORS
    )
    after = [s for s in steps if step is not None and (s.order, s.pk) > (step.order, step.pk)]
    before = [s for s in steps if step is not None and s.order < step.order]
    next_step = after[0] if after else None
    has_result = dossier.files.filter(is_result=True).exists()
    needs_approval = any(s.role == Role.LEADER for s in steps)
    calendar = center_calendar(center=dossier.center)
    now = timezone.now()
    at_step = step is not None and table(Action.FORWARD)
    can = {
        "take": bool(
            step is not None
            and table(Action.ASSIGN)
            and not supervisor
            and step.assignee_id is None
            and any(u.pk == user.pk for u in staff_here)
        ),
        "assign": bool(step is not None and table(Action.ASSIGN) and supervisor),
        "forward": bool(at_step and may_work and step and step.role != Role.LEADER),
        "send_back": bool(step is not None and table(Action.SEND_BACK) and may_work and before),
        "request_supplement": bool(
            step is not None and table(Action.REQUEST_SUPPLEMENT) and may_work
        ),
        "receive_supplement": table(Action.RECEIVE_SUPPLEMENT) and (one_stop or center_supervisor),
        "request_payment": bool(step is not None and table(Action.REQUEST_PAYMENT) and may_work),
        "record_payment": table(Action.RECORD_PAYMENT)
        and user_has_role(
            user=user,
            center=dossier.center,
            roles=(*processing.ONE_STOP, *processing.SUPERVISORS, Role.SPECIALIST),
        ),
        "approve": bool(
            step is not None
            and table(Action.APPROVE)
            and step.role == Role.LEADER
            and user_has_role(user=user, center=step.center, roles=[Role.LEADER])
        ),
        "attach_result": bool(step is not None and status == Status.PROCESSING and may_work),
        "mark_processed": bool(
            step is not None and table(Action.MARK_PROCESSED) and may_work and not after
        ),
        "withdraw": table(Action.WITHDRAW) and (one_stop or center_supervisor),
        "stop": table(Action.STOP) and (step is None or may_work),
        "refuse": bool(step is not None and table(Action.REFUSE) and may_work),
        "apologize": bool(
            table(Action.APOLOGIZE)
            and dossier.apology_at is None
            and dossier.due_at is not None
            and (step is None or may_work)
        ),
    }
    apology_too_late = bool(
        can["apologize"]
        and dossier.due_at is not None
        and not _at_least_a_day_before(calendar, now, dossier.due_at)
    )
    names = {
        u.get_username(): _name(u)
        for u in User.objects.filter(
            username__in={
                str(value)
                for event in (events or [])
                for key, value in (event.data or {}).items()
                if key in ("giver", "receiver") and event.action == Action.ASSIGN
            }
        )
    }
    form_values = {
        "amount_vnd": str(dossier.fee_requested_vnd or dossier.fee_total_vnd or ""),
        "new_due_at": "",
        "step_due_at": _local_input(step.due_at if step else None, tz),
        **{key: value for key, value in (values or {}).items() if value},
    }
    return {
        "steps": steps,
        "step": step,
        "next_step": next_step,
        "next_staff": worklists.step_staff(next_step) if next_step is not None else [],
        "staff": staff_here,
        "can": can,
        "any_move": any(can.values()),
        "has_result": has_result,
        "result_files": [f for f in dossier.files.all() if f.is_result],
        "needs_approval": needs_approval and dossier.approved_at is None,
        "apology_too_late": apology_too_late,
        "targets": _targets(dossier) if can["forward"] else [],
        "handovers": _handovers(events or [], names, dossier.center.name),
        "roles": dict(Role.choices),
        "badges": TIMELINESS_BADGES,
        "version": dossier.version,
        "values": form_values,
        "error": error,
        "failed": failed,
        "failed_label": _("Đính kèm văn bản kết quả")
        if failed == ATTACH_RESULT
        else (str(Action(failed).label) if failed in Action.values else ""),
        "form05_url": _form05_url(dossier),
        "paused": status == Status.SUPPLEMENT and dossier.paused_at is not None,
        "overdue": bool(
            status in worklists.CLOCK_RUNS and dossier.due_at is not None and dossier.due_at < now
        ),
        "me": user,
    }


def _at_least_a_day_before(calendar, now: datetime, due: datetime) -> bool:
    from motcua.dossiers.deadlines import at_least_a_working_day_before

    return at_least_a_working_day_before(calendar, now, due)


def _read(request: HttpRequest, dossier: Dossier) -> tuple[processing.ActionInput, dict, str]:
    """The posted move's input (and what was typed, to show again); a message when it cannot
    be read."""
    post = request.POST
    tz = dossier.center.time_zone
    values = {
        key: (post.get(key) or "").strip()[:4000]
        for key in (
            "assignee",
            "reason",
            "items",
            "amount_vnd",
            "receipt",
            "new_due_at",
            "target",
            "step_due_at",
            "delivery",
            "postal_tracking",
            "note",
        )
    }
    data = processing.ActionInput(
        assignee=values["assignee"][:150],
        reason=values["reason"] or values["note"],
        items=[line.strip() for line in values["items"].splitlines() if line.strip()],
        receipt=values["receipt"][:60],
        delivery=values["delivery"],
        postal_tracking=values["postal_tracking"][:40],
    )
    version = _int(post.get("version"))
    if version is None:
        return data, values, _("Trang không còn hợp lệ; hãy mở lại hồ sơ rồi thao tác.")
    data.version = version
    try:
        data.amount_vnd = _amount(values["amount_vnd"])
    except ValueError:
        return data, values, _("Số tiền phải là số đồng, ví dụ 50000.")
    try:
        data.new_due_at = _parse_local(values["new_due_at"], tz)
        data.step_due_at = _parse_local(values["step_due_at"], tz)
    except ValueError:
        return data, values, _("Thời điểm không hợp lệ; hãy chọn ngày và giờ.")
    if values["target"]:
        center, _sep, dept = values["target"].partition("|")
        data.to_center = "" if center == dossier.center.code else center[:64]
        data.to_department = dept[:64]
        if not data.to_center and not data.to_department:
            return data, values, _("Hãy chọn phòng hoặc cơ quan nhận hồ sơ liên thông.")
    return data, values, ""


@login_required
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """One move on the dossier, from its page. A refused move shows its message on the page,
    with what was typed, and nothing is changed."""
    from motcua.dossiers import views_staff

    if action not in MOVES:
        raise Http404(_("Không có thao tác này."))
    user = _user(request)
    dossier = views_staff._dossier(request, code)
    data, values, problem = _read(request, dossier)
    status = 400
    code_of_error = ""
    if not problem:
        try:
            if action == ATTACH_RESULT:
                _attach_result(request, user, dossier, data.version)
            else:
                dossier = processing.dossier_act(
                    actor=user, dossier=dossier, action=action, data=data
                )
        except ServiceError as error:
            problem = error.message
            code_of_error = error.code
            status = error.status if error.status in (403, 404, 409) else 400
        else:
            messages.success(request, _done(action, dossier))
            return redirect("dossiers_staff:detail", code=dossier.code)
    # Shown again as it is now (someone else may have moved it), with the message.
    dossier = views_staff._dossier(request, code)
    options: dict[str, Any] = {"values": values, "error": problem, "failed": action}
    extra: dict[str, Any] = {}
    if action == Action.RETURN_RESULT:
        extra["return_values"] = {
            "delivery": values["delivery"],
            "postal_tracking": values["postal_tracking"],
            "note": values["note"],
        }
        field = {"tracking_needed": "postal_tracking", "invalid_delivery": "delivery"}
        if code_of_error in field:
            extra["errors"] = {field[code_of_error]: problem}
    context = views_staff._detail_context(request, dossier, process_options=options, **extra)
    return render(request, "dossiers/staff/detail.html", context, status=status)


def _attach_result(request: HttpRequest, user: User, dossier: Dossier, version: int | None):
    if version is not None and version != dossier.version:
        raise Conflict(
            _("Hồ sơ vừa được người khác xử lý. Hãy mở lại hồ sơ trước khi thao tác."),
            code="dossier_changed",
        )
    uploads = [services.Upload(file=f) for f in request.FILES.getlist("files")]
    services.dossier_attach(actor=user, dossier=dossier, uploads=uploads, result=True)


def _done(action: str, dossier: Dossier) -> str:
    if action == ATTACH_RESULT:
        return _("Đã đính kèm văn bản kết quả cho hồ sơ %(code)s.") % {"code": dossier.code}
    return _("Đã ghi nhận “%(action)s” cho hồ sơ %(code)s.") % {
        "action": Action(action).label,
        "code": dossier.code,
    }


__all__ = ["act", "bulk_assign", "department", "mine", "process_context", "work"]
