"""Fixtures of the queue tests: one center with a queue service, counters, staff and devices.

Issuing refuses outside working hours, so services are given ``now=NOW`` (a Wednesday, 09:00 in
the center's zone) and HTTP tests freeze the clock there with ``time_machine``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from motcua.organization.services import device_token_create
from motcua.queueing import services
from motcua.queueing.models import PriorityGroup, QueueService, Ticket
from tests.factories import CounterFactory, staff

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# A Wednesday inside the morning working period.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=HCM)


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    """A moment of November 2026 in the center's zone."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HCM)


def make_service(center, code="ho-tich", counters=(), **fields) -> QueueService:
    fields.setdefault("name", code)
    fields.setdefault("number_start", 1001)
    fields.setdefault("number_end", 1999)
    service = QueueService.objects.create(center=center, code=code, **fields)
    for counter in counters:
        service.counters.add(counter)
    return service


def issue(
    center,
    service_code: str = "ho-tich",
    *,
    issuer: services.Issuer | None = None,
    priority: str | None = None,
    now: datetime | None = NOW,
    phone: str = "",
) -> Ticket:
    """Issue a ticket (by a receptionist of the center, unless ``issuer`` says otherwise)."""
    if issuer is None:
        issuer = services.Issuer(source="staff", user=_issuing_staff(center))
    return services.ticket_issue(
        issuer=issuer,
        center=center,
        service_code=service_code,
        priority_group_code=priority,
        phone=phone,
        now=now,
    )


def _issuing_staff(center):
    # Idempotent: the user is got-or-created by user name, the membership too.
    return staff("receptionist", center, username=f"phatso-{center.code}")


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def vietnamese():
    """Services called outside a request speak the default language (and a request made through
    the test client does not leak its language into the next test)."""
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture
def counter(center):
    return CounterFactory(center=center, number=1, name="Quầy Tư pháp")


@pytest.fixture
def counter2(center):
    return CounterFactory(center=center, number=2, name="Quầy Đất đai")


@pytest.fixture
def service(center, counter):
    return make_service(center, "ho-tich", [counter], name="Hộ tịch")


@pytest.fixture
def groups(center):
    services.priority_groups_ensure(center)
    return {group.code: group for group in PriorityGroup.objects.filter(center=center)}


@pytest.fixture
def policy(center):
    return services.queue_policy(center)


@pytest.fixture
def receptionist(center):
    return staff("receptionist", center, username="tiepnhan-hp")


@pytest.fixture
def official(center):
    """The member of staff who works the counters in service-level tests."""
    return staff("receptionist", center, username="canbo-quay-hp")


@pytest.fixture
def center_admin(center):
    return staff("center_admin", center, username="quantri-hp")


@pytest.fixture
def other_staff(other_center):
    return staff("receptionist", other_center, username="tiepnhan-nc")


@pytest.fixture
def kiosk(center, center_admin):
    """(device, raw token) of the center's kiosk."""
    return device_token_create(actor=center_admin, center=center, purpose="kiosk", name="K1")


@pytest.fixture
def frozen():
    """The clock at NOW, ticking (the live server runs in this process and sees it too)."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
