"""Certificates of the centers: storing a PKCS#12 file with its passphrase (kept encrypted with a
key derived from the server's secret), reading it back, and making a small authority and
center certificates for the demo and tests (with ``cryptography``; EC P-256 keys, made in
milliseconds)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from motcua.errors import InvalidInput


def _fernet() -> Fernet:
    key = hashlib.sha256(f"motcua.integrations.p12:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def passphrase_encrypt(passphrase: str) -> str:
    return _fernet().encrypt(passphrase.encode()).decode() if passphrase else ""


def passphrase_decrypt(token: str) -> bytes | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode())
    except InvalidToken:
        raise InvalidInput(
            _("Không giải mã được mật khẩu của tệp chứng thư (khóa bí mật của máy chủ đã đổi?)."),
            code="passphrase_unreadable",
        ) from None


@dataclass(frozen=True)
class P12Contents:
    subject: str
    not_after: datetime
    certificate: x509.Certificate
    additional: list[x509.Certificate]


def p12_read(data: bytes, passphrase: str) -> P12Contents:
    """Open a PKCS#12 file; a wrong passphrase or a file without key and certificate is refused."""
    try:
        key, certificate, additional = pkcs12.load_key_and_certificates(
            data, passphrase.encode() or None
        )
    except ValueError:
        raise InvalidInput(
            _("Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp không hợp lệ."), code="invalid_p12"
        ) from None
    if key is None or certificate is None:
        raise InvalidInput(
            _("Tệp PKCS#12 phải chứa khóa riêng và chứng thư ký số."), code="invalid_p12"
        )
    return P12Contents(
        subject=certificate.subject.rfc4514_string(),
        not_after=certificate.not_valid_after_utc,
        certificate=certificate,
        additional=list(additional),
    )


def pem_certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError:
        raise InvalidInput(
            _("Chứng thư của tổ chức cấp phải ở dạng PEM (-----BEGIN CERTIFICATE-----)."),
            code="invalid_trust_root",
        ) from None


def self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def certificate_check(
    p12: bytes, passphrase: str, trust_root_pem: str = ""
) -> tuple[P12Contents, x509.Certificate]:
    """The PKCS#12 file opened and its trust root: the one given (PEM), else the self-signed
    authority inside the file. The signing certificate must be issued by that root."""
    contents = p12_read(p12, passphrase)
    if trust_root_pem.strip():
        root = pem_certificate(trust_root_pem)
    else:
        roots = [c for c in contents.additional if self_signed(c)]
        if not roots:
            raise InvalidInput(
                _("Hãy nhập chứng thư của tổ chức cấp (tệp PKCS#12 không kèm chứng thư gốc)."),
                code="invalid_trust_root",
            )
        root = roots[0]
    if contents.certificate.issuer != root.subject and not any(
        c.issuer == root.subject for c in contents.additional
    ):
        raise InvalidInput(
            _("Chứng thư ký số không do tổ chức cấp đã nhập phát hành."), code="invalid_trust_root"
        )
    return contents, root


# --- A small authority for the demo and tests -------------------------------------------------


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _name(common_name: str, organization: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def authority_create(
    common_name: str, *, now: datetime | None = None, years: int = 10
) -> Authority:
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key=key, certificate=certificate)


def center_p12_create(
    authority: Authority,
    common_name: str,
    passphrase: str,
    *,
    organization: str = "",
    now: datetime | None = None,
    years: int = 3,
) -> bytes:
    """A signing certificate issued by ``authority``, with its key, as a PKCS#12 file (the
    authority's certificate included) protected by ``passphrase``."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        common_name[:60].encode(),
        key,
        certificate,
        [authority.certificate],
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
