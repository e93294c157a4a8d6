"""The appointment services: reserve → confirm, the limits, cancel and reschedule, the holder's
secret and the staff, check-in at the kiosk, the calling order of checked-in tickets, the
background sweeps (expiry, no-shows, reminders), the events and the transition table.

Every service is given ``now=``: NOW is Sunday 29/11/2026 10:00 (+07), so Monday 30/11 is the
first bookable day, its slots 08:00–11:00 in quarters of two places each.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from motcua.appointments import selectors, services
from motcua.appointments.models import (
    Appointment,
    AppointmentEvent,
    Availability,
    BookingPolicy,
    Closure,
)
from motcua.appointments.workflow import NEW, TRANSITIONS, Action, Status, check
from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from motcua.notifications.models import Message
from motcua.organization.models import DeviceToken, Role
from motcua.organization.services import device_token_create
from motcua.queueing import services as queue
from motcua.queueing.models import Ticket
from tests.appointments.conftest import NOW, at, plus
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import issue, make_service

PHONE = "0912345678"
ID_NUMBER = "001090012345"
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)


def reserve(service, start=None, *, phone=PHONE, now=NOW, **fields):
    return services.appointment_reserve(
        center=service.center,
        service_code=service.code,
        start=start or at(30, 8),
        name=fields.pop("name", "Nguyễn Văn An"),
        phone=phone,
        now=now,
        **fields,
    )


def book(service, start=None, *, now=NOW, **fields) -> tuple[Appointment, str]:
    """Reserve and confirm."""
    appointment, secret = reserve(service, start, now=now, **fields)
    services.appointment_confirm(code=appointment.code, secret=secret, now=now)
    appointment.refresh_from_db()
    return appointment, secret


def remaining(service, start, now=NOW) -> int:
    local = start.date()
    for slot in selectors.slot_list(service=service, day=local, now=now):
        if slot.start == start:
            return slot.remaining
    raise AssertionError(f"no slot at {start}")


def refused(error_type, expected: str, call, /, *args, **kwargs) -> ServiceError:
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    assert caught.value.code == expected, (caught.value.code, caught.value.message)
    assert caught.value.message
    return caught.value


def actions(appointment) -> list[tuple[str, str, str]]:
    return list(
        AppointmentEvent.objects.filter(appointment=appointment)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status")
    )


def policy(center, **fields) -> BookingPolicy:
    BookingPolicy.objects.filter(center=center).update(**fields)
    return BookingPolicy.objects.get(center=center)


# --- Reserve and confirm ---------------------------------------------------------------------


def test_reserve_then_confirm(service, center):
    appointment, secret = reserve(service, email="an@example.vn", id_number=ID_NUMBER)

    assert appointment.status == Status.RESERVED
    assert appointment.expires_at == plus(NOW, minutes=10)
    assert len(appointment.code) == 6 and set(appointment.code) <= set(services.CODE_ALPHABET)
    assert secret and appointment.secret_hash != secret
    assert (appointment.day, appointment.start, appointment.end) == (
        MONDAY,
        at(30, 8),
        at(30, 8, 15),
    )
    assert (appointment.phone, appointment.email, appointment.id_number) == (
        PHONE,
        "an@example.vn",
        ID_NUMBER,
    )
    assert appointment.consent_at == NOW and appointment.created_at == NOW
    assert not Message.objects.exists()  # nothing is sent for a mere reservation

    confirmed = services.appointment_confirm(
        code=appointment.code.lower(), secret=secret, now=plus(NOW, minutes=5)
    )

    assert confirmed.status == Status.CONFIRMED
    assert confirmed.confirmed_at == plus(NOW, minutes=5)
    assert confirmed.expires_at is None
    assert actions(appointment) == [
        ("reserve", "", "reserved"),
        ("confirm", "reserved", "confirmed"),
    ]
    sent = Message.objects.filter(kind="appointment_confirmed")
    assert sorted(sent.values_list("channel", "recipient")) == [
        ("email", "an@example.vn"),
        ("sms", PHONE),
    ]
    assert all(appointment.code in message.body for message in sent)


def test_confirming_twice_is_refused(service):
    appointment, secret = book(service)

    refused(
        Conflict, "invalid_transition", services.appointment_confirm, code=appointment.code,
        secret=secret, now=NOW,
    )  # fmt: skip


def test_the_person_s_details_are_cleaned_and_checked(service):
    appointment, _secret = reserve(
        service, name="  Trần   Thị  Bình ", phone="+84 912.345.678", email=" Binh@Example.VN "
    )
    assert (appointment.name, appointment.phone, appointment.email) == (
        "Trần Thị Bình",
        PHONE,
        "binh@example.vn",
    )

    error = refused(
        InvalidInput, "invalid_input", reserve, service, at(30, 9), phone="12345",
        name="A", email="not-an-email", id_number="12345",
    )  # fmt: skip
    assert set(error.details["errors"]) == {"name", "phone", "email", "id_number"}
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (at(30, 8, 5), "no_such_slot"),  # not the beginning of a slot
        (at(30, 11), "no_such_slot"),  # after the last slot
        (at(28, 8), "outside_window"),  # in the past
        (at(29, 14), "outside_window"),  # today
        (at(5, 8, month=12), "no_such_slot"),  # Saturday
        (at(14, 8, month=12), "outside_window"),  # past the 14-day horizon
    ],
)
def test_a_start_that_cannot_be_booked_is_refused(service, start, code):
    refused(InvalidInput, code, reserve, service, start)

    assert not Appointment.objects.exists()


def test_a_start_without_a_time_zone_is_refused(service):
    refused(InvalidInput, "invalid_start", reserve, service, at(30, 8).replace(tzinfo=None))


def test_a_start_in_another_zone_is_the_same_slot(service):
    from datetime import UTC

    appointment, _secret = reserve(service, at(30, 8).astimezone(UTC))

    assert appointment.start == at(30, 8)


def test_unknown_service_procedure_or_disabled_booking(service, center):
    refused(
        NotFound, "unknown_service", services.appointment_reserve, center=center,
        service_code="khong-co", start=at(30, 8), name="An", phone=PHONE, now=NOW,
    )  # fmt: skip
    refused(InvalidInput, "unknown_procedure", reserve, service, procedure_code="KHONG.CO")
    policy(center, enabled=False)
    refused(Conflict, "booking_closed", reserve, service)


def test_confirm_after_the_hold_expired_is_refused_and_the_place_is_free(service):
    appointment, secret = reserve(service)
    reserve(service, phone="0987654321", now=plus(NOW, minutes=1))
    assert remaining(service, at(30, 8), plus(NOW, minutes=9)) == 0
    later = plus(NOW, minutes=10)

    refused(
        Conflict, "reservation_expired", services.appointment_confirm, code=appointment.code,
        secret=secret, now=later,
    )  # fmt: skip

    appointment.refresh_from_db()
    assert appointment.status == Status.EXPIRED
    assert actions(appointment)[-1] == ("expire", "reserved", "expired")
    assert remaining(service, at(30, 8), later) == 1
    reserve(service, phone="0977777777", now=later)  # the place is taken by someone else
    assert remaining(service, at(30, 8), later) == 0


def test_confirm_after_the_sweep_expired_it_says_the_same(service):
    appointment, secret = reserve(service)
    services.appointments_expire(now=plus(NOW, minutes=11))

    refused(
        Conflict, "reservation_expired", services.appointment_confirm, code=appointment.code,
        secret=secret, now=plus(NOW, minutes=12),
    )  # fmt: skip


def test_reserved_places_hold_capacity_until_they_expire(service):
    reserve(service, phone="0911111111")
    reserve(service, phone="0922222222", now=plus(NOW, minutes=5))

    assert remaining(service, at(30, 8)) == 0
    error = refused(Conflict, "slot_full", reserve, service, phone="0933333333")
    assert "hết chỗ" in error.message
    # The first hold runs out at 10:10, the second at 10:15.
    assert remaining(service, at(30, 8), plus(NOW, minutes=10)) == 1
    assert remaining(service, at(30, 8), plus(NOW, minutes=15)) == 2
    reserve(service, phone="0933333333", now=plus(NOW, minutes=10))
    refused(Conflict, "slot_full", reserve, service, phone="0944444444", now=plus(NOW, minutes=11))


def test_confirmed_and_checked_in_places_stay_taken(service, kiosk, center):
    first, _ = book(service, phone="0911111111")
    book(service, phone="0922222222")
    services.appointment_check_in(center=center, scan=first.code, device=kiosk[0], now=at(30, 8))

    assert selectors.taken_counts(service, MONDAY, at(30, 8)) == {at(30, 8): 2}
    assert selectors.taken_counts(service, MONDAY, at(30, 12)) == {at(30, 8): 2}


# --- One booking per person per service per day ----------------------------------------------


def test_one_active_booking_per_phone_per_service_per_day(service, center, counter):
    reserve(service, at(30, 8))

    error = refused(Conflict, "already_booked", reserve, service, at(30, 9))
    assert "đã có một lịch hẹn" in error.message
    refused(Conflict, "already_booked", reserve, service, at(30, 9), phone="+84912345678")
    # Another day, another service: fine.
    reserve(service, at(1, 8, month=12))
    other = make_service(center, code="dat-dai", name="Đất đai", counters=[counter])
    Availability.objects.create(
        center=center, service=other, weekday=0, start=time(8), end=time(11), capacity=1
    )
    reserve(other, at(30, 9))
    assert Appointment.objects.filter(phone=PHONE).count() == 3


def test_one_active_booking_per_id_number(service):
    reserve(service, at(30, 8), id_number=ID_NUMBER)

    refused(
        Conflict, "already_booked", reserve, service, at(30, 9), phone="0987654321",
        id_number=ID_NUMBER,
    )  # fmt: skip
    reserve(service, at(1, 9, month=12), phone="0987654321", id_number=ID_NUMBER)
    # Without an ID number, only the phone counts.
    reserve(service, at(30, 9), phone="0977777777")


def test_after_cancel_or_expiry_the_person_may_book_again(service):
    first, secret = book(service, at(30, 8))
    services.appointment_cancel(code=first.code, secret=secret, now=plus(NOW, minutes=1))

    second, _ = reserve(service, at(30, 9), now=plus(NOW, minutes=2))
    # Its hold runs out unconfirmed: booking again is allowed.
    third, _ = reserve(service, at(30, 10), now=plus(NOW, minutes=13))

    assert {first.pk, second.pk, third.pk} == set(Appointment.objects.values_list("pk", flat=True))


# --- Cancel --------------------------------------------------------------------------------


def test_a_cancelled_confirmed_place_is_released_after_the_delay(service):
    first, secret = book(service, phone="0911111111")
    book(service, phone="0922222222")
    cancelled_at = plus(NOW, hours=1)

    cancelled = services.appointment_cancel(code=first.code, secret=secret, now=cancelled_at)

    assert cancelled.status == Status.CANCELLED
    assert cancelled.released_at == plus(cancelled_at, minutes=30)
    assert actions(first)[-1] == ("cancel", "confirmed", "cancelled")
    assert Message.objects.filter(kind="appointment_cancelled", recipient="0911111111").exists()
    for minutes in (0, 1, 29):
        assert remaining(service, at(30, 8), plus(cancelled_at, minutes=minutes)) == 0
    refused(
        Conflict, "slot_full", reserve, service, phone="0933333333",
        now=plus(cancelled_at, minutes=29),
    )  # fmt: skip
    assert remaining(service, at(30, 8), plus(cancelled_at, minutes=30)) == 1
    reserve(service, phone="0933333333", now=plus(cancelled_at, minutes=30))


def test_a_cancelled_reservation_is_released_at_once(service):
    first, secret = reserve(service, phone="0911111111")
    reserve(service, phone="0922222222")

    services.appointment_cancel(code=first.code, secret=secret, now=plus(NOW, minutes=1))

    assert remaining(service, at(30, 8), plus(NOW, minutes=1)) == 1
    assert not Message.objects.filter(kind="appointment_cancelled").exists()


def test_the_release_delay_is_the_center_s(service, center):
    policy(center, release_delay_minutes=0)
    first, secret = book(service, phone="0911111111")
    book(service, phone="0922222222")

    services.appointment_cancel(code=first.code, secret=secret, now=NOW)

    assert remaining(service, at(30, 8)) == 1


def test_cancel_twice_is_refused(service):
    appointment, secret = book(service)
    services.appointment_cancel(code=appointment.code, secret=secret, now=NOW)

    refused(
        Conflict, "invalid_transition", services.appointment_cancel, code=appointment.code,
        secret=secret, now=NOW,
    )  # fmt: skip


# --- Reschedule -----------------------------------------------------------------------------


def test_reschedule_keeps_the_code_and_frees_the_old_place(service):
    appointment, secret = book(service, at(30, 8))

    moved = services.appointment_reschedule(
        code=appointment.code, secret=secret, start=at(1, 9, 30, month=12), now=plus(NOW, hours=1)
    )

    assert moved.pk == appointment.pk and moved.code == appointment.code
    assert (moved.day, moved.start, moved.end) == (TUESDAY, at(1, 9, 30, 12), at(1, 9, 45, 12))
    assert moved.status == Status.CONFIRMED and moved.reschedules == 1
    assert remaining(service, at(30, 8)) == 2
    assert remaining(service, at(1, 9, 30, month=12)) == 1
    event = AppointmentEvent.objects.filter(appointment=appointment, action="reschedule").get()
    assert (event.from_status, event.to_status) == ("confirmed", "confirmed")
    assert event.note == "08:00 30/11/2026 → 09:30 01/12/2026"
    # The new time is confirmed to the holder.
    assert Message.objects.filter(kind="appointment_confirmed", recipient=PHONE).count() == 2


def test_moving_back_to_the_first_time_is_told_again(service):
    appointment, secret = book(service, at(30, 8))
    for start in (at(30, 9), at(30, 8)):
        services.appointment_reschedule(code=appointment.code, secret=secret, start=start, now=NOW)

    assert Message.objects.filter(kind="appointment_confirmed", channel="sms").count() == 3


def test_rescheduling_a_reservation_renews_its_hold(service):
    appointment, secret = reserve(service, at(30, 8))

    moved = services.appointment_reschedule(
        code=appointment.code, secret=secret, start=at(30, 9), now=plus(NOW, minutes=8)
    )

    assert moved.status == Status.RESERVED
    assert moved.expires_at == plus(NOW, minutes=18)


def test_rescheduling_an_expired_reservation_is_refused(service):
    appointment, secret = reserve(service, at(30, 8))

    refused(
        Conflict, "reservation_expired", services.appointment_reschedule, code=appointment.code,
        secret=secret, start=at(30, 9), now=plus(NOW, minutes=10),
    )  # fmt: skip


def test_reschedule_respects_capacity(service):
    appointment, secret = book(service, at(30, 8))
    book(service, at(30, 9), phone="0911111111")
    book(service, at(30, 9), phone="0922222222")

    refused(
        Conflict, "slot_full", services.appointment_reschedule, code=appointment.code,
        secret=secret, start=at(30, 9), now=NOW,
    )  # fmt: skip

    appointment.refresh_from_db()
    assert appointment.start == at(30, 8) and appointment.reschedules == 0


def test_reschedule_respects_the_one_booking_per_day_rule(service):
    monday, _ = book(service, at(30, 8))
    tuesday, secret = book(service, at(1, 8, month=12))

    refused(
        Conflict, "already_booked", services.appointment_reschedule, code=tuesday.code,
        secret=secret, start=at(30, 9), now=NOW,
    )  # fmt: skip
    # Moving within its own day is fine: it does not count against itself.
    services.appointment_reschedule(
        code=tuesday.code, secret=secret, start=at(1, 10, month=12), now=NOW
    )
    assert Appointment.objects.get(pk=monday.pk).start == at(30, 8)


def test_reschedule_refuses_a_day_off_and_a_closed_slot(service, center):
    appointment, secret = book(service, at(30, 8))

    for start in (at(5, 8, month=12), at(30, 7, 45), at(30, 8, 10)):
        refused(
            InvalidInput, "no_such_slot", services.appointment_reschedule, code=appointment.code,
            secret=secret, start=start, now=NOW,
        )  # fmt: skip
    refused(
        InvalidInput, "outside_window", services.appointment_reschedule, code=appointment.code,
        secret=secret, start=at(29, 14), now=NOW,
    )  # fmt: skip
    appointment.refresh_from_db()
    assert appointment.start == at(30, 8)


def test_rescheduling_to_the_same_slot_changes_nothing(service):
    appointment, secret = book(service, at(30, 8))

    same = services.appointment_reschedule(
        code=appointment.code, secret=secret, start=at(30, 8), now=NOW
    )

    assert same.reschedules == 0
    assert not AppointmentEvent.objects.filter(action="reschedule").exists()


def test_a_cancelled_appointment_cannot_be_rescheduled(service):
    appointment, secret = book(service, at(30, 8))
    services.appointment_cancel(code=appointment.code, secret=secret, now=NOW)

    refused(
        Conflict, "invalid_transition", services.appointment_reschedule, code=appointment.code,
        secret=secret, start=at(30, 9), now=NOW,
    )  # fmt: skip


# --- The holder's secret and the staff -----------------------------------------------------


def test_a_wrong_secret_is_answered_like_an_unknown_code(service):
    appointment, secret = book(service)

    wrong = refused(
        NotFound, "appointment_not_found", services.appointment_cancel, code=appointment.code,
        secret=secret + "x", now=NOW,
    )  # fmt: skip
    unknown = refused(
        NotFound, "appointment_not_found", services.appointment_cancel, code="ZZZZZZ",
        secret=secret, now=NOW,
    )  # fmt: skip
    missing = refused(
        NotFound, "appointment_not_found", services.appointment_cancel, code=appointment.code,
        secret=None, now=NOW,
    )  # fmt: skip

    assert wrong.message == unknown.message == missing.message
    assert selectors.appointment_by_secret(code=appointment.code, secret=secret) == appointment
    for code, value in ((appointment.code, "x"), ("ZZZZZZ", secret), ("", "")):
        with pytest.raises(NotFound):
            selectors.appointment_by_secret(code=code, secret=value)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_staff_of_the_center_act_without_the_secret(service, receptionist):
    appointment, _secret = reserve(service)

    services.appointment_confirm(code=appointment.code, secret=None, actor=receptionist, now=NOW)
    services.appointment_reschedule(
        code=appointment.code, secret=None, start=at(30, 9), actor=receptionist, now=NOW
    )
    services.appointment_cancel(code=appointment.code, secret=None, actor=receptionist, now=NOW)

    assert Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED
    assert set(
        AppointmentEvent.objects.filter(appointment=appointment)
        .exclude(action="reserve")
        .values_list("actor", flat=True)
    ) == {receptionist.pk}


def test_staff_of_another_center_may_not(service, other_center):
    appointment, _secret = reserve(service)
    outsider = staff(Role.RECEPTIONIST, other_center, username="tiepnhan-khac")

    for call, extra in (
        (services.appointment_confirm, {}),
        (services.appointment_cancel, {}),
        (services.appointment_reschedule, {"start": at(30, 9)}),
    ):
        refused(
            NotFound, "appointment_not_found", call, code=appointment.code, secret=None,
            actor=outsider, now=NOW, **extra,
        )  # fmt: skip
    assert Appointment.objects.get(pk=appointment.pk).status == Status.RESERVED


def test_a_booking_by_staff_records_who_and_where(service, receptionist):
    appointment, _ = reserve(service, actor=receptionist, source=Appointment.Source.STAFF)

    assert appointment.created_by == receptionist
    assert appointment.source == "staff"
    assert AppointmentEvent.objects.get(appointment=appointment).actor == receptionist


# --- Check-in ------------------------------------------------------------------------------


def check_in(center, scan, kiosk, now):
    return services.appointment_check_in(center=center, scan=scan, device=kiosk[0], now=now)


def card(id_number=ID_NUMBER) -> str:
    return f"{id_number}|123456789|Nguyễn Văn An|01011990|Nam|Thôn 1, xã Hạnh Phúc|01012021"


def test_check_in_by_code_issues_a_ticket_that_carries_the_appointment(service, center, kiosk):
    appointment, _ = book(service, at(30, 8))

    checked, ticket = check_in(center, appointment.code, kiosk, at(30, 7, 50))

    assert checked.status == Status.CHECKED_IN
    assert checked.checked_in_at == at(30, 7, 50)
    assert checked.ticket == ticket
    assert ticket.appointment_code == appointment.code
    assert ticket.appointment_at == at(30, 8)
    assert ticket.service == service and ticket.status == "waiting"
    assert ticket.source == Ticket.Source.KIOSK
    assert actions(appointment)[-1] == ("check_in", "confirmed", "checked_in")
    event = AppointmentEvent.objects.filter(appointment=appointment, action="check_in").get()
    assert event.note == ticket.display


@pytest.mark.parametrize(
    "scan",
    [
        "{code}",
        "{lower}",
        "  {lower} \n",
        "https://hanhphuc.gov.vn/dathen/{code}/",
        "https://hanhphuc.gov.vn/appointments/{lower}/?secret=abcDEF",
        "MÃ LỊCH HẸN: {code}",
    ],
)
def test_check_in_by_code_any_case_or_a_qr_text_containing_it(service, center, kiosk, scan):
    appointment, _ = book(service, at(30, 8))

    checked, _ticket = check_in(
        center, scan.format(code=appointment.code, lower=appointment.code.lower()), kiosk,
        at(30, 7, 50),
    )  # fmt: skip

    assert checked.pk == appointment.pk


def test_check_in_by_the_citizen_id_card_qr(service, center, kiosk):
    book(service, at(1, 8, month=12), id_number=ID_NUMBER)  # another day
    today, _ = book(service, at(30, 9), id_number=ID_NUMBER, phone="0987654321")

    checked, ticket = check_in(center, card(), kiosk, at(30, 8, 50))

    assert checked.pk == today.pk and ticket.appointment_code == today.code
    # Scanned again: already checked in (not "no appointment").
    refused(Conflict, "already_checked_in", check_in, center, card(), kiosk, at(30, 8, 55))


def test_an_id_card_without_an_appointment_today(service, center, kiosk):
    book(service, at(1, 8, month=12), id_number=ID_NUMBER)

    refused(NotFound, "appointment_not_found", check_in, center, card(), kiosk, at(30, 8))
    refused(InvalidInput, "invalid_card", check_in, center, "1234|x|y", kiosk, at(30, 8))


def test_unknown_codes_are_not_found(service, center, kiosk, other_center):
    refused(NotFound, "appointment_not_found", check_in, center, "ZZZZZZ", kiosk, at(30, 8))
    refused(NotFound, "appointment_not_found", check_in, center, "", kiosk, at(30, 8))
    refused(NotFound, "appointment_not_found", check_in, center, "xin chào", kiosk, at(30, 8))


@pytest.mark.parametrize(
    ("moment", "outcome"),
    [
        (at(30, 7, 44), "too_early"),
        (at(30, 7, 45), "ok"),
        (at(30, 8), "ok"),
        (at(30, 8, 10), "ok"),
        (at(30, 8, 11), "too_late"),
    ],
    ids=["16-min-before", "15-min-before", "on-time", "10-min-after", "11-min-after"],
)
def test_the_check_in_window_edges(service, center, kiosk, moment, outcome):
    appointment, _ = book(service, at(30, 8))

    if outcome == "ok":
        checked, _ticket = check_in(center, appointment.code, kiosk, moment)
        assert checked.status == Status.CHECKED_IN
        return
    error = refused(Conflict, outcome, check_in, center, appointment.code, kiosk, moment)
    assert error.details == {"offer_ticket": True, "service": "ho-tich"}
    assert "08:00 30/11/2026" in error.message
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert not Ticket.objects.exists()


def test_the_window_is_the_center_s(service, center, kiosk):
    policy(center, checkin_before_minutes=30, checkin_after_minutes=0)
    appointment, _ = book(service, at(30, 8))

    refused(Conflict, "too_late", check_in, center, appointment.code, kiosk, at(30, 8, 1))
    check_in(center, appointment.code, kiosk, at(30, 7, 30))


def test_already_checked_in(service, center, kiosk):
    appointment, _ = book(service, at(30, 8))
    check_in(center, appointment.code, kiosk, at(30, 7, 50))

    error = refused(
        Conflict, "already_checked_in", check_in, center, appointment.code, kiosk, at(30, 7, 51)
    )

    assert error.details == {"offer_ticket": False, "service": "ho-tich"}
    assert Ticket.objects.count() == 1


def test_cancelled_or_unconfirmed_appointments_are_not_checked_in(service, center, kiosk):
    cancelled, secret = book(service, at(30, 8))
    services.appointment_cancel(code=cancelled.code, secret=secret, now=NOW)
    reserved, _ = reserve(service, at(30, 8), phone="0987654321")

    for appointment in (cancelled, reserved):
        error = refused(
            Conflict, "not_confirmed", check_in, center, appointment.code, kiosk, at(30, 7, 50)
        )
        assert error.details == {"offer_ticket": True, "service": "ho-tich"}
    assert not Ticket.objects.exists()


def test_who_may_check_in(service, center, kiosk, receptionist, other_center):
    appointment, _ = book(service, at(30, 8))
    other_admin = staff(Role.CENTER_ADMIN, other_center, username="quantri-khac")
    other_kiosk, _raw = device_token_create(
        actor=other_admin, center=other_center, purpose=DeviceToken.Purpose.KIOSK, name="K"
    )
    admin = staff(Role.CENTER_ADMIN, center, username="quantri-2")
    display, _raw = device_token_create(
        actor=admin, center=center, purpose=DeviceToken.Purpose.DISPLAY, name="Màn hình"
    )
    outsider = staff(Role.RECEPTIONIST, other_center, username="tiepnhan-khac")
    moment = at(30, 7, 50)

    for device in (other_kiosk, display):
        refused(
            NotAllowed, "not_a_kiosk", services.appointment_check_in, center=center,
            scan=appointment.code, device=device, now=moment,
        )  # fmt: skip
    refused(
        NotAllowed, "forbidden", services.appointment_check_in, center=center,
        scan=appointment.code, actor=outsider, now=moment,
    )  # fmt: skip
    refused(
        NotAllowed, "forbidden", services.appointment_check_in, center=center,
        scan=appointment.code, now=moment,
    )  # fmt: skip
    # A kiosk of another center cannot learn whether a code exists here.
    refused(
        NotAllowed, "not_a_kiosk", services.appointment_check_in, center=center,
        scan="ZZZZZZ", device=other_kiosk, now=moment,
    )  # fmt: skip

    _checked, ticket = services.appointment_check_in(
        center=center, scan=appointment.code, actor=receptionist, now=moment
    )
    assert ticket.source == Ticket.Source.STAFF


# --- The calling order ---------------------------------------------------------------------


@pytest.fixture
def official(center):
    return staff(Role.RECEPTIONIST, center, username="canbo-quay")


def call(counter, official, now):
    ticket = queue.ticket_call_next(actor=official, counter=counter, now=now)
    if ticket is not None:
        queue.ticket_act(actor=official, counter=counter, action="no_show", now=now)
    return ticket


def test_a_checked_in_appointment_whose_time_has_come_is_called_first(
    service, center, kiosk, counter, official
):
    appointment, _ = book(service, at(30, 8))
    walk_ins = [issue(center, now=at(30, 7, minute)) for minute in (35, 40, 45)]
    _checked, booked = check_in(center, appointment.code, kiosk, at(30, 7, 50))

    order = [call(counter, official, at(30, 8, n)).pk for n in range(4)]

    assert order == [booked.pk, *(ticket.pk for ticket in walk_ins)]


def test_one_checked_in_early_waits_in_normal_order_until_its_time(
    service, center, kiosk, counter, official
):
    appointment, _ = book(service, at(30, 8))
    first = issue(center, now=at(30, 7, 40))
    second = issue(center, now=at(30, 7, 44))
    _checked, booked = check_in(center, appointment.code, kiosk, at(30, 7, 46))
    third = issue(center, now=at(30, 7, 50))

    # 07:55: its time has not come; it is behind the two issued before it.
    assert call(counter, official, at(30, 7, 55)).pk == first.pk
    # 08:00: now it goes first.
    assert call(counter, official, at(30, 8)).pk == booked.pk
    assert call(counter, official, at(30, 8, 1)).pk == second.pk
    assert call(counter, official, at(30, 8, 2)).pk == third.pk


def test_an_early_one_in_normal_order_is_called_when_its_turn_comes(
    service, center, kiosk, counter, official
):
    appointment, _ = book(service, at(30, 8))
    _checked, booked = check_in(center, appointment.code, kiosk, at(30, 7, 46))
    later = issue(center, now=at(30, 7, 50))

    assert call(counter, official, at(30, 7, 55)).pk == booked.pk
    assert call(counter, official, at(30, 7, 56)).pk == later.pk


def test_appointments_whose_time_has_come_go_in_the_order_of_their_times(
    service, center, kiosk, counter, official
):
    walk_in = issue(center, now=at(30, 7, 40))
    nine, _ = book(service, at(30, 8, 15), phone="0911111111")
    eight, _ = book(service, at(30, 8), phone="0922222222")
    _c, at_quarter = check_in(center, nine.code, kiosk, at(30, 8, 1))
    _c, at_eight = check_in(center, eight.code, kiosk, at(30, 8, 2))

    order = [call(counter, official, at(30, 8, 20 + n)).pk for n in range(3)]

    assert order == [at_eight.pk, at_quarter.pk, walk_in.pk]


def test_an_appointment_goes_before_priority_tickets(service, center, kiosk, counter, official):
    queue.priority_groups_ensure(center)
    priority = issue(center, priority="elderly", now=at(30, 7, 40))
    appointment, _ = book(service, at(30, 8))
    _c, booked = check_in(center, appointment.code, kiosk, at(30, 7, 50))

    assert call(counter, official, at(30, 8)).pk == booked.pk
    assert call(counter, official, at(30, 8, 1)).pk == priority.pk


def test_the_appointment_ticket_is_only_called_by_counters_of_its_service(
    service, center, kiosk, counter, official
):
    other_counter = CounterFactory(center=center, number=7)
    make_service(center, code="dat-dai", name="Đất đai", counters=[other_counter])
    walk_in = issue(center, "dat-dai", now=at(30, 7, 40))
    appointment, _ = book(service, at(30, 8))
    _c, booked = check_in(center, appointment.code, kiosk, at(30, 7, 50))

    assert call(other_counter, official, at(30, 8)).pk == walk_in.pk
    assert call(other_counter, official, at(30, 8, 1)) is None
    assert call(counter, official, at(30, 8, 2)).pk == booked.pk


# --- Sweeps --------------------------------------------------------------------------------


def test_the_sweep_expires_reservations_not_confirmed_in_time(service):
    held, _ = reserve(service, at(30, 8))
    confirmed, _ = book(service, at(30, 9), phone="0987654321")

    assert services.appointments_expire(now=plus(NOW, minutes=9, seconds=59)) == 0
    assert services.appointments_expire(now=plus(NOW, minutes=10)) == 1
    assert services.appointments_expire(now=plus(NOW, minutes=11)) == 0

    held.refresh_from_db()
    confirmed.refresh_from_db()
    assert held.status == Status.EXPIRED and confirmed.status == Status.CONFIRMED
    assert actions(held)[-1] == ("expire", "reserved", "expired")


def test_the_sweep_marks_no_shows_after_the_window(service, center, kiosk):
    missed, _ = book(service, at(30, 8))
    came, _ = book(service, at(30, 8), phone="0987654321")
    later, _ = book(service, at(30, 9), phone="0977777777")
    check_in(center, came.code, kiosk, at(30, 7, 55))

    assert services.appointments_mark_no_show(now=at(30, 8, 10)) == 0
    assert services.appointments_mark_no_show(now=at(30, 8, 11)) == 1
    assert services.appointments_mark_no_show(now=at(30, 8, 12)) == 0

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {
        missed.pk: Status.NO_SHOW,
        came.pk: Status.CHECKED_IN,
        later.pk: Status.CONFIRMED,
    }
    assert actions(missed)[-1] == ("no_show", "confirmed", "no_show")
    # A no-show keeps its place (the slot is over anyway) and cannot check in any more.
    refused(Conflict, "not_confirmed", check_in, center, missed.code, kiosk, at(30, 8, 12))


def reminders(kind="appointment_reminder"):
    return sorted(Message.objects.filter(kind=kind).values_list("recipient", "channel"))


def every_minute(start, end):
    moment = start
    while moment <= end:
        yield moment
        moment += timedelta(minutes=1)


def test_reminders_the_day_before_and_an_hour_before_once_each(service):
    # Booked on Sunday 10:00 for Monday 10:45 (24 h 45 min ahead), with an email.
    appointment, _ = book(service, at(30, 10, 45), email="an@example.vn")

    # The sweep runs every minute; around the two moments:
    sent = [
        services.appointments_sweep(now=moment)["reminders"]
        for moment in every_minute(at(29, 10, 40), at(29, 11, 0))
    ]
    assert sum(sent) == 1 and sent[5] == 1  # at 10:45 on Sunday, 24 h before
    assert reminders() == [(PHONE, "sms"), ("an@example.vn", "email")]
    for moment in every_minute(at(30, 7), at(30, 9, 44)):
        if moment.minute % 7 == 0:  # now and then in between: nothing new
            assert services.appointment_reminders_send(now=moment) == 0
    sent = [
        services.appointment_reminders_send(now=moment)
        for moment in every_minute(at(30, 9, 40), at(30, 10, 44))
    ]
    assert sum(sent) == 1 and sent[5] == 1  # at 09:45, an hour before
    assert len(reminders()) == 4
    keys = set(Message.objects.filter(kind="appointment_reminder").values_list("idempotency_key"))
    assert {key.split(":")[3] for (key,) in keys} == {"day", "hour"}
    assert all(
        appointment.code in m.body for m in Message.objects.filter(kind="appointment_reminder")
    )


def test_no_day_reminder_for_a_booking_made_less_than_a_day_before(service):
    book(service, at(30, 8))  # 22 hours ahead

    for moment in every_minute(at(29, 10), at(29, 10, 30)):
        services.appointment_reminders_send(now=moment)
    assert reminders() == []
    services.appointment_reminders_send(now=at(30, 7))
    assert reminders() == [(PHONE, "sms")]


def test_no_reminder_for_a_booking_made_less_than_an_hour_before(service, center):
    policy(center, earliest_days_ahead=0, same_day_cutoff_minutes=30)
    book(service, at(30, 8), now=at(30, 7, 20))

    for moment in every_minute(at(30, 7, 20), at(30, 8)):
        services.appointment_reminders_send(now=moment)

    assert reminders() == []


def test_a_late_sweep_sends_the_hour_reminder_only(service):
    book(service, at(1, 10, month=12))  # booked two days ahead

    assert services.appointment_reminders_send(now=at(1, 9, 30, month=12)) == 1

    keys = Message.objects.filter(kind="appointment_reminder").values_list(
        "idempotency_key", flat=True
    )
    assert [key.split(":")[3] for key in keys] == ["hour"]


def test_no_reminder_for_cancelled_or_unconfirmed_bookings(service):
    cancelled, secret = book(service, at(1, 10, month=12))
    services.appointment_cancel(code=cancelled.code, secret=secret, now=NOW)
    reserve(service, at(1, 10, month=12), phone="0987654321")

    services.appointment_reminders_send(now=at(30, 10))
    services.appointment_reminders_send(now=at(1, 9, month=12))

    assert reminders() == []


def test_a_rescheduled_appointment_is_reminded_of_its_new_time(service):
    appointment, secret = book(service, at(1, 10, month=12))
    services.appointment_reminders_send(now=at(30, 10))
    services.appointment_reschedule(
        code=appointment.code, secret=secret, start=at(2, 10, month=12), now=at(30, 11)
    )

    services.appointment_reminders_send(now=at(1, 10, month=12))

    assert len(reminders()) == 2


# --- Events and the transition table -------------------------------------------------------


def test_every_change_appends_an_event(service, center, kiosk, receptionist):
    appointment, secret = reserve(service, at(30, 8))
    services.appointment_reschedule(
        code=appointment.code, secret=secret, start=at(30, 8, 30), now=plus(NOW, minutes=1)
    )
    services.appointment_confirm(code=appointment.code, secret=secret, now=plus(NOW, minutes=2))
    services.appointment_reschedule(
        code=appointment.code, secret=None, start=at(30, 9), actor=receptionist,
        now=plus(NOW, minutes=3),
    )  # fmt: skip
    check_in(center, appointment.code, kiosk, at(30, 8, 50))

    assert actions(appointment) == [
        ("reserve", "", "reserved"),
        ("reschedule", "reserved", "reserved"),
        ("confirm", "reserved", "confirmed"),
        ("reschedule", "confirmed", "confirmed"),
        ("check_in", "confirmed", "checked_in"),
    ]
    events = list(AppointmentEvent.objects.filter(appointment=appointment).order_by("id"))
    assert [e.at for e in events] == [
        NOW,
        plus(NOW, minutes=1),
        plus(NOW, minutes=2),
        plus(NOW, minutes=3),
        at(30, 8, 50),
    ]
    assert events[3].actor == receptionist
    # A refused change leaves no event.
    with pytest.raises(Conflict):
        services.appointment_cancel(code=appointment.code, secret=secret, now=at(30, 9))
    assert AppointmentEvent.objects.filter(appointment=appointment).count() == 5


def test_events_of_cancel_expire_and_no_show(service):
    cancelled, secret = book(service, at(30, 8))
    services.appointment_cancel(code=cancelled.code, secret=secret, now=NOW)
    expired, _ = reserve(service, at(30, 9), phone="0911111111")
    no_show, _ = book(service, at(30, 10), phone="0922222222")
    services.appointments_sweep(now=at(30, 11))

    assert actions(cancelled)[-1] == ("cancel", "confirmed", "cancelled")
    assert actions(expired) == [("reserve", "", "reserved"), ("expire", "reserved", "expired")]
    assert actions(no_show)[-1] == ("no_show", "confirmed", "no_show")


STATUSES = [NEW, *Status.values]
ALLOWED = {
    ("reserve", NEW): "reserved",
    ("confirm", "reserved"): "confirmed",
    ("reschedule", "reserved"): "reserved",
    ("reschedule", "confirmed"): "confirmed",
    ("cancel", "reserved"): "cancelled",
    ("cancel", "confirmed"): "cancelled",
    ("check_in", "confirmed"): "checked_in",
    ("no_show", "confirmed"): "no_show",
    ("expire", "reserved"): "expired",
}


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s or "new")
@pytest.mark.parametrize("action", Action.values)
def test_the_transition_table(action, status):
    expected = ALLOWED.get((action, status))

    if expected is None:
        with pytest.raises(Conflict) as caught:
            check(action, status)
        assert caught.value.code == "invalid_transition"
        assert caught.value.message
    else:
        assert check(action, status) == expected


def test_the_table_has_every_action_and_nothing_else():
    assert set(TRANSITIONS) == set(Action.values)
    assert len(ALLOWED) == sum(len(allowed) for allowed, _target in TRANSITIONS.values())
    with pytest.raises(Conflict) as caught:
        check("teleport", Status.CONFIRMED)
    assert caught.value.code == "invalid_action"


def test_final_statuses_allow_nothing():
    for status in (Status.CANCELLED, Status.EXPIRED, Status.NO_SHOW, Status.CHECKED_IN):
        for action in Action.values:
            with pytest.raises(Conflict):
                check(action, status)


# --- Changes of availability keep the bookings ---------------------------------------------


def test_an_availability_change_keeps_existing_bookings_for_staff(
    service, center, receptionist, kiosk
):
    appointment, _ = book(service, at(30, 8))
    Availability.objects.filter(service=service).delete()
    Closure.objects.create(
        center=center, start=at(30, 0), end=at(1, 0, month=12), reason="Mất điện"
    )

    assert selectors.slots_of_day(service, MONDAY) == []
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    listed = selectors.day_list(user=receptionist, center=center, day=MONDAY)
    assert [row.pk for row in listed] == [appointment.pk]
    # The person who comes anyway is checked in.
    checked, _ticket = check_in(center, appointment.code, kiosk, at(30, 7, 55))
    assert checked.status == Status.CHECKED_IN


def test_the_position_shown_counts_appointments_whose_time_has_come_first(service, center, kiosk):
    import time_machine

    from motcua.queueing.selectors import ticket_ahead

    appointment, _ = book(service, at(30, 8))
    first = issue(center, now=at(30, 7, 40))
    second = issue(center, now=at(30, 7, 44))
    _checked, booked = check_in(center, appointment.code, kiosk, at(30, 7, 46))
    with time_machine.travel(at(30, 7, 55), tick=False):
        # Before its time the appointment ticket waits in the normal order.
        assert [ticket_ahead(t) for t in (first, second, booked)] == [0, 1, 2]
    with time_machine.travel(at(30, 8, 1), tick=False):
        assert [ticket_ahead(t) for t in (booked, first, second)] == [0, 1, 2]


def test_the_confirmation_carries_the_holders_link_with_the_secret(service):
    appointment, secret = book(service, at(30, 8, 30), email="an@example.com")
    sms = Message.objects.get(kind="appointment_confirmed", channel="sms")
    email = Message.objects.get(kind="appointment_confirmed", channel="email")
    link = f"/appointments/{appointment.code}/?secret={secret}"
    assert link in sms.body
    assert link in email.body
    # Confirmed by staff without the secret: no link (there is none to give).
    other, _secret = reserve(service, at(30, 9), phone="0987654321")
    receptionist = staff(Role.RECEPTIONIST, service.center, username="xacnhan")
    services.appointment_confirm(code=other.code, secret=None, actor=receptionist, now=NOW)
    body = Message.objects.get(kind="appointment_confirmed", recipient="0987654321").body
    assert "secret=" not in body
