"""Integrations in the admin: webhook subscriptions and the signing certificate, per center (each
admin sees only the centers they administer); the outbox and the portal's dossiers read-only
(staff follow and retry at /staff/integrations/outbox/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.errors import ServiceError
from motcua.integrations.certificates import certificate_check
from motcua.integrations.models import (
    CenterCertificate,
    OutboxItem,
    PortalInbound,
    WebhookSubscription,
)
from motcua.integrations.services import center_certificate_set
from motcua.organization.admin import CenterScopedAdmin


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(CenterScopedAdmin):
    list_display = ["center", "event_type", "url", "is_active", "created_at"]
    list_filter = ["event_type", "is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "created_at"]
    fields = ["center", "event_type", "url", "description", "is_active", "secret", "created_at"]


class CenterCertificateForm(forms.ModelForm):
    p12_file = forms.FileField(
        label=_("Tệp PKCS#12 (.p12, .pfx)"),
        required=False,
        help_text=_("Để trống khi sửa nếu không thay tệp."),
    )
    passphrase = forms.CharField(
        label=_("Mật khẩu của tệp"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = CenterCertificate
        fields = ["center", "trust_root_pem", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trust_root_pem"].required = False
        self.fields["trust_root_pem"].help_text = _(
            "Để trống: dùng chứng thư gốc có sẵn trong tệp PKCS#12."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("p12_file")
        if upload is None and self.instance.pk is None:
            raise forms.ValidationError(_("Hãy chọn tệp PKCS#12."))
        if upload is not None:
            cleaned["p12_bytes"] = upload.read()
            try:
                certificate_check(
                    cleaned["p12_bytes"],
                    cleaned.get("passphrase") or "",
                    cleaned.get("trust_root_pem") or "",
                )
            except ServiceError as error:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(CenterCertificate)
class CenterCertificateAdmin(CenterScopedAdmin):
    form = CenterCertificateForm
    list_display = ["center", "subject", "not_after", "is_active", "updated_at"]
    readonly_fields = ["subject", "not_after", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if "p12_bytes" not in data:
            # Only the switch or the trust root changed.
            super().save_model(request, obj, form, change)
            return
        # Checked by the form's clean(); the admin may only pick centers they administer.
        row = center_certificate_set(
            actor=None,
            center=data["center"],
            p12=data["p12_bytes"],
            passphrase=data.get("passphrase") or "",
            trust_root_pem=data.get("trust_root_pem") or "",
        )
        obj.pk = row.pk
        row.is_active = data.get("is_active", True)
        row.save(update_fields=["is_active"])


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "center", "ordering_key", "sequence", "status", "attempts"]
    list_filter = ["kind", "status"]
    search_fields = ["ordering_key", "idempotency_key"]


@admin.register(PortalInbound)
class PortalInboundAdmin(ReadOnlyAdmin):
    list_display = ["portal_id", "center", "dossier", "attempts", "error", "first_seen_at"]
    search_fields = ["portal_id"]
