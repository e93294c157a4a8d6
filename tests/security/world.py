"""A small world for the security tests: two centers in two provinces, each with a counter,
a queue line, a bookable service, a procedure, a dossier with files and forms, a ticket, an
appointment, a feedback item, a rating, a message and an outbox item; staff of every role at
center A (province roles over A's province); the four kinds of paired device at center A.

Everything is made through the services where that is short, else with the ORM. Call inside a
test with database access, at ``OPEN`` (time_machine) so that the queue is issuing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from motcua.appointments import services as appointment_services
from motcua.appointments.models import Appointment, Availability, BookingPolicy
from motcua.catalog.models import Procedure
from motcua.catalog.services import center_procedure_set
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, DossierFile, FormRecord
from motcua.dossiers.selectors import tracking_token
from motcua.feedback import services as feedback_services
from motcua.feedback.models import Feedback, Rating
from motcua.integrations.models import OutboxItem
from motcua.notifications.models import Message
from motcua.notifications.services import opt_out_url
from motcua.organization.models import Center, Counter, DeviceToken, Province, Role
from motcua.organization.services import device_token_create
from motcua.queueing import services as queue_services
from motcua.queueing.models import QueuePolicy, Ticket
from tests.dossiers.conftest import APPLICANT, make_procedure, pdf_bytes, upload
from tests.factories import CenterFactory, CounterFactory, DepartmentFactory, ProvinceFactory, staff
from tests.queueing.conftest import make_service

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)  # a Wednesday morning: the queue issues
PROCEDURE_CODE = "9.000001"
STAFF_ROLES = (
    Role.CENTER_ADMIN,
    Role.RECEPTIONIST,
    Role.SPECIALIST,
    Role.LEADER,
    Role.POSTAL,
    Role.PROVINCE_ADMIN,
    Role.ANALYST,
)
DEVICES = (
    DeviceToken.Purpose.KIOSK,
    DeviceToken.Purpose.DISPLAY,
    DeviceToken.Purpose.COUNTER_TERMINAL,
    DeviceToken.Purpose.RATING_TABLET,
)


@dataclass
class Side:
    """The objects of one center."""

    center: Center
    province: Province
    counter: Counter
    ticket: Ticket
    dossier: Dossier
    dossier_file: DossierFile
    result_file: DossierFile
    form: FormRecord
    appointment: Appointment
    appointment_secret: str
    feedback: Feedback
    rating: Rating
    message: Message
    outbox: OutboxItem
    receptionist: User
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tracking_token(self) -> str:
        return tracking_token(self.dossier)


@dataclass
class World:
    a: Side
    b: Side
    procedure: Procedure
    users: dict[str, User]  # role -> a user with that role at center A (or over its province)
    devices: dict[str, str]  # purpose -> raw token of a device of center A
    opt_out_token: str


def _side(center: Center, province: Province, procedure: Procedure, tag: str) -> Side:
    counter = CounterFactory(center=center, number=1, name="Quầy 1")
    QueuePolicy.objects.get_or_create(center=center, defaults={"remote_enabled": True})
    service = make_service(center, code="ho-tich", name="Hộ tịch", counters=[counter])
    for weekday in range(5):
        Availability.objects.create(
            center=center,
            service=service,
            weekday=weekday,
            start=time(8, 0),
            end=time(11, 0),
            slot_minutes=15,
            capacity=2,
        )
    BookingPolicy.objects.get_or_create(center=center)
    receptionist = staff(Role.RECEPTIONIST, center, username=f"tiepnhan-{tag}")

    ticket = queue_services.ticket_issue(
        issuer=queue_services.Issuer(source="staff", user=receptionist),
        center=center,
        service_code="ho-tich",
        now=OPEN,
    )

    queue_services.counter_set_status(actor=receptionist, counter=counter, status="open")
    called = queue_services.ticket_call_next(actor=receptionist, counter=counter, now=OPEN)
    assert called == ticket

    docs = list(procedure.current_version.document_cases.first().documents.all())
    dossier, form = dossier_services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[dossier_services.DocumentTick(doc.pk) for doc in docs],
        decision=dossier_services.Decision("accept"),
        uploads=[dossier_services.Upload(upload("to-khai.pdf", pdf_bytes(), "application/pdf"))],
        now=OPEN,
    )
    assert form is not None
    dossier_file = dossier.files.get()
    result_file = DossierFile.objects.create(
        dossier=dossier,
        file=ContentFile(pdf_bytes("ket qua"), name="ket-qua.pdf"),
        original_name="ket-qua.pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        uploaded_at=OPEN,
        is_result=True,
    )

    appointment, secret = appointment_services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=datetime(2026, 11, 26, 9, 0, tzinfo=TZ),
        name="Trần Văn Bình",
        phone="0912000111",
        now=OPEN,
    )
    feedback = feedback_services.feedback_submit(
        center=center,
        data=feedback_services.FeedbackInput(
            category="suggestion", subject="Ghế chờ", content="Thêm ghế ở sảnh chờ."
        ),
        now=OPEN,
    )
    rating = Rating.objects.create(
        center=center,
        kind="dossier",
        channel="link",
        dossier=dossier,
        score="dissatisfied",
        created_at=timezone.now(),
    )
    message = Message.objects.create(
        center=center,
        kind="dossier_received",
        channel="sms",
        recipient="0912345678",
        body="Hồ sơ đã được tiếp nhận.",
        idempotency_key=f"security-{tag}",
        status="failed",
    )
    outbox = OutboxItem.objects.create(
        kind="webhook",
        center=center,
        dossier=dossier,
        ordering_key=f"dossier-{dossier.pk}",
        idempotency_key=f"security-{tag}",
        status="dead",
    )
    return Side(
        center=center,
        province=province,
        counter=counter,
        ticket=ticket,
        dossier=dossier,
        dossier_file=dossier_file,
        result_file=result_file,
        form=form,
        appointment=appointment,
        appointment_secret=secret,
        feedback=feedback,
        rating=rating,
        message=message,
        outbox=outbox,
        receptionist=receptionist,
    )


def build_world() -> World:
    province_a = ProvinceFactory()
    province_b = ProvinceFactory(code="thai-binh", name="Tỉnh Thái Bình", unit_code="000.00.00.H26")
    center_a = CenterFactory(province=province_a, code="hanh-phuc", unit_code="000.00.10.H34")
    center_b = CenterFactory(province=province_b, code="nam-cuong", unit_code="000.00.11.H26")
    procedure = make_procedure(center_a, PROCEDURE_CODE, channels=("1", "2", "3"))
    center_procedure_set(actor=None, center=center_b, procedure=procedure)

    a = _side(center_a, province_a, procedure, "a")
    b = _side(center_b, province_b, procedure, "b")

    department = DepartmentFactory(center=center_a, code="tu-phap", name="Phòng Tư pháp")
    users: dict[str, User] = {}
    for role in STAFF_ROLES:
        if role in (Role.PROVINCE_ADMIN, Role.ANALYST):
            users[role] = staff(role, province=province_a, username=f"u-{role}")
        elif role in (Role.SPECIALIST, Role.LEADER):
            users[role] = staff(role, center_a, username=f"u-{role}")
            users[role].memberships.filter(role=role).update(department=department)
        else:
            users[role] = staff(role, center_a, username=f"u-{role}")
    devices: dict[str, str] = {}
    for purpose in DEVICES:
        _device, raw = device_token_create(
            actor=users[Role.CENTER_ADMIN],
            center=center_a,
            purpose=purpose,
            name=f"Thiết bị {purpose}",
            counter=a.counter
            if purpose in (DeviceToken.Purpose.COUNTER_TERMINAL, DeviceToken.Purpose.RATING_TABLET)
            else None,
        )
        devices[purpose] = raw
    opt_out_token = opt_out_url("0912345678").rstrip("/").rsplit("/", 1)[-1]
    return World(
        a=a,
        b=b,
        procedure=procedure,
        users=users,
        devices=devices,
        opt_out_token=opt_out_token,
    )


def later(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
