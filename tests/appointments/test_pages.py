"""The citizen's appointment pages and the kiosk's check-in screen, through the Django client:
each step of the booking wizard, the booking itself (proof of work, consent, limits, a slot
just taken), the holder's page (view, reschedule, cancel, the calendar file and QR code), and
checking in at the kiosk inside and outside the window."""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from motcua.appointments import services
from motcua.appointments.challenge import challenge_create, challenge_solve
from motcua.appointments.models import Appointment, Availability, BookingPolicy
from motcua.appointments.workflow import Status
from motcua.catalog.models import Procedure
from motcua.catalog.services import center_procedure_set, procedure_import
from motcua.notifications.models import Message
from motcua.organization import identity
from motcua.queueing.models import Ticket
from tests.appointments.conftest import NOW, at
from tests.catalog.conftest import national_record
from tests.queueing.conftest import make_service

pytestmark = pytest.mark.django_db

BOOK = "/appointments/book/hanh-phuc/"
CARD = "001095012345|123456789|Nguyễn Thị Lan|15031995|Nữ|Số 12, thôn Đông, xã Hạnh Phúc|10042021"


@pytest.fixture(autouse=True)
def quick_challenge(settings):
    settings.ALTCHA_MAX_NUMBER = 2000


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def procedure(center, service):
    """A procedure of the center, served by the civil-status service."""
    report = procedure_import(
        actor=None,
        records=[
            national_record(
                "9.000001",
                "Thủ tục đăng ký khai sinh",
                field=("ho-tich", "Hộ tịch"),
                documents=[("Tờ khai đăng ký khai sinh", "1", "0"), ("Giấy chứng sinh", "1", "0")],
            )
        ],
    )
    assert report.ok, report.summary()
    procedure = Procedure.objects.get(code="9.000001")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    service.procedures.add(procedure)
    return procedure


def _solved() -> str:
    return challenge_solve(challenge_create())


