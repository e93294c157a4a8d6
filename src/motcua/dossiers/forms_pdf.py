"""Forms 01 (receipt and appointment slip), 02 (supplement request), 03 (refusal), 04 (apology
and new date) and 05 (process-control slip, see ``forms_process``) as A5 PDFs.

A form's PDF is rendered once, on the first request for it (never inside the intake
transaction), and its bytes are kept in private storage: every later request serves the
document exactly as it was issued. The forms are legal documents and always read in
Vietnamese, whatever language the officer's screen is in. WeasyPrint is given a URL fetcher
that refuses everything but ``data:`` URLs, so a render never reaches the network or the disk.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from motcua.catalog.models import Fee, TimeUnit
from motcua.dossiers.models import (
    ApplicantKind,
    Dossier,
    FormRecord,
    ResultDelivery,
    Timeliness,
)
from motcua.dossiers.selectors import rating_url, tracking_url
from motcua.dossiers.signing import pdf_sign
from motcua.dossiers.workflow import Status
from motcua.organization.models import Center
from motcua.organization.selectors import center_now

logger = logging.getLogger(__name__)
# WeasyPrint reports every step of every render at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATES = {
    FormRecord.Form.RECEIPT: "dossiers/forms/receipt.html",
    FormRecord.Form.SUPPLEMENT: "dossiers/forms/supplement.html",
    FormRecord.Form.REFUSAL: "dossiers/forms/refusal.html",
    FormRecord.Form.APOLOGY: "dossiers/forms/apology.html",
    FormRecord.Form.CONTROL: "dossiers/forms/control.html",
}
CENTER_PREFIX = "trung tâm phục vụ hành chính công"
# The kinds of local units a center serves, as they start its name ("xã Hạnh Phúc").
UNIT_KINDS = ("thị trấn", "đặc khu", "phường", "xã", "tỉnh", "thành phố")


# --- Rendering -------------------------------------------------------------------------------


@functools.cache
def _data_only_fetcher():
    """A WeasyPrint URL fetcher that opens ``data:`` URLs only (inline QR code, nothing else);
    any other URL stops the render with an error instead of being fetched. One per process:
    building it sets up an unused TLS context, which costs more than a render's layout step."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True, timeout=1)


def form_html(record: FormRecord) -> str:
    """The form's HTML as given to WeasyPrint (in Vietnamese, times in the center's zone)."""
    dossier = record.dossier
    with translation.override("vi"), timezone.override(dossier.center.time_zone):
        return render_to_string(TEMPLATES[FormRecord.Form(record.form)], form_context(record))


def form_render(record: FormRecord) -> bytes:
    """Render the form to PDF bytes (does not store them)."""
    from weasyprint import HTML

    html = form_html(record)
    return HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()  # type: ignore[return-value]


def form_filename(record: FormRecord) -> str:
    """``phieu-01-<dossier code>.pdf``: what the browser saves it as."""
    return f"phieu-{record.form}-{record.dossier.code}.pdf"


def form_pdf(record: FormRecord) -> bytes:
    """The form's PDF: the stored one when it has been issued, otherwise rendered now, stored
    and returned. Two first requests at once both render, but only the first stored copy is
    kept, and both callers get that one."""
    if record.pdf:
        try:
            with record.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            # The file was lost (a restore without media): render it again from the dossier.
            logger.warning(
                "form %s: stored PDF %s is missing; rendering again", record.pk, record.pdf.name
            )
            FormRecord.objects.filter(pk=record.pk).update(pdf="")
            record.pdf.name = ""
    data = pdf_sign(
        center=record.dossier.center,
        pdf=form_render(record),
        reason=str(FormRecord.Form(record.form).label),
        placement="first-page-top",
    )
    return _store(record, data)


def _store(record: FormRecord, data: bytes) -> bytes:
    name = (
        f"{record.year}-{record.form}-{record.number:05d}-"
        f"{re.sub(r'[^0-9A-Za-z.-]', '', record.dossier.code)}.pdf"
    )
    storage = record.pdf.storage
    stored_name = storage.save(f"forms/{record.year}/{name}", ContentFile(data))
    # Only an empty field is filled: a copy stored meanwhile by another request wins.
    if FormRecord.objects.filter(pk=record.pk, pdf="").update(pdf=stored_name):
        record.pdf.name = stored_name
        return data
    storage.delete(stored_name)
    record.refresh_from_db(fields=["pdf"])
    with record.pdf.open("rb") as stored:
        return stored.read()


# --- What the forms say -----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """The left block of the national heading: the owning People's Committee and the center."""

    owner: str
    unit: str
    place: str


