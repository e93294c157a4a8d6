"""Every figure and formula of the reports against the hand-computed fixture (conftest.py).

November 2026 at the center (``world.center``), read on 10 December:
- received in November: d1–d7, d9, d10 = 9 (d8 came in October, d11 in December);
  in person d1 = 1; online d2, d3, d4, d6, d7, d9, d10 = 7; by post d5 = 1.
- results in November: d1 early, d2 on time, d3 late, d4 early, d8 late = 5.
- in progress at the end (1 December 00:00): d5 (due 20/12), d6 (due 25/11: overdue),
  d9 (its result came on 2/12), d10 (supplement asked, due 5/12) = 3 on time + 1 overdue.
- online rate 7/9 = 77.8 %; on-time rate (2 + 1)/5 = 60.0 %.
"""

from __future__ import annotations

from datetime import date

import pytest

from motcua.feedback.indicators import percent
from motcua.reporting import figures, tables
from motcua.reporting.periods import Period, month_period, period_parse
from motcua.reporting.selectors import Scope
from tests.reporting.conftest import HCM, NOW, local

pytestmark = pytest.mark.django_db

NOV = month_period(date(2026, 11, 1), HCM)


def _ids(world):
    return [world.center.pk]


def test_period_bounds_are_the_centers_local_midnights():
    period = period_parse(first="2026-11-01", last="2026-11-30", tz=HCM, today=date(2026, 12, 10))
    assert period.start == local(11, 1, 0, 0)
    assert period.end == local(12, 1, 0, 0)
    assert period.start.utcoffset().total_seconds() == 7 * 3600
    assert [m.month for m in Period(date(2026, 11, 15), date(2027, 1, 3), HCM).months()] == [
        11,
        12,
        1,
    ]


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        ("2026-13-01", "2026-12-01", "invalid_date"),
        ("2026-11-30", "2026-11-01", "invalid_period"),
        ("2020-01-01", "2026-01-01", "period_too_long"),
    ],
)
def test_bad_periods_are_refused_with_a_message(first, last, code):
    from motcua.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        period_parse(first=first, last=last, tz=HCM, today=date(2026, 12, 10))
    assert error.value.code == code and error.value.message


def test_dossier_figures_of_november(world):
    row = figures.dossier_figures(center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW)
    assert row["received"] == 9
    assert row["by_channel"] == {"direct": 1, "online": 7, "postal": 1}
    assert row["resolved"] == {"early": 2, "on_time": 1, "late": 2}
    assert row["in_progress"] == {"on_time": 3, "overdue": 1}
    assert row["online_rate"] == 77.8
    assert row["on_time_rate"] == 60.0


def test_in_progress_of_a_period_not_over_is_counted_now(world):
    # Read on 26 November: d6 (due 25/11) is overdue already; d9 and d10 are open; d5 too.
    row = figures.dossier_figures(
        center_ids=_ids(world), start=NOV.start, end=NOV.end, now=local(11, 26, 12)
    )
    assert row["in_progress"] == {"on_time": 3, "overdue": 1}
    # Read on 21 November: d6 not yet overdue; d10 not yet received.
    row = figures.dossier_figures(
        center_ids=_ids(world), start=NOV.start, end=NOV.end, now=local(11, 21, 12)
    )
    assert row["in_progress"] == {"on_time": 3, "overdue": 0}


def test_a_center_never_sees_anothers_dossiers(world):
    row = figures.dossier_figures(
        center_ids=[world.other.pk], start=NOV.start, end=NOV.end, now=NOW
    )
    assert row["received"] == 1
    assert row["resolved"] == {"early": 0, "on_time": 1, "late": 0}
    both = figures.dossier_figures(
        center_ids=[world.center.pk, world.other.pk], start=NOV.start, end=NOV.end, now=NOW
    )
    assert both["received"] == 10 and both["resolved"]["on_time"] == 2


