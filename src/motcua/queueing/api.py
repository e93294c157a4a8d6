"""Queue API: services and tickets for kiosks and phones, counter actions, the display state."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from ninja.responses import Status

from motcua.errors import NotFound
from motcua.organization.identity import caller, device_from_request
from motcua.organization.models import Counter
from motcua.organization.selectors import center_get_public
from motcua.queueing import selectors, services
from motcua.queueing.cache import queue_settings
from motcua.queueing.models import QueuePolicy, Ticket
from motcua.ratelimit import client_ip, rate_limit_hit

router = Router(tags=["queue"])


class ErrorOut(Schema):
    code: str
    message: str


class ServiceOut(Schema):
    code: str
    name: str
    prefix: str
    number_start: int
    number_end: int
    allow_remote: bool
    waiting: int
    estimated_wait_minutes: int


@router.get(
    "centers/{center}/queue-services", response={200: list[ServiceOut], 404: ErrorOut}, auth=None
)
def queue_services(request: HttpRequest, center: str) -> list[ServiceOut]:
    """What the kiosk offers, with how many wait and an estimate for a newcomer."""
    center_obj = center_get_public(code=center)
    return [
        ServiceOut(
            code=row["service"].code,
            name=row["service"].name,
            prefix=row["service"].prefix,
            number_start=row["service"].number_start,
            number_end=row["service"].number_end,
            allow_remote=row["service"].allow_remote,
            waiting=row["waiting"],
            estimated_wait_minutes=row["estimated_wait_minutes"],
        )
        for row in selectors.service_list(center_obj)
    ]


class TicketIn(Schema):
    service: str
    priority_group: str | None = None
    appointment_code: str | None = None
    phone: str | None = None


class TicketOut(Schema):
    number: int
    display: str
    service: str
    token: str
    position: int
    ahead: int
    estimated_wait_minutes: int
    track_url: str
    issued_at: datetime
    priority_group: str | None = None


def ticket_out(
    request: HttpRequest, ticket: Ticket, policy: QueuePolicy | None = None
) -> TicketOut:
    public = selectors.ticket_public(ticket, policy)
    return TicketOut(
        number=ticket.number,
        display=ticket.display,
        service=ticket.service.code,
        token=ticket.token,
        position=public["position"],
        ahead=public["ahead"],
        estimated_wait_minutes=public["estimated_wait_minutes"],
        track_url=request.build_absolute_uri(reverse("queueing:ticket-page", args=[ticket.token])),
        issued_at=ticket.issued_at,
        priority_group=ticket.priority_group.code if ticket.priority_group else None,
    )


@router.post(
    "centers/{center}/tickets",
    response={
        201: TicketOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },
    auth=None,
)
def ticket_create(request: HttpRequest, center: str, payload: TicketIn):
    """Issue a ticket: from a kiosk (device token), by staff of the center (bearer token or
    session), or from a phone with no token when the center allows remote numbers."""
    device = device_from_request(request)
    if device is not None and device.center.code == center:
        center_obj = device.center  # a kiosk of this center: its row was read with the token
    else:
        center_obj = center_get_public(code=center)
    who = caller(request, device)
    if who.device is not None:
        issuer = services.Issuer(source=Ticket.Source.KIOSK, device=who.device, user=who.user)
    elif who.user is not None:
        issuer = services.Issuer(source=Ticket.Source.STAFF, user=who.user)
    else:
        limit, window = settings.QUEUE_REMOTE_TICKET_LIMIT
        rate_limit_hit("queue-remote", client_ip(request), limit=limit, window=window)
        issuer = services.Issuer(source=Ticket.Source.REMOTE)
    ticket = services.ticket_issue(
        issuer=issuer,
        center=center_obj,
        service_code=payload.service,
        priority_group_code=payload.priority_group,
        appointment_code=payload.appointment_code or "",
        phone=payload.phone or "",
    )
    return Status(201, ticket_out(request, ticket, queue_settings(center_obj).policy))


class TicketStatusOut(Schema):
    display: str
    service: str
    status: str
    position: int
    ahead: int
    estimated_wait_minutes: int
    counter: int | None
    counter_name: str | None


@router.get(
    "tickets/{token}", response={200: TicketStatusOut, 404: ErrorOut, 429: ErrorOut}, auth=None
)
def ticket_status(request: HttpRequest, token: str) -> TicketStatusOut:
    """The citizen's ticket (the phone page polls this when its websocket is down)."""
    limit, window = settings.QUEUE_TICKET_STATUS_LIMIT
    rate_limit_hit("queue-ticket-status", client_ip(request), limit=limit, window=window)
    ticket = (
        Ticket.objects.select_related("service", "counter", "center").filter(token=token).first()
    )
    if ticket is None:
        raise NotFound("Không có phiếu này.", code="unknown_ticket")
    return TicketStatusOut(
        **{
            k: v
            for k, v in selectors.ticket_public(ticket).items()
            if k in TicketStatusOut.model_fields
        }
    )


