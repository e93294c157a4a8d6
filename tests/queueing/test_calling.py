"""Calling tickets to counters: priority rules, which counter calls what, every counter action,
expiry at closing, and the waiting estimates."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine

from motcua.errors import Conflict, InvalidInput, NotAllowed
from motcua.queueing import selectors, services
from motcua.queueing.models import CounterState, QueuePolicy, Ticket, TicketEvent
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import NOW, at, issue, later, make_service

pytestmark = pytest.mark.django_db


class Desk:
    """A counter worked by one official, with a clock that moves a minute per step."""

    def __init__(self, counter, official, start=NOW) -> None:
        self.counter = counter
        self.official = official
        self.clock = start

    def tick(self):
        self.clock += timedelta(minutes=1)
        return self.clock

    def call(self):
        return services.ticket_call_next(actor=self.official, counter=self.counter, now=self.tick())

    def act(self, action, **kwargs):
        return services.ticket_act(
            actor=self.official, counter=self.counter, action=action, now=self.tick(), **kwargs
        )

    def call_and_serve(self):
        """Call the next ticket and finish with it; the ticket's display (None: nobody waits)."""
        ticket = self.call()
        if ticket is None:
            return None
        self.act("start")
        self.act("finish", outcome="advice")
        return ticket.display


@pytest.fixture
def desk(counter, official):
    return Desk(counter, official)


def interleave(policy, every):
    policy.priority_mode = QueuePolicy.PriorityMode.INTERLEAVE
    policy.interleave_every = every
    policy.save()


def issue_mix(center, pattern: str) -> dict[str, Ticket]:
    """Issue tickets named like "P1 N1 N2": P for the elderly group, N for normal, in order."""
    named = {}
    for minute, name in enumerate(pattern.split()):
        ticket = issue(
            center, priority="elderly" if name.startswith("P") else None, now=later(minute)
        )
        named[ticket.display] = name
    return named


def call_order(desk, named) -> list[str]:
    order = []
    while (display := desk.call_and_serve()) is not None:
        order.append(named[display])
    return order


# --- Priority ----------------------------------------------------------------------------------


def test_strict_priority_first_then_first_come(center, service, groups, desk, policy):
    assert policy.priority_mode == "strict"
    named = issue_mix(center, "N1 N2 P1 N3 P2 N4")

    assert call_order(desk, named) == ["P1", "P2", "N1", "N2", "N3", "N4"]


@pytest.mark.parametrize(
    ("every", "pattern", "expected"),
    [
        (2, "P1 N1 N2 N3 P2 N4", "P1 N1 N2 P2 N3 N4"),
        (2, "N1 N2 N3 N4 P1 P2 P3", "P1 N1 N2 P2 N3 N4 P3"),
        (1, "N1 N2 N3 P1 P2 P3", "P1 N1 P2 N2 P3 N3"),
        (3, "P1 P2 N1 N2 N3 N4", "P1 N1 N2 N3 P2 N4"),
        (2, "P1 P2 P3", "P1 P2 P3"),
        (2, "N1 N2 N3", "N1 N2 N3"),
    ],
)
def test_interleave(center, service, groups, desk, policy, every, pattern, expected):
    """After a priority call, the next N calls go to normal tickets first."""
    interleave(policy, every)
    named = issue_mix(center, pattern)

    assert call_order(desk, named) == expected.split()


def test_interleave_counts_the_calls_of_every_counter(
    center, counter, counter2, service, groups, policy, official
):
    service.counters.add(counter2)
    interleave(policy, 2)
    named = issue_mix(center, "P1 N1 N2 N3 P2 N4")
    one, two = Desk(counter, official), Desk(counter2, staff("receptionist", center))

    order = [one.call_and_serve(), two.call_and_serve(), one.call_and_serve()]
    order += [two.call_and_serve(), one.call_and_serve(), two.call_and_serve()]

    assert [named[d] for d in order] == ["P1", "N1", "N2", "P2", "N3", "N4"]