def test_by_field_and_procedure(world):
    rows = {
        r["label"]: r
        for r in figures.dossier_table(
            center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW, group="field"
        )
    }
    # Hộ tịch: d1 (in person), d2, d3 (online); results early, on time, late.
    civil = rows["Hộ tịch"]
    assert civil["received"] == 3 and civil["by_channel"] == {"direct": 1, "online": 2, "postal": 0}
    assert civil["resolved"] == {"early": 1, "on_time": 1, "late": 0} | {"late": 1}
    assert civil["online_rate"] == 66.7 and civil["on_time_rate"] == 66.7
    assert civil["in_progress"] == {"on_time": 0, "overdue": 0}
    # Đăng ký kinh doanh: d4, d5 (post), d6, d7, d9, d10; results d4 early, d8 late.
    business = rows["Đăng ký kinh doanh"]
    assert business["received"] == 6
    assert business["by_channel"] == {"direct": 0, "online": 5, "postal": 1}
    assert business["resolved"] == {"early": 1, "on_time": 0, "late": 1}
    assert business["on_time_rate"] == 50.0
    assert business["in_progress"] == {"on_time": 3, "overdue": 1}
    procedures = figures.dossier_table(
        center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW, group="procedure"
    )
    # Most received first.
    assert [r["id"] for r in procedures] == [world.extra["p2"].pk, world.extra["p1"].pk]


def test_month_by_month(world):
    rows = figures.dossier_months(
        center_ids=_ids(world), months=[date(2026, 10, 1), date(2026, 11, 1)], tz=HCM, now=NOW
    )
    october, november = rows
    # October: d8 received (in person); no result; in progress on 1 November (due 2/11).
    assert october["received"] == 1 and october["by_channel"]["direct"] == 1
    assert october["resolved_total"] == 0 and october["on_time_rate"] is None
    assert october["in_progress"] == {"on_time": 1, "overdue": 0}
    assert october["satisfaction_rate"] is None
    assert november["received"] == 9 and november["resolved"] == {
        "early": 2,
        "on_time": 1,
        "late": 2,
    }
    assert november["in_progress"] == {"on_time": 3, "overdue": 1}
    assert november["satisfaction_rate"] == 80.0


def test_a_month_not_begun_is_left_out(world):
    rows = figures.dossier_months(
        center_ids=_ids(world), months=[date(2026, 12, 1), date(2027, 1, 1)], tz=HCM, now=NOW
    )
    assert [row["month"] for row in rows] == [date(2026, 12, 1)]
    assert rows[0]["received"] == 1  # d11


def test_departments_and_officials_by_steps(world):
    rows = {
        r["label"]: r
        for r in figures.step_table(
            center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW, group="department"
        )
    }
    vhxh, kt = rows["Phòng Văn hóa - Xã hội"], rows["Phòng Kinh tế"]
    assert vhxh["finished"] == {"early": 1, "on_time": 1, "late": 0}
    assert vhxh["open"] == {"on_time": 1, "overdue": 0} and vhxh["on_time_rate"] == 100.0
    assert kt["finished"] == {"early": 0, "on_time": 0, "late": 1}
    assert kt["open"] == {"on_time": 0, "overdue": 1} and kt["on_time_rate"] == 0.0
    people = {
        r["id"]: r
        for r in figures.step_table(
            center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW, group="official"
        )
    }
    x, y = world.officials["x"], world.officials["y"]
    assert people[x.pk]["finished"] == {"early": 1, "on_time": 0, "late": 1}
    assert people[x.pk]["open"] == {"on_time": 1, "overdue": 0}
    assert people[x.pk]["on_time_rate"] == 50.0 and people[x.pk]["label"] == "X Trần"
    assert people[y.pk]["finished"]["on_time"] == 1 and people[y.pk]["open"]["overdue"] == 1


def test_766_indicators(world):
    """D = results in November: d1, d2, d3, d4, d8 (5); late for 766: d3, d8 (late) and d4
    (two supplements) = 3. Open at the end: d5, d6, d9, d10 (4); late: d6 (overdue), d10 (two
    supplements) = 2. On time: (5 − 3 + 4 − 2) ÷ (5 + 4) = 4/9 = 44.4 %.
    Online: 7/9 = 77.8 %. Digitised (a scan and an electronic result): d1, d4 → 2/5 = 40 %.
    Satisfaction: 100 − late 3/5 (60 %) − complained (d2's dissatisfied rating) 1/5 (20 %) = 20 %.
    Sync: nothing was queued for the national portal: 0 of 9 received."""
    ind = figures.indicators_766(center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW)
    assert (ind.processed, ind.processed_late, ind.open, ind.open_late) == (5, 3, 4, 2)
    assert ind.on_time_rate == 44.4
    assert (ind.online, ind.received, ind.online_rate) == (7, 9, 77.8)
    assert (ind.digitised, ind.digitisation_rate) == (2, 40.0)
    assert ind.score_share("digitisation_rate") == 0.5
    assert ind.score_share("online_rate") == 1.0
    assert ind.satisfaction == 20.0
    assert ind.satisfaction_late_rate == 60.0 and ind.satisfaction_complaint_rate == 20.0
    assert (ind.synced, ind.sync_received, ind.sync_rate) == (0, 9, 0.0)


