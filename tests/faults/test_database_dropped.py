"""The database connection of a call-next dropped in the middle of its transaction.

Two counters serve one line of three waiting tickets, over the real ASGI server. Counter 1's
call-next is caught at the end of its transaction: it has locked and updated ticket 1001 and
written the call event, and its COMMIT waits (the deferred foreign key check of the ticket's
counter needs a share lock on the counter's row, which this test holds).
Meanwhile counter 2 calls the next ticket (1002: 1001 is locked, so it is skipped). Then the
backend of counter 1's connection is terminated (``pg_terminate_backend``), as a database
restart or a network cut would. The request fails, nothing of it remains, and a retry calls
1001: no ticket is lost, none is called twice.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter as Tally
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine

from motcua.organization.models import Counter
from motcua.queueing import services
from motcua.queueing.models import QueueService, Ticket, TicketEvent
from motcua.queueing.workflow import Status
from tests.factories import CounterFactory, staff
from tests.faults.conftest import (
    NEEDS_POSTGRES_AND_REDIS,
    backend_gone,
    blocked_backend,
    pg_connect,
    wait_for,
)
from tests.queueing.test_concurrency import token_for

pytestmark = [
    pytest.mark.faults,
    NEEDS_POSTGRES_AND_REDIS,
    pytest.mark.django_db(transaction=True),
]

# A Wednesday inside the morning working period (issuing and calling are refused outside).
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def call_next(base_url: str, token: str, counter: Counter) -> tuple[int, bytes]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "POST",
            f"/api/v1/counters/{counter.pk}/call-next",
            body=b"",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_call_next_whose_connection_is_dropped_loses_no_ticket_and_calls_none_twice(
    live_server_url, center
):
    one, two = (CounterFactory(center=center, number=n) for n in (1, 2))
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(one, two)
    officials = {
        one.pk: staff("receptionist", center, username="quay-1"),
        two.pk: staff("receptionist", center, username="quay-2"),
    }
    tokens = {pk: token_for(user) for pk, user in officials.items()}
    issuer = services.Issuer(source="staff", user=officials[one.pk])
    issued = [
        services.ticket_issue(issuer=issuer, center=center, service_code="ho-tich")
        for _ in range(3)
    ]
    assert [t.display for t in issued] == ["1001", "1002", "1003"]
    # Each counter open, worked by its own official (the call itself writes nothing else).
    for counter in (one, two):
        services.counter_set_status(actor=officials[counter.pk], counter=counter, status="open")

    admin = pg_connect(autocommit=True)
    locker = pg_connect()
    outcome: dict[str, tuple[int, bytes]] = {}
    try:
        # Hold counter 1's row: its call-next updates ticket 1001 (counter = 1) and writes the
        # call event; the foreign key checks (deferred to COMMIT, as Django declares them) then
        # wait for this lock, with every write of the call done but not committed.
        locker.execute(
            f"SELECT id FROM {Counter._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [one.pk],
        )
        caught = threading.Thread(
            target=lambda: outcome.update(one=call_next(live_server_url, tokens[one.pk], one))
        )
        caught.start()
        pid = wait_for(
            lambda: blocked_backend(admin, "COMMIT"),
            what="counter 1's call-next waiting inside its transaction",
        )
        # Counter 2 is not held up: 1001 is taken (locked), it calls 1002.
        status, body = call_next(live_server_url, tokens[two.pk], two)
        assert status == 200, body
        # The connection dropped (a database restart, a network cut).
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        caught.join(timeout=30)
        assert not caught.is_alive()
        wait_for(lambda: backend_gone(admin, pid), what="the terminated backend going away")
    finally:
        locker.rollback()
        locker.close()
        admin.close()

    status, body = outcome["one"]
    assert status >= 500, (status, body)  # an error, never a ticket that was not called
    if status == 503:  # the API's answer when the database went away (the usual case)
        assert json.loads(body)["code"] == "unavailable"
    first = Ticket.objects.get(pk=issued[0].pk)
    assert first.status == Status.WAITING and first.counter_id is None and first.called_at is None
    assert not TicketEvent.objects.filter(ticket=first, action="call").exists()

    # The retry calls 1001 (the oldest still waiting).
    status, body = call_next(live_server_url, tokens[one.pk], one)
    assert status == 200, body

    tickets = {t.display: t for t in Ticket.objects.filter(center=center)}
    assert len(tickets) == 3  # none lost
    assert (tickets["1001"].status, tickets["1001"].counter_id) == (Status.CALLED, one.pk)
    assert (tickets["1002"].status, tickets["1002"].counter_id) == (Status.CALLED, two.pk)
    assert tickets["1003"].status == Status.WAITING
    calls = Tally(
        TicketEvent.objects.filter(ticket__center=center, action="call").values_list(
            "ticket__display", flat=True
        )
    )
    assert calls == {"1001": 1, "1002": 1}  # each called exactly once
