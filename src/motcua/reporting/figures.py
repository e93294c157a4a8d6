"""The figures of the reports, computed for a set of centers and a period (read-only).

These functions take center ids and UTC bounds; who may see which centers is decided in
``selectors`` (scoped to the acting user) before they are called. Every formula is written in
docs/reports.md; rates go through :func:`motcua.feedback.indicators.percent` (one decimal,
half up, None when there is nothing to divide by) so they round the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    Greatest,
    TruncMonth,
)

from motcua.dossiers.indicators import (
    digitised_q,
    in_progress_at,
    late_766_q,
    open_late_766_q,
    open_now_q,
    overdue_at_q,
    processed_between,
    received_between,
    resolved_after_q,
)
from motcua.dossiers.models import Dossier, DossierStep, Timeliness
from motcua.dossiers.workflow import IN_PROCESS
from motcua.feedback.indicators import percent, satisfaction_766
from motcua.feedback.selectors import rating_counts, rating_table
from motcua.queueing.models import Ticket
from motcua.queueing.workflow import Status as TicketStatus
from motcua.reporting import rollup

Bounds = tuple[datetime, datetime]

# Channel codes (catalog.models.Channel) as the report names them.
CHANNELS = {1: "direct", 2: "online", 3: "postal"}
# Tickets that left without being served: timed out at closing, or cancelled by the citizen.
LEFT = (TicketStatus.EXPIRED, TicketStatus.CANCELLED)


# --- Numbers -----------------------------------------------------------------------------------


def one_decimal(value: float | Decimal | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percentile(ordered: list[float], fraction: float) -> float | None:
    """PostgreSQL's ``percentile_cont`` over sorted values: linear between the two nearest."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else one_decimal(seconds / 60)


# --- Dossier figures ---------------------------------------------------------------------------

# Groupings of the dossier tables: key → (value, label).
DOSSIER_GROUPS: dict[str, tuple[str, str]] = {
    "field": ("procedure__fields__id", "procedure__fields__name"),
    "procedure": ("procedure_id", "procedure__name"),
    "center": ("center_id", "center__name"),
}


def _empty_dossier_row() -> dict[str, Any]:
    return {
        "received": 0,
        "by_channel": {"direct": 0, "online": 0, "postal": 0},
        "resolved": {"early": 0, "on_time": 0, "late": 0},
        "resolved_total": 0,
        "late_766": 0,
        "in_progress": {"on_time": 0, "overdue": 0},
        "in_progress_total": 0,
    }


def _finish_dossier_row(row: dict[str, Any]) -> dict[str, Any]:
    resolved = row["resolved"]
    row["online_rate"] = percent(row["by_channel"]["online"], row["received"])
    row["on_time_rate"] = percent(resolved["early"] + resolved["on_time"], row["resolved_total"])
    return row


# COUNT(*) and counts of indexed columns, not COUNT(id): every column these read is in the
# report indexes, so PostgreSQL can answer from the index alone (an index-only scan).
def _received_counts() -> dict[str, Any]:
    return {
        "n": Count("*"),
        **{name: Count("channel", filter=Q(channel=code)) for code, name in CHANNELS.items()},
    }


def _resolved_counts() -> dict[str, Any]:
    return {
        "n": Count("*"),
        "early": Count("timeliness", filter=Q(timeliness=Timeliness.EARLY)),
        "on_time": Count("timeliness", filter=Q(timeliness=Timeliness.ON_TIME)),
        "late": Count("timeliness", filter=Q(timeliness=Timeliness.LATE)),
        "late_766": Count("timeliness", filter=late_766_q()),
    }


def _in_progress_counts(moment: datetime) -> dict[str, Any]:
    return {"n": Count("*"), "overdue": Count("due_at", filter=overdue_at_q(moment))}


def _add_received(row: dict[str, Any], values: Mapping[str, Any]) -> None:
    row["received"] += values["n"]
    for name in CHANNELS.values():
        row["by_channel"][name] += values[name]


def _add_resolved(row: dict[str, Any], values: Mapping[str, Any]) -> None:
    for name in ("early", "on_time", "late"):
        row["resolved"][name] += values[name]
    row["resolved_total"] += values["n"]
    row["late_766"] += values["late_766"]


def _add_in_progress(row: dict[str, Any], values: Mapping[str, Any]) -> None:
    row["in_progress"]["overdue"] += values["overdue"]
    row["in_progress"]["on_time"] += values["n"] - values["overdue"]
    row["in_progress_total"] += values["n"]


