"""The queue's screens through HTTP: pairing devices, the kiosk that issues tickets, and the
counter screen's actions (each a form POST that calls a service and redirects back)."""

from __future__ import annotations

import re
from datetime import time

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse

from motcua.organization import identity
from motcua.organization.services import device_token_create, device_token_revoke
from motcua.queueing.models import CounterState, Ticket
from tests.factories import CounterFactory, staff
from tests.queueing.conftest import at, issue, make_service

pytestmark = pytest.mark.django_db

PAIR = "/devices/pair/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _paired(client, raw: str) -> None:
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(raw)


# --- Pairing --------------------------------------------------------------------------------


def test_pairing_a_kiosk_sets_a_signed_http_only_cookie_and_opens_the_kiosk(client, center, kiosk):
    device, raw = kiosk
    page = client.get(PAIR)
    assert page.status_code == 200
    assert "Mã thiết bị" in page.content.decode()

    response = client.post(PAIR, {"token": f"  {raw}\n"})

    assert response.status_code == 302
    assert response["Location"] == "/kiosk/hanh-phuc/"
    cookie = response.cookies[identity.DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain HTTP in tests; secure behind HTTPS
    assert int(cookie["max-age"]) == identity.DEVICE_COOKIE_MAX_AGE
    assert signing.loads(cookie.value, salt=identity.DEVICE_COOKIE_SALT) == raw
    again = client.get(PAIR)
    assert "K1" in again.content.decode()
    assert client.get("/kiosk/hanh-phuc/").status_code == 200


def test_pairing_over_https_sets_a_secure_cookie(client, center, kiosk):
    _device, raw = kiosk
    response = client.post(PAIR, {"token": raw}, secure=True)
    assert response.cookies[identity.DEVICE_COOKIE]["secure"]


def test_pairing_a_counter_terminal_opens_its_counter_without_a_login(
    client, center, center_admin, counter
):
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="T1", counter=counter
    )
    response = client.post(PAIR, {"token": raw})
    assert response["Location"] == f"/counter/{counter.pk}/"
    screen = client.get(response["Location"])
    assert screen.status_code == 200
    assert "Gọi số tiếp" in screen.content.decode()


def test_pairing_a_display_and_a_rating_tablet(client, center, center_admin, counter):
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="display", name="TV"
    )
    assert client.post(PAIR, {"token": raw})["Location"] == "/display/hanh-phuc/"
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="rating_tablet", name="Tab", counter=counter
    )
    # The rating tablet starts on its counter's rating screen (the feedback app).
    assert client.post(PAIR, {"token": raw})["Location"] == f"/rating/{counter.pk}/"


@pytest.mark.parametrize("token", ["mcd_khong-dung", ""])
def test_a_bad_token_shows_the_form_again_and_sets_nothing(client, center, kiosk, token):
    response = client.post(PAIR, {"token": token})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert ("Mã thiết bị không đúng" in body) or ("Hãy dán mã thiết bị" in body)
    assert identity.DEVICE_COOKIE not in response.cookies


def test_a_revoked_token_no_longer_pairs_nor_works(client, center, center_admin, kiosk):
    device, raw = kiosk
    _paired(client, raw)
    assert client.get("/kiosk/hanh-phuc/").status_code == 200
    device_token_revoke(actor=center_admin, device=device)
    assert client.get("/kiosk/hanh-phuc/").status_code == 403
    response = client.post(PAIR, {"token": raw})
    assert "Mã thiết bị không đúng" in response.content.decode()
    assert identity.DEVICE_COOKIE not in response.cookies


def test_unpairing_deletes_the_cookie(client, center, kiosk):
    _device, raw = kiosk
    client.post(PAIR, {"token": raw})
    assert client.get("/devices/unpair/").status_code == 405
    response = client.post("/devices/unpair/")
    assert response.status_code == 302
    assert response.cookies[identity.DEVICE_COOKIE].value == ""
    assert client.get("/kiosk/hanh-phuc/").status_code == 403


# --- Kiosk ----------------------------------------------------------------------------------


