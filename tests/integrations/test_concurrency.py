"""Two workers delivering the outbox at the same moment (threads with their own database
connections) never send an item twice and keep each dossier's order. This is the PostgreSQL
case the claim's ``FOR UPDATE SKIP LOCKED`` is for; on SQLite the writers queue instead."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from motcua.integrations.models import OutboxItem
from motcua.integrations.services import outbox_deliver
from tests.dossiers.conftest import local
from tests.integrations.conftest import accept, act

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_never_send_an_item_twice(center, procedure, people, fake_portal, monkeypatch):
    from motcua.dossiers.workflow import Action
    from motcua.integrations import services

    # Small claims, so that the workers take turns on the same heads of line.
    monkeypatch.setattr(services, "CLAIM_BATCH", 4)

    dossiers = [
        accept(center, procedure, people.receptionist, at=local(2026, 11, 30, 9, minute))
        for minute in range(0, 48, 2)
    ]
    for dossier in dossiers:
        act(people.receptionist, dossier, Action.FORWARD, local(2026, 11, 30, 10))
        act(people.specialist, dossier, Action.REQUEST_PAYMENT, local(2026, 11, 30, 11))
    total = OutboxItem.objects.count()
    assert total == 3 * len(dossiers)
    fake_portal.state.delay = 0.005
    start = threading.Barrier(3)
    outcomes: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(outbox_deliver())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    # Every item was pushed exactly once, by one worker or another.
    pushed = Counter(fake_portal.state.push_keys)
    assert len(pushed) == total and set(pushed.values()) == {1}
    assert sum(o.get("delivered", 0) for o in outcomes) == total
    # The workers did share the work (they ran at the same time).
    assert sum(1 for o in outcomes if o.get("delivered")) >= 2, outcomes
    # And each dossier's changes arrived in order (the portal answers 409 otherwise).
    assert not [s for _m, _p, s in fake_portal.state.requests if s != 200]
    for dossier in dossiers:
        sequences = [
            r["sequence"] for r in fake_portal.state.received if r["dossier_code"] == dossier.code
        ]
        assert sequences == [1, 2, 3]
    assert not OutboxItem.objects.exclude(status=OutboxItem.Status.DELIVERED).exists()
