"""Shared helpers of the catalog tests: the real demo file and small national records."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

import motcua.catalog

DEMO_FILE = Path(motcua.catalog.__file__).resolve().parent / "data" / "procedures-demo.json"
DEMO_COUNT = 84


def demo_records() -> list[dict[str, Any]]:
    """A fresh copy of the 84 real commune procedures of the demo file."""
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def demo_record(code: str) -> dict[str, Any]:
    return next(r for r in demo_records() if r["MATTHC"] == code)


def national_record(
    code: str = "9.000001",
    name: str = "Thủ tục cấp giấy phép nuôi chim yến",
    *,
    field: tuple[str, str] = ("chan-nuoi", "Chăn nuôi"),
    time: str = "3",
    unit: str = "Ngày làm việc",
    time_note: str = "",
    channels: tuple[str, ...] = ("1",),
    fee: str | None = "8000",
    fee_code: str = "LEPHI",
    fee_note: str = "Lệ phí cấp giấy phép",
    documents: list[tuple[str, str, str]] | None = None,
    case: str = "",
    result: str = "Giấy phép nuôi chim yến",
    legal: str = "Nghị định số 13/2020/NĐ-CP",
    online: str = "MOTPHAN",
    source: str = "https://example.invalid/nguon",
    agency: str = "Ủy ban nhân dân cấp xã",
) -> dict[str, Any]:
    """A small, valid record in the national shape (docs/catalog.md)."""
    if documents is None:
        documents = [("Đơn đề nghị cấp giấy phép", "1", "0"), ("Sơ đồ nhà yến", "0", "1")]
    fees = (
        [{"MAPHILEPHI": fee_code, "SOTIEN": fee, "DONVI": "Đồng", "MOTA": fee_note}]
        if fee is not None
        else []
    )
    return {
        "MATTHC": code,
        "TENTTHC": name,
        "CAPTHUCHIEN": [{"MACAPTHUCHIEN": "XA", "TENCAPTHUCHIEN": "Cấp Xã"}],
        "LINHVUCTHUCHIEN": [{"MALINHVUC": field[0], "TENLINHVUC": field[1]}],
        "COQUANTHUCHIEN": [{"TENDONVI": agency}],
        "TRINHTUTHUCHIEN": [],
        "CACHTHUCTHUCHIEN": [
            {
                "KENH": channel,
                "THOIGIAN": [{"THOIGIANGIAIQUYET": time, "DONVITINH": unit, "MOTA": time_note}],
                "PHILEPHI": copy.deepcopy(fees),
            }
            for channel in channels
        ],
        "THANHPHANHOSO": [
            {
                "TRUONGHOP": case,
                "GIAYTO": [
                    {
                        "TENGIAYTO": doc_name,
                        "SOBANCHINH": originals,
                        "SOBANSAO": copies,
                        "TENMAUDON": "",
                        "URL": "",
                    }
                    for doc_name, originals, copies in documents
                ],
            }
        ],
        "YEUCAU": "",
        "KETQUATHUCHIEN": [{"TENKETQUA": result}],
        "CANCUPHAPLY": [{"SOVANBAN": "", "TENVANBAN": legal}],
        "MUCDODVC": online,
        "NGUON": source,
    }


def write_json(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def vietnamese():
    """Reasons and messages are checked in the default language (LanguageMiddleware leaves the
    last request's language active on the thread)."""
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture
def demo_catalog(db):
    """The 84 demo procedures, imported through the service."""
    from motcua.catalog.services import procedure_import

    report = procedure_import(actor=None, records=demo_records())
    assert report.ok and len(report.created) == DEMO_COUNT, report.summary()
    return report


@pytest.fixture(scope="module")
def demo_catalog_module(django_db_setup, django_db_blocker):
    """The demo file imported once for a whole module (committed, and removed at its end):
    for modules that only read the catalog, or change it inside each test's transaction."""
    from motcua.catalog import search
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.catalog.services import procedure_import

    with django_db_blocker.unblock():
        report = procedure_import(actor=None, records=demo_records())
        assert report.ok and len(report.created) == DEMO_COUNT, report.summary()
        try:
            yield report
        finally:
            Procedure.objects.update(current_version=None)
            ProcedureVersion.objects.all().delete()
            Procedure.objects.all().delete()
            Field.objects.all().delete()
            search._cache.clear()
