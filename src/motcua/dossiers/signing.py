"""A hook for signing the PDFs the dossiers app issues (forms, result documents) and checking
their signatures, filled by a layer above (integrations registers its pyHanko signer when the
app is ready): the dossiers app never imports it. With no signer registered, or when the
center has no certificate, PDFs are issued unsigned and :func:`pdf_verify` answers ``None``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from motcua.organization.models import Center

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureCheck:
    """What a signature check found: valid (intact, covering the whole file, from a
    certificate issued by the center's trusted authority), who signed and when."""

    valid: bool
    signer: str = ""
    signed_at: datetime | None = None
    problem: str = ""


class PdfSigner(Protocol):
    def sign(self, *, center: Center, pdf: bytes, reason: str, placement: str) -> bytes | None:
        """The signed PDF, or ``None`` when the center has no certificate."""
        ...

    def verify(self, *, center: Center, pdf: bytes) -> SignatureCheck | None:
        """The check of the PDF's last signature, or ``None`` when it carries none."""
        ...


_signers: list[PdfSigner] = []


def signer_register(signer: PdfSigner) -> None:
    """Install the signer (the last registered wins; registering the same one again is a no-op)."""
    if signer not in _signers:
        _signers.append(signer)


def signer_unregister(signer: PdfSigner) -> None:
    if signer in _signers:
        _signers.remove(signer)


def pdf_sign(*, center: Center, pdf: bytes, reason: str, placement: str = "last-page") -> bytes:
    """``pdf`` signed with the center's certificate when it has one, else unchanged. A failure
    to sign is logged and the PDF is issued unsigned (a form must never be refused for it).
    ``placement``: where the visible stamp goes: ``"first-page-top"`` (in the top margin of an
    issued form) or ``"last-page"`` (bottom right of the last page)."""
    if not _signers:
        return pdf
    try:
        signed = _signers[-1].sign(center=center, pdf=pdf, reason=reason, placement=placement)
    except Exception:
        logger.exception("could not sign a PDF of center %s; issued unsigned", center.pk)
        return pdf
    return pdf if signed is None else signed


def pdf_verify(*, center: Center, pdf: bytes) -> SignatureCheck | None:
    """The signature check of ``pdf`` against the center's trusted authority (``None``: no
    signer installed, or the PDF carries no signature)."""
    if not _signers or not pdf.startswith(b"%PDF"):
        return None
    try:
        return _signers[-1].verify(center=center, pdf=pdf)
    except Exception as error:
        logger.warning("signature check failed for center %s: %s", center.pk, error)
        return SignatureCheck(valid=False, problem=str(error)[:200])
