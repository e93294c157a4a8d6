"""Personal data over time (docs/security.md, "Privacy"): the daily retention sweep, and the
export and erasure of one citizen's data by ID number.

This module sits in the site shell (``web``) because it reads and changes the rows of several
apps (dossiers, appointments, queue, notifications, feedback); no app imports it.

Rules:
- **Queue**: a ticket's phone number is removed ``QUEUE_PHONE_RETENTION_DAYS`` (30) after the
  ticket was issued. Ticket state changes stay in ``TicketEvent`` (no personal data).
- **Feedback**: contact details of items closed more than ``FEEDBACK_RETENTION_DAYS`` (365)
  ago are removed (``feedback_anonymize``).
- **Dossiers** are administrative records: they are kept, unchanged, while open and for
  ``DOSSIER_RETENTION_YEARS`` (10) after they are closed (returned, withdrawn, stopped, not
  accepted). An erasure request anonymises only dossiers past that: names, ID numbers, birth
  date, phones, addresses and emails blanked, uploaded files and stored form PDFs deleted.
- Everything else about the person is erased on request: appointments (name, phone, email, ID
  number), the phones of tickets linked to their appointments and dossiers, notification
  messages sent to their phones and emails (recipient, subject and body), and the contact
  details of feedback about their dossiers or from their phones/emails.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from motcua.appointments.models import Appointment
from motcua.audit.models import Action as AuditAction
from motcua.audit.services import audit_record
from motcua.dossiers.models import Dossier, DossierEvent, DossierFile, FormRecord
from motcua.dossiers.workflow import CLOSED
from motcua.feedback.models import Feedback, Rating
from motcua.feedback.services import feedback_anonymize
from motcua.notifications.models import Message
from motcua.phones import normalize_phone
from motcua.queueing.models import Ticket

logger = logging.getLogger(__name__)


# --- The daily sweep -----------------------------------------------------------------------


def privacy_sweep(*, now: datetime | None = None, actor_name: str = "") -> dict[str, int]:
    """Remove what is past its retention: old tickets' phone numbers, old feedback's contact
    details. Returns the counts; writes one audit row when anything changed."""
    now = now or timezone.now()
    phones_before = now - timedelta(days=settings.QUEUE_PHONE_RETENTION_DAYS)
    feedback_before = now - timedelta(days=settings.FEEDBACK_RETENTION_DAYS)
    with transaction.atomic():
        tickets = (
            Ticket.objects.filter(issued_at__lt=phones_before).exclude(phone="").update(phone="")
        )
        feedback = feedback_anonymize(before=feedback_before)
        counts = {"ticket_phones": tickets, "feedback_contacts": feedback}
        if tickets or feedback:
            audit_record(
                actor=None,
                actor_name=actor_name or "privacy_sweep",
                action=AuditAction.ANONYMISE,
                object_type="retention",
                object_key=now.date().isoformat(),
                details={
                    **counts,
                    "phones_before": phones_before.isoformat(),
                    "feedback_before": feedback_before.isoformat(),
                },
            )
    logger.info("privacy sweep: %s", counts)
    return counts


def privacy_sweep_daily(now: datetime | None = None) -> dict[str, int] | None:
    """The worker's once-a-day guard: runs :func:`privacy_sweep` the first time it is asked on
    a (UTC) day, in whichever worker process asks first (the mark is in the shared cache)."""
    now = now or timezone.now()
    if not cache.add(f"privacy-sweep:{now.date().isoformat()}", 1, timeout=26 * 3600):
        return None
    return privacy_sweep(now=now)


# --- One person ----------------------------------------------------------------------------


def id_key(id_number: str) -> str:
    """How the audit log names a person: a hash of the ID number, never the number itself."""
    digest = hashlib.sha256(f"motcua-id:{id_number}".encode()).hexdigest()[:16]
    return f"id:{digest}"


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def dossier_closed_at(dossier: Dossier) -> datetime | None:
    """When the dossier was closed (its last move into a closed status); None while open."""
    if dossier.status not in CLOSED:
        return None
    closed = DossierEvent.objects.filter(dossier=dossier, to_status__in=list(CLOSED)).aggregate(
        at=Max("at")
    )["at"]
    return closed or dossier.returned_at or dossier.decided_at or dossier.updated_at


def dossier_retained_until(dossier: Dossier) -> datetime | None:
    closed = dossier_closed_at(dossier)
    if closed is None:
        return None
    return _add_years(closed, settings.DOSSIER_RETENTION_YEARS)


@dataclass
class Person:
    id_number: str
    dossiers: list[Dossier] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def tickets(self) -> Any:
        codes = [a.code for a in self.appointments]
        ids = [a.ticket_id for a in self.appointments if a.ticket_id] + [
            d.ticket_id for d in self.dossiers if d.ticket_id
        ]
        query = Q(pk__in=ids)
        if codes:
            query |= Q(appointment_code__in=codes)
        return Ticket.objects.filter(query).select_related("center")

    def messages(self) -> Any:
        recipients = self.phones | self.emails
        return Message.objects.filter(recipient__in=sorted(recipients)).exclude(recipient="")

    def feedback(self) -> Any:
        query = Q(dossier__in=[d.pk for d in self.dossiers])
        if self.phones:
            query |= Q(phone__in=sorted(self.phones))
        if self.emails:
            query |= Q(email__in=sorted(self.emails))
        return Feedback.objects.filter(query)

    def ratings(self) -> Any:
        return Rating.objects.filter(dossier__in=[d.pk for d in self.dossiers])


def _clean_id(id_number: str) -> str:
    value = "".join(id_number.split())
    if not value.isdigit() or len(value) not in (9, 12):
        raise ValueError("an ID number is 12 digits (or 9 for an old identity card)")
    return value


def person_find(*, id_number: str) -> Person:
    """Everything keyed to this ID number: dossiers where it is the applicant's or the
    representative's, appointments made with it, and the phones and emails those carry."""
    value = _clean_id(id_number)
    person = Person(id_number=value)
    person.dossiers = list(
        Dossier.objects.filter(
            Q(id_number=value) | Q(old_id_number=value) | Q(representative_id_number=value)
        )
        .select_related("center", "procedure", "procedure_version")
        .order_by("received_at")
    )
    person.appointments = list(
        Appointment.objects.filter(id_number=value).select_related("center").order_by("start")
    )
    for dossier in person.dossiers:
        if dossier.representative_id_number == value:
            phones = [dossier.representative_phone]
        else:
            phones = [dossier.phone]
            if dossier.email:
                person.emails.add(dossier.email.lower())
        person.phones.update(normalize_phone(p) for p in phones if p)
    for appointment in person.appointments:
        if appointment.phone:
            person.phones.add(normalize_phone(appointment.phone))
        if appointment.email:
            person.emails.add(appointment.email.lower())
    person.phones.discard("")
    return person


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def privacy_export(*, id_number: str, actor_name: str = "") -> dict[str, Any]:
    """Everything the product holds about the person, as JSON-ready data."""
    person = person_find(id_number=id_number)
    dossiers = []
    for d in person.dossiers:
        retained = dossier_retained_until(d)
        dossiers.append(
            {
                "code": d.code,
                "center": d.center.code,
                "procedure": d.procedure.code,
                "procedure_name": d.procedure_version.name,
                "status": d.status,
                "status_label": str(d.get_status_display()),
                "role": "representative"
                if d.representative_id_number == person.id_number
                else "applicant",
                "applicant": {
                    "kind": d.applicant_kind,
                    "name": d.applicant_name,
                    "id_number": d.id_number,
                    "old_id_number": d.old_id_number,
                    "id_issued_on": _iso(d.id_issued_on),
                    "birth_date": _iso(d.birth_date),
                    "gender": d.gender,
                    "address": d.address,
                    "phone": d.phone,
                    "email": d.email,
                    "representative_name": d.representative_name,
                    "representative_id_number": d.representative_id_number,
                    "representative_phone": d.representative_phone,
                },
                "received_at": _iso(d.received_at),
                "due_at": _iso(d.due_at),
                "returned_at": _iso(d.returned_at),
                "closed_at": _iso(dossier_closed_at(d)),
                "retained_until": _iso(retained),
                "files": [
                    {
                        "name": f.original_name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                        "uploaded_at": _iso(f.uploaded_at),
                        "is_result": f.is_result,
                    }
                    for f in DossierFile.objects.filter(dossier=d).order_by("uploaded_at", "pk")
                ],
                "forms": [
                    {
                        "form": r.form,
                        "number": r.number,
                        "year": r.year,
                        "issued_at": _iso(r.issued_at),
                    }
                    for r in FormRecord.objects.filter(dossier=d).order_by("issued_at", "pk")
                ],
                "events": [
                    {"action": e.action, "from": e.from_status, "to": e.to_status, "at": _iso(e.at)}
                    for e in DossierEvent.objects.filter(dossier=d).order_by("at", "pk")
                ],
            }
        )
    data: dict[str, Any] = {
        "id_number": person.id_number,
        "generated_at": timezone.now().isoformat(),
        "dossiers": dossiers,
        "appointments": [
            {
                "code": a.code,
                "center": a.center.code,
                "start": _iso(a.start),
                "status": a.status,
                "name": a.name,
                "phone": a.phone,
                "email": a.email,
                "id_number": a.id_number,
                "created_at": _iso(a.created_at),
            }
            for a in person.appointments
        ],
        "tickets": [
            {
                "display": t.display,
                "center": t.center.code,
                "day": _iso(t.day),
                "status": t.status,
                "phone": t.phone,
                "appointment_code": t.appointment_code,
                "issued_at": _iso(t.issued_at),
            }
            for t in person.tickets().order_by("issued_at")
        ],
        "ratings": [
            {
                "dossier": r.dossier.code if r.dossier else None,
                "score": r.score,
                "reasons": r.reasons,
                "comment": r.comment,
                "created_at": _iso(r.created_at),
            }
            for r in person.ratings().select_related("dossier").order_by("created_at")
        ],
        "feedback": [
            {
                "code": f.code,
                "status": f.status,
                "content": f.content,
                "name": f.name,
                "phone": f.phone,
                "email": f.email,
                "dossier": f.dossier.code if f.dossier else None,
                "closed_at": _iso(f.closed_at),
            }
            for f in person.feedback().select_related("dossier").order_by("pk")
        ],
        "notifications": [
            {
                "kind": m.kind,
                "channel": m.channel,
                "recipient": m.recipient,
                "subject": m.subject,
                "body": m.body,
                "status": m.status,
                "created_at": _iso(m.created_at),
            }
            for m in person.messages().order_by("created_at", "pk")
        ],
    }
    audit_record(
        actor=None,
        actor_name=actor_name or "privacy_export",
        action=AuditAction.EXPORT,
        object_type="person",
        object_key=id_key(person.id_number),
        details={
            key: len(data[key])
            for key in (
                "dossiers",
                "appointments",
                "tickets",
                "ratings",
                "feedback",
                "notifications",
            )
        },
    )
    return data


