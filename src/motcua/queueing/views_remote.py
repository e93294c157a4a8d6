"""Taking a number from home: the public page for remote tickets (when the center allows them).

A citizen chooses a service, gives a phone number (limited per phone per day) and lands on the
live ticket page; an SMS comes when their turn is near. Same service, same rules as the kiosk.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from motcua.errors import ServiceError
from motcua.organization.selectors import center_list_public
from motcua.queueing import selectors, services
from motcua.queueing.models import Ticket
from motcua.ratelimit import RateLimited, client_ip, rate_limit_hit


def remote_ticket(request: HttpRequest, center: str) -> HttpResponse:
    center_obj = center_list_public().filter(code=center).first()
    if center_obj is None:
        raise Http404
    policy = selectors.policy_for(center_obj)
    rows = [row for row in selectors.service_list(center_obj) if row["service"].allow_remote]
    error = ""
    status = 200
    phone = ""
    chosen = ""
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()[:20]
        chosen = request.POST.get("service", "")
        try:
            limit, window = settings.QUEUE_REMOTE_TICKET_LIMIT
            rate_limit_hit("queue-remote", client_ip(request), limit=limit, window=window)
            ticket = services.ticket_issue(
                issuer=services.Issuer(source=Ticket.Source.REMOTE),
                center=center_obj,
                service_code=chosen,
                phone=phone,
            )
        except ServiceError as failure:
            error = failure.message
            status = 429 if isinstance(failure, RateLimited) else 400
        else:
            return redirect(reverse("queueing:ticket-page", args=[ticket.token]))
    return render(
        request,
        "queueing/remote.html",
        {
            "center": center_obj,
            "enabled": policy.remote_enabled and bool(rows),
            "rows": rows,
            "error": error,
            "phone": phone,
            "chosen": chosen,
        },
        status=status,
    )
