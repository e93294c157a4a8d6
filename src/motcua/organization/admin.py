"""Django admin for the organization, each admin seeing only the centers they administer."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.errors import ServiceError
from motcua.organization.models import (
    Center,
    Counter,
    Department,
    DeviceToken,
    Membership,
    Province,
    Role,
    WorkingPeriod,
)
from motcua.organization.selectors import ADMIN_ROLES, center_list_for_user
from motcua.organization.services import (
    device_token_check,
    device_token_create,
    device_token_revoke,
    membership_check,
    user_sync_staff_flag,
)
from motcua.workcalendar.admin import CalendarOverrideAdmin
from motcua.workcalendar.models import CalendarOverride


def _staff(request: HttpRequest) -> User:
    """The admin is behind log-in: its requests always carry a real user."""
    return cast(User, request.user)


def admin_centers(request: HttpRequest) -> QuerySet[Center]:
    return center_list_for_user(user=request.user, roles=ADMIN_ROLES)


def admin_provinces(request: HttpRequest) -> QuerySet[Province]:
    """Provinces where the user is a province admin (all of them for a superuser)."""
    if request.user.is_superuser:
        return Province.objects.all()
    return Province.objects.filter(
        memberships__user=_staff(request), memberships__role=Role.PROVINCE_ADMIN
    ).distinct()


class CenterScopedAdmin(admin.ModelAdmin):
    """Rows that belong to a center: visible and editable only by that center's admins."""

    center_path = "center"

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or admin_centers(request).exists()
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and (obj is None or self._owns(request, obj))

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def _owns(self, request: HttpRequest, obj: Any) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.center_path}__in": admin_centers(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            centers = admin_centers(request)
            model = db_field.remote_field.model
            if model is Center:
                kwargs["queryset"] = centers
            elif model in (Counter, Department):
                kwargs["queryset"] = model.objects.filter(center__in=centers)
            elif model is Province:
                kwargs["queryset"] = admin_provinces(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "unit_code"]
    search_fields = ["name", "code"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)


class CenterScopedInline(admin.TabularInline):
    """Rows edited inside a center-scoped page: whoever may open the page may edit them (the
    page itself is found only for the admins of its center). Without this Django would ask for
    model permissions, which center admins do not hold."""

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or admin_centers(request).exists()
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


class WorkingPeriodInline(CenterScopedInline):
    model = WorkingPeriod
    extra = 0


class DepartmentInline(CenterScopedInline):
    model = Department
    extra = 0


