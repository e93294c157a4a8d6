"""The QR code on the chip-based citizen ID card (CCCD), as a USB scanner types it.

``ID12|oldID9|Full name|DDMMYYYY|Nam or Nữ|Address|DDMMYYYY(issue)``; the old ID may be empty.
Scanners add a trailing Enter, some send decomposed Unicode or lose the diacritics of "Nữ",
and some cards carry fields after the issue date: all of that is read. What cannot be an ID
card's data is refused with :class:`CCCDError` and a message for the officer.

A pure module (no Django models): the counter intake, postal registration and the kiosk's
appointment check-in all read the same strings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _


class CCCDError(ValueError):
    """The text is not a citizen ID card QR code; ``str()`` says why, for the officer."""


@dataclass(frozen=True)
class CitizenCard:
    id_number: str
    old_id_number: str
    name: str
    birth_date: date
    gender: str  # "male" or "female"
    address: str
    issued_on: date | None

    def as_form(self) -> dict[str, str]:
        """The fields as an applicant form takes them (dates as YYYY-MM-DD)."""
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "applicant_name": self.name,
            "birth_date": self.birth_date.isoformat(),
            "gender": self.gender,
            "address": self.address,
            "id_issued_on": self.issued_on.isoformat() if self.issued_on else "",
        }


_SPACES = re.compile(r"\s+")
# ASCII digits only: ``\d`` would also take full-width and other scripts' digits.
_ID12 = re.compile(r"[0-9]{12}")
_OLD_ID = re.compile(r"[0-9]{9}|[0-9]{12}")
_DATE = re.compile(r"[0-9]{8}")
# Invisible characters that copy-paste and some keyboard wedges add: a byte-order mark,
# zero-width spaces and joiners, NUL.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\x00"))
_GENDERS = {"nam": "male", "nu": "female", "nữ": "female", "male": "male", "female": "female"}


def _date(text: str, what: str) -> date:
    digits = text.strip()
    if not _DATE.fullmatch(digits):
        raise CCCDError(_("%(what)s không đúng dạng ngày tháng năm (DDMMYYYY).") % {"what": what})
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        raise CCCDError(_("%(what)s không phải một ngày có thật.") % {"what": what}) from None


def parse_cccd_qr(text: str, *, today: date | None = None) -> CitizenCard:
    """Read a CCCD QR string; raises :class:`CCCDError` when it is not one."""
    if not text or not text.strip():
        raise CCCDError(_("Chưa có dữ liệu quét từ căn cước công dân."))
    clean = unicodedata.normalize("NFC", text).translate(_INVISIBLE).strip()
    parts = [part.strip() for part in clean.split("|")]
    if len(parts) < 6:
        raise CCCDError(
            _("Dữ liệu không phải mã QR của căn cước công dân (thiếu trường, cần ít nhất 6).")
        )
    id_number, old_id, name, birth, gender_text, address = parts[:6]
    issue = parts[6] if len(parts) > 6 else ""
    if not _ID12.fullmatch(id_number):
        raise CCCDError(_("Số căn cước công dân phải có đúng 12 chữ số."))
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise CCCDError(_("Số chứng minh nhân dân cũ phải có 9 hoặc 12 chữ số."))
    name = _SPACES.sub(" ", name)
    if not any(ch.isalpha() for ch in name) or any(ch.isdigit() for ch in name):
        raise CCCDError(_("Họ tên trong mã QR không hợp lệ."))
    birth_date = _date(birth, _("Ngày sinh"))
    folded = unicodedata.normalize("NFD", gender_text.lower())
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn").replace("đ", "d")
    gender = _GENDERS.get(gender_text.lower()) or _GENDERS.get(folded)
    if gender is None:
        raise CCCDError(_("Giới tính trong mã QR phải là “Nam” hoặc “Nữ”."))
    issued_on = _date(issue, _("Ngày cấp")) if issue else None
    today = today or timezone.localdate()
    if birth_date > today or birth_date.year < 1900:
        raise CCCDError(_("Ngày sinh trong mã QR không hợp lý."))
    if issued_on is not None and (issued_on > today or issued_on < birth_date):
        raise CCCDError(_("Ngày cấp trong mã QR không hợp lý."))
    return CitizenCard(
        id_number=id_number,
        old_id_number=old_id,
        name=name,
        birth_date=birth_date,
        gender=gender,
        address=_SPACES.sub(" ", address),
        issued_on=issued_on,
    )
