"""Public appointment pages: the booking wizard, the holder's page (view, reschedule,
cancel), the QR code and the calendar file; the kiosk's check-in screen.

The wizard is a chain of plain GET pages (``?procedure=&service=&date=&time=``), so the
browser's Back button and a page without JavaScript both work; only the last step needs the
proof-of-work (``altcha-solver.js``). The holder's page is opened with the code and the secret
given at booking (``/appointments/<code>/?secret=…``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.appointments import selectors, services
from motcua.appointments.challenge import challenge_verify
from motcua.appointments.models import Appointment, BookingPolicy
from motcua.appointments.workflow import OPEN, Status
from motcua.catalog.models import Procedure
from motcua.catalog.selectors import in_rank_order, procedure_get, procedure_list
from motcua.errors import InvalidInput, NotFound, ServiceError
from motcua.organization import identity
from motcua.organization.models import Center, DeviceToken
from motcua.organization.selectors import center_list_public, center_now, user_has_role
from motcua.queueing.models import QueueService
from motcua.queueing.services import COUNTER_ROLES
from motcua.ratelimit import RateLimited, client_ip, rate_limit_hit

# Rate-limit scopes, shared with the JSON API (api.py) so that both count together.
BOOK_SCOPE = "appointment-book"
VIEW_SCOPE = "appointment-view"
CHANGE_SCOPE = "appointment-change"
VIEW_LIMIT = (60, 300)
CHANGE_LIMIT = (30, 300)
# What was typed in the details step, kept in the session when a slot was just taken so that
# the form is filled again after another slot is chosen; removed once booked.
DRAFT_KEY = "appointment_draft"
PERSON_FIELDS = ("name", "phone", "email", "id_number")
SEARCH_RESULTS = 20
# Errors of a booking that send the citizen back to the choice of a slot.
SLOT_ERRORS = ("slot_full", "outside_window", "no_such_slot")
# The kiosk's keypad: the code alphabet (no 0/O, 1/I/L), in rows of eight.
KEYPAD = [services.CODE_ALPHABET[i : i + 8] for i in range(0, len(services.CODE_ALPHABET), 8)]
TIME_PATTERN = re.compile(r"^(\d{1,2}):?(\d{2})$")
# The whole confirmation link pasted into the code field.
LINK_PATTERN = re.compile(r"/appointments/([0-9A-Za-z]+)/\?(?:.*&)?secret=([\w-]+)")


# --- Small helpers ----------------------------------------------------------------------------


def _weekday(day: date) -> str:
    names = (
        _("Thứ Hai"),
        _("Thứ Ba"),
        _("Thứ Tư"),
        _("Thứ Năm"),
        _("Thứ Sáu"),
        _("Thứ Bảy"),
        _("Chủ nhật"),
    )
    return names[day.weekday()]


def _day_text(day: date) -> str:
    """ "Thứ Hai, 30/11/2026"."""
    return f"{_weekday(day)}, {day:%d/%m/%Y}"


def _hm(center: Center, moment: datetime) -> str:
    return f"{center_now(center=center, now=moment):%H:%M}"


def _clean_code(text: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()[:16]


def _manage_url(code: str, secret: str = "", **params: str) -> str:
    url = reverse("appointments:manage", kwargs={"code": code})
    query = {"secret": secret, **params} if secret else params
    query = {key: value for key, value in query.items() if value}
    return f"{url}?{urlencode(query)}" if query else url


def _wait_text(error: RateLimited) -> str:
    seconds = int(error.details.get("retry_after") or 60)
    return _("khoảng %(n)s phút") % {"n": max(1, (seconds + 59) // 60)}


def _limited_text(error: RateLimited) -> str:
    return _(
        "Có quá nhiều yêu cầu từ mạng của ông/bà trong thời gian ngắn. Xin thử lại sau %(wait)s."
    ) % {"wait": _wait_text(error)}


def _public_center(code: str) -> Center:
    center = center_list_public().filter(code=code).first()
    if center is None:
        raise Http404(_("Không có trung tâm này."))
    return center


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _slot_at(
    center: Center, slots: list[selectors.DaySlot], text: str | None
) -> selectors.DaySlot | None:
    """The slot of the day starting at ``HH:MM`` (the center's local time)."""
    match = TIME_PATTERN.match((text or "").strip())
    if match is None:
        return None
    wanted = f"{int(match.group(1)):02d}:{match.group(2)}"
    return next((slot for slot in slots if _hm(center, slot.start) == wanted), None)


def _day_items(days: list[tuple[date, int]], url) -> list[dict[str, Any]]:
    return [
        {
            "day": day,
            "weekday": _weekday(day),
            "date": f"{day:%d/%m}",
            "remaining": remaining,
            "url": url(day),
        }
        for day, remaining in days
    ]


def _slot_groups(
    center: Center, slots: list[selectors.DaySlot], url, current: datetime | None = None
) -> list[dict[str, Any]]:
    """The day's slots, morning and afternoon apart."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for slot in slots:
        local = center_now(center=center, now=slot.start)
        label = _("Buổi sáng") if local.hour < 12 else _("Buổi chiều")
        groups.setdefault(label, []).append(
            {
                "time": f"{local:%H:%M}",
                "end": _hm(center, slot.end),
                "remaining": slot.remaining,
                "full": slot.remaining <= 0,
                "current": current is not None and slot.start == current,
                "url": url(f"{local:%H:%M}"),
            }
        )
    return [{"label": label, "slots": items} for label, items in groups.items()]


def _documents(procedure: Procedure | None) -> list[dict[str, Any]]:
    """What to bring: the procedure's required documents, per case."""
    if procedure is None:
        return []
    try:
        full = procedure_get(code=procedure.code)
    except NotFound:
        return []
    version = full.current_version
    if version is None:
        return []
    return [
        {"name": case.name, "documents": list(case.documents.all())}
        for case in version.document_cases.all()
        if case.documents.all()
    ]


# --- The booking wizard -----------------------------------------------------------------------


@never_cache
def book_start(request: HttpRequest) -> HttpResponse:
    """Choose the center (skipped when only one takes appointments). Also the small form that
    opens an appointment by its code and secret (``?code=&secret=``)."""
    error = ""
    if "code" in request.GET:
        typed = request.GET.get("code", "")[:300]
        link = LINK_PATTERN.search(typed)
        if link:
            return redirect(_manage_url(link.group(1).upper(), link.group(2)))
        code = _clean_code(typed)
        if code:
            return redirect(_manage_url(code, request.GET.get("secret", "").strip()[:64]))
        error = _("Nhập mã lịch hẹn (6 ký tự, có trong tin nhắn xác nhận).")
    centers = [
        center for center in center_list_public() if selectors.center_takes_appointments(center)
    ]
    if len(centers) == 1 and not error:
        return redirect("appointments:book-center", centers[0].code)
    return render(
        request, "appointments/book_start.html", {"centers": centers, "lookup_error": error}
    )


@dataclass
class Wizard:
    """What the citizen has chosen so far, and the URLs of the steps."""

    center: Center
    policy: BookingPolicy
    services: list[QueueService]
    procedure: Procedure | None = None
    service: QueueService | None = None
    day: date | None = None
    slot: selectors.DaySlot | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, **params: Any) -> str:
        query = {
            "procedure": self.procedure.code if self.procedure else "",
            "service": self.service.code if self.service else "",
            "date": self.day.isoformat() if self.day else "",
            "time": _hm(self.center, self.slot.start) if self.slot else "",
        }
        query.update(params)
        query = {key: value for key, value in query.items() if value}
        base = reverse("appointments:book-center", args=[self.center.code])
        return f"{base}?{urlencode(query)}" if query else base

    def context(self, step: str) -> dict[str, Any]:
        steps = [
            ("service", _("Dịch vụ"), self.url(service="", date="", time="")),
            ("date", _("Ngày"), self.url(date="", time="")),
            ("slot", _("Giờ"), self.url(time="")),
            ("details", _("Thông tin"), self.url()),
            ("done", _("Xác nhận"), ""),
        ]
        names = [name for name, _label, _url in steps]
        position = names.index(step)
        return {
            "center": self.center,
            "policy": self.policy,
            "procedure": self.procedure,
            "service": self.service,
            "day": self.day,
            "day_text": _day_text(self.day) if self.day else "",
            "slot": self.slot,
            "slot_text": (
                f"{_hm(self.center, self.slot.start)}–{_hm(self.center, self.slot.end)}"
                if self.slot
                else ""
            ),
            "slot_time": _hm(self.center, self.slot.start) if self.slot else "",
            "step": step,
            "steps": [
                {
                    "number": index + 1,
                    "name": name,
                    "label": label,
                    "url": url if index < position else "",
                    "current": index == position,
                    "done": index < position,
                }
                for index, (name, label, url) in enumerate(steps)
            ],
            "back_url": steps[position - 1][2] if position > 0 else "",
            "change_service_url": self.url(procedure="", service="", date="", time=""),
            "change_day_url": self.url(date="", time=""),
            "change_slot_url": self.url(time=""),
            **self.extra,
        }


