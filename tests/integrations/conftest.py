"""Fixtures of the integrations tests: the dossier fixtures, a running fake portal configured as
the portal, a small certificate authority and a center certificate, and a dossier walked
through its status changes."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.dossiers.models import Dossier, ResultDelivery
from motcua.dossiers.workflow import Action
from motcua.integrations.certificates import authority_create, center_p12_create
from motcua.integrations.portal.fake import FakePortal
from motcua.integrations.services import center_certificate_set
from tests.dossiers.conftest import (  # noqa: F401 - fixtures
    local,
    private_media,
    procedure,
    receptionist,
    vietnamese,
)
from tests.dossiers.test_processing import People, accept, act, attach_result
from tests.dossiers.test_processing import people as people  # noqa: F401, PLC0414 - fixture

TOKEN = "portal-test-token"
PASSPHRASE = "mat-khau-p12"


@pytest.fixture
def fake_portal(settings):
    """A real fake portal on a local port, set as the portal to sync with."""
    with FakePortal(token=TOKEN) as portal:
        settings.PORTAL_SYNC_URL = f"{portal.url}/api/v1"
        settings.PORTAL_SYNC_TOKEN = TOKEN
        yield portal


@pytest.fixture
def authority():
    return authority_create("CA thử nghiệm tỉnh Hưng Yên")


@pytest.fixture
def certificate(center, authority):
    p12 = center_p12_create(authority, center.name, PASSPHRASE, organization="UBND xã Hạnh Phúc")
    return center_certificate_set(actor=None, center=center, p12=p12, passphrase=PASSPHRASE)


def walk(dossier: Dossier, people: People, *, until: str = "returned") -> list[datetime]:
    """Accepted (2) → processing (4) → waiting for fees (6) → processing (4) → processed (9)
    → returned (10); the times of the moves."""
    times = [local(2026, 11, 30, h) for h in (10, 11, 13, 14, 15, 16, 17)]
    act(people.receptionist, dossier, Action.FORWARD, times[0])
    act(people.specialist, dossier, Action.REQUEST_PAYMENT, times[1], amount_vnd=8000)
    act(people.specialist, dossier, Action.RECORD_PAYMENT, times[2], receipt="BL-0001")
    act(people.specialist, dossier, Action.FORWARD, times[3])
    act(people.leader, dossier, Action.APPROVE, times[4])
    attach_result(people.receptionist, dossier, times[5])
    act(people.receptionist, dossier, Action.MARK_PROCESSED, times[5])
    if until == "returned":
        act(
            people.receptionist,
            dossier,
            Action.RETURN_RESULT,
            times[6],
            delivery=ResultDelivery.COUNTER,
        )
    return times


__all__ = ["accept", "walk"]
