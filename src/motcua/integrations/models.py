"""Integrations: the outbox of deliveries to other systems (the National Public Service Portal,
webhooks), dossiers pulled from the portal, the sync cursors, webhook subscriptions and the
centers' signing certificates."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier
from motcua.organization.models import Center


class EventType(models.TextChoices):
    """What a webhook subscription may ask for (all derived from the dossier's events)."""

    DOSSIER_SUBMITTED = "dossier.submitted", _("Có hồ sơ mới (mọi kênh)")
    DOSSIER_RECEIVED = "dossier.received", _("Hồ sơ được tiếp nhận")
    DOSSIER_STATUS_CHANGED = "dossier.status_changed", _("Hồ sơ đổi trạng thái")
    DOSSIER_RESULT_READY = "dossier.result_ready", _("Hồ sơ đã có kết quả")


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """Another system of the province asks to be told (HTTP POST, signed) of a center's events."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name=_("trung tâm")
    )
    event_type = models.CharField(_("sự kiện"), max_length=40, choices=EventType.choices)
    url = models.URLField(_("địa chỉ nhận (URL)"), max_length=500)
    secret = models.CharField(
        _("khóa ký (HMAC-SHA256)"),
        max_length=100,
        default=_new_secret,
        help_text=_("Bên nhận dùng khóa này để kiểm tra chữ ký của mỗi lần gửi."),
    )
    description = models.CharField(_("mô tả"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đăng ký nhận sự kiện (webhook)")
        verbose_name_plural = _("đăng ký nhận sự kiện (webhook)")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "event_type", "url"], name="webhook_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.url}"


class OutboxItem(models.Model):
    """One delivery to another system, written in the transaction of the change it reports.

    Items with the same ``ordering_key`` (one dossier's changes to the portal, or to one
    webhook) are delivered one after another in ``pk`` order: an item is not sent while an
    earlier one of its key is not delivered (a dead one holds the later ones back until staff
    send it again)."""

    class Kind(models.TextChoices):
        PORTAL_STATUS = "portal_status", _("Cổng DVCQG: trạng thái hồ sơ")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        DELIVERED = "delivered", _("Đã gửi")
        DEAD = "dead", _("Gửi không được")

    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name=_("trung tâm")
    )
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subscription = models.ForeignKey(
        WebhookSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=40, blank=True, default="")
    ordering_key = models.CharField(max_length=100)
    # The n-th item of its ordering key (1, 2, 3…): the portal checks it.
    sequence = models.PositiveIntegerField(default=1)
    # Sent as the Idempotency-Key header: the receiver keeps one copy per key.
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    # Pending: not before this time (a retry's back-off); sending: the claim's lease ends.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mục chờ gửi liên thông")
        verbose_name_plural = _("mục chờ gửi liên thông")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["ordering_key", "status"], name="outbox_order_idx"),
            models.Index(fields=["center", "status"], name="outbox_center_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ordering_key", "sequence"], name="outbox_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ordering_key}#{self.sequence} ({self.status})"


class PortalInbound(models.Model):
    """A dossier submitted on the portal, pulled once: its portal id is never created twice."""

    portal_id = models.CharField(max_length=100, unique=True)
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="portal_inbound"
    )
    # Why it could not be created (tried again at every pull while it has no dossier).
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    created_dossier_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hồ sơ nhận từ Cổng DVCQG")
        verbose_name_plural = _("hồ sơ nhận từ Cổng DVCQG")

    def __str__(self) -> str:
        return self.portal_id


class SyncCursor(models.Model):
    """Where the last pull stopped (``submitted:<unit code>``, ``catalog``)."""

    name = models.CharField(max_length=100, unique=True)
    value = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class CenterCertificate(models.Model):
    """The center's signing certificate: a PKCS#12 file (itself encrypted with its passphrase);
    the passphrase is kept encrypted with a key derived from the server's secret key; the
    authority's certificate is the trust root signatures are checked against."""

    center = models.OneToOneField(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name=_("trung tâm")
    )
    p12 = models.BinaryField(_("tệp PKCS#12"))
    passphrase_encrypted = models.TextField(blank=True, default="")
    trust_root_pem = models.TextField(
        _("chứng thư của tổ chức cấp (PEM)"),
        help_text=_("Chứng thư gốc dùng để kiểm tra chữ ký trên trang tra cứu."),
    )
    subject = models.CharField(_("chủ thể"), max_length=300, blank=True, default="")
    not_after = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    is_active = models.BooleanField(_("dùng để ký"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chứng thư ký số của trung tâm")
        verbose_name_plural = _("chứng thư ký số của trung tâm")

    def __str__(self) -> str:
        return self.subject or str(self.center_id)
