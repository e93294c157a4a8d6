"""The ticket's state machine: the whole table, and the services refusing every other move."""

from __future__ import annotations

import itertools

import pytest

from motcua.errors import Conflict, InvalidInput
from motcua.queueing import services, workflow
from motcua.queueing.models import Ticket, TicketEvent
from motcua.queueing.workflow import TRANSITIONS, Action, Status, check
from tests.queueing.conftest import issue, later

# The machine we agreed on, written out independently of workflow.TRANSITIONS:
# (action, from-status) -> to-status. Every pair not listed must be refused.
EXPECTED = {
    ("call", "waiting"): "called",
    ("recall", "called"): "called",
    ("start", "called"): "serving",
    ("finish", "serving"): "finished",
    ("no_show", "called"): "no_show",
    ("transfer", "called"): "waiting",
    ("transfer", "serving"): "waiting",
    ("park", "called"): "parked",
    ("park", "serving"): "parked",
    ("resume", "parked"): "called",
    ("expire", "waiting"): "expired",
    ("expire", "called"): "expired",
    ("expire", "parked"): "expired",
    ("cancel", "waiting"): "cancelled",
}
ACTIONS = sorted(TRANSITIONS)
PAIRS = list(itertools.product(ACTIONS, Status.ALL))
TERMINAL = ("finished", "no_show", "expired", "cancelled")


def test_the_table_is_the_agreed_machine():
    table = {
        (action, status): (target or status)
        for action, (allowed, target) in TRANSITIONS.items()
        for status in allowed
    }
    assert table == EXPECTED


def test_every_action_constant_has_a_row_and_every_status_is_known():
    actions = {value for name, value in vars(Action).items() if not name.startswith("_")}
    assert actions == set(TRANSITIONS)
    for allowed, target in TRANSITIONS.values():
        assert allowed <= set(Status.ALL)
        assert target is None or target in Status.ALL
    assert set(Status.OPEN) | set(TERMINAL) == set(Status.ALL)
    assert set(Status.AT_COUNTER) <= set(Status.OPEN)


@pytest.mark.parametrize("status", TERMINAL)
def test_terminal_statuses_have_no_way_out(status):
    for action in ACTIONS:
        with pytest.raises(Conflict):
            check(action, status)


@pytest.mark.parametrize(("action", "status"), PAIRS, ids=[f"{a}-from-{s}" for a, s in PAIRS])
def test_check_allows_exactly_the_table(action, status):
    if (action, status) in EXPECTED:
        assert check(action, status) == EXPECTED[(action, status)]
    else:
        with pytest.raises(Conflict) as refused:
            check(action, status)
        assert refused.value.code == "invalid_transition"
        assert refused.value.status == 409
        # The message names the action and the status in words, not codes.
        assert workflow.action_label(action) in refused.value.message
        assert workflow.status_label(status) in refused.value.message


@pytest.mark.parametrize("action", ["", "teleport", "CALL", "finish "])
def test_unknown_action_is_refused(action):
    for status in Status.ALL:
        with pytest.raises(Conflict) as refused:
            check(action, status)
        assert refused.value.code == "invalid_action"


def test_unknown_status_is_refused():
    for action in ACTIONS:
        with pytest.raises(Conflict) as refused:
            check(action, "lost")
        assert refused.value.code == "invalid_transition"


# --- Through the services ---------------------------------------------------------------------

COUNTER_ACTIONS = ["recall", "start", "finish", "no_show", "transfer", "park", "resume"]
# States a ticket of a counter can be in (the last two are where a counter's ticket ends).
COUNTER_STATES = ["called", "serving", "parked", "finished", "no_show"]
SERVICE_PAIRS = list(itertools.product(COUNTER_ACTIONS, COUNTER_STATES))


