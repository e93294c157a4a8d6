"""The queue API (/api/v1/): kiosks and phones take tickets, counters call and act, displays read.

Through Django's test client, and the main paths again through the real ASGI server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import time_machine
from django.test import Client
from django.utils.dateparse import parse_datetime

from motcua.organization.services import device_token_create
from motcua.queueing import services
from motcua.queueing.models import Ticket, TicketEvent
from tests.factories import PASSWORD, CounterFactory, staff
from tests.queueing.conftest import NOW, at, issue, make_service

TICKET_KEYS = {
    "number",
    "display",
    "service",
    "token",
    "position",
    "ahead",
    "estimated_wait_minutes",
    "track_url",
    "issued_at",
}
OPTIONAL_TICKET_KEYS = {"priority_group"}


def api(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"


def bearer_token(client: Client, user) -> str:
    response = client.post(
        api("auth/token"),
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bearer(client: Client, user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {bearer_token(client, user)}"}


def device(raw: str) -> dict:
    return {"HTTP_X_DEVICE_TOKEN": raw}


def post(client: Client, path: str, body=None, **headers):
    if body is None:  # an empty request, as fetch() sends it
        return client.generic("POST", api(path), b"", content_type="", **headers)
    return client.post(api(path), body, content_type="application/json", **headers)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("message"), str) and body["message"]
    assert set(body) <= {"code", "message", "errors"}
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture(autouse=True)
def _clock(frozen):
    """Every test here runs on Wednesday 25 November 2026 at 09:00, ticking."""


@pytest.fixture
def kiosk_raw(kiosk) -> str:
    return kiosk[1]


@pytest.fixture
def staff_auth(client, official) -> dict:
    return bearer(client, official)


def remote_on(center):
    policy = services.queue_policy(center)
    policy.remote_enabled = True
    policy.save()


# --- Services -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_services(client, center, counter, service):
    make_service(center, "dat-dai", [counter], name="Đất đai", prefix="D", number_start=1, order=2)
    issue(center)
    issue(center)

    response = client.get(api(f"centers/{center.code}/queue-services"))

    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["ho-tich", "dat-dai"]
    assert rows[0] == {
        "code": "ho-tich",
        "name": "Hộ tịch",
        "prefix": "",
        "number_start": 1001,
        "number_end": 1999,
        "allow_remote": True,
        "waiting": 2,
        "estimated_wait_minutes": 16,
    }
    assert (rows[1]["waiting"], rows[1]["estimated_wait_minutes"]) == (0, 0)


@pytest.mark.django_db
def test_queue_services_of_an_unknown_center(client):
    assert_error(client.get(api("centers/khong-co/queue-services")), 404, "unknown_center")


# --- Issuing --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_kiosk_takes_a_ticket(client, center, service, kiosk_raw):
    response = post(
        client, f"centers/{center.code}/tickets", {"service": "ho-tich"}, **device(kiosk_raw)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert TICKET_KEYS <= set(body) <= TICKET_KEYS | OPTIONAL_TICKET_KEYS
    assert (body["number"], body["display"], body["service"]) == (1001, "1001", "ho-tich")
    assert (body["position"], body["ahead"], body["estimated_wait_minutes"]) == (1, 0, 0)
    ticket = Ticket.objects.get()
    assert body["token"] == ticket.token and ticket.source == "kiosk"
    assert body["track_url"] == f"http://testserver/t/{ticket.token}/"
    issued_at = parse_datetime(body["issued_at"])
    assert issued_at is not None and issued_at.tzinfo is not None
    assert abs((issued_at - NOW).total_seconds()) < 60

    second = post(
        client, f"centers/{center.code}/tickets", {"service": "ho-tich"}, **device(kiosk_raw)
    )
    assert second.status_code == 201
    assert (second.json()["number"], second.json()["position"], second.json()["ahead"]) == (
        1002,
        2,
        1,
    )
    assert second.json()["estimated_wait_minutes"] == 8


@pytest.mark.django_db
def test_a_priority_ticket(client, center, service, groups, kiosk_raw):
    response = post(
        client,
        f"centers/{center.code}/tickets",
        {"service": "ho-tich", "priority_group": "pregnant"},
        **device(kiosk_raw),
    )

    assert response.status_code == 201
    assert response.json()["priority_group"] == "pregnant"
    assert Ticket.objects.get().priority_group == groups["pregnant"]


@pytest.mark.django_db
def test_staff_take_a_ticket_with_a_bearer_token(client, center, service, receptionist):
    response = post(
        client,
        f"centers/{center.code}/tickets",
        {"service": "ho-tich"},
        **bearer(client, receptionist),
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.source == "staff"
    assert TicketEvent.objects.get(ticket=ticket).official == receptionist


@pytest.mark.django_db
def test_staff_of_another_center_cannot_issue(client, center, service, other_staff):
    response = post(
        client,
        f"centers/{center.code}/tickets",
        {"service": "ho-tich"},
        **bearer(client, other_staff),
    )

    assert_error(response, 403, "forbidden")
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_bad_bearer_token(client, center, service):
    response = post(
        client,
        f"centers/{center.code}/tickets",
        {"service": "ho-tich"},
        HTTP_AUTHORIZATION="Bearer mcu_khong-dung",
    )

    assert_error(response, 403, "invalid_token")
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_display_device_is_not_a_kiosk(client, center, service, center_admin):
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="display", name="TV"
    )

    response = post(client, f"centers/{center.code}/tickets", {"service": "ho-tich"}, **device(raw))

    assert_error(response, 403, "not_a_kiosk")


@pytest.mark.django_db
def test_a_kiosk_of_another_center(client, center, other_center, service):
    admin = staff("center_admin", other_center)
    _device, raw = device_token_create(actor=admin, center=other_center, purpose="kiosk", name="K")

    response = post(client, f"centers/{center.code}/tickets", {"service": "ho-tich"}, **device(raw))

    assert_error(response, 403, "not_a_kiosk")


@pytest.mark.django_db
def test_no_token_when_remote_is_disabled(client, center, service):
    response = post(
        client, f"centers/{center.code}/tickets", {"service": "ho-tich", "phone": "0912345678"}
    )

    assert_error(response, 403, "remote_disabled")
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_phone_takes_a_ticket_when_remote_is_enabled(client, center, service):
    remote_on(center)

    response = post(
        client, f"centers/{center.code}/tickets", {"service": "ho-tich", "phone": "0912 345 678"}
    )

    assert response.status_code == 201, response.content
    assert set(response.json()) >= TICKET_KEYS
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.phone) == ("remote", "0912345678")

    again = post(
        client, f"centers/{center.code}/tickets", {"service": "ho-tich", "phone": "0912345678"}
    )
    assert_error(again, 409, "remote_limit")
    no_phone = post(client, f"centers/{center.code}/tickets", {"service": "ho-tich"})
    assert_error(no_phone, 400, "invalid_phone")


@pytest.mark.django_db
def test_issuing_errors(client, center, service, kiosk_raw):
    tickets = f"centers/{center.code}/tickets"
    kiosk = device(kiosk_raw)

    assert_error(post(client, tickets, {"service": "khong-co"}, **kiosk), 404, "unknown_service")
    assert_error(
        post(client, tickets, {"service": "ho-tich", "priority_group": "vip"}, **kiosk),
        400,
        "unknown_priority_group",
    )
    assert_error(post(client, tickets, {}, **kiosk), 400, "invalid_input")
    assert_error(post(client, tickets, {"service": 5}, **kiosk), 400, "invalid_input")
    assert_error(
        client.post(api(tickets), "{not json", content_type="application/json", **kiosk), 400
    )
    assert_error(
        post(client, "centers/khong-co/tickets", {"service": "ho-tich"}, **kiosk),
        404,
        "unknown_center",
    )
    with time_machine.travel(at(18, 0), tick=True):
        assert_error(
            post(client, tickets, {"service": "ho-tich"}, **kiosk), 409, "outside_issuing_hours"
        )
    with time_machine.travel(at(9, 0, day=28), tick=True):
        assert_error(post(client, tickets, {"service": "ho-tich"}, **kiosk), 409, "closed_today")
    assert not Ticket.objects.exists()
    # None of these used a number.
    assert post(client, tickets, {"service": "ho-tich"}, **kiosk).json()["number"] == 1001


@pytest.mark.django_db
def test_errors_are_in_the_callers_language(client, center, service, kiosk_raw):
    vi = post(
        client, f"centers/{center.code}/tickets", {"service": "khong-co"}, **device(kiosk_raw)
    )
    en = post(
        client,
        f"centers/{center.code}/tickets",
        {"service": "khong-co"},
        HTTP_ACCEPT_LANGUAGE="en",
        **device(kiosk_raw),
    )

    assert assert_error(vi, 404)["code"] == assert_error(en, 404)["code"] == "unknown_service"
    assert "khong-co" in vi.json()["message"]


# --- The citizen's ticket -----------------------------------------------------------------------


@pytest.mark.django_db
def test_ticket_status(client, center, counter, service, official):
    first, second = issue(center), issue(center)

    response = client.get(api(f"tickets/{second.token}"))

    assert response.status_code == 200
    body = response.json()
    assert {"status", "position", "ahead", "estimated_wait_minutes", "counter"} <= set(body)
    assert (body["status"], body["position"], body["ahead"]) == ("waiting", 2, 1)
    assert (body["estimated_wait_minutes"], body["counter"]) == (8, None)
    assert "phone" not in body and "token" not in body

    services.ticket_call_next(actor=official, counter=counter)

    called = client.get(api(f"tickets/{first.token}")).json()
    assert (called["status"], called["position"], called["ahead"], called["counter"]) == (
        "called",
        0,
        0,
        1,
    )
    assert called["counter_name"] == counter.name
    assert client.get(api(f"tickets/{second.token}")).json()["position"] == 1


@pytest.mark.django_db
def test_unknown_ticket(client):
    assert_error(client.get(api("tickets/khong-co-phieu-nay")), 404, "unknown_ticket")


# --- Counters -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_counters(client, center, counter, counter2, service, other_center):
    make_service(center, "dat-dai", [counter, counter2])
    CounterFactory(center=center, number=7, is_active=False)
    CounterFactory(center=other_center, number=1)

    response = client.get(api(f"centers/{center.code}/counters"))

    assert response.status_code == 200
    rows = response.json()
    assert [row["number"] for row in rows] == [1, 2]
    for row in rows:
        assert {"id", "number", "name", "services"} <= set(row)
    assert rows[0]["id"] == counter.pk and rows[0]["name"] == counter.name
    assert sorted(rows[0]["services"]) == ["dat-dai", "ho-tich"]
    assert rows[1]["services"] == ["dat-dai"]
    assert rows[0]["status"] == "closed"


@pytest.mark.django_db
def test_call_next(client, center, counter, service, staff_auth):
    ticket = issue(center)

    response = post(client, f"counters/{counter.pk}/call-next", **staff_auth)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "ticket": {
            "id": ticket.pk,
            "display": "1001",
            "service": "ho-tich",
            "status": "called",
            "counter": 1,
            "recalls": 0,
            "priority": False,
            "outcome": "",
        }
    }
    assert_error(
        post(client, f"counters/{counter.pk}/call-next", **staff_auth), 409, "ticket_at_counter"
    )


@pytest.mark.django_db
def test_call_next_with_nobody_waiting(client, center, counter, service, staff_auth):
    response = post(client, f"counters/{counter.pk}/call-next", **staff_auth)

    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.django_db
def test_call_next_refusals(client, center, counter, service, other_staff):
    issue(center)

    assert_error(
        post(client, f"counters/{counter.pk}/call-next", **bearer(client, other_staff)), 403
    )
    assert_error(post(client, f"counters/{counter.pk}/call-next"), 403)
    assert_error(
        post(client, "counters/999999/call-next", **bearer(client, other_staff)),
        404,
        "unknown_counter",
    )
    assert not TicketEvent.objects.filter(action="call").exists()


@pytest.mark.django_db
def test_every_counter_action(client, center, counter, service, staff_auth):
    make_service(center, "dat-dai", [counter], prefix="D", number_start=1)
    first, second = issue(center), issue(center)
    counter_url = f"counters/{counter.pk}"

    def act(action, body=None):
        response = post(client, f"{counter_url}/actions/{action}", body, **staff_auth)
        assert response.status_code == 200, (action, response.content)
        return response.json()["ticket"]

    assert post(client, f"{counter_url}/call-next", **staff_auth).json()["ticket"]["id"] == first.pk
    assert act("recall")["recalls"] == 1
    assert act("start")["status"] == "serving"
    assert act("park")["status"] == "parked"
    assert (
        post(client, f"{counter_url}/call-next", **staff_auth).json()["ticket"]["id"] == second.pk
    )
    assert act("no_show")["status"] == "no_show"
    resumed = act("resume", {"ticket": first.pk})
    assert (resumed["id"], resumed["status"]) == (first.pk, "called")
    moved = act("transfer", {"service": "dat-dai"})
    assert (moved["status"], moved["service"], moved["counter"]) == ("waiting", "dat-dai", None)
    assert post(client, f"{counter_url}/call-next", **staff_auth).json()["ticket"]["id"] == first.pk
    assert act("start", {})["status"] == "serving"
    done = act("finish", {"outcome": "advice"})
    assert (done["status"], done["outcome"]) == ("finished", "advice")

    actions = list(TicketEvent.objects.filter(ticket=first).values_list("action", flat=True))
    assert actions == [
        "issue",
        "call",
        "recall",
        "start",
        "park",
        "resume",
        "transfer",
        "call",
        "start",
        "finish",
    ]


@pytest.mark.django_db
def test_counter_action_errors(client, center, counter, counter2, service, staff_auth):
    issue(center)
    counter_url = f"counters/{counter.pk}"

    assert_error(post(client, f"{counter_url}/actions/start", {}, **staff_auth), 409, "no_ticket")
    post(client, f"{counter_url}/call-next", **staff_auth)
    assert_error(
        post(client, f"{counter_url}/actions/finish", {"outcome": "advice"}, **staff_auth),
        409,
        "invalid_transition",
    )
    assert_error(
        post(client, f"{counter_url}/actions/teleport", {}, **staff_auth), 400, "invalid_action"
    )
    assert_error(
        post(client, f"{counter_url}/actions/resume", {}, **staff_auth), 400, "ticket_required"
    )
    assert_error(
        post(client, f"{counter_url}/actions/transfer", {}, **staff_auth), 400, "target_required"
    )
    assert_error(
        post(client, f"{counter_url}/actions/transfer", {"counter": counter2.pk}, **staff_auth),
        400,
        "counter_not_serving",
    )
    assert_error(
        post(client, f"{counter_url}/actions/start", {"ticket": "x"}, **staff_auth),
        400,
        "invalid_input",
    )
    post(client, f"{counter_url}/actions/start", {}, **staff_auth)
    assert_error(
        post(client, f"{counter_url}/actions/finish", {}, **staff_auth), 400, "outcome_required"
    )
    assert_error(
        post(client, f"{counter_url}/actions/finish", {"outcome": "xong"}, **staff_auth),
        400,
        "outcome_required",
    )
    assert_error(
        post(client, f"{counter_url}/actions/no_show", {}, **staff_auth), 409, "invalid_transition"
    )
    assert_error(
        post(client, "counters/999999/actions/start", {}, **staff_auth), 404, "unknown_counter"
    )
    assert Ticket.objects.get().status == "serving"


@pytest.mark.django_db
def test_an_action_without_a_body(client, center, counter, service, staff_auth):
    issue(center)
    post(client, f"counters/{counter.pk}/call-next", **staff_auth)

    response = client.generic(
        "POST", api(f"counters/{counter.pk}/actions/recall"), b"", content_type="", **staff_auth
    )

    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["recalls"] == 1


@pytest.mark.django_db
def test_staff_of_another_center_cannot_act(
    client, center, counter, service, other_staff, official
):
    issue(center)
    services.ticket_call_next(actor=official, counter=counter)

    response = post(
        client, f"counters/{counter.pk}/actions/start", {}, **bearer(client, other_staff)
    )

    assert_error(response, 403)
    assert Ticket.objects.get().status == "called"


@pytest.mark.django_db
def test_a_counter_terminal(client, center, counter, counter2, service, center_admin):
    service.counters.add(counter2)
    _d, own = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="Q1", counter=counter
    )
    _d, other = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="Q2", counter=counter2
    )
    _d, kiosk = device_token_create(actor=center_admin, center=center, purpose="kiosk", name="K")
    issue(center)

    assert_error(
        post(client, f"counters/{counter.pk}/call-next", **device(other)), 403, "not_this_counter"
    )
    assert_error(
        post(client, f"counters/{counter.pk}/call-next", **device(kiosk)), 403, "not_this_counter"
    )
    response = post(client, f"counters/{counter.pk}/call-next", **device(own))
    assert response.status_code == 200
    assert_error(
        post(client, f"counters/{counter.pk}/actions/start", {}, **device(other)),
        403,
        "not_this_counter",
    )
    assert (
        post(client, f"counters/{counter.pk}/actions/start", {}, **device(own)).status_code == 200
    )
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.counter, ticket.official) == ("serving", counter, None)


@pytest.mark.django_db
def test_session_without_csrf_is_refused(center, counter, service, official, kiosk_raw):
    issue(center)
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)

    assert_error(post(client, f"counters/{counter.pk}/call-next"), 403, "csrf")
    assert_error(post(client, f"counters/{counter.pk}/actions/recall", {}), 403, "csrf")
    assert_error(
        post(client, f"centers/{center.code}/tickets", {"service": "ho-tich"}), 403, "csrf"
    )
    assert Ticket.objects.count() == 1
    assert not TicketEvent.objects.filter(action="call").exists()
    # Reads need no CSRF token.
    assert client.get(api(f"centers/{center.code}/display")).status_code == 200


@pytest.mark.django_db
def test_session_with_csrf_works(center, counter, service, official):
    issue(center)
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret

    response = post(client, f"counters/{counter.pk}/call-next", HTTP_X_CSRFTOKEN=secret)

    assert response.status_code == 200, response.content
    assert Ticket.objects.get().official == official


# --- The display ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_display(client, center, counter, service, official, policy):
    policy.notice = "Chiều nay nghỉ từ 16 giờ."
    policy.save()
    first, _second, _third = issue(center), issue(center), issue(center)
    services.ticket_call_next(actor=official, counter=counter)

    response = client.get(api(f"centers/{center.code}/display"))

    assert response.status_code == 200
    body = response.json()
    assert {"calls", "recent", "waiting", "notice", "now"} <= set(body)
    assert [call["display"] for call in body["calls"]] == [first.display]
    call = body["calls"][0]
    assert (call["counter"], call["kind"], call["ticket_id"]) == (1, "call", first.pk)
    assert call["audio_url"].endswith(".wav")
    assert [c["display"] for c in body["recent"]] == [first.display]
    assert body["waiting"] == {"Hộ tịch": 2}
    assert body["notice"] == "Chiều nay nghỉ từ 16 giờ."
    assert parse_datetime(body["now"]) is not None
    assert_error(client.get(api("centers/khong-co/display")), 404, "unknown_center")


# --- The real server -------------------------------------------------------------------------------


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - local server
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


@pytest.mark.django_db(transaction=True)
def test_over_the_real_server(live_server_url, center, counter, service, kiosk_raw, official):
    base = f"{live_server_url}/api/v1"
    token = bearer_token(Client(), official)
    staff_headers = {"Authorization": f"Bearer {token}"}

    status, services_list = http("GET", f"{base}/centers/{center.code}/queue-services")
    assert status == 200 and services_list[0]["code"] == "ho-tich"

    status, ticket = http(
        "POST",
        f"{base}/centers/{center.code}/tickets",
        {"service": "ho-tich"},
        {"X-Device-Token": kiosk_raw},
    )
    assert status == 201, ticket
    assert set(ticket) >= TICKET_KEYS
    assert ticket["track_url"].startswith(live_server_url)

    status, called = http("POST", f"{base}/counters/{counter.pk}/call-next", None, staff_headers)
    assert status == 200 and called["ticket"]["display"] == ticket["display"]
    status, mine = http("GET", f"{base}/tickets/{ticket['token']}")
    assert (status, mine["status"], mine["counter"]) == (200, "called", 1)
    status, started = http("POST", f"{base}/counters/{counter.pk}/actions/start", {}, staff_headers)
    assert (status, started["ticket"]["status"]) == (200, "serving")
    status, error = http("POST", f"{base}/counters/{counter.pk}/actions/no_show", {}, staff_headers)
    assert (status, error["code"]) == (409, "invalid_transition")
    assert set(error) == {"code", "message"}
    status, _ = http(
        "POST", f"{base}/counters/{counter.pk}/actions/finish", {"outcome": "advice"}, staff_headers
    )
    assert status == 200
    status, nothing = http("POST", f"{base}/counters/{counter.pk}/call-next", None, staff_headers)
    assert (status, nothing) == (204, None)
    status, display = http("GET", f"{base}/centers/{center.code}/display")
    assert status == 200 and display["recent"][0]["display"] == ticket["display"]
    status, error = http("POST", f"{base}/centers/{center.code}/tickets", {"service": "ho-tich"})
    assert (status, error["code"]) == (403, "remote_disabled")
