"""Writes of integrations: the outbox (written with each dossier change, delivered in order
with retries and back-off, dead-lettered, sent again by staff) and the pulls from the portal
(dossiers submitted there, procedure catalog updates).

Delivery is at least once per attempt with an ``Idempotency-Key`` the receiver deduplicates
on, so each change arrives exactly once; items of one ordering key (one dossier to the portal,
or to one webhook) go strictly one after another. Claims use ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL (SQLite serialises writers) plus a conditional update, so two workers
never send the same item, and never an item while an earlier one of its key is unfinished.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import NEW, Action, Status
from motcua.errors import InvalidInput, NotAllowed, ServiceError
from motcua.integrations.certificates import certificate_check, passphrase_encrypt
from motcua.integrations.models import (
    CenterCertificate,
    EventType,
    OutboxItem,
    PortalInbound,
    SyncCursor,
    WebhookSubscription,
)
from motcua.integrations.portal.base import PortalError, adapter_get, portal_configured
from motcua.integrations.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
)
from motcua.notifications.services import BACKOFF as MESSAGE_BACKOFF
from motcua.organization.models import Center
from motcua.organization.selectors import ADMIN_ROLES, user_has_role

logger = logging.getLogger(__name__)

# Waits between attempts: a portal outage of about a day and a half loses nothing; then the
# item is dead-lettered and staff send it again from /staff/integrations/outbox/.
# The outbox of messages' waits, then one more day.
BACKOFF = [*MESSAGE_BACKOFF, timedelta(hours=24)]
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed item not finished within this time is taken back (its worker died).
LEASE = timedelta(minutes=2)
CLAIM_BATCH = 50
WEBHOOK_TIMEOUT_SECONDS = 10
TEMPORARY_4XX = {408, 409, 425, 429}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Writing the outbox (in the dossier's transaction) ----------------------------------------


def event_types_of(event: DossierEvent) -> list[str]:
    """The webhook event types a dossier event stands for."""
    types = []
    if event.from_status == NEW:
        types.append(EventType.DOSSIER_SUBMITTED)
    if event.action == Action.ACCEPT and event.to_status == Status.ACCEPTED:
        types.append(EventType.DOSSIER_RECEIVED)
    if event.from_status != event.to_status:
        types.append(EventType.DOSSIER_STATUS_CHANGED)
        if event.to_status == Status.PROCESSED:
            types.append(EventType.DOSSIER_RESULT_READY)
    return [str(t) for t in types]


def _next_sequence(ordering_key: str) -> int:
    last = (
        OutboxItem.objects.filter(ordering_key=ordering_key)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1


def _dossier_facts(dossier: Dossier, event: DossierEvent) -> dict[str, Any]:
    return {
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "channel": dossier.channel,
        "action": event.action,
        "from_status": event.from_status or None,
        "status": event.to_status,
        "at": _iso(event.at),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
    }


def outbox_record_event(sender: Any, *, dossier: Dossier, event: DossierEvent, **_: Any) -> None:
    """Receiver of ``dossier_event_recorded``, in the change's transaction (the caller holds
    the dossier's row lock, so the sequence numbers of one dossier cannot race). A status
    change is queued for the portal when the sync is configured; each matching active webhook
    subscription of the center gets the event."""
    status_changed = event.from_status != event.to_status
    if status_changed and portal_configured():
        key = f"portal:dossier:{dossier.pk}"
        sequence = _next_sequence(key)
        payload = {
            "unit_code": dossier.center.unit_code,
            **_dossier_facts(dossier, event),
            "sequence": sequence,
            "applicant": {"name": dossier.applicant_name, "id_number": dossier.id_number},
            "note": event.note[:1000],
        }
        OutboxItem.objects.create(
            kind=OutboxItem.Kind.PORTAL_STATUS,
            center_id=dossier.center_id,
            dossier=dossier,
            ordering_key=key,
            sequence=sequence,
            idempotency_key=f"{dossier.center.unit_code}:{dossier.code}:status:{sequence}",
            payload=payload,
        )
    types = event_types_of(event)
    if not types:
        return
    subscriptions = WebhookSubscription.objects.filter(
        center_id=dossier.center_id, is_active=True, event_type__in=types
    ).order_by("pk")
    for subscription in subscriptions:
        key = f"webhook:{subscription.pk}:dossier:{dossier.pk}"
        sequence = _next_sequence(key)
        delivery_id = f"wh-{subscription.pk}-{event.pk}-{subscription.event_type}"
        OutboxItem.objects.create(
            kind=OutboxItem.Kind.WEBHOOK,
            center_id=dossier.center_id,
            dossier=dossier,
            subscription=subscription,
            event_type=subscription.event_type,
            ordering_key=key,
            sequence=sequence,
            idempotency_key=delivery_id,
            payload={
                "id": delivery_id,
                "type": subscription.event_type,
                "occurred_at": _iso(event.at),
                "center": {"code": dossier.center.code, "unit_code": dossier.center.unit_code},
                "data": _dossier_facts(dossier, event),
            },
        )


# --- Delivering ----------------------------------------------------------------------------


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, permanent: bool = False, portal_down: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.portal_down = portal_down


def _claim(now: datetime, *, skip_portal: bool, batch: int = CLAIM_BATCH) -> list[OutboxItem]:
    """Take up to ``batch`` due items that are the head of their ordering key, marking them
    as being sent (with a lease). Rows another worker is claiming are skipped, not waited for."""
    earlier = OutboxItem.objects.filter(
        ordering_key=OuterRef("ordering_key"), pk__lt=OuterRef("pk")
    ).exclude(status=OutboxItem.Status.DELIVERED)
    due = (
        OutboxItem.objects.filter(status=OutboxItem.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(earlier))
    )
    if skip_portal:
        due = due.exclude(kind=OutboxItem.Kind.PORTAL_STATUS)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return []
        # Each row is taken by a conditional update: only the rows this worker changed are its
        # own (a database without SKIP LOCKED never hands one row to two workers either).
        mine = [
            pk
            for pk in ids
            if OutboxItem.objects.filter(pk=pk, status=OutboxItem.Status.PENDING).update(
                status=OutboxItem.Status.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=now + LEASE,
            )
        ]
    return list(
        OutboxItem.objects.filter(pk__in=mine, status=OutboxItem.Status.SENDING)
        .select_related("subscription")
        .order_by("pk")
    )


def _portal_payload(item: OutboxItem) -> dict[str, Any]:
    payload = dict(item.payload)
    inbound = (
        PortalInbound.objects.filter(dossier_id=item.dossier_id).first()
        if item.dossier_id
        else None
    )
    payload["portal_id"] = inbound.portal_id if inbound is not None else None
    return payload


def _send_portal(item: OutboxItem) -> None:
    adapter = adapter_get()
    if adapter is None:
        raise DeliveryFailed(_("Chưa cấu hình địa chỉ Cổng DVCQG (PORTAL_SYNC_URL)."))
    try:
        adapter.push_status(_portal_payload(item), idempotency_key=item.idempotency_key)
    except PortalError as error:
        raise DeliveryFailed(
            str(error),
            permanent=error.permanent,
            portal_down=not error.permanent and error.code != "out_of_order",
        ) from None


def _send_webhook(item: OutboxItem) -> None:
    subscription = item.subscription
    if subscription is None or not subscription.is_active:
        raise DeliveryFailed(_("Đăng ký webhook đã bị xóa hoặc tắt."), permanent=True)
    if urlsplit(subscription.url).scheme not in {"http", "https"}:
        raise DeliveryFailed("webhook URL must be http(s)", permanent=True)
    body = json.dumps(item.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        subscription.url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "motcua-webhook/1",
            EVENT_HEADER: item.event_type,
            DELIVERY_HEADER: item.idempotency_key,
            "Idempotency-Key": item.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(subscription.secret, timestamp, body),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read(1000)
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in TEMPORARY_4XX
        raise DeliveryFailed(f"HTTP {error.code}", permanent=permanent) from None
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryFailed(f"unreachable: {error}"[:500]) from None


def _finish(item: OutboxItem, now: datetime, failure: DeliveryFailed | None) -> str:
    if failure is None:
        OutboxItem.objects.filter(pk=item.pk, status=OutboxItem.Status.SENDING).update(
            status=OutboxItem.Status.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            last_error="",
        )
        return "delivered"
    give_up = failure.permanent or item.attempts >= MAX_ATTEMPTS
    OutboxItem.objects.filter(pk=item.pk, status=OutboxItem.Status.SENDING).update(
        status=OutboxItem.Status.DEAD if give_up else OutboxItem.Status.PENDING,
        next_attempt_at=None if give_up else now + BACKOFF[min(item.attempts, len(BACKOFF)) - 1],
        last_error=str(failure)[:2000],
        dead_at=now if give_up else None,
    )
    logger.warning(
        "outbox item %s (%s) not delivered, attempt %s: %s",
        item.pk,
        item.ordering_key,
        item.attempts,
        failure,
    )
    return "dead" if give_up else "retry"


def _release(item: OutboxItem) -> None:
    """Give back a claimed item without counting the attempt (the portal is down this round)."""
    OutboxItem.objects.filter(pk=item.pk, status=OutboxItem.Status.SENDING).update(
        status=OutboxItem.Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=None
    )


def outbox_deliver(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """One round: take back items whose worker died, then deliver every due item that heads its
    ordering key, again and again (delivering change N makes change N+1 due) until nothing is
    due or ``limit`` items were tried. When the portal is unreachable, its other items wait for
    the next round (their attempts are not counted). Safe to run from several workers."""
    now = now or timezone.now()
    OutboxItem.objects.filter(status=OutboxItem.Status.SENDING, next_attempt_at__lt=now).update(
        status=OutboxItem.Status.PENDING, next_attempt_at=None
    )
    outcomes: dict[str, int] = {}
    tried = 0
    portal_down = False
    while tried < limit:
        claimed = _claim(now, skip_portal=portal_down, batch=min(CLAIM_BATCH, limit - tried))
        if not claimed:
            break
        for item in claimed:
            if portal_down and item.kind == OutboxItem.Kind.PORTAL_STATUS:
                _release(item)
                continue
            tried += 1
            failure = None
            try:
                if item.kind == OutboxItem.Kind.PORTAL_STATUS:
                    _send_portal(item)
                else:
                    _send_webhook(item)
            except DeliveryFailed as error:
                failure = error
                portal_down = portal_down or error.portal_down
            except Exception as error:  # a bug must not leave the item claimed until the lease
                logger.exception("outbox item %s failed", item.pk)
                failure = DeliveryFailed(f"{type(error).__name__}: {error}")
            outcome = _finish(item, now, failure)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def outbox_item_retry(*, actor: User, item: OutboxItem) -> OutboxItem:
    """Staff (the center's admins, a province admin) send a dead item again: a new series of
    attempts. The later items of its dossier, held back behind it, follow once it is accepted."""
    if not user_has_role(user=actor, center=item.center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm được gửi lại mục liên thông."))
    updated = OutboxItem.objects.filter(pk=item.pk, status=OutboxItem.Status.DEAD).update(
        status=OutboxItem.Status.PENDING,
        attempts=0,
        next_attempt_at=None,
        dead_at=None,
    )
    if not updated:
        raise InvalidInput(
            _("Chỉ gửi lại được mục đang ở danh sách gửi không được."), code="not_dead"
        )
    item.refresh_from_db()
    return item


# --- Certificates ---------------------------------------------------------------------------


def center_certificate_set(
    *,
    actor: User | None,
    center: Center,
    p12: bytes,
    passphrase: str,
    trust_root_pem: str = "",
) -> CenterCertificate:
    """Install (or replace) the center's signing certificate. The trust root defaults to the
    self-signed authority inside the PKCS#12 file; the certificate must be issued by it."""
    if actor is not None and not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm được cài chứng thư ký số."))
    contents, root = certificate_check(p12, passphrase, trust_root_pem)
    row, _created = CenterCertificate.objects.update_or_create(
        center=center,
        defaults={
            "p12": p12,
            "passphrase_encrypted": passphrase_encrypt(passphrase),
            "trust_root_pem": root.public_bytes(Encoding.PEM).decode(),
            "subject": contents.subject[:300],
            "not_after": contents.not_after,
            "is_active": True,
        },
    )
    return row


# --- Pulling from the portal -----------------------------------------------------------------


def _cursor(name: str) -> str:
    return SyncCursor.objects.filter(name=name).values_list("value", flat=True).first() or ""


def _cursor_save(name: str, value: str) -> None:
    SyncCursor.objects.update_or_create(name=name, defaults={"value": value[:200]})


def _uploads(item: dict[str, Any], documents: dict[str, int]) -> list[Any]:
    from motcua.dossiers.services import Upload

    uploads = []
    for position, spec in enumerate(item.get("files") or [], start=1):
        if not isinstance(spec, dict):
            raise InvalidInput(_("Tệp đính kèm không hợp lệ."), code="invalid_file")
        try:
            content = base64.b64decode(str(spec.get("content_base64") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("Tệp thứ %(n)s không đọc được (base64).") % {"n": position}, code="invalid_file"
            ) from None
        name = str(spec.get("name") or f"tep-{position}")[:150]
        document = documents.get(str(spec.get("document") or "").strip().lower())
        uploads.append(
            Upload(
                file=SimpleUploadedFile(
                    name, content, str(spec.get("content_type") or "application/octet-stream")
                ),
                required_document=document,
            )
        )
    return uploads


def _document_ids(center: Center, procedure_code: str, case: int | None) -> dict[str, int]:
    """The procedure's required documents by (lower-case) name, to tick what the portal sent."""
    from motcua.catalog.models import Procedure
    from motcua.dossiers.selectors import checklist_for

    procedure = (
        Procedure.objects.filter(code=procedure_code).select_related("current_version").first()
    )
    if procedure is None or procedure.current_version is None:
        return {}
    try:
        rows = checklist_for(procedure.current_version, case)
    except ServiceError:
        return {}
    return {row.name.strip().lower(): row.pk for row in rows}


def portal_dossier_take(*, center: Center, item: dict[str, Any]) -> str:
    """Create one dossier submitted on the portal through the dossiers app's own online
    submission (status 1, in the center's online list), once per portal id: ``created``,
    ``duplicate`` or ``error`` (kept on the inbound row and tried again at the next pull)."""
    from motcua.dossiers.services import dossier_submit_online

    portal_id = str(item.get("portal_id") or "").strip()[:100]
    if not portal_id:
        logger.warning("portal dossier without portal_id skipped: %r", str(item)[:200])
        return "error"
    with transaction.atomic():
        try:
            with transaction.atomic():
                PortalInbound.objects.get_or_create(
                    portal_id=portal_id, defaults={"center": center}
                )
        except IntegrityError:
            pass  # another pull created it first
        inbound = PortalInbound.objects.select_for_update().get(portal_id=portal_id)
        if inbound.dossier_id is not None:
            return "duplicate"
        procedure_code = str(item.get("procedure_code") or "")
        case = item.get("case") if isinstance(item.get("case"), int) else None
        submitted = parse_datetime(str(item.get("submitted_at") or ""))
        now = timezone.now()
        if submitted is None or timezone.is_naive(submitted) or submitted > now:
            submitted = now
        applicant = item.get("applicant") if isinstance(item.get("applicant"), dict) else {}
        try:
            with transaction.atomic():
                dossier = dossier_submit_online(
                    center=center,
                    procedure_code=procedure_code,
                    applicant=applicant,  # type: ignore[arg-type]
                    uploads=_uploads(item, _document_ids(center, procedure_code, case)),
                    case=case,
                    result_delivery=str(item.get("result_delivery") or "electronic"),
                    now=submitted,
                )
        except ServiceError as error:
            inbound.error = error.message[:2000]
            inbound.attempts += 1
            inbound.save(update_fields=["error", "attempts"])
            logger.warning("portal dossier %s not created: %s", portal_id, error.message)
            return "error"
        inbound.dossier = dossier
        inbound.error = ""
        inbound.attempts += 1
        inbound.created_dossier_at = now
        inbound.save(update_fields=["dossier", "error", "attempts", "created_dossier_at"])
    return "created"


def portal_pull(*, now: datetime | None = None) -> dict[str, int]:
    """Pull the dossiers submitted on the portal to each active center (by its unit code) and
    the procedure catalog updates. Nothing when the portal sync is not configured."""
    from motcua.catalog.services import procedure_import

    adapter = adapter_get()
    counts: dict[str, int] = {}
    if adapter is None:
        return counts

    def add(key: str, n: int = 1) -> None:
        counts[key] = counts.get(key, 0) + n

    for center in Center.objects.filter(is_active=True).exclude(unit_code="").order_by("pk"):
        name = f"submitted:{center.unit_code}"
        try:
            items, following = adapter.pull_submitted(
                unit_code=center.unit_code, cursor=_cursor(name)
            )
        except PortalError as error:
            logger.warning("pulling dossiers of %s failed: %s", center.unit_code, error)
            add("pull_errors")
            continue
        for item in items:
            add(f"dossiers_{portal_dossier_take(center=center, item=item)}")
        _cursor_save(name, following)
    try:
        records, following = adapter.pull_catalog(cursor=_cursor("catalog"))
    except PortalError as error:
        logger.warning("pulling catalog updates failed: %s", error)
        add("pull_errors")
        return counts
    if records:
        report = procedure_import(actor=None, records=records, source="portal")
        add("procedures_created", len(report.created))
        add("procedures_changed", len(report.changed))
        add("procedures_unchanged", len(report.unchanged))
        add("procedures_errors", len(report.errors))
        for position, code, reason in report.errors:
            logger.warning("portal catalog record %s (%s): %s", position, code, reason)
    _cursor_save("catalog", following)
    return counts


def portal_sync(*, now: datetime | None = None) -> dict[str, int]:
    """One round of everything: deliver the outbox, then pull (``motcua portal_sync``)."""
    counts = {f"outbox_{k}": v for k, v in outbox_deliver(now=now).items()}
    counts.update(portal_pull(now=now))
    return counts


__all__ = [
    "center_certificate_set",
    "event_types_of",
    "outbox_deliver",
    "outbox_item_retry",
    "outbox_record_event",
    "portal_dossier_take",
    "portal_pull",
    "portal_sync",
]
