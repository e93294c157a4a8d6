"""The dossier API: receiving with a decision, attaching scans, a dossier for staff, and the
public lookup by code and secret (same 404 for unknown and wrong, rate-limited)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier, DossierEvent, DossierFile, FormRecord
from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import APPLICANT, pdf_bytes, png_bytes, upload
from tests.queueing.test_queue_api import api, bearer

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^000\.00\.10\.H34-\d{6}-\d{4}$")


@pytest.fixture(autouse=True)
def _fresh_limits():
    rate_limit_reset()
    yield
    rate_limit_reset()


def documents(procedure) -> list:
    case = procedure.current_version.document_cases.first()
    return list(case.documents.all())


def body(procedure, center, **extra) -> dict:
    return {
        "center": center.code,
        "procedure": procedure.code,
        "channel": "direct",
        "applicant": APPLICANT,
        "documents": [{"required_document": doc.pk} for doc in documents(procedure)],
        "decision": "accept",
        **extra,
    }


def create(client, headers, payload):
    return client.post(api("dossiers"), payload, content_type="application/json", **headers)


def test_accept_gives_code_due_date_and_receipt(client: Client, center, procedure, receptionist):
    response = create(client, bearer(client, receptionist), body(procedure, center))
    assert response.status_code == 201, response.content
    data = response.json()
    assert CODE.match(data["code"])
    assert data["status"] == 2
    assert data["status_label"] == "Đã tiếp nhận"
    assert data["due_at"]
    assert data["form"] == "01"
    assert data["receipt_url"].endswith(".pdf")
    form = FormRecord.objects.get(dossier__code=data["code"])
    assert data["receipt_url"].endswith(f"/staff/dossiers/{data['code']}/forms/{form.pk}.pdf")
    assert data["track_url"].startswith("http")


def test_documents_by_name_and_supplement(client: Client, center, procedure, receptionist):
    first, second = documents(procedure)
    payload = body(
        procedure,
        center,
        documents=[{"name": first.name.upper()}],
        decision="supplement",
        missing=["Giấy ủy quyền có chứng thực"],
    )
    response = create(client, bearer(client, receptionist), payload)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == 5
    assert data["form"] == "02"
    form = FormRecord.objects.get(dossier__code=data["code"])
    assert form.content["items"] == [second.name, "Giấy ủy quyền có chứng thực"]


def test_refuse_needs_reasons_and_nothing_is_saved(client: Client, center, procedure, receptionist):
    headers = bearer(client, receptionist)
    response = create(client, headers, body(procedure, center, decision="refuse"))
    assert response.status_code == 400
    assert response.json()["code"] == "no_reasons"
    assert not Dossier.objects.exists()
    response = create(
        client,
        headers,
        body(procedure, center, decision="refuse", reasons="Không thuộc thẩm quyền của xã."),
    )
    assert response.status_code == 201
    assert response.json()["status"] == 3
    assert response.json()["due_at"] is None


def test_incomplete_accept_is_refused_with_the_missing_list(
    client: Client, center, procedure, receptionist
):
    first, second = documents(procedure)
    payload = body(procedure, center, documents=[{"required_document": first.pk}])
    response = create(client, bearer(client, receptionist), payload)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "incomplete"
    assert data["missing"] == [second.name]
    assert not Dossier.objects.exists()


def test_unknown_document_and_bad_applicant(client: Client, center, procedure, receptionist):
    headers = bearer(client, receptionist)
    response = create(
        client, headers, body(procedure, center, documents=[{"name": "Giấy không có"}])
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_document"
    bad = {**APPLICANT, "id_number": "12AB", "phone": "123", "email": "x@"}
    response = create(client, headers, body(procedure, center, applicant=bad))
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid_applicant"
    assert set(data["errors"]) == {"id_number", "phone", "email"}
    assert not Dossier.objects.exists()


def test_who_may_receive(
    client: Client, center, other_center, procedure, receptionist, postal_staff, other_receptionist
):
    # Nobody: 401. Another center's receptionist: 403. Postal staff in person: 403.
    response = create(client, {}, body(procedure, center))
    assert response.status_code == 401
    response = create(client, bearer(client, other_receptionist), body(procedure, center))
    assert response.status_code == 403
    response = create(client, bearer(client, postal_staff), body(procedure, center))
    assert response.status_code == 403
    assert response.json()["code"] == "not_receptionist"
    # By post: postal staff, with the tracking number of the item.
    headers = bearer(client, postal_staff)
    response = create(client, headers, body(procedure, center, channel="postal"))
    assert response.status_code == 400
    assert response.json()["code"] == "tracking_needed"
    response = create(
        client,
        headers,
        body(procedure, center, channel="postal", postal_tracking="EB 123 456 789 VN"),
    )
    assert response.status_code == 201
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.channel == 3
    assert dossier.postal_tracking_in == "EB123456789VN"
    assert dossier.result_delivery == "post"


def test_session_caller_needs_csrf(center, procedure, receptionist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(receptionist)
    response = create(client, {}, body(procedure, center))
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"
    assert not Dossier.objects.exists()


def test_online_without_decision_is_registered(client: Client, center, procedure, receptionist):
    payload = body(procedure, center, channel="online")
    del payload["decision"]
    response = create(client, bearer(client, receptionist), payload)
    assert response.status_code == 201
    assert response.json()["status"] == 1
    assert response.json()["receipt_url"] is None


def test_files_attach_and_refuse_disguised(client: Client, center, procedure, receptionist):
    headers = bearer(client, receptionist)
    code = create(client, headers, body(procedure, center)).json()["code"]
    first = documents(procedure)[0]
    response = client.post(
        api(f"dossiers/{code}/files"),
        {
            "files": [upload("to-khai.pdf", pdf_bytes()), upload("anh.png", png_bytes())],
            "document": str(first.pk),
        },
        **headers,
    )
    assert response.status_code == 201, response.content
    files = response.json()["files"]
    assert [f["content_type"] for f in files] == ["application/pdf", "image/png"]
    assert all(f["document"] == first.pk for f in files)
    before = DossierFile.objects.count()
    events = DossierEvent.objects.count()
    response = client.post(
        api(f"dossiers/{code}/files"),
        {"files": [upload("ok.png", png_bytes()), upload("hoa-don.pdf", b"MZ\x90\x00binary")]},
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_type"
    assert "hoa-don.pdf" in response.json()["message"]
    assert DossierFile.objects.count() == before
    assert DossierEvent.objects.count() == events


def test_detail_for_staff_only(client: Client, center, procedure, receptionist, other_receptionist):
    code = create(client, bearer(client, receptionist), body(procedure, center)).json()["code"]
    response = client.get(api(f"dossiers/{code}"), **bearer(client, receptionist))
    assert response.status_code == 200
    data = response.json()
    assert data["applicant"]["name"] == APPLICANT["name"]
    assert data["due_basis"]["unit"] == "working_days"
    assert [e["action"] for e in data["events"]] == ["accept"]
    assert data["forms"][0]["number"].endswith("/" + data["received_at"][:4])
    assert all(doc["received"] for doc in data["documents"])
    response = client.get(api(f"dossiers/{code}"), **bearer(client, other_receptionist))
    assert response.status_code == 404
    assert client.get(api(f"dossiers/{code}")).status_code == 401


def test_lookup_public_without_personal_data(client: Client, center, procedure, receptionist):
    code = create(client, bearer(client, receptionist), body(procedure, center)).json()["code"]
    anonymous = Client()
    for secret in ("2345", "5678"):  # last four of the ID number, or of the phone
        response = anonymous.get(api("dossiers/lookup"), {"code": code, "secret": secret})
        assert response.status_code == 200, response.content
    data = response.json()
    assert {
        "code",
        "procedure",
        "status",
        "status_label",
        "received_at",
        "due_at",
        "steps",
        "result_ready",
    } <= set(data)
    assert data["status"] == 2
    assert data["result_ready"] is False
    assert [s["action"] for s in data["steps"]] == ["accept"]
    text = response.content.decode()
    for private in (APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"], "lan@"):
        assert private not in text
    # Lower case code is fine.
    lower = anonymous.get(api("dossiers/lookup"), {"code": code.lower(), "secret": "2345"})
    assert lower.status_code == 200


def test_lookup_unknown_and_wrong_secret_look_the_same(
    client: Client, center, procedure, receptionist
):
    code = create(client, bearer(client, receptionist), body(procedure, center)).json()["code"]
    wrong = client.get(api("dossiers/lookup"), {"code": code, "secret": "0000"})
    unknown = client.get(
        api("dossiers/lookup"), {"code": "000.00.10.H34-200101-0001", "secret": "2345"}
    )
    not_digits = client.get(api("dossiers/lookup"), {"code": code, "secret": "23a5"})
    assert wrong.status_code == unknown.status_code == not_digits.status_code == 404
    assert wrong.json() == unknown.json() == not_digits.json()


def test_lookup_is_rate_limited(client: Client, settings, center, procedure, receptionist):
    settings.DOSSIER_LOOKUP_LIMIT = (3, 300)
    code = create(client, bearer(client, receptionist), body(procedure, center)).json()["code"]
    answers = [
        client.get(api("dossiers/lookup"), {"code": code, "secret": "2345"}).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    limited = client.get(api("dossiers/lookup"), {"code": code, "secret": "2345"})
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # Another address is not limited.
    other = client.get(
        api("dossiers/lookup"), {"code": code, "secret": "2345"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200


def test_english_messages(client: Client, center, procedure, receptionist):
    headers = bearer(client, receptionist)
    response = create(
        client,
        {**headers, "HTTP_ACCEPT_LANGUAGE": "en"},
        body(procedure, center, decision="refuse"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "no_reasons"
