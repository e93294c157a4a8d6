"""Writes of the queue: issuing tickets, calling them to counters, and every counter action.

Every change runs in one transaction that appends a :class:`TicketEvent`, and pushes to screens
only after commit. Numbers come from a per-service-per-day sequence row bumped under its row
lock (on PostgreSQL an issue is a single statement: the bump, the ticket and its event;
``_issue_sql``); a call claims its ticket with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL
(SQLite serialises writers: its transactions take the write lock at ``BEGIN``). So 50 tickets
issued at once get 50 distinct consecutive numbers, and two counters calling at the same instant
never get the same ticket.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.organization.models import Center, Counter, DeviceToken, Role
from motcua.organization.selectors import center_calendar, center_now, user_has_role
from motcua.phones import VIETNAMESE as VIETNAMESE_PHONE
from motcua.phones import normalize_phone
from motcua.queueing import events
from motcua.queueing.cache import queue_settings, settings_changed
from motcua.queueing.models import (
    CounterState,
    PriorityGroup,
    QueuePolicy,
    QueueService,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from motcua.queueing.selectors import service_stats_forget
from motcua.queueing.workflow import Action, Status, check
from motcua.workcalendar.calendar import WorkingCalendar

# Roles that work a counter.
COUNTER_ROLES = (Role.RECEPTIONIST, Role.CENTER_ADMIN, Role.POSTAL, Role.SPECIALIST, Role.LEADER)

DEFAULT_PRIORITY_GROUPS = [
    ("elderly", "Người cao tuổi"),
    ("disabled", "Người khuyết tật"),
    ("pregnant", "Phụ nữ mang thai, người có con nhỏ"),
    ("meritorious", "Người có công với cách mạng"),
]
# A remote ticket holder gets a message when this many people are ahead of them.
NOTIFY_WHEN_AHEAD = 3


def queue_policy(center: Center) -> QueuePolicy:
    """The center's queue policy as a row of its own, created when missing: the one to change
    (readers: ``selectors.policy_for``, or ``queue_settings`` on a request's hot path)."""
    policy, _created = QueuePolicy.objects.get_or_create(center=center)
    return policy


def priority_groups_ensure(center: Center) -> None:
    """The four groups the law names, for a center that has none yet."""
    if PriorityGroup.objects.filter(center=center).exists():
        return
    PriorityGroup.objects.bulk_create(
        PriorityGroup(center=center, code=code, name=name, order=order)
        for order, (code, name) in enumerate(DEFAULT_PRIORITY_GROUPS)
    )
    settings_changed(center_ids=[center.pk])


def _local_now(center: Center, now: datetime | None) -> datetime:
    return center_now(center=center, now=now)


def _event_row(
    ticket: Ticket, action: str, before: str, *, at: datetime, counter=None, official=None, note=""
) -> TicketEvent:
    """The (unsaved) event of a ticket's change: the officer only when one is logged in."""
    return TicketEvent(
        ticket=ticket,
        action=action,
        from_status=before,
        to_status=ticket.status,
        at=at,
        counter=counter,
        official=official if official is not None and official.is_authenticated else None,
        note=note[:300],
    )


def _event(
    ticket: Ticket, action: str, before: str, *, at: datetime, counter=None, official=None, note=""
) -> None:
    _event_row(ticket, action, before, at=at, counter=counter, official=official, note=note).save(
        force_insert=True
    )


# --- Issuing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """Who asks for a ticket: a kiosk, a member of staff, or a citizen from a phone."""

    source: str
    user: User | None = None
    device: DeviceToken | None = None


def issuer_check(*, issuer: Issuer, center: Center) -> None:
    if issuer.source == Ticket.Source.KIOSK:
        if (
            issuer.device is None
            or issuer.device.center_id != center.pk
            or issuer.device.purpose != DeviceToken.Purpose.KIOSK
        ):
            raise NotAllowed(_("Thiết bị này không phải ki-ốt của trung tâm."), code="not_a_kiosk")
    elif issuer.source == Ticket.Source.STAFF:
        if issuer.user is None or not user_has_role(
            user=issuer.user, center=center, roles=COUNTER_ROLES
        ):
            raise NotAllowed(_("Chỉ cán bộ của trung tâm được cấp số."))
    elif issuer.source != Ticket.Source.REMOTE:
        raise InvalidInput(_("Nguồn cấp số không hợp lệ."))


def _issuing_check(service: QueueService, calendar: WorkingCalendar, local_now: datetime) -> None:
    """Tickets are issued inside the service's own hours, or else inside the center's working
    periods of the day (not during the lunch break)."""
    periods = calendar.periods_on(local_now.date())
    if not periods:
        raise Conflict(_("Hôm nay trung tâm không làm việc."), code="closed_today")
    if service.issue_from or service.issue_until:
        start = service.issue_from or periods[0][0]
        end = service.issue_until or periods[-1][1]
        if not start <= local_now.time() < end:
            raise Conflict(
                _("Dịch vụ này phát số từ %(start)s đến %(end)s.")
                % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
                code="outside_issuing_hours",
            )
        return
    if not any(start <= local_now.time() < end for start, end in periods):
        hours = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in periods)
        raise Conflict(
            _("Ngoài giờ phát số. Giờ làm việc hôm nay: %(hours)s.") % {"hours": hours},
            code="outside_issuing_hours",
        )


