"""Signing PDFs with the center's certificate (pyHanko, PAdES baseline, a visible stamp) and
checking signatures against the center's trust root. Registered into the dossiers app's
signing hook when the app is ready (``apps.py``).

The stamp is written with Noto Sans (or DejaVu Sans), so Vietnamese reads as it should. A check
is valid when the signature is intact, covers the whole file (nothing appended after signing)
and its certificate chains to the center's trusted authority; no network is used (revocation
is not checked: the authority is the province's own)."""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.dossiers.signing import SignatureCheck
from motcua.integrations.certificates import passphrase_decrypt
from motcua.integrations.models import CenterCertificate
from motcua.organization.models import Center

logger = logging.getLogger(__name__)
# fontTools reports the font tables it cannot subset at WARNING, on every signature.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
CHECK_CACHE_SECONDS = 24 * 3600


@functools.cache
def _font_path() -> str | None:
    return next((path for path in FONT_CANDIDATES if Path(path).exists()), None)


def _certificate(center: Center) -> CenterCertificate | None:
    return CenterCertificate.objects.filter(center=center).first()


@functools.lru_cache(maxsize=64)
def _signer(certificate_id: int, updated_at: datetime) -> Any:
    """The pyHanko signer of a certificate row (kept while the row is unchanged)."""
    from pyhanko.sign import signers

    row = CenterCertificate.objects.get(pk=certificate_id)
    signer = signers.SimpleSigner.load_pkcs12_data(
        bytes(row.p12), other_certs=[], passphrase=passphrase_decrypt(row.passphrase_encrypted)
    )
    if signer is None:
        raise ValueError("the PKCS#12 file could not be opened")
    return signer


def _common_name(subject: Any) -> str:
    """The certificate's common name (asn1crypto name), else its whole subject."""
    native = subject.native
    return str(native.get("common_name") or subject.human_friendly)


def _box(pdf: bytes, placement: str) -> tuple[int, tuple[int, int, int, int]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    index = 0 if placement == "first-page-top" else len(reader.pages) - 1
    box = reader.pages[index].mediabox
    left, bottom = int(box.left), int(box.bottom)
    width, height = int(box.width), int(box.height)
    stamp_width = min(230, width - 40)
    if placement == "first-page-top":
        # In the top margin of an A5 form (9 mm), left of the form's number.
        return index, (
            left + 30,
            bottom + height - 24,
            left + 30 + stamp_width,
            bottom + height - 3,
        )
    return index, (
        left + width - 14 - stamp_width,
        bottom + 8,
        left + width - 14,
        bottom + 36,
    )


class PyHankoSigner:
    """The dossiers app's :class:`~motcua.dossiers.signing.PdfSigner`, with pyHanko."""

    def sign(self, *, center: Center, pdf: bytes, reason: str, placement: str) -> bytes | None:
        from pyhanko import stamp
        from pyhanko.pdf_utils import text
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        row = _certificate(center)
        if row is None or not row.is_active:
            return None
        signer = _signer(row.pk, row.updated_at)
        page, box = _box(pdf, placement)
        font_path = _font_path()
        font: dict[str, Any] = {}
        if font_path:
            from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

            font["font"] = GlyphAccumulatorFactory(font_path)
        signed_by = _common_name(signer.signing_cert.subject)
        local = timezone.localtime(timezone.now(), timezone.get_default_timezone())
        if center.time_zone:
            from zoneinfo import ZoneInfo

            local = timezone.localtime(timezone.now(), ZoneInfo(center.time_zone))
        with translation.override("vi"):
            line1 = _("Đã ký số: %(name)s") % {"name": signed_by}
            line2 = _("Thời gian ký: %(at)s") % {"at": f"{local:%H:%M %d/%m/%Y}"}
        if not font_path:  # the built-in font has no Vietnamese letters
            line1, line2 = _ascii(line1), _ascii(line2)
        style = stamp.TextStampStyle(
            stamp_text="%(line1)s\n%(line2)s",
            text_box_style=text.TextBoxStyle(
                font_size=6 if placement == "first-page-top" else 7, **font
            ),
            border_width=1,
        )
        field_name = f"motcua-{uuid.uuid4().hex[:10]}"
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=reason[:200],
            location=center.name[:200],
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(field_name, on_page=page, box=box),
        )
        out = pdf_signer.sign_pdf(writer, appearance_text_params={"line1": line1, "line2": line2})
        return out.getvalue()

    def verify(self, *, center: Center, pdf: bytes) -> SignatureCheck | None:
        row = _certificate(center)
        stamp_key = row.updated_at.isoformat() if row is not None else "none"
        key = f"integrations:sigcheck:{center.pk}:{stamp_key}:{hashlib.sha256(pdf).hexdigest()}"
        cached = cache.get(key)
        if cached is not None:
            return cached or None
        result = _verify(row, pdf)
        cache.set(key, result or False, CHECK_CACHE_SECONDS)
        return result


def _verify(row: CenterCertificate | None, pdf: bytes) -> SignatureCheck | None:
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as error:
        return SignatureCheck(valid=False, problem=f"unreadable PDF: {error}"[:200])
    if not signatures:
        return None
    roots = []
    if row is not None and row.trust_root_pem:
        _type, _headers, der = asn1_pem.unarmor(row.trust_root_pem.encode())
        roots.append(asn1_x509.Certificate.load(der))
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    embedded = signatures[-1]
    try:
        status = validate_pdf_signature(embedded, context, skip_diff=True)
    except (SignatureValidationError, PdfReadError, ValueError) as error:
        return SignatureCheck(valid=False, problem=str(error)[:200])
    problems = []
    if not status.intact:
        problems.append("the file was changed after it was signed")
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("something was added to the file after it was signed")
    if not status.valid:
        problems.append("the signature does not match")
    if not status.trusted:
        problems.append("the certificate is not from the center's authority")
    signed_at = status.signer_reported_dt
    return SignatureCheck(
        valid=not problems,
        signer=_common_name(status.signing_cert.subject),
        signed_at=signed_at,
        problem="; ".join(problems),
    )


def _ascii(value: str) -> str:
    import unicodedata

    value = value.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


SIGNER = PyHankoSigner()