def test_a_kiosk_not_paired_refuses_and_issues_nothing(client, center, service, frozen):
    home = client.get("/kiosk/hanh-phuc/")
    assert home.status_code == 403
    body = home.content.decode()
    assert "Ki-ốt chưa được ghép" in body
    assert 'href="/devices/pair/"' in body
    response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""})
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_the_kiosk_of_another_center_refuses(
    client, center, other_center, service, frozen, counter
):
    admin = staff("center_admin", other_center, username="quantri-nc")
    _device, raw = device_token_create(
        actor=admin, center=other_center, purpose="kiosk", name="Ki-ốt Nam Cường"
    )
    _paired(client, raw)
    assert client.get("/kiosk/hanh-phuc/").status_code == 403
    assert client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""}).status_code == 403
    assert client.get("/kiosk/nam-cuong/").status_code == 200
    assert Ticket.objects.count() == 0


def test_a_counter_terminal_is_not_a_kiosk(client, center, center_admin, counter, service, frozen):
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="T1", counter=counter
    )
    _paired(client, raw)
    assert client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""}).status_code == 403
    assert Ticket.objects.count() == 0


def test_the_kiosk_lists_services_with_waiting_and_estimated_wait(
    client, center, kiosk, service, counter, frozen
):
    make_service(center, "dat-dai", [counter], name="Đất đai", order=1)
    make_service(center, "cu", [counter], name="Đã ngừng", is_active=False)
    issue(center)
    issue(center)
    _paired(client, kiosk[1])

    response = client.get("/kiosk/hanh-phuc/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/kiosk/hanh-phuc/ho-tich/"' in body
    assert 'href="/kiosk/hanh-phuc/dat-dai/"' in body
    assert "Đã ngừng" not in body
    assert "2 người đang chờ" in body
    assert "chờ khoảng" in body
    assert 'href="/kiosk/hanh-phuc/lookup/"' in body
    assert "<script>" not in body and 'style="' not in body
    # htmx refreshes the list alone.
    partial = client.get("/kiosk/hanh-phuc/", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "2 người đang chờ" in partial.content.decode()


def test_the_kiosk_asks_for_a_priority_group_and_issues_the_ticket(
    client, center, kiosk, service, groups, frozen
):
    device, raw = kiosk
    groups["disabled"].is_active = False
    groups["disabled"].save()
    _paired(client, raw)

    question = client.get("/kiosk/hanh-phuc/ho-tich/")

    body = question.content.decode()
    assert "Bạn thuộc nhóm ưu tiên?" in body
    assert "Người cao tuổi" in body
    assert "Người khuyết tật" not in body
    assert re.search(r'name="priority" value=""[^>]*>Không<', body)
    assert "csrfmiddlewaretoken" in body

    response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": "elderly"})

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/hanh-phuc/ticket/{ticket.token}/"
    assert ticket.source == Ticket.Source.KIOSK
    assert ticket.priority_group == groups["elderly"]
    assert ticket.number == 1001
    assert ticket.events.get().action == "issue"

    shown = client.get(response["Location"])
    body = shown.content.decode()
    assert shown.status_code == 200
    assert ">1001<" in body
    assert "Hộ tịch" in body and "Người cao tuổi" in body
    assert "09:00" in body and "25/11/2026" in body
    assert "<svg" in body
    assert f"http://testserver/t/{ticket.token}/" in body  # the QR's title: the phone page
    assert 'data-autoprint="' in body
    assert 'data-idle-seconds="15"' in body
    assert 'data-home-url="/kiosk/hanh-phuc/"' in body
    assert 'data-testid="ahead">0<' in body
    assert "<script>" not in body and 'style="' not in body


def test_no_priority_and_people_ahead(client, center, kiosk, service, groups, frozen):
    issue(center)
    issue(center)
    _paired(client, kiosk[1])
    response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""}, follow=True)
    ticket = Ticket.objects.order_by("-number").first()
    assert ticket.number == 1003 and ticket.priority_group is None
    assert 'data-testid="ahead">2<' in response.content.decode()


def test_staff_logged_in_issue_as_staff(client, center, receptionist, service, frozen):
    client.force_login(receptionist)
    response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""})
    assert response.status_code == 302
    assert Ticket.objects.get().source == Ticket.Source.STAFF


def test_staff_of_another_center_may_not_use_the_kiosk(client, center, other_staff, service):
    client.force_login(other_staff)
    assert client.get("/kiosk/hanh-phuc/").status_code == 403


