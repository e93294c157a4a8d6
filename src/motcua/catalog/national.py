"""Reading and writing procedure records in the national database's JSON shape.

``normalize`` turns a national record into our canonical form (or raises :class:`RecordError`
with a reason a person can act on); ``to_national`` writes the canonical form back, so that
export → import changes nothing. The shape is documented in docs/catalog.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.models import Channel, Level, OnlineLevel, TimeUnit
from motcua.catalog.search import fold

CODE_PATTERN = re.compile(r"^\d+\.\d+(\.[0-9A-Za-z]+)*$")

_CHANNEL_WORDS = {
    "truc tiep": Channel.IN_PERSON,
    "truc tuyen": Channel.ONLINE,
    "dich vu buu chinh": Channel.POSTAL,
    "buu chinh": Channel.POSTAL,
    "buu chinh cong ich": Channel.POSTAL,
}
_UNIT_WORDS = {
    "ngay lam viec": TimeUnit.WORKING_DAYS,
    "gio lam viec": TimeUnit.WORKING_HOURS,
    "gio": TimeUnit.WORKING_HOURS,
    "ngay": TimeUnit.DAYS,
    "trong ngay": TimeUnit.IMMEDIATE,
    "ngay lap tuc": TimeUnit.IMMEDIATE,
    "lap tuc": TimeUnit.IMMEDIATE,
}
UNIT_TO_NATIONAL = {
    TimeUnit.WORKING_DAYS: "Ngày làm việc",
    TimeUnit.WORKING_HOURS: "Giờ làm việc",
    TimeUnit.DAYS: "Ngày",
    TimeUnit.IMMEDIATE: "Trong ngày",
}
_LEVELS = {"TINH": Level.PROVINCE, "HUYEN": Level.DISTRICT, "XA": Level.COMMUNE}
LEVEL_TO_NATIONAL = {
    Level.PROVINCE: ("TINH", "Cấp Tỉnh"),
    Level.DISTRICT: ("HUYEN", "Cấp Huyện"),
    Level.COMMUNE: ("XA", "Cấp Xã"),
}
_ONLINE = {"TOANTRINH": OnlineLevel.FULL, "MOTPHAN": OnlineLevel.PARTIAL, "": OnlineLevel.NONE}
ONLINE_TO_NATIONAL = {v: k for k, v in _ONLINE.items()}


class RecordError(ValueError):
    """A record that cannot be imported, with the reason."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _list(record: dict, key: str) -> list[dict]:
    """A list of JSON objects (anything else is refused with the key's name)."""
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RecordError(_("%(key)s phải là một danh sách các đối tượng") % {"key": key})
    return value


