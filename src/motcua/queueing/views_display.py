"""The TV display of a center: a public screen in the waiting hall (no login).

It shows ticket numbers, counters and services only, never personal data. The page is rendered
with the current state and then kept live by ``static/motcua/js/display.js`` over
``/ws/display/<center>/`` (polling ``/api/v1/centers/<center>/display`` when the websocket is
down). See docs/display.md.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from motcua.organization.models import Counter
from motcua.organization.selectors import center_list_public
from motcua.queueing import selectors
from motcua.queueing.models import QueueService

RECENT_SHOWN = 6
MAX_REPEAT = 3


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(high, max(low, value))


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _board_columns(count: int) -> int:
    """Columns of the counter grid: big tiles for a few counters, still legible for 16."""
    if count <= 2:
        return count or 1
    if count <= 4:
        return 2
    if count <= 9:
        return 3
    return 4


@never_cache
def display(request: HttpRequest, center_code: str) -> HttpResponse:
    """``/display/<center>/``; ``?repeat=2`` says each call twice, ``?english=1`` adds the
    English sentence, ``?nows=1`` (diagnostics) skips the websocket and polls."""
    center = center_list_public().filter(code=center_code).first()
    if center is None:
        raise Http404
    state = selectors.display_state(center)
    calls = {call["counter"]: call for call in state["calls"]}
    numbers = set(
        Counter.objects.filter(
            center=center, is_active=True, queue_services__is_active=True
        ).values_list("number", flat=True)
    )
    names = dict(
        Counter.objects.filter(center=center, number__in=numbers | set(calls)).values_list(
            "number", "name"
        )
    )
    counters = [
        {"number": number, "name": names.get(number, ""), "call": calls.get(number)}
        for number in sorted(numbers | set(calls))
    ]
    service_names = list(
        QueueService.objects.filter(center=center, is_active=True)
        .order_by("order", "name")
        .values_list("name", flat=True)
    )
    service_names += [name for name in state["waiting"] if name not in service_names]
    waiting = [(name, state["waiting"].get(name, 0)) for name in service_names]
    columns = _board_columns(len(counters))
    return render(
        request,
        "queueing/display.html",
        {
            "center": center,
            "state": state,
            "counters": counters,
            "columns": columns,
            "rows": max(1, -(-len(counters) // columns)),
            "recent": state["recent"][:RECENT_SHOWN],
            "recent_max": RECENT_SHOWN,
            "waiting": waiting,
            "repeat": _int_param(request, "repeat", 1, 1, MAX_REPEAT),
            "english": _flag(request, "english"),
            "nows": _flag(request, "nows"),
            "ws_path": f"/ws/display/{center.code}/",
            "api_url": reverse("api:display", args=[center.code]),
        },
    )
