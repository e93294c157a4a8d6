"""No overbooking under real parallel requests against the real ASGI server (PostgreSQL).

As in tests/queueing/test_concurrency.py: each thread opens its own HTTP connection and waits at
a barrier, so the requests arrive together; the server runs each in its own thread with its own
database connection. Every booking of a service-day takes the lock of that day's BookingDay row
before it counts, so exactly the capacity is booked and the others are told the slot is full.

The clock travels to NOW with time_machine, which patches the process's clock: the live server
runs in threads of this process and sees the same time (the queueing concurrency tests rely on
the same).

A hundred requests at once would open a hundred database connections, which is PostgreSQL's
default ``max_connections`` (and other test runs share the server). As a production pool or
pgbouncer does, the server here gets at most ``CONNECTIONS`` connections at once: the other
requests wait for one. They still all arrive together and race for the same rows.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter as Tally
from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection

from motcua.appointments import services
from motcua.appointments.models import Appointment, Availability, BookingDay
from motcua.appointments.selectors import holding_filter
from motcua.appointments.workflow import Status
from motcua.errors import Conflict
from motcua.queueing.models import Ticket
from tests.appointments.conftest import NOW, at
from tests.queueing.test_concurrency import Api, report, together, token_for

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not POSTGRES,
        reason=(
            "row locks and simultaneous writers need PostgreSQL (SQLite serialises every "
            "writer, so a race cannot happen there); run with DATABASE_URL=postgres://…"
        ),
    ),
]

SLOT_FULL = "Khung giờ này vừa hết chỗ; hãy chọn giờ khác."
CONNECTIONS = 40


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def connection_pool(monkeypatch):
    """At most CONNECTIONS database connections opened at once by this process (a new one
    waits until another is closed; the server closes each at the end of its request)."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    gate = threading.BoundedSemaphore(CONNECTIONS)
    connect, close = DatabaseWrapper.get_new_connection, DatabaseWrapper._close

    def get_new_connection(self, conn_params):
        if not gate.acquire(timeout=120):
            raise OperationalError("no database connection free for two minutes")
        try:
            opened = connect(self, conn_params)
        except BaseException:
            gate.release()
            raise
        self._gated = True
        return opened

    def _close(self):
        try:
            return close(self)
        finally:
            if getattr(self, "_gated", False):
                self._gated = False
                gate.release()

    monkeypatch.setattr(DatabaseWrapper, "get_new_connection", get_new_connection)
    monkeypatch.setattr(DatabaseWrapper, "_close", _close)


def booking(center, start: str, phone: str) -> dict:
    return {
        "center": center.code,
        "service": "ho-tich",
        "start": start,
        "name": "Nguyễn Văn An",
        "phone": phone,
    }


def outcomes(results: list) -> Tally:
    problems = [r for r in results if isinstance(r, Exception)]
    assert not problems, problems[:3]
    return Tally(
        (status, (body or {}).get("code") if status >= 400 else None) for status, body in results
    )


def test_a_hundred_simultaneous_bookings_for_three_places(
    live_server_url, frozen, center, service, receptionist
):
    Availability.objects.filter(service=service).update(capacity=3)
    token = token_for(receptionist)
    count = 100

    def take(i):
        client = Api(live_server_url, {"Authorization": f"Bearer {token}"})
        try:
            return client.post(
                "appointments", booking(center, "2026-11-30T08:00:00+07:00", f"09{i:08d}")
            )
        finally:
            client.close()

    results, seconds = together(count, take)
    report("book-one-slot", seconds, requests=count)

    assert outcomes(results) == {(201, None): 3, (409, "slot_full"): 97}
    assert {body["message"] for status, body in results if status == 409} == {SLOT_FULL}
    assert all(body["status"] == "reserved" for status, body in results if status == 201)
    booked = {body["code"] for status, body in results if status == 201}
    holding = Appointment.objects.filter(service=service, start=at(30, 8)).filter(
        holding_filter(NOW)
    )
    assert set(holding.values_list("code", flat=True)) == booked
    assert Appointment.objects.count() == 3
    assert BookingDay.objects.get(service=service).bookings == 3