def issuing_refusals(
    *, center: Center, service_list: list[QueueService], now: datetime | None = None
) -> dict[int, str]:
    """Why each of the services cannot issue a number now (service id → the message
    :func:`ticket_issue` would refuse with: a day off, outside the hours), for the kiosk's
    start screen; services that can issue are not in it."""
    calendar = queue_settings(center).calendar
    local_now = _local_now(center, now)
    refusals = {}
    for service in service_list:
        try:
            _issuing_check(service, calendar, local_now)
        except Conflict as refusal:
            refusals[service.pk] = refusal.message
    return refusals


def ticket_issue(
    *,
    issuer: Issuer,
    center: Center,
    service_code: str,
    priority_group_code: str | None = None,
    appointment_code: str = "",
    appointment_at: datetime | None = None,
    phone: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Issue the next number of a service. Refuses, with a reason, outside issuing hours, on a
    day off, when the range or the daily cap is used up, and remote tickets over their limit.

    A ticket of an appointment that was checked in carries its time (``appointment_at``): from
    that time on it is called before every other waiting ticket of its line."""
    issuer_check(issuer=issuer, center=center)
    settings = queue_settings(center)
    service = settings.services.get(service_code)
    if service is None:
        raise NotFound(
            _("Không có dịch vụ “%(code)s” ở trung tâm này.") % {"code": service_code},
            code="unknown_service",
        )
    group = None
    if priority_group_code:
        group = settings.priority_groups.get(priority_group_code)
        if group is None:
            raise InvalidInput(_("Nhóm ưu tiên không hợp lệ."), code="unknown_priority_group")
    local_now = _local_now(center, now)
    _issuing_check(service, settings.calendar, local_now)
    policy = settings.policy
    if issuer.source == Ticket.Source.REMOTE:
        if not (policy.remote_enabled and service.allow_remote):
            raise NotAllowed(
                _("Trung tâm không cho lấy số từ xa cho dịch vụ này."), code="remote_disabled"
            )
        phone = normalize_phone(phone)
        if not VIETNAMESE_PHONE.match(phone):
            raise InvalidInput(_("Cần số điện thoại hợp lệ để lấy số từ xa."), code="invalid_phone")
    day = local_now.date()
    ticket = Ticket(
        center=center,
        service=service,
        issued_service=service,
        day=day,
        token=secrets.token_urlsafe(12),
        priority_group=group,
        appointment_code=(appointment_code or "")[:32],
        appointment_at=appointment_at,
        source=issuer.source,
        phone=phone if issuer.source == Ticket.Source.REMOTE else "",
        status=Status.WAITING,
    )
    # A given moment is kept; otherwise the time is taken under the number's lock.
    given = local_now if now is not None else None
    event = _event_row(ticket, "issue", "", at=local_now, official=issuer.user)
    # A booked appointment is honoured even when walk-ins have used the day's cap.
    cap = service.daily_cap if appointment_at is None else None
    if issuer.source == Ticket.Source.REMOTE:
        with transaction.atomic():
            # One remote issue at a time per center, so the per-phone count cannot be raced.
            QueuePolicy.objects.select_for_update().filter(pk=policy.pk).first()
            taken = Ticket.objects.filter(
                center=center, day=day, phone=phone, source=Ticket.Source.REMOTE
            ).count()
            if taken >= policy.remote_per_phone_per_day:
                raise Conflict(
                    _("Số điện thoại này đã lấy đủ %(n)d phiếu hôm nay.")
                    % {"n": policy.remote_per_phone_per_day},
                    code="remote_limit",
                )
            _issue_row(ticket, event, cap=cap, given=given)
    else:
        _issue_row(ticket, event, cap=cap, given=given)
    events.queue_changed(center)
    return ticket


def _issue_row(
    ticket: Ticket, event: TicketEvent, *, cap: int | None, given: datetime | None
) -> None:
    """Take the next number of the ticket's service for its day and store the ticket and its
    first event, or refuse (range used up, daily ``cap`` reached) having used no number.

    The ticket's time, unless ``given``, is this process's clock, but never earlier than the
    service's ticket before it (the day's row keeps its time): a higher number is never issued
    "earlier", and the queue is called in order of issue, whichever process issued each
    ticket.

    On PostgreSQL this is one statement (:func:`_issue_sql`): no transaction of its own, so
    the number's row is locked only while the statement runs, and one round trip where a
    transaction of the bump, the inserts and the commit took four (docs/performance.md).
    Elsewhere (SQLite, whose transactions take the write lock at ``BEGIN``) the ORM's steps
    in a transaction."""
    service = ticket.service
    if connection.vendor == "postgresql":
        for _attempt in range(3):
            if _issue_statement(ticket, event, cap=cap, given=given):
                return
            # Refused by the statement: say why from the day's row as it stands now.
            row = (
                TicketSequence.objects.filter(service=service, day=ticket.day)
                .values_list("last_number", "issued")
                .first()
            )
            number, issued = (row[0] + 1, row[1] + 1) if row else (service.number_start, 1)
            _number_check(service, number, issued, cap)
        # The row allowed a number each time it was read, but the statement refused it: the
        # service's range or cap changed in between three times running.
        raise Conflict(_("Không lấy được số, xin thử lại."), code="number_busy")
    with transaction.atomic():
        previous = (
            TicketSequence.objects.filter(service=service, day=ticket.day)
            .values_list("last_issued_at", flat=True)
            .first()
        )
        latest = _local_now(ticket.center, max(filter(None, (previous, given or timezone.now()))))
        ticket.issued_at = given or latest
        number, issued = _next_number(service, ticket.day, latest)
        _number_check(service, number, issued, cap)
        ticket.number = number
        ticket.display = service.format_number(number)
        ticket.save(force_insert=True)
        event.ticket = ticket
        event.at = ticket.issued_at
        event.save(force_insert=True)


def _number_check(service: QueueService, number: int, issued: int, cap: int | None) -> None:
    """Refuse the ``number`` that would be the day's ``issued``-th ticket of the service."""
    if number > service.number_end:
        raise Conflict(_("Dịch vụ này đã hết số trong ngày."), code="range_used_up")
    if cap is not None and issued > cap:
        raise Conflict(_("Dịch vụ này đã phát đủ số phiếu trong ngày."), code="daily_cap_reached")