def ticket_in(status, *, center, counter, official) -> Ticket:
    """A ticket of ``counter`` brought to ``status`` through the services."""
    ticket = issue(center)
    services.ticket_call_next(actor=official, counter=counter, now=later(1))
    steps = {
        "called": [],
        "serving": [("start", {})],
        "parked": [("park", {})],
        "finished": [("start", {}), ("finish", {"outcome": "advice"})],
        "no_show": [("no_show", {})],
    }[status]
    for minute, (action, extra) in enumerate(steps, start=2):
        services.ticket_act(
            actor=official, counter=counter, action=action, now=later(minute), **extra
        )
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def snapshot(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {field.attname: getattr(ticket, field.attname) for field in Ticket._meta.concrete_fields}


ARGS = {"finish": {"outcome": "advice"}, "transfer": {"target_service_code": "ho-tich"}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status"), SERVICE_PAIRS, ids=[f"{a}-from-{s}" for a, s in SERVICE_PAIRS]
)
def test_counter_action_through_the_service(action, status, center, counter, service, official):
    ticket = ticket_in(status, center=center, counter=counter, official=official)
    before = snapshot(ticket)
    events_before = list(TicketEvent.objects.values_list("pk", flat=True))

    if (action, status) in EXPECTED:
        done = services.ticket_act(
            actor=official,
            counter=counter,
            action=action,
            ticket_id=ticket.pk,
            now=later(30),
            **ARGS.get(action, {}),
        )
        assert done.pk == ticket.pk
        ticket.refresh_from_db()
        assert ticket.status == EXPECTED[(action, status)]
        new = TicketEvent.objects.exclude(pk__in=events_before)
        assert new.count() == 1
        event = new.get()
        assert (event.ticket_id, event.action) == (ticket.pk, action)
        assert (event.from_status, event.to_status) == (status, ticket.status)
        assert event.counter == counter
        assert event.official == official
    else:
        with pytest.raises(Conflict) as refused:
            services.ticket_act(
                actor=official,
                counter=counter,
                action=action,
                ticket_id=ticket.pk,
                now=later(30),
                **ARGS.get(action, {}),
            )
        # Resuming while the counter holds a ticket is refused before the table is consulted.
        expected_code = (
            "ticket_at_counter"
            if action == "resume" and status in Status.AT_COUNTER
            else "invalid_transition"
        )
        assert refused.value.code == expected_code
        assert snapshot(ticket) == before
        assert list(TicketEvent.objects.values_list("pk", flat=True)) == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["recall", "start", "finish", "no_show", "transfer", "park"])
def test_counter_action_without_a_ticket_at_the_counter(action, center, counter, service, official):
    parked = ticket_in("parked", center=center, counter=counter, official=official)
    before = snapshot(parked)
    count = TicketEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        services.ticket_act(
            actor=official, counter=counter, action=action, now=later(30), **ARGS.get(action, {})
        )

    assert refused.value.code == "no_ticket"
    assert snapshot(parked) == before
    assert TicketEvent.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["call", "expire", "cancel", "teleport", ""])
def test_actions_that_are_not_counter_actions_are_refused(
    action, center, counter, service, official
):
    ticket = ticket_in("called", center=center, counter=counter, official=official)
    before = snapshot(ticket)
    count = TicketEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.ticket_act(actor=official, counter=counter, action=action, ticket_id=ticket.pk)

    assert refused.value.code == "invalid_action"
    assert snapshot(ticket) == before
    assert TicketEvent.objects.count() == count


@pytest.mark.django_db
def test_cancel_through_the_service_follows_the_table(center, counter, service, official):
    called = issue(center)
    waiting = issue(center)
    services.ticket_call_next(actor=official, counter=counter, now=later(1))  # the first one
    called.refresh_from_db()
    assert called.status == "called"

    with pytest.raises(Conflict) as refused:
        services.ticket_cancel(token=called.token, now=later(2))
    assert refused.value.code == "invalid_transition"
    called.refresh_from_db()
    assert called.status == "called"
    assert not TicketEvent.objects.filter(action="cancel").exists()

    cancelled = services.ticket_cancel(token=waiting.token, now=later(3))
    assert cancelled.status == "cancelled"
    event = TicketEvent.objects.get(action="cancel")
    assert (event.ticket_id, event.from_status, event.to_status) == (
        waiting.pk,
        "waiting",
        "cancelled",
    )
