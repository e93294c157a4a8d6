"""Every public endpoint has a per-address limit (docs/security.md, "Rate limits"): one test
per endpoint that part A added a limit to, each showing the 429 once the limit is passed.
(The limits that were there before have their own tests: dossier lookup and online
submission in tests/dossiers, booking and the holder's page in tests/appointments, ratings and
feedback in tests/feedback.)"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from motcua.dossiers import services as dossier_services
from motcua.queueing.models import QueuePolicy, QueueService, Ticket
from tests.dossiers.conftest import APPLICANT, pdf_bytes, upload
from tests.factories import CounterFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)  # a Wednesday morning


@pytest.fixture
def remote_line(center):
    QueuePolicy.objects.create(center=center, remote_enabled=True)
    service = QueueService.objects.create(
        center=center, code="ho-tich", name="Hộ tịch", number_start=1001, number_end=1999
    )
    service.counters.add(CounterFactory(center=center, number=1))
    return service


def test_remote_ticket_page_is_limited_per_address(client, center, remote_line, settings):
    settings.QUEUE_REMOTE_TICKET_LIMIT = (2, 3600)
    url = f"/queue/{center.code}/"
    with time_machine.travel(OPEN, tick=True):
        codes = [
            client.post(url, {"service": "ho-tich", "phone": f"091234567{n}"}).status_code
            for n in range(3)
        ]
        # Another address is not affected.
        other = client.post(
            url, {"service": "ho-tich", "phone": "0987654321"}, REMOTE_ADDR="203.0.113.9"
        )
    assert codes == [302, 302, 429]
    assert other.status_code == 302
    assert Ticket.objects.count() == 3


def test_remote_ticket_page_429_says_why(client, center, remote_line, settings):
    settings.QUEUE_REMOTE_TICKET_LIMIT = (1, 3600)
    url = f"/queue/{center.code}/"
    with time_machine.travel(OPEN, tick=True):
        client.post(url, {"service": "ho-tich", "phone": "0912345670"})
        refused = client.post(url, {"service": "ho-tich", "phone": "0912345671"})
    assert refused.status_code == 429
    assert "Quá nhiều yêu cầu" in refused.text


def test_remote_ticket_api_is_limited_for_anonymous_callers(client, center, remote_line, settings):
    settings.QUEUE_REMOTE_TICKET_LIMIT = (2, 3600)
    url = f"/api/v1/centers/{center.code}/tickets"
    with time_machine.travel(OPEN, tick=True):
        responses = [
            client.post(
                url,
                {"service": "ho-tich", "phone": f"091234567{n}"},
                content_type="application/json",
            )
            for n in range(3)
        ]
    assert [r.status_code for r in responses] == [201, 201, 429]
    assert responses[-1].json()["code"] == "rate_limited"
    assert int(responses[-1]["Retry-After"]) > 0


def test_ticket_status_api_is_limited(client, settings):
    settings.QUEUE_TICKET_STATUS_LIMIT = (2, 300)
    codes = [client.get("/api/v1/tickets/khong-co").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_ticket_page_is_limited(client, settings):
    settings.QUEUE_TICKET_STATUS_LIMIT = (2, 300)
    codes = [client.get("/t/khong-co/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_appointment_qr_is_limited(client, settings):
    settings.APPOINTMENT_QR_LIMIT = (2, 300)
    codes = [client.get("/appointments/LH-KHONGCO/qr.svg").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_dossier_supplement_answer_is_limited(client, center, procedure, receptionist, settings):
    settings.DOSSIER_SUBMIT_LIMIT = (3, 3600)
    docs = list(procedure.current_version.document_cases.first().documents.all())
    dossier = dossier_services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[dossier_services.Upload(upload("a.pdf", pdf_bytes()), docs[0].pk)],
    )
    dossier_services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=dossier_services.Decision("supplement")
    )
    # The lookup (one count of the lookup limit, not this one) unlocks the form.
    client.post(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "5678"})
    action = reverse("dossiers_public:supplement", args=[dossier.code])
    # Three answers are within the limit (the first one answers the request; the next two
    # are told it is not waiting any more), the fourth is refused before anything is read.
    codes = [client.post(action, {"note": "x"}).status_code for _ in range(3)]
    assert codes == [302, 302, 302]
    fourth = client.post(action, {"note": "x"})
    assert fourth.status_code == 429
    assert "quá nhiều lần" in fourth.text
