"""A province-sized data set for benchmarks: ``motcua generate_load_data``.

Centers with departments, counters, queue services and staff; the demo catalog handled by every
center; ``dossiers`` dossiers received over the last ``days`` days (channels, decisions,
lateness, supplements and statuses in the proportions of the seed articles and of Decision 766
reports: most online, a few percent late, most finished and returned, the recent ones still in
process); about 0.7 tickets per dossier with their waits and service times; ratings of a third
of the served tickets and a tenth of the finished dossiers.

Rows are written with ``COPY`` on PostgreSQL (a million dossiers in about a minute on 2 cores)
and with ``bulk_create`` on SQLite (fine up to some hundred thousand). Nothing is made for today,
so dossier codes and ticket numbers issued today never collide with the generated ones.
Deterministic for a given ``seed``. Not for a production database: it adds a province.
"""

from __future__ import annotations

import json
import random
import secrets
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from motcua.catalog.models import CenterProcedure, Procedure
from motcua.catalog.services import procedure_import
from motcua.dossiers.models import Dossier
from motcua.feedback.models import Rating
from motcua.organization.models import Center, Counter, Department, Membership, Province, Role
from motcua.queueing.models import QueueService, Ticket

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DEPARTMENTS = [("van-phong", "Văn phòng"), ("kinh-te", "Kinh tế"), ("vhxh", "Văn hóa - Xã hội")]
SERVICES = [("ho-tich", "Hộ tịch – Chứng thực"), ("chung", "Các lĩnh vực khác")]
# Arrival weight per working hour.
HOURS = {7: 6, 8: 10, 9: 8, 10: 6, 11: 2, 13: 5, 14: 7, 15: 5, 16: 3}
# Statutory working days of the procedures, for due times.
DUE_DAYS = (1, 3, 5, 7, 10, 15)