def test_a_priority_desk_always_takes_priority_first(
    center, counter, service, groups, policy, official
):
    interleave(policy, 2)
    priority_desk = CounterFactory(center=center, number=9, is_priority_desk=True)
    service.counters.add(priority_desk)
    named = issue_mix(center, "N1 P1 N2 P2 P3")
    normal, desk = Desk(counter, official), Desk(priority_desk, staff("receptionist", center))

    assert named[normal.call_and_serve()] == "P1"
    # An ordinary counter would now take a normal ticket; the priority desk does not.
    assert named[desk.call_and_serve()] == "P2"
    assert named[desk.call_and_serve()] == "P3"
    assert named[desk.call_and_serve()] == "N1"  # no priority left: normal tickets
    assert named[normal.call_and_serve()] == "N2"


def test_a_priority_desk_in_strict_mode(center, service, groups, official):
    desk = CounterFactory(center=center, number=9, is_priority_desk=True)
    service.counters.add(desk)
    named = issue_mix(center, "N1 P1")

    assert call_order(Desk(desk, official), named) == ["P1", "N1"]


# --- Which counter calls what ------------------------------------------------------------------


def test_a_counter_calls_only_the_services_it_serves(center, counter, counter2, service, official):
    make_service(center, "dat-dai", [counter2], prefix="D", number_start=1)
    land = issue(center, "dat-dai")
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))

    assert desk1.call() is None
    assert desk2.call().pk == land.pk

    civil = issue(center, "ho-tich")
    desk2.act("no_show")
    assert desk2.call() is None
    assert desk1.call().pk == civil.pk


def test_a_counter_serving_several_services_calls_in_issue_order(center, counter, service, desk):
    make_service(center, "dat-dai", [counter], prefix="D", number_start=1)
    first = issue(center, "dat-dai", now=later(1))
    second = issue(center, "ho-tich", now=later(2))
    third = issue(center, "dat-dai", now=later(3))

    served = [desk.call_and_serve() for _ in range(4)]

    assert served == [first.display, second.display, third.display, None]


def test_an_inactive_counter_is_not_called(center, counter, service, desk):
    issue(center)
    counter.is_active = False
    counter.save()
    # The API refuses an inactive counter (404); the service itself still works it.
    assert selectors.open_counters(service) == 0


def test_only_todays_tickets_are_called(center, service, desk):
    yesterday = issue(center, now=at(9, day=23))
    today = issue(center, now=at(8, day=25))

    assert desk.call().pk == today.pk
    desk.act("no_show")
    assert desk.call() is None
    yesterday.refresh_from_db()
    assert yesterday.status == "waiting"


def test_a_ticket_transferred_to_a_named_counter(center, counter, counter2, service, official):
    service.counters.add(counter2)
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))
    first, second = issue(center), issue(center)
    desk1.call()
    desk1.act("transfer", target_service_code="ho-tich", target_counter_id=counter2.pk)
    first.refresh_from_db()
    assert (first.status, first.target_counter, first.counter) == ("waiting", counter2, None)

    # Counter 1 skips it (it goes to counter 2 only) and takes the next one.
    assert desk1.call().pk == second.pk
    desk1.act("no_show")
    assert desk1.call() is None
    # Counter 2 calls it; once called it belongs to nobody in particular any more.
    assert desk2.call().pk == first.pk
    first.refresh_from_db()
    assert (first.counter, first.target_counter) == (counter2, None)


def test_transfer_to_a_counter_without_naming_a_service(
    center, counter, counter2, service, official
):
    service.counters.add(counter2)
    desk1 = Desk(counter, official)
    ticket = issue(center)
    desk1.call()

    desk1.act("transfer", target_counter_id=counter2.pk)

    ticket.refresh_from_db()
    assert (ticket.service, ticket.target_counter, ticket.status) == (service, counter2, "waiting")


# --- Refusals of a call ------------------------------------------------------------------------


