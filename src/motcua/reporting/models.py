"""The report rollup: the figures of each closed local day of each center (PostgreSQL).

A province-year summary would otherwise count a million dossiers and sort every wait of the
year on each request. :mod:`motcua.reporting.rollup` keeps one :class:`DayFigures` row per
center and local day before today, and :class:`RollupMark` says up to which day a center's rows
are complete. Triggers on the dossier, ticket and rating tables (migration 0002) move a
center's mark back to the earliest closed day a change touches, so a retroactive change is
never hidden: the days from the mark on are read from the base tables until the worker rolls
them up again. Both tables are written and read with SQL only (docs/reports.md, "Rollup").
"""

from __future__ import annotations

from typing import Any

from django.db import models

from motcua.organization.models import Center


class FloatArrayField(models.Field):
    """``double precision[]`` on PostgreSQL (the only database the rollup is written on);
    text elsewhere, never used there."""

    def db_type(self, connection: Any) -> str:
        return "double precision[]" if connection.vendor == "postgresql" else "text"


class RollupMark(models.Model):
    """A center's rollup is complete for every local day before ``complete_until`` (days in
    ``time_zone``, the center's zone when they were rolled up)."""

    center = models.OneToOneField(Center, on_delete=models.CASCADE, related_name="+")
    complete_until = models.DateField()
    time_zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.center_id} < {self.complete_until}"


class DayFigures(models.Model):
    """The headline figures of one center's local day: dossiers received (by channel) and
    resolved (by timeliness) that day, ratings given, tickets issued and what became of them,
    and every wait of the day's called tickets, sorted, for exact percentiles."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    received = models.IntegerField(default=0)
    received_direct = models.IntegerField(default=0)
    received_online = models.IntegerField(default=0)
    received_postal = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_early = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)
    resolved_late_766 = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    ratings_very_satisfied = models.IntegerField(default=0)
    ratings_satisfied = models.IntegerField(default=0)
    ratings_dissatisfied = models.IntegerField(default=0)
    tickets = models.IntegerField(default=0)
    served = models.IntegerField(default=0)
    no_show = models.IntegerField(default=0)
    left_without_service = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    wait_count = models.IntegerField(default=0)
    wait_sum = models.FloatField(default=0.0)
    service_count = models.IntegerField(default=0)
    service_sum = models.FloatField(default=0.0)
    waits = FloatArrayField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "day"], name="dayfigures_center_day")
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.day}"
