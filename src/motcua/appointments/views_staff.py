"""Staff pages of appointments: the day's list per service and counter (cancel, check in at the
desk, mark a no-show after the window, and the bookings that lost their slot), and booking on
behalf of a caller on the phone. Staff see only the centers they work at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from motcua.appointments import selectors, services
from motcua.appointments.models import Appointment
from motcua.appointments.workflow import OPEN, Status
from motcua.errors import InvalidInput, ServiceError
from motcua.organization.models import Center
from motcua.organization.selectors import center_list_for_user, center_now
from motcua.queueing.models import QueueService
from motcua.queueing.workflow import status_label as ticket_status_label

BOOKED_KEY = "appointments_staff_booked"
# How many free slots the "move to" choice of a booking without a slot offers.
MOVE_CHOICES = 48

STATUS_BADGES = {
    Status.RESERVED: "badge--warn",
    Status.CONFIRMED: "",
    Status.CHECKED_IN: "badge--ok",
    Status.NO_SHOW: "badge--err",
    Status.CANCELLED: "",
    Status.EXPIRED: "",
}


def _user(request: HttpRequest) -> User:
    """Behind log-in: the request's user is a real one."""
    return cast(User, request.user)


def _centers(user: User) -> list[Center]:
    return list(
        center_list_for_user(user=user, roles=selectors.STAFF_ROLES)
        .filter(is_active=True)
        .order_by("name")
    )


def _center(user: User, code: str) -> tuple[Center, list[Center]]:
    """The center named by ``code`` among the user's (the first one when none is named)."""
    centers = _centers(user)
    if not centers:
        raise PermissionDenied(_("Bạn không làm việc ở trung tâm nào."))
    if not code:
        return centers[0], centers
    center = next((c for c in centers if c.code == code), None)
    if center is None:
        raise Http404(_("Không có trung tâm này trong các trung tâm bạn làm việc."))
    selectors.staff_check(user=user, center=center)
    return center, centers


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _local(center: Center, moment: datetime) -> datetime:
    return center_now(center=center, now=moment)


# --- The day's list ---------------------------------------------------------------------------


@dataclass
class Row:
    appointment: Appointment
    can_cancel: bool = False
    can_check_in: bool = False
    can_no_show: bool = False
    badge: str = ""
    ticket_status: str = ""


@dataclass
class Group:
    service: QueueService
    counters: list[str]
    rows: list[Row] = field(default_factory=list)


def _rows(
    center: Center, appointments: Iterable[Appointment], now: datetime
) -> tuple[list[Group], dict[str, int]]:
    policy = selectors.policy_for(center)
    before = timedelta(minutes=policy.checkin_before_minutes)
    after = timedelta(minutes=policy.checkin_after_minutes)
    groups: dict[int, Group] = {}
    counts: dict[str, int] = {}
    for appointment in appointments:
        service = appointment.service
        if service.pk not in groups:
            groups[service.pk] = Group(
                service=service,
                counters=[
                    f"{counter.number} – {counter.name}" if counter.name else str(counter.number)
                    for counter in service.counters.filter(is_active=True).order_by("number")
                ],
            )
        confirmed = appointment.status == Status.CONFIRMED
        groups[service.pk].rows.append(
            Row(
                appointment=appointment,
                can_cancel=appointment.status in OPEN and appointment.end > now,
                can_check_in=confirmed
                and appointment.start - before <= now <= appointment.start + after,
                can_no_show=confirmed and now > appointment.start + after,
                badge=STATUS_BADGES.get(Status(appointment.status), ""),
                ticket_status=ticket_status_label(appointment.ticket.status)
                if appointment.ticket
                else "",
            )
        )
        counts[appointment.status] = counts.get(appointment.status, 0) + 1
    ordered = sorted(groups.values(), key=lambda g: (g.service.order, g.service.name))
    return ordered, counts


def _move_choices(
    problems: list[selectors.SlotProblem], now: datetime
) -> dict[int, list[tuple[str, str]]]:
    """Per service of the problem bookings: the free slots of the booking window to move to."""
    choices: dict[int, list[tuple[str, str]]] = {}
    for problem in problems:
        service = problem.appointment.service
        if service.pk in choices or not service.is_active:
            continue
        options: list[tuple[str, str]] = []
        for day, remaining in selectors.days_with_slots(service=service, now=now):
            if not remaining:
                continue
            for slot in selectors.slot_list(service=service, day=day, now=now):
                if slot.remaining:
                    local = _local(service.center, slot.start)
                    options.append(
                        (
                            slot.start.isoformat(),
                            _("%(day)s lúc %(time)s (còn %(n)s chỗ)")
                            % {
                                "day": f"{local:%d/%m/%Y}",
                                "time": f"{local:%H:%M}",
                                "n": slot.remaining,
                            },
                        )
                    )
            if len(options) >= MOVE_CHOICES:
                break
        choices[service.pk] = options[:MOVE_CHOICES]
    return choices


