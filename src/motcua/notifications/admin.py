"""The outbox in the admin (read-only: staff use /staff/messages/ to follow and retry)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.notifications.models import Message, OptOut


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "center"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["recipient", "idempotency_key"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["recipient", "created_at"]
    search_fields = ["recipient"]
