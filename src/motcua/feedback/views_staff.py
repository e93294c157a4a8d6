"""Staff pages: the satisfaction figures (per official, counter, service, procedure, center and
period, with the Decision 766 figure), dissatisfied ratings to review, and the feedback register
(paper box, hotline, online) with its answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from motcua.errors import ServiceError
from motcua.feedback import indicators, selectors, services
from motcua.feedback.forms import feedback_input
from motcua.feedback.models import Feedback, Rating, SurveyQuestion
from motcua.feedback.workflow import ACTION_LABELS, Action, Status
from motcua.organization.models import Center
from motcua.organization.selectors import center_list_for_user, center_now

GROUP_LABELS = {
    "official": gettext_lazy("Cán bộ"),
    "counter": gettext_lazy("Quầy"),
    "service": gettext_lazy("Dịch vụ"),
    "procedure": gettext_lazy("Thủ tục"),
    "center": gettext_lazy("Trung tâm"),
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _period(request: HttpRequest, zone: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    """The chosen local dates (default: this month so far) and their UTC bounds [start, end)."""
    today = timezone.now().astimezone(zone).date()
    start_day = parse_date(request.GET.get("from", "") or "") or today.replace(day=1)
    end_day = parse_date(request.GET.get("to", "") or "") or today
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    start = datetime.combine(start_day, time.min, tzinfo=zone)
    end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=zone)
    return start_day, end_day, start, end


def _chosen(centers: list[Center], code: str) -> list[Center]:
    if code:
        chosen = [c for c in centers if c.code == code]
        if chosen:
            return chosen
    return centers


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    centers = list(selectors.rating_centers(user=_user(request)))
    if not centers:
        raise Http404
    code = request.GET.get("center", "")
    chosen = _chosen(centers, code)
    zone = ZoneInfo(chosen[0].time_zone)
    start_day, end_day, start, end = _period(request, zone)
    group = request.GET.get("group", "official")
    if group not in selectors.GROUPS:
        group = "official"
    ids = [c.pk for c in chosen]
    context: dict[str, Any] = {
        "centers": centers,
        "center_code": code if len(chosen) == 1 and code else "",
        "start_day": start_day,
        "end_day": end_day,
        "group": group,
        "groups": [(key, GROUP_LABELS[key]) for key in selectors.GROUPS],
        "group_label": GROUP_LABELS[group],
        "counts": selectors.rating_counts(center_ids=ids, start=start, end=end),
        "rows": selectors.rating_table(center_ids=ids, start=start, end=end, group=group),
        "s766": indicators.satisfaction_766(center_ids=ids, start=start, end=end),
        "to_review": selectors.dissatisfied_to_review(center_ids=ids)[:50],
        "comments": selectors.rating_list(center_ids=ids, start=start, end=end)
        .exclude(comment="")
        .select_related("counter", "official")[:30],
    }
    return render(request, "feedback/staff_ratings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rating = (
        Rating.objects.select_related(
            "center", "counter", "official", "service", "procedure", "dossier", "ticket"
        )
        .filter(pk=pk, center__in=selectors.rating_centers(user=user))
        .first()
    )
    if rating is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.rating_review(actor=user, rating=rating, note=request.POST.get("note", ""))
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, _("Đã ghi nhận kết quả xem xét."))
            return redirect("feedback_staff:rating", pk=rating.pk)
    may_review = selectors.feedback_centers(user=user).filter(pk=rating.center_id).exists()
    answers = []
    if rating.answers:
        questions = {
            str(q.pk): q for q in SurveyQuestion.objects.filter(pk__in=list(rating.answers))
        }
        for key, value in rating.answers.items():
            question = questions.get(key)
            answers.append((question.text if question else key, value))
    return render(
        request,
        "feedback/staff_rating.html",
        {"rating": rating, "error": error, "may_review": may_review, "answers": answers},
    )


# --- Feedback register ----------------------------------------------------------------------


def _staff_centers(user: User) -> list[Center]:
    return list(
        center_list_for_user(
            user=user, roles=set(selectors.FEEDBACK_ROLES) | set(selectors.FEEDBACK_ENTRY_ROLES)
        ).order_by("name")
    )


@login_required
def feedback_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    manage = list(selectors.feedback_centers(user=user))
    entry = _staff_centers(user)
    assigned = Feedback.objects.filter(assignee=user, status=Status.ASSIGNED)
    if not manage and not entry and not assigned.exists():
        raise Http404
    status = request.GET.get("status", "open")
    if status not in {"open", ""} | set(Status.values):
        status = "open"
    category = request.GET.get("category", "")
    if category not in Feedback.Category.values:
        category = ""
    code = request.GET.get("center", "")
    chosen = _chosen(manage, code)
    items = selectors.feedback_list(
        center_ids=[c.pk for c in chosen], status=status, category=category
    )
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/staff_list.html",
        {
            "page": page,
            "centers": manage,
            "center_code": code,
            "status": status,
            "statuses": Status.choices,
            "category": category,
            "categories": Feedback.Category.choices,
            "assigned": assigned.select_related("center"),
            "may_enter": bool(entry),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_new(request: HttpRequest) -> HttpResponse:
    """Staff type in a letter from the paper box, a hotline call or a visit."""
    user = _user(request)
    centers = list(
        center_list_for_user(user=user, roles=selectors.FEEDBACK_ENTRY_ROLES).order_by("name")
    )
    if not centers:
        raise Http404
    context: dict[str, Any] = {
        "centers": centers,
        "sources": [
            (value, label)
            for value, label in Feedback.Source.choices
            if value != Feedback.Source.ONLINE
        ],
        "categories": Feedback.Category.choices,
        "values": request.POST,
        "errors": {},
    }
    if request.method == "POST":
        center = next((c for c in centers if c.code == request.POST.get("center")), None)
        raw_when = request.POST.get("received_at", "").strip()
        received_at = None
        try:
            if center is None:
                raise ServiceError(_("Hãy chọn trung tâm."), code="invalid_input")
            if raw_when:
                parsed = parse_datetime(raw_when)
                if parsed is None:
                    raise ServiceError(_("Thời điểm nhận không hợp lệ."), code="invalid_input")
                if timezone.is_naive(parsed):
                    parsed = parsed.replace(tzinfo=ZoneInfo(center.time_zone))
                received_at = parsed
            item = services.feedback_submit(
                center=center,
                data=feedback_input(request.POST),
                source=request.POST.get("source", ""),
                actor=user,
                received_at=received_at,
            )
        except ServiceError as error:
            context["error"] = error.message
            context["errors"] = error.details.get("errors", {})
            return render(request, "feedback/staff_new.html", context, status=400)
        messages.success(
            request,
            _("Đã ghi nhận góp ý số %(n)s. Mã tra cứu: %(code)s")
            % {"n": f"{item.number}/{item.year}", "code": item.code},
        )
        return redirect("feedback_staff:detail", pk=item.pk)
    return render(request, "feedback/staff_new.html", context)


@login_required
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        item = selectors.feedback_get_for_user(user=user, pk=pk)
    except ServiceError as error:
        raise Http404 from error
    manager = selectors.feedback_centers(user=user).filter(pk=item.center_id).exists()
    assignable = [
        u
        for u in User.objects.filter(
            memberships__center=item.center,
            memberships__role__in=selectors.FEEDBACK_ASSIGNABLE_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    ]
    return render(
        request,
        "feedback/staff_detail.html",
        {
            "item": item,
            "events": [
                (event, ACTION_LABELS.get(event.action, event.action))
                for event in item.events.select_related("actor").order_by("at", "id")
            ],
            "manager": manager,
            "is_assignee": item.assignee_id == user.pk,
            "assignable": assignable,
            "received_local": center_now(center=item.center, now=item.received_at),
            "overdue": item.status in (Status.RECEIVED, Status.ASSIGNED)
            and item.due_at < timezone.now(),
        },
    )


@login_required
@require_POST
def feedback_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        item = selectors.feedback_get_for_user(user=user, pk=pk)
    except ServiceError as error:
        raise Http404 from error
    action = request.POST.get("action", "")
    version = request.POST.get("version", "")
    try:
        services.feedback_act(
            actor=user,
            item=item,
            action=action,
            version=int(version) if version.isdigit() else None,
            assignee=request.POST.get("assignee", ""),
            answer=request.POST.get("answer", ""),
            publish=bool(request.POST.get("publish")),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        done = {
            Action.ASSIGN: _("Đã giao xử lý."),
            Action.ANSWER: _("Đã lưu câu trả lời."),
            Action.PUBLISH: _("Đã công khai câu trả lời."),
            Action.UNPUBLISH: _("Đã thôi công khai câu trả lời."),
            Action.CLOSE: _("Đã đóng góp ý."),
            Action.REOPEN: _("Đã mở lại góp ý."),
        }
        messages.success(request, done.get(action, _("Đã lưu.")))
    return redirect("feedback_staff:detail", pk=pk)