def test_call_with_a_ticket_at_the_counter(center, service, desk):
    first = issue(center)
    issue(center)
    desk.call()

    for step in ("called", "serving"):
        with pytest.raises(Conflict) as refused:
            desk.call()
        assert refused.value.code == "ticket_at_counter"
        if step == "called":
            desk.act("start")
    assert list(Ticket.objects.filter(counter=desk.counter).values_list("pk", flat=True)) == [
        first.pk
    ]
    assert TicketEvent.objects.filter(action="call").count() == 1


def test_a_paused_counter_does_not_call(center, counter, service, desk, official):
    issue(center)
    services.counter_set_status(actor=official, counter=counter, status="paused")

    with pytest.raises(Conflict) as refused:
        desk.call()

    assert refused.value.code == "counter_paused"
    assert not TicketEvent.objects.filter(action="call").exists()
    services.counter_set_status(actor=official, counter=counter, status="open")
    assert desk.call() is not None


def test_a_counter_cannot_pause_with_a_ticket(center, counter, service, desk, official):
    issue(center)
    desk.call()

    with pytest.raises(Conflict) as refused:
        services.counter_set_status(actor=official, counter=counter, status="paused")

    assert refused.value.code == "ticket_at_counter"
    assert CounterState.objects.get(counter=counter).status == "open"


def test_nobody_waiting(center, counter, service, desk):
    assert desk.call() is None
    assert not TicketEvent.objects.exists()
    # The counter is open now, worked by the official who asked.
    state = CounterState.objects.get(counter=counter)
    assert (state.status, state.official) == ("open", desk.official)


def test_call_opens_the_counter_for_the_caller(center, counter, service, official):
    issue(center)
    other = staff("receptionist", center)
    services.counter_set_status(actor=other, counter=counter, status="closed")

    Desk(counter, official).call()

    state = CounterState.objects.get(counter=counter)
    assert (state.status, state.official) == ("open", official)


def test_staff_of_another_center_cannot_call(center, counter, service, other_staff):
    issue(center)

    with pytest.raises(NotAllowed):
        services.ticket_call_next(actor=other_staff, counter=counter, now=later(1))
    with pytest.raises(NotAllowed):
        services.ticket_act(actor=other_staff, counter=counter, action="recall")
    with pytest.raises(NotAllowed):
        services.ticket_call_next(actor=None, counter=counter, now=later(1))
    assert not TicketEvent.objects.filter(action="call").exists()


def test_devices_and_counters(center, counter, counter2, service, center_admin):
    from motcua.organization.services import device_token_create

    service.counters.add(counter2)
    issue(center)
    terminal2, _ = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="Q2", counter=counter2
    )
    kiosk, _ = device_token_create(actor=center_admin, center=center, purpose="kiosk", name="K")
    for device in (terminal2, kiosk):
        with pytest.raises(NotAllowed) as refused:
            services.ticket_call_next(actor=None, device=device, counter=counter, now=later(1))
        assert refused.value.code == "not_this_counter"

    ticket = services.ticket_call_next(actor=None, device=terminal2, counter=counter2, now=later(1))
    assert ticket.counter == counter2 and ticket.official is None
    event = TicketEvent.objects.get(action="call")
    assert (event.counter, event.official) == (counter2, None)


# --- Counter actions -----------------------------------------------------------------------------


def test_recall_up_to_the_limit_then_no_show(center, service, desk, policy):
    assert policy.recall_limit == 2
    ticket = issue(center)
    desk.call()

    assert desk.act("recall").recalls == 1
    assert desk.act("recall").recalls == 2
    with pytest.raises(Conflict) as refused:
        desk.act("recall")
    assert refused.value.code == "recall_limit"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.recalls) == ("called", 2)
    assert TicketEvent.objects.filter(action="recall").count() == 2

    gone = desk.act("no_show")

    assert gone.status == "no_show" and gone.finished_at == desk.clock
    assert desk.call() is None  # the counter is free again