class CounterOut(Schema):
    id: int
    number: int
    name: str
    is_priority_desk: bool
    services: list[str]
    status: str


@router.get("centers/{center}/counters", response={200: list[CounterOut], 404: ErrorOut}, auth=None)
def counters(request: HttpRequest, center: str) -> list[CounterOut]:
    center_obj = center_get_public(code=center)
    result = []
    for counter in (
        Counter.objects.filter(center=center_obj, is_active=True)
        .prefetch_related("queue_services")
        .select_related("state")
    ):
        state = getattr(counter, "state", None)
        result.append(
            CounterOut(
                id=counter.pk,
                number=counter.number,
                name=counter.name,
                is_priority_desk=counter.is_priority_desk,
                services=[s.code for s in counter.queue_services.all() if s.is_active],
                status=state.status if state else "closed",
            )
        )
    return result


class ActionIn(Schema):
    ticket: int | None = None
    outcome: str | None = None
    service: str | None = None
    counter: int | None = None


class TicketAtCounterOut(Schema):
    id: int
    display: str
    service: str
    status: str
    counter: int | None
    recalls: int
    priority: bool
    outcome: str


class CallOut(Schema):
    ticket: TicketAtCounterOut


def _at_counter(ticket: Ticket) -> TicketAtCounterOut:
    return TicketAtCounterOut(
        id=ticket.pk,
        display=ticket.display,
        service=ticket.service.code,
        status=ticket.status,
        counter=ticket.counter.number if ticket.counter else None,
        recalls=ticket.recalls,
        priority=ticket.priority_group_id is not None,
        outcome=ticket.outcome,
    )


def _counter(counter_id: int) -> Counter:
    counter = Counter.objects.select_related("center").filter(pk=counter_id, is_active=True).first()
    if counter is None:
        raise NotFound("Không có quầy này.", code="unknown_counter")
    return counter


@router.post(
    "counters/{counter_id}/call-next",
    response={200: CallOut, 204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=None,
)
def call_next(request: HttpRequest, counter_id: int):
    """Call the next ticket this counter serves (204 when nobody waits)."""
    counter = _counter(counter_id)
    who = caller(request)
    ticket = services.ticket_call_next(actor=who.user, device=who.device, counter=counter)
    if ticket is None:
        return HttpResponse(status=204)
    return CallOut(ticket=_at_counter(ticket))


@router.post(
    "counters/{counter_id}/actions/{action}",
    response={200: CallOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=None,
)
def counter_action(
    request: HttpRequest, counter_id: int, action: str, payload: ActionIn | None = None
):
    """recall, start, finish (``outcome``: dossier_received | advice | referred), no_show,
    transfer (``service`` and/or ``counter`` id), park, resume (``ticket`` id)."""
    counter = _counter(counter_id)
    who = caller(request)
    payload = payload or ActionIn()
    ticket = services.ticket_act(
        actor=who.user,
        device=who.device,
        counter=counter,
        action=action,
        ticket_id=payload.ticket,
        outcome=payload.outcome or "",
        target_service_code=payload.service or "",
        target_counter_id=payload.counter,
    )
    return CallOut(ticket=_at_counter(ticket))


@router.get("centers/{center}/display", response={200: dict, 404: ErrorOut}, auth=None)
def display(request: HttpRequest, center: str) -> dict:
    """What the TV display shows (its fallback when the websocket is down)."""
    return selectors.display_state(center_get_public(code=center))
