"""The report rollup (PostgreSQL): each center's closed local days summed once, so that the
summary of a province-year reads 55,000 small rows instead of counting a million dossiers and
sorting every wait of the year.

- :func:`refresh` rolls up, per center, the days from its mark to yesterday (in the center's
  zone) from the base tables, and moves the mark to today. ``motcua worker`` runs it every
  minute (a center with nothing new costs nothing but the first query); ``motcua
  reports_rollup`` runs it by hand.
- Triggers (migration 0002) move a center's mark back to the earliest closed day a change of
  its dossiers, tickets or ratings touches, so nothing read from the rollup is ever stale.
- :func:`split` tells a report which centers and days to read from the rollup and which from
  the base tables: the rollup up to the earliest mark of the centers, the base tables after it
  (today, and any day moved back), and the base tables for a center whose days are not those
  of the report's zone.

The numbers are the same either way (tests compare them): counts are counts, means are sums
over counts, and the percentiles are taken over the union of the rolled-up waits (kept whole,
as an array per day) and the live ones (docs/reports.md, "Rollup").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction
from django.utils import timezone

from motcua.catalog.models import Channel
from motcua.dossiers.models import Timeliness
from motcua.feedback.models import Score
from motcua.queueing.workflow import Status as TicketStatus

logger = logging.getLogger(__name__)

# The mark of a center nothing was rolled up for yet.
NOTHING = date.min
# The lower bound of a center's first rollup: every row there is.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)

# A ticket's wait and service in seconds, never negative: the expressions of
# figures._seconds/_wait_start, so that rolled-up and live values are the same floats.
WAIT = (
    "GREATEST(0.0, date_part('epoch', called_at - "
    "GREATEST(issued_at, COALESCE(appointment_at, issued_at))))"
)
SERVICE = "GREATEST(0.0, date_part('epoch', finished_at - serving_at))"
SERVED = "status = %(finished)s AND serving_at IS NOT NULL AND finished_at IS NOT NULL"

# The columns of reporting_dayfigures that are summed over days, in order.
SUMMED = (
    "received",
    "received_direct",
    "received_online",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "resolved_late_766",
    "ratings",
    "ratings_very_satisfied",
    "ratings_satisfied",
    "ratings_dissatisfied",
    "tickets",
    "served",
    "no_show",
    "left_without_service",
    "open",
    "wait_count",
    "wait_sum",
    "service_count",
    "service_sum",
)

# Fixed names only; every value is a parameter.
DAY_SQL = f"""
INSERT INTO reporting_dayfigures (center_id, day, {", ".join(SUMMED)}, waits)
SELECT %(center)s, day,
       COALESCE(r.received, 0), COALESCE(r.direct, 0), COALESCE(r.online, 0),
       COALESCE(r.postal, 0),
       COALESCE(p.resolved, 0), COALESCE(p.early, 0), COALESCE(p.on_time, 0),
       COALESCE(p.late, 0), COALESCE(p.late_766, 0),
       COALESCE(g.ratings, 0), COALESCE(g.very_satisfied, 0), COALESCE(g.satisfied, 0),
       COALESCE(g.dissatisfied, 0),
       COALESCE(t.tickets, 0), COALESCE(t.served, 0), COALESCE(t.no_show, 0),
       COALESCE(t.left_without_service, 0), COALESCE(t.open, 0),
       COALESCE(t.wait_count, 0), COALESCE(t.wait_sum, 0.0),
       COALESCE(t.service_count, 0), COALESCE(t.service_sum, 0.0), t.waits
