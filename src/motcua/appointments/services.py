"""Writes of appointments: reserve → confirm, reschedule, cancel, check in at the kiosk, and the
background sweeps (expired reservations, no-shows, reminders).

Every booking of a service-day runs under the lock of that day's :class:`BookingDay` row, so
capacity and the one-booking-per-phone rule are checked and taken in one step: with 100
simultaneous requests for a slot of capacity 3, three succeed and the rest are told the slot is
full (SQLite serialises writers anyway). Events are appended in the same transaction; messages
go to the outbox and are sent after commit.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.appointments.models import Appointment, AppointmentEvent, BookingDay, BookingPolicy
from motcua.appointments.selectors import (
    STAFF_ROLES,
    appointment_by_secret,
    booking_window,
    holding_filter,
    policy_for,
    secret_hash,
    service_get,
    slots_of_day,
)
from motcua.appointments.workflow import NEW, OPEN, Action, Status, check
from motcua.catalog.models import Procedure
from motcua.cccd import CCCDError, parse_cccd_qr
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.notifications.models import ChannelKind, Kind, Message
from motcua.notifications.services import notification_enqueue
from motcua.organization.models import Center, DeviceToken
from motcua.organization.selectors import center_now, user_has_role
from motcua.phones import VIETNAMESE as VIETNAMESE_PHONE
from motcua.phones import normalize_phone
from motcua.queueing.models import Ticket
from motcua.queueing.services import Issuer, issuer_check, ticket_issue

# Codes without letters that are read alike (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(r"\b([2-9A-HJKMNP-Z]{6})\b")


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _event(
    appointment: Appointment,
    action: str,
    before: str,
    *,
    at: datetime,
    actor: User | None = None,
    note: str = "",
) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        from_status=before,
        to_status=appointment.status,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:300],
    )


def _local_text(appointment: Appointment) -> str:
    return f"{center_now(center=appointment.center, now=appointment.start):%H:%M %d/%m/%Y}"


def manage_url(appointment: Appointment, secret: str) -> str:
    """The holder's link to view, change or cancel (it carries the secret)."""
    path = reverse("appointments:manage", kwargs={"code": appointment.code})
    return f"{settings.SITE_URL.rstrip('/')}{path}?{urlencode({'secret': secret})}"


def _notify(appointment: Appointment, kind: str, cause: str, secret: str = "") -> None:
    context = {
        "appointment_code": appointment.code,
        "appointment_time": _local_text(appointment),
        "manage_url": manage_url(appointment, secret) if secret else "",
    }
    for channel, recipient in (
        (ChannelKind.SMS, appointment.phone),
        (ChannelKind.EMAIL, appointment.email),
    ):
        if recipient:
            notification_enqueue(
                center=appointment.center,
                kind=kind,
                channel=channel,
                recipient=recipient,
                context=context,
                idempotency_key=f"appointment:{appointment.pk}:{cause}:{channel}",
                language=appointment.language if appointment.language in ("vi", "en") else "vi",
            )


def _clean_person(name: str, phone: str, email: str, id_number: str) -> tuple[str, str, str, str]:
    errors: dict[str, str] = {}
    name = re.sub(r"\s+", " ", name or "").strip()[:200]
    if len(name) < 2:
        errors["name"] = _("Nhập họ tên.")
    phone = normalize_phone(phone)
    if not VIETNAMESE_PHONE.match(phone):
        errors["phone"] = _("Số điện thoại không hợp lệ (ví dụ 0912345678).")
    email = (email or "").strip().lower()[:254]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Địa chỉ thư điện tử không hợp lệ.")
    id_number = re.sub(r"\s", "", id_number or "")
    if id_number and not re.fullmatch(r"\d{12}", id_number):
        errors["id_number"] = _("Số CCCD có 12 chữ số.")
    if errors:
        raise InvalidInput(
            _("Thông tin đặt lịch chưa hợp lệ: %(fields)s.")
            % {"fields": "; ".join(errors.values())},
            code="invalid_input",
            errors=errors,
        )
    return name, phone, email, id_number


