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
        for model, columns in parts:
            values = [
                _convert(value, spec, connection)
                for value, (_field, spec) in zip(
                    row[start : start + len(columns)], columns, strict=True
                )
            ]
            instances.append(model.from_db(using, [f.attname for f, _s in columns], values))
            start += len(columns)
        main, *related = instances
        for field, instance in zip(self.fields, related, strict=True):
            field.set_cached_value(main, instance)
        return cast(M, main)

    @cache  # noqa: B019 - one per statement and database alias, kept for the process
    def _compiled(self, using: str) -> tuple[str, list]:
        connection = connections[using]
        quote = connection.ops.quote_name

        def columns(model: type[models.Model], alias: str) -> list:
            out = []
            for field in model._meta.concrete_fields:
                col = field.get_col(alias)
                converters: list[Callable] = [
                    *connection.ops.get_db_converters(col),
                    *col.get_db_converters(connection),
                ]
                out.append((field, (col, converters)))
            return out

        parts: list[tuple[type[models.Model], list]] = [(self.model, columns(self.model, "m"))]
        joins = []
        for field in self.fields:
            related = cast(type[models.Model], field.related_model)
            parts.append((related, columns(related, field.name)))
            joins.append(
                f"INNER JOIN {quote(related._meta.db_table)} {quote(field.name)} "
                f"ON {quote(field.name)}.{quote(cast(str, related._meta.pk.column))} "
                f"= m.{quote(field.column)}"
            )
        select = ", ".join(
            f"{quote(alias)}.{quote(f.column)}"
            for (_model, cols), alias in zip(
                parts, ["m", *(f.name for f in self.fields)], strict=True
            )
            for f, _s in cols
        )
        # Names from the models' metadata, quoted; values only through placeholders.
        sql = (
            f"SELECT {select} FROM {quote(self.model._meta.db_table)} m "  # noqa: S608
            f"{' '.join(joins)} WHERE {self.where}"
        )
        return sql, parts


def _convert(value: Any, spec: tuple, connection: Any) -> Any:
    col, converters = spec
    for converter in converters:
        value = converter(value, col, connection)
    return value
