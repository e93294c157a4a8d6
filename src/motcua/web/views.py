"""The site shell: public home, staff home per role, health check."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from motcua.organization.models import Role
from motcua.organization.selectors import (
    center_calendar,
    center_list_for_user,
    center_list_public,
    center_week,
    membership_list,
)
from motcua.web.health import run_checks
from motcua.workcalendar.calendar import WorkingCalendar, is_working_time


@never_cache
async def healthz(request: HttpRequest) -> HttpResponse:
    healthy, checks = await run_checks()
    body = {"status": "ok" if healthy else "fail", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _week_rows(center) -> list[dict]:
    week, _standard = center_week(center=center)
    return [{"weekday": weekday, "periods": periods} for weekday, periods in enumerate(week)]


def _upcoming_days(calendar: WorkingCalendar, today: dt.date, count: int = 7) -> list[dict]:
    """The next ``count`` dates with whether each is worked and its periods."""
    days = []
    for offset in range(count):
        day = today + dt.timedelta(days=offset)
        days.append({"date": day, "periods": calendar.periods_on(day)})
    return days


def home(request: HttpRequest) -> HttpResponse:
    centers = [
        {"center": center, "week_rows": _week_rows(center)} for center in center_list_public()
    ]
    return render(request, "web/home.html", {"centers": centers})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    memberships = list(membership_list(user=request.user))
    roles = sorted({m.role for m in memberships}, key=lambda r: list(Role.values).index(r))
    centers = list(center_list_for_user(user=request.user).select_related("province"))
    now = timezone.now()
    center_cards = []
    for center in centers[:12]:
        calendar = center_calendar(center=center)
        local_now = now.astimezone(calendar.tz)
        center_cards.append(
            {
                "center": center,
                "roles": [m for m in memberships if m.center_id == center.pk],
                "days": _upcoming_days(calendar, local_now.date()),
                "open_now": is_working_time(calendar, now),
            }
        )
    return render(
        request,
        "web/staff_home.html",
        {
            "memberships": memberships,
            "roles": roles,
            "role_labels": dict(Role.choices),
            "center_cards": center_cards,
            "more_centers": max(0, len(centers) - 12),
        },
    )