class CounterInline(CenterScopedInline):
    model = Counter
    extra = 0
    fields = ["number", "name", "department", "is_priority_desk", "is_active"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(center__in=admin_centers(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Center)
class CenterAdmin(CenterScopedAdmin):
    center_path = "pk"
    list_display = ["name", "code", "unit_code", "province", "is_active"]
    list_filter = ["province", "is_active"]
    search_fields = ["name", "code", "unit_code"]
    inlines = [WorkingPeriodInline, DepartmentInline, CounterInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return (
            queryset
            if request.user.is_superuser
            else queryset.filter(pk__in=admin_centers(request))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New centers are created by the province.
        return (
            request.user.is_superuser
            or _staff(request).memberships.filter(role="province_admin").exists()
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A center's identity (its codes and province) is set by the province.
        if (
            obj is not None
            and not request.user.is_superuser
            and not _staff(request)
            .memberships.filter(role="province_admin", province=obj.province)
            .exists()
        ):
            return ["province", "code", "unit_code"]
        return []


@admin.register(Department)
class DepartmentAdmin(CenterScopedAdmin):
    list_display = ["name", "code", "center"]
    list_filter = ["center"]
    search_fields = ["name", "code"]


@admin.register(Counter)
class CounterAdmin(CenterScopedAdmin):
    list_display = ["number", "name", "center", "department", "is_priority_desk", "is_active"]
    list_filter = ["center", "is_priority_desk", "is_active"]
    search_fields = ["name"]


class MembershipForm(forms.ModelForm):
    """Validated by the service's own rules, for the acting admin (``actor`` set per request)."""

    actor: User | None = None

    class Meta:
        model = Membership
        fields = ["user", "role", "center", "province", "department"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or not data.get("role"):
            return data
        try:
            membership_check(
                actor=self.actor,
                role=data["role"],
                center=data.get("center"),
                province=data.get("province"),
                department=data.get("department"),
            )
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None
        return data


def _form_for(form_class: type[forms.ModelForm], request: HttpRequest) -> Any:
    return type(form_class.__name__, (form_class,), {"actor": _staff(request)})


@admin.register(Membership)
class MembershipAdmin(CenterScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "center", "province", "department"]
    list_filter = ["role", "center"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return _form_for(super().get_form(request, obj, change=change, **kwargs), request)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        user_sync_staff_flag(user=obj.user)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        super().delete_model(request, obj)
        user_sync_staff_flag(user=obj.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = list(User.objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for user in users:
            user_sync_staff_flag(user=user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user" and not request.user.is_superuser:
            # Staff of the admin's centers, and accounts that have no role anywhere yet.
            kwargs["queryset"] = manageable_users(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DeviceTokenForm(forms.ModelForm):
    actor: User | None = None

    class Meta:
        model = DeviceToken
        fields = ["center", "purpose", "name", "counter"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.actor is None or not data.get("center"):
            return data
        try:
            device_token_check(
                actor=self.actor,
                center=data["center"],
                purpose=data.get("purpose", ""),
                name=data.get("name", ""),
                counter=data.get("counter"),
            )
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None
        return data


@admin.register(DeviceToken)
class DeviceTokenAdmin(CenterScopedAdmin):
    """Create a token (shown once) and revoke it; a token is never edited."""

    form = DeviceTokenForm
    list_display = [
        "name",
        "purpose",
        "center",
        "counter",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["purpose", "center"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["center", "purpose", "name", "counter"] if obj else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": _staff(request)})

    def save_model(self, request: HttpRequest, obj: DeviceToken, form: Any, change: bool) -> None:
        device, raw = device_token_create(
            actor=_staff(request),
            center=obj.center,
            purpose=obj.purpose,
            name=obj.name,
            counter=obj.counter,
        )
        obj.pk = device.pk
        obj.__dict__.update(device.__dict__)
        self.message_user(
            request,
            _("Mã thiết bị (chỉ hiện một lần, hãy nhập vào thiết bị ngay): %(token)s")
            % {"token": raw},
            level=messages.WARNING,
        )

    @admin.action(description=_("Thu hồi mã thiết bị đã chọn"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DeviceToken]) -> None:
        for device in queryset:
            device_token_revoke(actor=_staff(request), device=device)
        self.message_user(request, _("Đã thu hồi %(n)d mã.") % {"n": queryset.count()})


@admin.register(CalendarOverride)
class CenterCalendarOverrideAdmin(CalendarOverrideAdmin):
    admin_center_codes = staticmethod(
        lambda request: list(admin_centers(request).values_list("code", flat=True))
    )


# --- Staff accounts ---------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    fk_name = "user"
    extra = 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        kwargs["form"] = _form_for(self.form, request)
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(center__in=admin_centers(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            if db_field.name == "center":
                kwargs["queryset"] = admin_centers(request)
            elif db_field.name == "department":
                kwargs["queryset"] = Department.objects.filter(center__in=admin_centers(request))
            elif db_field.name == "province":
                kwargs["queryset"] = admin_provinces(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


admin.site.unregister(User)


def manageable_users(request: HttpRequest) -> QuerySet[User]:
    """Accounts a non-superuser admin may manage: every role they hold is inside the admin's
    scope (a center the admin administers, or a province they are province admin of), plus
    accounts with no role yet. An account with any wider right is out of reach."""
    if request.user.is_superuser:
        return User.objects.all()
    centers = admin_centers(request)
    provinces = admin_provinces(request)
    outside = Membership.objects.filter(
        (Q(center__isnull=False) & ~Q(center__in=centers))
        | (Q(province__isnull=False) & ~Q(province__in=provinces))
    ).values("user_id")
    inside = Membership.objects.filter(Q(center__in=centers) | Q(province__in=provinces)).values(
        "user_id"
    )
    return (
        User.objects.filter(is_superuser=False)
        .exclude(pk__in=outside)
        .filter(Q(pk__in=inside) | Q(memberships__isnull=True))
        .distinct()
    )


@admin.register(User)
class StaffUserAdmin(DjangoUserAdmin):
    """Superusers see every account. A center admin sees the accounts that hold a role at one
    of their centers (and accounts without any role yet, to give them one), cannot see or grant
    superuser rights, and gives roles only at their own centers."""

    inlines = [MembershipInline]
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cá nhân"), {"fields": ("last_name", "first_name", "email")}),
        (_("Trạng thái"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def _is_center_admin(self, request: HttpRequest) -> bool:
        return request.user.is_active and admin_centers(request).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_center_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        if not self._is_center_admin(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    has_change_permission = has_view_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are deactivated, not deleted: their history must keep its actor.
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_center_admin(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=manageable_users(request).values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.limited_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user_sync_staff_flag(user=form.instance)
