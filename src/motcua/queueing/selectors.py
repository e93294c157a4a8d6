"""Reads of the queue: positions, estimated waits, what a display and a counter screen show.

Estimated wait (documented in docs/queue.md): the services to wait for × the service's mean
service time over the last two hours (the center's default when there is too little data) ÷
the open counters that serve it (at least one).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q
from django.utils import timezone

from motcua.organization.models import Center, Counter
from motcua.organization.selectors import center_now
from motcua.queueing.models import CounterState, QueuePolicy, QueueService, Ticket
from motcua.queueing.workflow import Status

RECENT_SERVICE_WINDOW = timedelta(hours=2)
MIN_SAMPLES = 3


def ticket_ahead(ticket: Ticket) -> int:
    """How many waiting tickets of the same service would be called before this one.

    Appointment holders whose time has come go first (by their times), then priority tickets,
    then normal ones (in interleave mode this over-counts a little for normal tickets: the
    estimate errs on the side of a longer wait)."""
    if ticket.status != Status.WAITING:
        return 0
    waiting = Ticket.objects.filter(
        service=ticket.service, day=ticket.day, status=Status.WAITING
    ).exclude(pk=ticket.pk)
    due = Q(appointment_at__isnull=False, appointment_at__lte=timezone.now())
    if ticket.appointment_at is not None and ticket.appointment_at <= timezone.now():
        return (
            waiting.filter(due)
            .filter(
                Q(appointment_at__lt=ticket.appointment_at)
                | Q(appointment_at=ticket.appointment_at, pk__lt=ticket.pk)
            )
            .count()
        )
    booked = waiting.filter(due).count()
    waiting = waiting.exclude(due)
    earlier = Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, pk__lt=ticket.pk)
    if ticket.priority_group_id is not None:
        return booked + waiting.filter(priority_group__isnull=False).filter(earlier).count()
    return booked + waiting.filter(Q(priority_group__isnull=False) | earlier).count()


def mean_service_minutes(service: QueueService, policy: QueuePolicy) -> float:
    since = timezone.now() - RECENT_SERVICE_WINDOW
    duration = ExpressionWrapper(F("finished_at") - F("serving_at"), output_field=DurationField())
    stats = Ticket.objects.filter(
        service=service, status=Status.FINISHED, finished_at__gte=since, serving_at__isnull=False
    ).aggregate(n=Count("id"), mean=Avg(duration))
    if stats["n"] and stats["n"] >= MIN_SAMPLES and stats["mean"] is not None:
        return max(1.0, stats["mean"].total_seconds() / 60)
    return float(policy.default_service_minutes)


def open_counters(service: QueueService) -> int:
    return service.counters.filter(is_active=True, state__status=CounterState.Status.OPEN).count()


def estimated_wait_minutes(service: QueueService, ahead: int, policy: QueuePolicy) -> int:
    """With every open counter busy, a newcomer waits for the ``ahead`` people and then for one
    counter to free up: (ahead + 1) services shared by the open counters. With a counter free,
    only the people ahead count."""
    counters = max(1, open_counters(service))
    busy = Ticket.objects.filter(
        counter__in=service.counters.all(),
        day=today(service.center),
        status__in=Status.AT_COUNTER,
    ).count()
    waits_for = ahead + 1 if busy >= counters else max(0, ahead - (counters - busy) + 1)
    if waits_for <= 0:
        return 0
    return math.ceil(waits_for * mean_service_minutes(service, policy) / counters)


def policy_for(center: Center) -> QueuePolicy:
    return QueuePolicy.objects.filter(center=center).first() or QueuePolicy(center=center)


def today(center: Center):
    return center_now(center=center).date()


def service_list(center: Center) -> list[dict]:
    """The kiosk's services, with how many wait and an estimate for a newcomer."""
    policy = policy_for(center)
    day = today(center)
    services = list(
        QueueService.objects.filter(center=center, is_active=True).order_by("order", "name")
    )
    waiting = dict(
        Ticket.objects.filter(center=center, day=day, status=Status.WAITING)
        .values_list("service_id")
        .annotate(n=Count("id"))
        .values_list("service_id", "n")
    )
    return [
        {
            "service": service,
            "waiting": waiting.get(service.pk, 0),
            "estimated_wait_minutes": estimated_wait_minutes(
                service, waiting.get(service.pk, 0), policy
            ),
        }
        for service in services
    ]


