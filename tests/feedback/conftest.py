"""Fixtures of the feedback tests: a counter with a served ticket, a dossier with its result,
the counter's rating tablet, and the center's leader.

Queue services are given ``now`` inside working hours (Wednesday 25 November 2026, 09:00 in
Vietnam); ratings are given the real clock unless a test fixes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from motcua.dossiers.models import Dossier, Timeliness
from motcua.dossiers.workflow import Status as DossierStatus
from motcua.organization.models import DeviceToken
from motcua.organization.services import device_token_create
from motcua.queueing import services as queue
from motcua.queueing.models import QueueService, Ticket
from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import make_procedure
from tests.factories import CounterFactory, staff

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
_codes = count(1)


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_limits():
    rate_limit_reset()


@pytest.fixture
def counter(center):
    return CounterFactory(center=center, number=3, name="Quầy 3")


@pytest.fixture
def service(center, counter):
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(counter)
    return service


@pytest.fixture
def official(center):
    return staff("receptionist", center, username="canbo-lan", first_name="Lan", last_name="Trần")


@pytest.fixture
def leader(center):
    return staff("leader", center, username="lanhdao-hp", email="lanhdao@example.vn")


def working_now() -> datetime:
    """A moment the queue accepts: today 09:00 in Vietnam when today is a working day would
    do, but the tests must not depend on the day they run: use a fixed Wednesday."""
    return datetime(2026, 11, 25, 9, 0, tzinfo=HCM)


def serve(center, counter, official, *, finish: bool = True, now: datetime | None = None) -> Ticket:
    """Issue a ticket, call it at ``counter`` as ``official``, start and (by default) finish."""
    now = now or working_now()
    issuer = queue.Issuer(source="staff", user=official)
    queue.ticket_issue(issuer=issuer, center=center, service_code="ho-tich", now=now)
    queue.counter_set_status(actor=official, counter=counter, status="open")
    ticket = queue.ticket_call_next(actor=official, counter=counter, now=now)
    assert ticket is not None
    queue.ticket_act(actor=official, counter=counter, action="start", now=now)
    if finish:
        queue.ticket_act(
            actor=official, counter=counter, action="finish", outcome="advice", now=now
        )
    ticket.refresh_from_db()
    # Ratings use the real clock: the service was "just now".
    Ticket.objects.filter(pk=ticket.pk).update(finished_at=timezone.now() if finish else None)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def served(center, counter, service, official) -> Ticket:
    return serve(center, counter, official)


@pytest.fixture
def center_admin(center):
    return staff("center_admin", center, username="quantri-hp")


@pytest.fixture
def tablet(center, counter, center_admin) -> tuple[DeviceToken, str]:
    device, raw = device_token_create(
        actor=center_admin,
        center=center,
        purpose=DeviceToken.Purpose.RATING_TABLET,
        name="Máy đánh giá quầy 3",
        counter=counter,
    )
    return device, raw


@pytest.fixture
def procedure(center):
    return make_procedure(center, channels=("1", "2", "3"))


def make_dossier(
    center,
    procedure,
    *,
    status: int = DossierStatus.PROCESSED,
    processed_at: datetime | None = None,
    timeliness: str = Timeliness.ON_TIME,
    supplements: int = 0,
    id_number: str = "001095012345",
    received_by=None,
    ticket=None,
) -> Dossier:
    processed_at = processed_at if processed_at is not None else timezone.now()
    received = processed_at - timedelta(days=3)
    return Dossier.objects.create(
        code=f"{center.unit_code}-261125-{next(_codes):04d}",
        center=center,
        procedure=procedure,
        procedure_version=procedure.current_version,
        channel=1,
        status=status,
        applicant_name="Nguyễn Thị Lan",
        id_number=id_number,
        phone="0912345678",
        received_at=received,
        accepted_at=received,
        due_at=processed_at,
        processed_at=processed_at if status in (9, 10) else None,
        timeliness=timeliness if status in (9, 10) else "",
        supplements_during_processing=supplements,
        received_by=received_by,
        ticket=ticket,
    )
