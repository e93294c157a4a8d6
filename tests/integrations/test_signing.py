"""Digital signatures: forms and result documents signed with the center's certificate (pyHanko,
visible stamp), checked independently with pyHanko against the authority; a tampered file is
reported invalid, on its own and on the public tracking page; no certificate, no signature;
installing a certificate in the admin."""

from __future__ import annotations

import io

import pytest
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.core.cache import cache
from django.test import Client
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.dossiers.forms_pdf import form_pdf
from motcua.dossiers.models import DossierFile, FormRecord
from motcua.dossiers.signing import pdf_sign, pdf_verify
from motcua.errors import InvalidInput
from motcua.integrations.certificates import authority_create, center_p12_create
from motcua.integrations.models import CenterCertificate
from motcua.integrations.services import center_certificate_set
from motcua.organization.models import Role
from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import pdf_bytes
from tests.dossiers.test_result_download import processed, unlock
from tests.dossiers.test_workflow import at_counter
from tests.factories import PASSWORD, staff
from tests.integrations.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    rate_limit_reset()
    cache.clear()


def independent_check(data: bytes, authority):
    """pyHanko's own verdict, trusting only the authority's certificate."""
    root = asn1_x509.Certificate.load(asn1_pem.unarmor(authority.pem.encode())[2])
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return signature, validate_pdf_signature(signature, context)


def flip_a_signed_byte(data: bytes) -> bytes:
    """Change one character of the page content covered by the signature."""
    at = data.index(b"/MediaBox")
    tampered = bytearray(data)
    tampered[at + 1] = ord("N")  # /MediaBox → /NediaBox
    return bytes(tampered)


def append_an_update(data: bytes) -> bytes:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_form_is_signed_with_a_visible_stamp_and_verifies(
    center, procedure, receptionist, authority, certificate
):
    _dossier, record = at_counter(center, procedure, receptionist)
    data = form_pdf(record)
    signature, status = independent_check(data, authority)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == center.name
    # A visible stamp: the signature's widget has an area and an appearance on the first page.
    widget = signature.sig_field
    rect = [float(v) for v in widget["/Rect"]]
    assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 10
    assert "/AP" in widget
    assert signature.sig_object["/Reason"] == str(FormRecord.Form.RECEIPT.label)
    # The stored copy is the signed one.
    record.refresh_from_db()
    assert form_pdf(record) == data
    check = pdf_verify(center=center, pdf=data)
    assert check is not None and check.valid and check.signer == center.name


def test_a_tampered_pdf_is_reported_invalid(center, authority, certificate):
    signed = pdf_sign(center=center, pdf=pdf_bytes("kết quả"), reason="Kết quả")
    assert pdf_verify(center=center, pdf=signed).valid

    changed = flip_a_signed_byte(signed)
    _signature, status = independent_check(changed, authority)
    assert not status.intact
    check = pdf_verify(center=center, pdf=changed)
    assert check is not None and not check.valid

    appended = append_an_update(signed)
    check = pdf_verify(center=center, pdf=appended)
    assert check is not None and not check.valid
    assert "added" in check.problem


def test_a_signature_from_another_authority_is_not_trusted(center, other_center, certificate):
    stranger = authority_create("CA lạ")
    center_certificate_set(
        actor=None,
        center=other_center,
        p12=center_p12_create(stranger, center.name, "x"),
        passphrase="x",
    )
    forged = pdf_sign(center=other_center, pdf=pdf_bytes(), reason="Kết quả")
    assert pdf_verify(center=other_center, pdf=forged).valid  # against its own authority
    check = pdf_verify(center=center, pdf=forged)  # but not against the center's
    assert check is not None and not check.valid and "authority" in check.problem


def test_without_a_certificate_pdfs_stay_unsigned(center, procedure, receptionist):
    _dossier, record = at_counter(center, procedure, receptionist)
    data = form_pdf(record)
    assert PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures == []
    assert pdf_verify(center=center, pdf=data) is None