def _procedure_services(procedure: Procedure, choices: list[QueueService]) -> list[QueueService]:
    """The bookable services that serve a procedure: those listing it, or one of its fields."""
    field_ids = {f.pk for f in procedure.fields.all()}
    return [
        service
        for service in choices
        if any(p.pk == procedure.pk for p in service.procedures.all())
        or any(f.pk in field_ids for f in service.fields.all())
    ]


def _center_procedure(center: Center, code: str) -> Procedure | None:
    if not code:
        return None
    procedures, _hits = procedure_list(center=center)
    return procedures.filter(code=code).prefetch_related("fields").first()


@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, center: str) -> HttpResponse:
    """Procedure or service → date → slot → details (each a GET page) → POST: booked."""
    center_obj = _public_center(center)
    policy = selectors.policy_for(center_obj)
    choices = list(selectors.bookable_services(center_obj).prefetch_related("procedures", "fields"))
    if not policy.enabled or not choices:
        return render(request, "appointments/closed.html", {"center": center_obj})
    data = request.POST if request.method == "POST" else request.GET
    wizard = Wizard(center=center_obj, policy=policy, services=choices)
    wizard.procedure = _center_procedure(center_obj, data.get("procedure", "").strip()[:64])
    wizard.service = next((s for s in choices if s.code == data.get("service")), None)
    if wizard.service is None:
        return _step_service(request, wizard, data.get("q", "").strip()[:100])

    wizard.day = _parse_day(data.get("date"))
    if wizard.day is None:
        return _step_date(request, wizard)
    slots = selectors.slot_list(service=wizard.service, day=wizard.day)
    if not slots:
        wizard.extra["error"] = _(
            "Ngày %(day)s không nhận hẹn hoặc đã hết giờ đặt; xin chọn ngày khác."
        ) % {"day": _day_text(wizard.day)}
        wizard.day = None
        return _step_date(request, wizard)
    wizard.slot = _slot_at(center_obj, slots, data.get("time"))
    if wizard.slot is None:
        return _step_slot(request, wizard, slots)
    if request.method == "POST":
        # A slot taken meanwhile is refused by the booking itself (and the form kept).
        return _book_submit(request, wizard)
    if wizard.slot.remaining <= 0:
        wizard.extra["error"] = _("Khung giờ này đã hết chỗ; xin chọn giờ khác.")
        wizard.slot = None
        return _step_slot(request, wizard, slots)
    return _step_details(request, wizard, _draft(request), {})


