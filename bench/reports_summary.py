"""The reports summary (``GET /api/v1/reports/summary``) over a province-year of dossiers,
tickets and ratings: latency through the real API (Django's test client, in process).

Needs PostgreSQL (``DATABASE_URL``): a database of its own is created there
(``test_<name>_bench``, dropped at the end). The rows are written with ``COPY`` (a million
dossiers in well under a minute), then ``VACUUM ANALYZE`` as autovacuum would leave a
table in steady state.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua \\
        .venv/bin/python bench/reports_summary.py [--dossiers 1000000] [--centers 40] [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return statistics.median(ordered), p90, max(ordered)


def main() -> None:  # noqa: PLR0915 - a script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=600_000)
    parser.add_argument("--ratings", type=int, default=300_000)
    parser.add_argument("--centers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the bench database (to explain)")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/reports_summary.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_bench"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)

    from tests.catalog.conftest import national_record
    from tests.factories import staff

    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import
    from motcua.dossiers.models import Dossier
    from motcua.feedback.models import Rating
    from motcua.organization.models import Center, Province, Role
    from motcua.queueing.models import QueueService, Ticket

    province = Province.objects.create(code="bench", name="Tỉnh Bench")
    centers = [
        Center.objects.create(
            province=province,
            code=f"c{n:03d}",
            name=f"Trung tâm {n:03d}",
            unit_code=f"000.{n // 100:02d}.{n % 100:02d}.H99",
        )
        for n in range(args.centers)
    ]
    records = [
        national_record(
            f"9.{n:06d}", field=(f"f{n % 6}", f"Lĩnh vực {n % 6}"), channels=("1", "2", "3")
        )
        for n in range(1, 21)
    ]
    procedure_import(actor=None, records=records)
    procedures = list(Procedure.objects.select_related("current_version"))
    for center in centers:
        for procedure in procedures:
            center_procedure_set(actor=None, center=center, procedure=procedure)
    services = [
        QueueService.objects.create(center=center, code="chung", name="Chung", number_end=99999)
        for center in centers
    ]
    analyst = staff(Role.PROVINCE_ADMIN, province=province, username="bench.tinh")

    today = datetime.now(HCM).date()
    first = today - timedelta(days=364)
    rng = random.Random(766)

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(7, 30), tzinfo=HCM) + timedelta(
            minutes=rng.randrange(0, 600)
        )

    # --- Dossiers by COPY: every NOT NULL column given (Django's defaults are not in the DB) ---
    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        value = f.get_default()
        defaults[f.column] = json.dumps(value) if f.get_internal_type() == "JSONField" else value
    now = datetime.now(HCM)
    began = clock.perf_counter()
    per_day: dict[tuple[int, date], int] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY dossiers_dossier ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(args.dossiers):
                center = centers[n % len(centers)]
                procedure = procedures[rng.randrange(len(procedures))]
                received = moment(first + timedelta(days=rng.randrange(365)))
                key = (center.pk, received.date())
                per_day[key] = per_day.get(key, 0) + 1
                row = dict(defaults)
                roll = rng.random()
                accepted = received if roll > 0.04 else None
                due = received + timedelta(days=rng.choice((1, 3, 5, 10, 15)))
                row.update(
                    code=f"{center.unit_code}-{received:%y%m%d}-{per_day[key]:05d}",
                    center_id=center.pk,
                    procedure_id=procedure.pk,
                    procedure_version_id=procedure.current_version_id,
                    channel=rng.choices((1, 2, 3), weights=(8, 87, 5))[0],
                    applicant_name="Công dân",
                    received_at=received,
                    accepted_at=accepted,
                    due_at=due if accepted else None,
                    created_at=received,
                    updated_at=received,
                )
                if accepted is None:
                    row["status"] = 3 if roll < 0.02 else 1
                else:
                    # Mostly before the due time; about one in twenty after it.
                    processed = received + (due - received) * rng.uniform(0.15, 1.06)
                    if processed < now and rng.random() < 0.97:
                        late = processed > due
                        row.update(
                            status=10,
                            processed_at=processed,
                            timeliness="late"
                            if late
                            else rng.choice(("early", "early", "on_time")),
                            supplements_during_processing=2 if rng.random() < 0.01 else 0,
                        )
                    else:
                        row["status"] = rng.choice((4, 4, 4, 5, 6))
                copy.write_row([row[c] for c in columns])
    dossier_seconds = clock.perf_counter() - began

    # --- Tickets and ratings ---------------------------------------------------------------
    began = clock.perf_counter()
    tfields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    tcolumns = [f.column for f in tfields]
    tdefaults = {f.column: f.get_default() for f in tfields}
    numbers: dict[tuple[int, date], int] = {}
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY queueing_ticket ({', '.join(tcolumns)}) FROM STDIN") as copy,
    ):
        for n in range(args.tickets):
            index = n % len(centers)
            issued = moment(first + timedelta(days=rng.randrange(365)))
            key = (index, issued.date())
            numbers[key] = numbers.get(key, 0) + 1
            row = dict(tdefaults)
            status = rng.choices(("finished", "no_show", "expired", "cancelled"), (90, 5, 3, 2))[0]
            called = (
                issued + timedelta(seconds=rng.randrange(60, 3600))
                if status in ("finished", "no_show")
                else None
            )
            serving = called + timedelta(seconds=30) if status == "finished" and called else None
            row.update(
                center_id=centers[index].pk,
                service_id=services[index].pk,
                issued_service_id=services[index].pk,
                day=issued.date(),
                number=numbers[key],
                display=str(numbers[key]),
                token=f"b{n}",
                status=status,
                issued_at=issued,
                called_at=called,
                serving_at=serving,
                finished_at=serving + timedelta(seconds=rng.randrange(120, 1800))
                if serving
                else None,
            )
            copy.write_row([row[c] for c in tcolumns])
    rfields = [f for f in Rating._meta.concrete_fields if not f.primary_key]
    rcolumns = [f.column for f in rfields]
    rdefaults = {
        f.column: json.dumps(f.get_default())
        if f.get_internal_type() == "JSONField"
        else f.get_default()
        for f in rfields
    }
    first_dossier = Dossier.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY feedback_rating ({', '.join(rcolumns)}) FROM STDIN") as copy,
    ):
        for n in range(min(args.ratings, args.dossiers)):
            row = dict(rdefaults)
            row.update(
                center_id=centers[n % len(centers)].pk,
                kind="dossier",
                channel="link",
                dossier_id=first_dossier + n,
                score=rng.choices(("very_satisfied", "satisfied", "dissatisfied"), (70, 27, 3))[0],
                created_at=moment(first + timedelta(days=rng.randrange(365))),
            )
            copy.write_row([row[c] for c in rcolumns])
    other_seconds = clock.perf_counter() - began
    began = clock.perf_counter()
    connection.ensure_connection()
    old_autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE queueing_ticket")
        cursor.execute("VACUUM ANALYZE feedback_rating")
    connection.set_autocommit(old_autocommit)
    vacuum_seconds = clock.perf_counter() - began

    client = Client()
    client.force_login(analyst)
    year = {"from": first.isoformat(), "to": today.isoformat()}
    month = {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
    cases = [
        ("province, a year", {"province": province.code, **year}),
        ("province, this month", {"province": province.code, **month}),
        ("one center, a year", {"center": centers[0].code, **year}),
        ("one center, this month", {"center": centers[0].code, **month}),
    ]
    rows = []
    body = None
    for name, params in cases:
        samples = []
        for _round in range(args.rounds):
            start = clock.perf_counter()
            response = client.get("/api/v1/reports/summary", params)
            samples.append((clock.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content
            if body is None:
                body = response.json()
        rows.append((name, samples))

    print(
        f"\nPostgreSQL, {args.centers} centers: {args.dossiers:,} dossiers (COPY {dossier_seconds:.1f} s), "
        f"{args.tickets:,} tickets and {args.ratings:,} ratings ({other_seconds:.1f} s), "
        f"VACUUM ANALYZE {vacuum_seconds:.1f} s; {args.rounds} rounds each\n"
    )
    print("| `GET /api/v1/reports/summary` | p50 ms | p90 ms | max ms |")
    print("|---|---|---|---|")
    for name, samples in rows:
        p50, p90, worst = quantiles(samples)
        print(f"| {name} | {p50:.0f} | {p90:.0f} | {worst:.0f} |")
    print("\nprovince-year answer:", json.dumps(body, ensure_ascii=False))
    if args.keep:
        print("kept:", connection.settings_dict["NAME"])
        return
    connection.close()
    teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
