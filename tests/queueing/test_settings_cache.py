"""The per-process copies of a center's queue settings (motcua.queueing.cache): used while the
center row's settings_tag is the one they were made under, made again after any change."""

from __future__ import annotations

from datetime import time

import pytest

from motcua.errors import Conflict, NotFound
from motcua.organization.models import Center, WorkingPeriod
from motcua.organization.services import working_periods_set
from motcua.queueing import cache
from motcua.queueing.models import PriorityGroup, QueuePolicy
from motcua.workcalendar.models import CalendarOverride
from tests.factories import staff
from tests.queueing.conftest import NOW, issue, make_service

pytestmark = pytest.mark.django_db


def fresh(center: Center) -> Center:
    """The center row as the next request (of any process) reads it."""
    return Center.objects.get(pk=center.pk)


def test_a_copy_is_read_once_and_used_while_the_tag_holds(
    center, service, django_assert_num_queries
):
    QueuePolicy.objects.get_or_create(center=center)  # (a first read would make it: a change)
    first = cache.queue_settings(fresh(center))
    row = fresh(center)
    with django_assert_num_queries(0):
        again = cache.queue_settings(row)
    assert again is first
    assert set(first.services) == {"ho-tich"}


@pytest.mark.parametrize(
    "change",
    [
        "service_added",
        "service_closed",
        "policy",
        "priority_group",
        "working_period",
        "override_for_center",
        "national_override",
    ],
)
def test_every_change_gives_the_center_a_new_tag(center, service, change):
    before = fresh(center).settings_tag
    if change == "service_added":
        make_service(center, "dat-dai")
    elif change == "service_closed":
        service.is_active = False
        service.save()
    elif change == "policy":
        policy, _ = QueuePolicy.objects.get_or_create(center=center)
        policy.remote_enabled = not policy.remote_enabled
        policy.save()
    elif change == "priority_group":
        PriorityGroup.objects.create(center=center, code="x", name="X")
    elif change == "working_period":
        WorkingPeriod.objects.create(center=center, weekday=5, start=time(8), end=time(11))
    elif change == "override_for_center":
        CalendarOverride.objects.create(date=NOW.date(), kind="day_off", center_code=center.code)
    elif change == "national_override":
        CalendarOverride.objects.create(date=NOW.date(), kind="day_off", center_code="")
    assert fresh(center).settings_tag != before


def test_another_process_sees_a_change_by_the_tag(center, service):
    copy = cache.queue_settings(fresh(center))
    make_service(center, "dat-dai")  # this process drops its own copy at once…
    cache._copies[center.pk] = copy  # …another process still holds the old one.
    # A row read before the change carries the old tag: the old copy serves it.
    assert "dat-dai" not in cache.queue_settings(copy_center(center, copy)).services
    # The next row read carries the new tag: the settings are read again.
    assert "dat-dai" in cache.queue_settings(fresh(center)).services


def copy_center(center: Center, copy: cache.QueueSettings) -> Center:
    """A center row read before the change (it carries the tag the copy was made under)."""
    row = fresh(center)
    row.settings_tag = copy.tag
    return row


def test_issuing_follows_a_service_closed_a_moment_ago(center, service):
    issue(center)
    service.is_active = False
    service.save()
    with pytest.raises(NotFound):
        issue(fresh(center))


def test_issuing_follows_new_working_hours_set_in_bulk(center, service):
    """working_periods_set writes the periods with bulk_create (no signals): it gives the
    center a new tag itself."""
    admin = staff("center_admin", center)
    issue(center)  # NOW is a working Wednesday morning
    afternoons: list[list[tuple[time, time]]] = [[(time(13, 0), time(14, 0))]] * 5 + [[]] * 2
    working_periods_set(actor=admin, center=center, week=afternoons)
    with pytest.raises(Conflict) as refused:
        issue(fresh(center))
    assert refused.value.code == "outside_issuing_hours"