def progress_moment(end: datetime, now: datetime) -> datetime:
    """In progress is counted at the end of the period, or now for a period not over yet."""
    return min(end, now)


def dossier_figures(
    *,
    center_ids: list[int] | None,
    start: datetime,
    end: datetime,
    now: datetime,
    share: Share | None = None,
) -> dict[str, Any]:
    """Received (by channel) in the period, resolved in it (early / on time / late), in progress
    at its end (on time / overdue), the online and on-time rates. Closed days come from the
    rollup where it has them (:mod:`motcua.reporting.rollup`)."""
    moment = progress_moment(end, now)
    parts, rolled = share or rolled_share(center_ids=center_ids, start=start, end=end)
    row = _empty_dossier_row()
    _add_received(
        row,
        {
            "n": rolled["received"],
            "direct": rolled["received_direct"],
            "online": rolled["received_online"],
            "postal": rolled["received_postal"],
        },
    )
    _add_resolved(
        row,
        {
            "n": rolled["resolved"],
            "early": rolled["resolved_early"],
            "on_time": rolled["resolved_on_time"],
            "late": rolled["resolved_late"],
            "late_766": rolled["resolved_late_766"],
        },
    )
    for ids, live_start, live_end in parts.live:
        _add_received(
            row,
            received_between(center_ids=ids, start=live_start, end=live_end).aggregate(
                **_received_counts()
            ),
        )
        _add_resolved(
            row,
            processed_between(center_ids=ids, start=live_start, end=live_end).aggregate(
                **_resolved_counts()
            ),
        )
    # In progress in its two parts, each counted from its own index (docs/reports.md, Scale).
    for part in (open_now_q(moment), resolved_after_q(moment)):
        dossiers = Dossier.objects.filter(part)
        if center_ids is not None:
            dossiers = dossiers.filter(center_id__in=center_ids)
        _add_in_progress(row, dossiers.aggregate(**_in_progress_counts(moment)))
    return _finish_dossier_row(row)


# The rollup's share of a report: where each part is read from, and the rolled-up sums.
Share = tuple[rollup.Split, dict[str, Any]]


def rolled_share(*, center_ids: list[int] | None, start: datetime, end: datetime) -> Share:
    parts = rollup.split(center_ids=center_ids, start=start, end=end)
    return parts, rollup.totals(parts)


def rating_summary(
    *, center_ids: list[int] | None, start: datetime, end: datetime, share: Share | None = None
) -> dict[str, Any]:
    """:func:`motcua.feedback.selectors.rating_counts`, closed days from the rollup."""
    parts, rolled = share or rolled_share(center_ids=center_ids, start=start, end=end)
    counts = {
        "total": rolled["ratings"],
        "very_satisfied": rolled["ratings_very_satisfied"],
        "satisfied": rolled["ratings_satisfied"],
        "dissatisfied": rolled["ratings_dissatisfied"],
    }
    for ids, live_start, live_end in parts.live:
        live = rating_counts(center_ids=ids, start=live_start, end=live_end)
        for name in counts:
            counts[name] += live[name]
    counts["satisfaction_rate"] = percent(
        counts["very_satisfied"] + counts["satisfied"], counts["total"]
    )
    return counts


def dossier_table(
    *, center_ids: list[int] | None, start: datetime, end: datetime, now: datetime, group: str
) -> list[dict[str, Any]]:
    """The same figures per field, procedure or center; most received first. A procedure in
    two fields counts in both."""
    value, label = DOSSIER_GROUPS[group]
    moment = progress_moment(end, now)
    rows: dict[Any, dict[str, Any]] = {}

    def row_for(values: dict[str, Any]) -> dict[str, Any]:
        key = values[value]
        if key not in rows:
            rows[key] = {"id": key, "label": values[label] or "", **_empty_dossier_row()}
        return rows[key]

    received = received_between(center_ids=center_ids, start=start, end=end)
    for values in received.values(value, label).annotate(**_received_counts()).order_by():
        _add_received(row_for(values), values)
    resolved = processed_between(center_ids=center_ids, start=start, end=end)
    for values in resolved.values(value, label).annotate(**_resolved_counts()).order_by():
        _add_resolved(row_for(values), values)
    progress = in_progress_at(center_ids=center_ids, moment=moment)
    for values in progress.values(value, label).annotate(**_in_progress_counts(moment)).order_by():
        _add_in_progress(row_for(values), values)
    result = [_finish_dossier_row(row) for key, row in rows.items() if key is not None]
    result.sort(key=lambda r: (-r["received"], -r["resolved_total"], r["label"]))
    return result