def test_recall_limit_zero(center, service, desk, policy):
    policy.recall_limit = 0
    policy.save()
    issue(center)
    desk.call()

    with pytest.raises(Conflict) as refused:
        desk.act("recall")
    assert refused.value.code == "recall_limit"


@pytest.mark.parametrize("outcome", ["", "done", "ADVICE", None])
def test_finish_requires_an_outcome(center, service, desk, outcome):
    ticket = issue(center)
    desk.call()
    desk.act("start")

    with pytest.raises(InvalidInput) as refused:
        desk.act("finish", outcome=outcome or "")

    assert refused.value.code == "outcome_required"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.outcome, ticket.finished_at) == ("serving", "", None)
    assert not TicketEvent.objects.filter(action="finish").exists()


@pytest.mark.parametrize("outcome", list(Ticket.Outcome.values))
def test_finish_with_each_outcome(center, service, desk, outcome):
    issue(center)
    desk.call()
    desk.act("start")

    ticket = desk.act("finish", outcome=outcome)

    assert (ticket.status, ticket.outcome, ticket.finished_at) == ("finished", outcome, desk.clock)
    event = TicketEvent.objects.get(action="finish")
    assert event.note == outcome


def test_transfer_to_another_service_keeps_the_issue_time(
    center, counter, counter2, service, official
):
    land = make_service(center, "dat-dai", [counter2], prefix="D", number_start=1)
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))
    ticket = issue(center, now=at(8, 0))
    later_land = issue(center, "dat-dai", now=at(8, 30))
    desk1.call()
    desk1.act("recall")

    moved = desk1.act("transfer", target_service_code="dat-dai")

    moved.refresh_from_db()
    assert moved.status == "waiting"
    assert moved.service == land
    assert (moved.counter, moved.called_at, moved.serving_at, moved.recalls) == (
        None,
        None,
        None,
        0,
    )
    assert moved.issued_at == at(8, 0)
    assert (moved.number, moved.display) == (ticket.number, ticket.display)
    event = TicketEvent.objects.get(action="transfer")
    assert (event.from_status, event.to_status, event.counter) == ("called", "waiting", counter)
    assert "dat-dai" in event.note
    # Issued before the land ticket, it is called first there.
    assert desk2.call().pk == ticket.pk
    desk2.act("no_show")
    assert desk2.call().pk == later_land.pk
    assert selectors.ticket_ahead(later_land) == 0


def test_transfer_from_serving(center, service, desk):
    ticket = issue(center)
    desk.call()
    desk.act("start")

    desk.act("transfer", target_service_code="ho-tich")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.serving_at) == ("waiting", None)
    assert desk.call().pk == ticket.pk  # back in its own line, at its place


def test_transfer_to_a_service_that_issued_the_same_number(
    center, counter, counter2, service, official
):
    """Was a bug: the unique (service, day, number) made this transfer an IntegrityError (500).
    A ticket keeps the number of the line that issued it."""
    land = make_service(center, "dat-dai", [counter2])  # numbers 1001.. as well
    ticket = issue(center)
    lands_own = issue(center, "dat-dai")  # 1001 of the land line
    desk = Desk(counter, official)
    desk.call()

    moved = desk.act("transfer", target_service_code="dat-dai")

    assert (moved.status, moved.service, moved.display) == ("waiting", land, ticket.display)
    assert Ticket.objects.filter(service=land, number=1001).count() == 2
    # Both lines go on numbering where they were.
    assert issue(center).number == 1002
    assert issue(center, "dat-dai").number == 1002
    # Issued first (same time, earlier row), the transferred ticket is called first there.
    other = Desk(counter2, staff("receptionist", center))
    assert other.call().pk == ticket.pk
    other.act("no_show")
    assert other.call().pk == lands_own.pk