def center_heading(center: Center) -> Heading:
    """ "Trung tâm Phục vụ hành chính công xã Hạnh Phúc" → "ỦY BAN NHÂN DÂN XÃ HẠNH PHÚC" over
    "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", place "Hạnh Phúc". Other names: the province over
    the center's name, place from the province."""
    name = center.name.strip()
    province = re.sub(r"\s*\(.*\)\s*$", "", center.province.name).strip()
    if name.lower().startswith(CENTER_PREFIX) and name[len(CENTER_PREFIX) :].strip():
        locality = name[len(CENTER_PREFIX) :].strip()
        return Heading(
            owner=_("Ủy ban nhân dân %(unit)s") % {"unit": locality},
            unit=name[: len(CENTER_PREFIX)],
            place=_place(locality),
        )
    return Heading(owner=province, unit=name, place=_place(province))


def balanced_lines(text: str, limit: int = 26) -> list[str]:
    """A heading line too long for the left block, cut at the space nearest its middle (as a
    typist would: "TRUNG TÂM PHỤC VỤ / HÀNH CHÍNH CÔNG"), never leaving one word alone."""
    if len(text) <= limit or " " not in text:
        return [text]
    middle = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def _place(locality: str) -> str:
    for kind in UNIT_KINDS:
        if locality.lower().startswith(kind + " "):
            return locality[len(kind) + 1 :].strip()
    return locality


def when_text(value: datetime | None, center: Center) -> str:
    """``09 giờ 00 phút, ngày 30/11/2026`` in the center's zone."""
    if value is None:
        return ""
    local = center_now(center=center, now=value)
    return _("%(hour)s giờ %(minute)s phút, ngày %(date)s") % {
        "hour": f"{local:%H}",
        "minute": f"{local:%M}",
        "date": f"{local:%d/%m/%Y}",
    }


def date_line(value: datetime, center: Center, place: str) -> str:
    """``Hạnh Phúc, ngày 30 tháng 11 năm 2026``."""
    local = center_now(center=center, now=value)
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place,
        "day": f"{local:%d}",
        "month": f"{local:%m}",
        "year": local.year,
    }


def statutory_time(basis: dict[str, Any]) -> str:
    """The statutory time the due date was computed from: '3 ngày làm việc', '4 giờ làm việc'."""
    unit = basis.get("unit") or ""
    if unit not in TimeUnit.values:
        return _("chưa công bố")
    if unit == TimeUnit.IMMEDIATE:
        return str(TimeUnit.IMMEDIATE.label)
    try:
        value = Decimal(str(basis.get("value", "")))
    except InvalidOperation:
        return _("chưa công bố")
    number = format(value.normalize(), "f").replace(".", ",")
    return f"{number} {TimeUnit(unit).label}"


def css_string(text: str) -> str:
    """A CSS string literal of ``text`` (for the running footer inside the style sheet):
    anything but letters, digits and a few harmless marks is written as a CSS escape."""
    safe = " .,-–_/():"
    body = "".join(ch if ch.isalnum() or ch in safe else f"\\{ord(ch):x} " for ch in text)
    return mark_safe(f'"{body}"')  # noqa: S308 - every other character is escaped above


def vnd(amount: int | None) -> str:
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"


def timeliness_text(code: str) -> str:
    """``early`` → "Trước hạn"; "" when not classified (yet)."""
    return str(Timeliness(code).label) if code in Timeliness.values else ""


def _iso_when(value: Any, center: Center) -> str:
    """An ISO time kept in a form's content, as ``when_text`` writes it."""
    if not value:
        return ""
    try:
        return when_text(datetime.fromisoformat(str(value)), center)
    except ValueError:
        return ""


