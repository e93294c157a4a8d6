"""Dossier intake, the public dossier lookup, slot listing and booking: latency through the
real services and the real API (Django's test client, in process, no network).

Sets up its own database: a temporary SQLite file, or the PostgreSQL of ``DATABASE_URL``
(a database of its own is created there: ``<name>_bench``, dropped at the end). ``--dossiers``
rows are bulk-inserted first so that the lookup runs against a realistic table.

    .venv/bin/python bench/dossiers_appointments.py [--dossiers 100000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, statistics.mean(ordered)


def timed(work, rounds: int) -> list[float]:
    samples = []
    for i in range(rounds):
        start = clock.perf_counter()
        work(i)
        samples.append((clock.perf_counter() - start) * 1000)
    return samples


def main() -> None:  # noqa: PLR0915 - a script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if postgres:
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_bench"
    else:
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases

    # A database of the bench's own (the test runner's machinery names and drops it).
    old = setup_databases(verbosity=0, interactive=False) if postgres else None
    if not postgres:
        call_command("migrate", verbosity=0)

    from tests.catalog.conftest import national_record
    from tests.factories import staff

    from motcua.appointments import selectors as booking_selectors
    from motcua.appointments import services as booking
    from motcua.appointments.models import Availability
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import
    from motcua.dossiers import services
    from motcua.dossiers.models import Dossier
    from motcua.organization.models import Center, Counter, Province, Role
    from motcua.queueing.models import QueueService

    province = Province.objects.create(code="p", name="Tỉnh")
    center = Center.objects.create(
        province=province, code="hp", name="Trung tâm Hạnh Phúc", unit_code="000.00.10.H34"
    )
    procedure_import(actor=None, records=[national_record("9.000001", channels=("1", "2", "3"))])
    procedure = Procedure.objects.get(code="9.000001")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    receptionist = staff(Role.RECEPTIONIST, center, username="tiepnhan")
    documents = list(procedure.current_version.document_cases.first().documents.all())
    applicant = {
        "name": "Nguyễn Thị Lan",
        "id_number": "001095012345",
        "phone": "0912345678",
        "address": "Thôn Đông",
    }

    # --- The table: bulk-inserted dossiers over a year -----------------------------------
    rng = random.Random(7)
    version = procedure.current_version
    start = datetime(2026, 1, 5, 8, 0, tzinfo=HCM)
    began = clock.perf_counter()
    batch = []
    codes = []
    for n in range(args.dossiers):
        at = start + timedelta(minutes=n * 3)
        code = f"{center.unit_code}-{at:%y%m%d}-{n + 1:05d}"
        codes.append(code)
        batch.append(
            Dossier(
                code=code,
                center=center,
                procedure=procedure,
                procedure_version=version,
                channel=rng.choice((1, 2, 2, 2, 3)),
                status=rng.choice((2, 4, 9, 10)),
                applicant_name="Công dân",
                id_number=f"{rng.randrange(10**11, 10**12):012d}",
                phone=f"09{rng.randrange(10**7, 10**8)}",
                received_at=at,
                accepted_at=at,
                due_at=at + timedelta(days=3),
            )
        )
        if len(batch) == 5000:
            Dossier.objects.bulk_create(batch)
            batch = []
    Dossier.objects.bulk_create(batch)
    load_seconds = clock.perf_counter() - began

    client = Client()
    rows = []

    # --- Public lookup ------------------------------------------------------------------
    picks = [rng.randrange(args.dossiers) for _ in range(args.rounds)]
    secrets = {
        code: (id_number[-4:])
        for code, id_number in Dossier.objects.filter(
            code__in=[codes[i] for i in picks]
        ).values_list("code", "id_number")
    }
    from django.conf import settings

    settings.DOSSIER_LOOKUP_LIMIT = (10**9, 300)

    def lookup(i: int) -> None:
        code = codes[picks[i]]
        response = client.get("/api/v1/dossiers/lookup", {"code": code, "secret": secrets[code]})
        assert response.status_code == 200, response.content

    lookup(0)
    rows.append(("public lookup `GET /api/v1/dossiers/lookup`", timed(lookup, args.rounds)))

    # --- Intake: accept at the counter (service, with form 01 record) --------------------
    now = datetime(2026, 11, 30, 9, 0, tzinfo=HCM)

    def accept(i: int) -> None:
        services.dossier_receive(
            actor=receptionist,
            center=center,
            procedure_code=procedure.code,
            channel="direct",
            applicant=applicant,
            documents=[services.DocumentTick(doc.pk) for doc in documents],
            decision=services.Decision("accept"),
            now=now + timedelta(seconds=i),
        )

    rows.append(("accept a dossier at the counter (`dossier_receive`)", timed(accept, args.rounds)))

    # --- Appointments -------------------------------------------------------------------
    counter = Counter.objects.create(center=center, number=1, name="Hộ tịch")
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1, number_end=9999
    )
    service.counters.add(counter)
    for weekday in range(5):
        for begin, end in (((8, 0), (11, 0)), ((14, 0), (16, 30))):
            Availability.objects.create(
                center=center,
                service=service,
                weekday=weekday,
                start=time(*begin),
                end=time(*end),
                slot_minutes=15,
                capacity=1000,
            )
    booking_now = datetime(2026, 11, 29, 10, 0, tzinfo=HCM)
    days = [d for d, _n in booking_selectors.days_with_slots(service=service, now=booking_now)]

    def slot_list(i: int) -> None:
        booking_selectors.slot_list(service=service, day=days[i % len(days)], now=booking_now)

    rows.append(("slots of a day (`slot_list`)", timed(slot_list, args.rounds)))

    with time_machine.travel(booking_now, tick=False):

        def slots_api(i: int) -> None:
            response = client.get(
                "/api/v1/centers/hp/slots",
                {"service": "ho-tich", "date": days[i % len(days)].isoformat()},
            )
            assert response.status_code == 200

        rows.append(("slots of a day, API", timed(slots_api, args.rounds)))

        all_slots = [
            slot.start
            for day in days
            for slot in booking_selectors.slot_list(service=service, day=day, now=booking_now)
        ]

        def book(i: int) -> None:
            appointment, secret = booking.appointment_reserve(
                center=center,
                service_code="ho-tich",
                start=all_slots[i % len(all_slots)],
                name="Lê Văn An",
                phone=f"09{10**7 + i:08d}",
                now=booking_now,
            )
            booking.appointment_confirm(code=appointment.code, secret=secret, now=booking_now)

        rows.append(("book: reserve + confirm (services)", timed(book, args.rounds)))

    engine = "PostgreSQL" if postgres else "SQLite"
    print(
        f"\n{engine}, {args.dossiers:,} dossiers (bulk insert {load_seconds:.1f} s), "
        f"{args.rounds} rounds each\n"
    )
    print("| what | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|")
    for name, samples in rows:
        p50, p99, mean = quantiles(samples)
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {mean:.1f} |")
    connection.close()
    if postgres and old is not None:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
