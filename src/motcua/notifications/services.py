"""Writes of the outbox: enqueue a message with its cause, deliver it, retry, opt out, edit
templates. Delivery is at most one provider hand-over per attempt, claimed by a conditional
update so two workers never send the same message at once (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.errors import InvalidInput, NotAllowed
from motcua.notifications.channels import DeliveryError, Outgoing, channel_for
from motcua.notifications.defaults import DEFAULTS
from motcua.notifications.models import (
    NON_ESSENTIAL_KINDS,
    ChannelKind,
    DeliveryAttempt,
    Kind,
    Message,
    MessageTemplate,
    OptOut,
)
from motcua.organization.models import Center, Role
from motcua.organization.selectors import ADMIN_ROLES, user_has_role
from motcua.phones import ANY as ANY_PHONE
from motcua.phones import normalize_phone

logger = logging.getLogger(__name__)

# Waits between attempts: a provider outage of up to about a day loses nothing.
BACKOFF = [
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed message not finished within this time is taken back (its worker died).
LEASE = timedelta(minutes=5)
OPT_OUT_SALT = "motcua.notifications.opt-out"


# --- Templates ------------------------------------------------------------------------------


def template_text(
    *, center: Center | None, kind: str, channel: str, language: str
) -> tuple[str, str]:
    """(subject, body) as the center words it, or the built-in wording."""
    if center is not None:
        own = MessageTemplate.objects.filter(
            center=center, kind=kind, channel=channel, language=language
        ).first()
        if own is not None:
            return own.subject, own.body
    subject, email_body, sms_body = DEFAULTS[Kind(kind)][
        language if language in ("vi", "en") else "vi"
    ]
    return (subject, email_body) if channel == ChannelKind.EMAIL else ("", sms_body)


def template_render(subject: str, body: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render a template pair; plain text, so nothing is HTML-escaped."""

    def render(text: str) -> str:
        return Template("{% autoescape off %}" + text + "{% endautoescape %}").render(
            Context(context)
        )

    return " ".join(render(subject).split()), render(body).strip()


def template_check(subject: str, body: str) -> None:
    try:
        Template(subject)
        Template(body)
    except TemplateSyntaxError as error:
        raise InvalidInput(_("Mẫu không hợp lệ: %(error)s") % {"error": error}) from None


def message_template_save(
    *, actor: User, center: Center, kind: str, channel: str, language: str, subject: str, body: str
) -> MessageTemplate:
    if not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm này được sửa mẫu thông báo."))
    if kind not in Kind.values or channel not in ChannelKind.values or language not in ("vi", "en"):
        raise InvalidInput(_("Loại, kênh hoặc ngôn ngữ của mẫu không hợp lệ."))
    if not body.strip():
        raise InvalidInput(_("Nội dung mẫu không được để trống."))
    if channel == ChannelKind.EMAIL and not subject.strip():
        raise InvalidInput(_("Thư điện tử cần có tiêu đề."))
    template_check(subject, body)
    template, _created = MessageTemplate.objects.update_or_create(
        center=center,
        kind=kind,
        channel=channel,
        language=language,
        defaults={"subject": subject.strip(), "body": body.strip(), "updated_by": actor},
    )
    return template


def message_template_reset(
    *, actor: User, center: Center, kind: str, channel: str, language: str
) -> None:
    """Back to the built-in wording."""
    if not user_has_role(user=actor, center=center, roles=ADMIN_ROLES):
        raise NotAllowed(_("Chỉ quản trị của trung tâm này được sửa mẫu thông báo."))
    MessageTemplate.objects.filter(
        center=center, kind=kind, channel=channel, language=language
    ).delete()


# --- Enqueue --------------------------------------------------------------------------------


def normalize_recipient(channel: str, recipient: str) -> str:
    recipient = (recipient or "").strip()
    if channel == ChannelKind.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise InvalidInput(
                _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": recipient}
            ) from None
        return recipient.lower()
    phone = normalize_phone(recipient)
    if not ANY_PHONE.match(phone):
        raise InvalidInput(_("Số điện thoại “%(value)s” không hợp lệ.") % {"value": recipient})
    return phone


def opt_out_url(recipient: str) -> str:
    token = signing.dumps(recipient, salt=OPT_OUT_SALT)
    return f"{settings.SITE_URL.rstrip('/')}/notifications/opt-out/{token}/"