def _form(**overrides) -> dict:
    data = {
        "service": "ho-tich",
        "date": "2026-11-30",
        "time": "08:00",
        "name": "Nguyễn Thị Lan",
        "phone": "0912345678",
        "email": "",
        "id_number": "",
        "consent": "on",
        "altcha": _solved(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _book(center, start=None, phone="0912345678", id_number="", name="Trần Văn Bình"):
    appointment, secret = services.appointment_reserve(
        center=center,
        service_code="ho-tich",
        start=start or at(30, 8),
        name=name,
        phone=phone,
        id_number=id_number,
        now=NOW,
    )
    services.appointment_confirm(code=appointment.code, secret=secret, now=NOW)
    appointment.refresh_from_db()
    return appointment, secret


def _secret_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["secret"][0]


def _text(response) -> str:
    return response.content.decode()


# --- Choosing the center ------------------------------------------------------------------------


def test_the_center_step_is_skipped_when_one_center_takes_appointments(client, service):
    response = client.get("/appointments/book/")
    assert response.status_code == 302
    assert response["Location"] == BOOK


def test_the_centers_taking_appointments_are_listed(client, service, other_center):
    other = make_service(other_center, code="dat-dai", name="Đất đai")
    Availability.objects.create(
        center=other_center, service=other, weekday=0, start=time(8), end=time(9)
    )
    response = client.get("/appointments/book/")
    assert response.status_code == 200
    assert BOOK in _text(response)
    assert "/appointments/book/nam-cuong/" in _text(response)


def test_no_center_takes_appointments(client, center):
    response = client.get("/appointments/book/")
    assert response.status_code == 200
    assert "chưa có trung tâm nào nhận đặt lịch hẹn" in _text(response)


def test_a_center_whose_booking_is_closed_says_so(client, service):
    BookingPolicy.objects.filter(center=service.center).update(enabled=False)
    response = client.get(BOOK)
    assert "không nhận đặt lịch hẹn trực tuyến" in _text(response)


def test_links_to_booking_from_the_navigation_the_home_page_and_the_kiosk(
    client, service, kiosk, center
):
    home = _text(client.get("/"))
    assert 'href="/appointments/book/"' in home  # the site navigation
    assert f'href="{BOOK}"' in home  # the center's card
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(kiosk[1])
    kiosk_home = _text(client.get("/kiosk/hanh-phuc/"))
    assert "Lấy số theo lịch hẹn" in kiosk_home
    assert 'href="/kiosk/hanh-phuc/check-in/"' in kiosk_home
    assert "Tra cứu hồ sơ" in kiosk_home


def test_no_booking_links_for_a_center_without_bookable_services(client, center, kiosk):
    assert f'href="{BOOK}"' not in _text(client.get("/"))
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(kiosk[1])
    assert "Lấy số theo lịch hẹn" not in _text(client.get("/kiosk/hanh-phuc/"))


# --- The wizard's steps ------------------------------------------------------------------------


def test_the_first_step_offers_the_services_and_a_procedure_search(client, service):
    response = client.get(BOOK)
    page = _text(response)
    assert response.status_code == 200
    assert 'aria-current="step"' in page
    assert f'href="{BOOK}?service=ho-tich"' in page
    assert 'name="q"' in page


def test_a_procedure_found_by_search_leads_to_its_service(client, procedure, frozen):
    page = _text(client.get(BOOK, {"q": "khai sinh"}))
    assert "Thủ tục đăng ký khai sinh" in page
    assert f'href="{BOOK}?procedure=9.000001&amp;service=ho-tich"' in page


def test_a_procedure_served_by_a_field_leads_to_its_service(client, procedure, service, frozen):
    service.procedures.clear()
    service.fields.add(procedure.fields.get())
    page = _text(client.get(BOOK, {"q": "khai sinh"}))
    assert f'href="{BOOK}?procedure=9.000001&amp;service=ho-tich"' in page


def test_a_procedure_without_a_declared_service_asks_for_the_service(
    client, procedure, service, frozen
):
    service.procedures.clear()
    page = _text(client.get(BOOK, {"q": "khai sinh"}))
    assert f'href="{BOOK}?procedure=9.000001"' in page
    page = _text(client.get(BOOK, {"procedure": "9.000001"}))
    assert "Chọn dịch vụ cho thủ tục này" in page
    assert f'href="{BOOK}?procedure=9.000001&amp;service=ho-tich"' in page


def test_a_search_with_no_result_says_so(client, service, frozen):
    page = _text(client.get(BOOK, {"q": "không có thủ tục này"}))
    assert "Không tìm thấy thủ tục" in page


def test_the_date_step_lists_bookable_days_with_places_and_no_days_off(client, service, frozen):
    page = _text(client.get(BOOK, {"service": "ho-tich"}))
    days = re.findall(r"date=(\d{4}-\d{2}-\d{2})", page)
    # Tomorrow (Monday 30/11) to 14 days ahead, weekdays only.
    assert days[0] == "2026-11-30"
    assert "2026-12-05" not in days and "2026-12-06" not in days  # Saturday, Sunday
    assert "2026-11-29" not in days  # today: not bookable by default
    assert len(days) == 10
    assert "Thứ Hai" in page and "30/11" in page
    assert "còn 24 chỗ" in page  # 12 slots of 2 places


def test_the_slot_step_shows_full_slots_disabled(client, service, center, frozen):
    _book(center, phone="0912000001")
    _book(center, phone="0912000002")
    page = _text(client.get(BOOK, {"service": "ho-tich", "date": "2026-11-30"}))
    assert re.search(
        r'class="slot slot--full" aria-disabled="true"><span class="slot__time">08:00', page
    )
    assert "time=08%3A00" not in page
    assert "time=08%3A15" in page
    assert "còn 2 chỗ" in page


def test_a_day_without_slots_goes_back_to_the_days(client, service, frozen):
    page = _text(client.get(BOOK, {"service": "ho-tich", "date": "2026-12-05"}))
    assert "không nhận hẹn" in page
    assert "date=2026-11-30" in page


def test_the_details_step_asks_for_the_person_consent_and_proof_of_work(
    client, service, procedure, frozen
):
    response = client.get(
        BOOK, {"procedure": "9.000001", "service": "ho-tich", "date": "2026-11-30", "time": "08:15"}
    )
    page = _text(response)
    assert response.status_code == 200
    for name in ("name", "phone", "email", "id_number", "consent", "altcha"):
        assert f'name="{name}"' in page
    assert "chỉ để đặt, nhắc và phục vụ lịch hẹn này" in page  # the default consent text
    assert "data-altcha-submit disabled" in page
    assert 'data-challenge-url="/api/v1/challenge"' in page
    assert "altcha-solver.js" in page
    assert "Đang xác minh…" in page
    assert "08:15–08:30" in page
    assert "Giấy chứng sinh" in page  # what to bring


def test_the_policy_consent_text_is_shown(client, service, frozen):
    BookingPolicy.objects.filter(center=service.center).update(
        consent_text="Đồng ý theo Nghị định 13/2023."
    )
    page = _text(client.get(BOOK, {"service": "ho-tich", "date": "2026-11-30", "time": "08:15"}))
    assert "Đồng ý theo Nghị định 13/2023." in page


# --- Booking -----------------------------------------------------------------------------------


def test_booking_confirms_at_once_and_sends_an_sms(client, service, procedure, frozen):
    response = client.post(BOOK, _form(procedure="9.000001", email="lan@example.com"))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.status == Status.CONFIRMED
    assert appointment.start == at(30, 8)
    assert (appointment.name, appointment.phone) == ("Nguyễn Thị Lan", "0912345678")
    assert appointment.procedure == procedure
    assert appointment.source == Appointment.Source.WEB
    location = response["Location"]
    assert location.startswith(f"/appointments/{appointment.code}/?secret=")
    sms = Message.objects.get(kind="appointment_confirmed", channel="sms")
    assert sms.recipient == "0912345678"
    assert appointment.code in sms.body
    assert Message.objects.filter(kind="appointment_confirmed", channel="email").exists()

    page = _text(client.get(location))
    assert "Đã đặt lịch hẹn" in page
    assert f'data-testid="appointment-code">{appointment.code}<' in page
    assert f'src="/appointments/{appointment.code}/qr.svg"' in page
    assert f"/appointments/{appointment.code}/appointment.ics?secret={_secret_of(location)}" in page
    assert "Thứ Hai, 30/11/2026" in page and "08:00–08:15" in page
    assert "Hộ tịch" in page and service.center.name in page
    assert "Tờ khai đăng ký khai sinh" in page  # what to bring
    assert "Giữ đường liên kết này để đổi hoặc hủy lịch hẹn" in page
    assert f"http://testserver{location}" in page


@pytest.mark.parametrize(
    ("altcha", "message"),
    [(None, "Thiếu xác minh chống máy tự động"), ("bm90IGEgcGF5bG9hZA==", "không hợp lệ")],
)
def test_a_missing_or_invalid_proof_of_work_is_refused(client, service, frozen, altcha, message):
    response = client.post(BOOK, _form(altcha=altcha or ""))
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert 'value="Nguyễn Thị Lan"' in page  # what was typed is kept
    assert not Appointment.objects.exists()


def test_a_proof_of_work_is_accepted_once(client, service, frozen):
    proof = _solved()
    assert client.post(BOOK, _form(altcha=proof)).status_code == 302
    response = client.post(BOOK, _form(altcha=proof, time="09:00", phone="0987654321"))
    assert response.status_code == 400
    assert "đã được dùng" in _text(response)
    assert Appointment.objects.count() == 1


def test_consent_is_required(client, service, frozen):
    response = client.post(BOOK, _form(consent=""))
    assert response.status_code == 400
    page = _text(response)
    assert "Cần đồng ý" in page
    assert 'id="e-consent"' in page
    assert not Appointment.objects.exists()


def test_invalid_details_are_shown_by_their_fields_and_kept(client, service, frozen):
    response = client.post(BOOK, _form(phone="12345", id_number="0123"))
    assert response.status_code == 400
    page = _text(response)
    assert "Số điện thoại không hợp lệ" in page and 'id="e-phone"' in page
    assert "Số CCCD có 12 chữ số" in page and 'id="e-id_number"' in page
    assert 'value="12345"' in page
    assert not Appointment.objects.exists()


def test_a_slot_just_taken_sends_back_to_the_slots_with_what_was_typed(
    client, service, center, frozen
):
    _book(center, phone="0912000001")
    _book(center, phone="0912000002")
    response = client.post(BOOK, _form(email="lan@example.com"))
    assert response.status_code == 302
    assert response["Location"] == f"{BOOK}?service=ho-tich&date=2026-11-30"
    page = _text(client.get(response["Location"]))
    assert "vừa hết chỗ" in page
    assert Appointment.objects.count() == 2
    page = _text(client.get(BOOK, {"service": "ho-tich", "date": "2026-11-30", "time": "08:15"}))
    assert 'value="Nguyễn Thị Lan"' in page and 'value="lan@example.com"' in page


def test_one_booking_per_phone_per_service_and_day(client, service, center, frozen):
    _book(center, start=at(30, 10))
    response = client.post(BOOK, _form(time="08:30"))
    assert response.status_code == 409
    page = _text(response)
    assert "đã có một lịch hẹn" in page
    assert 'value="Nguyễn Thị Lan"' in page
    assert Appointment.objects.count() == 1


def test_bookings_are_rate_limited_per_address(client, service, frozen):
    BookingPolicy.objects.filter(center=service.center).update(bookings_per_ip_per_hour=1)
    assert client.post(BOOK, _form()).status_code == 302
    response = client.post(BOOK, _form(time="09:00", phone="0987654321"))
    assert response.status_code == 429
    assert "quá nhiều yêu cầu" in _text(response).lower()
    assert Appointment.objects.count() == 1


# --- The holder's page ----------------------------------------------------------------------


def test_the_holders_page_without_a_secret_asks_for_it(client, service, center, frozen):
    appointment, _secret = _book(center)
    response = client.get(f"/appointments/{appointment.code}/")
    page = _text(response)
    assert response.status_code == 200
    assert 'name="secret"' in page and 'name="code"' in page
    assert "secret=" in page  # says where the secret is
    assert appointment.name not in page


def test_the_holders_page_with_a_wrong_secret_shows_nothing(client, service, center, frozen):
    appointment, _secret = _book(center)
    response = client.get(f"/appointments/{appointment.code}/", {"secret": "sai-ma"})
    assert response.status_code == 404
    page = _text(response)
    assert "Không tìm thấy lịch hẹn" in page
    assert appointment.name not in page and appointment.phone not in page


def test_the_holders_page_with_the_secret(client, service, center, frozen):
    appointment, secret = _book(center)
    response = client.get(f"/appointments/{appointment.code.lower()}/", {"secret": secret})
    page = _text(response)
    assert response.status_code == 200
    assert appointment.code in page and appointment.name in page
    assert "Đã xác nhận" in page
    assert "step=reschedule" in page and "step=cancel" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_lookup_form_opens_the_appointment(client, service, center, frozen):
    appointment, secret = _book(center)
    response = client.get(
        "/appointments/book/", {"code": appointment.code.lower(), "secret": secret}
    )
    assert response["Location"] == f"/appointments/{appointment.code}/?secret={secret}"
    pasted = f"http://may.example/appointments/{appointment.code}/?secret={secret}"
    response = client.get("/appointments/book/", {"code": pasted, "secret": ""})
    assert response["Location"] == f"/appointments/{appointment.code}/?secret={secret}"
    response = client.get("/appointments/XXXXXX/", {"code": appointment.code, "secret": secret})
    assert response["Location"] == f"/appointments/{appointment.code}/?secret={secret}"


def test_lookups_are_rate_limited_per_address(client, service, center, frozen):
    appointment, secret = _book(center)
    url = f"/appointments/{appointment.code}/"
    for _ in range(60):
        assert client.get(url, {"secret": "sai"}).status_code == 404
    response = client.get(url, {"secret": secret})
    assert response.status_code == 429
    assert appointment.name not in _text(response)


def test_reschedule_through_the_holders_page(client, service, center, frozen):
    appointment, secret = _book(center)
    url = f"/appointments/{appointment.code}/"
    page = _text(client.get(url, {"secret": secret, "step": "reschedule"}))
    assert "Chọn ngày mới" in page and "date=2026-12-01" in page
    page = _text(client.get(url, {"secret": secret, "step": "reschedule", "date": "2026-12-01"}))
    assert "time=09%3A30" in page
    page = _text(
        client.get(
            url, {"secret": secret, "step": "reschedule", "date": "2026-12-01", "time": "09:30"}
        )
    )
    assert "Xác nhận đổi giờ" in page and "09:30–09:45" in page
    response = client.post(
        url, {"secret": secret, "action": "reschedule", "date": "2026-12-01", "time": "09:30"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?secret={secret}"
    appointment.refresh_from_db()
    assert appointment.start == at(1, 9, 30, month=12)
    assert appointment.status == Status.CONFIRMED
    assert "Đã đổi lịch hẹn sang 09:30, Thứ Ba, 01/12/2026" in _text(
        client.get(response["Location"])
    )


def test_reschedule_to_a_full_slot_goes_back_to_the_slots(client, service, center, frozen):
    appointment, secret = _book(center)
    _book(center, start=at(1, 9, month=12), phone="0912000001")
    _book(center, start=at(1, 9, month=12), phone="0912000002")
    url = f"/appointments/{appointment.code}/"
    response = client.post(
        url, {"secret": secret, "action": "reschedule", "date": "2026-12-01", "time": "09:00"}
    )
    assert response.status_code == 302
    assert "step=reschedule" in response["Location"] and "date=2026-12-01" in response["Location"]
    assert "vừa hết chỗ" in _text(client.get(response["Location"]))
    appointment.refresh_from_db()
    assert appointment.start == at(30, 8)


def test_cancel_with_a_confirmation_step(client, service, center, frozen):
    appointment, secret = _book(center)
    url = f"/appointments/{appointment.code}/"
    page = _text(client.get(url, {"secret": secret, "step": "cancel"}))
    assert "Hủy lịch hẹn?" in page and 'value="cancel"' in page
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED  # asking changes nothing
    response = client.post(url, {"secret": secret, "action": "cancel"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    page = _text(client.get(response["Location"]))
    assert "Đã hủy lịch hẹn" in page and "step=reschedule" not in page


def test_changes_need_the_secret(client, service, center, frozen):
    appointment, _secret = _book(center)
    response = client.post(
        f"/appointments/{appointment.code}/", {"secret": "sai", "action": "cancel"}
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_the_calendar_file(client, service, center, frozen):
    appointment, secret = _book(center)
    response = client.get(f"/appointments/{appointment.code}/appointment.ics", {"secret": secret})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = _text(response)
    assert "DTSTART:20261130T010000Z" in body  # 08:00 in Hanoi is 01:00 UTC
    assert "DTEND:20261130T011500Z" in body
    assert appointment.code in body
    wrong = client.get(f"/appointments/{appointment.code}/appointment.ics", {"secret": "sai"})
    assert wrong.status_code == 404


def test_the_qr_code_is_svg_holding_the_code(client, service, center, frozen):
    appointment, _secret = _book(center)
    response = client.get(reverse("appointments:qr", kwargs={"code": appointment.code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    assert f"<title>{appointment.code}</title>".encode() in response.content
    assert client.get("/appointments/ZZZZZZ/qr.svg").status_code == 404


# --- The kiosk's check-in ----------------------------------------------------------------------

CHECK_IN = "/kiosk/hanh-phuc/check-in/"


@pytest.fixture
def kiosk_client(client, kiosk):
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(kiosk[1])
    return client


def test_the_check_in_screen_has_a_keypad_of_the_code_alphabet(kiosk_client, service):
    page = _text(kiosk_client.get(CHECK_IN))
    keys = re.findall(r'data-key="([A-Z0-9])"', page)
    assert "".join(keys) == services.CODE_ALPHABET
    assert 'name="scan"' in page and "autofocus" in page


def test_check_in_inside_the_window_gives_a_ticket(kiosk_client, service, center, kiosk):
    appointment, _secret = _book(center)
    with time_machine.travel(at(30, 7, 50), tick=False):
        response = kiosk_client.post(CHECK_IN, {"scan": appointment.code.lower()})
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert response["Location"] == f"/kiosk/hanh-phuc/ticket/{ticket.token}/"
        assert ticket.appointment_code == appointment.code
        assert ticket.appointment_at == at(30, 8)
        assert ticket.source == Ticket.Source.KIOSK
        page = _text(kiosk_client.get(response["Location"]))
    assert "Lịch hẹn lúc 08:00" in page
    assert ticket.display in page
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN and appointment.ticket == ticket


def test_check_in_by_the_qr_text_or_the_citizen_id_card(kiosk_client, service, center):
    first, _ = _book(center)
    second, _ = _book(center, start=at(30, 8, 15), phone="0987654321", id_number="001095012345")
    with time_machine.travel(at(30, 8, 5), tick=False):
        scanned = f"http://may.example/appointments/{first.code}/\n"
        assert kiosk_client.post(CHECK_IN, {"scan": scanned}).status_code == 302
        assert kiosk_client.post(CHECK_IN, {"scan": CARD}).status_code == 302
    assert Ticket.objects.count() == 2
    second.refresh_from_db()
    assert second.status == Status.CHECKED_IN


@pytest.mark.parametrize(
    ("moment", "message"),
    [(at(30, 7, 30), "Mời quay lại từ 07:45"), (at(30, 8, 20), "Đã quá giờ hẹn")],
)
def test_outside_the_window_a_clear_message_and_an_ordinary_ticket(
    kiosk_client, service, center, moment, message
):
    appointment, _secret = _book(center)
    with time_machine.travel(moment, tick=False):
        response = kiosk_client.post(CHECK_IN, {"scan": appointment.code})
    assert response.status_code == 409
    page = _text(response)
    assert message in page
    assert 'data-testid="checkin-error"' in page
    assert 'href="/kiosk/hanh-phuc/ho-tich/">Lấy số thường<' in page
    assert not Ticket.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_an_unknown_code_offers_the_kiosk_start(kiosk_client, service):
    with time_machine.travel(at(30, 8), tick=False):
        response = kiosk_client.post(CHECK_IN, {"scan": "ABCDEF"})
        empty = kiosk_client.post(CHECK_IN, {"scan": "  "})
    assert response.status_code == 404
    assert "Không tìm thấy lịch hẹn" in _text(response)
    assert 'href="/kiosk/hanh-phuc/">Lấy số thường<' in _text(response)
    assert empty.status_code == 400
    assert "Xin nhập mã lịch hẹn" in _text(empty)


def test_checking_in_twice_is_refused_without_an_ordinary_ticket(kiosk_client, service, center):
    appointment, _secret = _book(center)
    with time_machine.travel(at(30, 7, 55), tick=False):
        kiosk_client.post(CHECK_IN, {"scan": appointment.code})
        response = kiosk_client.post(CHECK_IN, {"scan": appointment.code})
    assert response.status_code == 409
    assert "đã lấy số rồi" in _text(response)
    assert "Lấy số thường" not in _text(response)
    assert Ticket.objects.count() == 1


def test_an_unpaired_kiosk_cannot_check_in(client, service, center):
    appointment, _secret = _book(center)
    assert client.get(CHECK_IN).status_code == 403
    with time_machine.travel(at(30, 7, 55), tick=False):
        response = client.post(CHECK_IN, {"scan": appointment.code})
    assert response.status_code == 403
    assert "Ki-ốt chưa được ghép" in _text(response)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_a_kiosk_of_another_center_cannot_check_in(client, service, center, other_center):
    from motcua.organization.models import DeviceToken
    from motcua.organization.services import device_token_create
    from tests.factories import staff

    admin = staff("center_admin", other_center, username="quantri-khac")
    _device, raw = device_token_create(
        actor=admin, center=other_center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt khác"
    )
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(raw)
    assert client.get(CHECK_IN).status_code == 403


def test_staff_of_the_center_may_check_in_at_the_screen(client, service, center, receptionist):
    appointment, _secret = _book(center)
    client.force_login(receptionist)
    with time_machine.travel(at(30, 7, 55), tick=False):
        response = client.post(CHECK_IN, {"scan": appointment.code})
    assert response.status_code == 302
    assert Ticket.objects.get().source == Ticket.Source.STAFF
