"""Admin of calendar overrides: national ones by superusers, a center's by its admins.

Registered from ``organization.admin`` (this app is the lowest layer and knows no centers).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from motcua.workcalendar.models import CalendarOverride


class CalendarOverrideAdmin(admin.ModelAdmin):
    """``admin_center_codes(request)`` gives the codes of the centers the user administers."""

    admin_center_codes: Any = staticmethod(lambda request: [])

    list_display = ["date", "kind", "center_code", "name"]
    list_filter = ["kind", "center_code"]
    date_hierarchy = "date"

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or bool(self.admin_center_codes(request))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None or request.user.is_superuser:
            return self._allowed(request)
        return obj.center_code in self.admin_center_codes(request)

    has_delete_permission = has_change_permission

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Center admins see the national days (read-only) and their own centers' days.
        return queryset.filter(
            Q(center_code="") | Q(center_code__in=self.admin_center_codes(request))
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "center_code" in form.base_fields:
            codes = self.admin_center_codes(request)
            form.base_fields["center_code"] = forms.ChoiceField(
                choices=[(code, code) for code in codes],
                label=form.base_fields["center_code"].label,
            )
        return form

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool
    ) -> None:
        if obj.created_by_id is None:
            obj.created_by = request.user  # type: ignore[assignment]  # behind the admin log-in
        super().save_model(request, obj, form, change)
