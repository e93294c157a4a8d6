"""Admin of the dossier survey's questions: a center admin adds and edits their own center's
questions; questions asked everywhere (no center) are the superuser's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.feedback.models import SurveyQuestion
from motcua.organization.admin import CenterScopedAdmin


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(CenterScopedAdmin):
    list_display = ["text", "kind", "center", "order", "required", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["center"]
    fields = ["center", "order", "text", "text_en", "kind", "required", "active"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "center" in form.base_fields:
            # Only the superuser writes questions asked at every center.
            form.base_fields["center"].required = True
        return form