def test_on_time_766_formula():
    assert figures.on_time_766_rate(processed=5, processed_late=3, open=4, open_late=2) == 44.4
    assert figures.on_time_766_rate(processed=0, processed_late=0, open=0, open_late=0) is None
    assert figures.on_time_766_rate(processed=3, processed_late=0, open=0, open_late=0) == 100.0


def test_sync_rate_uses_the_integration_when_it_is_there(world, monkeypatch):
    calls = []

    def fake_counts(**kwargs):
        calls.append(kwargs)
        return {"received": 8, "synced": 6}

    monkeypatch.setattr(figures, "sync_counts", fake_counts)
    ind = figures.indicators_766(center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW)
    assert (ind.synced, ind.sync_received, ind.sync_rate) == (6, 8, 75.0)
    assert calls[0]["center_ids"] == _ids(world)


def test_queue_figures(world):
    """Tickets of 25 November: 7 issued; served t1, t2, t3, t7; no-show t4; left t5 (expired),
    t6 (cancelled). Waits (minutes): t1 10, t2 20, t3 10 (from its 08:30 appointment), t4 30,
    t7 40 → mean 22, median 20, P90 = 30 + 0.6 × 10 = 36. Service: 10, 30, 5, 20 → mean 16.25
    → 16.3, median 15, P90 = 20 + 0.7 × 10 = 27."""
    q = figures.queue_stats(center_ids=_ids(world), start=NOV.start, end=NOV.end, tz=HCM)[0]
    assert (q["tickets"], q["served"], q["no_show"], q["left_without_service"]) == (7, 4, 1, 2)
    assert q["open"] == 0
    assert (q["avg_wait_minutes"], q["median_wait_minutes"], q["p90_wait_minutes"]) == (
        22.0,
        20.0,
        36.0,
    )
    assert (q["avg_service_minutes"], q["median_service_minutes"], q["p90_service_minutes"]) == (
        16.3,
        15.0,
        27.0,
    )
    # The headline (one sort on PostgreSQL) says the same.
    headline = figures.queue_summary(center_ids=_ids(world), start=NOV.start, end=NOV.end, tz=HCM)
    for key in (
        "tickets",
        "served",
        "no_show",
        "left_without_service",
        "avg_wait_minutes",
        "median_wait_minutes",
        "p90_wait_minutes",
        "avg_service_minutes",
    ):
        assert headline[key] == q[key], key


def test_queue_by_service_counter_official_hour(world):
    kw = {"center_ids": _ids(world), "start": NOV.start, "end": NOV.end, "tz": HCM}
    services = {r["label"]: r for r in figures.queue_table(**kw, group="service")}
    # Hộ tịch: t1, t2, t4, t5: waits 10, 20, 30 → mean 20, P90 28; service 10, 30 → mean 20.
    civil = services["Hộ tịch"]
    assert (civil["tickets"], civil["served"], civil["no_show"], civil["left_without_service"]) == (
        4,
        2,
        1,
        1,
    )
    assert (civil["avg_wait_minutes"], civil["p90_wait_minutes"]) == (20.0, 28.0)
    assert civil["avg_service_minutes"] == 20.0
    counters = {r["id"]: r for r in figures.queue_table(**kw, group="counter")}
    assert counters[world.extra["c2"].pk]["served"] == 2  # t3, t7
    assert counters[world.extra["c2"].pk]["median_wait_minutes"] == 25.0  # 10 and 40
    officials = {r["id"]: r for r in figures.queue_table(**kw, group="official")}
    assert officials[world.officials["x"].pk]["tickets"] == 3  # t1, t2, t4
    hours = figures.queue_table(**kw, group="hour")
    assert [(r["id"], r["tickets"]) for r in hours] == [(8, 3), (9, 2), (10, 2)]
    assert hours[0]["label"] == "08:00–08:59"


