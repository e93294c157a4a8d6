"""Scans and uploads: PDF, JPEG and PNG recognised by content, whole, size-capped, stored in
private storage; a broken or disguised file is refused with a clear message and a code, and
then nothing at all is saved (no dossier, rows, messages, files, nor a burnt dossier code)."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFile,
    DossierSequence,
    FormRecord,
    FormSequence,
    Supplement,
)
from motcua.dossiers.selectors import checklist_for
from motcua.dossiers.uploads import MAX_PIXELS, upload_check
from motcua.dossiers.workflow import Status
from motcua.errors import InvalidInput
from motcua.notifications.models import Message
from tests.dossiers.conftest import APPLICANT, jpeg_bytes, local, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 30, 9)  # a Monday


def noisy_jpeg(width: int = 320, height: int = 240) -> bytes:
    """A JPEG the size of a small photo (noise does not compress: many bytes of scan data)."""
    from PIL import Image

    image = Image.frombytes(
        "L", (width, height), bytes((i * 7919) % 251 for i in range(width * height))
    )
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares ``width`` × ``height`` pixels of one colour."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and header for a huge image, with almost no image data (a "bomb")."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def refused(name: str, content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        upload_check(upload(name, content))
    error = caught.value
    assert name in error.message  # the officer sees which file
    return error


# --- upload_check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "content_type", "extension"),
    [
        ("don-de-nghi.pdf", pdf_bytes, "application/pdf", ".pdf"),
        ("anh-chup.jpg", jpeg_bytes, "image/jpeg", ".jpg"),
        ("anh-chup.jpeg", noisy_jpeg, "image/jpeg", ".jpg"),
        ("so-do.png", png_bytes, "image/png", ".png"),
        ("KHONG-DUOI", pdf_bytes, "application/pdf", ".pdf"),
    ],
)
def test_pdf_jpeg_png_are_accepted(name, make, content_type, extension):
    content = make()
    checked = upload_check(upload(name, content))
    assert (checked.content_type, checked.extension, checked.name) == (
        content_type,
        extension,
        name,
    )
    assert checked.content == content
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_a_png_named_pdf_is_accepted_as_the_png_it_is():
    """Recognised by content, not by name: the file is stored as a PNG (the original name is
    kept for people to read)."""
    checked = upload_check(upload("giay-to.pdf", png_bytes(), "application/pdf"))
    assert (checked.content_type, checked.extension, checked.name) == (
        "image/png",
        ".png",
        "giay-to.pdf",
    )


def test_a_multi_page_pdf_is_accepted():
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    assert upload_check(upload("ba-trang.pdf", out.getvalue())).content_type == "application/pdf"


def test_the_path_of_the_name_is_dropped():
    assert upload_check(upload("C:\\Users\\lan\\Desktop\\scan.pdf", pdf_bytes())).name == "scan.pdf"
    assert upload_check(upload("../../etc/scan.pdf", pdf_bytes())).name == "scan.pdf"


def test_an_upload_read_before_is_read_again_from_its_start():
    file = upload("scan.pdf", pdf_bytes())
    first = upload_check(file)
    assert upload_check(file).content == first.content


def _png() -> bytes:
    return png_bytes()


def _jpeg() -> bytes:
    return noisy_jpeg()


def _pdf() -> bytes:
    return pdf_bytes()


REFUSED = {
    "exe-renamed-pdf": (
        "hoso.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00",
        "file_type",
    ),
    "html-renamed-jpg": (
        "anh.jpg",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "file_type",
    ),
    "svg-renamed-png": ("anh.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "file_type"),
    "zip-renamed-pdf": ("hoso.pdf", b"PK\x03\x04" + b"\x00" * 60, "file_type"),
    "gif": ("anh.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "file_type"),
    "text": ("ghichu.pdf", "Tôi xin nộp hồ sơ".encode(), "file_type"),
    "pdf-marker-not-at-start": ("hoso.pdf", b"\n\n" + pdf_bytes(), "file_type"),
    "truncated-png": ("anh.png", _png()[: len(_png()) // 2], "file_broken"),
    "png-without-end": ("anh.png", _png()[:-12], "file_broken"),
    "png-signature-only": ("anh.png", b"\x89PNG\r\n\x1a\n", "file_broken"),
    "truncated-jpeg": ("anh.jpg", _jpeg()[: len(_jpeg()) // 2], "file_broken"),
    "jpeg-header-only": ("anh.jpg", _jpeg()[:600], "file_broken"),
    "jpeg-magic-only": ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "file_broken"),
    "pdf-header-with-garbage": (
        "hoso.pdf",
        b"%PDF-1.7\n" + bytes((i * 7919 + 13) % 256 for i in range(4000)),
        "file_broken",
    ),
    "pdf-header-only": ("hoso.pdf", b"%PDF-1.4\n", "file_broken"),
    "pdf-without-eof": ("hoso.pdf", _pdf().replace(b"%%EOF", b""), "file_broken"),
    "truncated-pdf": ("hoso.pdf", _pdf()[: len(_pdf()) // 2], "file_broken"),
    "empty": ("hoso.pdf", b"", "file_empty"),
}


@pytest.mark.parametrize(("name", "content", "code"), list(REFUSED.values()), ids=list(REFUSED))
def test_broken_or_disguised_files_are_refused_with_a_code(name, content, code):
    error = refused(name, content)
    assert error.code == code
    assert error.status == 400
    words = {
        "file_type": "không phải PDF, JPEG hoặc PNG",
        "file_broken": "bị hỏng hoặc không mở được",
        "file_empty": "rỗng",
    }
    assert words[code] in error.message


@pytest.mark.parametrize("name", ["truncated-png", "png-without-end", "truncated-jpeg"])
def test_truncated_images_are_refused_after_weasyprint_is_imported(monkeypatch, name):
    """WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported
    (the forms are rendered in the same process): the check must not depend on it."""
    import weasyprint  # noqa: F401 - imported for its side effect on Pillow
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    file_name, content, code = REFUSED[name]
    assert refused(file_name, content).code == code
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # given back as it was


def test_a_file_over_the_cap_is_refused(settings):
    content = pdf_bytes()
    settings.DOSSIER_UPLOAD_MAX_BYTES = len(content)
    assert upload_check(upload("vua-du.pdf", content)).size == len(content)

    settings.DOSSIER_UPLOAD_MAX_BYTES = len(content) - 1
    error = refused("qua-lon.pdf", content)
    assert error.code == "file_too_large"
    assert "quá lớn" in error.message


def test_the_cap_holds_when_the_declared_size_lies(settings):
    """``size`` comes from the client's request: the content read is what counts."""
    settings.DOSSIER_UPLOAD_MAX_BYTES = 1000
    file = upload("noi-doi.pdf", pdf_bytes() + b"\n" * 2000)
    file.size = 10
    with pytest.raises(InvalidInput) as caught:
        upload_check(file)
    assert caught.value.code == "file_too_large"