def test_twenty_simultaneous_bookings_of_one_phone_for_one_day(
    live_server_url, frozen, center, service, receptionist
):
    Availability.objects.filter(service=service, weekday=0).update(end=time(13))  # 20 slots
    token = token_for(receptionist)
    starts = [at(30, 8 + n // 4, 15 * (n % 4)).isoformat() for n in range(20)]

    def take(i):
        client = Api(live_server_url, {"Authorization": f"Bearer {token}"})
        try:
            return client.post("appointments", booking(center, starts[i], "0912345678"))
        finally:
            client.close()

    results, _seconds = together(len(starts), take)

    assert outcomes(results) == {(201, None): 1, (409, "already_booked"): 19}
    assert Appointment.objects.filter(phone="0912345678").count() == 1


def test_simultaneous_reschedules_into_the_last_place(live_server_url, frozen, center, service):
    target = at(1, 8, month=12)
    for phone in ("0900000001", "0900000002"):
        appointment, secret = services.appointment_reserve(
            center=center,
            service_code="ho-tich",
            start=target,
            name="Người đặt trước",
            phone=phone,
            now=NOW,
        )
        services.appointment_confirm(code=appointment.code, secret=secret, now=NOW)
    Availability.objects.filter(service=service).update(capacity=3)
    movers = []
    for n in range(12):
        appointment, secret = services.appointment_reserve(
            center=center,
            service_code="ho-tich",
            start=at(30, 8 + n // 4, 15 * (n % 4)),
            name="Người đổi giờ",
            phone=f"0911{n:06d}",
            now=NOW,
        )
        services.appointment_confirm(code=appointment.code, secret=secret, now=NOW)
        movers.append((appointment.code, secret))

    def move(i):
        code, secret = movers[i]
        client = Api(live_server_url)
        try:
            return client.post(
                f"appointments/{code}/reschedule", {"secret": secret, "start": target.isoformat()}
            )
        finally:
            client.close()

    results, _seconds = together(len(movers), move)

    assert outcomes(results) == {(200, None): 1, (409, "slot_full"): 11}
    winner = next(body["code"] for status, body in results if status == 200)
    at_target = Appointment.objects.filter(service=service, start=target).filter(
        holding_filter(NOW)
    )
    assert at_target.count() == 3
    assert winner in set(at_target.values_list("code", flat=True))
    # The others kept their places; the winner's old place is free.
    assert Appointment.objects.filter(status=Status.CONFIRMED, day=at(30, 8).date()).count() == 11
    assert Appointment.objects.filter(status=Status.CONFIRMED).count() == 14


# --- A deterministic race inside the services ------------------------------------------------


def test_a_booking_cannot_take_a_place_being_confirmed_as_its_hold_runs_out(
    center, service, monkeypatch
):
    """The holder confirms one second before the hold runs out while someone books the same
    place one second after: the booking sees the reservation as expired. Both pass a barrier
    at once; without the day's lock in the confirmation, both would succeed."""
    Availability.objects.filter(service=service).update(capacity=1)
    held, secret = services.appointment_reserve(
        center=center, service_code="ho-tich", start=at(30, 8), name="An", phone="0911111111",
        now=NOW,
    )  # fmt: skip
    barrier = threading.Barrier(2, timeout=3)
    locked, take = services._locked, services._take

    def at_barrier(original):
        def wait_first(*args, **kwargs):
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            return original(*args, **kwargs)

        return wait_first

    monkeypatch.setattr(services, "_locked", at_barrier(locked))  # confirm: before its write
    monkeypatch.setattr(services, "_take", at_barrier(take))  # booking: before it counts
    results: dict = {}

    def confirm():
        return services.appointment_confirm(
            code=held.code, secret=secret, now=NOW + timedelta(minutes=9, seconds=59)
        )

    def book():
        return services.appointment_reserve(
            center=center, service_code="ho-tich", start=at(30, 8), name="Bình",
            phone="0922222222", now=NOW + timedelta(minutes=10, seconds=1),
        )  # fmt: skip

    def run(name, work):
        try:
            results[name] = work()
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in (("confirm", confirm), ("book", book))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not isinstance(results["confirm"], Exception), results
    assert isinstance(results["book"], Conflict) and results["book"].code == "slot_full", results
    later = NOW + timedelta(minutes=10, seconds=1)
    assert Appointment.objects.filter(start=at(30, 8)).filter(holding_filter(later)).count() == 1


def test_two_scans_of_one_code_at_once_issue_one_ticket(center, service, kiosk, monkeypatch):
    appointment, secret = services.appointment_reserve(
        center=center, service_code="ho-tich", start=at(30, 8), name="An", phone="0911111111",
        now=NOW,
    )  # fmt: skip
    services.appointment_confirm(code=appointment.code, secret=secret, now=NOW)
    barrier = threading.Barrier(2, timeout=3)
    locked = services._locked

    def wait_first(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return locked(*args, **kwargs)

    monkeypatch.setattr(services, "_locked", wait_first)
    results: list = [None, None]

    def scan(i):
        try:
            results[i] = services.appointment_check_in(
                center=center, scan=appointment.code, device=kiosk[0], now=at(30, 7, 55)
            )
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and refused[0].code == "already_checked_in", results
    assert Ticket.objects.count() == 1