def test_the_start_screen_says_when_a_service_cannot_issue_now(
    client, center, kiosk, service, counter
):
    """Outside the hours each service says why on the start screen, greyed and not a link;
    a service with hours of its own that are open still offers its button."""
    make_service(
        center, "dat-dai", [counter], name="Đất đai", issue_from=time(18, 0), issue_until=time(20)
    )
    _paired(client, kiosk[1])
    with time_machine.travel(at(18, 30), tick=True):
        body = client.get("/kiosk/hanh-phuc/").content.decode()
    assert 'href="/kiosk/hanh-phuc/ho-tich/"' not in body
    assert 'aria-disabled="true" data-service="ho-tich"' in body
    assert "Ngoài giờ phát số. Giờ làm việc hôm nay: 07:30–11:30, 13:30–17:30." in body
    assert 'href="/kiosk/hanh-phuc/dat-dai/"' in body
    with time_machine.travel(at(9, 0, day=28), tick=True):  # a Saturday
        body = client.get("/kiosk/hanh-phuc/", headers={"HX-Request": "true"}).content.decode()
    assert body.count("Hôm nay trung tâm không làm việc.") == 2
    with time_machine.travel(at(9), tick=True):
        body = client.get("/kiosk/hanh-phuc/").content.decode()
    assert 'href="/kiosk/hanh-phuc/ho-tich/"' in body
    assert 'aria-disabled="true" data-service="dat-dai"' in body
    assert "Dịch vụ này phát số từ 18:00 đến 20:00." in body


def test_refusals_are_shown_big_and_issue_nothing(client, center, kiosk, service):
    _paired(client, kiosk[1])
    with time_machine.travel(at(18, 30), tick=True):
        response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""})
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        'data-testid="kiosk-error">Ngoài giờ phát số. Giờ làm việc hôm nay: 07:30–11:30, 13:30–17:30.<'
        in body
    )
    assert "Về màn hình chính" in body
    with time_machine.travel(at(9, 0, day=28), tick=True):  # a Saturday
        response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""})
    assert "Hôm nay trung tâm không làm việc." in response.content.decode()
    with time_machine.travel(at(9), tick=True):
        response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": "khong-co"})
        assert response.status_code == 400
        assert "Nhóm ưu tiên không hợp lệ." in response.content.decode()
        service.number_end = 1001
        service.save()
        assert client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""}).status_code == 302
        response = client.post("/kiosk/hanh-phuc/ho-tich/", {"priority": ""})
        assert response.status_code == 409
        assert "Dịch vụ này đã hết số trong ngày." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_unknown_center_service_or_ticket_is_404(client, center, kiosk, service, frozen):
    _paired(client, kiosk[1])
    assert client.get("/kiosk/khong-co/").status_code == 404
    assert client.get("/kiosk/hanh-phuc/khong-co/").status_code == 404
    assert client.get("/kiosk/hanh-phuc/ticket/khong-co/").status_code == 404


def test_a_ticket_of_another_center_is_not_shown_on_this_kiosk(
    client, center, other_center, kiosk, frozen
):
    other_counter = CounterFactory(center=other_center, number=1)
    make_service(other_center, "ho-tich", [other_counter])
    ticket = issue(other_center)
    _paired(client, kiosk[1])
    assert client.get(f"/kiosk/hanh-phuc/ticket/{ticket.token}/").status_code == 404


# --- Counter screen -------------------------------------------------------------------------


def _act(client, counter, action: str, **data):
    return client.post(f"/staff/counter/{counter.pk}/act/", {"action": action, **data}, follow=True)


def test_the_counter_choice_lists_the_counters_of_my_centers_only(
    client, center, other_center, receptionist, counter, counter2
):
    CounterFactory(center=other_center, number=7, name="Quầy khác trung tâm")
    client.force_login(receptionist)
    body = client.get("/staff/counter/").content.decode()
    assert f'href="/staff/counter/{counter.pk}/"' in body
    assert f'href="/staff/counter/{counter2.pk}/"' in body
    assert "Quầy khác trung tâm" not in body


