"""Shared fixtures of the dossier tests: a procedure handled at the center, staff of every
receiving role, files that are (and are not) acceptable scans, and a private media folder."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from motcua.organization.models import Role
from tests.catalog.conftest import national_record
from tests.factories import staff

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A CCCD QR string as a USB scanner types it (7 fields).
CCCD = "001095012345|123456789|Nguyễn Thị Lan|15031995|Nữ|Số 12, thôn Đông, xã Hạnh Phúc, tỉnh Thái Bình|10042021"


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_procedure(center, code="9.000001", **record):
    """Import a small national record and make ``center`` handle it."""
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import

    report = procedure_import(actor=None, records=[national_record(code, **record)])
    assert report.ok, report.summary()
    procedure = Procedure.objects.get(code=code)
    center_procedure_set(actor=None, center=center, procedure=procedure)
    return procedure


@pytest.fixture
def procedure(center):
    """Two required documents (1 original; 1 copy), 3 working days, 8,000 đ, online partly."""
    return make_procedure(center, channels=("1", "2", "3"))


@pytest.fixture
def receptionist(center):
    return staff(Role.RECEPTIONIST, center, username="tiepnhan")


@pytest.fixture
def postal_staff(center):
    return staff(Role.POSTAL, center, username="buudien")


@pytest.fixture
def other_receptionist(other_center):
    return staff(Role.RECEPTIONIST, other_center, username="tiepnhan-khac")


APPLICANT = {
    "name": "Nguyễn Thị Lan",
    "id_number": "001095012345",
    "birth_date": "1995-03-15",
    "gender": "female",
    "address": "Số 12, thôn Đông, xã Hạnh Phúc",
    "phone": "0912345678",
    "email": "lan@example.com",
}


def pdf_bytes(text: str = "scan") -> bytes:
    """A real one-page PDF."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
