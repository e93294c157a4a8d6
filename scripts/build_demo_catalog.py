"""Build the demo procedure catalog, src/motcua/catalog/data/procedures-demo.json.

The output is a JSON list in the national procedure database shape (docs/catalog.md), derived
from ../shared/data/procedures-commune.json (real commune-level procedures gathered from public
sources). This script is kept to document how the data file was derived: a fresh clone has no
../shared, so the product reads only the committed output file and never runs this script.

    python3 scripts/build_demo_catalog.py [SOURCE [OUTPUT]]

Conversion (facts only from the source; nothing is invented):
- Only records whose processing_time has a value are kept (the others are name-only or have a
  time the source could not pin down); sorted by (field, code).
- Every channel (KENH 1 in person, 2 online, 3 postal, from submission_methods; "1" only when the
  source lists none) gets the same THOIGIAN and PHILEPHI, because the source gives one time and
  one fee list per procedure. Channel-specific times the source mentions stay in the note (MOTA).
- MUCDODVC is inferred: the source's online_level is always null, so a procedure that accepts
  online submission ("Trực tuyến") is marked MOTPHAN (partly online) and the others are left
  empty. Nothing is marked TOANTRINH.
- MAPHILEPHI is LEPHI when the fee description mentions "lệ phí", otherwise PHI; SOTIEN is empty
  when the source has no amount (set locally, or in another currency).
- CANCUPHAPLY.SOVANBAN is the document's own number: the one in a trailing "(...)" when the text
  ends with one (the source writes "Title (123/2015/NĐ-CP)"), else the first number in the text.
- TRINHTUTHUCHIEN is empty (the source has no steps); documents form one case for every case.
- Strings are NFC-normalised (some document names in the source use combining diacritics).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "procedures-commune.json"
OUTPUT = ROOT / "src" / "motcua" / "catalog" / "data" / "procedures-demo.json"

MIN_PROCEDURES = 80
MIN_FIELDS = 10

LEVELS = {"commune": {"MACAPTHUCHIEN": "XA", "TENCAPTHUCHIEN": "Cấp Xã"}}
CHANNELS = {"Trực tiếp": "1", "Trực tuyến": "2", "Dịch vụ bưu chính": "3"}
UNITS = {
    "working_days": "Ngày làm việc",
    "working_hours": "Giờ làm việc",
    "days": "Ngày",
    "immediate": "Trong ngày",
}
DEFAULT_AGENCY = "Ủy ban nhân dân cấp xã"

# A Vietnamese legal document number: 123/2015/NĐ-CP, 66.7/2025/NQ-CP, 60/2014/QH13, 2298/QĐ-UBND.
# The issuer part is upper case so that a missing space ("TT-BCAngày") does not leak into it.
DOC_NUMBER = re.compile(r"\d+(?:\.\d+)*(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*")
TRAILING_PARENS = re.compile(r"\(([^()]*)\)\W*$")


class SourceError(ValueError):
    """The source data breaks an assumption this conversion relies on."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SourceError(message)


def text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def slug(name: str) -> str:
    """Fold a field name to ASCII: Tổ hợp tác, hợp tác xã -> to-hop-tac-hop-tac-xa."""
    name = text(name).replace("đ", "d").replace("Đ", "D")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def number(value: Any) -> str:
    """5 -> "5", 5.0 -> "5", 1.5 -> "1.5"."""
    check(
        isinstance(value, int | float) and not isinstance(value, bool),
        f"not a number: {value!r}",
    )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def doc_number(legal_text: str) -> str:
    trailing = TRAILING_PARENS.search(legal_text)
    if trailing:
        found = DOC_NUMBER.findall(trailing.group(1))
        if found:
            return found[-1]
    first = DOC_NUMBER.search(legal_text)
    return first.group() if first else ""


def fee_code(description: str) -> str:
    return "LEPHI" if "lệ phí" in description.casefold() else "PHI"


