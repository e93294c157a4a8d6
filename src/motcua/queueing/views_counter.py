"""The counter screen: call, recall, serve, finish, transfer, park, pause; the live waiting list.

Staff use it logged in at ``/staff/counter/<id>/``; a counter's own paired terminal uses it
without a login at ``/counter/<id>/``. Every action is a plain form POST that calls a service and
redirects back (errors as messages); htmx refreshes the waiting list every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.errors import ServiceError
from motcua.organization import identity
from motcua.organization.models import Counter, DeviceToken
from motcua.organization.selectors import center_list_for_user, user_has_role
from motcua.queueing import selectors, services
from motcua.queueing.models import CounterState, QueueService, Ticket
from motcua.queueing.workflow import Action, Status

# Seconds between two refreshes of the waiting list.
POLL_SECONDS = 5


@dataclass(frozen=True)
class Desk:
    """Who works a counter through this request: staff (``actor``) or the terminal (``device``)."""

    counter: Counter
    actor: User | None
    device: DeviceToken | None
    terminal: bool

    def url(self, name: str = "") -> str:
        prefix = "terminal" if self.terminal else "counter"
        return reverse(
            f"queue_screens:{prefix}{'-' + name if name else ''}", args=[self.counter.pk]
        )


def _staff_counters(user):
    centers = center_list_for_user(user=user, roles=services.COUNTER_ROLES)
    return Counter.objects.filter(center__in=centers, is_active=True).select_related("center")


class _Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _desk(request: HttpRequest, counter_id: int, terminal: bool) -> Desk:
    """The counter this request may work, or a refusal (login, pairing page, 404)."""
    if terminal:
        device = identity.device_from_request(request)
        if (
            device is None
            or device.purpose != DeviceToken.Purpose.COUNTER_TERMINAL
            or device.counter_id != counter_id
        ):
            response = render(
                request, "queueing/counter_unpaired.html", {"device": device}, status=403
            )
            raise _Refused(response)
        counter = device.counter
        if counter is None or not counter.is_active:
            raise Http404(_("Không có quầy này."))
        # A member of the center's staff logged in on the terminal is recorded as the official.
        user = request.user
        actor = (
            user
            if user.is_authenticated
            and user_has_role(user=user, center=counter.center, roles=services.COUNTER_ROLES)
            else None
        )
        return Desk(counter=counter, actor=actor, device=device, terminal=True)  # type: ignore[arg-type]
    screen = reverse("queue_screens:counter", args=[counter_id])
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request") == "true":
            # The session ended while the screen was polling: send the whole page to log in.
            refused = HttpResponse(status=200)
            refused["HX-Redirect"] = f"{reverse('web:login')}?next={screen}"
            raise _Refused(refused)
        raise _Refused(redirect_to_login(screen))
    counter = _staff_counters(request.user).filter(pk=counter_id).first()
    if counter is None:
        raise Http404(_("Không có quầy này ở trung tâm của bạn."))
    return Desk(counter=counter, actor=request.user, device=None, terminal=False)  # type: ignore[arg-type]


@never_cache
@login_required
def counter_choose(request: HttpRequest) -> HttpResponse:
    """The counters of the user's centers, to pick the one they sit at."""
    counters = list(
        _staff_counters(request.user)
        .prefetch_related("queue_services")
        .order_by("center__name", "number")
    )
    states = dict(
        CounterState.objects.filter(counter__in=counters).values_list("counter_id", "status")
    )
    rows = [
        {
            "counter": counter,
            "state": CounterState.Status(states.get(counter.pk, CounterState.Status.CLOSED)),
            "services": [s.name for s in counter.queue_services.all() if s.is_active],
        }
        for counter in counters
    ]
    return render(request, "queueing/counter_choose.html", {"rows": rows})


