"""One statement, compiled once: a model's row joined to the row of one of its foreign keys,
read with plain SQL and turned into model instances the way the ORM does it
(``Model.from_db``, with the backend's and the fields' converters).

For the few lookups made on almost every request (a device token, docs/performance.md): the
ORM compiles a ``select_related`` query anew each time, and for the device token that was a
sixth of a kiosk ticket's CPU. The statement here is built from the models' own metadata, so a
new field is read without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connections, models


class JoinedRead:
    """``SELECT <model's columns>, <related model's columns> FROM model JOIN related WHERE …``.

    ``where`` is SQL over the aliases ``m`` (the model) and ``r`` (the related row), with
    ``%s`` placeholders, the same on every database (plain column names, no vendor syntax)."""

    def __init__(self, model: type[models.Model], relation: str, where: str) -> None:
        self.model = model
        self.field = model._meta.get_field(relation)
        self.related = self.field.related_model
        self.where = where

    def first(self, params: Sequence[Any], using: str = "default") -> models.Model | None:
        sql, own, related = self._compiled(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = [
            _convert(value, spec, connection)
            for value, spec in zip(row, own + related, strict=True)
        ]
        instance = self.model.from_db(using, [f.attname for f, _c in own], values[: len(own)])
        linked = self.related.from_db(using, [f.attname for f, _c in related], values[len(own) :])
        self.field.set_cached_value(instance, linked)
        return instance

    @cache  # noqa: B019 - one per statement and database alias, kept for the process
    def _compiled(self, using: str) -> tuple[str, list, list]:
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

        own, related = columns(self.model, "m"), columns(self.related, "r")
        select = ", ".join(
            [f"m.{quote(f.column)}" for f, _c in own]
            + [f"r.{quote(f.column)}" for f, _c in related]
        )
        # Names from the models' metadata, quoted; values only through placeholders.
        sql = (
            f"SELECT {select} FROM {quote(self.model._meta.db_table)} m "  # noqa: S608
            f"INNER JOIN {quote(self.related._meta.db_table)} r "
            f"ON r.{quote(self.related._meta.pk.column)} = m.{quote(self.field.column)} "
            f"WHERE {self.where}"
        )
        return sql, own, related


def _convert(value: Any, spec: tuple, connection: Any) -> Any:
    _field, (col, converters) = spec
    for converter in converters:
        value = converter(value, col, connection)
    return value