def test_the_counter_screen_needs_a_login(client, center, counter):
    response = client.get(f"/staff/counter/{counter.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    response = client.post(f"/staff/counter/{counter.pk}/act/", {"action": "call"})
    assert response["Location"].endswith(f"next=/staff/counter/{counter.pk}/")
    polled = client.get(f"/staff/counter/{counter.pk}/waiting/", headers={"HX-Request": "true"})
    assert polled["HX-Redirect"].startswith(reverse("web:login"))


def test_a_user_of_another_center_gets_404(client, center, other_staff, counter, service, frozen):
    issue(center)
    client.force_login(other_staff)
    assert client.get(f"/staff/counter/{counter.pk}/").status_code == 404
    assert client.get(f"/staff/counter/{counter.pk}/waiting/").status_code == 404
    assert _act(client, counter, "call").status_code == 404
    assert Ticket.objects.get().status == "waiting"


def test_a_whole_visit_at_the_counter(client, center, receptionist, counter, service, frozen):
    first = issue(center)
    second = issue(center)
    client.force_login(receptionist)

    screen = client.get(f"/staff/counter/{counter.pk}/").content.decode()
    assert 'data-testid="waiting-total">2<' in screen
    assert 'data-testid="counter-free"' in screen
    assert 'hx-trigger="every 5s"' in screen
    assert "<script>" not in screen and 'style="' not in screen

    response = _act(client, counter, "call")
    assert "Đã gọi số 1001." in _messages(response)
    body = response.content.decode()
    assert 'data-testid="current-number">1001<' in body
    assert 'data-testid="waiting-total">1<' in body
    assert "Đã gọi lại 0/2 lần" in body

    response = _act(client, counter, "recall")
    assert "Đã gọi lại 1/2 lần" in response.content.decode()
    first.refresh_from_db()
    assert first.recalls == 1

    response = _act(client, counter, "start")
    first.refresh_from_db()
    assert first.status == "serving"
    assert "Đang phục vụ" in response.content.decode()

    response = _act(client, counter, "finish", outcome="advice")
    first.refresh_from_db()
    assert (first.status, first.outcome) == ("finished", "advice")
    assert first.official == receptionist
    assert "Đã kết thúc số 1001: Chỉ hướng dẫn." in _messages(response)
    assert 'data-testid="counter-free"' in response.content.decode()

    _act(client, counter, "call")
    response = _act(client, counter, "park")
    second.refresh_from_db()
    assert second.status == "parked"
    body = response.content.decode()
    assert f'name="ticket" value="{second.pk}"' in body

    response = _act(client, counter, "resume", ticket=str(second.pk))
    second.refresh_from_db()
    assert second.status == "called"
    assert 'data-testid="current-number">1002<' in response.content.decode()

    _act(client, counter, "start")
    _act(client, counter, "finish", outcome="dossier_received")
    second.refresh_from_db()
    assert second.outcome == "dossier_received"

    response = _act(client, counter, "call")
    assert "Không có ai đang chờ quầy này." in _messages(response)

    response = _act(client, counter, "pause")
    assert CounterState.objects.get(counter=counter).status == "paused"
    assert 'data-testid="counter-state">Tạm nghỉ<' in response.content.decode()
    response = _act(client, counter, "call")
    assert "Quầy đang tạm nghỉ. Hãy mở quầy trước khi gọi số." in _messages(response)
    _act(client, counter, "open")
    assert CounterState.objects.get(counter=counter).status == "open"


def test_recall_up_to_the_limit_then_no_show(
    client, center, receptionist, counter, service, policy, frozen
):
    policy.recall_limit = 1
    policy.save()
    ticket = issue(center)
    client.force_login(receptionist)
    _act(client, counter, "call")
    _act(client, counter, "recall")
    response = _act(client, counter, "recall")
    assert "Đã gọi lại 1 lần. Hãy đánh dấu vắng mặt." in _messages(response)
    ticket.refresh_from_db()
    assert ticket.recalls == 1
    body = response.content.decode()
    assert re.search(r'value="recall"[^>]*disabled', body)
    assert not re.search(r'value="no_show"[^>]*disabled', body)

    _act(client, counter, "no_show")
    ticket.refresh_from_db()
    assert ticket.status == "no_show"


def test_transfer_to_another_service_or_counter(
    client, center, receptionist, counter, counter2, service, frozen
):
    land = make_service(center, "dat-dai", [counter, counter2], name="Đất đai")
    ticket = issue(center)
    client.force_login(receptionist)
    _act(client, counter, "call")

    screen = client.get(f"/staff/counter/{counter.pk}/").content.decode()
    assert f'<option value="{counter2.pk}">' in screen
    assert '<option value="dat-dai">' in screen

    response = _act(client, counter, "transfer", service="dat-dai", target_counter=str(counter2.pk))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.service, ticket.target_counter) == ("waiting", land, counter2)
    assert _messages(response) == ["Đã chuyển số 1001 sang Đất đai, quầy 2."]
    assert 'data-testid="counter-free"' in response.content.decode()


