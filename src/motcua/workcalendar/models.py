"""Admin overrides of the national holiday calendar: an extra day off or an extra working day.

An override is national (``center_code`` empty) or for one center; the center's own override
wins over a national one, which wins over the ``holidays`` package. Kept by center code rather
than a foreign key because this app is the lowest layer and imports no other.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc")

    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    center_code = models.CharField(
        _("mã trung tâm"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Để trống: áp dụng cho cả nước."),
    )
    name = models.CharField(_("lý do"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ngày điều chỉnh lịch")
        verbose_name_plural = _("ngày điều chỉnh lịch")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "center_code"], name="calendar_override_unique")
        ]

    def __str__(self) -> str:
        scope = self.center_code or "VN"
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} ({scope})"