def ticket_public(ticket: Ticket) -> dict:
    """What the citizen's phone shows: no personal data."""
    policy = policy_for(ticket.center)
    ahead = ticket_ahead(ticket)
    return {
        "display": ticket.display,
        "service": ticket.service.name,
        "status": ticket.status,
        "position": ahead + 1 if ticket.status == Status.WAITING else 0,
        "ahead": ahead,
        "estimated_wait_minutes": estimated_wait_minutes(ticket.service, ahead, policy)
        if ticket.status == Status.WAITING
        else 0,
        "counter": ticket.counter.number
        if ticket.counter and ticket.status in Status.AT_COUNTER
        else None,
        "counter_name": ticket.counter.name
        if ticket.counter and ticket.status in Status.AT_COUNTER
        else None,
        "issued_at": ticket.issued_at.isoformat(),
    }


def display_state(center: Center, recent: int = 8) -> dict:
    """The TV display: each counter's current call, the last calls, waiting counts."""
    from motcua.queueing.events import call_payload

    day = today(center)
    at_counters = (
        Ticket.objects.filter(center=center, day=day, status__in=Status.AT_COUNTER)
        .select_related("counter", "service", "center")
        .order_by("-called_at")
    )
    current: dict[int, dict] = {}
    for ticket in at_counters:
        if ticket.counter_id is not None and ticket.counter_id not in current:
            current[ticket.counter_id] = call_payload(ticket, ticket.recalls)
    last_calls = [
        call_payload(t, t.recalls)
        for t in Ticket.objects.filter(
            center=center, day=day, called_at__isnull=False, counter__isnull=False
        )
        .select_related("counter", "service", "center")
        .order_by("-called_at")[:recent]
    ]
    waiting = {
        row["service__name"]: row["n"]
        for row in Ticket.objects.filter(center=center, day=day, status=Status.WAITING)
        .values("service__name")
        .annotate(n=Count("id"))
    }
    return {
        "center": center.code,
        "calls": sorted(current.values(), key=lambda c: c["counter"]),
        "recent": last_calls,
        "waiting": waiting,
        "notice": policy_for(center).notice,
        "now": timezone.now().isoformat(),
    }


def counter_queue(counter: Counter) -> dict:
    """A counter screen: its current ticket, what waits for it, its parked tickets."""
    day = today(counter.center)
    services = list(counter.queue_services.filter(is_active=True))
    waiting = Ticket.objects.filter(
        center=counter.center, day=day, status=Status.WAITING, service__in=services
    ).filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
    per_service = {
        row["service__name"]: {"n": row["n"], "oldest": row["oldest"]}
        for row in waiting.values("service__name").annotate(n=Count("id"), oldest=Min("issued_at"))
    }
    oldest = waiting.aggregate(oldest=Min("issued_at"))["oldest"]
    current = (
        Ticket.objects.filter(counter=counter, day=day, status__in=Status.AT_COUNTER)
        .select_related("service", "priority_group")
        .order_by("-called_at")
        .first()
    )
    state = CounterState.objects.filter(counter=counter).first()
    return {
        "counter": counter,
        "state": state.status if state else CounterState.Status.CLOSED,
        "current": current,
        "services": services,
        "waiting_total": waiting.count(),
        "waiting_priority": waiting.filter(priority_group__isnull=False).count(),
        "per_service": per_service,
        "longest_wait_minutes": int((timezone.now() - oldest).total_seconds() // 60)
        if oldest
        else 0,
        "parked": list(
            Ticket.objects.filter(counter=counter, day=day, status=Status.PARKED).select_related(
                "service"
            )
        ),
        "policy": policy_for(counter.center),
    }
