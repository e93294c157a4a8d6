"""Appointment API: slots, booking (reserve → confirm), the holder's view, reschedule and
cancel, the kiosk's check-in, the staff's day list, and the proof-of-work challenge."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from motcua.appointments import selectors, services
from motcua.appointments.challenge import challenge_create, challenge_verify
from motcua.appointments.models import Appointment
from motcua.errors import InvalidInput, NotAllowed, NotFound, Unauthorized
from motcua.organization.identity import caller
from motcua.organization.models import Center, DeviceToken
from motcua.organization.selectors import center_get_public, center_now
from motcua.queueing.models import QueueService
from motcua.ratelimit import client_ip, rate_limit_hit

router = Router(tags=["appointments"])


class ErrorOut(Schema):
    code: str
    message: str


class ChallengeOut(Schema):
    algorithm: str
    challenge: str
    maxNumber: int  # noqa: N815 - the ALTCHA format's name
    salt: str
    signature: str


@router.get("challenge", response=ChallengeOut, auth=None)
def challenge(request: HttpRequest) -> dict:
    """A proof-of-work challenge (ALTCHA v1) for an anonymous booking: find ``number`` with
    SHA-256(salt + number) = challenge, then send base64(JSON {algorithm, challenge, number,
    salt, signature}) as ``altcha``."""
    return challenge_create()


class SlotOut(Schema):
    start: datetime
    end: datetime
    remaining: int


@router.get(
    "centers/{center}/slots",
    response={200: list[SlotOut], 400: ErrorOut, 404: ErrorOut},
    auth=None,
)
def slots(request: HttpRequest, center: str, service: str, date: date) -> list[SlotOut]:
    """The slots of a day that may be booked now, with the places remaining (0: full)."""
    service_obj = selectors.service_get(center_get_public(code=center), service)
    return [
        SlotOut(start=slot.start, end=slot.end, remaining=slot.remaining)
        for slot in selectors.slot_list(service=service_obj, day=date)
    ]


class AppointmentIn(Schema):
    center: str
    service: str
    start: datetime
    name: str
    phone: str
    email: str | None = None
    id_number: str | None = None
    procedure: str | None = None
    altcha: str | None = None
    consent: bool | None = None


class BookedOut(Schema):
    code: str
    secret: str
    start: datetime
    end: datetime
    status: str
    expires_at: datetime | None
    qr_url: str
    manage_url: str


class AppointmentOut(Schema):
    code: str
    center: str
    center_name: str
    service: str
    service_name: str
    procedure: str | None
    start: datetime
    end: datetime
    status: str
    status_label: str
    expires_at: datetime | None
    name: str
    phone: str
    email: str
    ticket: str | None
    qr_url: str
    ics_url: str


def _local(center: Center, moment: datetime) -> datetime:
    """A time in the center's zone, as the slot list gives it (times read back from the
    database are in UTC): a client can compare a booking's start with a slot's."""
    return center_now(center=center, now=moment)


def _local_or_none(center: Center, moment: datetime | None) -> datetime | None:
    return _local(center, moment) if moment is not None else None


def _qr_url(request: HttpRequest, appointment: Appointment) -> str:
    return request.build_absolute_uri(reverse("appointments:qr", kwargs={"code": appointment.code}))


def appointment_out(
    request: HttpRequest, appointment: Appointment, secret: str = ""
) -> AppointmentOut:
    ics = reverse("appointments:ics", kwargs={"code": appointment.code})
    return AppointmentOut(
        code=appointment.code,
        center=appointment.center.code,
        center_name=appointment.center.name,
        service=appointment.service.code,
        service_name=appointment.service.name,
        procedure=appointment.procedure.code if appointment.procedure else None,
        start=_local(appointment.center, appointment.start),
        end=_local(appointment.center, appointment.end),
        status=appointment.status,
        status_label=appointment.status_label,
        expires_at=_local_or_none(appointment.center, appointment.expires_at),
        name=appointment.name,
        phone=appointment.phone,
        email=appointment.email,
        ticket=appointment.ticket.display if appointment.ticket else None,
        qr_url=_qr_url(request, appointment),
        ics_url=request.build_absolute_uri(f"{ics}?secret={secret}") if secret else "",
    )


@router.post(
    "appointments",
    response={201: BookedOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=None,
)
def appointment_create(request: HttpRequest, payload: AppointmentIn):
    """Reserve a place (status ``reserved``; it holds the slot until ``expires_at``), then
    confirm it with ``POST …/{code}/confirm``. Anonymous callers send a solved challenge
    (``GET /api/v1/challenge``) and ``consent: true``; staff and device tokens need neither."""
    center = center_get_public(code=payload.center)
    who = caller(request)
    source = Appointment.Source.WEB
    if who.user is not None:
        source = Appointment.Source.STAFF
        selectors.staff_check(user=who.user, center=center)
    elif who.device is not None:
        if who.device.center_id != center.pk or who.device.purpose != DeviceToken.Purpose.KIOSK:
            raise NotAllowed(_("Thiết bị này không phải ki-ốt của trung tâm."), code="not_a_kiosk")
        source = Appointment.Source.API
    else:
        policy = selectors.policy_for(center)
        rate_limit_hit(
            "appointment-book",
            client_ip(request),
            limit=policy.bookings_per_ip_per_hour,
            window=3600,
        )
        if not payload.consent:
            raise InvalidInput(
                _("Cần đồng ý cho trung tâm dùng thông tin cá nhân để đặt lịch hẹn."),
                code="consent_required",
            )
        challenge_verify(payload.altcha)
    appointment, secret = services.appointment_reserve(
        center=center,
        service_code=payload.service,
        start=payload.start,
        name=payload.name,
        phone=payload.phone,
        email=payload.email or "",
        id_number=payload.id_number or "",
        procedure_code=payload.procedure or "",
        actor=who.user,
        source=source,
        language=get_language() or "vi",
    )
    manage = reverse("appointments:manage", kwargs={"code": appointment.code})
    return Status(
        201,
        BookedOut(
            code=appointment.code,
            secret=secret,
            start=_local(center, appointment.start),
            end=_local(center, appointment.end),
            status=appointment.status,
            expires_at=_local_or_none(center, appointment.expires_at),
            qr_url=_qr_url(request, appointment),
            manage_url=request.build_absolute_uri(f"{manage}?secret={secret}"),
        ),
    )


@router.get(
    "appointments/{code}",
    response={200: AppointmentOut, 404: ErrorOut, 429: ErrorOut},
    auth=None,
)
def appointment_detail(request: HttpRequest, code: str, secret: str = "") -> AppointmentOut:
    """The appointment for its holder (code and secret; without the secret, the same 404 as
    a wrong one)."""
    rate_limit_hit("appointment-view", client_ip(request), limit=60, window=300)
    return appointment_out(
        request, selectors.appointment_by_secret(code=code, secret=secret), secret
    )


class SecretIn(Schema):
    secret: str | None = None


class RescheduleIn(Schema):
    secret: str | None = None
    start: datetime


ACTION_RESPONSES = {200: AppointmentOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


def _holder_limit(request: HttpRequest) -> None:
    """Public callers only: staff and paired kiosks (which book for walk-ins all day) are not
    limited, as for booking itself."""
    who = caller(request)
    if who.user is None and who.device is None:
        rate_limit_hit("appointment-change", client_ip(request), limit=30, window=300)


@router.post("appointments/{code}/confirm", response=ACTION_RESPONSES, auth=None)
def appointment_confirm(request: HttpRequest, code: str, payload: SecretIn) -> AppointmentOut:
    """Confirm a reservation before it expires (the confirmation is sent by SMS/email)."""
    _holder_limit(request)
    appointment = services.appointment_confirm(
        code=code, secret=payload.secret, actor=caller(request).user
    )
    return appointment_out(request, appointment, payload.secret or "")


@router.post("appointments/{code}/cancel", response=ACTION_RESPONSES, auth=None)
def appointment_cancel(request: HttpRequest, code: str, payload: SecretIn) -> AppointmentOut:
    """Cancel (the holder with the secret, or staff of the center)."""
    _holder_limit(request)
    appointment = services.appointment_cancel(
        code=code, secret=payload.secret, actor=caller(request).user
    )
    return appointment_out(request, appointment, payload.secret or "")


@router.post("appointments/{code}/reschedule", response=ACTION_RESPONSES, auth=None)
def appointment_reschedule(
    request: HttpRequest, code: str, payload: RescheduleIn
) -> AppointmentOut:
    """Move to another slot of the same service (``start``)."""
    _holder_limit(request)
    appointment = services.appointment_reschedule(
        code=code, secret=payload.secret, start=payload.start, actor=caller(request).user
    )
    return appointment_out(request, appointment, payload.secret or "")


class CheckInIn(Schema):
    scan: str


class CheckInOut(Schema):
    code: str
    start: datetime
    service: str
    ticket: str
    ticket_token: str
    ticket_url: str


@router.post(
    "centers/{center}/check-in",
    response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=None,
)
def check_in(request: HttpRequest, center: str, payload: CheckInIn) -> CheckInOut:
    """The kiosk (device token) or staff check an appointment in by its code, its QR code or the
    citizen ID card's QR code; a ticket is issued. Outside the window: 409 ``too_early`` /
    ``too_late`` with ``offer_ticket: true``."""
    center_obj = center_get_public(code=center)
    who = caller(request)
    appointment, ticket = services.appointment_check_in(
        center=center_obj, scan=payload.scan, device=who.device, actor=who.user
    )
    return CheckInOut(
        code=appointment.code,
        start=_local(center_obj, appointment.start),
        service=appointment.service.code,
        ticket=ticket.display,
        ticket_token=ticket.token,
        ticket_url=request.build_absolute_uri(reverse("queueing:ticket-page", args=[ticket.token])),
    )


class DayItemOut(Schema):
    code: str
    start: datetime
    end: datetime
    service: str
    status: str
    status_label: str
    name: str
    phone: str
    procedure: str | None
    ticket: str | None
    counter: int | None


@router.get(
    "centers/{center}/appointments",
    response={200: list[DayItemOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=None,
)
def day_appointments(
    request: HttpRequest, center: str, date: date, service: str | None = None
) -> list[DayItemOut]:
    """A day's appointments of the center, for its staff."""
    center_obj = center_get_public(code=center)
    user = caller(request).user
    if user is None:
        raise Unauthorized(_("Cần đăng nhập hoặc mã truy cập của cán bộ."))
    selectors.staff_check(user=user, center=center_obj)
    service_obj = None
    if service:
        # Any service of the center, bookable or not any more: its bookings stay listed.
        service_obj = QueueService.objects.filter(center=center_obj, code=service).first()
        if service_obj is None:
            raise NotFound(
                _("Trung tâm không có dịch vụ “%(code)s”.") % {"code": service},
                code="unknown_service",
            )
    return [
        DayItemOut(
            code=row.code,
            start=_local(center_obj, row.start),
            end=_local(center_obj, row.end),
            service=row.service.code,
            status=row.status,
            status_label=row.status_label,
            name=row.name,
            phone=row.phone,
            procedure=row.procedure.code if row.procedure else None,
            ticket=row.ticket.display if row.ticket else None,
            counter=row.ticket.counter.number if row.ticket and row.ticket.counter else None,
        )
        for row in selectors.day_list(user=user, center=center_obj, day=date, service=service_obj)
    ]
