"""The electronic result: the citizen who opened the dossier with its secret downloads it from
the tracking page; nobody else can (not the signed link alone, not the kiosk, not another
session), and only when the citizen chose to receive the result electronically."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierFile
from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import APPLICANT, local, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits():
    rate_limit_reset()


def processed(center, procedure, receptionist, delivery: str) -> tuple[Dossier, DossierFile]:
    documents = list(procedure.current_version.document_cases.first().documents.all())
    dossier, _form = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[services.DocumentTick(doc.pk) for doc in documents],
        decision=services.Decision("accept"),
        result_delivery=delivery,
        now=local(2026, 11, 30, 9),
    )
    # The process itself is tested elsewhere: here the dossier is at its last step.
    Dossier.objects.filter(pk=dossier.pk).update(status=4)
    dossier.refresh_from_db()
    (result,) = services.dossier_attach(
        actor=receptionist,
        dossier=dossier,
        uploads=[services.Upload(upload("giay-chung-nhan.pdf", pdf_bytes("kết quả")))],
        result=True,
        now=local(2026, 11, 30, 10),
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=9)
    dossier.refresh_from_db()
    return dossier, result


def unlock(client: Client, dossier: Dossier):
    return client.post("/dossiers/track/", {"code": dossier.code, "secret": "2345"}, follow=True)


def test_the_holder_of_the_secret_downloads_the_electronic_result(center, procedure, receptionist):
    dossier, result = processed(center, procedure, receptionist, "electronic")
    client = Client()
    page = unlock(client, dossier)
    assert page.status_code == 200
    url = f"/dossiers/{dossier.code}/result/{result.pk}/"
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_nobody_else_gets_it(center, procedure, receptionist):
    dossier, result = processed(center, procedure, receptionist, "electronic")
    url = f"/dossiers/{dossier.code}/result/{result.pk}/"
    # Another session, and the signed link alone (it does not unlock).
    assert Client().get(url).status_code == 404
    from motcua.dossiers.selectors import tracking_token

    client = Client()
    page = client.get(f"/dossiers/track/{tracking_token(dossier)}/")
    assert url not in page.content.decode()
    assert client.get(url).status_code == 404
    # A file that is not the result.
    client = Client()
    unlock(client, dossier)
    scan = DossierFile.objects.create(
        dossier=dossier,
        file=result.file.name,
        original_name="scan.pdf",
        content_type="application/pdf",
        size=result.size,
        sha256=result.sha256,
        uploaded_at=result.uploaded_at,
    )
    assert client.get(f"/dossiers/{dossier.code}/result/{scan.pk}/").status_code == 404


def test_only_when_the_result_is_electronic(center, procedure, receptionist):
    dossier, result = processed(center, procedure, receptionist, "counter")
    client = Client()
    page = unlock(client, dossier)
    assert "/result/" not in page.content.decode()
    assert client.get(f"/dossiers/{dossier.code}/result/{result.pk}/").status_code == 404