def dossier_months(
    *, center_ids: list[int] | None, months: list[date], tz: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """Month by month (local months): received by channel, resolved, in progress at the month's
    end, the rates, and the satisfaction rate of the month's ratings."""
    from motcua.reporting.periods import month_period

    if not months:
        return []
    start = month_period(months[0], tz).start
    end = month_period(months[-1], tz).end
    rows = {month: {"month": month, **_empty_dossier_row()} for month in months}

    def month_of(value: date | datetime) -> date:
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return value.replace(day=1)

    received = received_between(center_ids=center_ids, start=start, end=end)
    for values in (
        received.annotate(m=TruncMonth("received_at", tzinfo=tz))
        .values("m")
        .annotate(**_received_counts())
        .order_by()
    ):
        _add_received(rows[month_of(values["m"])], values)
    resolved = processed_between(center_ids=center_ids, start=start, end=end)
    for values in (
        resolved.annotate(m=TruncMonth("processed_at", tzinfo=tz))
        .values("m")
        .annotate(**_resolved_counts())
        .order_by()
    ):
        _add_resolved(rows[month_of(values["m"])], values)
    result = []
    for month in months:
        period = month_period(month, tz)
        if period.start > now:
            continue
        moment = progress_moment(period.end, now)
        row = rows[month]
        _add_in_progress(
            row,
            in_progress_at(center_ids=center_ids, moment=moment).aggregate(
                **_in_progress_counts(moment)
            ),
        )
        row["satisfaction_rate"] = rating_counts(
            center_ids=center_ids, start=period.start, end=period.end
        )["satisfaction_rate"]
        result.append(_finish_dossier_row(row))
    return result


# --- Steps: departments and officials ----------------------------------------------------------

STEP_GROUPS = {"department": "department_id", "official": "official"}


def step_table(
    *, center_ids: list[int] | None, start: datetime, end: datetime, now: datetime, group: str
) -> list[dict[str, Any]]:
    """The steps of the internal process per department or official (the process-control
    slip's lateness): steps finished in the period early / on time / late, steps open at its
    end on time / overdue. An official is who finished the step, or its assignee while open."""
    moment = progress_moment(end, now)
    steps = DossierStep.objects.all()
    if center_ids is not None:
        steps = steps.filter(center_id__in=center_ids)
    if group == "official":
        key: Any = Coalesce("finished_by_id", "assignee_id")
    else:
        key = F("department_id")
    rows: dict[Any, dict[str, Any]] = {}

    def row_for(k: Any) -> dict[str, Any]:
        if k not in rows:
            rows[k] = {
                "id": k,
                "label": "",
                "finished": {"early": 0, "on_time": 0, "late": 0},
                "finished_total": 0,
                "open": {"on_time": 0, "overdue": 0},
                "open_total": 0,
            }
        return rows[k]

    finished = (
        steps.filter(finished_at__gte=start, finished_at__lt=end)
        .annotate(k=key)
        .values("k")
        .annotate(
            n=Count("id"),
            early=Count("id", filter=Q(timeliness=Timeliness.EARLY)),
            on_time=Count("id", filter=Q(timeliness=Timeliness.ON_TIME)),
            late=Count("id", filter=Q(timeliness=Timeliness.LATE)),
        )
        .order_by()
    )
    for values in finished:
        row = row_for(values["k"])
        for name in ("early", "on_time", "late"):
            row["finished"][name] += values[name]
        row["finished_total"] += values["n"]
    still_open = Q(finished_at__isnull=True, dossier__status__in=sorted(IN_PROCESS)) | Q(
        finished_at__gte=moment
    )
    opened = (
        steps.filter(Q(started_at__lt=moment) & still_open)
        .annotate(k=key)
        .values("k")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=moment)))
        .order_by()
    )
    for open_values in opened:
        row = row_for(open_values["k"])
        row["open"]["overdue"] += open_values["overdue"]
        row["open"]["on_time"] += open_values["n"] - open_values["overdue"]
        row["open_total"] += open_values["n"]
    rows.pop(None, None)
    _step_labels(rows, group)
    result = list(rows.values())
    for row in result:
        done = row["finished"]
        row["on_time_rate"] = percent(done["early"] + done["on_time"], row["finished_total"])
    result.sort(key=lambda r: (-(r["finished_total"] + r["open_total"]), r["label"]))
    return result