def _issue_statement(
    ticket: Ticket, event: TicketEvent, *, cap: int | None, given: datetime | None
) -> bool:
    """Run :func:`_issue_sql` for the ticket; False when it refused the number (and changed
    nothing). On success the instances end as ``save()`` leaves them."""
    sql, ticket_fields, event_fields = _issue_sql()
    service = ticket.service
    params: dict[str, Any] = {
        "service": service.pk,
        "day": connection.ops.adapt_datefield_value(ticket.day),
        "start": service.number_start,
        "end": service.number_end,
        "cap": cap,
        "prefix": service.prefix,
        "at": connection.ops.adapt_datetimefield_value(given or timezone.now()),
        "given": given is not None,
    }
    for prefix, instance, fields in (("t", ticket, ticket_fields), ("e", event, event_fields)):
        for f in fields:
            params[f"{prefix}_{f.attname}"] = f.get_db_prep_save(
                f.pre_save(instance, True), connection
            )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    ticket_id, ticket.number, ticket.display, issued_at, event_id = row
    ticket.issued_at = _local_now(ticket.center, issued_at)
    event.at = ticket.issued_at
    event.ticket = ticket
    for instance, pk in ((ticket, ticket_id), (event, event_id)):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
    return True


@functools.cache
def _issue_sql() -> tuple[str, list, list]:
    """The issuing statement (PostgreSQL), built once per process from the models' fields:

    1. ``s``: the day's row of the service's numbers, made at ``number_start`` for the day's
       first ticket or bumped under its row lock; neither when the next number is past
       ``number_end`` or over the daily cap (then the statement returns no row);
    2. ``t``: the ticket with that number, its display (``QueueService.format_number``) and
       its time: the given one, or else ``at`` (this process's clock) but no earlier than the
       row's ``last_issued_at``, read under its lock;
    3. ``e``: its "issue" event at the same time.

    Returns the statement and the ticket's and the event's fields whose values it takes
    (named ``t_<attname>``, ``e_<attname>``)."""
    quote = connection.ops.quote_name

    def column(field: Any) -> str:
        return quote(str(field.column))

    computed = {"number", "display", "issued_at"}
    ticket_fields = [
        f for f in Ticket._meta.concrete_fields if not f.primary_key and f.name not in computed
    ]
    link = TicketEvent._meta.get_field("ticket")
    event_fields = [
        f
        for f in TicketEvent._meta.concrete_fields
        if not f.primary_key and f is not link and f.name != "at"
    ]
    seq = quote(TicketSequence._meta.db_table)
    cap = "(%(cap)s::integer IS NULL OR {issued} < %(cap)s::integer)"
    n = "s.last_number"
    prefix = "%(prefix)s::text"
    display = (
        f"CASE WHEN {prefix} = '' THEN {n}::text "
        f"WHEN {n} < 100 THEN {prefix} || lpad({n}::text, 3, '0') "
        f"ELSE {prefix} || {n}::text END"
    )
    ticket_pk = column(Ticket._meta.pk)
    number, display_column, issued_at = (
        column(Ticket._meta.get_field(name)) for name in ("number", "display", "issued_at")
    )
    computed_columns = f"{number}, {display_column}, {issued_at}"
    sql = (
        f"WITH s AS (INSERT INTO {seq} "  # noqa: S608
        "(service_id, day, last_number, issued, last_issued_at) "
        "SELECT %(service)s, %(day)s, %(start)s::integer, 1, %(at)s::timestamptz "
        f"WHERE %(start)s::integer <= %(end)s::integer AND {cap.format(issued='0')} "
        f"ON CONFLICT (service_id, day) DO UPDATE SET last_number = {seq}.last_number + 1, "
        f"issued = {seq}.issued + 1, "
        f"last_issued_at = GREATEST({seq}.last_issued_at, %(at)s::timestamptz) "
        f"WHERE {seq}.last_number < %(end)s::integer "
        f"AND {cap.format(issued=f'{seq}.issued')} RETURNING last_number, last_issued_at), "
        f"t AS (INSERT INTO {quote(Ticket._meta.db_table)} "
        f"({computed_columns}, {', '.join(column(f) for f in ticket_fields)}) "
        f"SELECT {n}, {display}, "
        "CASE WHEN %(given)s::boolean THEN %(at)s::timestamptz ELSE s.last_issued_at END, "
        f"{', '.join(f'%(t_{f.attname})s' for f in ticket_fields)} FROM s "
        f"RETURNING {ticket_pk}, {computed_columns}), "
        f"e AS (INSERT INTO {quote(TicketEvent._meta.db_table)} "
        f"({column(link)}, {column(TicketEvent._meta.get_field('at'))}, "
        f"{', '.join(column(f) for f in event_fields)}) "
        f"SELECT t.{ticket_pk}, t.{issued_at}, "
        f"{', '.join(f'%(e_{f.attname})s' for f in event_fields)} FROM t "
        f"RETURNING {column(TicketEvent._meta.pk)}) "
        f"SELECT t.{ticket_pk}, t.{number}, t.{display_column}, t.{issued_at}, "
        f"e.{column(TicketEvent._meta.pk)} "
        "FROM t, e"
    )
    return sql, ticket_fields, event_fields