def test_transfer_refusals(center, other_center, counter, counter2, service, desk):
    make_service(center, "dat-dai", [counter2])
    other_counter = CounterFactory(center=other_center, number=1)
    ticket = issue(center)
    desk.call()
    cases = [
        ({}, "target_required"),
        ({"target_service_code": "khong-co"}, "unknown_service"),
        ({"target_counter_id": counter2.pk}, "counter_not_serving"),
        (
            {"target_service_code": "ho-tich", "target_counter_id": counter2.pk},
            "counter_not_serving",
        ),
        ({"target_counter_id": other_counter.pk}, "unknown_counter"),
        ({"target_counter_id": 999_999}, "unknown_counter"),
    ]
    for kwargs, code in cases:
        with pytest.raises(InvalidInput) as refused:
            desk.act("transfer", **kwargs)
        assert refused.value.code == code, kwargs
    ticket.refresh_from_db()
    assert (ticket.status, ticket.service, ticket.counter) == ("called", service, desk.counter)
    assert not TicketEvent.objects.filter(action="transfer").exists()


def test_park_and_resume(center, service, desk):
    parked = issue(center)
    other = issue(center)
    desk.call()
    desk.act("start")

    desk.act("park")
    parked.refresh_from_db()
    assert (parked.status, parked.counter) == ("parked", desk.counter)

    # The counter is free: it serves someone else meanwhile.
    assert desk.call().pk == other.pk
    with pytest.raises(InvalidInput) as refused:
        desk.act("resume")
    assert refused.value.code == "ticket_required"
    with pytest.raises(Conflict) as refused:
        desk.act("resume", ticket_id=parked.pk)
    assert refused.value.code == "ticket_at_counter"
    desk.act("start")
    desk.act("finish", outcome="dossier_received")

    resumed = desk.act("resume", ticket_id=parked.pk)

    assert resumed.pk == parked.pk
    assert (resumed.status, resumed.called_at) == ("called", desk.clock)
    event = TicketEvent.objects.filter(action="resume").get()
    assert (event.from_status, event.to_status) == ("parked", "called")
    # Served again from the start.
    assert desk.act("start").status == "serving"
    assert desk.act("finish", outcome="advice").status == "finished"


def test_no_resume_during_a_break(center, counter, service, desk, official):
    ticket = issue(center)
    desk.call()
    desk.act("park")
    services.counter_set_status(actor=official, counter=counter, status="paused")
    count = TicketEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        desk.act("resume", ticket_id=ticket.pk)

    assert refused.value.code == "counter_paused"
    ticket.refresh_from_db()
    assert ticket.status == "parked"
    assert TicketEvent.objects.count() == count


def test_resume_a_ticket_parked_at_another_counter(center, counter, counter2, service, official):
    service.counters.add(counter2)
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))
    ticket = issue(center)
    desk1.call()
    desk1.act("park")

    with pytest.raises(Conflict) as refused:
        desk2.act("resume", ticket_id=ticket.pk)

    assert refused.value.code == "no_ticket"
    assert desk1.act("resume", ticket_id=ticket.pk).status == "called"


def test_unknown_ticket_id(center, service, desk):
    issue(center)
    desk.call()

    with pytest.raises(Conflict) as refused:
        desk.act("start", ticket_id=999_999)
    assert refused.value.code == "no_ticket"


def test_every_action_appends_an_event_with_counter_and_official(center, service, desk):
    ticket = issue(center, now=at(8, 0))
    steps = [
        ("call", {}),
        ("recall", {}),
        ("start", {}),
        ("park", {}),
        ("resume", {"ticket_id": ticket.pk}),
        ("start", {}),
        ("transfer", {"target_service_code": "ho-tich"}),
        ("call", {}),
        ("no_show", {}),
    ]
    for action, kwargs in steps:
        desk.call() if action == "call" else desk.act(action, **kwargs)

    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("issue", "", "waiting"),
        ("call", "waiting", "called"),
        ("recall", "called", "called"),
        ("start", "called", "serving"),
        ("park", "serving", "parked"),
        ("resume", "parked", "called"),
        ("start", "called", "serving"),
        ("transfer", "serving", "waiting"),
        ("call", "waiting", "called"),
        ("no_show", "called", "no_show"),
    ]
    for event in events[1:]:
        assert (event.counter, event.official) == (desk.counter, desk.official)
    assert [e.at for e in events[1:]] == [NOW + timedelta(minutes=m) for m in range(1, 10)]


