"""Appointments of the demo province: every center's main queue services take bookings on
weekday mornings and afternoons (capacity: the counters serving them), with the default booking
rules, and citizens have booked some of today's remaining slots and of the coming days.

Idempotent and deterministic: availability is added only to services that have none (an
admin's changes stay), and each booking's code is derived from its center, service and time, so
running the seed again adds nothing it added before."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from motcua.appointments.models import (
    Appointment,
    AppointmentEvent,
    Availability,
    BookingDay,
    BookingPolicy,
)
from motcua.appointments.selectors import secret_hash, service_procedures, slots_of_day
from motcua.appointments.services import CODE_ALPHABET, CODE_LENGTH
from motcua.appointments.workflow import Action, Status
from motcua.organization.models import Center
from motcua.organization.selectors import center_now

# Queue service code → slot length in minutes. "khac" (questions, other procedures) is not
# booked: people just take a number.
BOOKABLE = {"ho-tich": 15, "dat-dai": 20, "xa-hoi": 20}
# Inside the demo centers' working hours (07:30–11:30, 13:30–17:30), leaving the first and
# last half hour to the walk-in queue.
PERIODS = [(time(8, 0), time(11, 0)), (time(14, 0), time(16, 30))]
WEEKDAYS = range(5)  # Monday to Friday
DAYS_AHEAD = 7
# Share of places booked: today and tomorrow most, then fewer further out.
FILL = [0.45, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.1]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Thu", "Đức", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
]


def _code(key: str) -> str:
    digest = hashlib.sha256(f"demo-appointment:{key}".encode()).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def demo_availability_load(centers: list[Center]) -> None:
    """Weekly availability and the default booking rules for every center's main services."""
    for center in centers:
        BookingPolicy.objects.get_or_create(center=center)
        for service in center.queue_services.filter(code__in=list(BOOKABLE), is_active=True):
            if Availability.objects.filter(service=service).exists():
                continue  # keep what the center's admins set since
            capacity = max(1, service.counters.filter(is_active=True).count())
            Availability.objects.bulk_create(
                Availability(
                    center=center,
                    service=service,
                    weekday=weekday,
                    start=start,
                    end=end,
                    slot_minutes=BOOKABLE[service.code],
                    capacity=capacity,
                )
                for weekday in WEEKDAYS
                for start, end in PERIODS
            )


def demo_appointments_load(centers: list[Center], now: datetime | None = None) -> int:
    """Confirmed bookings in today's remaining slots and those of the coming week; returns how
    many were added."""
    now = now or timezone.now()
    added = 0
    for center in centers:
        today = center_now(center=center, now=now).date()
        services = center.queue_services.filter(
            code__in=list(BOOKABLE), is_active=True, availabilities__is_active=True
        ).distinct()
        for service in services:
            procedures = list(service_procedures(service).values_list("pk", flat=True)[:40])
            for offset in range(DAYS_AHEAD + 1):
                day = today + timedelta(days=offset)
                new = [
                    row
                    for slot in slots_of_day(service, day)
                    if slot.start > now
                    for row in _bookings(service, slot, procedures, FILL[offset], now)
                ]
                # Two places whose codes clash (rare): the first keeps it.
                new = list({row.code: row for row in reversed(new)}.values())
                if not new:
                    continue
                Appointment.objects.bulk_create(new)
                _events(Appointment.objects.filter(code__in=[a.code for a in new]))
                BookingDay.objects.get_or_create(service=service, day=day)
                BookingDay.objects.filter(service=service, day=day).update(
                    bookings=F("bookings") + len(new)
                )
                added += len(new)
    return added


def _bookings(service, slot, procedures: list[int], fill: float, now: datetime) -> list:
    """The demo bookings of one slot: each place taken with probability ``fill``, decided by
    its own seeded generator (the same answer whenever the seed runs)."""
    center = service.center
    taken = Appointment.objects.filter(
        service=service,
        start=slot.start,
        status__in=[Status.RESERVED, Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW],
    ).count()
    rows = []
    for place in range(taken, slot.capacity):
        key = f"{center.code}:{service.code}:{slot.start.isoformat()}:{place}"
        rng = random.Random(key)  # noqa: S311 - demo data, not security
        if rng.random() >= fill:
            continue
        code = _code(key)
        if Appointment.objects.filter(code=code).exists():
            continue
        booked_at = min(now, slot.start) - timedelta(
            days=rng.randint(1, 6), minutes=rng.randint(0, 600)
        )
        rows.append(
            Appointment(
                code=code,
                secret_hash=secret_hash(secrets.token_urlsafe(12)),
                center=center,
                service=service,
                procedure_id=rng.choice(procedures) if procedures and rng.random() < 0.7 else None,
                day=slot.start.date(),
                start=slot.start,
                end=slot.end,
                status=Status.CONFIRMED,
                name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                consent_at=booked_at,
                source=Appointment.Source.STAFF if rng.random() < 0.2 else Appointment.Source.WEB,
                created_at=booked_at,
                confirmed_at=booked_at + timedelta(minutes=1),
            )
        )
    return rows


def _events(rows) -> None:
    AppointmentEvent.objects.bulk_create(
        event
        for row in rows
        for event in (
            AppointmentEvent(
                appointment=row,
                action=Action.RESERVE,
                from_status="",
                to_status=Status.RESERVED,
                at=row.created_at,
            ),
            AppointmentEvent(
                appointment=row,
                action=Action.CONFIRM,
                from_status=Status.RESERVED,
                to_status=Status.CONFIRMED,
                at=row.confirmed_at or row.created_at,
            ),
        )
    )


def demo_appointments_setup(centers: list[Center], *, now: datetime | None = None) -> None:
    """What the demo seed calls."""
    demo_availability_load(centers)
    demo_appointments_load(centers, now=now)