def _short_when(value: Any, center: Center) -> str:
    """``09:15 ngày 30/11/2026`` (in a narrow table cell)."""
    if not value:
        return ""
    try:
        local = center_now(center=center, now=datetime.fromisoformat(str(value)))
    except ValueError:
        return ""
    return _("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def _control_rows(record: FormRecord, center: Center) -> list[dict[str, str]]:
    """Form 05's rows as they were kept when it was issued, formatted for the page."""
    return [
        {
            "step": str(row.get("step", "")),
            "giver_unit": str(row.get("giver_unit", "")),
            "receiver_unit": str(row.get("receiver_unit", "")),
            "at": _short_when(row.get("at"), center),
            "giver": str(row.get("giver", "")),
            "receiver": str(row.get("receiver", "")),
            "timeliness": timeliness_text(str(row.get("timeliness", ""))),
            "due": _short_when(row.get("due"), center),
            "note": str(row.get("note", "")),
        }
        for row in record.content.get("rows", [])
    ]


def _person(user) -> str:
    if user is None:
        return ""
    full = " ".join(part for part in (user.last_name, user.first_name) if part)
    return full or user.get_username()


def _collect_at(dossier: Dossier) -> str:
    """Where the result is collected (slip 01, item 6)."""
    center = dossier.center
    if dossier.result_delivery == ResultDelivery.POST:
        return _("Qua dịch vụ bưu chính công ích, gửi đến địa chỉ: %(address)s") % {
            "address": dossier.address or "—"
        }
    if dossier.result_delivery == ResultDelivery.ELECTRONIC:
        to = dossier.email or dossier.phone
        text = _("Bản điện tử (trực tuyến), tải về từ trang tra cứu hồ sơ")
        return f"{text} ({to})" if to else text
    where = center.name
    if center.address:
        where = f"{where}, {center.address}"
    return _("Bộ phận một cửa – %(where)s") % {"where": where}


def _fees(dossier: Dossier) -> list[dict[str, str]]:
    kinds = dict(Fee.Kind.choices)
    rows = []
    for fee in dossier.fees or []:
        amount = fee.get("amount_vnd")
        rows.append(
            {
                "kind": str(kinds.get(fee.get("kind", ""), _("Phí, lệ phí"))),
                "amount": (vnd(amount) if amount else _("Miễn phí"))
                if amount is not None
                else _("theo quy định"),
                "description": str(fee.get("description") or "")[:300],
            }
        )
    return rows


def form_context(record: FormRecord) -> dict[str, Any]:
    """Everything a form prints, as text already formatted for the page (call inside
    ``translation.override("vi")``: :func:`form_html` does)."""
    dossier = (
        Dossier.objects.select_related(
            "center", "center__province", "procedure", "procedure_version", "received_by"
        )
        .prefetch_related("documents")
        .get(pk=record.dossier_id)
    )
    center = dossier.center
    heading = center_heading(center)
    url = tracking_url(dossier)
    rating_link = rating_url(dossier)
    import segno

    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000")
    documents = [
        {"name": doc.name, "originals": doc.originals, "copies": doc.copies}
        for doc in dossier.documents.all()
        if doc.received
    ]
    accepted_differs = bool(
        dossier.accepted_at
        and abs((dossier.accepted_at - dossier.received_at).total_seconds()) >= 60
    )
    is_person = dossier.applicant_kind == ApplicantKind.PERSON
    return {
        "record": record,
        "form": record.form,
        "form_title": str(FormRecord.Form(record.form).label),
        "running_footer": css_string(
            f"{FormRecord.Form(record.form).label} – {_('mã hồ sơ')} {dossier.code}"
        ),
        "number": record.display_number,
        "dossier": dossier,
        "center": center,
        "heading": heading,
        "owner_lines": balanced_lines(heading.owner, 34),
        "unit_lines": balanced_lines(heading.unit),
        "date_line": date_line(record.issued_at, center, heading.place),
        "procedure_name": dossier.procedure_version.name,
        "procedure_code": dossier.procedure.code,
        "id_label": _("Số CCCD/định danh cá nhân")
        if is_person
        else _("Mã số doanh nghiệp/tổ chức"),
        "documents": documents,
        "statutory_time": statutory_time(dossier.due_basis or {}),
        "received_at": when_text(dossier.received_at, center),
        "accepted_at": when_text(dossier.accepted_at, center) if accepted_differs else "",
        "due_at": when_text(dossier.due_at, center),
        "collect_at": _collect_at(dossier),
        "fees": _fees(dossier),
        "fee_total": vnd(dossier.fee_total_vnd) if dossier.fee_total_vnd else "",
        "officer": _person(record.issued_by) or _person(dossier.received_by),
        "items": [str(item) for item in record.content.get("items", [])],
        "note": str(record.content.get("note", "") or ""),
        "reasons": str(record.content.get("reasons", "") or dossier.refusal_reasons),
        "online": dossier.channel == 2,
        # Form 04: the apology and the new date.
        "apology_reason": str(record.content.get("reason", "") or ""),
        "previous_due_at": _iso_when(record.content.get("previous_due_at"), center),
        "new_due_at": _iso_when(record.content.get("new_due_at"), center),
        # Form 05: the hand-overs as they stood when it was issued.
        "rows": _control_rows(record, center) if record.form == FormRecord.Form.CONTROL else [],
        "original_due_at": _iso_when(record.content.get("original_due_at"), center),
        "control_due_at": _iso_when(record.content.get("due_at"), center),
        "control_timeliness": timeliness_text(str(record.content.get("timeliness", ""))),
        "control_status": (
            str(Status(record.content["status"]).label)
            if record.content.get("status") in Status.values
            else ""
        ),
        "qr": qr,
        "tracking_url": url,
        # Form 01 also invites the citizen to rate the handling once the result is out.
        "rating_url": rating_link,
        "rating_qr": (
            segno.make(rating_link, error="m").svg_data_uri(scale=3, border=2, dark="#000")
            if record.form == FormRecord.Form.RECEIPT
            else ""
        ),
    }
