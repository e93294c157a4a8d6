"""The site shell: public home, staff home per role, health check."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from motcua.appointments import selectors as appointment_selectors
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers import worklists
from motcua.dossiers.workflow import Status as DossierStatus
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


def _dossier_tiles(user) -> dict:
    """What the dossier tiles show: receiving (with the online dossiers waiting to be checked)
    for receptionists, the postal pages for postal staff."""
    receiving = center_list_for_user(user=user, roles=dossier_selectors.RECEIVE_ROLES)
    receive = receiving.exists()
    online_waiting = 0
    if receive:
        online_waiting = (
            dossier_selectors.dossier_list_for_user(user=user, statuses=[DossierStatus.REGISTERED])
            .filter(center__in=receiving)
            .count()
        )
    postal = center_list_for_user(user=user, roles=[Role.POSTAL]).exists()
    # The internal process: the official's own dossiers and the department's and center's lists.
    process = center_list_for_user(user=user, roles=worklists.WORKING_ROLES).exists()
    return {
        "receive": receive,
        "online_waiting": online_waiting,
        "postal": postal,
        "process": process,
        "mine": worklists.mine_counts(user) if process else {},
        "department": bool(process and worklists.user_departments(user)),
    }


def _appointment_tiles(user, now: dt.datetime) -> dict:
    """The appointment tiles for receptionists and center admins: today's list (with how many
    are booked today at their centers) and booking for a caller."""
    centers = list(
        center_list_for_user(user=user, roles=[Role.RECEPTIONIST, Role.CENTER_ADMIN])[:12]
    )
    if not centers:
        return {"show": False}
    return {"show": True, "today": appointment_selectors.today_count(centers, now)}


def _report_tiles(user) -> dict:
    """The reports tile for center admins, leaders, analysts and province admins."""
    from motcua.reporting.selectors import report_provinces, user_sees_reports

    return {
        "show": user_sees_reports(user=user),
        "provinces": list(report_provinces(user=user)[:4]),
    }


def _feedback_tiles(user) -> dict:
    """Satisfaction and the suggestion box, for those who see ratings or handle feedback."""
    from motcua.feedback import selectors as feedback

    rating_ids = list(feedback.rating_centers(user=user).values_list("pk", flat=True))
    feedback_ids = list(feedback.feedback_centers(user=user).values_list("pk", flat=True))
    enters = center_list_for_user(user=user, roles=feedback.FEEDBACK_ENTRY_ROLES).exists()
    return {
        "show": bool(rating_ids or feedback_ids or enters),
        "ratings": bool(rating_ids),
        "to_review": feedback.dissatisfied_to_review(center_ids=rating_ids).count(),
        "open": feedback.feedback_list(center_ids=feedback_ids, status="open").count(),
    }


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
            "dossier_tiles": _dossier_tiles(request.user),
            "appointment_tiles": _appointment_tiles(request.user, now),
            "report_tiles": _report_tiles(request.user),
            "feedback_tiles": _feedback_tiles(request.user),
        },
    )