def _find_slot(service, start: datetime, now: datetime):
    """The slot beginning at ``start`` if the rules allow booking it now."""
    center = service.center
    policy = policy_for(center)
    if not policy.enabled:
        raise Conflict(_("Trung tâm đang tạm ngừng nhận đặt lịch hẹn."), code="booking_closed")
    if start.tzinfo is None:
        raise InvalidInput(
            _("Giờ hẹn cần có múi giờ (ví dụ 2026-12-01T08:00:00+07:00)."), code="invalid_start"
        )
    day = center_now(center=center, now=start).date()
    first, last = booking_window(center, policy, now)
    if day < first or day > last:
        raise InvalidInput(
            _("Chỉ đặt được lịch hẹn từ ngày %(first)s đến ngày %(last)s.")
            % {"first": f"{first:%d/%m/%Y}", "last": f"{last:%d/%m/%Y}"},
            code="outside_window",
        )
    if start < now + timedelta(minutes=policy.same_day_cutoff_minutes):
        raise InvalidInput(
            _("Giờ hẹn này đã quá hạn đặt; hãy chọn giờ muộn hơn."), code="outside_window"
        )
    for slot in slots_of_day(service, day):
        if slot.start == start:
            return day, slot, policy
    raise InvalidInput(
        _("Không có khung giờ hẹn này (ngày nghỉ, tạm ngừng hoặc ngoài giờ nhận hẹn)."),
        code="no_such_slot",
    )


def _lock_day(service, day: date) -> BookingDay:
    try:
        with transaction.atomic():
            BookingDay.objects.get_or_create(service=service, day=day)
    except IntegrityError:
        pass  # created by a simultaneous booking: lock it like everyone else
    return BookingDay.objects.select_for_update().get(service=service, day=day)


def _take(
    service,
    day: date,
    slot,
    *,
    now: datetime,
    phone: str,
    id_number: str,
    exclude: int | None = None,
) -> None:
    """Under the day's lock: the slot has room, and this phone / ID has no other booking of
    the service that day."""
    _lock_day(service, day)
    rows = Appointment.objects.filter(service=service, day=day).filter(holding_filter(now))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    same_person = rows.filter(status__in=OPEN).filter(phone=phone)
    if id_number:
        same_person = rows.filter(status__in=OPEN).filter(phone=phone) | rows.filter(
            status__in=OPEN, id_number=id_number
        )
    if same_person.exists():
        raise Conflict(
            _(
                "Số điện thoại hoặc số CCCD này đã có một lịch hẹn cho dịch vụ này trong ngày; "
                "hãy đổi hoặc hủy lịch hẹn đó."
            ),
            code="already_booked",
        )
    if rows.filter(start=slot.start).count() >= slot.capacity:
        raise Conflict(_("Khung giờ này vừa hết chỗ; hãy chọn giờ khác."), code="slot_full")


