"""Forms of the queue screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PairForm(forms.Form):
    token = forms.CharField(
        label=_("Mã thiết bị"),
        max_length=200,
        strip=True,
        help_text=_("Mã do quản trị trung tâm tạo trong trang quản trị (chỉ hiện một lần)."),
        error_messages={"required": _("Hãy dán mã thiết bị.")},
    )