def _back(center: Center, data: Any) -> str:
    """The day list as it was shown (center, day, service, problems) for the redirect."""
    query = {"center": center.code}
    for key in ("date", "service", "problems"):
        if data.get(key):
            query[key] = data[key]
    return reverse("appointments:staff-day") + "?" + urlencode(query)


def _act(request: HttpRequest, center: Center) -> None:
    """One action of the list: cancel, check in, no-show or move; the outcome as a message."""
    user = _user(request)
    action = request.POST.get("action", "")
    code = request.POST.get("code", "").strip().upper()
    try:
        if action == "cancel":
            services.appointment_cancel(code=code, secret=None, actor=user)
            messages.success(request, _("Đã hủy lịch hẹn %(code)s.") % {"code": code})
        elif action == "check_in":
            appointment, ticket = services.appointment_check_in(
                center=center, scan=code, actor=user
            )
            messages.success(
                request,
                _("Đã lấy số %(ticket)s cho lịch hẹn %(code)s (%(service)s).")
                % {"ticket": ticket.display, "code": code, "service": appointment.service.name},
            )
        elif action == "no_show":
            services.appointment_mark_no_show(actor=user, code=code)
            messages.success(
                request, _("Đã ghi nhận lịch hẹn %(code)s không đến.") % {"code": code}
            )
        elif action == "move":
            try:
                start = datetime.fromisoformat(request.POST.get("start", ""))
            except ValueError:
                raise InvalidInput(_("Hãy chọn giờ hẹn mới.")) from None
            appointment = services.appointment_reschedule(
                code=code, secret=None, start=start, actor=user
            )
            messages.success(
                request,
                _("Đã chuyển lịch hẹn %(code)s sang %(start)s; hãy báo cho người đặt.")
                % {"code": code, "start": f"{_local(center, appointment.start):%H:%M %d/%m/%Y}"},
            )
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except ServiceError as error:
        messages.error(request, error.message)


@never_cache
@login_required
def day_list(request: HttpRequest) -> HttpResponse:
    """``/staff/appointments/?center=&date=&service=`` (``&problems=1``: only the bookings that
    lost their slot)."""
    user = _user(request)
    data = request.POST if request.method == "POST" else request.GET
    center, centers = _center(user, data.get("center", ""))
    if request.method == "POST":
        _act(request, center)
        return redirect(_back(center, request.POST))

    now = timezone.now()
    today = _local(center, now).date()
    day = today
    if request.GET.get("date"):
        parsed = _parse_day(request.GET["date"])
        if parsed is None:
            messages.error(request, _("Ngày không hợp lệ; đang xem hôm nay."))
        else:
            day = parsed
    service_options = list(selectors.staff_services(center))
    service = next((s for s in service_options if s.code == request.GET.get("service")), None)
    only_problems = request.GET.get("problems") == "1"

    problems = selectors.appointments_without_slot(center, now)
    groups: list[Group] = []
    counts: dict[str, int] = {}
    if not only_problems:
        rows = selectors.day_list(user=user, center=center, day=day, service=service)
        groups, counts = _rows(center, rows, now)
    query = {"center": center.code, "date": day.isoformat()}
    if service is not None:
        query["service"] = service.code
    return render(
        request,
        "appointments/staff_day.html",
        {
            "center": center,
            "centers": centers,
            "day": day,
            "today": today,
            "previous": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
            "service": service,
            "service_options": service_options,
            "groups": groups,
            "total": sum(counts.values()),
            "summary": [
                (Status(status).label, counts[status])
                for status in Status.values
                if counts.get(status)
            ],
            "problems": problems,
            "move_choices": _move_choices(problems, now) if problems else {},
            "only_problems": only_problems,
            "query": urlencode(query),
            "problems_url": reverse("appointments:staff-day")
            + "?"
            + urlencode({"center": center.code, "problems": "1"}),
        },
    )


# --- Booking on behalf of a caller --------------------------------------------------------------


FIELDS = ("name", "phone", "email", "id_number", "procedure")


def _booking_context(
    request: HttpRequest, center: Center, data: Any, now: datetime
) -> dict[str, Any]:
    """The choices of the booking form for what is chosen so far (service, then day)."""
    service_options = list(selectors.bookable_services(center))
    service = next((s for s in service_options if s.code == data.get("service")), None)
    if service is None and len(service_options) == 1:
        service = service_options[0]
    days: list[tuple[date, int]] = []
    day = None
    slots: list[selectors.DaySlot] = []
    procedures: list[Any] = []
    if service is not None:
        days = selectors.days_with_slots(service=service, now=now)
        day = _parse_day(data.get("date", "")) if data.get("date") else None
        if day is None or day not in {d for d, _n in days}:
            day = next((d for d, remaining in days if remaining), None)
        if day is not None:
            slots = selectors.slot_list(service=service, day=day, now=now)
        procedures = list(selectors.service_procedures(service).only("code", "name"))
    return {
        "center": center,
        "service_options": service_options,
        "service": service,
        "days": days,
        "day": day,
        "slots": slots,
        "procedures": procedures,
        "values": {name: data.get(name, "") for name in (*FIELDS, "start")},
        "consent": data.get("consent") == "on",
        "policy": selectors.policy_for(center),
    }