def _step_service(request: HttpRequest, wizard: Wizard, q: str) -> HttpResponse:
    """Search the center's procedures, or choose a service directly. A procedure served by one
    service leads straight on; served by several (or none declared), its services are offered."""
    results: list[dict[str, Any]] = []
    if q:
        procedures, hits = procedure_list(q=q, center=wizard.center)
        ranked = in_rank_order(procedures.prefetch_related("fields"), hits)[:SEARCH_RESULTS]
        for procedure in ranked:
            served = _procedure_services(procedure, wizard.services)
            results.append(
                {
                    "procedure": procedure,
                    "services": served,
                    "url": wizard.url(
                        procedure=procedure.code,
                        service=served[0].code if len(served) == 1 else "",
                    ),
                }
            )
    offered = wizard.services
    if wizard.procedure is not None:
        offered = _procedure_services(wizard.procedure, wizard.services) or wizard.services
    service_items = [
        {"service": service, "url": wizard.url(service=service.code)} for service in offered
    ]
    context = wizard.context("service")
    context.update(q=q, results=results, service_items=service_items, searched=bool(q))
    return render(request, "appointments/book.html", context)


def _step_date(request: HttpRequest, wizard: Wizard) -> HttpResponse:
    assert wizard.service is not None  # noqa: S101 - the caller chose it
    days = selectors.days_with_slots(service=wizard.service)
    context = wizard.context("date")
    context["days"] = _day_items(days, lambda day: wizard.url(date=day.isoformat(), time=""))
    return render(request, "appointments/book.html", context)


