"""Report pages: the center dashboard, the province view, today's live figures, the exports,
and the public transparency pages."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.errors import InvalidInput, NotAllowed, NotFound
from motcua.reporting import charts, exports, figures, selectors
from motcua.reporting.periods import Period, month_period, period_parse
from motcua.reporting.selectors import Scope
from motcua.reporting.tables import CENTER_TABLES, PROVINCE_TABLES, Table, table_build

logger = logging.getLogger(__name__)

PUBLIC_CACHE_SECONDS = 300


def _scope(request: HttpRequest, kind: str, code: str) -> Scope:
    try:
        if kind == "province":
            return selectors.province_scope(user=request.user, code=code)
        return selectors.center_scope(user=request.user, code=code)
    except (NotFound, NotAllowed) as error:
        # A center of somebody else is "not found" here, as an unknown one.
        raise Http404(error.message) from error


def _period(request: HttpRequest, scope: Scope, now: datetime) -> tuple[Period, list[str]]:
    today = now.astimezone(scope.tz).date()
    try:
        period = period_parse(
            first=request.GET.get("from"), last=request.GET.get("to"), tz=scope.tz, today=today
        )
        return period, []
    except InvalidInput as error:
        default = period_parse(first=None, last=None, tz=scope.tz, today=today)
        return default, [error.message + " " + _("Đang hiển thị tháng này.")]


def _quick_periods(today: date) -> list[dict[str, Any]]:
    first = today.replace(day=1)
    previous_last = first - timedelta(days=1)
    return [
        {"label": _("Tháng này"), "from": first, "to": today},
        {"label": _("Tháng trước"), "from": previous_last.replace(day=1), "to": previous_last},
        {"label": _("Từ đầu năm"), "from": today.replace(month=1, day=1), "to": today},
        {
            "label": _("Năm trước"),
            "from": date(today.year - 1, 1, 1),
            "to": date(today.year - 1, 12, 31),
        },
    ]


def _query(period: Period) -> str:
    return f"from={period.first.isoformat()}&to={period.last.isoformat()}"


def _blocks(tables: dict[str, Table], scope: Scope, period: Period) -> dict[str, dict[str, Any]]:
    """Each table with the address of its Excel export, keyed for templates (``queue_hours``)."""
    name = "reporting:center-xlsx" if scope.kind == "center" else "reporting:province-xlsx"
    return {
        key.replace("-", "_"): {
            "table": table,
            "xlsx": reverse(name, args=[scope.code, key]) + "?" + _query(period),
        }
        for key, table in tables.items()
    }


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The centers and provinces whose reports the user may see (straight to the only one)."""
    centers = list(selectors.report_centers(user=request.user))
    provinces = list(selectors.report_provinces(user=request.user))
    if not centers and not provinces:
        raise Http404
    if len(centers) == 1 and not provinces:
        return redirect("reporting:center", code=centers[0].code)
    return render(request, "reporting/home.html", {"centers": centers, "provinces": provinces})


@login_required
@require_safe
def center(request: HttpRequest, code: str) -> HttpResponse:
    """The center dashboard: headline, 766 indicators, month by month, the tables by field,
    procedure, department, official; the queue's tables and heat map; today's live view."""
    scope = _scope(request, "center", code)
    now = timezone.now()
    period, errors = _period(request, scope, now)
    tables = {name: table_build(name, scope, period, now) for name in CENTER_TABLES}
    logger.info("user %s viewed the reports of %s %s", request.user.pk, scope.code, _query(period))
    return render(
        request,
        "reporting/center.html",
        {
            **_common(scope, period, now, errors),
            "blocks": _blocks(tables, scope, period),
            "months_chart": exports.months_chart(tables["months"]),
            "heatmap": exports.arrivals_chart(scope, period),
            "today": today_figures(scope, now),
            "months": [month_period(m, scope.tz).first for m in period.months()],
        },
    )


def _common(scope: Scope, period: Period, now: datetime, errors: list[str]) -> dict[str, Any]:
    today = now.astimezone(scope.tz).date()
    return {
        "scope": scope,
        "period": period,
        "errors": errors,
        "query": _query(period),
        "quick": _quick_periods(today),
        "summary": selectors.summary(scope=scope, period=period, now=now),
        "now": now,
    }


@login_required
@require_safe
def province(request: HttpRequest, code: str) -> HttpResponse:
    """The province view: its centers side by side, ranked, and the province's own figures."""
    scope = _scope(request, "province", code)
    now = timezone.now()
    period, errors = _period(request, scope, now)
    tables = {name: table_build(name, scope, period, now) for name in PROVINCE_TABLES}
    centers = selectors.province_centers(scope=scope, period=period, now=now)
    return render(
        request,
        "reporting/province.html",
        {
            **_common(scope, period, now, errors),
            "blocks": _blocks(tables, scope, period),
            "months_chart": exports.months_chart(tables["months"]),
            "ranking_chart": charts.ranked_bars(
                title=_("Tỷ lệ giải quyết đúng hạn của các trung tâm"),
                desc=_(
                    "Mỗi thanh: một trung tâm, xếp từ cao xuống thấp; số liệu ở bảng các trung tâm."
                ),
                rows=[(row["label"], row["on_time_rate"]) for row in centers],
            ),
            "satisfaction_chart": charts.ranked_bars(
                title=_("Tỷ lệ hài lòng của các trung tâm"),
                desc=_("Mỗi thanh: tỷ lệ đánh giá hài lòng và rất hài lòng của một trung tâm."),
                rows=sorted(
                    ((row["label"], row["satisfaction_rate"]) for row in centers),
                    key=lambda item: -(item[1] or -1),
                ),
            ),
        },
    )