def test_the_cap_is_shown_in_megabytes(settings):
    settings.DOSSIER_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    big = upload("lon.pdf", b"%PDF-1.4\n")
    big.size = 6 * 1024 * 1024
    with pytest.raises(InvalidInput, match="tối đa 5 MB"):
        upload_check(big)


def test_an_image_declaring_too_many_pixels_is_refused_unopened():
    side = int(MAX_PIXELS**0.5) + 100
    content = png_declaring(side, side)
    assert len(content) < 1024 * 1024  # a small file…
    error = refused("bom.png", content)  # …that would decode to tens of megabytes
    assert error.code == "file_too_large"


def test_a_decompression_bomb_header_is_refused():
    error = refused("bom.png", png_header_only(40_000, 40_000))
    assert error.code == "file_too_large"


# --- Through the services: one bad file, nothing saved ---------------------------------------


def files_under(root: Path) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def nothing_saved(media: Path) -> None:
    assert Dossier.objects.count() == 0
    assert DossierDocument.objects.count() == 0
    assert DossierFile.objects.count() == 0
    assert DossierEvent.objects.count() == 0
    assert FormRecord.objects.count() == 0
    assert Supplement.objects.count() == 0
    assert Message.objects.count() == 0
    assert not DossierSequence.objects.filter(last_number__gt=0).exists()
    assert not FormSequence.objects.filter(last_number__gt=0).exists()
    assert files_under(media) == []


def documents_of(procedure):
    return checklist_for(procedure.current_version)


def receive(center, procedure, actor, uploads, *, decision="accept", channel="direct", **kwargs):
    docs = documents_of(procedure)
    return services.dossier_receive(
        actor=actor,
        center=center,
        procedure_code=procedure.code,
        channel=channel,
        applicant=APPLICANT,
        documents=[services.DocumentTick(doc.pk) for doc in docs],
        decision=services.Decision(decision, reasons="Không thuộc thẩm quyền của xã"),
        uploads=uploads,
        now=NOW,
        **kwargs,
    )


def two_good_and(bad_name: str, bad: bytes, procedure) -> list[services.Upload]:
    first, second = documents_of(procedure)
    return [
        services.Upload(upload("don.pdf", pdf_bytes()), first.pk),
        services.Upload(upload("so-do.png", png_bytes()), second.pk),
        services.Upload(upload(bad_name, bad), None),
    ]


