"""Admin of the dossiers' rules, scoped to each center's admins: how a supplement asked during
processing counts (restart from zero, as Decree 61 art. 19(4) says, or pause and resume)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.dossiers.models import DossierPolicy
from motcua.organization.admin import CenterScopedAdmin


@admin.register(DossierPolicy)
class DossierPolicyAdmin(CenterScopedAdmin):
    list_display = ["center", "supplement_mode"]
    list_filter = ["supplement_mode"]
    list_select_related = ["center"]
    fields = ["center", "supplement_mode"]
    radio_fields = {"supplement_mode": admin.VERTICAL}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["center"] if obj is not None else []