def today_figures(scope: Scope, now: datetime) -> dict[str, Any]:
    """Today so far (local day): tickets and their waits, who waits now and for how long,
    dossiers received and results out today."""
    from motcua.queueing.models import Ticket
    from motcua.queueing.workflow import Status as TicketStatus

    today = now.astimezone(scope.tz).date()
    day = Period(today, today, scope.tz)
    share = figures.rolled_share(center_ids=scope.center_ids, start=day.start, end=day.end)
    queue = figures.queue_summary(
        center_ids=scope.center_ids, start=day.start, end=day.end, tz=scope.tz, share=share
    )
    waiting = Ticket.objects.filter(
        center_id__in=scope.center_ids, day=today, status=TicketStatus.WAITING
    )
    oldest = waiting.order_by("issued_at").values_list("issued_at", flat=True).first()
    dossiers = figures.dossier_figures(
        center_ids=scope.center_ids, start=day.start, end=day.end, now=now, share=share
    )
    return {
        "day": today,
        "at": now,
        "queue": queue,
        "waiting": waiting.count(),
        "longest_wait_minutes": figures.one_decimal((now - oldest).total_seconds() / 60)
        if oldest
        else None,
        "serving": Ticket.objects.filter(
            center_id__in=scope.center_ids, day=today, status__in=TicketStatus.AT_COUNTER
        ).count(),
        "received": dossiers["received"],
        "resolved": sum(dossiers["resolved"].values()),
    }


@login_required
@require_safe
def center_today(request: HttpRequest, code: str) -> HttpResponse:
    """Today's live figures (the dashboard refreshes this part every 30 seconds)."""
    scope = _scope(request, "center", code)
    return render(
        request,
        "reporting/_today.html",
        {"scope": scope, "today": today_figures(scope, timezone.now())},
    )


@login_required
@require_safe
def table_xlsx(request: HttpRequest, kind: str, code: str, name: str) -> HttpResponse:
    """One table of the dashboard (or every table: ``all``) as an Excel workbook."""
    scope = _scope(request, kind, code)
    names = CENTER_TABLES if kind == "center" else PROVINCE_TABLES
    if name != "all" and name not in names:
        raise Http404
    now = timezone.now()
    period, _errors = _period(request, scope, now)
    chosen = names if name == "all" else [name]
    tables = [table_build(table, scope, period, now) for table in chosen]
    heading = [
        f"{scope.name}",
        _("Từ %(first)s đến %(last)s")
        % {"first": f"{period.first:%d/%m/%Y}", "last": f"{period.last:%d/%m/%Y}"},
        _("Lập lúc %(at)s") % {"at": f"{now.astimezone(scope.tz):%d/%m/%Y %H:%M}"},
    ]
    data = exports.table_xlsx(tables, heading=heading)
    filename = f"bao-cao-{scope.code}-{name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    logger.info("user %s exported %s of %s", request.user.pk, name, scope.code)
    return response


@login_required
@require_safe
def monthly_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The center's monthly report as a PDF (``month=YYYY-MM``; default the last full month)."""
    scope = _scope(request, "center", code)
    now = timezone.now()
    raw = request.GET.get("month", "").strip()
    if raw:
        try:
            month = date.fromisoformat(f"{raw}-01")
        except ValueError:
            raise Http404 from None
    else:
        month = (now.astimezone(scope.tz).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    if month > now.astimezone(scope.tz).date():
        raise Http404
    data = exports.monthly_pdf(scope, month, now)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bao-cao-{scope.code}-{month:%Y-%m}.pdf"'
    return response


# --- Public transparency ------------------------------------------------------------------------


@require_safe
def public_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/public_index.html", {"scopes": selectors.public_scopes()})


def _public(request: HttpRequest, scope: Scope) -> HttpResponse:
    now = timezone.now()
    today = now.astimezone(scope.tz).date()
    period, errors = _period(request, scope, now)
    if not request.GET.get("from") and not request.GET.get("to"):
        period = Period(today.replace(month=1, day=1), today, scope.tz)
    key = (
        f"reporting:public:{scope.kind}:{scope.code}:{period.first}:{period.last}:{get_language()}"
    )
    context = cache.get(key)
    if context is None:
        context = {
            "summary": selectors.summary(scope=scope, period=period, now=now),
            "indicators": figures.indicators_766(
                center_ids=scope.center_ids, start=period.start, end=period.end, now=now
            ),
            "centers": selectors.province_centers(scope=scope, period=period, now=now)
            if scope.kind == "province"
            else None,
            "computed_at": now,
        }
        cache.set(key, context, PUBLIC_CACHE_SECONDS)
    return render(
        request,
        "reporting/public.html",
        {
            **context,
            "scope": scope,
            "period": period,
            "errors": errors,
            "quick": _quick_periods(today),
        },
    )


@require_safe
def public_center(request: HttpRequest, code: str) -> HttpResponse:
    try:
        scope = selectors.public_center_scope(code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    return _public(request, scope)


@require_safe
def public_province(request: HttpRequest, code: str) -> HttpResponse:
    try:
        scope = selectors.public_province_scope(code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    return _public(request, scope)