def test_refusals_are_shown_and_change_nothing(
    client, center, receptionist, counter, counter2, service, frozen
):
    ticket = issue(center)
    client.force_login(receptionist)

    response = _act(client, counter, "start")
    assert "Quầy không có phiếu nào để làm việc này." in _messages(response)
    assert 'class="alert alert--error"' in response.content.decode()

    _act(client, counter, "call")
    response = _act(client, counter, "finish", outcome="advice")
    assert "Không thể kết thúc phiếu đang ở trạng thái “đã gọi”." in _messages(response)
    _act(client, counter, "start")
    response = _act(client, counter, "finish", outcome="")
    assert any("Chọn kết quả phục vụ" in m for m in _messages(response))
    response = _act(client, counter, "pause")
    assert "Hãy kết thúc hoặc tạm hoãn phiếu đang phục vụ trước." in _messages(response)
    response = _act(client, counter, "transfer")
    assert "Chọn dịch vụ hoặc quầy để chuyển đến." in _messages(response)
    # counter2 does not serve "ho-tich": refused, the ticket stays where it is.
    response = _act(client, counter, "transfer", target_counter=str(counter2.pk))
    assert "Quầy chuyển đến không phục vụ dịch vụ này." in _messages(response)
    response = _act(client, counter, "call")
    assert any("Quầy đang có phiếu" in m for m in _messages(response))
    response = _act(client, counter, "dance")
    assert "Thao tác không hợp lệ." in _messages(response)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter, ticket.outcome) == ("serving", counter, "")
    assert CounterState.objects.get(counter=counter).status == "open"
    assert ticket.events.count() == 3  # issue, call, start


def test_the_waiting_list_fragment(client, center, receptionist, counter, service, groups, frozen):
    issue(center)
    issue(center, priority="elderly")
    client.force_login(receptionist)
    with time_machine.travel(at(9, 12), tick=True):
        response = client.get(
            f"/staff/counter/{counter.pk}/waiting/", headers={"HX-Request": "true"}
        )
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="waiting-total">2<' in body
    assert 'data-testid="waiting-priority">1<' in body
    assert 'data-testid="longest-wait">12 phút<' in body
    assert "Hộ tịch" in body


def test_the_terminal_works_its_own_counter_only(
    client, center, center_admin, counter, counter2, service, frozen
):
    ticket = issue(center)
    _device, raw = device_token_create(
        actor=center_admin, center=center, purpose="counter_terminal", name="T1", counter=counter
    )
    _paired(client, raw)

    assert client.get(f"/counter/{counter.pk}/").status_code == 200
    response = client.post(f"/counter/{counter.pk}/act/", {"action": "call"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/counter/{counter.pk}/"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter, ticket.official) == ("called", counter, None)
    assert client.get(f"/counter/{counter.pk}/waiting/").status_code == 200

    other = client.get(f"/counter/{counter2.pk}/")
    assert other.status_code == 403
    assert 'href="/devices/pair/"' in other.content.decode()
    assert client.post(f"/counter/{counter2.pk}/act/", {"action": "call"}).status_code == 403
    # The device cookie is no staff login.
    assert client.get(f"/staff/counter/{counter.pk}/").status_code == 302


def test_a_kiosk_or_no_device_is_no_counter_terminal(client, center, kiosk, counter):
    assert client.get(f"/counter/{counter.pk}/").status_code == 403
    _paired(client, kiosk[1])
    response = client.get(f"/counter/{counter.pk}/")
    assert response.status_code == 403
    assert "K1" in response.content.decode()
