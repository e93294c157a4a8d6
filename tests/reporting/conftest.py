"""A hand-computed fixture: two centers of a province, November 2026, every figure worked out
by hand in the comments of tests/reporting/test_figures.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import translation

from motcua.dossiers.models import Dossier, DossierFile, DossierStep
from motcua.feedback.models import Rating
from motcua.organization.models import Center, Department
from motcua.queueing.models import QueueService, Ticket
from tests.dossiers.conftest import make_procedure
from tests.factories import CounterFactory, DepartmentFactory, UserFactory

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# The report is read on 10 December 2026: November is over.
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=HCM)


def local(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class World:
    center: Center
    other: Center
    dossiers: dict[str, Dossier]
    tickets: dict[str, Ticket]
    departments: dict[str, Department]
    officials: dict[str, User]
    services: dict[str, QueueService]
    extra: dict[str, Any]


_codes = iter(range(1, 10_000))


def _dossier(center: Center, procedure, **fields: Any) -> Dossier:
    fields.setdefault("status", 10)
    return Dossier.objects.create(
        code=f"{center.unit_code}-X-{next(_codes):04d}",
        center=center,
        procedure=procedure,
        procedure_version=procedure.current_version,
        applicant_name="Nguyễn Văn A",
        **fields,
    )


def _file(dossier: Dossier, *, result: bool) -> None:
    DossierFile.objects.create(
        dossier=dossier,
        file=ContentFile(b"%PDF-1.4 scan", name="scan.pdf"),
        original_name="scan.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
        uploaded_at=dossier.received_at,
        is_result=result,
    )


def _ticket(center, service, number, *, issued, **fields: Any) -> Ticket:
    return Ticket.objects.create(
        center=center,
        service=service,
        issued_service=service,
        day=issued.date(),
        number=number,
        display=str(number),
        token=f"tok-{center.pk}-{issued:%m%d}-{number}",
        issued_at=issued,
        **fields,
    )


@pytest.fixture
def world(center, other_center) -> World:  # noqa: PLR0915 - the fixture, read top to bottom
    p1 = make_procedure(center, "9.000001", field=("ho-tich", "Hộ tịch"), channels=("1", "2", "3"))
    p2 = make_procedure(
        center,
        "9.000002",
        name="Thủ tục đăng ký kinh doanh hộ",
        field=("kinh-doanh", "Đăng ký kinh doanh"),
        channels=("1", "2", "3"),
    )
    d: dict[str, Dossier] = {}
    # Processed in November: early, on time, late, early but asked twice for a supplement.
    d["d1"] = _dossier(
        center,
        p1,
        channel=1,
        received_at=local(11, 2),
        accepted_at=local(11, 2),
        due_at=local(11, 5),
        processed_at=local(11, 4),
        timeliness="early",
    )
    d["d2"] = _dossier(
        center,
        p1,
        channel=2,
        received_at=local(11, 3),
        accepted_at=local(11, 3),
        due_at=local(11, 6, 10),
        processed_at=local(11, 6, 9),
        timeliness="on_time",
        status=9,
    )
    d["d3"] = _dossier(
        center,
        p1,
        channel=2,
        received_at=local(11, 3),
        accepted_at=local(11, 3),
        due_at=local(11, 6),
        processed_at=local(11, 10),
        timeliness="late",
    )
    d["d4"] = _dossier(
        center,
        p2,
        channel=2,
        received_at=local(11, 4),
        accepted_at=local(11, 4),
        due_at=local(11, 20),
        processed_at=local(11, 18),
        timeliness="early",
        supplements_during_processing=2,
    )
    # Still being processed at the end of November: on time, overdue.
    d["d5"] = _dossier(
        center,
        p2,
        channel=3,
        received_at=local(11, 5),
        accepted_at=local(11, 5),
        due_at=local(12, 20),
        status=4,
    )
    d["d6"] = _dossier(
        center,
        p2,
        channel=2,
        received_at=local(11, 6),
        accepted_at=local(11, 6),
        due_at=local(11, 25),
        status=4,
    )
    # Refused at reception: received, nothing more.
    d["d7"] = _dossier(center, p2, channel=2, received_at=local(11, 7), status=3)
    # Received in October, its late result came in November.
    d["d8"] = _dossier(
        center,
        p2,
        channel=1,
        received_at=local(10, 28),
        accepted_at=local(10, 28),
        due_at=local(11, 2),
        processed_at=local(11, 3),
        timeliness="late",
    )
    # Received in November, result in December (so in progress at the end of November).
    d["d9"] = _dossier(
        center,
        p2,
        channel=2,
        received_at=local(11, 20),
        accepted_at=local(11, 20),
        due_at=local(12, 3),
        processed_at=local(12, 2),
        timeliness="early",
    )
    # Waiting for a second supplement: on time, but late for 766.
    d["d10"] = _dossier(
        center,
        p2,
        channel=2,
        received_at=local(11, 25),
        accepted_at=local(11, 25),
        due_at=local(12, 5),
        status=5,
        supplements_during_processing=2,
    )
    # December: outside the period.
    d["d11"] = _dossier(
        center,
        p2,
        channel=2,
        received_at=local(12, 2),
        accepted_at=local(12, 2),
        due_at=local(12, 9),
        status=4,
    )
    # The other center: one dossier, on time.
    d["e1"] = _dossier(
        other_center,
        p1,
        channel=1,
        received_at=local(11, 10),
        accepted_at=local(11, 10),
        due_at=local(11, 13),
        processed_at=local(11, 12),
        timeliness="on_time",
    )
    # Scans and electronic results: d1 and d4 have both, d2 a scan, d3 a result, d8 nothing.
    for name, result in (
        ("d1", False),
        ("d1", True),
        ("d2", False),
        ("d3", True),
        ("d4", False),
        ("d4", True),
    ):
        _file(d[name], result=result)

    # The internal process: steps of two departments, two officials.
    dept1 = DepartmentFactory(center=center, code="vh-xh", name="Phòng Văn hóa - Xã hội")
    dept2 = DepartmentFactory(center=center, code="kinh-te", name="Phòng Kinh tế")
    x = UserFactory(username="canbo.x", first_name="X", last_name="Trần")
    y = UserFactory(username="canbo.y", first_name="Y", last_name="Lê")

    def step(dossier, dept, order, **fields):
        return DossierStep.objects.create(
            dossier=dossier,
            order=order,
            name="Thẩm định",
            role="specialist",
            center=center,
            department=dept,
            **fields,
        )

    step(
        d["d1"],
        dept1,
        1,
        assignee=x,
        finished_by=x,
        started_at=local(11, 2),
        due_at=local(11, 4),
        finished_at=local(11, 3),
        timeliness="early",
    )
    step(
        d["d2"],
        dept1,
        1,
        assignee=y,
        finished_by=y,
        started_at=local(11, 3),
        due_at=local(11, 5),
        finished_at=local(11, 5),
        timeliness="on_time",
    )
    step(
        d["d3"],
        dept2,
        1,
        assignee=x,
        finished_by=x,
        started_at=local(11, 3),
        due_at=local(11, 5),
        finished_at=local(11, 9),
        timeliness="late",
    )
    step(d["d6"], dept2, 1, assignee=y, started_at=local(11, 7), due_at=local(11, 20))
    step(d["d5"], dept1, 1, assignee=x, started_at=local(11, 6), due_at=local(12, 15))

    # The queue on Wednesday 25 November.
    c1 = CounterFactory(center=center, number=1, name="Quầy 1")
    c2 = CounterFactory(center=center, number=2, name="Quầy 2")
    civil = QueueService.objects.create(center=center, code="ho-tich", name="Hộ tịch")
    business = QueueService.objects.create(center=center, code="kinh-doanh", name="Kinh doanh")
    t: dict[str, Ticket] = {}

    def served(name, service, number, issued, called, serving, finished, counter, official, **kw):
        t[name] = _ticket(
            center,
            service,
            number,
            issued=issued,
            called_at=called,
            serving_at=serving,
            finished_at=finished,
            status="finished",
            counter=counter,
            official=official,
            **kw,
        )

    served(
        "t1",
        civil,
        1001,
        local(11, 25, 8, 0),
        local(11, 25, 8, 10),
        local(11, 25, 8, 11),
        local(11, 25, 8, 21),
        c1,
        x,
    )
    served(
        "t2",
        civil,
        1002,
        local(11, 25, 8, 5),
        local(11, 25, 8, 25),
        local(11, 25, 8, 26),
        local(11, 25, 8, 56),
        c1,
        x,
    )
    # Came at 08:10 for an 08:30 appointment: waits from 08:30.
    served(
        "t3",
        business,
        2001,
        local(11, 25, 8, 10),
        local(11, 25, 8, 40),
        local(11, 25, 8, 40),
        local(11, 25, 8, 45),
        c2,
        y,
        appointment_at=local(11, 25, 8, 30),
    )
    t["t4"] = _ticket(
        center,
        civil,
        1003,
        issued=local(11, 25, 9, 0),
        called_at=local(11, 25, 9, 30),
        status="no_show",
        counter=c1,
        official=x,
    )
    t["t5"] = _ticket(center, civil, 1004, issued=local(11, 25, 9, 10), status="expired")
    t["t6"] = _ticket(center, business, 2002, issued=local(11, 25, 10, 0), status="cancelled")
    served(
        "t7",
        business,
        2003,
        local(11, 25, 10, 5),
        local(11, 25, 10, 45),
        local(11, 25, 10, 46),
        local(11, 25, 11, 6),
        c2,
        y,
    )
    # December: outside the period.
    _ticket(
        center,
        civil,
        1001,
        issued=local(12, 1, 8, 0),
        called_at=local(12, 1, 9, 0),
        status="no_show",
    )

    # Ratings: four satisfied of five; the dissatisfied one is about dossier d2.
    def rate(score, at, **fields):
        Rating.objects.create(center=center, channel="tablet", score=score, created_at=at, **fields)

    rate(
        "very_satisfied",
        local(11, 25, 8, 22),
        kind="service",
        ticket=t["t1"],
        official=x,
        counter=c1,
        service=civil,
    )
    rate(
        "very_satisfied",
        local(11, 25, 8, 57),
        kind="service",
        ticket=t["t2"],
        official=x,
        counter=c1,
        service=civil,
    )
    rate(
        "satisfied",
        local(11, 25, 8, 46),
        kind="service",
        ticket=t["t3"],
        official=y,
        counter=c2,
        service=business,
    )
    rate(
        "very_satisfied",
        local(11, 25, 11, 7),
        kind="service",
        ticket=t["t7"],
        official=y,
        counter=c2,
        service=business,
    )
    rate("dissatisfied", local(11, 7), kind="dossier", dossier=d["d2"], procedure=p1)
    return World(
        center=center,
        other=other_center,
        dossiers=d,
        tickets=t,
        departments={"d1": dept1, "d2": dept2},
        officials={"x": x, "y": y},
        services={"civil": civil, "business": business},
        extra={"p1": p1, "p2": p2, "c1": c1, "c2": c2},
    )
