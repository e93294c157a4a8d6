"""Reads of the queue: positions, estimated waits, what a display and a counter screen show.

Estimated wait (documented in docs/queue.md): the services to wait for × the service's mean
service time over the last two hours (the center's default when there is too little data) ÷
the open counters that serve it (at least one).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
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
    return line_counts(ticket.service, ticket)[0]


def line_counts(service: QueueService, ticket: Ticket | None = None) -> tuple[int, int, int]:
    """In one statement: (the waiting tickets ahead of ``ticket`` in its line — 0 without a
    ticket or when it is not waiting —, the open counters that serve ``service``, and how many
    of those have a ticket at the counter today).

    Written in SQL rather than with the ORM: it runs for every ticket issued and for every
    phone refreshed, and building the two ORM queries it replaces cost more than running them
    (docs/performance.md)."""
    tickets = connection.ops.quote_name(Ticket._meta.db_table)
    dt = connection.ops.adapt_datetimefield_value
    day = ticket.day if ticket is not None else today(service.center)
    params: list = []
    if ticket is not None and ticket.status == Status.WAITING:
        now = timezone.now()
        due = "(t.appointment_at IS NOT NULL AND t.appointment_at <= %s)"
        params += [ticket.service_id, connection.ops.adapt_datefield_value(ticket.day)]
        params += [Status.WAITING, ticket.pk, dt(now)]
        earlier = "(t.issued_at < %s OR (t.issued_at = %s AND t.id < %s))"
        if ticket.appointment_at is not None and ticket.appointment_at <= now:
            # Due appointments go by their times.
            before = f"{due} AND (t.appointment_at < %s OR (t.appointment_at = %s AND t.id < %s))"
            params += [dt(ticket.appointment_at), dt(ticket.appointment_at), ticket.pk]
        elif ticket.priority_group_id is not None:
            # Every due appointment, and the priority tickets issued earlier.
            before = f"{due} OR (t.priority_group_id IS NOT NULL AND {earlier})"
            params += [dt(ticket.issued_at), dt(ticket.issued_at), ticket.pk]
        else:
            # Every due appointment, every priority ticket, and every earlier one.
            before = f"{due} OR t.priority_group_id IS NOT NULL OR {earlier}"
            params += [dt(ticket.issued_at), dt(ticket.issued_at), ticket.pk]
        ahead = (
            f"(SELECT COUNT(*) FROM {tickets} t WHERE t.service_id = %s AND t.day = %s "  # noqa: S608
            f"AND t.status = %s AND t.id <> %s AND ({before}))"
        )
    else:
        ahead = "0"
    columns, joins = _counter_parts(center="%s")
    params += [service.center_id, connection.ops.adapt_datefield_value(day), *Status.AT_COUNTER]
    params += [service.pk, True, CounterState.Status.OPEN]
    sql = (
        f"SELECT {ahead}, {columns} {joins} "  # noqa: S608
        f"WHERE qc.queueservice_id = %s AND c.is_active = %s AND s.status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


# The recent mean service time of each service, kept per process for this long (it averages
# the last two hours; a finish in this process drops its service's copy at once).
SERVICE_STATS_FRESH = timedelta(seconds=30)
_service_stats: dict[int, tuple[datetime, int, timedelta | None]] = {}


def service_stats_forget(service_id: int | None = None) -> None:
    if service_id is None:
        _service_stats.clear()
    else:
        _service_stats.pop(service_id, None)


def mean_service_minutes(service: QueueService, policy: QueuePolicy | None = None) -> float:
    """The mean service time over the last two hours, or the center's default (``policy``, read
    when not given) with fewer than ``MIN_SAMPLES`` services."""
    now = timezone.now()
    cached = _service_stats.get(service.pk)
    if cached is not None and abs(now - cached[0]) < SERVICE_STATS_FRESH:
        n, mean = cached[1], cached[2]
    else:
        since = now - RECENT_SERVICE_WINDOW
        duration = ExpressionWrapper(
            F("finished_at") - F("serving_at"), output_field=DurationField()
        )
        stats = Ticket.objects.filter(
            service=service,
            status=Status.FINISHED,
            finished_at__gte=since,
            serving_at__isnull=False,
        ).aggregate(n=Count("id"), mean=Avg(duration))
        n, mean = stats["n"] or 0, stats["mean"]
        if len(_service_stats) > 20_000:
            _service_stats.clear()
        _service_stats[service.pk] = (now, n, mean)
    if n >= MIN_SAMPLES and mean is not None:
        return max(1.0, mean.total_seconds() / 60)
    if policy is None:
        policy = policy_for(service.center)
    return float(policy.default_service_minutes)


def open_counters(service: QueueService) -> int:
    return line_counts(service)[1]


def estimated_wait_minutes(
    service: QueueService,
    ahead: int,
    policy: QueuePolicy | None = None,
    counts: tuple[int, int] | None = None,
) -> int:
    """With every open counter busy, a newcomer waits for the ``ahead`` people and then for one
    counter to free up: (ahead + 1) services shared by the open counters. With a counter free,
    only the people ahead count. (No counter open counts as one free counter.) ``counts``: the
    (open, busy) counters when the caller has them (``line_counts``)."""
    open_now, busy = counts if counts is not None else line_counts(service)[1:]
    counters = max(1, open_now)
    waits_for = ahead + 1 if busy >= counters else max(0, ahead - (counters - busy) + 1)
    if waits_for <= 0:
        return 0
    return math.ceil(waits_for * mean_service_minutes(service, policy) / counters)


def policy_for(center: Center) -> QueuePolicy:
    """The center's queue policy read now, or the defaults when it has none (nothing written).

    There are three ways to the policy, each for its caller: this one for pages and for
    long-lived holders of a center object (a websocket consumer's center carries an old
    ``settings_tag``); ``cache.queue_settings(center).policy`` for the hot paths of a request
    (a per-process copy, never to be changed); ``services.queue_policy`` to change it (a row
    of its own, created when missing)."""
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


def ticket_public(ticket: Ticket, policy: QueuePolicy | None = None) -> dict:
    """What the citizen's phone shows: no personal data. (``policy``: the center's, when the
    caller has it; read only if the estimate needs the default service time.)"""
    if ticket.status == Status.WAITING:
        ahead, open_now, busy = line_counts(ticket.service, ticket)
    else:
        ahead, open_now, busy = 0, 0, 0
    return _public(ticket, ahead, (open_now, busy), policy)


def _public(
    ticket: Ticket, ahead: int, counts: tuple[int, int], policy: QueuePolicy | None
) -> dict:
    waiting = ticket.status == Status.WAITING
    at_counter = ticket.counter_id is not None and ticket.status in Status.AT_COUNTER
    return {
        "display": ticket.display,
        "service": ticket.service.name,
        "status": ticket.status,
        "position": ahead + 1 if waiting else 0,
        "ahead": ahead if waiting else 0,
        "estimated_wait_minutes": estimated_wait_minutes(ticket.service, ahead, policy, counts)
        if waiting
        else 0,
        "counter": ticket.counter.number if at_counter and ticket.counter else None,
        "counter_name": ticket.counter.name if at_counter and ticket.counter else None,
        "issued_at": ticket.issued_at.isoformat(),
    }


def _call_order(ticket: Ticket, now: datetime) -> tuple[int, datetime, int]:
    """The place of a waiting ticket in its line as a sort key: the rule of ``line_counts``
    (due appointments by their times, then priority tickets, then the others, each in order
    of issue), for many tickets at once (``waiting_states``). The tickets ahead of one are
    those with a smaller key."""
    if ticket.appointment_at is not None and ticket.appointment_at <= now:
        return (0, ticket.appointment_at, ticket.pk)
    return (1 if ticket.priority_group_id is not None else 2, ticket.issued_at, ticket.pk)


def waiting_states(center: Center, policy: QueuePolicy | None = None) -> dict[str, dict]:
    """The phone state (``ticket_public``) of every ticket waiting at the center today, by
    token, in two queries for the whole center: the waiting tickets, and the open and busy
    counters of each service. The phones of a center refresh after each call there; one
    computation serves them all (queueing.consumers)."""
    day = today(center)
    now = timezone.now()
    lines: dict[int, list[Ticket]] = {}
    for ticket in (
        Ticket.objects.filter(center=center, day=day, status=Status.WAITING)
        .select_related("service")
        .order_by()
    ):
        lines.setdefault(ticket.service_id, []).append(ticket)
    if not lines:
        return {}
    counts = _counters_by_service(center, day)
    if policy is None:
        policy = policy_for(center)
    states = {}
    for service_id, line in lines.items():
        # Sorted once: a busy center has hundreds waiting, and comparing each ticket with
        # every other took tens of milliseconds after every call (docs/performance.md).
        line.sort(key=lambda t: _call_order(t, now))
        for ahead, ticket in enumerate(line):
            states[ticket.token] = _public(ticket, ahead, counts.get(service_id, (0, 0)), policy)
    return states


def _counter_parts(*, center: str) -> tuple[str, str]:
    """The counter part shared by ``line_counts`` and ``_counters_by_service``: the columns
    (the open counters, how many of them have a ticket at the counter; parameters: the day and
    the two at-counter statuses, after ``center``'s when it is a placeholder) and the joins
    from a service's counters to their states (``qc``, ``c``, ``s``). The center, day and
    status of the busy check let it use ticket_queue_idx: a counter's own tickets over the
    year are many."""
    qn = connection.ops.quote_name
    columns = (
        f"COUNT(c.id), COUNT(CASE WHEN EXISTS (SELECT 1 FROM {qn(Ticket._meta.db_table)} b "  # noqa: S608
        f"WHERE b.center_id = {center} AND b.day = %s AND b.status IN (%s, %s) "
        f"AND b.counter_id = c.id) THEN 1 END)"
    )
    joins = (
        f"FROM {qn(QueueService.counters.through._meta.db_table)} qc "
        f"JOIN {qn(Counter._meta.db_table)} c ON c.id = qc.counter_id "
        f"JOIN {qn(CounterState._meta.db_table)} s ON s.counter_id = c.id"
    )
    return columns, joins


def _counters_by_service(center: Center, day) -> dict[int, tuple[int, int]]:
    """For each service of the center: (its open counters, how many have a ticket at the
    counter on ``day``) — ``line_counts``'s counter part, for every service in one query."""
    columns, joins = _counter_parts(center="q.center_id")
    sql = (
        f"SELECT qc.queueservice_id, {columns} {joins} "  # noqa: S608
        f"JOIN {connection.ops.quote_name(QueueService._meta.db_table)} q "
        f"ON q.id = qc.queueservice_id "
        f"WHERE q.center_id = %s AND c.is_active = %s AND s.status = %s "
        f"GROUP BY qc.queueservice_id"
    )
    params: list[Any] = [connection.ops.adapt_datefield_value(day), *Status.AT_COUNTER]
    params += [center.pk, True, CounterState.Status.OPEN]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}


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
