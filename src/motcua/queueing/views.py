"""Queue pages: the voice files, the citizen's ticket page (more screens in views_*.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache

from motcua.queueing import voice
from motcua.queueing.models import Ticket
from motcua.queueing.selectors import ticket_public
from motcua.ratelimit import RateLimited, client_ip, rate_limit_hit

_DISPLAY = re.compile(r"^[A-Z]{0,2}\d{1,6}$")


@cache_control(public=True, max_age=7 * 24 * 3600, immutable=True)
def call_voice(
    request: HttpRequest, center: str, display: str, counter: int, language: str
) -> FileResponse:
    """The spoken call for a ticket and counter, rendered by espeak-ng on first request and
    cached (a given ticket and counter always sound the same). Only for a ticket really called
    to that counter in the last week, so nobody can make the server render arbitrary audio."""
    if not _DISPLAY.fullmatch(display) or language not in voice.VOICES:
        raise Http404
    called = Ticket.objects.filter(
        center__code=center,
        display=display,
        counter__number=counter,
        called_at__gte=timezone.now() - timedelta(days=7),
    )
    if not called.exists():
        raise Http404
    sentence = voice.call_sentence(display=display, counter=str(counter), language=language)
    try:
        path = voice.render(sentence, language=language)
    except voice.VoiceUnavailable:
        # The display speaks the sentence with the browser's speech synthesis instead.
        raise Http404 from None
    return FileResponse(path.open("rb"), content_type="audio/wav")


@never_cache
def ticket_page(request: HttpRequest, token: str) -> HttpResponse:
    """The citizen's live ticket page (the QR code on the ticket opens it): the number, its
    status, people ahead and the estimated wait; live over ``/ws/ticket/<token>/``. No personal
    data. See docs/display.md."""
    limit, window = settings.QUEUE_TICKET_STATUS_LIMIT
    try:
        rate_limit_hit("queue-ticket-status", client_ip(request), limit=limit, window=window)
    except RateLimited as error:
        response = HttpResponse(error.message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(error.details.get("retry_after", 60))
        return response
    ticket = (
        Ticket.objects.select_related("center", "service", "counter").filter(token=token).first()
    )
    if ticket is None:
        raise Http404
    return render(
        request, "queueing/ticket_page.html", {"ticket": ticket, "public": ticket_public(ticket)}
    )
