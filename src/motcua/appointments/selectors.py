"""Reads of appointments: bookable services, the slots of a day with what remains, an
appointment by code and secret, and the staff's lists."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.appointments.models import Appointment, Availability, BookingPolicy, Closure
from motcua.appointments.slots import Period, Slot, day_slots
from motcua.appointments.workflow import Status
from motcua.catalog.models import Procedure
from motcua.errors import NotAllowed, NotFound
from motcua.organization.models import Center, Role
from motcua.organization.selectors import center_calendar, center_now, user_has_role
from motcua.queueing.models import QueueService

AnyUser = User | AnonymousUser

STAFF_ROLES = (Role.RECEPTIONIST, Role.CENTER_ADMIN, Role.LEADER, Role.SPECIALIST)


def policy_for(center: Center) -> BookingPolicy:
    policy, _created = BookingPolicy.objects.get_or_create(center=center)
    return policy


def bookable_services(center: Center) -> QuerySet[QueueService]:
    """The center's active queue services that have an active availability."""
    return (
        QueueService.objects.filter(center=center, is_active=True, availabilities__is_active=True)
        .distinct()
        .order_by("order", "name")
    )


def center_takes_appointments(center: Center) -> bool:
    """Whether the center's booking is open and has a bookable service (reads only: no policy
    row is made)."""
    if BookingPolicy.objects.filter(center=center, enabled=False).exists():
        return False
    return bookable_services(center).exists()


def service_get(center: Center, code: str) -> QueueService:
    service = bookable_services(center).filter(code=code).first()
    if service is None:
        raise NotFound(
            _("Dịch vụ “%(code)s” không nhận đặt lịch hẹn ở trung tâm này.") % {"code": code},
            code="unknown_service",
        )
    return service


def secret_hash(secret: str) -> str:
    key = settings.TOKEN_HASH_KEY.encode()
    return hmac.new(key, f"appointment:{secret}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DaySlot:
    start: datetime
    end: datetime
    capacity: int
    taken: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)


def booking_window(center: Center, policy: BookingPolicy, now: datetime) -> tuple[date, date]:
    """The first and last days that may be booked now (center's local dates)."""
    today = center_now(center=center, now=now).date()
    return (
        today + timedelta(days=policy.earliest_days_ahead),
        today + timedelta(days=policy.horizon_days),
    )


def holding_filter(now: datetime) -> Q:
    """Appointments whose slot is taken at ``now``."""
    return (
        Q(status__in=[Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW])
        | Q(status=Status.RESERVED, expires_at__gt=now)
        | Q(status=Status.CANCELLED, released_at__gt=now)
    )


