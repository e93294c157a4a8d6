"""The appointment API (/api/v1/): slots, booking with the proof-of-work challenge, the holder's
routes, staff and kiosk tokens, the per-address limit, check-in and the staff's day list.

The API reads the real clock: every test travels to NOW (Sunday 29/11/2026 10:00 +07, ticking).
"""

from __future__ import annotations

import base64
import json

import pytest
import time_machine
from django.test import Client

from motcua.appointments import services
from motcua.appointments.challenge import challenge_solve
from motcua.appointments.models import Appointment, AppointmentEvent, Availability, BookingPolicy
from motcua.appointments.workflow import Status
from motcua.organization.models import DeviceToken, Role
from motcua.organization.services import device_token_create
from motcua.queueing.models import Ticket
from tests.appointments.conftest import NOW, at, plus
from tests.factories import staff
from tests.queueing.test_queue_api import api, bearer, device

pytestmark = pytest.mark.django_db

PHONE = "0912345678"
MONDAY_8 = "2026-11-30T08:00:00+07:00"
ISSUE_BOOKED_KEYS = {"code", "secret", "start", "status", "qr_url"}
BOOKED_KEYS = ISSUE_BOOKED_KEYS | {"end", "expires_at", "manage_url"}
APPOINTMENT_KEYS = {
    "code",
    "center",
    "center_name",
    "service",
    "service_name",
    "procedure",
    "start",
    "end",
    "status",
    "status_label",
    "expires_at",
    "name",
    "phone",
    "email",
    "ticket",
    "qr_url",
    "ics_url",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def quick_challenge(settings):
    # The real default (50,000) takes a phone a fraction of a second; tests need less.
    settings.ALTCHA_MAX_NUMBER = 2_000


@pytest.fixture
def client():
    return Client()


def post(client: Client, path: str, body: dict, **headers):
    return client.post(api(path), body, content_type="application/json", **headers)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def solved(client: Client) -> str:
    response = client.get(api("challenge"))
    assert response.status_code == 200
    return challenge_solve(response.json())


def booking(center, start=MONDAY_8, phone=PHONE, **fields) -> dict:
    return {
        "center": center.code,
        "service": "ho-tich",
        "start": start,
        "name": "Nguyễn Văn An",
        "phone": phone,
        **fields,
    }


def book_anonymously(client, center, start=MONDAY_8, phone=PHONE, **fields):
    body = booking(center, start, phone, consent=True, altcha=solved(client), **fields)
    return post(client, "appointments", body)


# --- Challenge and slots ------------------------------------------------------------------------


def test_the_challenge(client):
    response = client.get(api("challenge"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert body["algorithm"] == "SHA-256" and body["maxNumber"] == 2_000
    assert response.json() != client.get(api("challenge")).json()


def test_the_slots_of_a_day(client, center, service):
    response = client.get(api(f"centers/{center.code}/slots?service=ho-tich&date=2026-11-30"))

    assert response.status_code == 200, response.content
    slots = response.json()
    assert len(slots) == 12
    assert all(set(slot) == {"start", "end", "remaining"} for slot in slots)
    assert slots[0] == {"start": MONDAY_8, "end": "2026-11-30T08:15:00+07:00", "remaining": 2}
    assert slots[-1]["start"] == "2026-11-30T10:45:00+07:00"


def test_the_slots_show_what_remains(client, center, service):
    book_anonymously(client, center)

    slots = client.get(api(f"centers/{center.code}/slots?service=ho-tich&date=2026-11-30")).json()

    assert slots[0]["remaining"] == 1 and slots[1]["remaining"] == 2


@pytest.mark.parametrize("day", ["2026-11-29", "2026-12-05", "2026-12-31", "2027-02-08"], ids=str)
def test_no_slots_today_on_a_day_off_or_past_the_horizon(client, center, service, day):
    response = client.get(api(f"centers/{center.code}/slots?service=ho-tich&date={day}"))

    assert response.status_code == 200 and response.json() == []


def test_slots_of_an_unknown_center_or_service_or_a_bad_date(client, center, service):
    path = f"centers/{center.code}/slots"
    error(client.get(api("centers/khong-co/slots?service=ho-tich&date=2026-11-30")), 404, "unknown_center")  # fmt: skip
    error(client.get(api(f"{path}?service=khong-co&date=2026-11-30")), 404, "unknown_service")
    error(client.get(api(f"{path}?service=ho-tich&date=30/11/2026")), 400, "invalid_input")
    error(client.get(api(f"{path}?date=2026-11-30")), 400, "invalid_input")


def test_a_service_without_availability_is_not_bookable(client, center, service):
    Availability.objects.filter(service=service).update(is_active=False)

    error(
        client.get(api(f"centers/{center.code}/slots?service=ho-tich&date=2026-11-30")),
        404,
        "unknown_service",
    )


# --- Booking -------------------------------------------------------------------------------


def test_an_anonymous_booking(client, center, service):
    response = book_anonymously(client, center, email="an@example.vn")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= ISSUE_BOOKED_KEYS
    assert set(body) == BOOKED_KEYS
    appointment = Appointment.objects.get()
    assert body["code"] == appointment.code and len(body["code"]) == 6
    assert body["status"] == "reserved"
    assert body["start"] == MONDAY_8 and body["end"] == "2026-11-30T08:15:00+07:00"
    assert body["expires_at"].startswith("2026-11-29T10:10:")
    assert body["qr_url"] == f"http://testserver/appointments/{appointment.code}/qr.svg"
    assert body["manage_url"] == (
        f"http://testserver/appointments/{appointment.code}/?secret={body['secret']}"
    )
    assert appointment.source == Appointment.Source.WEB and appointment.created_by is None
    qr = client.get(body["qr_url"])
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"


def test_the_holder_s_routes(client, center, service):
    booked = book_anonymously(client, center, email="an@example.vn").json()
    code, secret = booked["code"], booked["secret"]

    shown = client.get(api(f"appointments/{code}?secret={secret}"))
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert set(body) == APPOINTMENT_KEYS
    assert body["code"] == code and body["status"] == "reserved"
    assert body["start"] == MONDAY_8  # the center's zone, as the slots
    assert (body["center"], body["service"], body["service_name"]) == (
        center.code,
        "ho-tich",
        "Hộ tịch",
    )
    assert (body["name"], body["phone"], body["email"]) == ("Nguyễn Văn An", PHONE, "an@example.vn")
    assert body["ticket"] is None and body["procedure"] is None
    assert (
        body["ics_url"] == f"http://testserver/appointments/{code}/appointment.ics?secret={secret}"
    )
    assert client.get(body["ics_url"]).status_code == 200

    confirmed = post(client, f"appointments/{code}/confirm", {"secret": secret})
    assert confirmed.status_code == 200, confirmed.content
    assert set(confirmed.json()) == APPOINTMENT_KEYS
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["expires_at"] is None

    moved = post(
        client,
        f"appointments/{code}/reschedule",
        {"secret": secret, "start": "2026-12-01T09:30:00+07:00"},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["code"] == code
    assert moved.json()["start"] == "2026-12-01T09:30:00+07:00"
    assert moved.json()["status"] == "confirmed"

    cancelled = post(client, f"appointments/{code}/cancel", {"secret": secret})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert [e.action for e in AppointmentEvent.objects.order_by("id")] == [
        "reserve",
        "confirm",
        "reschedule",
        "cancel",
    ]


def test_a_wrong_secret_is_a_404_like_an_unknown_code(client, center, service):
    booked = book_anonymously(client, center).json()
    code = booked["code"]

    answers = [
        client.get(api(f"appointments/{code}?secret=sai")),
        client.get(api(f"appointments/{code}")),
        client.get(api(f"appointments/ZZZZZZ?secret={booked['secret']}")),
        post(client, f"appointments/{code}/confirm", {"secret": "sai"}),
        post(client, f"appointments/{code}/confirm", {}),
        post(client, f"appointments/{code}/cancel", {"secret": "sai"}),
        post(client, f"appointments/{code}/reschedule", {"secret": "sai", "start": MONDAY_8}),
        post(client, "appointments/ZZZZZZ/cancel", {"secret": booked["secret"]}),
    ]

    messages = {error(answer, 404, "appointment_not_found")["message"] for answer in answers}
    assert len(messages) == 1
    assert Appointment.objects.get().status == Status.RESERVED


def test_refusals_of_the_holder_s_routes(client, center, service):
    booked = book_anonymously(client, center).json()
    code, secret = booked["code"], booked["secret"]
    post(client, f"appointments/{code}/confirm", {"secret": secret})

    error(post(client, f"appointments/{code}/confirm", {"secret": secret}), 409, "invalid_transition")  # fmt: skip
    error(
        post(
            client,
            f"appointments/{code}/reschedule",
            {"secret": secret, "start": "2026-12-05T08:00:00+07:00"},
        ),
        400,
        "no_such_slot",
    )
    error(
        post(client, f"appointments/{code}/reschedule", {"secret": secret, "start": "mai"}),
        400,
        "invalid_input",
    )
    error(
        post(
            client,
            f"appointments/{code}/reschedule",
            {"secret": secret, "start": "2026-11-30T08:00:00"},
        ),
        400,
        "invalid_start",
    )


def test_confirming_too_late(client, center, service, clock):
    booked = book_anonymously(client, center).json()
    clock.shift(11 * 60)

    error(
        post(client, f"appointments/{booked['code']}/confirm", {"secret": booked["secret"]}),
        409,
        "reservation_expired",
    )
    assert Appointment.objects.get().status == Status.EXPIRED


def test_booking_errors(client, center, service):
    assert book_anonymously(client, center, phone="0911111111").status_code == 201
    assert book_anonymously(client, center, phone="0922222222").status_code == 201

    full = error(book_anonymously(client, center, phone="0933333333"), 409, "slot_full")
    assert "hết chỗ" in full["message"]
    error(
        book_anonymously(client, center, "2026-11-30T09:00:00+07:00", phone="0911111111"),
        409,
        "already_booked",
    )
    invalid = error(
        book_anonymously(client, center, "2026-11-30T09:00:00+07:00", phone="12"),
        400,
        "invalid_input",
    )
    assert set(invalid["errors"]) == {"phone"}
    error(book_anonymously(client, center, "2026-11-30T08:05:00+07:00", phone="0944444444"), 400, "no_such_slot")  # fmt: skip
    error(book_anonymously(client, center, "2026-11-29T14:00:00+07:00", phone="0944444444"), 400, "outside_window")  # fmt: skip
    body = booking(center, consent=True, altcha=solved(client))
    body["center"] = "khong-co"
    error(post(client, "appointments", body), 404, "unknown_center")
    assert Appointment.objects.count() == 2


# --- The challenge and consent for anonymous callers ---------------------------------------------


def test_anonymous_bookings_need_a_solved_challenge(client, center, service):
    error(post(client, "appointments", booking(center, consent=True)), 400, "challenge_required")
    error(
        post(client, "appointments", booking(center, consent=True, altcha="")),
        400,
        "challenge_required",
    )
    error(
        post(client, "appointments", booking(center, consent=True, altcha="không-phải-base64")),
        400,
        "challenge_failed",
    )
    # A solution with a wrong number, or a challenge not signed by this server.
    payload = json.loads(base64.b64decode(solved(client)))
    wrong_number = base64.b64encode(
        json.dumps({**payload, "number": payload["number"] + 1}).encode()
    )
    forged = base64.b64encode(json.dumps({**payload, "signature": "0" * 64}).encode())
    for altcha in (wrong_number, forged):
        error(
            post(client, "appointments", booking(center, consent=True, altcha=altcha.decode())),
            400,
            "challenge_failed",
        )
    assert not Appointment.objects.exists()


def test_a_solved_challenge_is_accepted_once(client, center, service):
    altcha = solved(client)

    first = post(client, "appointments", booking(center, consent=True, altcha=altcha))
    again = post(
        client,
        "appointments",
        booking(center, "2026-12-01T08:00:00+07:00", "0987654321", consent=True, altcha=altcha),
    )

    assert first.status_code == 201, first.content
    error(again, 400, "challenge_used")
    assert Appointment.objects.count() == 1


def test_an_expired_challenge_is_refused(client, center, service, clock):
    altcha = solved(client)
    clock.shift(11 * 60)

    error(
        post(client, "appointments", booking(center, consent=True, altcha=altcha)),
        400,
        "challenge_failed",
    )


def test_anonymous_bookings_need_consent(client, center, service):
    for consent in ({}, {"consent": False}, {"consent": None}):
        error(
            post(client, "appointments", booking(center, altcha=solved(client), **consent)),
            400,
            "consent_required",
        )
    assert not Appointment.objects.exists()


# --- Staff and kiosk tokens ------------------------------------------------------------------------


def test_staff_book_with_a_bearer_token_without_challenge_or_consent(
    client, center, service, receptionist
):
    response = post(client, "appointments", booking(center), **bearer(client, receptionist))

    assert response.status_code == 201, response.content
    assert set(response.json()) == BOOKED_KEYS
    appointment = Appointment.objects.get()
    assert appointment.source == Appointment.Source.STAFF
    assert appointment.created_by == receptionist


def test_staff_confirm_and_cancel_without_the_secret(client, center, service, receptionist):
    auth = bearer(client, receptionist)
    code = post(client, "appointments", booking(center), **auth).json()["code"]

    assert post(client, f"appointments/{code}/confirm", {}, **auth).json()["status"] == "confirmed"
    moved = post(
        client, f"appointments/{code}/reschedule", {"start": "2026-11-30T09:00:00+07:00"}, **auth
    )
    assert moved.status_code == 200, moved.content
    assert post(client, f"appointments/{code}/cancel", {}, **auth).json()["status"] == "cancelled"


def test_staff_of_another_center_cannot_book_or_act(client, center, service, other_center):
    outsider = staff(Role.RECEPTIONIST, other_center, username="tiepnhan-khac")
    auth = bearer(client, outsider)
    code = book_anonymously(client, center).json()["code"]

    error(post(client, "appointments", booking(center, phone="0987654321"), **auth), 403, "forbidden")  # fmt: skip
    error(post(client, f"appointments/{code}/cancel", {}, **auth), 404, "appointment_not_found")
    assert Appointment.objects.get().status == Status.RESERVED


def test_a_bad_bearer_token_is_refused(client, center, service):
    error(
        post(client, "appointments", booking(center), HTTP_AUTHORIZATION="Bearer sai"),
        403,
        "invalid_token",
    )


def test_a_kiosk_books_without_challenge(client, center, service, kiosk):
    response = post(client, "appointments", booking(center), **device(kiosk[1]))

    assert response.status_code == 201, response.content
    assert Appointment.objects.get().source == Appointment.Source.API


def test_other_devices_need_the_challenge_or_are_refused(client, center, service, other_center):
    admin = staff(Role.CENTER_ADMIN, other_center, username="quantri-khac")
    _device, other_kiosk = device_token_create(
        actor=admin, center=other_center, purpose=DeviceToken.Purpose.KIOSK, name="K"
    )
    local_admin = staff(Role.CENTER_ADMIN, center, username="quantri-2")
    _device, display = device_token_create(
        actor=local_admin, center=center, purpose=DeviceToken.Purpose.DISPLAY, name="Màn hình"
    )

    for raw in (other_kiosk, display):
        error(post(client, "appointments", booking(center), **device(raw)), 403, "not_a_kiosk")
    assert not Appointment.objects.exists()


# --- Rate limit --------------------------------------------------------------------------------


def test_anonymous_bookings_are_limited_per_address(client, center, service, receptionist):
    BookingPolicy.objects.filter(center=center).update(bookings_per_ip_per_hour=2)
    for phone in ("0911111111", "0922222222"):
        response = book_anonymously(client, center, phone=phone)
        assert response.status_code == 201, response.content

    limited = book_anonymously(client, center, "2026-11-30T09:00:00+07:00", phone="0933333333")

    error(limited, 429, "rate_limited")
    assert 0 < int(limited["Retry-After"]) <= 3600
    # Every attempt counts, even one without a challenge.
    error(post(client, "appointments", booking(center, phone="0944444444")), 429, "rate_limited")
    # Another address, and staff, are not held back.
    other = post(
        client,
        "appointments",
        booking(
            center, "2026-11-30T09:00:00+07:00", "0933333333", consent=True, altcha=solved(client)
        ),
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 201, other.content
    staff_booking = post(
        client,
        "appointments",
        booking(center, "2026-11-30T09:15:00+07:00", "0955555555"),
        **bearer(client, receptionist),
    )
    assert staff_booking.status_code == 201
    assert Appointment.objects.count() == 4


# --- Check-in ---------------------------------------------------------------------------------


def confirmed(client, center, start=MONDAY_8, phone=PHONE, **fields) -> dict:
    booked = book_anonymously(client, center, start, phone, **fields).json()
    post(client, f"appointments/{booked['code']}/confirm", {"secret": booked["secret"]})
    return booked


def test_a_kiosk_checks_an_appointment_in(client, center, service, kiosk, clock):
    booked = confirmed(client, center)
    clock.move_to(at(30, 7, 50))

    response = post(
        client,
        f"centers/{center.code}/check-in",
        {"scan": booked["code"].lower()},
        **device(kiosk[1]),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"code", "start", "service", "ticket", "ticket_token", "ticket_url"}
    ticket = Ticket.objects.get()
    assert (body["code"], body["start"], body["service"]) == (booked["code"], MONDAY_8, "ho-tich")
    assert (body["ticket"], body["ticket_token"]) == (ticket.display, ticket.token)
    assert body["ticket_url"] == f"http://testserver/t/{ticket.token}/"
    assert ticket.appointment_code == booked["code"] and ticket.appointment_at == at(30, 8)
    shown = client.get(api(f"appointments/{booked['code']}?secret={booked['secret']}")).json()
    assert shown["status"] == "checked_in" and shown["ticket"] == ticket.display


def test_a_kiosk_checks_in_by_the_id_card(client, center, service, kiosk, clock):
    booked = confirmed(client, center, id_number="001090012345")
    clock.move_to(at(30, 8, 5))
    card = "001090012345||Nguyễn Văn An|01011990|Nam|Thôn 1, xã Hạnh Phúc|01012021"

    response = post(client, f"centers/{center.code}/check-in", {"scan": card}, **device(kiosk[1]))

    assert response.status_code == 200, response.content
    assert response.json()["code"] == booked["code"]


def test_check_in_refusals(client, center, service, kiosk, clock, other_center, receptionist):
    booked = confirmed(client, center)
    path = f"centers/{center.code}/check-in"
    scan = {"scan": booked["code"]}

    clock.move_to(at(30, 7, 44))
    early = error(post(client, path, scan, **device(kiosk[1])), 409, "too_early")
    assert early["offer_ticket"] is True and early["service"] == "ho-tich"
    clock.move_to(at(30, 8, 11))
    late = error(post(client, path, scan, **device(kiosk[1])), 409, "too_late")
    assert late["offer_ticket"] is True
    clock.move_to(at(30, 8, 5))
    error(post(client, path, {"scan": "ZZZZZZ"}, **device(kiosk[1])), 404, "appointment_not_found")
    error(post(client, path, scan), 403, "forbidden")
    admin = staff(Role.CENTER_ADMIN, other_center, username="quantri-khac")
    _device, other_kiosk = device_token_create(
        actor=admin, center=other_center, purpose=DeviceToken.Purpose.KIOSK, name="K"
    )
    error(post(client, path, scan, **device(other_kiosk)), 403, "not_a_kiosk")
    error(post(client, f"centers/{other_center.code}/check-in", scan, **device(other_kiosk)), 404, "appointment_not_found")  # fmt: skip
    error(post(client, path, {}, **device(kiosk[1])), 400, "invalid_input")
    assert not Ticket.objects.exists()

    assert post(client, path, scan, **bearer(client, receptionist)).status_code == 200
    again = error(post(client, path, scan, **device(kiosk[1])), 409, "already_checked_in")
    assert again["offer_ticket"] is False
    assert Ticket.objects.count() == 1


# --- The staff's day list ------------------------------------------------------------------------


DAY_KEYS = {
    "code",
    "start",
    "end",
    "service",
    "status",
    "status_label",
    "name",
    "phone",
    "procedure",
    "ticket",
    "counter",
}


def test_the_staff_day_list(client, center, service, receptionist, other_center, kiosk, clock):
    first = confirmed(client, center, "2026-11-30T09:00:00+07:00", "0911111111")
    second = confirmed(client, center, MONDAY_8, "0922222222")
    confirmed(client, center, "2026-12-01T08:00:00+07:00", "0933333333")  # another day
    expired = book_anonymously(client, center, "2026-11-30T10:00:00+07:00", phone="0944444444")
    services.appointments_expire(now=plus(NOW, minutes=20))
    assert Appointment.objects.get(code=expired.json()["code"]).status == Status.EXPIRED
    auth = bearer(client, receptionist)
    path = f"centers/{center.code}/appointments"

    response = client.get(api(f"{path}?date=2026-11-30"), **auth)

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["code"] for row in rows] == [second["code"], first["code"]]
    assert all(set(row) == DAY_KEYS for row in rows)
    assert rows[0] == {
        "code": second["code"],
        "start": MONDAY_8,
        "end": "2026-11-30T08:15:00+07:00",
        "service": "ho-tich",
        "status": "confirmed",
        "status_label": "Đã xác nhận",
        "name": "Nguyễn Văn An",
        "phone": "0922222222",
        "procedure": None,
        "ticket": None,
        "counter": None,
    }
    filtered = client.get(api(f"{path}?date=2026-11-30&service=ho-tich"), **auth).json()
    assert [row["code"] for row in filtered] == [second["code"], first["code"]]
    # A service whose availability was removed keeps its bookings listed.
    Availability.objects.filter(service=service).delete()
    still = client.get(api(f"{path}?date=2026-11-30&service=ho-tich"), **auth).json()
    assert len(still) == 2
    error(client.get(api(f"{path}?date=2026-11-30&service=khong-co"), **auth), 404, "unknown_service")  # fmt: skip


def test_the_day_list_is_for_the_center_s_staff_only(client, center, service, other_center, kiosk):
    confirmed(client, center)
    path = f"centers/{center.code}/appointments?date=2026-11-30"
    outsider = staff(Role.RECEPTIONIST, other_center, username="tiepnhan-khac")

    error(client.get(api(path)), 401, "unauthorized")
    error(client.get(api(path), **device(kiosk[1])), 401, "unauthorized")
    error(client.get(api(path), **bearer(client, outsider)), 403, "forbidden")
    error(client.get(api(f"{path}&service=ho-tich"), **bearer(client, outsider)), 403, "forbidden")
    # Staff of the other center see their own (empty) day.
    own = client.get(
        api(f"centers/{other_center.code}/appointments?date=2026-11-30"), **bearer(client, outsider)
    )
    assert own.status_code == 200 and own.json() == []