@dataclass
class LoadReport:
    province: str
    centers: int = 0
    dossiers: int = 0
    tickets: int = 0
    ratings: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return (
            f"province {self.province}: {self.centers} centers, {self.dossiers:,} dossiers, "
            f"{self.tickets:,} tickets, {self.ratings:,} ratings ({times})"
        )


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _columns(model: type[models.Model]) -> tuple[list[str], dict[str, Any], set[str]]:
    """The model's columns (no id), each one's default, and which columns hold JSON."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {str(f.column): f.get_default() for f in fields}
    json_columns = {str(f.column) for f in fields if f.get_internal_type() == "JSONField"}
    return [str(f.column) for f in fields], defaults, json_columns


def _write(model: type[models.Model], rows: Iterator[dict[str, Any]]) -> int:
    """COPY on PostgreSQL; bulk_create elsewhere (rows are keyed by column name)."""
    columns, defaults, json_columns = _columns(model)
    written = 0
    if _postgres():
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                values = {**defaults, **row}
                copy.write_row(
                    [json.dumps(values[c]) if c in json_columns else values[c] for c in columns]
                )
                written += 1
        return written
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**{attnames[c]: v for c, v in {**defaults, **row}.items()}))
        if len(batch) >= 2000:
            model.objects.bulk_create(batch)  # type: ignore[attr-defined]
            written += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)  # type: ignore[attr-defined]
        written += len(batch)
    return written


@dataclass
class _Center:
    center: Center
    counters: list[Counter]
    services: list[QueueService]
    officials: list[int]
    procedures: list[tuple[int, int]]  # (procedure id, its current version id)


def _timed(report: LoadReport, name: str, work: Callable[[], Any]) -> Any:
    began = clock.perf_counter()
    result = work()
    report.seconds[name] = clock.perf_counter() - began
    return result


def generate_load_data(
    *,
    centers: int,
    dossiers: int,
    days: int,
    province_code: str = "load",
    seed: int = 766,
    tickets_per_dossier: float = 0.7,
    today: date | None = None,
) -> LoadReport:
    rng = random.Random(seed)  # noqa: S311 - data for benchmarks, not secrets
    today = today or datetime.now(HCM).date()
    report = LoadReport(province=province_code)
    made = _timed(report, "organization", lambda: _organization(province_code, centers))
    report.centers = len(made)
    _timed(report, "catalog", lambda: _catalog(made))
    report.dossiers = _timed(
        report, "dossiers", lambda: _write(Dossier, _dossier_rows(rng, made, dossiers, days, today))
    )
    report.tickets = _timed(
        report,
        "tickets",
        lambda: _write(
            Ticket, _ticket_rows(rng, made, int(dossiers * tickets_per_dossier), days, today)
        ),
    )
    report.ratings = _timed(report, "ratings", lambda: _ratings(rng, made))
    if _postgres():
        _timed(report, "analyze", _analyze)
    return report


@transaction.atomic
def _organization(code: str, count: int) -> list[_Center]:
    province, _ = Province.objects.get_or_create(
        code=code, defaults={"name": "Tỉnh Thử Tải", "unit_code": "000.00.00.H99"}
    )
    if Center.objects.filter(province=province).exists():
        raise ValueError(f"province {code} already has centers: use another --province")
    centers = Center.objects.bulk_create(
        [
            Center(
                province=province,
                code=f"{code}-{n:04d}",
                name=f"Trung tâm Phục vụ hành chính công xã Thử Tải {n:04d}",
                unit_code=f"000.{n // 100:02d}.{n % 100:02d}.H99",
            )
            for n in range(1, count + 1)
        ]
    )
    Department.objects.bulk_create(
        [Department(center=c, code=dc, name=dn) for c in centers for dc, dn in DEPARTMENTS]
    )
    Counter.objects.bulk_create(
        [
            Counter(center=c, number=n, name=f"Quầy {n}", is_priority_desk=n == 1)
            for c in centers
            for n in range(1, 5)
        ]
    )
    QueueService.objects.bulk_create(
        [
            QueueService(
                center=c,
                code=sc,
                name=sn,
                order=i,
                number_start=1,
                number_end=9999,
                prefix="AB"[i],
            )
            for c in centers
            for i, (sc, sn) in enumerate(SERVICES)
        ]
    )
    user_model = get_user_model()
    password = make_password(None)  # nobody logs in as these
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"{c.code}.{suffix}", password=password, first_name=suffix)
            for c in centers
            for suffix in ("tiepnhan1", "tiepnhan2", "chuyenvien", "lanhdao")
        ]
    )
    roles = {
        "tiepnhan1": Role.RECEPTIONIST,
        "tiepnhan2": Role.RECEPTIONIST,
        "chuyenvien": Role.SPECIALIST,
        "lanhdao": Role.LEADER,
    }
    by_code = {c.code: c for c in centers}
    Membership.objects.bulk_create(
        [
            Membership(
                user=u,
                role=roles[u.username.rsplit(".", 1)[1]],
                center=by_code[u.username.rsplit(".", 1)[0]],
            )
            for u in users
        ]
    )
    counters: dict[int, list[Counter]] = {}
    for counter in Counter.objects.filter(center__in=centers).order_by("number"):
        counters.setdefault(counter.center_id, []).append(counter)
    services: dict[int, list[QueueService]] = {}
    for service in QueueService.objects.filter(center__in=centers).order_by("order"):
        services.setdefault(service.center_id, []).append(service)
    officials: dict[int, list[int]] = {}
    for m in Membership.objects.filter(center__in=centers, role=Role.RECEPTIONIST):
        officials.setdefault(m.center_id or 0, []).append(m.user_id)
    made = [_Center(c, counters[c.pk], services[c.pk], officials[c.pk], []) for c in centers]
    for service in QueueService.objects.filter(center__in=centers):
        service.counters.set(counters[service.center_id])
    return made


def _catalog(made: list[_Center]) -> None:
    from motcua.demo.services import CATALOG_FILE

    if not Procedure.objects.exists():
        procedure_import(actor=None, records=json.loads(CATALOG_FILE.read_text(encoding="utf-8")))
    procedures = list(
        Procedure.objects.filter(is_active=True, current_version__isnull=False).values_list(
            "pk", "current_version_id"
        )
    )
    CenterProcedure.objects.bulk_create(
        [CenterProcedure(center=m.center, procedure_id=p) for m in made for p, _v in procedures],
        batch_size=5000,
    )
    for m in made:
        m.procedures = procedures


def _moment(rng: random.Random, day: date) -> datetime:
    hours = list(HOURS)
    hour = rng.choices(hours, weights=list(HOURS.values()))[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), HCM)


def _working_days(today: date, days: int) -> list[date]:
    """The weekdays of the last ``days`` days before today (holidays are ignored: a load test)."""
    return [
        today - timedelta(days=offset)
        for offset in range(days, 0, -1)
        if (today - timedelta(days=offset)).weekday() < 5
    ]


def _dossier_rows(
    rng: random.Random, made: list[_Center], count: int, days: int, today: date
) -> Iterator[dict[str, Any]]:
    working = _working_days(today, days)
    now = datetime.combine(today, time(7, 0), HCM)
    sequence: dict[tuple[int, date], int] = {}
    # Busier centers (wards) receive more: a weight per center.
    weights = [rng.uniform(0.4, 2.0) for _ in made]
    chosen = rng.choices(range(len(made)), weights=weights, k=count)
    for index in chosen:
        m = made[index]
        day = rng.choice(working)
        received = _moment(rng, day)
        key = (index, day)
        sequence[key] = sequence.get(key, 0) + 1
        procedure_id, version_id = m.procedures[rng.randrange(len(m.procedures))]
        channel = rng.choices((1, 2, 3), weights=(35, 60, 5))[0]
        due = received + timedelta(days=rng.choice(DUE_DAYS) * 7 / 5)
        roll = rng.random()
        row: dict[str, Any] = {
            "code": f"{m.center.unit_code}-{day:%y%m%d}-{sequence[key]:04d}",
            "center_id": m.center.pk,
            "procedure_id": procedure_id,
            "procedure_version_id": version_id,
            "channel": channel,
            "applicant_name": "Nguyễn Văn Thử",
            "id_number": f"0010{rng.randrange(10**8):08d}",
            "received_at": received,
            "received_by_id": rng.choice(m.officials) if channel != 2 else None,
            "created_at": received,
            "updated_at": received,
        }
        if roll < 0.03:  # refused at reception
            row.update(status=3, decided_at=received)
        elif channel == 2 and roll < 0.05 and received > now - timedelta(days=3):
            row.update(status=1)  # online, waiting to be checked
        else:
            supplements = 1 if rng.random() < 0.06 else 0
            if rng.random() < 0.008:
                supplements = 2
            row.update(
                accepted_at=received,
                decided_at=received,
                due_at=due,
                original_due_at=due,
                supplements_during_processing=supplements,
            )
            processed = received + (due - received) * rng.uniform(0.2, 1.08)
            if processed < now and rng.random() < 0.985:
                late = processed > due
                row.update(
                    processed_at=processed,
                    timeliness="late" if late else rng.choice(("early", "on_time", "on_time")),
                    status=10 if processed < now - timedelta(days=2) else 9,
                    returned_at=processed + timedelta(days=1)
                    if processed < now - timedelta(days=2)
                    else None,
                )
            else:
                row.update(
                    status=rng.choice((2, 4, 4, 4, 5, 6)),
                    overdue_marked_at=due if due < now else None,
                )
        yield row


def _ticket_rows(
    rng: random.Random, made: list[_Center], count: int, days: int, today: date
) -> Iterator[dict[str, Any]]:
    working = _working_days(today, days)
    numbers: dict[tuple[int, date], int] = {}
    chosen = rng.choices(range(len(made)), k=count)
    for index in chosen:
        m = made[index]
        day = rng.choice(working)
        service = m.services[0 if rng.random() < 0.6 else 1]
        key = (service.pk, day)
        numbers[key] = numbers.get(key, 0) + 1
        number = numbers[key]
        if number > 9999:
            continue
        issued = _moment(rng, day)
        status = rng.choices(("finished", "no_show", "expired", "cancelled"), (90, 5, 4, 1))[0]
        row: dict[str, Any] = {
            "center_id": m.center.pk,
            "service_id": service.pk,
            "issued_service_id": service.pk,
            "day": day,
            "number": number,
            "display": f"{service.prefix}{number}",
            "token": secrets.token_urlsafe(12),
            "status": status,
            "source": "kiosk",
            "issued_at": issued,
        }
        if status in ("finished", "no_show"):
            called = issued + timedelta(minutes=min(rng.expovariate(1 / 14), 150))
            row.update(
                called_at=called,
                counter_id=rng.choice(m.counters).pk,
                official_id=rng.choice(m.officials),
            )
            if status == "finished":
                serving = called + timedelta(seconds=rng.randint(20, 120))
                row.update(
                    serving_at=serving,
                    finished_at=serving + timedelta(minutes=max(1.5, rng.gauss(9, 4))),
                    outcome=rng.choices(("dossier_received", "advice", "referred"), (6, 3, 1))[0],
                )
            else:
                row.update(finished_at=called + timedelta(minutes=3), recalls=2)
        else:
            row["finished_at"] = issued + timedelta(minutes=rng.randint(20, 180))
        yield row


def _ratings(rng: random.Random, made: list[_Center]) -> int:
    centers = [m.center.pk for m in made]

    def score(bad: float) -> str:
        roll = rng.random()
        if roll < bad:
            return "dissatisfied"
        return "very_satisfied" if roll < bad + 0.68 else "satisfied"

    # Read first: the COPY below holds the connection, no query may run while it is open.
    tickets = list(
        Ticket.objects.filter(center_id__in=centers, status="finished").values_list(
            "pk", "center_id", "counter_id", "official_id", "service_id", "finished_at"
        )
    )
    finished_dossiers = list(
        Dossier.objects.filter(center_id__in=centers, processed_at__isnull=False).values_list(
            "pk", "center_id", "procedure_id", "timeliness", "processed_at"
        )
    )

    def rows() -> Iterator[dict[str, Any]]:
        for pk, center_id, counter_id, official_id, service_id, finished in tickets:
            if rng.random() < 0.33:
                yield {
                    "center_id": center_id,
                    "kind": "service",
                    "channel": "tablet",
                    "ticket_id": pk,
                    "counter_id": counter_id,
                    "official_id": official_id,
                    "service_id": service_id,
                    "score": score(0.03),
                    "created_at": (finished or datetime.now(HCM)) + timedelta(seconds=20),
                }
        for pk, center_id, procedure_id, timeliness, processed in finished_dossiers:
            if rng.random() < 0.1:
                yield {
                    "center_id": center_id,
                    "kind": "dossier",
                    "channel": "link",
                    "dossier_id": pk,
                    "procedure_id": procedure_id,
                    "score": score(0.25 if timeliness == "late" else 0.02),
                    "created_at": (processed or datetime.now(HCM)) + timedelta(hours=6),
                }

    return _write(Rating, rows())


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum would leave a table in steady state."""
    with connection.cursor() as cursor:
        for table in ("dossiers_dossier", "queueing_ticket", "feedback_rating"):
            cursor.execute(f"ANALYZE {table}")