def _step_labels(rows: dict[Any, dict[str, Any]], group: str) -> None:
    if group == "official":
        for user in User.objects.filter(pk__in=list(rows)):
            rows[user.pk]["label"] = user.get_full_name() or user.username
    else:
        from motcua.organization.models import Department

        for department in Department.objects.filter(pk__in=list(rows)).select_related("center"):
            rows[department.pk]["label"] = department.name
            rows[department.pk]["center"] = department.center.name


# --- Decision 766 ------------------------------------------------------------------------------

# The rate at which a 766 indicator gets its full score.
FULL_SCORE_AT = {"online_rate": 50.0, "digitisation_rate": 80.0}


@dataclass(frozen=True)
class Indicators766:
    processed: int  # D: results in the period
    processed_late: int  # of D, late for 766
    open: int  # in progress at the end of the period
    open_late: int  # of those, overdue or asked for a supplement more than once
    on_time_rate: float | None
    received: int
    online: int
    online_rate: float | None
    digitised: int
    digitisation_rate: float | None
    satisfaction: float | None
    satisfaction_late_rate: float | None
    satisfaction_complaint_rate: float | None
    sync_received: int | None
    synced: int | None
    sync_rate: float | None

    def score_share(self, name: str) -> float | None:
        """How much of the indicator's full score the rate earns (0–1)."""
        rate = getattr(self, name)
        if rate is None:
            return None
        return min(1.0, rate / FULL_SCORE_AT[name])


def on_time_766_rate(*, processed: int, processed_late: int, open: int, open_late: int):
    """(results on time + open dossiers still on time) ÷ (results + open dossiers)."""
    return percent(processed - processed_late + open - open_late, processed + open)


def indicators_766(
    *, center_ids: list[int] | None, start: datetime, end: datetime, now: datetime
) -> Indicators766:
    moment = progress_moment(end, now)
    base = processed_between(center_ids=center_ids, start=start, end=end)
    done = base.aggregate(
        n=Count("id"),
        late=Count("id", filter=late_766_q()),
        digitised=Count("id", filter=digitised_q()),
    )
    still = in_progress_at(center_ids=center_ids, moment=moment).aggregate(
        n=Count("id"), late=Count("id", filter=open_late_766_q(moment))
    )
    received = received_between(center_ids=center_ids, start=start, end=end).aggregate(
        n=Count("id"), online=Count("id", filter=Q(channel=2))
    )
    satisfaction = satisfaction_766(center_ids=center_ids, start=start, end=end)
    sync = sync_counts(center_ids=center_ids, start=start, end=end)
    return Indicators766(
        processed=done["n"],
        processed_late=done["late"],
        open=still["n"],
        open_late=still["late"],
        on_time_rate=on_time_766_rate(
            processed=done["n"],
            processed_late=done["late"],
            open=still["n"],
            open_late=still["late"],
        ),
        received=received["n"],
        online=received["online"],
        online_rate=percent(received["online"], received["n"]),
        digitised=done["digitised"],
        digitisation_rate=percent(done["digitised"], done["n"]),
        satisfaction=satisfaction.satisfaction,
        satisfaction_late_rate=satisfaction.late_rate,
        satisfaction_complaint_rate=satisfaction.complaint_rate,
        sync_received=sync["received"] if sync else None,
        synced=sync["synced"] if sync else None,
        sync_rate=percent(sync["synced"], sync["received"]) if sync else None,
    )


def sync_counts(
    *, center_ids: list[int] | None, start: datetime, end: datetime
) -> dict[str, int] | None:
    """``{"received", "synced"}`` from the national portal integration, or None while the
    product runs without it (the sync rate is then shown as not available)."""
    try:
        from motcua.integrations.selectors import sync_counts as integration_sync_counts
    except ImportError:
        return None
    return integration_sync_counts(center_ids=center_ids, start=start, end=end)


# --- Queue figures -----------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY expr)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _epoch(expression: Any) -> Func:
    """Seconds of an interval, as a float (PostgreSQL only). ``date_part`` gives float8;
    ``EXTRACT`` gives numeric since PostgreSQL 14, and averaging and sorting numerics made
    the province-year queue figures a third slower."""
    return Func(
        expression, template="date_part('epoch', %(expressions)s)", output_field=FloatField()
    )