def _step_slot(
    request: HttpRequest, wizard: Wizard, slots: list[selectors.DaySlot]
) -> HttpResponse:
    context = wizard.context("slot")
    context["groups"] = _slot_groups(wizard.center, slots, lambda hm: wizard.url(time=hm))
    context["all_full"] = all(slot.remaining <= 0 for slot in slots)
    return render(request, "appointments/book.html", context)


def _draft(request: HttpRequest) -> dict[str, str]:
    draft = request.session.get(DRAFT_KEY)
    if not isinstance(draft, dict):
        return {}
    return {name: str(draft.get(name, ""))[:254] for name in PERSON_FIELDS}


def _person_values(data) -> dict[str, str]:
    values = {name: data.get(name, "").strip()[:254] for name in PERSON_FIELDS}
    values["consent"] = "on" if data.get("consent") else ""
    return values


def _consent_text(policy: BookingPolicy) -> str:
    return policy.consent_text.strip() or _(
        "Tôi đồng ý để trung tâm dùng họ tên, số điện thoại, thư điện tử và số căn cước đã khai "
        "chỉ để đặt, nhắc và phục vụ lịch hẹn này."
    )


def _step_details(
    request: HttpRequest,
    wizard: Wizard,
    values: dict[str, str],
    errors: dict[str, str],
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = wizard.context("details")
    context.update(
        values=values,
        errors=errors,
        error=error or context.get("error", ""),
        consent_text=_consent_text(wizard.policy),
        challenge_url=reverse("api:challenge"),
        documents=_documents(wizard.procedure),
    )
    return render(request, "appointments/book.html", context, status=status)


def _book_submit(request: HttpRequest, wizard: Wizard) -> HttpResponse:
    """Check the limits and the proof of work, then reserve and confirm at once (the held
    reservation protects the place during this request)."""
    assert wizard.service is not None and wizard.slot is not None  # noqa: S101
    values = _person_values(request.POST)
    try:
        rate_limit_hit(
            BOOK_SCOPE,
            client_ip(request),
            limit=wizard.policy.bookings_per_ip_per_hour,
            window=3600,
        )
        if not values["consent"]:
            message = _("Cần đồng ý cho trung tâm dùng thông tin cá nhân để đặt lịch hẹn.")
            raise InvalidInput(message, code="consent_required", errors={"consent": message})
        challenge_verify(request.POST.get("altcha"))
        appointment, secret = services.appointment_reserve(
            center=wizard.center,
            service_code=wizard.service.code,
            start=wizard.slot.start,
            name=values["name"],
            phone=values["phone"],
            email=values["email"],
            id_number=values["id_number"],
            procedure_code=wizard.procedure.code if wizard.procedure else "",
            source=Appointment.Source.WEB,
            language=get_language() or "vi",
        )
        services.appointment_confirm(code=appointment.code, secret=secret)
    except RateLimited as limited:
        return _step_details(request, wizard, values, {}, _limited_text(limited), status=429)
    except ServiceError as failure:
        if failure.code in SLOT_ERRORS:
            request.session[DRAFT_KEY] = {name: values[name] for name in PERSON_FIELDS}
            messages.error(request, failure.message)
            return redirect(wizard.url(time=""))
        errors = dict(failure.details.get("errors") or {})
        return _step_details(
            request, wizard, values, errors, failure.message, status=failure.status
        )
    request.session.pop(DRAFT_KEY, None)
    messages.success(
        request,
        _("Đã đặt lịch hẹn. Mã lịch hẹn và giờ hẹn đã được gửi qua tin nhắn."),
    )
    return redirect(_manage_url(appointment.code, secret))


# --- The holder's page ------------------------------------------------------------------------


def _lookup(
    request: HttpRequest, code: str, error: str = "", status: int = 200, secret_given=False
) -> HttpResponse:
    return render(
        request,
        "appointments/lookup.html",
        {"code": code, "error": error, "secret_given": secret_given},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, code: str) -> HttpResponse:
    """The holder's page: the appointment (with its code, QR and calendar file), reschedule and
    cancel. Without a valid secret: a form asking for the code and the secret."""
    if request.method == "GET" and "code" in request.GET:
        typed = _clean_code(request.GET.get("code"))
        if typed and typed != code.upper():
            return redirect(_manage_url(typed, request.GET.get("secret", "").strip()[:64]))
    data = request.POST if request.method == "POST" else request.GET
    secret = data.get("secret", "").strip()[:64]
    shown_code = _clean_code(code)
    if not secret:
        return _lookup(request, shown_code)
    try:
        scope, (limit, window) = (
            (CHANGE_SCOPE, CHANGE_LIMIT) if request.method == "POST" else (VIEW_SCOPE, VIEW_LIMIT)
        )
        rate_limit_hit(scope, client_ip(request), limit=limit, window=window)
        appointment = selectors.appointment_by_secret(code=code, secret=secret)
    except RateLimited as limited:
        return _lookup(request, shown_code, _limited_text(limited), 429, True)
    except NotFound as missing:
        return _lookup(request, shown_code, missing.message, 404, True)
    if request.method == "POST":
        return _manage_act(request, appointment, secret)
    return _manage_page(request, appointment, secret)


def _manage_page(request: HttpRequest, appointment: Appointment, secret: str) -> HttpResponse:
    center = appointment.center
    step = request.GET.get("step", "")
    can_change = appointment.status in OPEN and appointment.start > timezone.now()
    if not can_change:
        step = ""
    manage_path = _manage_url(appointment.code, secret)
    context: dict[str, Any] = {
        "appointment": appointment,
        "center": center,
        "secret": secret,
        "step": step,
        "can_change": can_change,
        "status_class": {
            Status.CONFIRMED: "ok",
            Status.CHECKED_IN: "ok",
            Status.RESERVED: "warn",
        }.get(Status(appointment.status), "err"),
        "day_text": _day_text(appointment.day),
        "time_text": f"{_hm(center, appointment.start)}–{_hm(center, appointment.end)}",
        "expires_text": (
            _hm(center, appointment.expires_at) if appointment.expires_at is not None else ""
        ),
        "documents": _documents(appointment.procedure),
        "qr_url": reverse("appointments:qr", kwargs={"code": appointment.code}),
        "ics_url": (
            reverse("appointments:ics", kwargs={"code": appointment.code})
            + "?"
            + urlencode({"secret": secret})
        ),
        "manage_url": manage_path,
        "manage_link": request.build_absolute_uri(manage_path),
        "reschedule_url": _manage_url(appointment.code, secret, step="reschedule"),
        "cancel_url": _manage_url(appointment.code, secret, step="cancel"),
        "ticket": appointment.ticket,
    }
    if step == "reschedule":
        context.update(_reschedule_context(request, appointment, secret))
    return render(request, "appointments/manage.html", context)


def _reschedule_context(
    request: HttpRequest, appointment: Appointment, secret: str
) -> dict[str, Any]:
    """The wizard's date → slot → confirm steps, inside the holder's page."""
    center = appointment.center

    def url(**params: str) -> str:
        return _manage_url(appointment.code, secret, step="reschedule", **params)

    day = _parse_day(request.GET.get("date"))
    context: dict[str, Any] = {"change_day_url": url()}
    if day is None:
        days = selectors.days_with_slots(service=appointment.service)
        context["days"] = _day_items(days, lambda d: url(date=d.isoformat()))
        return context
    slots = selectors.slot_list(service=appointment.service, day=day)
    if not slots:
        days = selectors.days_with_slots(service=appointment.service)
        context["days"] = _day_items(days, lambda d: url(date=d.isoformat()))
        context["error"] = _(
            "Ngày %(day)s không nhận hẹn hoặc đã hết giờ đặt; xin chọn ngày khác."
        ) % {"day": _day_text(day)}
        return context
    context.update(new_day=day, new_day_text=_day_text(day))
    slot = _slot_at(center, slots, request.GET.get("time"))
    if slot is None or slot.remaining <= 0 or slot.start == appointment.start:
        if slot is not None and slot.remaining <= 0 and slot.start != appointment.start:
            context["error"] = _("Khung giờ này đã hết chỗ; xin chọn giờ khác.")
        context["groups"] = _slot_groups(
            center,
            slots,
            lambda hm: url(date=day.isoformat(), time=hm),
            current=appointment.start,
        )
        context["change_slot_url"] = url(date=day.isoformat())
        return context
    context.update(
        new_slot=slot,
        new_time=_hm(center, slot.start),
        new_time_text=f"{_hm(center, slot.start)}–{_hm(center, slot.end)}",
        change_slot_url=url(date=day.isoformat()),
    )
    return context


def _manage_act(request: HttpRequest, appointment: Appointment, secret: str) -> HttpResponse:
    """Cancel, confirm or move the appointment (the holder, with the secret)."""
    action = request.POST.get("action", "")
    here = _manage_url(appointment.code, secret)
    try:
        if action == "cancel":
            services.appointment_cancel(code=appointment.code, secret=secret)
            messages.success(request, _("Đã hủy lịch hẹn %(code)s.") % {"code": appointment.code})
        elif action == "confirm":
            services.appointment_confirm(code=appointment.code, secret=secret)
            messages.success(request, _("Đã xác nhận lịch hẹn."))
        elif action == "reschedule":
            return _reschedule_submit(request, appointment, secret)
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except ServiceError as failure:
        messages.error(request, failure.message)
    return redirect(here)


def _reschedule_submit(request: HttpRequest, appointment: Appointment, secret: str) -> HttpResponse:
    center = appointment.center
    day = _parse_day(request.POST.get("date"))
    back = _manage_url(appointment.code, secret, step="reschedule")
    if day is None:
        messages.error(request, _("Xin chọn ngày hẹn mới."))
        return redirect(back)
    slots = selectors.slot_list(service=appointment.service, day=day)
    slot = _slot_at(center, slots, request.POST.get("time"))
    slot_step = _manage_url(appointment.code, secret, step="reschedule", date=day.isoformat())
    if slot is None:
        messages.error(request, _("Khung giờ này không còn nhận hẹn; xin chọn giờ khác."))
        return redirect(slot_step)
    try:
        moved = services.appointment_reschedule(
            code=appointment.code, secret=secret, start=slot.start
        )
    except ServiceError as failure:
        messages.error(request, failure.message)
        return redirect(slot_step if failure.code in SLOT_ERRORS else back)
    messages.success(
        request,
        _("Đã đổi lịch hẹn sang %(time)s, %(day)s.")
        % {"time": _hm(center, moved.start), "day": _day_text(moved.day)},
    )
    return redirect(_manage_url(appointment.code, secret))


# --- QR code and calendar file ------------------------------------------------------------------


def qr(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code of an appointment (it holds only the code, which the kiosk scans)."""
    try:
        limit, window = settings.APPOINTMENT_QR_LIMIT
        rate_limit_hit("appointment-qr", client_ip(request), limit=limit, window=window)
    except RateLimited as error:
        response = HttpResponse(error.message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(error.details.get("retry_after", 60))
        return response
    appointment = Appointment.objects.filter(code=code.upper()).only("code").first()
    if appointment is None:
        raise Http404
    # A file of its own (an <img>, a download) needs the SVG namespace, which svg_inline()
    # leaves out; a white background keeps it readable on a dark screen.
    svg = io.BytesIO()
    segno.make(appointment.code, error="m").save(
        svg, kind="svg", scale=6, border=2, xmldecl=False, light="#fff", title=appointment.code
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(request: HttpRequest, code: str) -> HttpResponse:
    """An iCalendar file of the appointment, for the holder (``?secret=``)."""
    try:
        rate_limit_hit(VIEW_SCOPE, client_ip(request), limit=VIEW_LIMIT[0], window=VIEW_LIMIT[1])
        appointment = selectors.appointment_by_secret(
            code=code, secret=request.GET.get("secret", "")
        )
    except RateLimited as limited:
        return HttpResponse(limited.message, status=429, content_type="text/plain; charset=utf-8")
    except NotFound:
        raise Http404 from None
    stamp = f"{timezone.now():%Y%m%dT%H%M%SZ}"
    center = appointment.center
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//motcua//appointments//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.code}@motcua",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{appointment.start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{appointment.end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{_ics_text(f'Lịch hẹn {appointment.code} – {appointment.service.name}')}",
        f"LOCATION:{_ics_text(f'{center.name}, {center.address}'.strip(', '))}",
        f"DESCRIPTION:{_ics_text(f'Mã lịch hẹn: {appointment.code}. Quét mã tại ki-ốt khi đến.')}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:-PT{int(timedelta(hours=1).total_seconds() // 60)}M",
        "DESCRIPTION:motcua",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse(
        "\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lich-hen-{appointment.code}.ics"'
    return response


# --- The kiosk's check-in -----------------------------------------------------------------------


def _kiosk_caller(request: HttpRequest, center: Center) -> tuple[DeviceToken | None, Any]:
    """The kiosk of this center, or a member of its staff (as on the kiosk's other screens)."""
    device = identity.device_from_request(request)
    if (
        device is not None
        and device.purpose == DeviceToken.Purpose.KIOSK
        and device.center_id == center.pk
    ):
        return device, None
    user = request.user
    if user.is_authenticated and user_has_role(user=user, center=center, roles=COUNTER_ROLES):
        return None, user
    return None, None


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_check_in(request: HttpRequest, center: str) -> HttpResponse:
    """Type the appointment's code on the keypad, or scan its QR code or the citizen ID card:
    inside the check-in window a ticket is issued and printed like any kiosk ticket."""
    center_obj = _public_center(center)
    device, user = _kiosk_caller(request, center_obj)
    if device is None and user is None:
        return render(request, "queueing/kiosk_unpaired.html", {"center": center_obj}, status=403)
    context: dict[str, Any] = {"center": center_obj, "keypad": KEYPAD, "error": ""}
    status = 200
    if request.method == "POST":
        scan = request.POST.get("scan", "").strip()[:500]
        if not scan:
            context["error"] = _("Xin nhập mã lịch hẹn hoặc quét mã QR.")
            status = 400
        else:
            try:
                _appointment, ticket = services.appointment_check_in(
                    center=center_obj, scan=scan, device=device, actor=user
                )
            except ServiceError as refusal:
                context.update(_refusal(center_obj, refusal))
                status = refusal.status
            else:
                return redirect("queue_screens:kiosk-ticket", center_obj.code, ticket.token)
    return render(request, "appointments/kiosk_check_in.html", context, status=status)


def _refusal(center: Center, refusal: ServiceError) -> dict[str, Any]:
    """The refusal's message, and where "Lấy số thường" leads: the ticket screen of the
    appointment's service when it is known, the kiosk's start otherwise."""
    offer = refusal.details.get("offer_ticket", True)
    ordinary_url = reverse("queue_screens:kiosk", args=[center.code])
    code = refusal.details.get("service")
    if code and QueueService.objects.filter(center=center, code=code, is_active=True).exists():
        ordinary_url = reverse("queue_screens:kiosk-service", args=[center.code, code])
    return {
        "error": refusal.message,
        "error_code": refusal.code,
        "offer_ticket": offer,
        "ordinary_url": ordinary_url,
    }