def _waiting_context(queue: dict) -> dict:
    now = timezone.now()
    per_service = [
        {
            "name": name,
            "n": row["n"],
            "wait_minutes": int((now - row["oldest"]).total_seconds() // 60)
            if row["oldest"]
            else 0,
        }
        for name, row in sorted(queue["per_service"].items())
    ]
    return {
        "waiting_total": queue["waiting_total"],
        "waiting_priority": queue["waiting_priority"],
        "per_service": per_service,
        "longest_wait_minutes": queue["longest_wait_minutes"],
    }


def _screen_context(desk: Desk) -> dict:
    queue = selectors.counter_queue(desk.counter)
    current: Ticket | None = queue["current"]
    policy = queue["policy"]
    state = queue["state"]
    called = current is not None and current.status == Status.CALLED
    recall_left = called and current.recalls < policy.recall_limit  # type: ignore[union-attr]
    return {
        "desk": desk,
        "counter": desk.counter,
        "center": desk.counter.center,
        "state": CounterState.Status(state),
        "current": current,
        "called": called,
        "serving": current is not None and current.status == Status.SERVING,
        "can_call": current is None and state != CounterState.Status.PAUSED,
        # A resumed ticket is called again: not during a break either.
        "can_resume": current is None and state != CounterState.Status.PAUSED,
        "can_recall": recall_left,
        "can_no_show": called and not recall_left,
        "recall_limit": policy.recall_limit,
        "parked": queue["parked"],
        "outcomes": [
            (str(index), value, label)
            for index, (value, label) in enumerate(Ticket.Outcome.choices, start=1)
        ],
        "transfer_services": QueueService.objects.filter(
            center=desk.counter.center, is_active=True
        ).order_by("order", "name"),
        "transfer_counters": Counter.objects.filter(center=desk.counter.center, is_active=True)
        .exclude(pk=desk.counter.pk)
        .order_by("number"),
        "act_url": desk.url("act"),
        "waiting_url": desk.url("waiting"),
        "poll_seconds": POLL_SECONDS,
        **_waiting_context(queue),
    }


@never_cache
def counter_screen(request: HttpRequest, counter_id: int, terminal: bool = False) -> HttpResponse:
    try:
        desk = _desk(request, counter_id, terminal)
    except _Refused as refused:
        return refused.response
    return render(request, "queueing/counter.html", _screen_context(desk))


@never_cache
def counter_waiting(request: HttpRequest, counter_id: int, terminal: bool = False) -> HttpResponse:
    """The waiting list alone, for htmx to swap in."""
    try:
        desk = _desk(request, counter_id, terminal)
    except _Refused as refused:
        return refused.response
    queue = selectors.counter_queue(desk.counter)
    return render(request, "queueing/counter_waiting.html", _waiting_context(queue))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_POST
def counter_act(request: HttpRequest, counter_id: int, terminal: bool = False) -> HttpResponse:
    """One action of the counter screen, then back to it (post/redirect/get)."""
    try:
        desk = _desk(request, counter_id, terminal)
    except _Refused as refused:
        return refused.response
    action = request.POST.get("action", "")
    try:
        if action == Action.CALL:
            ticket = services.ticket_call_next(
                actor=desk.actor, device=desk.device, counter=desk.counter
            )
            if ticket is None:
                messages.info(request, _("Không có ai đang chờ quầy này."))
            else:
                messages.success(request, _("Đã gọi số %(n)s.") % {"n": ticket.display})
        elif action in {"pause", "open", "close"}:
            status = {
                "pause": CounterState.Status.PAUSED,
                "open": CounterState.Status.OPEN,
                "close": CounterState.Status.CLOSED,
            }[action]
            services.counter_set_status(
                actor=desk.actor, device=desk.device, counter=desk.counter, status=status
            )
            messages.success(
                request,
                {
                    "pause": _("Quầy đang tạm nghỉ. Bấm “Mở quầy” khi quay lại."),
                    "open": _("Quầy đã mở."),
                    "close": _("Quầy đã đóng."),
                }[action],
            )
        else:
            ticket = services.ticket_act(
                actor=desk.actor,
                device=desk.device,
                counter=desk.counter,
                action=action,
                ticket_id=_int(request.POST.get("ticket")),
                outcome=request.POST.get("outcome", ""),
                target_service_code=request.POST.get("service", ""),
                target_counter_id=_int(request.POST.get("target_counter")),
            )
            messages.success(request, _done(action, ticket))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(desk.url())


def _done(action: str, ticket: Ticket) -> str:
    n = ticket.display
    if action == Action.RECALL:
        return _("Đã gọi lại số %(n)s (lần %(k)d).") % {"n": n, "k": ticket.recalls}
    if action == Action.START:
        return _("Bắt đầu phục vụ số %(n)s.") % {"n": n}
    if action == Action.FINISH:
        return _("Đã kết thúc số %(n)s: %(outcome)s.") % {
            "n": n,
            "outcome": ticket.get_outcome_display(),
        }
    if action == Action.NO_SHOW:
        return _("Số %(n)s được ghi là vắng mặt.") % {"n": n}
    if action == Action.TRANSFER:
        if ticket.target_counter is not None:
            return _("Đã chuyển số %(n)s sang %(service)s, quầy %(counter)s.") % {
                "n": n,
                "service": ticket.service.name,
                "counter": ticket.target_counter.number,
            }
        return _("Đã chuyển số %(n)s sang %(service)s.") % {"n": n, "service": ticket.service.name}
    if action == Action.PARK:
        return _("Đã tạm hoãn số %(n)s.") % {"n": n}
    if action == Action.RESUME:
        return _("Tiếp tục số %(n)s: đã gọi lại.") % {"n": n}
    return _("Đã xong.")
