"""Formatting of report cells: counts, rates, minutes, months; a missing figure is a dash."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.formats import number_format

from motcua.reporting.tables import Column

register = template.Library()


@register.filter
def cell(value: Any, column: Column) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if column.kind == "rate" and isinstance(value, int | float):
        return f"{number_format(value, 1)} %"
    if column.kind == "minutes" and isinstance(value, int | float):
        return number_format(value, 1)
    if isinstance(value, date):
        return f"{value:%m/%Y}"
    if isinstance(value, int):
        return number_format(value, 0, force_grouping=True)
    return str(value)


@register.filter
def rate(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value, 1)} %"


@register.filter
def minutes(value: float | None) -> str:
    return "—" if value is None else number_format(value, 1)


@register.filter
def count(value: int | None) -> str:
    return "—" if value is None else number_format(value, 0, force_grouping=True)


@register.filter
def numeric(column: Column) -> bool:
    return column.kind != "text"


@register.filter
def with_columns(row: list[Any], columns: list[Column]) -> list[tuple[Any, Column]]:
    """The row's values, each with its column."""
    return list(zip(row, columns, strict=False))
