"""One statement, compiled once: a model's row joined to the rows of some of its (non-null)
foreign keys, read with plain SQL and turned into model instances the way the ORM does it
(``Model.from_db``, with the backend's and the fields' converters).

For the few lookups made on almost every request (a device token, a public dossier lookup;
docs/performance.md): the ORM compiles a ``select_related`` query anew each time, and for the
device token that was a sixth of a kiosk ticket's CPU. The statement is built from the models'
own metadata, so a new field is read without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, cast

from django.db import connections, models


class JoinedRead[M: models.Model]:
    """``SELECT <the model's columns>, <each related model's columns> FROM model m
    JOIN related … WHERE <where>``.

    ``where`` is SQL with ``%s`` placeholders over the alias ``m`` (the model) and each relation
    under its own name (``center.is_active``), the same on every database: plain column names,
    no vendor syntax. Relations must be non-null foreign keys (an inner join)."""

    def __init__(self, model: type[M], relations: Sequence[str], where: str) -> None:
        self.model = model
        self.fields: list[models.ForeignKey] = []
        for name in relations:
            field = model._meta.get_field(name)
            if not isinstance(field, models.ForeignKey) or field.null:
                raise ValueError(f"{field} is not a non-null foreign key")
            self.fields.append(field)
        self.where = where

    def first(self, params: Sequence[Any], using: str = "default") -> M | None:
        sql, parts = self._compiled(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        instances = []
        start = 0
        for part in parts:
            values = [
                _convert(value, col, converters, connection)
                for value, (col, converters) in zip(
                    row[start : start + len(part.columns)], part.columns, strict=True
                )
            ]
            instances.append(part.model.from_db(using, part.attnames, values))
            start += len(part.columns)
        main, *related = instances
        for field, instance in zip(self.fields, related, strict=True):
            field.set_cached_value(main, instance)
        return cast(M, main)

    @cache  # noqa: B019 - one per statement and database alias, kept for the process
    def _compiled(self, using: str) -> tuple[str, list[_Part]]:
        connection = connections[using]
        quote = connection.ops.quote_name
        parts = [_Part(self.model, "m", connection)]
        joins = []
        for field in self.fields:
            related = cast(type[models.Model], field.related_model)
            parts.append(_Part(related, field.name, connection))
            joins.append(
                f"INNER JOIN {quote(related._meta.db_table)} {quote(field.name)} "
                f"ON {quote(field.name)}.{quote(cast(str, related._meta.pk.column))} "
                f"= m.{quote(field.column)}"
            )
        select = ", ".join(
            f"{quote(part.alias)}.{quote(col.target.column)}"
            for part in parts
            for col, _converters in part.columns
        )
        # Names from the models' metadata, quoted; values only through placeholders.
        sql = (
            f"SELECT {select} FROM {quote(self.model._meta.db_table)} m "  # noqa: S608
            f"{' '.join(joins)} WHERE {self.where}"
        )
        return sql, parts


class _Part:
    """One model's columns in the statement: under which alias, how each value is converted
    (the backend's converters, then the field's, as the ORM applies them) and the field names
    ``from_db`` takes."""

    def __init__(self, model: type[models.Model], alias: str, connection: Any) -> None:
        self.model = model
        self.alias = alias
        fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in fields]
        self.columns: list[tuple[Any, list[Callable]]] = []
        for field in fields:
            col = field.get_col(alias)
            converters = [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]
            self.columns.append((col, converters))


def _convert(value: Any, col: Any, converters: list[Callable], connection: Any) -> Any:
    for converter in converters:
        value = converter(value, col, connection)
    return value
