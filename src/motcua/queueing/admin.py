"""Admin of the queue: each center's services, priority groups and calling policy (scoped to
the center's admins); tickets are read-only here (their history is in the events)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.organization.admin import CenterScopedAdmin, admin_centers
from motcua.organization.models import Counter
from motcua.queueing.models import PriorityGroup, QueuePolicy, QueueService, Ticket, TicketEvent


@admin.register(QueuePolicy)
class QueuePolicyAdmin(CenterScopedAdmin):
    list_display = ["center", "priority_mode", "interleave_every", "recall_limit", "remote_enabled"]


@admin.register(PriorityGroup)
class PriorityGroupAdmin(CenterScopedAdmin):
    list_display = ["name", "code", "center", "order", "is_active"]
    list_filter = ["center", "is_active"]


@admin.register(QueueService)
class QueueServiceAdmin(CenterScopedAdmin):
    list_display = [
        "name",
        "code",
        "center",
        "prefix",
        "number_start",
        "number_end",
        "daily_cap",
        "is_active",
    ]
    list_filter = ["center", "is_active"]
    filter_horizontal = ["fields", "counters"]
    autocomplete_fields = ["procedures"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "counters" and not request.user.is_superuser:
            kwargs["queryset"] = Counter.objects.filter(center__in=admin_centers(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "counter", "official", "note"]
    readonly_fields = ["at", "action", "from_status", "to_status", "counter", "official", "note"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(CenterScopedAdmin):
    list_display = ["display", "service", "day", "status", "priority_group", "counter", "issued_at"]
    list_filter = ["center", "day", "status"]
    inlines = [TicketEventInline]
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
