"""What a scan or upload must be: a PDF, JPEG or PNG recognised by its content (not its name),
whole (it opens), and not larger than the cap. Anything else is refused with a message and
nothing is stored."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from motcua.errors import InvalidInput

# An A3 page scanned at 600 dpi is about 35 million pixels. A small file can declare far more
# (a "decompression bomb"): decoding it would take gigabytes, so it is refused unopened.
MAX_PIXELS = 60_000_000

KINDS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _too_many_pixels(content: bytes) -> bool:
    """Whether an image declares more pixels than :data:`MAX_PIXELS` (read from its header)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        return True
    except Exception:  # noqa: BLE001 - a header that does not read is "broken", checked next
        return False
    return width * height > MAX_PIXELS


_PILLOW_FLAG = threading.Lock()


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Pillow's ``LOAD_TRUNCATED_IMAGES`` is process-wide, and WeasyPrint (forms 01–03) turns it
    on when it is imported: a truncated scan would then "open". The check runs with it off (its
    own images, QR codes we draw, are never truncated)."""
    from PIL import ImageFile

    with _PILLOW_FLAG:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _opens(content: bytes, content_type: str) -> bool:
    """Whether the file is whole: an image decodes, a PDF parses and has a page."""
    try:
        if content_type == "application/pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(content), strict=False)
            if len(reader.pages) < 1:
                return False
            reader.pages[0].mediabox  # noqa: B018 - parses the first page
            return b"%%EOF" in content[-2048:]
        from PIL import Image

        with _truncated_images_refused():
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()  # verify() does not decode the pixels; a truncated file fails here
        return True
    except Exception:  # noqa: BLE001 - any failure to read means "broken"
        return False


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOSSIER_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def upload_check(upload: UploadedFile) -> CheckedFile:
    """The file's content when it is an acceptable scan; raises InvalidInput otherwise."""
    name = (upload.name or "tep").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:150]
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise InvalidInput(
            _("Tệp “%(name)s” quá lớn: tối đa %(mb)s MB.")
            % {"name": name, "mb": f"{limit / 1024 / 1024:g}"},
            code="file_too_large",
        )
    if upload.seekable():
        upload.seek(0)  # a form or view may have read it already
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidInput(
            _("Tệp “%(name)s” quá lớn: tối đa %(mb)s MB.")
            % {"name": name, "mb": f"{limit / 1024 / 1024:g}"},
            code="file_too_large",
        )
    if not content:
        raise InvalidInput(_("Tệp “%(name)s” rỗng.") % {"name": name}, code="file_empty")
    content_type = _sniff(content[:16])
    if content_type is None:
        raise InvalidInput(
            _("Tệp “%(name)s” không phải PDF, JPEG hoặc PNG. Chỉ nhận ba loại tệp này.")
            % {"name": name},
            code="file_type",
        )
    if content_type != "application/pdf" and _too_many_pixels(content):
        raise InvalidInput(
            _(
                "Ảnh “%(name)s” quá lớn (quá nhiều điểm ảnh). Hãy quét lại với độ phân giải thấp hơn."
            )
            % {"name": name},
            code="file_too_large",
        )
    if not _opens(content, content_type):
        raise InvalidInput(
            _("Tệp “%(name)s” bị hỏng hoặc không mở được. Hãy quét hoặc xuất lại tệp.")
            % {"name": name},
            code="file_broken",
        )
    return CheckedFile(
        content=content,
        content_type=content_type,
        extension=KINDS[content_type],
        name=name,
        sha256=hashlib.sha256(content).hexdigest(),
    )


# --- Files no row names --------------------------------------------------------------------

# A file written by a transaction that never finished (its process was killed): the database
# rolled back, the file stayed. Older than this, no open transaction can still claim it.
ORPHAN_AFTER_SECONDS = 3600


def orphan_files_sweep(*, now: float | None = None) -> list[str]:
    """Delete the files under MEDIA_ROOT/private (scans, results, issued forms) that no
    DossierFile or FormRecord names and that are older than an hour; the names deleted.
    The worker runs it every hour (docs/security.md, "Faults")."""
    import os
    import time

    from motcua.dossiers.models import DossierFile, FormRecord, private_storage

    root = private_storage.location
    if not os.path.isdir(root):
        return []
    named = set(DossierFile.objects.values_list("file", flat=True))
    named |= set(FormRecord.objects.exclude(pdf="").values_list("pdf", flat=True))
    cutoff = (now if now is not None else time.time()) - ORPHAN_AFTER_SECONDS
    removed: list[str] = []
    for top in ("dossiers", "forms"):
        for folder, _dirs, files in os.walk(os.path.join(root, top)):
            for name in files:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                if relative in named:
                    continue
                try:
                    if os.path.getmtime(path) < cutoff:
                        os.remove(path)
                        removed.append(relative)
                except FileNotFoundError:
                    continue
    return removed
