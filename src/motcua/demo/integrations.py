"""The demo's signing certificates: one authority for the province and a certificate for each
center (EC keys: milliseconds each), installed after the dossier history so that seeding does
not sign hundreds of results; then the most recent electronic results of each center are
signed, so the tracking page shows a valid signature, and every form or result issued from now
on is signed."""

from __future__ import annotations

import hashlib
import secrets

from django.core.files.base import ContentFile

from motcua.dossiers.models import DossierFile, ResultDelivery
from motcua.dossiers.signing import pdf_sign
from motcua.integrations.certificates import authority_create, center_p12_create
from motcua.integrations.models import CenterCertificate
from motcua.integrations.services import center_certificate_set
from motcua.organization.models import Center

# Results signed after the history is loaded, per center.
SIGNED_RECENT_RESULTS = 3


def demo_certificates_setup(centers: list[Center], *, province_name: str) -> None:
    missing = [c for c in centers if not CenterCertificate.objects.filter(center=c).exists()]
    if not missing:
        return  # kept from an earlier run
    authority = authority_create(f"CA chuyên dùng {province_name} (demo)")
    for center in missing:
        passphrase = secrets.token_urlsafe(12)
        p12 = center_p12_create(authority, center.name, passphrase, organization=province_name)
        center_certificate_set(actor=None, center=center, p12=p12, passphrase=passphrase)
        _sign_recent_results(center)


def _sign_recent_results(center: Center) -> None:
    rows = DossierFile.objects.filter(
        dossier__center=center,
        dossier__result_delivery=ResultDelivery.ELECTRONIC,
        is_result=True,
        content_type="application/pdf",
    ).order_by("-uploaded_at")[:SIGNED_RECENT_RESULTS]
    for row in rows:
        with row.file.open("rb") as stored:
            data = stored.read()
        signed = pdf_sign(center=center, pdf=data, reason=f"Kết quả hồ sơ {row.dossier.code}")
        if signed is data:
            continue
        old_name = row.file.name
        row.file.save(
            f"{hashlib.sha256(signed).hexdigest()[:16]}.pdf", ContentFile(signed), save=False
        )
        row.size = len(signed)
        row.sha256 = hashlib.sha256(signed).hexdigest()
        row.save(update_fields=["file", "size", "sha256"])
        if old_name:
            row.file.storage.delete(old_name)
