"""The outbox: every SMS and email is a row written with the change that causes it, then sent
by a background task, retried with back-off, and never sent twice for one cause."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.organization.models import Center


class Kind(models.TextChoices):
    QUEUE_POSITION = "queue_position", _("Sắp đến lượt")
    APPOINTMENT_CONFIRMED = "appointment_confirmed", _("Xác nhận lịch hẹn")
    APPOINTMENT_REMINDER = "appointment_reminder", _("Nhắc lịch hẹn")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Hủy lịch hẹn")
    DOSSIER_REGISTERED = "dossier_registered", _("Đã nhận hồ sơ trực tuyến")
    DOSSIER_RECEIVED = "dossier_received", _("Đã tiếp nhận hồ sơ")
    DOSSIER_REFUSED = "dossier_refused", _("Từ chối tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    APOLOGY_NEW_DATE = "apology_new_date", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RATING_INVITATION = "rating_invitation", _("Mời đánh giá mức độ hài lòng")
    DOSSIER_DUE_SOON = "dossier_due_soon", _("Hồ sơ sắp đến hạn (cho cán bộ)")
    RATING_DISSATISFIED = "rating_dissatisfied", _("Công dân không hài lòng (cho lãnh đạo)")
    FEEDBACK_RECEIVED = "feedback_received", _("Đã nhận góp ý, phản ánh")
    FEEDBACK_ANSWERED = "feedback_answered", _("Trả lời góp ý, phản ánh")


# Messages a citizen may opt out of; the others are part of the legal procedure.
NON_ESSENTIAL_KINDS = frozenset(
    {Kind.QUEUE_POSITION, Kind.APPOINTMENT_REMINDER, Kind.RATING_INVITATION}
)


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class MessageTemplate(models.Model):
    """A center's own wording of a message (the built-in wording is used where there is none)."""

    center = models.ForeignKey(
        Center,
        on_delete=models.CASCADE,
        related_name="message_templates",
        verbose_name=_("trung tâm"),
    )
    kind = models.CharField(_("loại thông báo"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=ChannelKind.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("tiêu đề"), max_length=200, blank=True, default="")
    body = models.TextField(_("nội dung"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "kind", "channel", "language"], name="message_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.center.code} {self.kind} {self.channel} {self.language}"


class Message(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không được")
        SUPPRESSED = "suppressed", _("Không gửi (người nhận từ chối)")
        SHOWN = "shown", _("Hiển thị (chế độ thử)")

    center = models.ForeignKey(
        Center, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(_("loại thông báo"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=ChannelKind.choices)
    recipient = models.CharField(_("người nhận"), max_length=254)
    language = models.CharField(max_length=8, default="vi")
    subject = models.CharField(_("tiêu đề"), max_length=200, blank=True, default="")
    body = models.TextField(_("nội dung"))
    essential = models.BooleanField(default=True)
    # One message per cause: the service that causes it names it (e.g. "dossier:42:received:sms").
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, default="")
    provider_reference = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    """Each try to hand a message to its provider, kept for staff to see why it failed."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["message", "at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else self.error[:60]}"


class OptOut(models.Model):
    """A recipient who asked for no more non-essential messages."""

    recipient = models.CharField(max_length=254, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("từ chối nhận thông báo")
        verbose_name_plural = _("từ chối nhận thông báo")

    def __str__(self) -> str:
        return self.recipient
