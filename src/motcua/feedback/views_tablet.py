"""The rating tablet at a counter (a browser paired with the counter's rating-tablet token).

Idle, it shows the counter and invites a rating. When the counter finishes a ticket the tablet
hears it on ``/ws/rating/<counter>/`` (or, without a websocket, asks ``pending/`` every few
seconds) and opens ``?ticket=<id>``: three big buttons, optional reasons and a comment. After
``RATING_TABLET_SECONDS`` without a touch it sends the chosen score (if any) and goes idle.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from motcua.errors import ServiceError
from motcua.feedback import services
from motcua.feedback.forms import rating_input
from motcua.feedback.models import Reason, Score
from motcua.organization import identity
from motcua.organization.models import Counter, DeviceToken
from motcua.queueing.models import Ticket

THANKS_SECONDS = 5


def _tablet(request: HttpRequest, counter: Counter) -> DeviceToken | None:
    device = identity.device_from_request(request)
    if (
        device is not None
        and device.purpose == DeviceToken.Purpose.RATING_TABLET
        and device.counter_id == counter.pk
    ):
        return device
    return None


def _ticket(counter: Counter, raw: str | None) -> Ticket | None:
    """The ticket named in the URL if the tablet may still ask about it, else the pending one."""
    if raw and raw.isdigit():
        pending = services.tablet_pending(counter=counter)
        if pending is not None and pending.pk == int(raw):
            return pending
        return None
    return services.tablet_pending(counter=counter)


@never_cache
@require_http_methods(["GET", "POST"])
def tablet(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = get_object_or_404(Counter.objects.select_related("center"), pk=counter_id)
    device = _tablet(request, counter)
    if device is None:
        return render(request, "feedback/tablet_unpaired.html", {"counter": counter}, status=403)
    idle_url = reverse("feedback_tablet:tablet", args=[counter.pk])
    context: dict[str, Any] = {
        "counter": counter,
        "center": counter.center,
        "scores": Score.choices,
        "reasons": Reason.choices,
        "seconds": settings.RATING_TABLET_SECONDS,
        "ws_path": f"/ws/rating/{counter.pk}/",
        "pending_url": reverse("feedback_tablet:pending", args=[counter.pk]),
        "idle_url": idle_url,
    }
    if request.method == "POST":
        ticket_id = request.POST.get("ticket", "")
        try:
            rating = services.rating_from_tablet(
                device=device,
                ticket_id=int(ticket_id) if ticket_id.isdigit() else 0,
                data=rating_input(request.POST, request),
            )
        except ServiceError as error:
            ticket = _ticket(counter, ticket_id)
            if ticket is None:
                # Already rated, too late, or another ticket: nothing to ask any more.
                return redirect(idle_url)
            # The same screen again with the message; what was chosen and typed is kept.
            context.update(
                ticket=ticket,
                error=error.message,
                chosen=request.POST.get("score", ""),
                chosen_reasons=request.POST.getlist("reasons"),
                comment=request.POST.get("comment", ""),
            )
            return render(request, "feedback/tablet.html", context, status=400)
        context.update(thanks=rating, thanks_seconds=THANKS_SECONDS)
        return render(request, "feedback/tablet.html", context)
    ticket = _ticket(counter, request.GET.get("ticket"))
    context["ticket"] = ticket
    return render(request, "feedback/tablet.html", context)


@never_cache
@require_GET
def pending(request: HttpRequest, counter_id: int) -> JsonResponse:
    """``{"ticket_id": id or null}``: the polling fallback of the tablet."""
    counter = get_object_or_404(Counter, pk=counter_id)
    if _tablet(request, counter) is None:
        return JsonResponse({"code": "forbidden"}, status=403)
    ticket = services.tablet_pending(counter=counter)
    return JsonResponse({"ticket_id": ticket.pk if ticket is not None else None})