def notification_enqueue(
    *,
    center: Center | None,
    kind: str,
    channel: str,
    recipient: str,
    context: dict[str, Any],
    idempotency_key: str,
    language: str = "vi",
) -> Message:
    """Write the message in the caller's transaction; it is sent after the commit.

    The same ``idempotency_key`` (one per cause) always gives the same single message.
    """
    if kind not in Kind.values or channel not in ChannelKind.values:
        raise InvalidInput(_("Loại hoặc kênh thông báo không hợp lệ."))
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    recipient = normalize_recipient(channel, recipient)
    essential = kind not in NON_ESSENTIAL_KINDS
    full_context = {"center_name": center.name if center else "", **context}
    if not essential:
        full_context["opt_out_url"] = opt_out_url(recipient)
    subject, body = template_render(
        *template_text(center=center, kind=kind, channel=channel, language=language), full_context
    )
    opted_out = not essential and OptOut.objects.filter(recipient=recipient).exists()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                center=center,
                kind=kind,
                channel=channel,
                recipient=recipient,
                language=language,
                subject=subject[:200],
                body=body,
                essential=essential,
                idempotency_key=idempotency_key,
                status=Message.Status.SUPPRESSED if opted_out else Message.Status.PENDING,
            )
    except IntegrityError:
        # Another transaction wrote the same cause first: that one is the message.
        return Message.objects.get(idempotency_key=idempotency_key)
    if message.status == Message.Status.PENDING:
        transaction.on_commit(lambda: _schedule(message.pk))
    return message


def _schedule(message_id: int, run_after: datetime | None = None) -> None:
    from django.tasks import task_backends

    from motcua.notifications.tasks import deliver_message

    try:
        if run_after is not None:
            if not task_backends["default"].supports_defer:
                return  # picked up by notifications_flush when due
            deliver_message.using(run_after=run_after).enqueue(message_id)
        else:
            deliver_message.enqueue(message_id)
    except Exception:
        # The row is safe in the outbox; notifications_flush will send it.
        logger.exception("could not schedule message %s", message_id)


# --- Delivery -------------------------------------------------------------------------------


def message_deliver(*, message_id: int, now: datetime | None = None) -> str:
    """Try to hand one due message to its provider. Returns what happened."""
    now = now or timezone.now()
    claimed = Message.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=message_id,
        status=Message.Status.PENDING,
    ).update(status=Message.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return "skipped"
    message = Message.objects.get(pk=message_id)
    channel = channel_for(message.channel)
    try:
        reference = channel.send(
            Outgoing(
                recipient=message.recipient,
                subject=message.subject,
                body=message.body,
                reference=message.idempotency_key,
            )
        )
    except DeliveryError as error:
        return _record_failure(message, str(error), permanent=error.permanent, now=now)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.SHOWN if channel.shows_only else Message.Status.SENT,
            sent_at=now,
            next_attempt_at=None,
            last_error="",
            provider_reference=reference[:200],
        )
        DeliveryAttempt.objects.create(message=message, ok=True)
    return "shown" if channel.shows_only else "sent"


def _record_failure(message: Message, error: str, *, permanent: bool, now: datetime) -> str:
    give_up = permanent or message.attempts >= MAX_ATTEMPTS
    next_attempt = None if give_up else now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED if give_up else Message.Status.PENDING,
            next_attempt_at=next_attempt,
            last_error=error[:2000],
        )
        DeliveryAttempt.objects.create(message=message, ok=False, error=error[:2000])
    logger.warning("message %s not delivered (attempt %s): %s", message.pk, message.attempts, error)
    if next_attempt is not None:
        _schedule(message.pk, run_after=next_attempt)
        return "retry"
    return "failed"


def notifications_flush(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send every due message: new ones whose task was lost, retries that are due, and ones
    whose worker died while sending (their lease ran out). Safe to run from several places."""
    now = now or timezone.now()
    Message.objects.filter(status=Message.Status.SENDING, next_attempt_at__lt=now).update(
        status=Message.Status.PENDING
    )
    due = list(
        Message.objects.filter(status=Message.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for message_id in due:
        outcome = message_deliver(message_id=message_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def message_retry(*, actor: User, message: Message) -> Message:
    """Staff send a failed message again (a full new series of attempts)."""
    if message.center is None or not user_has_role(
        user=actor, center=message.center, roles=[*ADMIN_ROLES, Role.RECEPTIONIST]
    ):
        raise NotAllowed(_("Bạn không có quyền gửi lại thông báo này."))
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update(
        status=Message.Status.PENDING, attempts=0, next_attempt_at=None
    )
    if not updated:
        raise InvalidInput(_("Chỉ gửi lại được thông báo đã gửi không được."))
    transaction.on_commit(lambda: _schedule(message.pk))
    message.refresh_from_db()
    return message


# --- Opting out -----------------------------------------------------------------------------


def recipient_from_opt_out_token(token: str) -> str:
    try:
        return str(signing.loads(token, salt=OPT_OUT_SALT))
    except signing.BadSignature:
        raise InvalidInput(_("Đường dẫn từ chối nhận thông báo không hợp lệ.")) from None


def recipient_opt_out(*, token: str) -> str:
    """The citizen holding the link asks for no more non-essential messages."""
    recipient = recipient_from_opt_out_token(token)
    OptOut.objects.get_or_create(recipient=recipient)
    Message.objects.filter(
        recipient=recipient, essential=False, status=Message.Status.PENDING
    ).update(status=Message.Status.SUPPRESSED)
    return recipient