def _next_number(service: QueueService, day, at: datetime) -> tuple[int, int]:
    """Bump the day's sequence of the service (atomic update under the row lock), noting the
    ticket's time ``at``, and return (number, how many issued today)."""
    row = _bump(service, day, at)
    if row is None:
        try:
            with transaction.atomic():
                TicketSequence.objects.create(
                    service=service,
                    day=day,
                    last_number=service.number_start,
                    issued=1,
                    last_issued_at=at,
                )
            return service.number_start, 1
        except IntegrityError:
            # Another transaction created the day's row first: bump it like everyone else.
            row = _bump(service, day, at)
    if row is None:
        raise RuntimeError("the day's ticket sequence row vanished")
    return row


def _bump(service: QueueService, day, at: datetime) -> tuple[int, int] | None:
    """One statement: bump the row and read it back (``UPDATE … RETURNING``, SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1, issued = issued + 1, "  # noqa: S608
            "last_issued_at = %s WHERE service_id = %s AND day = %s "
            "RETURNING last_number, issued",
            [
                connection.ops.adapt_datetimefield_value(at),
                service.pk,
                connection.ops.adapt_datefield_value(day),
            ],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


# --- Counters -------------------------------------------------------------------------------


def counter_check(*, actor: User | None, device: DeviceToken | None, counter: Counter) -> None:
    """Staff of the counter's center, or the counter's own terminal, may work it."""
    if device is not None:
        if (
            device.purpose == DeviceToken.Purpose.COUNTER_TERMINAL
            and device.counter_id == counter.pk
        ):
            return
        raise NotAllowed(_("Thiết bị này không phải thiết bị của quầy."), code="not_this_counter")
    if actor is None or not user_has_role(user=actor, center=counter.center, roles=COUNTER_ROLES):
        raise NotAllowed(_("Bạn không làm việc ở trung tâm của quầy này."))


def counter_set_status(
    *, actor: User | None, device: DeviceToken | None = None, counter: Counter, status: str
) -> CounterState:
    """Open a counter (the actor works it), pause it for a break, or close it."""
    counter_check(actor=actor, device=device, counter=counter)
    if status not in CounterState.Status.values:
        raise InvalidInput(_("Trạng thái quầy không hợp lệ."))
    with transaction.atomic():
        state, _created = CounterState.objects.select_for_update().get_or_create(counter=counter)
        if status != CounterState.Status.OPEN and _current(counter) is not None:
            raise Conflict(
                _("Hãy kết thúc hoặc tạm hoãn phiếu đang phục vụ trước."), code="ticket_at_counter"
            )
        state.status = status
        if actor is not None and actor.is_authenticated:
            state.official = actor
        state.save()
        events.queue_changed(counter.center)
    return state


def _current(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.filter(counter=counter, status__in=Status.AT_COUNTER)
        .order_by("-called_at")
        .first()
    )


def _lock(queryset):
    """``SELECT … FOR UPDATE`` (skipping rows another transaction holds, where the database can)."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.select_for_update()