def _remember(request: HttpRequest, code: str, secret: str) -> None:
    booked = dict(request.session.get(BOOKED_KEY, {}))
    booked[code] = secret
    # The last few only: enough to read the link out again, nothing kept for long.
    request.session[BOOKED_KEY] = dict(list(booked.items())[-5:])


def _done(request: HttpRequest, center: Center, code: str) -> HttpResponse:
    secret = request.session.get(BOOKED_KEY, {}).get(code)
    appointment = (
        Appointment.objects.select_related("service", "procedure")
        .filter(center=center, code=code)
        .first()
    )
    if appointment is None or secret is None:
        raise Http404(_("Không có lịch hẹn này trong các lịch bạn vừa đặt."))
    manage_url = request.build_absolute_uri(
        reverse("appointments:manage", args=[appointment.code])
        + "?"
        + urlencode({"secret": secret})
    )
    local = _local(center, appointment.start)
    sms = _(
        "Lịch hẹn %(code)s lúc %(time)s ngày %(day)s tại %(center)s (%(service)s). "
        "Xem, đổi, hủy: %(url)s"
    ) % {
        "code": appointment.code,
        "time": f"{local:%H:%M}",
        "day": f"{local:%d/%m/%Y}",
        "center": center.name,
        "service": appointment.service.name,
        "url": manage_url,
    }
    return render(
        request,
        "appointments/staff_booked.html",
        {
            "center": center,
            "appointment": appointment,
            "manage_url": manage_url,
            "sms": sms,
            "day_url": reverse("appointments:staff-day")
            + "?"
            + urlencode({"center": center.code, "date": appointment.day.isoformat()}),
            "again_url": reverse("appointments:staff-book")
            + "?"
            + urlencode({"center": center.code, "service": appointment.service.code}),
        },
    )


@never_cache
@login_required
def book_for_caller(request: HttpRequest) -> HttpResponse:
    """``/staff/appointments/book/``: choose the service, the day and a slot, take the caller's
    name and phone (email, ID and procedure optional); the booking is made and confirmed at
    once and its code and link are shown to read out."""
    user = _user(request)
    data = request.POST if request.method == "POST" else request.GET
    center, centers = _center(user, data.get("center", ""))
    if request.method == "GET" and request.GET.get("done"):
        return _done(request, center, request.GET["done"].strip().upper())

    now = timezone.now()
    context = _booking_context(request, center, data, now)
    context["centers"] = centers
    context["errors"] = {}
    context["error"] = ""
    if request.method != "POST":
        return render(request, "appointments/staff_book.html", context)

    errors: dict[str, str] = {}
    service = context["service"]
    start = None
    if service is None:
        errors["service"] = _("Chọn dịch vụ.")
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError:
        errors["start"] = _("Chọn giờ hẹn.")
    if request.POST.get("consent") != "on":
        errors["consent"] = _("Hãy hỏi và đánh dấu rằng người gọi đồng ý.")
    if not errors and service is not None and start is not None:
        try:
            with transaction.atomic():
                appointment, secret = services.appointment_reserve(
                    center=center,
                    service_code=service.code,
                    start=start,
                    name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                    email=request.POST.get("email", ""),
                    id_number=request.POST.get("id_number", ""),
                    procedure_code=request.POST.get("procedure", ""),
                    actor=user,
                    source=Appointment.Source.STAFF,
                    now=now,
                )
                services.appointment_confirm(
                    code=appointment.code, secret=secret, actor=user, now=now
                )
        except ServiceError as error:
            errors.update(error.details.get("errors") or {})
            if not error.details.get("errors"):
                context["error"] = error.message
            if error.code in ("slot_full", "no_such_slot", "outside_window"):
                errors.setdefault("start", error.message)
                context["error"] = ""
        else:
            _remember(request, appointment.code, secret)
            return redirect(
                reverse("appointments:staff-book")
                + "?"
                + urlencode({"center": center.code, "done": appointment.code})
            )
    error_text = context["error"]
    # The slots again: the one chosen may have just been taken.
    context = _booking_context(request, center, data, timezone.now())
    context.update(centers=centers, errors=errors, error=error_text)
    if errors and not context["error"]:
        context["error"] = _("Chưa đặt được lịch hẹn: hãy sửa các mục được đánh dấu.")
    return render(request, "appointments/staff_book.html", context, status=400)
