"""Shared fixtures of the appointment tests: a bookable service with weekly availability, a
kiosk, staff, and times in the center's zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from motcua.appointments.models import Availability, BookingPolicy
from motcua.organization.models import DeviceToken, Role
from motcua.organization.services import device_token_create
from motcua.ratelimit import rate_limit_reset
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import make_service

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Sunday 29 November 2026, 10:00: tomorrow (Monday 30) is bookable.
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=HCM)


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_limits():
    rate_limit_reset()
    yield
    rate_limit_reset()


@pytest.fixture
def counter(center):
    return CounterFactory(center=center, number=1, name="Hộ tịch")


@pytest.fixture
def service(center, counter):
    """Civil status, bookable Monday–Friday 08:00–11:00 in 15-minute slots of 2 places."""
    service = make_service(center, code="ho-tich", name="Hộ tịch", counters=[counter])
    for weekday in range(5):
        Availability.objects.create(
            center=center,
            service=service,
            weekday=weekday,
            start=time(8, 0),
            end=time(11, 0),
            slot_minutes=15,
            capacity=2,
        )
    BookingPolicy.objects.get_or_create(center=center)
    return service


@pytest.fixture
def receptionist(center):
    return staff(Role.RECEPTIONIST, center, username="tiepnhan")


@pytest.fixture
def kiosk(center):
    admin = staff(Role.CENTER_ADMIN, center, username="quantri")
    device, raw = device_token_create(
        actor=admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt sảnh"
    )
    return device, raw


def plus(moment: datetime, **delta) -> datetime:
    return moment + timedelta(**delta)
