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


@register.filter
def vnd(amount: int | None) -> str:
    """8000 → '8.000 đ' (Vietnamese thousands separator)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"


@register.filter
def processing_time(time: Any) -> str:
    """A ProcessingTime as people say it: '3 ngày làm việc', '4 giờ làm việc', 'trong ngày'."""
    if time is None:
        return _("chưa công bố")
    if time.unit == "immediate":
        return _("trong ngày")
    value = format(time.value.normalize(), "f") if hasattr(time.value, "normalize") else time.value
    return f"{value} {time.get_unit_display()}"
