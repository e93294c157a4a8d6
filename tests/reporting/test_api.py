"""``GET /api/v1/reports/summary``: the agreed shape, the figures, and who may call it."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from motcua.organization.models import Role
from motcua.organization.services import api_token_issue
from tests.factories import PASSWORD, staff
from tests.reporting.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_10_december():
    with time_machine.travel(NOW, tick=False):
        yield


URL = "/api/v1/reports/summary"
NOV = {"from": "2026-11-01", "to": "2026-11-30"}


def _get(client: Client, **params):
    return client.get(URL, params)


@pytest.fixture
def leader(world):
    return staff(Role.LEADER, world.center, username="lanhdao")


def test_summary_of_a_center_for_its_leader(world, leader):
    client = Client()
    client.force_login(leader)
    response = _get(client, center=world.center.code, **NOV)
    assert response.status_code == 200, response.content
    body = response.json()
    # The agreed keys, exactly as named (extensions allowed, never renamed).
    assert set(body) >= {
        "received",
        "by_channel",
        "resolved",
        "in_progress",
        "online_rate",
        "on_time_rate",
        "satisfaction_rate",
        "queue",
    }
    assert body["by_channel"] == {"direct": 1, "online": 7, "postal": 1}
    assert body["resolved"] == {"early": 2, "on_time": 1, "late": 2}
    assert body["received"] == 9
    assert body["online_rate"] == 77.8 and body["on_time_rate"] == 60.0
    assert body["satisfaction_rate"] == 80.0
    queue = body["queue"]
    assert {
        k: queue[k]
        for k in (
            "tickets",
            "served",
            "no_show",
            "avg_wait_minutes",
            "p90_wait_minutes",
            "avg_service_minutes",
        )
    } == {
        "tickets": 7,
        "served": 4,
        "no_show": 1,
        "avg_wait_minutes": 22.0,
        "p90_wait_minutes": 36.0,
        "avg_service_minutes": 16.3,
    }
    assert body["period"] == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "time_zone": "Asia/Ho_Chi_Minh",
    }
    assert body["center"] == world.center.code


def test_summary_of_a_province_with_a_bearer_token(world):
    staff(Role.PROVINCE_ADMIN, province=world.center.province, username="tinh")
    _token, raw = api_token_issue(username="tinh", password=PASSWORD)
    response = Client().get(
        URL,
        {"province": world.center.province.code, **NOV},
        headers={"authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["received"] == 10 and body["resolved"]["on_time"] == 2
    assert body["center"] is None and body["province"] == world.center.province.code


@pytest.mark.parametrize("role", [Role.CENTER_ADMIN, Role.ANALYST])
def test_other_reporting_roles_may_call(world, role):
    user = staff(role, world.center, username=f"u-{role}")
    client = Client()
    client.force_login(user)
    assert _get(client, center=world.center.code, **NOV).status_code == 200


def test_who_may_not(world):
    client = Client()
    anonymous = _get(client, center=world.center.code, **NOV)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
    bad_token = client.get(
        URL, {"center": world.center.code}, headers={"authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 403 and bad_token.json()["code"] == "invalid_token"
    # A receptionist has no reporting role.
    client.force_login(staff(Role.RECEPTIONIST, world.center, username="tiepnhan"))
    refused = _get(client, center=world.center.code, **NOV)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # A leader of the other center, for this center and for the province.
    client.force_login(staff(Role.LEADER, world.other, username="khac"))
    assert _get(client, center=world.center.code, **NOV).status_code == 403
    assert _get(client, center=world.other.code, **NOV).json()["received"] == 1
    assert _get(client, province=world.center.province.code, **NOV).status_code == 403


def test_bad_requests_are_explained(world, leader):
    client = Client()
    client.force_login(leader)
    both = _get(client, center=world.center.code, province="khanh-hoa")
    assert both.status_code == 400 and both.json()["code"] == "invalid_scope"
    assert _get(client).json()["code"] == "invalid_scope"
    unknown = _get(client, center="khong-co")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_center"
    bad_date = _get(client, center=world.center.code, **{"from": "01/11/2026"})
    assert bad_date.status_code == 400 and bad_date.json()["code"] == "invalid_date"
    backwards = _get(client, center=world.center.code, **{"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.json()["code"] == "invalid_period"
    for response in (both, unknown, bad_date, backwards):
        assert response.json()["message"]