def appointment_reserve(
    *,
    center: Center,
    service_code: str,
    start: datetime,
    name: str,
    phone: str,
    email: str = "",
    id_number: str = "",
    procedure_code: str = "",
    actor: User | None = None,
    source: str = Appointment.Source.WEB,
    language: str = "vi",
    now: datetime | None = None,
) -> tuple[Appointment, str]:
    """Hold a place in a slot for a few minutes; returns the appointment and its secret (shown
    once: it is needed to confirm, change or cancel)."""
    now = now or timezone.now()
    service = service_get(center, service_code)
    name, phone, email, id_number = _clean_person(name, phone, email, id_number)
    procedure = None
    if procedure_code:
        procedure = Procedure.objects.filter(code=procedure_code, is_active=True).first()
        if procedure is None:
            raise InvalidInput(
                _("Không có thủ tục mã “%(code)s”.") % {"code": procedure_code},
                code="unknown_procedure",
            )
    day, slot, policy = _find_slot(service, start, now)
    secret = secrets.token_urlsafe(12)
    with transaction.atomic():
        _take(service, day, slot, now=now, phone=phone, id_number=id_number)
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    appointment = Appointment.objects.create(
                        code=_code(),
                        secret_hash=secret_hash(secret),
                        center=center,
                        service=service,
                        procedure=procedure,
                        day=day,
                        start=slot.start,
                        end=slot.end,
                        status=check(Action.RESERVE, NEW),
                        name=name,
                        phone=phone,
                        email=email,
                        id_number=id_number,
                        consent_at=now,
                        source=source,
                        language=language[:8],
                        created_at=now,
                        created_by=actor if actor is not None and actor.is_authenticated else None,
                        expires_at=now + timedelta(minutes=policy.hold_minutes),
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 31**6 codes
            raise Conflict(_("Không tạo được mã lịch hẹn; hãy thử lại."), code="code_clash")
        BookingDay.objects.filter(service=service, day=day).update(bookings=F("bookings") + 1)
        _event(appointment, Action.RESERVE, NEW, at=now, actor=actor)
    return appointment, secret


def _holder_or_staff(*, code: str, secret: str | None, actor: User | None) -> Appointment:
    """The holder (code + secret) or staff of the appointment's center may act on it."""
    if secret:
        return appointment_by_secret(code=code, secret=secret)
    appointment = (
        Appointment.objects.select_related("center", "service")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if (
        appointment is None
        or actor is None
        or not user_has_role(user=actor, center=appointment.center, roles=STAFF_ROLES)
    ):
        raise NotFound(
            _("Không tìm thấy lịch hẹn với mã và mã bí mật này."), code="appointment_not_found"
        )
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("center", "service")
        .get(pk=appointment.pk)
    )


def _expired_error() -> Conflict:
    return Conflict(_("Thời gian giữ chỗ đã hết; hãy đặt lại."), code="reservation_expired")


def _confirmed_cause(appointment: Appointment) -> str:
    # Each confirmed time is told once (a move back to an earlier time is told again).
    return f"confirmed:{appointment.reschedules}:{appointment.start.isoformat()}"


def appointment_confirm(
    *, code: str, secret: str | None, actor: User | None = None, now: datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    appointment = _holder_or_staff(code=code, secret=secret, actor=actor)
    with transaction.atomic():
        # Under the day's lock, like a booking: a booking made just after the hold ran out
        # cannot take this place while it is being confirmed just before.
        _lock_day(appointment.service, appointment.day)
        locked = _locked(appointment)
        before = locked.status
        if before == Status.EXPIRED:
            raise _expired_error()
        if before == Status.RESERVED and locked.expires_at and locked.expires_at <= now:
            locked.status = check(Action.EXPIRE, before)
            locked.save(update_fields=["status"])
            _event(locked, Action.EXPIRE, before, at=now)
            expired = True
        else:
            expired = False
            locked.status = check(Action.CONFIRM, before)
            locked.confirmed_at = now
            locked.expires_at = None
            locked.save(update_fields=["status", "confirmed_at", "expires_at"])
            _event(locked, Action.CONFIRM, before, at=now, actor=actor)
            _notify(
                locked, Kind.APPOINTMENT_CONFIRMED, _confirmed_cause(locked), secret=secret or ""
            )
    if expired:
        raise _expired_error()
    return locked


def appointment_cancel(
    *, code: str, secret: str | None, actor: User | None = None, now: datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    appointment = _holder_or_staff(code=code, secret=secret, actor=actor)
    policy = policy_for(appointment.center)
    with transaction.atomic():
        locked = _locked(appointment)
        before = locked.status
        locked.status = check(Action.CANCEL, before)
        locked.cancelled_at = now
        # A cancelled confirmed place is offered again after a delay (no snatching by bots);
        # a reservation that was never confirmed is released at once.
        delay = policy.release_delay_minutes if before == Status.CONFIRMED else 0
        locked.released_at = now + timedelta(minutes=delay)
        locked.save(update_fields=["status", "cancelled_at", "released_at"])
        _event(locked, Action.CANCEL, before, at=now, actor=actor)
        if before == Status.CONFIRMED:
            _notify(locked, Kind.APPOINTMENT_CANCELLED, "cancelled")
    return locked


def appointment_reschedule(
    *,
    code: str,
    secret: str | None,
    start: datetime,
    actor: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move the appointment to another slot of the same service (the old place is freed)."""
    now = now or timezone.now()
    appointment = _holder_or_staff(code=code, secret=secret, actor=actor)
    service = appointment.service
    day, slot, policy = _find_slot(service, start, now)
    with transaction.atomic():
        # Lock the days in order so two reschedules between the same days cannot deadlock.
        for locked_day in sorted({day, appointment.day}):
            _lock_day(service, locked_day)
        locked = _locked(appointment)
        before = locked.status
        if before == Status.EXPIRED or (
            before == Status.RESERVED and locked.expires_at and locked.expires_at <= now
        ):
            raise _expired_error()
        check(Action.RESCHEDULE, before)
        if slot.start == locked.start:
            return locked
        _take(
            service,
            day,
            slot,
            now=now,
            phone=locked.phone,
            id_number=locked.id_number,
            exclude=locked.pk,
        )
        old = _local_text(locked)
        locked.day, locked.start, locked.end = day, slot.start, slot.end
        locked.reschedules += 1
        if before == Status.RESERVED:
            locked.expires_at = now + timedelta(minutes=policy.hold_minutes)
        locked.save(update_fields=["day", "start", "end", "reschedules", "expires_at"])
        _event(
            locked,
            Action.RESCHEDULE,
            before,
            at=now,
            actor=actor,
            note=f"{old} → {_local_text(locked)}",
        )
        if before == Status.CONFIRMED:
            _notify(locked, Kind.APPOINTMENT_CONFIRMED, _confirmed_cause(locked))
    return locked


# --- Check-in at the kiosk -------------------------------------------------------------------


def _appointment_for_scan(center: Center, text: str, today: date) -> Appointment:
    """The appointment a kiosk input names: its code typed or scanned (a QR of the code or of a
    link containing it), or the citizen ID card's QR code (today's appointment of that ID)."""
    text = (text or "").strip()
    if "|" in text:
        try:
            card = parse_cccd_qr(text)
        except CCCDError as error:
            raise InvalidInput(str(error), code="invalid_card") from None
        # Today's confirmed appointment first; else today's other one, so that the citizen is
        # told it was already checked in or cancelled rather than that there is none.
        appointment = (
            Appointment.objects.filter(center=center, day=today, id_number=card.id_number)
            .exclude(status=Status.EXPIRED)
            .order_by(Case(When(status=Status.CONFIRMED, then=Value(0)), default=Value(1)), "start")
            .first()
        )
        if appointment is None:
            raise NotFound(
                _("Không có lịch hẹn hôm nay cho số căn cước này."), code="appointment_not_found"
            )
        return appointment
    # A link or other text around the code may hold other six-letter words ("SECRET"): the
    # first of them that is an appointment of this center is the one.
    candidates = CODE_PATTERN.findall(text.upper())
    found = {
        row.code: row for row in Appointment.objects.filter(center=center, code__in=candidates)
    }
    appointment = next((found[code] for code in candidates if code in found), None)
    if appointment is None:
        raise NotFound(
            _("Không tìm thấy lịch hẹn với mã này ở trung tâm."), code="appointment_not_found"
        )
    return appointment


def _check_in_allowed(appointment: Appointment, policy: BookingPolicy, now: datetime) -> None:
    center = appointment.center
    start_text = f"{center_now(center=center, now=appointment.start):%H:%M %d/%m/%Y}"
    if appointment.status == Status.CHECKED_IN:
        raise Conflict(
            _("Lịch hẹn này đã lấy số rồi."),
            code="already_checked_in",
            offer_ticket=False,
            service=appointment.service.code,
        )
    if appointment.status != Status.CONFIRMED:
        raise Conflict(
            _("Lịch hẹn này %(status)s; mời ông/bà lấy số thường.")
            % {"status": appointment.status_label.lower()},
            code="not_confirmed",
            offer_ticket=True,
            service=appointment.service.code,
        )
    opens = appointment.start - timedelta(minutes=policy.checkin_before_minutes)
    closes = appointment.start + timedelta(minutes=policy.checkin_after_minutes)
    if now < opens:
        raise Conflict(
            _("Lịch hẹn lúc %(start)s. Mời quay lại từ %(opens)s, hoặc lấy số thường ngay bây giờ.")
            % {"start": start_text, "opens": f"{center_now(center=center, now=opens):%H:%M}"},
            code="too_early",
            offer_ticket=True,
            service=appointment.service.code,
        )
    if now > closes:
        raise Conflict(
            _("Đã quá giờ hẹn (%(start)s) hơn %(n)s phút. Mời ông/bà lấy số thường.")
            % {"start": start_text, "n": policy.checkin_after_minutes},
            code="too_late",
            offer_ticket=True,
            service=appointment.service.code,
        )


def appointment_check_in(
    *,
    center: Center,
    scan: str,
    device: DeviceToken | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> tuple[Appointment, Ticket]:
    """The citizen arrives: inside the check-in window a ticket of the appointment's service is
    issued, called first from the appointment's time. Outside the window: a clear refusal
    (``details.offer_ticket``: the kiosk offers an ordinary ticket of ``details.service``)."""
    now = now or timezone.now()
    if device is not None:
        issuer = Issuer(source=Ticket.Source.KIOSK, device=device, user=actor)
    elif actor is not None:
        issuer = Issuer(source=Ticket.Source.STAFF, user=actor)
    else:
        raise NotAllowed(_("Chỉ ki-ốt hoặc cán bộ của trung tâm được làm thủ tục đến."))
    # Before any lookup: another center's kiosk or staff learn nothing of this one's bookings.
    issuer_check(issuer=issuer, center=center)
    local = center_now(center=center, now=now)
    appointment = _appointment_for_scan(center, scan, local.date())
    policy = policy_for(center)
    with transaction.atomic():
        # The checks under the lock: two scans of the same code at once issue one ticket.
        locked = _locked(appointment)
        _check_in_allowed(locked, policy, now)
        before = locked.status
        locked.status = check(Action.CHECK_IN, before)
        ticket = ticket_issue(
            issuer=issuer,
            center=center,
            service_code=locked.service.code,
            appointment_code=locked.code,
            appointment_at=locked.start,
            now=now,
        )
        locked.checked_in_at = now
        locked.ticket = ticket
        locked.save(update_fields=["status", "checked_in_at", "ticket"])
        _event(locked, Action.CHECK_IN, before, at=now, actor=actor, note=ticket.display)
    return locked, ticket


# --- Background sweeps ----------------------------------------------------------------------


def appointments_expire(*, now: datetime | None = None) -> int:
    """Reservations not confirmed in time become expired (their place was already free)."""
    now = now or timezone.now()
    done = 0
    for appointment in Appointment.objects.filter(status=Status.RESERVED, expires_at__lte=now):
        with transaction.atomic():
            locked = _locked(appointment)
            if locked.status != Status.RESERVED:
                continue
            locked.status = check(Action.EXPIRE, locked.status)
            locked.save(update_fields=["status"])
            _event(locked, Action.EXPIRE, Status.RESERVED, at=now)
            done += 1
    return done


def appointments_mark_no_show(*, now: datetime | None = None) -> int:
    """Confirmed appointments whose check-in window has passed are marked no-show."""
    now = now or timezone.now()
    done = 0
    candidates = Appointment.objects.filter(status=Status.CONFIRMED, start__lt=now).select_related(
        "center"
    )
    for appointment in candidates:
        policy = policy_for(appointment.center)
        if appointment.start + timedelta(minutes=policy.checkin_after_minutes) >= now:
            continue
        with transaction.atomic():
            locked = _locked(appointment)
            if locked.status != Status.CONFIRMED:
                continue
            locked.status = check(Action.NO_SHOW, locked.status)
            locked.save(update_fields=["status"])
            _event(locked, Action.NO_SHOW, Status.CONFIRMED, at=now)
            done += 1
    return done


# (name, how long before, until how long before): the day reminder is not sent once the hour
# reminder is due (a worker that was stopped would otherwise send both at once).
REMINDERS = (
    ("day", timedelta(hours=24), timedelta(hours=1)),
    ("hour", timedelta(hours=1), timedelta()),
)


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """The day before and an hour before: a reminder by SMS and email (once each, and only
    when the booking was made before that moment). Returns how many appointments were
    reminded now."""
    now = now or timezone.now()
    sent = 0
    for name, ahead, until in REMINDERS:
        due = Appointment.objects.filter(
            status=Status.CONFIRMED,
            start__gt=now + until,
            start__lte=now + ahead,
            created_at__lte=F("start") - ahead,
        ).select_related("center")
        for appointment in due:
            cause = f"reminder:{name}:{appointment.start.isoformat()}"
            if Message.objects.filter(
                idempotency_key__startswith=f"appointment:{appointment.pk}:{cause}:"
            ).exists():
                continue  # reminded by an earlier sweep
            with transaction.atomic():
                _notify(appointment, Kind.APPOINTMENT_REMINDER, cause)
            sent += 1
    return sent


def appointments_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """What the worker runs every minute."""
    return {
        "expired": appointments_expire(now=now),
        "no_show": appointments_mark_no_show(now=now),
        "reminders": appointment_reminders_send(now=now),
    }


# --- Staff: marking a no-show by hand ---------------------------------------------------------


def appointment_mark_no_show(*, actor: User, code: str, now: datetime | None = None) -> Appointment:
    """A member of the center's staff records that the citizen did not come; only once the
    check-in window has closed (the worker does the same every minute)."""
    now = now or timezone.now()
    appointment = _holder_or_staff(code=code, secret=None, actor=actor)
    policy = policy_for(appointment.center)
    closes = appointment.start + timedelta(minutes=policy.checkin_after_minutes)
    with transaction.atomic():
        locked = _locked(appointment)
        before = locked.status
        target = check(Action.NO_SHOW, before)
        if now <= closes:
            raise Conflict(
                _("Chỉ ghi nhận không đến sau %(closes)s (hết giờ lấy số của lịch hẹn).")
                % {"closes": f"{center_now(center=locked.center, now=closes):%H:%M %d/%m/%Y}"},
                code="too_early",
            )
        locked.status = target
        locked.save(update_fields=["status"])
        _event(locked, Action.NO_SHOW, before, at=now, actor=actor)
    return locked
