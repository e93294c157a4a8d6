"""Per-process copies of the queue settings a center changes rarely, for the hot paths.

Issuing a ticket used to read the center's working periods, its calendar overrides, the queue
service, the priority group and the queue policy from the database on every request (five
queries of the twenty a ticket took). They change a few times a year; tickets are issued
hundreds of times an hour.

Each center row carries ``settings_tag``, a random value replaced (``settings_changed``) in the
same transaction as any change to those settings: ``post_save``/``post_delete`` signals of the
models below, and an explicit call from code that writes them in bulk. A request reads its
center row anyway; when the row's tag is the one the copy was made under, the copy is used,
otherwise it is made again. A change made through any process is therefore seen by the very
next request of every process, with no timer and no extra query.

The copies must only be asked for with a center row read in the current request (a long-lived
object, e.g. held by a websocket consumer, carries an old tag and would get old settings:
those callers use the uncached selectors).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from motcua.organization.models import Center, WorkingPeriod, new_settings_tag
from motcua.queueing.models import PriorityGroup, QueuePolicy, QueueService
from motcua.workcalendar.calendar import WorkingCalendar
from motcua.workcalendar.models import CalendarOverride

# Enough for every commune of the country in one process; beyond, the oldest copies go.
MAX_CENTERS = 4000


@dataclass(frozen=True)
class QueueSettings:
    tag: str
    calendar: WorkingCalendar
    policy: QueuePolicy
    services: dict[str, QueueService]  # active services by code
    priority_groups: dict[str, PriorityGroup]  # active groups by code

    def periods_on(self, day: date):
        return self.calendar.periods_on(day)


_copies: dict[int, QueueSettings] = {}
_lock = threading.Lock()


def queue_settings(center: Center) -> QueueSettings:
    """The center's calendar, queue policy, active services and priority groups, read once per
    change of ``center.settings_tag`` in this process."""
    copy = _copies.get(center.pk)
    if copy is not None and copy.tag == center.settings_tag:
        return copy
    copy = _load(center)
    with _lock:
        if len(_copies) >= MAX_CENTERS:
            _copies.clear()
        _copies[center.pk] = copy
    return copy


def _load(center: Center) -> QueueSettings:
    from motcua.organization.selectors import center_calendar

    policy, _created = QueuePolicy.objects.get_or_create(center=center)
    return QueueSettings(
        tag=center.settings_tag,
        calendar=center_calendar(center=center),
        policy=policy,
        services={s.code: s for s in QueueService.objects.filter(center=center, is_active=True)},
        priority_groups={
            g.code: g for g in PriorityGroup.objects.filter(center=center, is_active=True)
        },
    )


def forget() -> None:
    """Drop every copy (tests that change settings behind the signals' back)."""
    with _lock:
        _copies.clear()


def settings_changed(*, center_ids: Iterable[int] | None = None, center_code: str | None = None):
    """Give the centers a new ``settings_tag``: every process reads their settings again.
    ``center_code=""`` (a national calendar override) means every center."""
    rows = Center.objects.all()
    if center_ids is not None:
        center_ids = list(center_ids)
        rows = rows.filter(pk__in=center_ids)
    elif center_code:
        rows = rows.filter(code=center_code)
    elif center_code is None:
        raise ValueError("settings_changed needs center_ids or center_code")
    rows.update(settings_tag=new_settings_tag())
    # This process also drops its copies at once and after commit, so that even a center
    # object read before the change (and so carrying the old tag) gets the new settings here.
    drop = lambda: _drop(center_ids if center_ids is not None else None)  # noqa: E731
    drop()
    transaction.on_commit(drop)


def _drop(center_ids: list[int] | None) -> None:
    with _lock:
        if center_ids is None:
            _copies.clear()
        else:
            for pk in center_ids:
                _copies.pop(pk, None)


def _center_setting_changed(sender: type[models.Model], instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata
    if instance.center_id is not None:
        settings_changed(center_ids=[instance.center_id])


def _override_changed(sender: type[models.Model], instance: CalendarOverride, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    settings_changed(center_code=instance.center_code)


def connect() -> None:
    for model in (QueuePolicy, QueueService, PriorityGroup, WorkingPeriod):
        post_save.connect(_center_setting_changed, sender=model, dispatch_uid=f"tag-{model}")
        post_delete.connect(_center_setting_changed, sender=model, dispatch_uid=f"tag-d-{model}")
    post_save.connect(_override_changed, sender=CalendarOverride, dispatch_uid="tag-override")
    post_delete.connect(_override_changed, sender=CalendarOverride, dispatch_uid="tag-override-d")
