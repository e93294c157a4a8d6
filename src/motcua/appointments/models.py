"""Appointments: when a center's queue services can be booked (weekly availability, closures,
booking rules), the bookings themselves, and every change as an event."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.appointments.workflow import Status
from motcua.catalog.models import Procedure
from motcua.organization.models import Center, WorkingPeriod
from motcua.queueing.models import QueueService


class BookingPolicy(models.Model):
    """A center's booking rules (one row per center, made with defaults when first needed)."""

    center = models.OneToOneField(Center, on_delete=models.CASCADE, related_name="booking_policy")
    enabled = models.BooleanField(_("nhận đặt lịch hẹn"), default=True)
    earliest_days_ahead = models.PositiveSmallIntegerField(
        _("đặt sớm nhất trước (ngày)"),
        default=1,
        help_text=_("0: đặt được trong ngày; 1: từ ngày mai."),
        validators=[MaxValueValidator(60)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("đặt xa nhất (ngày)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    same_day_cutoff_minutes = models.PositiveSmallIntegerField(
        _("đặt trong ngày: trước giờ hẹn ít nhất (phút)"), default=60
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("giữ chỗ chờ xác nhận (phút)"), default=10, validators=[MinValueValidator(1)]
    )
    release_delay_minutes = models.PositiveSmallIntegerField(
        _("chỗ đã hủy được mở lại sau (phút)"), default=30
    )
    checkin_before_minutes = models.PositiveSmallIntegerField(
        _("đến lấy số sớm nhất trước giờ hẹn (phút)"), default=15
    )
    checkin_after_minutes = models.PositiveSmallIntegerField(
        _("đến lấy số muộn nhất sau giờ hẹn (phút)"), default=10
    )
    bookings_per_ip_per_hour = models.PositiveSmallIntegerField(
        _("số lượt đặt mỗi địa chỉ mạng mỗi giờ"), default=10, validators=[MinValueValidator(1)]
    )
    consent_text = models.TextField(
        _("nội dung đồng ý xử lý dữ liệu cá nhân"),
        blank=True,
        default="",
        help_text=_("Để trống: dùng nội dung mặc định."),
    )

    class Meta:
        verbose_name = _("quy định đặt lịch hẹn")
        verbose_name_plural = _("quy định đặt lịch hẹn")

    def __str__(self) -> str:
        return str(self.center)


class Availability(models.Model):
    """A weekly period when a queue service takes appointments: slots of ``slot_minutes``, each
    taken by up to ``capacity`` citizens at once (the counters that serve them)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="availabilities")
    service = models.ForeignKey(
        QueueService,
        on_delete=models.CASCADE,
        related_name="availabilities",
        verbose_name=_("dịch vụ"),
    )
    weekday = models.PositiveSmallIntegerField(_("thứ"), choices=WorkingPeriod.Weekday.choices)
    start = models.TimeField(_("từ"))
    end = models.TimeField(_("đến"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("mỗi lượt (phút)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("số người mỗi lượt"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_until = models.DateField(_("áp dụng đến"), null=True, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("khung giờ nhận hẹn")
        verbose_name_plural = _("khung giờ nhận hẹn")
        ordering = ["center", "service", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="availability_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Closure(models.Model):
    """A time when a center (or one of its services) takes no appointments: a meeting, a
    power cut, a local holiday. The working calendar's days off need no closure."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="closures")
    service = models.ForeignKey(
        QueueService,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        verbose_name=_("dịch vụ"),
        help_text=_("Để trống: cả trung tâm."),
    )
    start = models.DateTimeField(_("từ"))
    end = models.DateTimeField(_("đến"))
    reason = models.CharField(_("lý do"), max_length=200)

    class Meta:
        verbose_name = _("thời gian tạm ngừng nhận hẹn")
        verbose_name_plural = _("thời gian tạm ngừng nhận hẹn")
        ordering = ["center", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="closure_order"),
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.start:%Y-%m-%d %H:%M}: {self.reason}"


class BookingDay(models.Model):
    """One row per service and day, locked by every booking of that day: capacity and the
    one-booking-per-phone rule are checked under it, so simultaneous bookings queue."""

    service = models.ForeignKey(QueueService, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    bookings = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="booking_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}"


class Appointment(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Trang web")
        STAFF = "staff", _("Cán bộ đặt hộ")
        API = "api", _("Hệ thống khác")

    code = models.CharField(_("mã lịch hẹn"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(
        QueueService,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("dịch vụ"),
    )
    procedure = models.ForeignKey(
        Procedure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("thủ tục"),
    )
    day = models.DateField(_("ngày"), db_index=True)
    start = models.DateTimeField(_("giờ hẹn"), db_index=True)
    end = models.DateTimeField(_("đến"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices)
    name = models.CharField(_("họ tên"), max_length=200)
    phone = models.CharField(_("điện thoại"), max_length=20)
    email = models.EmailField(_("thư điện tử"), blank=True, default="")
    id_number = models.CharField(_("số CCCD"), max_length=12, blank=True, default="")
    consent_at = models.DateTimeField(_("đồng ý lúc"))
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    language = models.CharField(max_length=8, default="vi")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A cancelled slot is offered again only from this time.
    released_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "queueing.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reschedules = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("lịch hẹn")
        verbose_name_plural = _("lịch hẹn")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["service", "day", "status"], name="appointment_day_idx"),
            models.Index(fields=["center", "day"], name="appointment_center_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.start:%Y-%m-%d %H:%M}"

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class AppointmentEvent(models.Model):
    """Every change of an appointment, appended and never changed."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action} {self.from_status}→{self.to_status}"
