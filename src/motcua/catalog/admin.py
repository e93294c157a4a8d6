"""Admin of the catalog: fields and procedures (read-only: they come from the national database
by import), and per center the procedures it handles with their internal process."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import (
    CenterProcedure,
    Field,
    Procedure,
    ProcedureVersion,
    ProcessStep,
)
from motcua.organization.admin import CenterScopedAdmin, CenterScopedInline, admin_centers
from motcua.organization.models import Department


class ReadOnlyAdmin(admin.ModelAdmin):
    """National data: looked at here, changed only by importing (which keeps versions)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(Field)
class FieldAdmin(ReadOnlyAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["number", "created_at", "name", "source"]
    readonly_fields = ["number", "created_at", "name", "source"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "online_level", "is_active"]
    list_filter = ["level", "online_level", "fields", "is_active"]
    search_fields = ["code", "name", "search_name"]
    inlines = [VersionInline]


class ProcessStepFormSet(forms.BaseInlineFormSet):
    """The shares of the steps must add up to exactly 100 %."""

    def clean(self) -> None:
        super().clean()
        total = Decimal(0)
        steps = 0
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            try:
                total += Decimal(str(form.cleaned_data.get("share_percent") or 0))
            except InvalidOperation:
                continue
            steps += 1
        if steps and total != Decimal(100):
            raise forms.ValidationError(
                _("Tổng tỷ lệ thời gian các bước là %(total)s%%, phải đúng 100%%.")
                % {"total": format(total.normalize(), "f")}
            )


class ProcessStepInline(CenterScopedInline):
    model = ProcessStep
    formset = ProcessStepFormSet
    extra = 0
    fields = ["order", "name", "role", "department", "share_percent"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(center__in=admin_centers(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CenterProcedure)
class CenterProcedureAdmin(CenterScopedAdmin):
    list_display = ["procedure", "center", "department", "is_active"]
    list_filter = ["center", "is_active", "department"]
    search_fields = ["procedure__code", "procedure__name"]
    autocomplete_fields = ["procedure"]
    inlines = [ProcessStepInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("procedure", "center", "department")
