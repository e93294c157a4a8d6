"""Our own CSV / XLSX layout of procedures, for staff who keep the catalog in a spreadsheet.

One row per procedure and channel-independent content; the columns are in ``COLUMNS``
(``fee_kind``: ``charge`` for lệ phí, ``fee`` for phí).
Documents go one per line in ``documents`` as ``name | originals | copies`` (a line
``# case name`` starts a new case); legal bases one per line. The same time and fees apply to
every channel listed in ``channels``. Rows are turned into national-shape records and imported
by the same code as the national JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from motcua.catalog.models import Level, TimeUnit
from motcua.catalog.national import LEVEL_TO_NATIONAL, UNIT_TO_NATIONAL

COLUMNS = [
    "code",
    "name",
    "field_code",
    "field_name",
    "level",
    "online_level",
    "agency",
    "channels",
    "time_value",
    "time_unit",
    "fee_kind",
    "fee_amount_vnd",
    "fee_description",
    "documents",
    "result",
    "conditions",
    "legal_basis",
    "source",
]
_ONLINE = {"full": "TOANTRINH", "partial": "MOTPHAN", "none": "", "": ""}


def rows_from_file(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        for values in rows:
            if values and any(v not in (None, "") for v in values):
                yield {h: "" if v is None else str(v) for h, v in zip(header, values, strict=False)}
        workbook.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)


def row_to_record(row: dict[str, str]) -> dict[str, Any]:
    """A national-shape record from one row (validation happens in ``national.normalize``)."""
    level = row.get("level", "").strip().lower()
    level_code, level_name = (
        LEVEL_TO_NATIONAL.get(Level(level), ("", ""))
        if level in Level.values
        else (level.upper(), "")
    )
    unit = row.get("time_unit", "").strip()
    unit_text = UNIT_TO_NATIONAL[TimeUnit(unit)] if unit in TimeUnit.values else unit
    fee_amount = row.get("fee_amount_vnd", "").strip()
    fee_description = row.get("fee_description", "").strip()
    fee_code = "PHI" if row.get("fee_kind", "").strip().lower() == "fee" else "LEPHI"
    fees = (
        [{"MAPHILEPHI": fee_code, "SOTIEN": fee_amount, "DONVI": "Đồng", "MOTA": fee_description}]
        if fee_amount or fee_description
        else []
    )
    channels = [
        c.strip() for c in row.get("channels", "1").replace(";", ",").split(",") if c.strip()
    ]
    cases: list[dict[str, Any]] = []
    for line in row.get("documents", "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            cases.append({"TRUONGHOP": line.lstrip("#").strip(), "GIAYTO": []})
            continue
        if not cases:
            cases.append({"TRUONGHOP": "", "GIAYTO": []})
        parts = [p.strip() for p in line.split("|")]
        parts += ["1", "0"][len(parts) - 1 :] if len(parts) < 3 else []
        cases[-1]["GIAYTO"].append(
            {
                "TENGIAYTO": parts[0],
                "SOBANCHINH": parts[1],
                "SOBANSAO": parts[2],
                "TENMAUDON": "",
                "URL": "",
            }
        )
    return {
        "MATTHC": row.get("code", "").strip(),
        "TENTTHC": row.get("name", "").strip(),
        "CAPTHUCHIEN": [{"MACAPTHUCHIEN": level_code, "TENCAPTHUCHIEN": level_name}],
        "LINHVUCTHUCHIEN": [
            {
                "MALINHVUC": row.get("field_code", "").strip(),
                "TENLINHVUC": row.get("field_name", "").strip(),
            }
        ]
        if row.get("field_name", "").strip()
        else [],
        "COQUANTHUCHIEN": [{"TENDONVI": row["agency"].strip()}]
        if row.get("agency", "").strip()
        else [],
        "TRINHTUTHUCHIEN": [],
        "CACHTHUCTHUCHIEN": [
            {
                "KENH": channel,
                "THOIGIAN": [
                    {
                        "THOIGIANGIAIQUYET": row.get("time_value", "").strip(),
                        "DONVITINH": unit_text,
                        "MOTA": "",
                    }
                ],
                "PHILEPHI": fees,
            }
            for channel in channels
        ],
        "THANHPHANHOSO": cases,
        "YEUCAU": row.get("conditions", "").strip(),
        "KETQUATHUCHIEN": [{"TENKETQUA": row["result"].strip()}]
        if row.get("result", "").strip()
        else [],
        "CANCUPHAPLY": [
            {"SOVANBAN": "", "TENVANBAN": line.strip()}
            for line in row.get("legal_basis", "").splitlines()
            if line.strip()
        ],
        "MUCDODVC": _ONLINE.get(
            row.get("online_level", "").strip().lower(), row.get("online_level", "")
        ),
        "NGUON": row.get("source", "").strip(),
    }


def normalized_to_row(normalized: dict[str, Any]) -> dict[str, str]:
    """One row of our layout from a canonical record (the first channel's time and fee)."""
    first = normalized["channels"][0]
    time = first["times"][0]
    fee = first["fees"][0] if first["fees"] else {"kind": "", "amount_vnd": None, "description": ""}
    lines: list[str] = []
    for case in normalized["cases"]:
        if case["name"] or len(normalized["cases"]) > 1:
            lines.append(f"# {case['name']}")
        lines += [f"{d['name']} | {d['originals']} | {d['copies']}" for d in case["documents"]]
    field = normalized["fields"][0]
    return {
        "code": normalized["code"],
        "name": normalized["name"],
        "field_code": field["code"],
        "field_name": field["name"],
        "level": normalized["level"],
        "online_level": normalized["online_level"],
        "agency": "; ".join(normalized["agencies"]),
        "channels": ",".join(str(c["channel"]) for c in normalized["channels"]),
        "time_value": time["value"],
        "time_unit": time["unit"],
        "fee_kind": fee["kind"],
        "fee_amount_vnd": "" if fee["amount_vnd"] is None else str(fee["amount_vnd"]),
        "fee_description": fee["description"],
        "documents": "\n".join(lines),
        "result": "; ".join(normalized["results"]),
        "conditions": normalized["conditions"],
        "legal_basis": "\n".join(b["title"] for b in normalized["legal_basis"]),
        "source": normalized["source"],
    }


def write_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_xlsx(rows: list[dict[str, str]], path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "procedures"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    workbook.save(path)