FROM (
    SELECT (received_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS received,
           count(*) FILTER (WHERE channel = %(direct)s) AS direct,
           count(*) FILTER (WHERE channel = %(online)s) AS online,
           count(*) FILTER (WHERE channel = %(postal)s) AS postal
    FROM dossiers_dossier
    WHERE center_id = %(center)s AND received_at >= %(lo)s AND received_at < %(hi)s
    GROUP BY 1
) AS r
FULL JOIN (
    SELECT (processed_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS resolved,
           count(*) FILTER (WHERE timeliness = %(early)s) AS early,
           count(*) FILTER (WHERE timeliness = %(on_time)s) AS on_time,
           count(*) FILTER (WHERE timeliness = %(late)s) AS late,
           count(*) FILTER (WHERE timeliness = %(late)s OR supplements_during_processing > 1)
               AS late_766
    FROM dossiers_dossier
    WHERE center_id = %(center)s AND processed_at >= %(lo)s AND processed_at < %(hi)s
    GROUP BY 1
) AS p USING (day)
FULL JOIN (
    SELECT (created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS ratings,
           count(*) FILTER (WHERE score = %(very_satisfied)s) AS very_satisfied,
           count(*) FILTER (WHERE score = %(satisfied)s) AS satisfied,
           count(*) FILTER (WHERE score = %(dissatisfied)s) AS dissatisfied
    FROM feedback_rating
    WHERE center_id = %(center)s AND created_at >= %(lo)s AND created_at < %(hi)s
    GROUP BY 1
) AS g USING (day)
FULL JOIN (
    SELECT (issued_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS tickets,
           count(*) FILTER (WHERE status = %(finished)s) AS served,
           count(*) FILTER (WHERE status = %(no_show)s) AS no_show,
           count(*) FILTER (WHERE status = ANY(%(left)s)) AS left_without_service,
           count(*) FILTER (WHERE status = ANY(%(open)s)) AS open,
           count(*) FILTER (WHERE called_at IS NOT NULL) AS wait_count,
           sum({WAIT}) FILTER (WHERE called_at IS NOT NULL) AS wait_sum,
           count(*) FILTER (WHERE {SERVED}) AS service_count,
           sum({SERVICE}) FILTER (WHERE {SERVED}) AS service_sum,
           array_agg({WAIT} ORDER BY {WAIT}) FILTER (WHERE called_at IS NOT NULL) AS waits
    FROM queueing_ticket
    WHERE center_id = %(center)s AND issued_at >= %(lo)s AND issued_at < %(hi)s
    GROUP BY 1
) AS t USING (day)
"""  # noqa: S608

DAY_PARAMS: dict[str, Any] = {
    "direct": int(Channel.IN_PERSON),
    "online": int(Channel.ONLINE),
    "postal": int(Channel.POSTAL),
    "early": str(Timeliness.EARLY),
    "on_time": str(Timeliness.ON_TIME),
    "late": str(Timeliness.LATE),
    "very_satisfied": str(Score.VERY_SATISFIED),
    "satisfied": str(Score.SATISFIED),
    "dissatisfied": str(Score.DISSATISFIED),
    "finished": TicketStatus.FINISHED,
    "no_show": TicketStatus.NO_SHOW,
    "left": [TicketStatus.EXPIRED, TicketStatus.CANCELLED],
    "open": list(TicketStatus.OPEN),
}


def enabled() -> bool:
    return connection.vendor == "postgresql"


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


# --- Rolling up ----------------------------------------------------------------------------------


def refresh(*, now: datetime | None = None, center_ids: list[int] | None = None) -> int:
    """Roll up every center's closed days that are not (or no longer) rolled up; how many
    centers were rolled up. Nothing on other databases than PostgreSQL."""
    if not enabled():
        return 0
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.time_zone, m.complete_until, m.time_zone"
            " FROM organization_center AS c"
            " LEFT JOIN reporting_rollupmark AS m ON m.center_id = c.id"
            " WHERE %s::bigint[] IS NULL OR c.id = ANY(%s::bigint[]) ORDER BY c.id",
            [center_ids, center_ids],
        )
        centers = cursor.fetchall()
    done = 0
    for center_id, zone, complete_until, marked_zone in centers:
        try:
            today = now.astimezone(ZoneInfo(zone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("center %s: unknown time zone %r, not rolled up", center_id, zone)
            continue
        if complete_until is not None and marked_zone == zone and complete_until >= today:
            continue
        if _refresh_center(center_id, zone, today):
            done += 1
    return done


def _refresh_center(center_id: int, zone: str, today: date) -> bool:
    with connection.cursor() as cursor:
        # The mark exists before the rollup reads (committed on its own outside a transaction),
        # so that a change made while the rollup reads waits for it (migration 0002).
        cursor.execute(
            "INSERT INTO reporting_rollupmark (center_id, complete_until, time_zone)"
            " VALUES (%s, %s, %s) ON CONFLICT (center_id) DO NOTHING",
            [center_id, NOTHING, zone],
        )
        with transaction.atomic():
            cursor.execute(
                "SELECT complete_until, time_zone FROM reporting_rollupmark"
                " WHERE center_id = %s FOR UPDATE",
                [center_id],
            )
            complete_until, marked_zone = cursor.fetchone()
            first = complete_until if marked_zone == zone else NOTHING
            if first >= today:
                return False
            tz = ZoneInfo(zone)
            cursor.execute(
                "DELETE FROM reporting_dayfigures WHERE center_id = %s AND day >= %s",
                [center_id, first],
            )
            cursor.execute(
                DAY_SQL,
                {
                    **DAY_PARAMS,
                    "center": center_id,
                    "tz": zone,
                    "lo": EARLIEST if first == NOTHING else _midnight(first, tz),
                    "hi": _midnight(today, tz),
                },
            )
            cursor.execute(
                "UPDATE reporting_rollupmark SET complete_until = %s, time_zone = %s"
                " WHERE center_id = %s",
                [today, zone, center_id],
            )
    return True


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Where a report's figures come from: the rollup for ``rolled`` centers' days
    [``first``, ``until``), the base tables for each (center ids, start, end) of ``live``."""

    rolled: list[int] = field(default_factory=list)
    first: date | None = None
    until: date | None = None
    live: list[tuple[list[int] | None, datetime, datetime]] = field(default_factory=list)


def split(*, center_ids: list[int] | None, start: datetime, end: datetime) -> Split:
    """The rollup's share of a report over ``center_ids`` from ``start`` to ``end``: local
    midnights of one zone (a report period's bounds). Everything live when the bounds are not
    midnights of a zone, on another database, or for all centers at once."""
    whole = Split(live=[(center_ids, start, end)])
    tz = start.tzinfo
    if not enabled() or not center_ids or not isinstance(tz, ZoneInfo):
        return whole
    first, after = start.date(), end.astimezone(tz).date()
    if start != _midnight(first, tz) or end != _midnight(after, tz) or after <= first:
        return whole
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT center_id, complete_until FROM reporting_rollupmark"
            " WHERE center_id = ANY(%s) AND time_zone = %s AND complete_until > %s",
            [list(center_ids), tz.key, first],
        )
        marks = dict(cursor.fetchall())
    if not marks:
        return whole
    until = min(min(marks.values()), after)
    rolled = sorted(marks)
    live: list[tuple[list[int] | None, datetime, datetime]] = []
    if until < after:
        live.append((rolled, _midnight(until, tz), end))
    others = [center_id for center_id in center_ids if center_id not in marks]
    if others:
        live.append((others, start, end))
    return Split(rolled, first, until, live)


def totals(parts: Split) -> dict[str, Any]:
    """The rolled-up share's sums (every :data:`SUMMED` column; zeros when nothing is rolled)."""
    if not parts.rolled:
        return dict.fromkeys(SUMMED, 0)
    columns = ", ".join(f"COALESCE(sum({name}), 0)" for name in SUMMED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM reporting_dayfigures"  # noqa: S608 - fixed names
            " WHERE center_id = ANY(%s) AND day >= %s AND day < %s",
            [parts.rolled, parts.first, parts.until],
        )
        row = cursor.fetchone()
    return dict(zip(SUMMED, row, strict=True))


def waits_sql(parts: Split) -> tuple[str, list[Any]]:
    """``SELECT w`` of the rolled-up share's waits (seconds), for a union with live ones."""
    return (
        "SELECT unnest(waits) AS w FROM reporting_dayfigures"
        " WHERE center_id = ANY(%s) AND day >= %s AND day < %s",
        [parts.rolled, parts.first, parts.until],
    )
