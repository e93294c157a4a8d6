"""Queue services, priority groups, the center's calling policy, tickets and their events."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Field, Procedure
from motcua.organization.models import Center, Counter
from motcua.queueing.workflow import Status


class QueuePolicy(models.Model):
    """How a center calls tickets (one row per center, made with defaults when first needed)."""

    class PriorityMode(models.TextChoices):
        STRICT = "strict", _("Ưu tiên tuyệt đối (gọi người ưu tiên trước)")
        INTERLEAVE = "interleave", _("Xen kẽ (một người ưu tiên sau mỗi N người thường)")

    center = models.OneToOneField(Center, on_delete=models.CASCADE, related_name="queue_policy")
    priority_mode = models.CharField(
        _("cách gọi người ưu tiên"),
        max_length=16,
        choices=PriorityMode.choices,
        default=PriorityMode.STRICT,
    )
    interleave_every = models.PositiveSmallIntegerField(
        _("số người thường giữa hai người ưu tiên"), default=2, validators=[MinValueValidator(1)]
    )
    recall_limit = models.PositiveSmallIntegerField(
        _("số lần gọi lại tối đa"), default=2, validators=[MaxValueValidator(10)]
    )
    remote_enabled = models.BooleanField(_("cho lấy số từ xa (điện thoại)"), default=False)
    remote_per_phone_per_day = models.PositiveSmallIntegerField(
        _("số phiếu từ xa mỗi số điện thoại mỗi ngày"), default=1, validators=[MinValueValidator(1)]
    )
    default_service_minutes = models.PositiveSmallIntegerField(
        _("thời gian phục vụ ước tính (phút)"), default=8, validators=[MinValueValidator(1)]
    )
    notice = models.CharField(
        _("dòng thông báo trên màn hình"), max_length=300, blank=True, default=""
    )

    class Meta:
        verbose_name = _("cách gọi số")
        verbose_name_plural = _("cách gọi số")

    def __str__(self) -> str:
        return str(self.center)


class PriorityGroup(models.Model):
    """A group served first (elderly, disabled, pregnant or with a small child, meritorious)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="priority_groups")
    code = models.SlugField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=100)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("nhóm ưu tiên")
        verbose_name_plural = _("nhóm ưu tiên")
        ordering = ["center", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="priority_group_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class QueueService(models.Model):
    """What the kiosk offers: a line of tickets with its own numbering, hours and counters."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="queue_services")
    code = models.SlugField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=120)
    order = models.PositiveSmallIntegerField(_("thứ tự trên ki-ốt"), default=0)
    fields = models.ManyToManyField(
        Field, blank=True, related_name="queue_services", verbose_name=_("lĩnh vực")
    )
    procedures = models.ManyToManyField(
        Procedure, blank=True, related_name="queue_services", verbose_name=_("thủ tục")
    )
    prefix = models.CharField(
        _("chữ đầu số"),
        max_length=2,
        blank=True,
        default="",
        validators=[RegexValidator(r"^[A-Z]{0,2}$", _("Một hoặc hai chữ in hoa, hoặc để trống."))],
    )
    number_start = models.PositiveIntegerField(_("số bắt đầu"), default=1)
    number_end = models.PositiveIntegerField(_("số kết thúc"), default=999)
    daily_cap = models.PositiveIntegerField(_("số phiếu tối đa mỗi ngày"), null=True, blank=True)
    issue_from = models.TimeField(_("phát số từ"), null=True, blank=True)
    issue_until = models.TimeField(_("phát số đến"), null=True, blank=True)
    counters = models.ManyToManyField(
        Counter, blank=True, related_name="queue_services", verbose_name=_("quầy phục vụ")
    )
    allow_remote = models.BooleanField(_("cho lấy số từ xa"), default=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("dịch vụ xếp hàng")
        verbose_name_plural = _("dịch vụ xếp hàng")
        ordering = ["center", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="queue_service_code_unique"),
            models.CheckConstraint(
                condition=Q(number_start__lte=models.F("number_end")), name="queue_service_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def format_number(self, number: int) -> str:
        """1005 → "1005"; with prefix A: 15 → "A015" (three digits at least)."""
        if self.prefix:
            return f"{self.prefix}{number:03d}"
        return str(number)


class TicketSequence(models.Model):
    """The last number issued for a service on a day: locked and bumped by each issue."""

    service = models.ForeignKey(QueueService, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    # The time of the last ticket issued: a ticket is never issued "earlier" than the one
    # before it (queueing.services._issue_row), whatever the clocks of the processes say.
    last_issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="ticket_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}: {self.last_number}"


class Ticket(models.Model):
    class Source(models.TextChoices):
        KIOSK = "kiosk", _("Ki-ốt")
        REMOTE = "remote", _("Từ xa")
        STAFF = "staff", _("Cán bộ cấp")

    class Outcome(models.TextChoices):
        DOSSIER_RECEIVED = "dossier_received", _("Đã tiếp nhận hồ sơ")
        ADVICE = "advice", _("Chỉ hướng dẫn")
        REFERRED = "referred", _("Chuyển nơi khác")

    STATUS_CHOICES = [(s, s) for s in Status.ALL]

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="tickets")
    # The line the ticket waits in now (a transfer changes it) and the one that gave its number.
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="tickets")
    issued_service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("ngày"), db_index=True)
    number = models.PositiveIntegerField(_("số"))
    display = models.CharField(_("số hiển thị"), max_length=12)
    token = models.CharField(max_length=32, unique=True)
    priority_group = models.ForeignKey(
        PriorityGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    appointment_code = models.CharField(max_length=32, blank=True, default="")
    # The booked time of a checked-in appointment: from then on the ticket is called first.
    appointment_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.KIOSK)
    phone = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=Status.WAITING)
    # Only this counter may call it (a transfer to a named counter); null: any serving counter.
    target_counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recalls = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    issued_at = models.DateTimeField(db_index=True)
    called_at = models.DateTimeField(null=True, blank=True)
    serving_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phiếu số")
        verbose_name_plural = _("phiếu số")
        ordering = ["day", "issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issued_service", "day", "number"], name="ticket_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["center", "day", "status"], name="ticket_queue_idx"),
            # The people ahead of a ticket (queueing.selectors.ticket_ahead).
            models.Index(fields=["service", "day", "status"], name="ticket_line_idx"),
            # The service's recent mean service time (queueing.selectors.mean_service_minutes).
            models.Index(fields=["service", "status", "finished_at"], name="ticket_served_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display} ({self.status})"

    @property
    def is_priority(self) -> bool:
        return self.priority_group_id is not None


class TicketEvent(models.Model):
    """Every transition of a ticket, appended and never changed: the basis of queue statistics."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField(db_index=True)
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.display} {self.action} {self.from_status}→{self.to_status}"


class CounterState(models.Model):
    """Who works a counter now, and whether it is open or paused for a break."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang mở")
        PAUSED = "paused", _("Tạm nghỉ")
        CLOSED = "closed", _("Đóng")

    counter = models.OneToOneField(Counter, on_delete=models.CASCADE, related_name="state")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLOSED)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.counter} {self.status}"