def test_the_tracking_page_says_whether_the_result_s_signature_holds(
    center, procedure, receptionist, certificate
):
    dossier, result = processed(center, procedure, receptionist, "electronic")
    stored = result.file.open("rb").read()
    assert PdfFileReader(io.BytesIO(stored), strict=False).embedded_signatures
    assert DossierFile.objects.get(pk=result.pk).size == len(stored)

    page = unlock(Client(), dossier).content.decode()
    assert 'data-testid="signature-valid"' in page
    assert f"Chữ ký số hợp lệ: {center.name}" in page

    # Someone changes the stored result: the page warns.
    with open(result.file.path, "wb") as handle:
        handle.write(flip_a_signed_byte(stored))
    rate_limit_reset()
    page = unlock(Client(), dossier).content.decode()
    assert 'data-testid="signature-invalid"' in page
    assert 'data-testid="signature-valid"' not in page


def test_an_image_result_is_stored_as_it_came(center, procedure, receptionist, certificate):
    from motcua.dossiers import services
    from tests.dossiers.conftest import png_bytes, upload

    dossier, _result = processed(center, procedure, receptionist, "electronic")
    from motcua.dossiers.models import Dossier

    Dossier.objects.filter(pk=dossier.pk).update(status=4)
    dossier.refresh_from_db()
    (image,) = services.dossier_attach(
        actor=receptionist,
        dossier=dossier,
        uploads=[services.Upload(upload("anh.png", png_bytes()))],
        result=True,
    )
    assert image.file.open("rb").read().startswith(b"\x89PNG")


class TestInstalling:
    def test_a_wrong_passphrase_or_authority_is_refused(self, center, authority):
        p12 = center_p12_create(authority, center.name, PASSPHRASE)
        with pytest.raises(InvalidInput):
            center_certificate_set(actor=None, center=center, p12=p12, passphrase="sai")
        with pytest.raises(InvalidInput):
            center_certificate_set(
                actor=None,
                center=center,
                p12=p12,
                passphrase=PASSPHRASE,
                trust_root_pem=authority_create("CA khác").pem,
            )
        assert not CenterCertificate.objects.exists()

    def test_the_passphrase_is_not_stored_in_clear(self, center, certificate):
        assert PASSPHRASE not in certificate.passphrase_encrypted
        assert (
            certificate.subject.endswith(f"CN={center.name}") or center.name in certificate.subject
        )

    def test_a_center_admin_installs_it_in_the_admin(self, center, authority):
        from django.core.files.uploadedfile import SimpleUploadedFile

        staff(Role.CENTER_ADMIN, center, username="quantri")
        client = Client()
        assert client.login(username="quantri", password=PASSWORD)
        p12 = center_p12_create(authority, center.name, PASSPHRASE)
        url = "/admin/integrations/centercertificate/add/"
        wrong = client.post(
            url,
            {
                "center": center.pk,
                "p12_file": SimpleUploadedFile("tt.p12", p12),
                "passphrase": "sai",
                "is_active": "on",
            },
        )
        assert wrong.status_code == 200
        assert "sai mật khẩu" in wrong.content.decode()
        assert not CenterCertificate.objects.exists()
        done = client.post(
            url,
            {
                "center": center.pk,
                "p12_file": SimpleUploadedFile("tt.p12", p12),
                "passphrase": PASSPHRASE,
                "is_active": "on",
            },
        )
        assert done.status_code == 302, done.content.decode()[:2000]
        row = CenterCertificate.objects.get(center=center)
        assert row.trust_root_pem.strip() == authority.pem.strip()
        signed = pdf_sign(center=center, pdf=pdf_bytes(), reason="thử")
        assert pdf_verify(center=center, pdf=signed).valid


def test_the_demo_installs_certificates_and_signs_recent_results(center, procedure, receptionist):
    from motcua.demo.integrations import demo_certificates_setup

    dossier, result = processed(center, procedure, receptionist, "electronic")
    assert pdf_verify(center=center, pdf=result.file.open("rb").read()) is None
    demo_certificates_setup([center], province_name="Tỉnh thử")
    result.refresh_from_db()
    data = result.file.open("rb").read()
    assert pdf_verify(center=center, pdf=data).valid
    assert result.size == len(data)
    installed = CenterCertificate.objects.get(center=center)
    demo_certificates_setup([center], province_name="Tỉnh thử")  # again: kept as it is
    assert CenterCertificate.objects.get(center=center).updated_at == installed.updated_at
    assert dossier.pk