def _prefer_priority(counter: Counter, policy: QueuePolicy, day) -> bool:
    if counter.is_priority_desk or policy.priority_mode == QueuePolicy.PriorityMode.STRICT:
        return True
    recent = list(
        TicketEvent.objects.filter(
            ticket__center=counter.center, ticket__day=day, action=Action.CALL
        )
        .order_by("-at", "-id")
        .values_list("ticket__priority_group_id", flat=True)[: policy.interleave_every]
    )
    # Interleave: after a priority call, the next N calls go to normal tickets first.
    return not any(group is not None for group in recent)


def ticket_call_next(
    *,
    actor: User | None,
    device: DeviceToken | None = None,
    counter: Counter,
    now: datetime | None = None,
) -> Ticket | None:
    """Call the next ticket this counter serves; None when nobody waits."""
    counter_check(actor=actor, device=device, counter=counter)
    center = counter.center
    local_now = _local_now(center, now)
    policy = queue_policy(center)
    with transaction.atomic():
        state, _created = CounterState.objects.select_for_update().get_or_create(counter=counter)
        if state.status == CounterState.Status.PAUSED:
            raise Conflict(
                _("Quầy đang tạm nghỉ. Hãy mở quầy trước khi gọi số."), code="counter_paused"
            )
        if _current(counter) is not None:
            raise Conflict(
                _("Quầy đang có phiếu. Hãy kết thúc, chuyển hoặc tạm hoãn phiếu đó trước."),
                code="ticket_at_counter",
            )
        if state.status != CounterState.Status.OPEN or (
            actor is not None and state.official_id != getattr(actor, "pk", None)
        ):
            state.status = CounterState.Status.OPEN
            if actor is not None and actor.is_authenticated:
                state.official = actor
            state.save()
        waiting = Ticket.objects.filter(
            center=center,
            day=local_now.date(),
            status=Status.WAITING,
            service__counters=counter,
        ).filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
        rank = Case(
            When(priority_group__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        first_class = rank if _prefer_priority(counter, policy, local_now.date()) else -rank
        # Appointment holders whose time has come go first, in the order of their times.
        booked = Case(
            When(appointment_at__lte=local_now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        booked_time = Case(
            When(appointment_at__lte=local_now, then=F("appointment_at")),
            default=Value(None),
            output_field=DateTimeField(),
        )
        ticket = _lock(
            waiting.order_by(booked, booked_time, first_class, "issued_at", "id")
        ).first()
        if ticket is None:
            return None
        before = ticket.status
        ticket.status = check(Action.CALL, ticket.status)
        ticket.counter = counter
        ticket.official = actor if actor is not None and actor.is_authenticated else None
        ticket.called_at = local_now
        ticket.target_counter = None
        ticket.save(update_fields=["status", "counter", "official", "called_at", "target_counter"])
        _event(ticket, Action.CALL, before, at=local_now, counter=counter, official=actor)
        events.ticket_called(ticket)
        _notify_near(ticket.service, local_now)
    return ticket


def _notify_near(service: QueueService, local_now: datetime) -> None:
    """Tell remote ticket holders (who left a phone) when their turn is near."""
    from motcua.notifications.services import notification_enqueue
    from motcua.queueing.selectors import ticket_ahead

    for ticket in Ticket.objects.filter(
        service=service, day=local_now.date(), status=Status.WAITING, source=Ticket.Source.REMOTE
    ).exclude(phone=""):
        ahead = ticket_ahead(ticket)
        if ahead <= NOTIFY_WHEN_AHEAD:
            notification_enqueue(
                center=service.center,
                kind="queue_position",
                channel="sms",
                recipient=ticket.phone,
                context={"ticket": ticket.display, "ahead": ahead},
                idempotency_key=f"ticket:{ticket.pk}:near",
            )


def _counter_ticket(counter: Counter, ticket_id: int | None, statuses) -> Ticket:
    """The ticket an action applies to, locked: the counter's current one, or a named one."""
    tickets = Ticket.objects.filter(counter=counter)
    if ticket_id is not None:
        tickets = tickets.filter(pk=ticket_id)
    else:
        tickets = tickets.filter(status__in=statuses)
    ticket = tickets.select_for_update().order_by("-called_at").first()
    if ticket is None:
        raise Conflict(_("Quầy không có phiếu nào để làm việc này."), code="no_ticket")
    return ticket


def ticket_act(
    *,
    actor: User | None,
    device: DeviceToken | None = None,
    counter: Counter,
    action: str,
    ticket_id: int | None = None,
    outcome: str = "",
    target_service_code: str = "",
    target_counter_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """recall, start, finish (with an outcome), no_show, transfer (to a service and/or counter),
    park, resume (a parked ticket of this counter, by id)."""
    counter_check(actor=actor, device=device, counter=counter)
    if action not in {
        Action.RECALL,
        Action.START,
        Action.FINISH,
        Action.NO_SHOW,
        Action.TRANSFER,
        Action.PARK,
        Action.RESUME,
    }:
        raise InvalidInput(_("Thao tác không hợp lệ."), code="invalid_action")
    center = counter.center
    local_now = _local_now(center, now)
    policy = queue_policy(center)
    with transaction.atomic():
        # Every action on a counter holds its state row, as a call does: one at a time.
        state, _created = CounterState.objects.select_for_update().get_or_create(counter=counter)
        if action == Action.RESUME:
            if state.status == CounterState.Status.PAUSED:
                raise Conflict(
                    _("Quầy đang tạm nghỉ. Hãy mở quầy trước khi gọi số."), code="counter_paused"
                )
            if ticket_id is None:
                raise InvalidInput(
                    _("Chọn phiếu đang tạm hoãn để tiếp tục."), code="ticket_required"
                )
            if _current(counter) is not None:
                raise Conflict(
                    _("Quầy đang có phiếu. Hãy kết thúc, chuyển hoặc tạm hoãn phiếu đó trước."),
                    code="ticket_at_counter",
                )
        ticket = _counter_ticket(counter, ticket_id, Status.AT_COUNTER)
        before = ticket.status
        ticket.status = check(action, ticket.status)
        fields = ["status"]
        note = ""
        if action == Action.RECALL:
            if ticket.recalls >= policy.recall_limit:
                raise Conflict(
                    _("Đã gọi lại %(n)d lần. Hãy đánh dấu vắng mặt.") % {"n": ticket.recalls},
                    code="recall_limit",
                )
            ticket.recalls += 1
            fields.append("recalls")
        elif action == Action.START:
            ticket.serving_at = local_now
            fields.append("serving_at")
        elif action == Action.FINISH:
            if outcome not in Ticket.Outcome.values:
                raise InvalidInput(
                    _(
                        "Chọn kết quả phục vụ: đã tiếp nhận hồ sơ, chỉ hướng dẫn, hoặc chuyển nơi khác."
                    ),
                    code="outcome_required",
                )
            ticket.outcome = outcome
            ticket.finished_at = local_now
            fields += ["outcome", "finished_at"]
            note = outcome
        elif action == Action.NO_SHOW:
            ticket.finished_at = local_now
            fields.append("finished_at")
        elif action == Action.TRANSFER:
            note = _transfer(ticket, center, target_service_code, target_counter_id)
            fields += ["service", "target_counter", "counter", "called_at", "serving_at", "recalls"]
        elif action == Action.RESUME:
            ticket.called_at = local_now
            fields.append("called_at")
        ticket.save(update_fields=fields)
        _event(ticket, action, before, at=local_now, counter=counter, official=actor, note=note)
        if action in {Action.RECALL, Action.RESUME}:
            events.ticket_called(ticket, recall=ticket.recalls)
        else:
            events.ticket_changed(ticket)
        if action == Action.FINISH:
            events.ticket_finished(ticket)
            # This process's estimates use the new service time at once (others within 30 s).
            service_stats_forget(ticket.service_id)
            transaction.on_commit(lambda: service_stats_forget(ticket.service_id))
    return ticket


def _transfer(ticket: Ticket, center: Center, service_code: str, counter_id: int | None) -> str:
    if not service_code and counter_id is None:
        raise InvalidInput(_("Chọn dịch vụ hoặc quầy để chuyển đến."), code="target_required")
    if service_code:
        service = QueueService.objects.filter(
            center=center, code=service_code, is_active=True
        ).first()
        if service is None:
            raise InvalidInput(
                _("Không có dịch vụ “%(code)s”.") % {"code": service_code}, code="unknown_service"
            )
        ticket.service = service
    target = None
    if counter_id is not None:
        target = Counter.objects.filter(center=center, pk=counter_id, is_active=True).first()
        if target is None:
            raise InvalidInput(_("Quầy chuyển đến không thuộc trung tâm."), code="unknown_counter")
        if not ticket.service.counters.filter(pk=target.pk).exists():
            raise InvalidInput(
                _("Quầy chuyển đến không phục vụ dịch vụ này."), code="counter_not_serving"
            )
    ticket.target_counter = target
    ticket.counter = None
    ticket.called_at = None
    ticket.serving_at = None
    ticket.recalls = 0
    return f"service={ticket.service.code} counter={target.number if target else ''}"


def tickets_expire(*, center: Center, now: datetime | None = None) -> int:
    """At closing, tickets still waiting (or called and never served) expire."""
    local_now = _local_now(center, now)
    count = 0
    with transaction.atomic():
        stale = Ticket.objects.select_for_update().filter(
            center=center,
            day__lte=local_now.date(),
            status__in=[Status.WAITING, Status.CALLED, Status.PARKED],
        )
        for ticket in stale:
            before = ticket.status
            ticket.status = check(Action.EXPIRE, ticket.status)
            ticket.finished_at = local_now
            ticket.save(update_fields=["status", "finished_at"])
            _event(ticket, Action.EXPIRE, before, at=local_now)
            count += 1
        if count:
            events.queue_changed(center)
    return count


def tickets_expire_after_closing(*, now: datetime | None = None) -> int:
    """For every center whose working day is over (or that has tickets of past days still
    open), expire what still waits. Run every minute by ``motcua worker``."""
    moment = now or timezone.now()
    count = 0
    open_centers = Center.objects.filter(
        tickets__status__in=[Status.WAITING, Status.CALLED, Status.PARKED]
    ).distinct()
    for center in open_centers:
        calendar = center_calendar(center=center)
        local = moment.astimezone(calendar.tz)
        periods = calendar.periods_on(local.date())
        stale = Ticket.objects.filter(
            center=center,
            day__lt=local.date(),
            status__in=[Status.WAITING, Status.CALLED, Status.PARKED],
        ).exists()
        if stale or not periods or local.time() >= periods[-1][1]:
            count += tickets_expire(center=center, now=moment)
    return count


def ticket_cancel(*, token: str, now: datetime | None = None) -> Ticket:
    """The citizen holding the ticket gives it up (from the phone page)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(token=token).first()
        if ticket is None:
            raise NotFound(_("Không có phiếu này."), code="unknown_ticket")
        local_now = _local_now(ticket.center, now)
        before = ticket.status
        ticket.status = check(Action.CANCEL, ticket.status)
        ticket.finished_at = local_now
        ticket.save(update_fields=["status", "finished_at"])
        _event(ticket, Action.CANCEL, before, at=local_now)
        events.ticket_changed(ticket)
    return ticket