def _seconds(interval: Any) -> Any:
    """An interval in seconds, never negative."""
    return Greatest(Value(0.0, output_field=FloatField()), _epoch(interval))


def _wait_start() -> Any:
    """A ticket waits from when it was issued, or from its booked time when it came early."""
    return Greatest("issued_at", Coalesce("appointment_at", "issued_at"))


def _queue_empty() -> dict[str, Any]:
    return {
        "tickets": 0,
        "served": 0,
        "no_show": 0,
        "left_without_service": 0,
        "open": 0,
        "waits": [],
        "services": [],
    }


def _queue_finish(row: dict[str, Any]) -> dict[str, Any]:
    """The mean, median and 90th percentile (minutes) of the row's collected seconds."""
    for name, prefix in (("waits", "wait"), ("services", "service")):
        values = sorted(row.pop(name))
        row[f"avg_{prefix}_minutes"] = _minutes(sum(values) / len(values) if values else None)
        row[f"median_{prefix}_minutes"] = _minutes(percentile(values, 0.5))
        row[f"p90_{prefix}_minutes"] = _minutes(percentile(values, 0.9))
    return row


def tickets_between(
    *, center_ids: list[int] | None, start: datetime, end: datetime
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(issued_at__gte=start, issued_at__lt=end)
    if center_ids is not None:
        tickets = tickets.filter(center_id__in=center_ids)
    return tickets


QUEUE_GROUPS = ("service", "counter", "official", "hour", "center")


def _queue_key(group: str | None, tz: ZoneInfo) -> Any:
    if group is None:
        return Value(0)
    if group == "hour":
        return ExtractHour("issued_at", tzinfo=tz)
    return F(f"{group}_id")


def queue_stats(
    *,
    center_ids: list[int] | None,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    group: str | None = None,
) -> dict[Any, dict[str, Any]]:
    """Per group key (or the key 0 for all): tickets issued in the period, served (finished),
    no-shows, left without service (expired or cancelled), still open; waiting time (called −
    max(issued, booked time), never negative) and service time (finished − serving started),
    mean / median / 90th percentile in minutes. Computed in the database on PostgreSQL
    (``percentile_cont``), in Python over the period's rows elsewhere; the same numbers."""
    tickets = tickets_between(center_ids=center_ids, start=start, end=end).annotate(
        k=_queue_key(group, tz)
    )
    counts = {
        "tickets": Count("id"),
        "served": Count("id", filter=Q(status=TicketStatus.FINISHED)),
        "no_show": Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        "left_without_service": Count("id", filter=Q(status__in=LEFT)),
        "open": Count("id", filter=Q(status__in=TicketStatus.OPEN)),
    }
    rows: dict[Any, dict[str, Any]] = {}
    if connection.vendor == "postgresql":
        wait = _seconds(F("called_at") - _wait_start())
        service = _seconds(F("finished_at") - F("serving_at"))
        called = Q(called_at__isnull=False)
        served = Q(
            status=TicketStatus.FINISHED, serving_at__isnull=False, finished_at__isnull=False
        )
        for values in (
            tickets.values("k")
            .annotate(
                **counts,
                wait_avg=Avg(wait, filter=called),
                wait_median=PercentileCont(wait, 0.5, filter=called),
                wait_p90=PercentileCont(wait, 0.9, filter=called),
                service_avg=Avg(service, filter=served),
                service_median=PercentileCont(service, 0.5, filter=served),
                service_p90=PercentileCont(service, 0.9, filter=served),
            )
            .order_by()
        ):
            rows[values["k"]] = {
                **{name: values[name] for name in counts},  # type: ignore[literal-required]
                "avg_wait_minutes": _minutes(values["wait_avg"]),
                "median_wait_minutes": _minutes(values["wait_median"]),
                "p90_wait_minutes": _minutes(values["wait_p90"]),
                "avg_service_minutes": _minutes(values["service_avg"]),
                "median_service_minutes": _minutes(values["service_median"]),
                "p90_service_minutes": _minutes(values["service_p90"]),
            }
        if group is None and 0 not in rows:
            rows[0] = _queue_finish(_queue_empty())
        return rows
    for k, status, issued, booked, called_at, serving, finished in tickets.values_list(
        "k", "status", "issued_at", "appointment_at", "called_at", "serving_at", "finished_at"
    ).iterator(chunk_size=2000):
        row = rows.setdefault(k, _queue_empty())
        row["tickets"] += 1
        if status == TicketStatus.FINISHED:
            row["served"] += 1
            if serving is not None and finished is not None:
                row["services"].append(max(0.0, (finished - serving).total_seconds()))
        elif status == TicketStatus.NO_SHOW:
            row["no_show"] += 1
        elif status in LEFT:
            row["left_without_service"] += 1
        elif status in TicketStatus.OPEN:
            row["open"] += 1
        if called_at is not None:
            began = max(issued, booked) if booked is not None else issued
            row["waits"].append(max(0.0, (called_at - began).total_seconds()))
    if group is None and 0 not in rows:
        rows[0] = _queue_empty()
    return {k: _queue_finish(row) for k, row in rows.items()}


def queue_summary(
    *,
    center_ids: list[int] | None,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    share: Share | None = None,
) -> dict[str, Any]:
    """:func:`queue_stats` for all the tickets of the period. On PostgreSQL the headline only
    (what the summary shows: the waits' mean, median and P90 in one sort, the mean service
    time), with closed days from the rollup, so that a province-year answers quickly."""
    if connection.vendor != "postgresql":
        return queue_stats(center_ids=center_ids, start=start, end=end, tz=tz)[0]
    parts, rolled = share or rolled_share(center_ids=center_ids, start=start, end=end)
    names = ("tickets", "served", "no_show", "left_without_service", "open")
    sums = {name: rolled[name] for name in (*names, "wait_count", "wait_sum")}
    sums.update(service_count=rolled["service_count"], service_sum=rolled["service_sum"])
    for ids, live_start, live_end in parts.live:
        for name, value in _queue_headline(ids, live_start, live_end).items():
            sums[name] += value or 0
    # The percentiles sort every wait of the period: in memory, not in temporary files.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        median, p90 = _wait_percentiles(parts, cursor)
    return {
        **{name: sums[name] for name in names},
        "avg_wait_minutes": _minutes(_mean(sums["wait_sum"], sums["wait_count"])),
        "median_wait_minutes": _minutes(median),
        "p90_wait_minutes": _minutes(p90),
        "avg_service_minutes": _minutes(_mean(sums["service_sum"], sums["service_count"])),
    }


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


# Memory for the sort of a province-year of waits (about 25 MB for 600,000 tickets).
SORT_MEMORY = "64MB"


def _wait_expression() -> Any:
    return _seconds(F("called_at") - _wait_start())


def _queue_headline(center_ids: list[int] | None, start: datetime, end: datetime):
    """The live share's counts and the sums and counts of its waits and service times."""
    served = Q(status=TicketStatus.FINISHED, serving_at__isnull=False, finished_at__isnull=False)
    called = Q(called_at__isnull=False)
    return tickets_between(center_ids=center_ids, start=start, end=end).aggregate(
        tickets=Count("id"),
        served=Count("id", filter=Q(status=TicketStatus.FINISHED)),
        no_show=Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        left_without_service=Count("id", filter=Q(status__in=LEFT)),
        open=Count("id", filter=Q(status__in=TicketStatus.OPEN)),
        wait_count=Count("id", filter=called),
        wait_sum=Sum(_wait_expression(), filter=called),
        service_count=Count("id", filter=served),
        service_sum=Sum(_seconds(F("finished_at") - F("serving_at")), filter=served),
    )


def _wait_percentiles(parts: rollup.Split, cursor: Any) -> tuple[float | None, float | None]:
    """The median and 90th percentile (``percentile_cont``) of every wait of the period: the
    rolled-up days' arrays and the live tickets' waits, in one sort."""
    selects: list[str] = []
    params: list[Any] = []
    if parts.rolled:
        sql, values = rollup.waits_sql(parts)
        selects.append(sql)
        params.extend(values)
    for ids, live_start, live_end in parts.live:
        live = (
            tickets_between(center_ids=ids, start=live_start, end=live_end)
            .filter(called_at__isnull=False)
            .annotate(w=_wait_expression())
            .values("w")
            .order_by()
        )
        live_sql, live_params = live.query.sql_with_params()
        selects.append(live_sql)
        params.extend(live_params)
    union = " UNION ALL ".join(f"({sql})" for sql in selects)  # the ORM's and ours
    cursor.execute(
        "SELECT percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY w)"  # noqa: S608
        f" FROM ({union}) AS waits",
        params,
    )
    quantiles = cursor.fetchone()[0]
    return (quantiles[0], quantiles[1]) if quantiles else (None, None)


def queue_table(
    *, center_ids: list[int] | None, start: datetime, end: datetime, tz: ZoneInfo, group: str
) -> list[dict[str, Any]]:
    """:func:`queue_stats` per service, counter, official, hour of the day or center, labelled."""
    stats = queue_stats(center_ids=center_ids, start=start, end=end, tz=tz, group=group)
    stats.pop(None, None)
    labels = _queue_labels(group, list(stats))
    rows = [{"id": k, "label": labels.get(k, str(k)), **row} for k, row in stats.items()]
    if group == "hour":
        rows.sort(key=lambda r: r["id"])
    else:
        rows.sort(key=lambda r: (-r["tickets"], r["label"]))
    return rows


def _queue_labels(group: str, keys: list[Any]) -> dict[Any, str]:
    from motcua.organization.models import Center, Counter
    from motcua.queueing.models import QueueService

    if group == "hour":
        return {k: f"{k:02d}:00–{k:02d}:59" for k in keys}
    if group == "service":
        return {s.pk: s.name for s in QueueService.objects.filter(pk__in=keys)}
    if group == "counter":
        return {c.pk: str(c) for c in Counter.objects.filter(pk__in=keys)}
    if group == "center":
        return {c.pk: c.name for c in Center.objects.filter(pk__in=keys)}
    return {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=keys)}


