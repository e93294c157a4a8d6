"""Taking a number from home through the public page, and tickets expiring at closing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from motcua.queueing import services
from motcua.queueing.models import QueuePolicy, QueueService, Ticket
from tests.factories import CounterFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def line(center):
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(CounterFactory(center=center, number=1))
    return service


def test_remote_page_issues_a_ticket_and_opens_its_live_page(client, center, line):
    QueuePolicy.objects.create(center=center, remote_enabled=True)
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=TZ), tick=True):
        page = client.get(f"/queue/{center.code}/")
        assert page.status_code == 200 and "Hộ tịch" in page.text
        response = client.post(
            f"/queue/{center.code}/", {"service": "ho-tich", "phone": "0912 345 678"}
        )
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert response["Location"] == f"/t/{ticket.token}/"
        assert (ticket.source, ticket.phone, ticket.display) == ("remote", "0912345678", "1001")
        # The per-phone limit (1 a day by default): refused, clearly, nothing issued.
        again = client.post(f"/queue/{center.code}/", {"service": "ho-tich", "phone": "0912345678"})
        assert again.status_code == 400 and "đã lấy đủ 1 phiếu" in again.text
        bad = client.post(f"/queue/{center.code}/", {"service": "ho-tich", "phone": "12"})
        assert bad.status_code == 400 and "số điện thoại" in bad.text
    assert Ticket.objects.count() == 1


def test_remote_page_says_when_the_center_does_not_allow_it(client, center, line):
    page = client.get(f"/queue/{center.code}/")
    assert "không cho lấy số từ xa" in page.text
    assert (
        client.post(
            f"/queue/{center.code}/", {"service": "ho-tich", "phone": "0912345678"}
        ).status_code
        == 400
    )
    assert not Ticket.objects.exists()
    assert client.get("/queue/khong-co/").status_code == 404


def test_waiting_tickets_expire_after_closing_only(center, line):
    issuer = services.Issuer(source="kiosk", device=None)
    from motcua.organization.services import device_token_create
    from tests.factories import staff

    device, _raw = device_token_create(
        actor=staff("center_admin", center), center=center, purpose="kiosk", name="K"
    )
    issuer = services.Issuer(source="kiosk", device=device)
    morning = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    ticket = services.ticket_issue(
        issuer=issuer, center=center, service_code="ho-tich", now=morning
    )
    assert services.tickets_expire_after_closing(now=datetime(2026, 11, 25, 16, 0, tzinfo=TZ)) == 0
    assert services.tickets_expire_after_closing(now=datetime(2026, 11, 25, 17, 31, tzinfo=TZ)) == 1
    ticket.refresh_from_db()
    assert ticket.status == "expired"
    assert ticket.events.last().action == "expire"