def convert(item: dict[str, Any]) -> dict[str, Any]:
    code = text(item["code"])
    check(item["level"] in LEVELS, f"{code}: unknown level {item['level']!r}")
    field = text(item["field"])
    check(bool(field), f"{code}: no field")

    agency = text(item.get("executing_agency"))
    agencies = [part.strip() for part in agency.split(";") if part.strip()] or [DEFAULT_AGENCY]

    time = item["processing_time"]
    unit = time["unit"]
    check(unit in UNITS, f"{code}: unknown time unit {unit!r}")
    duration = "0" if unit == "immediate" else number(time["value"])
    thoigian = [
        {
            "THOIGIANGIAIQUYET": duration,
            "DONVITINH": UNITS[unit],
            "MOTA": text(time.get("note")),
        }
    ]
    philephi = [
        {
            "MAPHILEPHI": fee_code(text(fee["description"])),
            "SOTIEN": "" if fee["amount_vnd"] is None else number(fee["amount_vnd"]),
            "DONVI": "Đồng",
            "MOTA": text(fee["description"]),
        }
        for fee in item.get("fees") or []
    ]

    methods = item.get("submission_methods") or ["Trực tiếp"]
    unknown = set(methods) - CHANNELS.keys()
    check(not unknown, f"{code}: unknown submission methods {sorted(unknown)}")
    channels = sorted({CHANNELS[method] for method in methods})

    documents = [
        {
            "TENGIAYTO": text(doc["name"]),
            "SOBANCHINH": number(doc.get("originals") or 0),
            "SOBANSAO": number(doc.get("copies") or 0),
            "TENMAUDON": "",
            "URL": "",
        }
        for doc in item.get("documents") or []
    ]
    result = text(item.get("result"))

    return {
        "MATTHC": code,
        "TENTTHC": text(item["name"]),
        "CAPTHUCHIEN": [dict(LEVELS[item["level"]])],
        "LINHVUCTHUCHIEN": [{"MALINHVUC": slug(field), "TENLINHVUC": field}],
        "COQUANTHUCHIEN": [{"TENDONVI": name} for name in agencies],
        "TRINHTUTHUCHIEN": [],
        "CACHTHUCTHUCHIEN": [
            {
                "KENH": channel,
                "THOIGIAN": [dict(entry) for entry in thoigian],
                "PHILEPHI": [dict(entry) for entry in philephi],
            }
            for channel in channels
        ],
        "THANHPHANHOSO": [{"TRUONGHOP": "", "GIAYTO": documents}] if documents else [],
        "YEUCAU": "",
        "KETQUATHUCHIEN": [{"TENKETQUA": result}] if result else [],
        "CANCUPHAPLY": [
            {"SOVANBAN": doc_number(text(legal)), "TENVANBAN": text(legal)}
            for legal in item.get("legal_basis") or []
        ],
        "MUCDODVC": "MOTPHAN" if "2" in channels else "",
        "NGUON": text(item["source"]),
    }


def build(source: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [
        item
        for item in source
        if item.get("processing_time") and item["processing_time"].get("value") is not None
    ]
    procedures = sorted(
        (convert(item) for item in kept),
        key=lambda p: (p["LINHVUCTHUCHIEN"][0]["TENLINHVUC"], p["MATTHC"]),
    )

    codes = collections.Counter(p["MATTHC"] for p in procedures)
    duplicates = sorted(code for code, count in codes.items() if count > 1)
    check(not duplicates, f"duplicate MATTHC: {duplicates}")
    slugs: dict[str, set[str]] = collections.defaultdict(set)
    for p in procedures:
        field = p["LINHVUCTHUCHIEN"][0]
        slugs[field["MALINHVUC"]].add(field["TENLINHVUC"])
    clashes = {s: sorted(names) for s, names in slugs.items() if len(names) > 1}
    check(not clashes, f"fields sharing a MALINHVUC: {clashes}")
    check(len(procedures) >= MIN_PROCEDURES, f"only {len(procedures)} procedures")
    check(len(slugs) >= MIN_FIELDS, f"only {len(slugs)} fields")
    return procedures


def summary(procedures: list[dict[str, Any]], skipped: int) -> str:
    fields = collections.Counter(p["LINHVUCTHUCHIEN"][0]["TENLINHVUC"] for p in procedures)
    units = collections.Counter(
        p["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["DONVITINH"] for p in procedures
    )
    online = sum(1 for p in procedures if p["MUCDODVC"])
    lines = [f"{len(procedures)} procedures in {len(fields)} fields ({skipped} records skipped)"]
    lines += [f"  {count:3}  {name}" for name, count in sorted(fields.items())]
    lines.append("time units: " + ", ".join(f"{u} {n}" for u, n in sorted(units.items())))
    lines.append(f"online (MOTPHAN): {online}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("output", nargs="?", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    source = json.loads(args.source.read_text(encoding="utf-8"))
    procedures = build(source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(procedures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(summary(procedures, len(source) - len(procedures)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