@pytest.mark.parametrize(
    ("bad_name", "bad", "code"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, "file_type"),
        ("trang.jpg", b"<html><body>x</body></html>", "file_type"),
        ("hong.png", png_bytes()[:50], "file_broken"),
        ("hong.pdf", pdf_bytes().replace(b"%%EOF", b""), "file_broken"),
        ("rong.pdf", b"", "file_empty"),
    ],
)
def test_one_bad_file_at_the_counter_saves_nothing(
    center, procedure, receptionist, private_media, bad_name, bad, code
):
    with pytest.raises(InvalidInput) as caught:
        receive(center, procedure, receptionist, two_good_and(bad_name, bad, procedure))
    assert caught.value.code == code
    assert bad_name in caught.value.message
    nothing_saved(private_media)

    # The next good dossier of the day takes the first number: none was burnt.
    dossier, form = receive(center, procedure, receptionist, [])
    assert dossier.code == "000.00.10.H34-261130-0001"
    assert form.number == 1


def test_one_file_over_the_cap_saves_nothing(
    center, procedure, receptionist, private_media, settings
):
    settings.DOSSIER_UPLOAD_MAX_BYTES = 2000
    big = pdf_bytes() + b"%" * 3000  # still a PDF, but too big
    with pytest.raises(InvalidInput) as caught:
        receive(center, procedure, receptionist, two_good_and("lon.pdf", big, procedure))
    assert caught.value.code == "file_too_large"
    nothing_saved(private_media)


@pytest.mark.parametrize("decision", ["accept", "supplement", "refuse"])
def test_a_bad_file_saves_nothing_whatever_the_decision(
    center, procedure, receptionist, private_media, decision
):
    with pytest.raises(InvalidInput):
        receive(
            center,
            procedure,
            receptionist,
            two_good_and("x.pdf", b"%PDF-1.4\ngarbage", procedure),
            decision=decision,
        )
    nothing_saved(private_media)


def test_one_bad_file_by_post_saves_nothing(center, procedure, postal_staff, private_media):
    with pytest.raises(InvalidInput):
        receive(
            center,
            procedure,
            postal_staff,
            two_good_and("x.jpg", b"\xff\xd8\xff\xe0garbage", procedure),
            channel="postal",
            postal_tracking="EB123456789VN",
        )
    nothing_saved(private_media)


def test_one_bad_file_online_saves_nothing(center, procedure, private_media):
    with pytest.raises(InvalidInput) as caught:
        services.dossier_submit_online(
            center=center,
            procedure_code=procedure.code,
            applicant=APPLICANT,
            uploads=two_good_and("virus.pdf", b"MZ" + b"\x00" * 300, procedure),
            now=NOW,
        )
    assert caught.value.code == "file_type"
    nothing_saved(private_media)

    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("don.pdf", pdf_bytes()), documents_of(procedure)[0].pk)],
        now=NOW,
    )
    assert dossier.code.endswith("-261130-0001")


def test_files_written_before_a_later_refusal_are_removed(
    center, procedure, receptionist, private_media
):
    """Accepting with a missing document fails after the scans were stored: the transaction
    rolls back and the files it wrote leave the disk too."""
    first, second = documents_of(procedure)
    with pytest.raises(InvalidInput) as caught:
        services.dossier_receive(
            actor=receptionist,
            center=center,
            procedure_code=procedure.code,
            channel="direct",
            applicant=APPLICANT,
            documents=[
                services.DocumentTick(first.pk),
                services.DocumentTick(second.pk, received=False),
            ],
            decision=services.Decision("accept"),
            uploads=[services.Upload(upload("don.pdf", pdf_bytes()), first.pk)],
            now=NOW,
        )
    assert caught.value.code == "incomplete"
    nothing_saved(private_media)


def test_a_file_for_a_document_not_in_the_dossier_saves_nothing(
    center, procedure, receptionist, private_media
):
    with pytest.raises(InvalidInput) as caught:
        receive(
            center,
            procedure,
            receptionist,
            [services.Upload(upload("don.pdf", pdf_bytes()), 999_999)],
        )
    assert caught.value.code == "unknown_document"
    nothing_saved(private_media)


def _storage_url(row: DossierFile) -> str:
    try:
        return row.file.url
    except ValueError:  # a storage without any URL
        return f"/media-not-public/{row.file.name}"