@dataclass
class ErasureReport:
    dossiers_kept: list[tuple[str, str]] = field(default_factory=list)  # code, why
    dossiers_anonymised: list[str] = field(default_factory=list)
    files_deleted: int = 0
    appointments: int = 0
    tickets: int = 0
    notifications: int = 0
    feedback: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dossiers_kept": [{"code": code, "why": why} for code, why in self.dossiers_kept],
            "dossiers_anonymised": self.dossiers_anonymised,
            "files_deleted": self.files_deleted,
            "appointments": self.appointments,
            "tickets": self.tickets,
            "notifications": self.notifications,
            "feedback": self.feedback,
        }


DOSSIER_BLANK: dict[str, Any] = {
    "applicant_name": "",
    "id_number": "",
    "old_id_number": "",
    "id_issued_on": None,
    "birth_date": None,
    "address": "",
    "phone": "",
    "email": "",
    "representative_name": "",
    "representative_id_number": "",
    "representative_phone": "",
}


def privacy_erase(
    *, id_number: str, now: datetime | None = None, actor_name: str = ""
) -> ErasureReport:
    """Erase what may be erased of the person (see the module's rules); dossiers inside their
    retention are kept as they are. One transaction; stored files are deleted after commit."""
    now = now or timezone.now()
    person = person_find(id_number=id_number)
    report = ErasureReport()
    files_to_delete: list[tuple[Any, str]] = []
    with transaction.atomic():
        for dossier in person.dossiers:
            retained = dossier_retained_until(dossier)
            if retained is None:
                report.dossiers_kept.append((dossier.code, "open"))
                continue
            if retained > now:
                report.dossiers_kept.append((dossier.code, f"retained until {retained.date()}"))
                continue
            files_to_delete.extend(
                (row.file.storage, row.file.name)
                for row in DossierFile.objects.filter(dossier=dossier)
                if row.file.name
            )
            report.files_deleted += DossierFile.objects.filter(dossier=dossier).delete()[0]
            for record in FormRecord.objects.filter(dossier=dossier):
                if record.pdf.name:
                    files_to_delete.append((record.pdf.storage, record.pdf.name))
                    report.files_deleted += 1
            FormRecord.objects.filter(dossier=dossier).update(content={}, pdf="")
            Dossier.objects.filter(pk=dossier.pk).update(**DOSSIER_BLANK)
            report.dossiers_anonymised.append(dossier.code)
        tickets = person.tickets().exclude(phone="")
        report.tickets = tickets.update(phone="")
        report.appointments = Appointment.objects.filter(
            pk__in=[a.pk for a in person.appointments]
        ).update(name="", phone="", email="", id_number="")
        # Messages still to be sent stay (they belong to a live process); the rest go.
        report.notifications = (
            person.messages()
            .exclude(status__in=[Message.Status.PENDING, Message.Status.SENDING])
            .update(recipient="", subject="", body="")
        )
        report.feedback = (
            person.feedback()
            .exclude(name="", phone="", email="")
            .update(name="", phone="", email="")
        )
        audit_record(
            actor=None,
            actor_name=actor_name or "privacy_erase",
            action=AuditAction.ERASE,
            object_type="person",
            object_key=id_key(person.id_number),
            details=report.as_dict(),
            at=now,
        )

        def delete_files() -> None:
            for storage, name in files_to_delete:
                try:
                    storage.delete(name)
                except OSError:
                    logger.exception("could not delete %s", name)

        transaction.on_commit(delete_files)
    return report