def slots_of_day(service: QueueService, day: date) -> list[Slot]:
    """Every slot the availability gives on ``day`` (before any booking rule)."""
    center = service.center
    calendar = center_calendar(center=center)
    periods = [
        Period(
            weekday=row.weekday,
            start=row.start,
            end=row.end,
            slot_minutes=row.slot_minutes,
            capacity=row.capacity,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        for row in Availability.objects.filter(service=service, is_active=True)
    ]
    begin = datetime.combine(day, datetime.min.time(), tzinfo=calendar.tz)
    end = begin + timedelta(days=1)
    closures = [
        (row.start, row.end)
        for row in Closure.objects.filter(
            Q(service=service) | Q(service__isnull=True),
            center=center,
            start__lt=end,
            end__gt=begin,
        )
    ]
    return day_slots(calendar=calendar, day=day, periods=periods, closures=closures)


def taken_counts(service: QueueService, day: date, now: datetime, exclude: int | None = None):
    rows = Appointment.objects.filter(service=service, day=day).filter(holding_filter(now))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return dict(rows.values_list("start").annotate(n=Count("id")).values_list("start", "n"))


def slot_list(*, service: QueueService, day: date, now: datetime | None = None) -> list[DaySlot]:
    """The slots of ``day`` that may be booked now, with how many places remain (0: full).
    Outside the booking window, on days off and past the same-day cut-off: none."""
    now = now or timezone.now()
    center = service.center
    policy = policy_for(center)
    if not policy.enabled:
        return []
    first, last = booking_window(center, policy, now)
    if day < first or day > last:
        return []
    earliest = now + timedelta(minutes=policy.same_day_cutoff_minutes)
    taken = taken_counts(service, day, now)
    return [
        DaySlot(slot.start, slot.end, slot.capacity, taken.get(slot.start, 0))
        for slot in slots_of_day(service, day)
        if slot.start >= earliest
    ]


def days_with_slots(
    *, service: QueueService, now: datetime | None = None
) -> list[tuple[date, int]]:
    """The bookable days of the window with the places remaining on each."""
    now = now or timezone.now()
    policy = policy_for(service.center)
    if not policy.enabled:
        return []
    first, last = booking_window(service.center, policy, now)
    days = []
    day = first
    while day <= last:
        slots = slot_list(service=service, day=day, now=now)
        if slots:
            days.append((day, sum(slot.remaining for slot in slots)))
        day += timedelta(days=1)
    return days


def appointment_by_secret(*, code: str, secret: str) -> Appointment:
    """An appointment for its holder: the code and the secret given when it was booked."""
    appointment = (
        Appointment.objects.select_related("center", "service", "procedure")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if appointment is None or not hmac.compare_digest(
        appointment.secret_hash, secret_hash(secret or "")
    ):
        raise NotFound(
            _("Không tìm thấy lịch hẹn với mã và mã bí mật này."), code="appointment_not_found"
        )
    return appointment


def staff_check(*, user: AnyUser, center: Center) -> None:
    if not user_has_role(user=user, center=center, roles=STAFF_ROLES):
        raise NotAllowed(_("Bạn không làm việc ở trung tâm này."))


def day_list(
    *, user: AnyUser, center: Center, day: date, service: QueueService | None = None
) -> QuerySet[Appointment]:
    """A center's appointments of a day (for its staff), by time."""
    staff_check(user=user, center=center)
    rows = Appointment.objects.filter(center=center, day=day).exclude(status__in=[Status.EXPIRED])
    if service is not None:
        rows = rows.filter(service=service)
    return rows.select_related("service", "procedure", "ticket", "ticket__counter").order_by(
        "start", "id"
    )


# --- Staff: bookings that lost their slot, the services and procedures to book ---------------
# (written for the staff pages and the admin; nothing here ever cancels a booking)


@dataclass(frozen=True)
class SlotProblem:
    """A booking whose slot is gone (``no_slot``), whose service no longer runs
    (``no_service``), or which is one too many for its slot (``over_capacity``)."""

    appointment: Appointment
    reason: str
    capacity: int = 0

    @property
    def label(self) -> str:
        if self.reason == "no_service":
            return _("Dịch vụ đã ngừng hoạt động")
        if self.reason == "over_capacity":
            return _("Khung giờ đã giảm còn %(n)s chỗ") % {"n": self.capacity}
        return _("Khung giờ không còn (đã đổi khung giờ, tạm ngừng hoặc ngày nghỉ)")


def _open_now(now: datetime) -> Q:
    return Q(status=Status.CONFIRMED) | Q(status=Status.RESERVED, expires_at__gt=now)


def appointments_without_slot(center: Center, now: datetime | None = None) -> list[SlotProblem]:
    """The center's coming confirmed (and still held) bookings that the current availability,
    closures and working calendar no longer give a place: their slot is gone, or it now holds
    more bookings than its capacity (the latest booked are the ones listed). For staff to call
    the citizen and move or cancel; nothing is changed here."""
    now = now or timezone.now()
    candidates = list(
        Appointment.objects.filter(center=center, end__gt=now)
        .filter(_open_now(now))
        .select_related("service", "procedure")
        .order_by("start", "id")
    )
    if not candidates:
        return []
    groups: dict[tuple[int, date], list[Appointment]] = {}
    for row in candidates:
        groups.setdefault((row.service_id, row.day), []).append(row)
    calendar = center_calendar(center=center)
    service_ids = {service_id for service_id, _day in groups}
    periods: dict[int, list[Period]] = {}
    for period in Availability.objects.filter(service_id__in=service_ids, is_active=True):
        periods.setdefault(period.service_id, []).append(
            Period(
                weekday=period.weekday,
                start=period.start,
                end=period.end,
                slot_minutes=period.slot_minutes,
                capacity=period.capacity,
                valid_from=period.valid_from,
                valid_until=period.valid_until,
            )
        )
    first_day = min(day for _service, day in groups)
    last_day = max(day for _service, day in groups)
    begin = datetime.combine(first_day, datetime.min.time(), tzinfo=calendar.tz)
    finish = datetime.combine(last_day, datetime.min.time(), tzinfo=calendar.tz) + timedelta(days=1)
    closures = list(
        Closure.objects.filter(center=center, start__lt=finish, end__gt=begin).values_list(
            "service_id", "start", "end"
        )
    )
    # Every booking that keeps a place in the same slots: those already settled (checked in, no
    # show) first, then by booking time, so that the ones too many are the latest booked.
    settled = (Status.CHECKED_IN, Status.NO_SHOW)
    holders: dict[tuple[int, datetime], list[Appointment]] = {}
    holding = Appointment.objects.filter(
        center=center, service_id__in=service_ids, day__gte=first_day, day__lte=last_day
    ).filter(_open_now(now) | Q(status__in=settled))
    for row in sorted(holding, key=lambda a: (a.status not in settled, a.created_at, a.pk)):
        holders.setdefault((row.service_id, row.start), []).append(row)
    problems: list[SlotProblem] = []
    for (service_id, day), rows in groups.items():
        service = rows[0].service
        if not service.is_active:
            problems += [SlotProblem(row, "no_service") for row in rows]
            continue
        slots = day_slots(
            calendar=calendar,
            day=day,
            periods=periods.get(service_id, []),
            closures=[(s, e) for sid, s, e in closures if sid in (None, service_id)],
        )
        capacity = {slot.start: slot.capacity for slot in slots}
        for row in rows:
            if row.start not in capacity:
                problems.append(SlotProblem(row, "no_slot"))
                continue
            keeping = holders.get((service_id, row.start), [])
            allowed = {held.pk for held in keeping[: capacity[row.start]]}
            if row.pk not in allowed:
                problems.append(SlotProblem(row, "over_capacity", capacity[row.start]))
    problems.sort(key=lambda problem: (problem.appointment.start, problem.appointment.pk))
    return problems


def staff_services(center: Center) -> QuerySet[QueueService]:
    """The center's queue services that take or have taken appointments (for the filters)."""
    return (
        QueueService.objects.filter(center=center)
        .filter(Q(availabilities__isnull=False) | Q(appointments__isnull=False))
        .distinct()
        .order_by("order", "name")
    )


def service_procedures(service: QueueService) -> QuerySet[Procedure]:
    """The procedures served under a queue service (its own and those of its fields)."""
    return (
        Procedure.objects.filter(is_active=True)
        .filter(Q(queue_services=service) | Q(fields__in=service.fields.all()))
        .distinct()
        .order_by("name")
    )


def today_count(centers: Iterable[Center], now: datetime | None = None) -> int:
    """How many confirmed or checked-in appointments the centers have today (their own dates)."""
    now = now or timezone.now()
    query = Q(pk__in=[])
    for center in centers:
        query |= Q(center=center, day=center_now(center=center, now=now).date())
    return (
        Appointment.objects.filter(query)
        .filter(status__in=[Status.CONFIRMED, Status.CHECKED_IN])
        .count()
    )