def test_events_are_appended_never_changed(center, service, desk):
    issue(center)
    desk.call()
    first = list(TicketEvent.objects.order_by("id").values())

    desk.act("start")
    desk.act("finish", outcome="advice")

    assert list(TicketEvent.objects.order_by("id").values())[: len(first)] == first


def test_timestamps_of_a_served_ticket(center, service, desk):
    issue(center)
    called = desk.call()
    serving = desk.act("start")
    done = desk.act("finish", outcome="advice")

    assert called.called_at == NOW + timedelta(minutes=1)
    assert serving.serving_at == NOW + timedelta(minutes=2)
    assert done.finished_at == NOW + timedelta(minutes=3)
    assert done.official == desk.official and done.counter == desk.counter


# --- Closing ---------------------------------------------------------------------------------------


def test_tickets_expire_at_closing(center, counter, counter2, service, official):
    service.counters.add(counter2)
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))
    yesterday = issue(center, now=at(9, day=23))
    parked, finished, called, serving, waiting = (issue(center) for _ in range(5))
    desk1.call()
    desk1.act("park")
    desk1.call()
    desk1.act("start")
    desk1.act("finish", outcome="advice")
    desk1.call()
    desk2.call()
    desk2.act("start")
    closing = at(17, 30)

    assert services.tickets_expire(center=center, now=closing) == 4

    statuses = {t.pk: t.status for t in Ticket.objects.all()}
    assert statuses == {
        yesterday.pk: "expired",
        parked.pk: "expired",
        finished.pk: "finished",
        called.pk: "expired",
        serving.pk: "serving",
        waiting.pk: "expired",
    }
    expired = TicketEvent.objects.filter(action="expire")
    assert sorted(expired.values_list("from_status", flat=True)) == [
        "called",
        "parked",
        "waiting",
        "waiting",
    ]
    assert set(expired.values_list("to_status", flat=True)) == {"expired"}
    assert all(e.at == closing for e in expired)
    assert Ticket.objects.get(pk=waiting.pk).finished_at == closing
    # Twice is harmless.
    assert services.tickets_expire(center=center, now=closing) == 0


def test_expiry_is_per_center(center, other_center, service):
    make_service(other_center, "ho-tich")
    mine = issue(center)
    theirs = issue(other_center)

    assert services.tickets_expire(center=center, now=at(17, 30)) == 1

    assert Ticket.objects.get(pk=mine.pk).status == "expired"
    assert Ticket.objects.get(pk=theirs.pk).status == "waiting"


# --- Position and estimated wait ---------------------------------------------------------------


def test_ticket_ahead(center, counter, service, groups, desk):
    land = make_service(center, "dat-dai", [counter], prefix="D", number_start=1)
    n1 = issue(center, now=later(1))
    p1 = issue(center, priority="elderly", now=later(2))
    n2 = issue(center, now=later(3))
    p2 = issue(center, priority="disabled", now=later(4))
    n3 = issue(center, now=later(5))
    issue(center, land.code, now=later(0))  # another line: never ahead

    assert [selectors.ticket_ahead(t) for t in (p1, p2)] == [0, 1]
    # A normal ticket has every priority ticket ahead of it, and the normal ones before it.
    assert [selectors.ticket_ahead(t) for t in (n1, n2, n3)] == [2, 3, 4]

    assert desk.call().pk == p1.pk  # strict: priority first, even before the earlier land ticket
    desk.act("no_show")
    assert desk.call().pk == p2.pk
    for ticket in (n1, p1, n2, p2, n3):
        ticket.refresh_from_db()
    assert [selectors.ticket_ahead(t) for t in (p1, p2)] == [0, 0]  # not waiting: nobody ahead
    assert [selectors.ticket_ahead(t) for t in (n1, n2, n3)] == [0, 1, 2]