def arrivals_heatmap(
    *, center_ids: list[int] | None, start: datetime, end: datetime, tz: ZoneInfo
) -> dict[tuple[int, int], int]:
    """Tickets issued per (ISO weekday 1–7, local hour 0–23)."""
    rows = (
        tickets_between(center_ids=center_ids, start=start, end=end)
        .annotate(
            weekday=ExtractIsoWeekDay("issued_at", tzinfo=tz),
            hour=ExtractHour("issued_at", tzinfo=tz),
        )
        .values("weekday", "hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["weekday"], row["hour"]): row["n"] for row in rows}


# --- Satisfaction per group ----------------------------------------------------------------------


def satisfaction_by(
    *, center_ids: list[int] | None, start: datetime, end: datetime, group: str
) -> dict[Any, float | None]:
    """The ratings' satisfaction rate per official / counter / service / procedure / center."""
    return {
        row["id"]: row["satisfaction_rate"]
        for row in rating_table(center_ids=center_ids, start=start, end=end, group=group)
    }


# --- The summary (the API's answer) ---------------------------------------------------------------


def summary(
    *, center_ids: list[int] | None, start: datetime, end: datetime, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """The headline figures, in the exact shape of ``GET /api/v1/reports/summary``."""
    share = rolled_share(center_ids=center_ids, start=start, end=end)
    dossiers = dossier_figures(center_ids=center_ids, start=start, end=end, now=now, share=share)
    ratings = rating_summary(center_ids=center_ids, start=start, end=end, share=share)
    queue = queue_summary(center_ids=center_ids, start=start, end=end, tz=tz, share=share)
    return {
        "received": dossiers["received"],
        "by_channel": dossiers["by_channel"],
        "resolved": dossiers["resolved"],
        "in_progress": dossiers["in_progress"],
        "online_rate": dossiers["online_rate"],
        "on_time_rate": dossiers["on_time_rate"],
        "satisfaction_rate": ratings["satisfaction_rate"],
        "ratings": ratings["total"],
        "queue": {
            "tickets": queue["tickets"],
            "served": queue["served"],
            "no_show": queue["no_show"],
            "left_without_service": queue["left_without_service"],
            "avg_wait_minutes": queue["avg_wait_minutes"],
            "median_wait_minutes": queue["median_wait_minutes"],
            "p90_wait_minutes": queue["p90_wait_minutes"],
            "avg_service_minutes": queue["avg_service_minutes"],
        },
    }


def ranked(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows best first by ``key`` (a rate; a missing rate last), with their rank (1, 2, 2, 4…)."""
    ordered = sorted(rows, key=lambda r: (r[key] is None, -(r[key] or 0), r.get("label", "")))
    previous: object = object()
    rank = 0
    for position, row in enumerate(ordered, start=1):
        if row[key] != previous:
            rank = position
            previous = row[key]
        row["rank"] = rank
    return ordered
