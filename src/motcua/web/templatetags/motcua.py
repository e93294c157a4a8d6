"""Small template helpers shared by every screen."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key, "")


@register.filter
def weekday_name(weekday: int) -> str:
    names = [
        _("Thứ Hai"),
        _("Thứ Ba"),
        _("Thứ Tư"),
        _("Thứ Năm"),
        _("Thứ Sáu"),
        _("Thứ Bảy"),
        _("Chủ nhật"),
    ]
    return names[int(weekday)]


@register.filter
def person_name(user: Any) -> str:
    """A Vietnamese name reads family name first: "Trần Văn" + "Minh" → "Trần Văn Minh"."""
    full = " ".join(part for part in (user.last_name, user.first_name) if part)
    return full or user.get_username()
