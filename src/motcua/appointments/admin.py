"""Admin of appointments, scoped to each center's admins: the booking policy, the weekly
availability and closures (after a change that leaves bookings without a place, a warning links
to the staff's list of them: nothing is cancelled by itself), and the bookings read-only with
their history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.appointments.models import (
    Appointment,
    AppointmentEvent,
    Availability,
    BookingPolicy,
    Closure,
)
from motcua.appointments.selectors import appointments_without_slot
from motcua.organization.admin import CenterScopedAdmin, admin_centers
from motcua.organization.models import Center
from motcua.organization.selectors import center_now, center_week
from motcua.queueing.models import QueueService


def _services_for(request: HttpRequest) -> QuerySet[QueueService]:
    services = QueueService.objects.select_related("center")
    if request.user.is_superuser:
        return services
    return services.filter(center__in=admin_centers(request))


def warn_lost_bookings(request: HttpRequest, centers: set[Center]) -> None:
    """After a change of availability or closures: say how many bookings have no place now, and
    link to the staff's list of them."""
    now = timezone.now()
    for center in sorted(centers, key=lambda c: c.name):
        count = len(appointments_without_slot(center, now))
        if not count:
            continue
        url = (
            reverse("appointments:staff-day")
            + "?"
            + urlencode({"center": center.code, "problems": "1"})
        )
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("%(center)s: %(n)s lịch hẹn đã đặt không còn khung giờ:")
                % {"center": center.name, "n": count},
                url,
                _("xem danh sách"),
            ),
        )


class _LostBookingsWarning(CenterScopedAdmin):
    """Warns after saving or deleting when bookings were left without a place."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        warn_lost_bookings(request, {obj.center})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        center = obj.center
        super().delete_model(request, obj)
        warn_lost_bookings(request, {center})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        centers = {row.center for row in queryset.select_related("center")}
        super().delete_queryset(request, queryset)
        warn_lost_bookings(request, centers)


@admin.register(BookingPolicy)
class BookingPolicyAdmin(CenterScopedAdmin):
    list_display = [
        "center",
        "enabled",
        "earliest_days_ahead",
        "horizon_days",
        "hold_minutes",
        "checkin_before_minutes",
        "checkin_after_minutes",
    ]
    list_filter = ["enabled"]
    fieldsets = [
        (None, {"fields": ["center", "enabled"]}),
        (
            gettext_lazy("Thời gian được đặt"),
            {"fields": ["earliest_days_ahead", "horizon_days", "same_day_cutoff_minutes"]},
        ),
        (
            gettext_lazy("Giữ chỗ, hủy và đến lấy số"),
            {
                "fields": [
                    "hold_minutes",
                    "release_delay_minutes",
                    "checkin_before_minutes",
                    "checkin_after_minutes",
                ]
            },
        ),
        (
            gettext_lazy("Chống đặt tràn và dữ liệu cá nhân"),
            {"fields": ["bookings_per_ip_per_hour", "consent_text"]},
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["center"] if obj is not None else []


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = [
            "service",
            "weekday",
            "start",
            "end",
            "slot_minutes",
            "capacity",
            "valid_from",
            "valid_until",
            "is_active",
        ]
        help_texts = {
            "capacity": gettext_lazy(
                "Thường bằng số quầy phục vụ dịch vụ này cùng lúc; giảm xuống không hủy lịch đã "
                "đặt (những lịch vượt chỗ được liệt kê để cán bộ xử lý)."
            ),
            "is_active": gettext_lazy(
                "Bỏ chọn để ngừng nhận hẹn; lịch đã đặt vẫn giữ nguyên và được liệt kê để xử lý."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            raise forms.ValidationError(_("Giờ bắt đầu phải trước giờ kết thúc."))
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_from > valid_until:
            raise forms.ValidationError(_("Ngày bắt đầu áp dụng phải trước ngày kết thúc."))
        return data


@admin.register(Availability)
class AvailabilityAdmin(_LostBookingsWarning):
    """The center is the service's: an admin picks one of their centers' services."""

    form = AvailabilityForm
    list_display = [
        "service",
        "center",
        "weekday",
        "start",
        "end",
        "slot_minutes",
        "capacity",
        "valid_from",
        "valid_until",
        "is_active",
    ]
    list_filter = [
        ("center", admin.RelatedOnlyFieldListFilter),
        ("service", admin.RelatedOnlyFieldListFilter),
        "weekday",
        "is_active",
    ]
    list_select_related = ["center", "service"]
    ordering = ["center", "service", "weekday", "start"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = _services_for(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Availability, form: Any, change: bool) -> None:
        obj.center = obj.service.center
        super().save_model(request, obj, form, change)
        week, _standard = center_week(center=obj.center)
        if obj.is_active and not any(
            start <= obj.start and obj.end <= end for start, end in week[obj.weekday]
        ):
            messages.warning(
                request,
                _(
                    "Khung giờ %(start)s–%(end)s nằm ngoài giờ làm việc của trung tâm vào ngày "
                    "này; hãy kiểm tra lại."
                )
                % {"start": f"{obj.start:%H:%M}", "end": f"{obj.end:%H:%M}"},
            )


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["center", "service", "start", "end", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        center, service = data.get("center"), data.get("service")
        if center and service and service.center_id != center.pk:
            self.add_error("service", _("Dịch vụ này không thuộc trung tâm đã chọn."))
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            raise forms.ValidationError(_("Thời điểm bắt đầu phải trước thời điểm kết thúc."))
        return data


@admin.register(Closure)
class ClosureAdmin(_LostBookingsWarning):
    form = ClosureForm
    list_display = ["reason", "center", "service", "local_start", "local_end"]
    list_filter = [
        ("center", admin.RelatedOnlyFieldListFilter),
        ("service", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["center", "service"]
    search_fields = ["reason"]
    date_hierarchy = "start"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = _services_for(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("từ"), ordering="start")
    def local_start(self, obj: Closure) -> str:
        return f"{center_now(center=obj.center, now=obj.start):%H:%M %d/%m/%Y}"

    @admin.display(description=gettext_lazy("đến"), ordering="end")
    def local_end(self, obj: Closure) -> str:
        return f"{center_now(center=obj.center, now=obj.end):%H:%M %d/%m/%Y}"


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["at", "action", "from_status", "to_status", "actor", "note"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(CenterScopedAdmin):
    """Read-only: bookings change only through their services (the staff pages, the API)."""

    list_display = ["code", "local_start", "service", "center", "name", "phone", "status", "source"]
    list_filter = [("center", admin.RelatedOnlyFieldListFilter), "status", "source", "day"]
    list_select_related = ["center", "service"]
    search_fields = ["code", "name", "phone", "id_number"]
    date_hierarchy = "day"
    inlines = [AppointmentEventInline]
    exclude = ["secret_hash"]
    readonly_fields = [f.name for f in Appointment._meta.fields if f.name != "secret_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("giờ hẹn"), ordering="start")
    def local_start(self, obj: Appointment) -> str:
        return f"{center_now(center=obj.center, now=obj.start):%H:%M %d/%m/%Y}"