def test_good_files_are_stored_privately_as_what_they_are(
    client, center, procedure, receptionist, private_media
):
    first, second = documents_of(procedure)
    pdf, png = pdf_bytes(), png_bytes()
    dossier, _form = receive(
        center,
        procedure,
        receptionist,
        [
            services.Upload(upload("don.pdf", pdf), first.pk),
            services.Upload(upload("so-do.pdf", png), second.pk),  # a PNG named .pdf
        ],
    )
    rows = {row.original_name: row for row in dossier.files.all()}
    assert set(rows) == {"don.pdf", "so-do.pdf"}
    assert rows["so-do.pdf"].content_type == "image/png"
    assert rows["so-do.pdf"].file.name.endswith(".png")
    assert rows["don.pdf"].content_type == "application/pdf"
    assert rows["don.pdf"].document.required_document_id == first.pk
    for row, content in ((rows["don.pdf"], pdf), (rows["so-do.pdf"], png)):
        assert row.size == len(content)
        assert row.sha256 == hashlib.sha256(content).hexdigest()
        assert row.uploaded_by == receptionist and not row.by_citizen
        path = Path(row.file.path)
        assert path.read_bytes() == content
        # Under MEDIA_ROOT/private, never served from a public URL (views stream them).
        assert path.is_relative_to(Path(private_media) / "private")
        for url in (_storage_url(row), f"/media/private/{row.file.name}", f"/{row.file.name}"):
            assert client.get(url).status_code == 404, url
    assert len(files_under(private_media)) == 2


def test_online_files_tick_their_documents(center, procedure, private_media):
    first, _second = documents_of(procedure)
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("don.jpg", jpeg_bytes()), first.pk)],
        now=NOW,
    )
    row = dossier.files.get()
    assert row.by_citizen and row.uploaded_by is None
    assert row.content_type == "image/jpeg"
    received = dict(dossier.documents.values_list("required_document_id", "received"))
    assert received == {first.pk: True, _second.pk: False}


def test_attaching_a_bad_file_changes_nothing(center, procedure, receptionist, private_media):
    dossier, _form = receive(center, procedure, receptionist, [])
    events = DossierEvent.objects.count()
    with pytest.raises(InvalidInput):
        services.dossier_attach(
            actor=receptionist,
            dossier=dossier,
            uploads=[
                services.Upload(upload("tot.pdf", pdf_bytes())),
                services.Upload(upload("xau.png", png_bytes()[:40])),
            ],
            now=NOW,
        )
    assert DossierFile.objects.count() == 0
    assert DossierEvent.objects.count() == events
    assert files_under(private_media) == []

    stored = services.dossier_attach(
        actor=receptionist,
        dossier=dossier,
        uploads=[services.Upload(upload("tot.pdf", pdf_bytes()))],
        now=NOW,
    )
    assert [row.original_name for row in stored] == ["tot.pdf"]
    assert len(files_under(private_media)) == 1


def test_a_bad_supplement_file_leaves_the_dossier_waiting(center, procedure, private_media):
    first, second = documents_of(procedure)
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("don.pdf", pdf_bytes()), first.pk)],
        now=NOW,
    )
    from tests.factories import staff

    receptionist = staff("receptionist", center, username="tn-bosung")
    services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=services.Decision("supplement"), now=NOW
    )
    files = len(files_under(private_media))
    with pytest.raises(InvalidInput):
        services.dossier_supplement_answer(
            dossier=dossier,
            uploads=[services.Upload(upload("so-do.png", b"\x89PNG\r\n\x1a\nbroken"), second.pk)],
            now=NOW,
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT
    assert dossier.supplements.get().answered_at is None
    assert len(files_under(private_media)) == files
    assert not dossier.documents.get(required_document=second).received


def test_the_orphan_file_sweep_removes_only_old_files_no_row_names(private_media, db):
    """What a killed process leaves (a scan written in a transaction that never committed) is
    removed by the worker's hourly sweep; named files and recent ones (a transaction may still
    be open) stay."""
    import os
    import time

    from motcua.dossiers.uploads import ORPHAN_AFTER_SECONDS, orphan_files_sweep

    root = private_media / "private"
    (root / "dossiers" / "2026" / "11").mkdir(parents=True)
    (root / "forms" / "2026").mkdir(parents=True)
    old = root / "dossiers" / "2026" / "11" / "orphan.pdf"
    recent = root / "dossiers" / "2026" / "11" / "in-flight.pdf"
    form = root / "forms" / "2026" / "orphan-form.pdf"
    for path in (old, recent, form):
        path.write_bytes(b"%PDF-1.4")
    an_hour_ago = time.time() - ORPHAN_AFTER_SECONDS - 5
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(form, (an_hour_ago, an_hour_ago))
    removed = orphan_files_sweep()
    assert sorted(removed) == ["dossiers/2026/11/orphan.pdf", "forms/2026/orphan-form.pdf"]
    assert recent.exists() and not old.exists() and not form.exists()