def _limited(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise RecordError(_("%(what)s dài quá %(limit)d ký tự") % {"what": what, "limit": limit})
    return value


def _count(value: Any, what: str) -> int:
    text = _text(value) or "0"
    if not (text.isascii() and text.isdecimal()) or int(text) > 1000:
        raise RecordError(
            _("%(what)s “%(value)s” không phải số nguyên từ 0 đến 1000")
            % {"what": what, "value": text}
        )
    return int(text)


def _channel(value: Any) -> int:
    text = _text(value)
    if text in {"1", "2", "3"}:
        return int(text)
    channel = _CHANNEL_WORDS.get(fold(text))
    if channel is None:
        raise RecordError(_("kênh (KENH) “%(value)s” không hợp lệ: 1, 2 hoặc 3") % {"value": text})
    return int(channel)


def _time(item: dict) -> dict:
    unit = _UNIT_WORDS.get(fold(_text(item.get("DONVITINH"))))
    if unit is None:
        raise RecordError(
            _("đơn vị thời gian “%(value)s” không hợp lệ") % {"value": _text(item.get("DONVITINH"))}
        )
    raw = _text(item.get("THOIGIANGIAIQUYET")).replace(",", ".") or "0"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise RecordError(_("thời hạn giải quyết “%(value)s” không phải số") % {"value": raw})
    if value < 0 or value > 10000 or value != value.quantize(Decimal("0.01")):
        raise RecordError(
            _("thời hạn giải quyết “%(value)s” ngoài khoảng cho phép") % {"value": raw}
        )
    if unit != TimeUnit.IMMEDIATE and value == 0:
        raise RecordError(_("thời hạn giải quyết bằng 0 nhưng đơn vị không phải “Trong ngày”"))
    return {"value": _decimal_text(value), "unit": str(unit), "note": _text(item.get("MOTA"))}


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_WHOLE = re.compile(r"^(\d+)([.,]0+)?$")
MAX_AMOUNT_VND = 10**12


def _amount(value: Any) -> int | None:
    """VND has no decimals: 8000, "8000", "8.000" and "8,000" are 8000; 8000.5 is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(_("số tiền “%(value)s” không phải số") % {"value": value})
    if isinstance(value, int | float):
        if value != value or value < 0 or int(value) != value:  # NaN, negative or fractional
            raise RecordError(_("số tiền “%(value)s” không phải số đồng nguyên") % {"value": value})
        amount = int(value)
    else:
        text = str(value).strip().replace(" ", "")
        if _THOUSANDS.match(text):
            amount = int(re.sub(r"[.,]", "", text))
        elif (whole := _WHOLE.match(text)) and text.isascii():
            amount = int(whole.group(1))
        else:
            raise RecordError(_("số tiền “%(value)s” không phải số đồng nguyên") % {"value": value})
    if amount > MAX_AMOUNT_VND:
        raise RecordError(_("số tiền “%(value)s” lớn bất thường") % {"value": value})
    return amount


def _fee(item: dict) -> dict:
    code = _text(item.get("MAPHILEPHI")).upper()
    amount = _amount(item.get("SOTIEN"))
    return {
        "kind": "charge" if code == "LEPHI" else "fee",
        "amount_vnd": amount,
        "description": _text(item.get("MOTA")),
    }


def normalize(record: Any) -> dict:
    """The canonical form of a national record; raises RecordError with the reason."""
    try:
        return _normalize(record)
    except RecordError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as error:
        # Whatever shape the file has, one bad record is reported, never a crash.
        raise RecordError(
            _("bản ghi không đúng cấu trúc (%(error)s)") % {"error": type(error).__name__}
        ) from None


def _normalize(record: Any) -> dict:
    if not isinstance(record, dict):
        raise RecordError(_("bản ghi không phải một đối tượng JSON"))
    code = _text(record.get("MATTHC"))
    if not code:
        raise RecordError(_("thiếu mã thủ tục (MATTHC)"))
    if not CODE_PATTERN.match(code) or len(code) > 64:
        raise RecordError(
            _("mã thủ tục “%(value)s” không đúng định dạng, ví dụ 1.004492.000.00.00.H01")
            % {"value": code}
        )
    name = _limited(_text(record.get("TENTTHC")), 2000, "TENTTHC")
    if not name:
        raise RecordError(_("thiếu tên thủ tục (TENTTHC)"))
    fields = []
    for item in _list(record, "LINHVUCTHUCHIEN"):
        field_code = _limited(_text(item.get("MALINHVUC")), 64, "MALINHVUC")
        field_name = _limited(_text(item.get("TENLINHVUC")), 200, "TENLINHVUC")
        if not field_name:
            raise RecordError(_("lĩnh vực thiếu tên (TENLINHVUC)"))
        fields.append(
            {"code": field_code or fold(field_name).replace(" ", "-")[:64], "name": field_name}
        )
    if not fields:
        raise RecordError(_("thiếu lĩnh vực thực hiện (LINHVUCTHUCHIEN)"))
    levels = [_text(item.get("MACAPTHUCHIEN")).upper() for item in _list(record, "CAPTHUCHIEN")]
    level = next((_LEVELS[item] for item in levels if item in _LEVELS), None)
    if level is None:
        raise RecordError(_("thiếu hoặc sai cấp thực hiện (CAPTHUCHIEN: TINH, HUYEN hoặc XA)"))
    online_text = _text(record.get("MUCDODVC")).upper()
    if online_text not in _ONLINE:
        raise RecordError(
            _("mức độ dịch vụ công (MUCDODVC) “%(value)s” không hợp lệ") % {"value": online_text}
        )
    channels: dict[int, dict] = {}
    for item in _list(record, "CACHTHUCTHUCHIEN"):
        channel = _channel(item.get("KENH"))
        times = [_time(t) for t in _list(item, "THOIGIAN")]
        if not times:
            raise RecordError(
                _("kênh %(channel)s thiếu thời hạn giải quyết (THOIGIAN)") % {"channel": channel}
            )
        if channel in channels:
            raise RecordError(_("kênh %(channel)s xuất hiện hai lần") % {"channel": channel})
        channels[channel] = {
            "channel": channel,
            "times": times,
            "fees": [_fee(f) for f in _list(item, "PHILEPHI")],
        }
    if not channels:
        raise RecordError(_("thiếu cách thức thực hiện (CACHTHUCTHUCHIEN)"))
    cases = []
    for case in _list(record, "THANHPHANHOSO"):
        documents = []
        for document in _list(case, "GIAYTO"):
            document_name = _text(document.get("TENGIAYTO"))
            if not document_name:
                raise RecordError(_("giấy tờ thiếu tên (TENGIAYTO)"))
            documents.append(
                {
                    "name": document_name,
                    "originals": _count(document.get("SOBANCHINH"), _("số bản chính")),
                    "copies": _count(document.get("SOBANSAO"), _("số bản sao")),
                    "form_name": _text(document.get("TENMAUDON")),
                    "form_url": _text(document.get("URL")),
                }
            )
        cases.append({"name": _text(case.get("TRUONGHOP")), "documents": documents})
    steps = [
        _text(step.get("TENTRINHTU"))
        for group in _list(record, "TRINHTUTHUCHIEN")
        for step in _list(group, "TRINHTU")
    ]
    return {
        "code": code,
        "base_code": ".".join(code.split(".")[:2]),
        "name": name,
        "level": str(level),
        "fields": fields,
        "agencies": [_text(i.get("TENDONVI")) for i in _list(record, "COQUANTHUCHIEN")],
        "steps": [s for s in steps if s],
        "conditions": _text(record.get("YEUCAU")),
        "results": [_text(i.get("TENKETQUA")) for i in _list(record, "KETQUATHUCHIEN")],
        "legal_basis": [
            {"number": _text(i.get("SOVANBAN")), "title": _text(i.get("TENVANBAN"))}
            for i in _list(record, "CANCUPHAPLY")
        ],
        "online_level": str(_ONLINE[online_text]),
        "channels": [channels[c] for c in sorted(channels)],
        "cases": cases,
        "source": _text(record.get("NGUON")),
    }


def content_hash(normalized: dict) -> str:
    """What makes a version: everything but where the record came from."""
    content = {k: v for k, v in normalized.items() if k != "source"}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def to_national(normalized: dict) -> dict:
    """Write a canonical record back in the national shape."""
    level_code, level_name = LEVEL_TO_NATIONAL[Level(normalized["level"])]
    return {
        "MATTHC": normalized["code"],
        "TENTTHC": normalized["name"],
        "CAPTHUCHIEN": [{"MACAPTHUCHIEN": level_code, "TENCAPTHUCHIEN": level_name}],
        "LINHVUCTHUCHIEN": [
            {"MALINHVUC": f["code"], "TENLINHVUC": f["name"]} for f in normalized["fields"]
        ],
        "COQUANTHUCHIEN": [{"TENDONVI": a} for a in normalized["agencies"]],
        "TRINHTUTHUCHIEN": (
            [{"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": s} for s in normalized["steps"]]}]
            if normalized["steps"]
            else []
        ),
        "CACHTHUCTHUCHIEN": [
            {
                "KENH": str(c["channel"]),
                "THOIGIAN": [
                    {
                        "THOIGIANGIAIQUYET": t["value"],
                        "DONVITINH": UNIT_TO_NATIONAL[TimeUnit(t["unit"])],
                        "MOTA": t["note"],
                    }
                    for t in c["times"]
                ],
                "PHILEPHI": [
                    {
                        "MAPHILEPHI": "LEPHI" if f["kind"] == "charge" else "PHI",
                        "SOTIEN": "" if f["amount_vnd"] is None else str(f["amount_vnd"]),
                        "DONVI": "Đồng",
                        "MOTA": f["description"],
                    }
                    for f in c["fees"]
                ],
            }
            for c in normalized["channels"]
        ],
        "THANHPHANHOSO": [
            {
                "TRUONGHOP": case["name"],
                "GIAYTO": [
                    {
                        "TENGIAYTO": d["name"],
                        "SOBANCHINH": str(d["originals"]),
                        "SOBANSAO": str(d["copies"]),
                        "TENMAUDON": d["form_name"],
                        "URL": d["form_url"],
                    }
                    for d in case["documents"]
                ],
            }
            for case in normalized["cases"]
        ],
        "YEUCAU": normalized["conditions"],
        "KETQUATHUCHIEN": [{"TENKETQUA": r} for r in normalized["results"]],
        "CANCUPHAPLY": [
            {"SOVANBAN": b["number"], "TENVANBAN": b["title"]} for b in normalized["legal_basis"]
        ],
        "MUCDODVC": ONLINE_TO_NATIONAL[OnlineLevel(normalized["online_level"])],
        "NGUON": normalized["source"],
    }
