"""Real parallel requests against the real ASGI server: numbers, calls and counters under load.

The guarantees matter on PostgreSQL (run with DATABASE_URL set); on SQLite writers are
serialised and the same tests must pass. Each thread opens its own HTTP connection and waits
at a barrier, so the requests really arrive together; the server runs every request in its own
thread with its own database connection.

The last tests race two service calls deterministically (a barrier inside the service, between
its check and its write) to show the read-then-write races the design forbids.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from motcua.queueing import services
from motcua.queueing.models import Ticket, TicketEvent, TicketSequence
from motcua.queueing.services import Issuer
from tests.factories import PASSWORD, CounterFactory, staff
from tests.queueing.conftest import NOW, issue, make_service

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
BACKEND = "postgresql" if POSTGRES else "sqlite"
THREADS = 50
COUNTERS = 5

pytestmark = pytest.mark.django_db(transaction=True)


class Api:
    """A keep-alive HTTP connection of one thread to the live server."""

    def __init__(self, base_url: str, headers: dict | None = None) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.headers = headers or {}

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else b""
        headers = (
            {"Content-Type": "application/json", **self.headers}
            if body is not None
            else self.headers
        )
        self.connection.request("POST", f"/api/v1/{path}", body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.connection.close()


def together(count: int, work: Callable[[int], object]) -> tuple[list, float]:
    """Run ``work(i)`` in ``count`` threads released at once; (results in order, wall seconds)."""
    barrier = threading.Barrier(count + 1)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # reported by the test, not lost in the thread
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results, elapsed


def token_for(user) -> str:
    from motcua.organization.services import api_token_issue

    return api_token_issue(username=user.username, password=PASSWORD)[1]


def report(name: str, seconds: float, **figures) -> None:
    extra = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\nTIMING {name} backend={BACKEND} wall={seconds:.2f}s {extra}")


# --- (a) Fifty tickets at once ---------------------------------------------------------------------


def test_fifty_simultaneous_tickets_get_fifty_consecutive_numbers(
    live_server_url, frozen, center, service, kiosk
):
    _device, raw = kiosk

    def take(_i):
        client = Api(live_server_url, {"X-Device-Token": raw})
        try:
            return client.post(f"centers/{center.code}/tickets", {"service": "ho-tich"})
        finally:
            client.close()

    results, seconds = together(THREADS, take)
    report("issue", seconds, requests=THREADS)

    errors = [r for r in results if isinstance(r, Exception) or r[0] != 201]
    assert not errors, errors[:5]
    numbers = sorted(body["number"] for _status, body in results)
    assert numbers == list(range(1001, 1001 + THREADS))
    assert len({body["token"] for _status, body in results}) == THREADS
    assert Ticket.objects.count() == THREADS
    assert sorted(Ticket.objects.values_list("number", flat=True)) == numbers
    sequence = TicketSequence.objects.get(service=service, day=NOW.date())
    assert (sequence.last_number, sequence.issued) == (1000 + THREADS, THREADS)
    assert TicketEvent.objects.filter(action="issue").count() == THREADS
    # Each position counts the tickets committed before the answer was made.
    assert all(1 <= body["position"] <= THREADS for _status, body in results)


def test_simultaneous_tickets_for_several_services(live_server_url, frozen, center, counter, kiosk):
    codes = ["a", "b", "c"]
    for code in codes:
        make_service(center, code, [counter], prefix=code.upper(), number_start=1)
    _device, raw = kiosk
    count = 30

    def take(i):
        client = Api(live_server_url, {"X-Device-Token": raw})
        try:
            return client.post(f"centers/{center.code}/tickets", {"service": codes[i % 3]})
        finally:
            client.close()

    results, _seconds = together(count, take)

    assert all(not isinstance(r, Exception) and r[0] == 201 for r in results), results[:3]
    for code in codes:
        displays = sorted(body["display"] for _s, body in results if body["service"] == code)
        assert displays == [f"{code.upper()}{n:03d}" for n in range(1, count // 3 + 1)]


def test_the_range_runs_out_exactly(live_server_url, frozen, center, counter, kiosk):
    make_service(center, "nho", [counter], number_start=1, number_end=20)
    _device, raw = kiosk

    def take(_i):
        client = Api(live_server_url, {"X-Device-Token": raw})
        try:
            return client.post(f"centers/{center.code}/tickets", {"service": "nho"})
        finally:
            client.close()

    results, _seconds = together(30, take)

    statuses = Tally(r[0] for r in results if not isinstance(r, Exception))
    assert statuses == {201: 20, 409: 10}, results
    assert {r[1]["code"] for r in results if r[0] == 409} == {"range_used_up"}
    assert sorted(r[1]["number"] for r in results if r[0] == 201) == list(range(1, 21))
    assert Ticket.objects.count() == 20


# --- (b) Five counters empty the queue --------------------------------------------------------------


def test_five_counters_call_every_ticket_exactly_once(live_server_url, frozen, center, service):
    counters = [CounterFactory(center=center, number=n) for n in range(11, 11 + COUNTERS)]
    service.counters.add(*counters)
    tokens = [token_for(staff("receptionist", center)) for _ in counters]
    tickets = [issue(center, now=NOW) for _ in range(THREADS)]

    def work(i):
        counter = counters[i]
        client = Api(live_server_url, {"Authorization": f"Bearer {tokens[i]}"})
        called, problems = [], []
        try:
            while True:
                status, body = client.post(f"counters/{counter.pk}/call-next")
                if status == 204:
                    return called, problems
                if status != 200:
                    problems.append((status, body))
                    return called, problems
                called.append(body["ticket"]["id"])
                for action, payload in (("start", {}), ("finish", {"outcome": "advice"})):
                    status, body = client.post(f"counters/{counter.pk}/actions/{action}", payload)
                    if status != 200:
                        problems.append((action, status, body))
        finally:
            client.close()

    results, seconds = together(COUNTERS, work)
    per_counter = [len(r[0]) for r in results if not isinstance(r, Exception)]
    report("call", seconds, tickets=THREADS, counters=COUNTERS, per_counter=per_counter)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert [p for r in results for p in r[1]] == []
    called = [ticket_id for r in results for ticket_id in r[0]]
    assert len(called) == len(set(called)) == THREADS
    assert set(called) == {t.pk for t in tickets}
    calls = Tally(TicketEvent.objects.filter(action="call").values_list("ticket_id", flat=True))
    assert set(calls.values()) == {1}
    assert len(calls) == THREADS
    assert set(Ticket.objects.values_list("status", flat=True)) == {"finished"}
    # Each ticket was called, started and finished at the same counter.
    for ticket in Ticket.objects.all():
        events = TicketEvent.objects.filter(ticket=ticket).exclude(action="issue")
        assert {e.counter_id for e in events} == {ticket.counter_id}
    # Called in the order of issue, counter by counter.
    for called_here, _problems in results:
        assert called_here == sorted(called_here)


# --- (c) Two calls on one counter ------------------------------------------------------------------


def test_simultaneous_calls_on_one_counter_never_give_it_two_tickets(
    live_server_url, frozen, center, counter, service, official
):
    token = token_for(official)
    rounds, racers = 6, 2 if not POSTGRES else 4
    for _ in range(rounds * racers):
        issue(center, now=NOW)
    outcomes = []

    for _round in range(rounds):

        def call(_i):
            client = Api(live_server_url, {"Authorization": f"Bearer {token}"})
            try:
                return client.post(f"counters/{counter.pk}/call-next")
            finally:
                client.close()

        results, _seconds = together(racers, call)
        outcomes.append(sorted(r[0] for r in results))
        assert all(not isinstance(r, Exception) for r in results), results
        assert sorted(r[0] for r in results) == [200] + [409] * (racers - 1), results
        assert {r[1]["code"] for r in results if r[0] == 409} == {"ticket_at_counter"}
        at_counter = Ticket.objects.filter(counter=counter, status__in=["called", "serving"])
        assert at_counter.count() == 1
        services.ticket_act(actor=official, counter=counter, action="no_show")

    assert TicketEvent.objects.filter(action="call").count() == rounds


# --- Deterministic races inside the services -------------------------------------------------------


def in_threads(*works: Callable[[], object]) -> list:
    """Run each callable in its own thread (each with its own database connection)."""
    results: list = [None] * len(works)

    def run(i: int) -> None:
        try:
            results[i] = works[i]()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def hold_at(monkeypatch, name: str, barrier: threading.Barrier) -> None:
    """Make ``services.<name>`` wait at ``barrier`` first (a short wait: on SQLite the second
    writer cannot even begin while the first holds the lock, and the barrier breaks)."""
    original = getattr(services, name)

    def held(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, held)


def test_the_remote_limit_holds_under_simultaneous_requests(center, service, monkeypatch):
    policy = services.queue_policy(center)
    policy.remote_enabled = True
    policy.save()
    hold_at(monkeypatch, "_issue_row", threading.Barrier(2, timeout=3))

    def take():
        return services.ticket_issue(
            issuer=Issuer(source="remote"),
            center=center,
            service_code="ho-tich",
            phone="0912345678",
            now=NOW,
        )

    results = in_threads(take, take)

    assert Ticket.objects.filter(phone="0912345678").count() == 1
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and refused[0].code == "remote_limit"


def test_resume_and_call_next_at_once_leave_one_ticket_at_the_counter(
    center, counter, service, official, monkeypatch
):
    parked = issue(center, now=NOW)
    issue(center, now=NOW)
    services.ticket_call_next(actor=official, counter=counter, now=NOW)
    services.ticket_act(actor=official, counter=counter, action="park", now=NOW)
    barrier = threading.Barrier(2, timeout=3)
    hold_at(monkeypatch, "_prefer_priority", barrier)  # call-next: after its check
    hold_at(monkeypatch, "_counter_ticket", barrier)  # resume: after its check

    results = in_threads(
        lambda: services.ticket_call_next(actor=official, counter=counter, now=NOW),
        lambda: services.ticket_act(
            actor=official, counter=counter, action="resume", ticket_id=parked.pk, now=NOW
        ),
    )

    at_counter = Ticket.objects.filter(counter=counter, status__in=["called", "serving"])
    assert at_counter.count() == 1, results
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and refused[0].code == "ticket_at_counter"


def test_tickets_issued_at_once_are_called_in_the_order_of_their_numbers(
    frozen, center, counter, service, official, monkeypatch
):
    """The first request has its time; the second overtakes it and gets 1001; then the first
    gets 1002. Over HTTP (50 at once) the numbers come out in nearly random order of issue time
    on both backends."""
    first_has_its_time, second_is_issued = threading.Event(), threading.Event()
    original = services._issuing_check

    def issuing_check(*args):  # called after the time is taken, before the transaction
        if threading.current_thread().name == "first":
            first_has_its_time.set()
            second_is_issued.wait(timeout=10)
        return original(*args)

    monkeypatch.setattr(services, "_issuing_check", issuing_check)

    def take_first():
        return issue(center, now=None)

    def take_second():
        first_has_its_time.wait(timeout=10)
        try:
            return issue(center, now=None)
        finally:
            second_is_issued.set()

    works = {"first": take_first, "second": take_second}
    results: dict = {}

    def run(name):
        try:
            results[name] = works[name]()
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,), name=name) for name in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert results["second"].number == 1001

    called = services.ticket_call_next(actor=official, counter=counter)

    assert called.number == 1001


def test_two_counters_calling_at_once_take_different_tickets(
    center, counter, service, official, monkeypatch
):
    second = CounterFactory(center=center, number=2)
    service.counters.add(second)
    first_ticket, second_ticket = issue(center, now=NOW), issue(center, now=NOW)
    other = staff("receptionist", center)
    hold_at(monkeypatch, "_prefer_priority", threading.Barrier(2, timeout=3))

    results = in_threads(
        lambda: services.ticket_call_next(actor=official, counter=counter, now=NOW),
        lambda: services.ticket_call_next(actor=other, counter=second, now=NOW),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.pk for r in results} == {first_ticket.pk, second_ticket.pk}
    assert TicketEvent.objects.filter(action="call").count() == 2