def test_ticket_ahead_with_the_same_issue_time(center, service):
    first, second = issue(center, now=NOW), issue(center, now=NOW)

    assert [selectors.ticket_ahead(first), selectors.ticket_ahead(second)] == [0, 1]


def test_estimated_wait_with_the_default_service_time(
    center, counter, counter2, service, policy, official, request
):
    """(The services to wait for) × 8 minutes ÷ the open counters: with every open counter busy a
    newcomer waits for the people ahead and then for a counter to free up (ahead + 1); with free
    counters, the first people ahead go straight to them."""
    service.counters.add(counter2)
    assert policy.default_service_minutes == 8
    frozen = time_machine.travel(NOW, tick=False)  # busy counters are counted for today
    frozen.start()
    request.addfinalizer(frozen.stop)

    def estimate(ahead):
        return selectors.estimated_wait_minutes(service, ahead, policy)

    # No counter open: counted as one, free.
    assert [estimate(n) for n in (0, 1, 3)] == [0, 8, 24]
    CounterState.objects.create(counter=counter, status="open")
    assert [estimate(n) for n in (0, 1, 3)] == [0, 8, 24]
    CounterState.objects.create(counter=counter2, status="paused")
    assert estimate(3) == 24
    CounterState.objects.filter(counter=counter2).update(status="open")
    # Two free counters: the first two people ahead are served at once.
    assert [estimate(n) for n in (0, 1, 2, 3)] == [0, 0, 4, 8]

    for _ in range(5):
        issue(center)
    desk1, desk2 = Desk(counter, official), Desk(counter2, staff("receptionist", center))
    desk1.call()
    assert [estimate(n) for n in (0, 3)] == [0, 12]  # one counter busy, one free
    desk2.call()
    assert [estimate(n) for n in (0, 3)] == [4, 16]  # both busy: (ahead + 1) × 8 ÷ 2

    policy.default_service_minutes = 5
    assert estimate(3) == 10


def test_estimated_wait_ignores_counters_of_other_services(
    center, counter, counter2, service, policy
):
    make_service(center, "dat-dai", [counter2])
    CounterState.objects.create(counter=counter, status="open")
    CounterState.objects.create(counter=counter2, status="open")

    assert selectors.open_counters(service) == 1
    assert selectors.estimated_wait_minutes(service, 3, policy) == 24


def _serve(desk, minutes):
    desk.call()
    desk.act("start")
    desk.clock += timedelta(minutes=minutes - 1)
    desk.act("finish", outcome="advice")


def test_estimated_wait_from_recent_service_times(center, counter, service, policy, desk):
    for _ in range(4):
        issue(center, now=at(8, 0))
    _serve(desk, 4)
    _serve(desk, 6)
    assert selectors.mean_service_minutes(service, policy) == 8  # fewer than 3: the default

    with time_machine.travel(desk.clock + timedelta(minutes=5), tick=False):
        assert selectors.mean_service_minutes(service, policy) == 8.0
        _serve(desk, 11)
        assert selectors.mean_service_minutes(service, policy) == pytest.approx(7.0)
        # One counter open (calling opened it): 3 ahead × 7 minutes.
        assert selectors.estimated_wait_minutes(service, 3, policy) == 21

    # Served at 09:02-09:06, 09:08-09:14 and 09:16-09:27: two hours after 09:10 the first no
    # longer counts, and two samples are too few.
    with time_machine.travel(at(9, 10) + timedelta(hours=2), tick=False):
        assert selectors.mean_service_minutes(service, policy) == 8.0


def test_mean_service_time_is_at_least_a_minute(center, service, policy, desk):
    for _ in range(3):
        issue(center)
        desk.call()
        desk.act("start")
        desk.clock -= timedelta(seconds=40)  # served in 20 seconds
        desk.act("finish", outcome="advice")

    with time_machine.travel(desk.clock, tick=False):
        assert selectors.mean_service_minutes(service, policy) == 1.0


