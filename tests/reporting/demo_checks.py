"""The reports' summary against a direct count, on the demo province.

Called from tests/demo/test_seed_demo.py once the demo is loaded (the seed is run once for
both). The direct count walks every row in Python, with the definitions of docs/reports.md,
and never uses the reporting or indicators code."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.feedback.models import Rating
from motcua.organization.models import Center, Province
from motcua.queueing.models import Ticket

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
IN_PROCESS = {2, 4, 5, 6}


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    end = datetime(last.year, last.month, last.day, tzinfo=TZ) + timedelta(days=1)
    return start, end


def direct_count(center_ids: set[int], first: date, last: date, now: datetime) -> dict:
    start, end = _bounds(first, last)
    moment = min(end, now)
    dossiers = [d for d in Dossier.objects.all() if d.center_id in center_ids]
    received = [d for d in dossiers if start <= d.received_at < end]
    channels = Counter(d.channel for d in received)
    resolved = Counter(
        d.timeliness for d in dossiers if d.processed_at and start <= d.processed_at < end
    )
    progress = [
        d
        for d in dossiers
        if d.accepted_at is not None
        and d.accepted_at < moment
        and (
            (d.processed_at is None and d.status in IN_PROCESS)
            or (d.processed_at is not None and d.processed_at >= moment)
        )
    ]
    overdue = sum(1 for d in progress if d.due_at is not None and d.due_at < moment)
    ratings = [
        r for r in Rating.objects.all() if r.center_id in center_ids and start <= r.created_at < end
    ]
    satisfied = sum(1 for r in ratings if r.score in ("very_satisfied", "satisfied"))
    tickets = [
        t for t in Ticket.objects.all() if t.center_id in center_ids and start <= t.issued_at < end
    ]

    def rate(part: int, whole: int) -> float | None:
        return round(part * 100 / whole + 1e-9, 1) if whole else None

    done = resolved["early"] + resolved["on_time"] + resolved["late"]
    return {
        "received": len(received),
        "by_channel": {"direct": channels[1], "online": channels[2], "postal": channels[3]},
        "resolved": {k: resolved[k] for k in ("early", "on_time", "late")},
        "in_progress": {"on_time": len(progress) - overdue, "overdue": overdue},
        "online_rate": rate(channels[2], len(received)),
        "on_time_rate": rate(resolved["early"] + resolved["on_time"], done),
        "satisfaction_rate": rate(satisfied, len(ratings)),
        "tickets": len(tickets),
        "served": sum(1 for t in tickets if t.status == "finished"),
        "no_show": sum(1 for t in tickets if t.status == "no_show"),
    }


def check_reports_agree_with_a_direct_count() -> None:
    """For every center and the province: the last six weeks and this month so far."""
    now = timezone.now()
    today = now.astimezone(TZ).date()
    periods = [(today - timedelta(weeks=6), today), (today.replace(day=1), today)]
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    scopes = [("center", c.code, {c.pk}) for c in Center.objects.filter(is_active=True)]
    for province in Province.objects.all():
        ids = set(province.centers.filter(is_active=True).values_list("pk", flat=True))
        scopes.append(("province", province.code, ids))
    checked = 0
    for kind, code, ids in scopes:
        for first, last in periods:
            response = client.get(
                "/api/v1/reports/summary",
                {kind: code, "from": first.isoformat(), "to": last.isoformat()},
            )
            assert response.status_code == 200, response.content
            body = response.json()
            expected = direct_count(ids, first, last, now)
            got = {key: body[key] for key in expected if key in body}
            got.update({k: body["queue"][k] for k in ("tickets", "served", "no_show")})
            assert got == expected, (kind, code, first, last)
            checked += body["received"]
    assert checked > 0  # the demo has dossiers in these periods