def test_arrivals_heat_map(world):
    counts = figures.arrivals_heatmap(center_ids=_ids(world), start=NOV.start, end=NOV.end, tz=HCM)
    # 25 November 2026 is a Wednesday (ISO 3), in local hours.
    assert counts == {(3, 8): 3, (3, 9): 2, (3, 10): 2}


def test_percentile_is_postgresqls_percentile_cont():
    assert figures.percentile([10, 10, 20, 30, 40], 0.9) == 36.0
    assert figures.percentile([5], 0.9) == 5
    assert figures.percentile([], 0.5) is None


def test_summary_has_exactly_the_agreed_keys(world):
    body = figures.summary(center_ids=_ids(world), start=NOV.start, end=NOV.end, now=NOW, tz=HCM)
    assert {
        "received",
        "by_channel",
        "resolved",
        "in_progress",
        "online_rate",
        "on_time_rate",
        "satisfaction_rate",
        "queue",
    } <= set(body)
    assert set(body["by_channel"]) == {"direct", "online", "postal"}
    assert set(body["resolved"]) == {"early", "on_time", "late"}
    assert set(body["in_progress"]) == {"on_time", "overdue"}
    assert {
        "tickets",
        "served",
        "no_show",
        "avg_wait_minutes",
        "p90_wait_minutes",
        "avg_service_minutes",
    } <= set(body["queue"])
    assert body["satisfaction_rate"] == 80.0 and body["ratings"] == 5
    assert body["queue"]["p90_wait_minutes"] == 36.0


def test_province_ranking(world):
    from motcua.reporting.selectors import province_centers

    scope = Scope(
        "province", "khanh-hoa", "Khánh Hòa", [world.center, world.other], world.center.province
    )
    rows = province_centers(scope=scope, period=NOV, now=NOW)
    # The other center: 1 of 1 on time (100 %); this one 60 %.
    assert [(r["code"], r["rank"], r["on_time_rate"]) for r in rows] == [
        ("nam-cuong", 1, 100.0),
        ("hanh-phuc", 2, 60.0),
    ]
    assert rows[1]["satisfaction_rate"] == 80.0 and rows[1]["tickets"] == 7
    assert rows[1]["avg_wait_minutes"] == 22.0


def test_ranked_gives_ties_the_same_rank():
    rows = figures.ranked(
        [
            {"label": "a", "r": 90.0},
            {"label": "b", "r": None},
            {"label": "c", "r": 95.0},
            {"label": "d", "r": 90.0},
        ],
        "r",
    )
    assert [(r["label"], r["rank"]) for r in rows] == [("c", 1), ("a", 2), ("d", 2), ("b", 4)]


def test_every_table_builds_and_matches_the_figures(world):
    scope = Scope(
        "center",
        world.center.code,
        world.center.name,
        [world.center],
        world.center.province,
        world.center,
    )
    built = {name: tables.table_build(name, scope, NOV, NOW) for name in tables.CENTER_TABLES}
    for table in built.values():
        for row in table.rows:
            assert len(row) == len(table.columns), table.name
    indicators = {str(row[0]): row for row in built["indicators"].rows}
    assert indicators["Giải quyết đúng hạn"][1:4] == [4, 9, 44.4]
    assert indicators["Số hóa hồ sơ và kết quả"][1:4] == [2, 5, 40.0]
    # Nothing of the fixture was sent to the national portal: 0 of the 9 received.
    assert indicators["Đồng bộ lên Cổng DVCQG"][1:4] == [0, 9, 0.0]
    arrivals = {str(row[0]): row for row in built["arrivals"].rows}
    hours = [str(column.title) for column in built["arrivals"].columns[1:]]
    assert arrivals["Thứ Tư"][1 + hours.index("08h")] == 3
    months = built["months"].rows
    assert len(months) == 12 and months[-1][0] == date(2026, 11, 1) and months[-1][1] == 9


def test_percent_is_the_shared_rounding():
    assert percent(7, 9) == 77.8 and percent(1, 8) == 12.5 and percent(1, 0) is None