def test_ticket_public(center, counter, service, desk):
    first, second = issue(center), issue(center)

    with time_machine.travel(NOW, tick=False):
        public = selectors.ticket_public(second)
        assert public["status"] == "waiting"
        assert (public["position"], public["ahead"], public["estimated_wait_minutes"]) == (2, 1, 8)
        assert public["counter"] is None
        desk.call()
        first.refresh_from_db()
        called = selectors.ticket_public(first)
        assert (called["status"], called["position"], called["ahead"]) == ("called", 0, 0)
        assert (called["counter"], called["counter_name"]) == (1, counter.name)
        assert "phone" not in called


def test_counter_queue(center, counter, service, groups, desk):
    issue(center, priority="elderly")
    issue(center)
    issue(center)
    desk.call()
    desk.act("park")
    desk.call()

    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        screen = selectors.counter_queue(counter)

    assert screen["state"] == "open"
    assert screen["current"].display == "1002"
    assert (screen["waiting_total"], screen["waiting_priority"]) == (1, 0)
    assert [t.display for t in screen["parked"]] == ["1001"]
    assert screen["longest_wait_minutes"] == 20


def test_waiting_states_of_a_center_agree_with_each_tickets_own(
    center, counter, counter2, service, groups, desk
):
    """The phones of a center are refreshed from one computation (waiting_states): it gives
    every waiting ticket exactly what ticket_public gives it alone — normal, priority, and
    appointment tickets before and after their time, in two lines with counters open and busy."""
    make_service(center, "dat-dai", [counter2])
    CounterState.objects.create(counter=counter2, status="open")
    tickets = [
        issue(center, now=at(8, minute), priority="elderly" if minute % 3 == 0 else None)
        for minute in range(10)
    ]
    tickets += [issue(center, "dat-dai", now=at(8, 20 + minute)) for minute in range(4)]
    # Two checked-in appointments: one whose time has come, one later in the morning.
    Ticket.objects.filter(pk=tickets[7].pk).update(appointment_at=at(8, 30))
    Ticket.objects.filter(pk=tickets[8].pk).update(appointment_at=at(11, 0))
    Ticket.objects.filter(pk=tickets[12].pk).update(appointment_at=at(8, 45))
    desk.call()  # one counter of the first line busy

    with time_machine.travel(at(9, 0), tick=False):
        shared = selectors.waiting_states(center)
        waiting = Ticket.objects.filter(center=center, status="waiting")
        assert len(shared) == waiting.count() == 13
        for ticket in waiting:
            assert shared[ticket.token] == selectors.ticket_public(ticket), ticket
        # An appointment whose time has come goes first: the counter called the 08:30 one, and
        # the 08:45 one heads the other line.
        assert tickets[7].token not in shared
        assert shared[tickets[12].token]["position"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_waiting_states_agree_on_a_random_line_with_ties(center, service, groups, seed):
    """Forty tickets with random priorities, appointments (due, not yet due) and many equal
    issue times (tickets issued in the same instant): the one sort of waiting_states places
    each where its own count (line_counts, in SQL) does."""
    rng = random.Random(seed)
    tickets = [
        issue(
            center, now=at(8, rng.randrange(6)), priority="elderly" if rng.random() < 0.3 else None
        )
        for _ in range(40)
    ]
    for ticket in rng.sample(tickets, 8):
        when = at(8, 30) if rng.random() < 0.5 else at(rng.choice([8, 11]), 45)
        Ticket.objects.filter(pk=ticket.pk).update(appointment_at=when)

    with time_machine.travel(at(9, 0), tick=False):
        shared = selectors.waiting_states(center)
        waiting = list(Ticket.objects.filter(center=center, status="waiting"))
        assert len(shared) == len(waiting) == 40
        for ticket in waiting:
            assert shared[ticket.token] == selectors.ticket_public(ticket), ticket
        assert sorted(state["position"] for state in shared.values()) == list(range(1, 41))
