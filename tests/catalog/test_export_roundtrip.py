"""Export writes back what was imported: national JSON exactly, and our CSV/XLSX layout for
procedures that fit it (one time and at most one charge for every channel, see tabular.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from motcua.catalog import tabular
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.services import procedure_import
from tests.catalog.conftest import DEMO_COUNT, DEMO_FILE, demo_records, national_record

pytestmark = pytest.mark.django_db


def _export(path) -> str:
    out = io.StringIO()
    call_command("export_procedures", str(path), stdout=out)
    return out.getvalue()


def _import(path) -> tuple[str, str, int | None]:
    """The command's stdout, stderr and exit status (None when it did not exit)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_procedures", str(path), stdout=out, stderr=err)
    except SystemExit as exit_info:
        return out.getvalue(), err.getvalue(), exit_info.code
    return out.getvalue(), err.getvalue(), None


def test_export_of_the_demo_file_equals_the_input_record_for_record(tmp_path):
    _import(DEMO_FILE)
    out = tmp_path / "out.json"

    message = _export(out)

    assert f"{DEMO_COUNT} procedures written" in message
    exported = json.loads(out.read_text(encoding="utf-8"))
    original = demo_records()
    assert len(exported) == len(original) == DEMO_COUNT
    # Written in code order, one record per procedure.
    assert [r["MATTHC"] for r in exported] == sorted(r["MATTHC"] for r in original)
    by_code = {r["MATTHC"]: r for r in original}
    for record in exported:
        assert record == by_code[record["MATTHC"]], record["MATTHC"]


def test_importing_the_export_again_changes_nothing(tmp_path):
    _import(DEMO_FILE)
    out = tmp_path / "out.json"
    _export(out)
    versions = ProcedureVersion.objects.count()

    stdout, stderr, status = _import(out)

    assert status is None and stderr == ""
    assert f"0 thủ tục mới, 0 thủ tục có phiên bản mới, {DEMO_COUNT} không đổi" in stdout
    assert ProcedureVersion.objects.count() == versions == DEMO_COUNT
    # And exporting again writes the same bytes.
    again = tmp_path / "again.json"
    _export(again)
    assert again.read_bytes() == out.read_bytes()


def test_export_writes_the_current_version_only(tmp_path):
    procedure_import(actor=None, records=[national_record(time="3")])
    procedure_import(actor=None, records=[national_record(time="5")])
    out = tmp_path / "out.json"

    _export(out)

    (record,) = json.loads(out.read_text(encoding="utf-8"))
    assert record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] == "5"


def test_export_leaves_out_inactive_procedures(tmp_path):
    procedure_import(
        actor=None, records=[national_record("9.000001"), national_record("9.000002", "Khác")]
    )
    Procedure.objects.filter(code="9.000002").update(is_active=False)
    out = tmp_path / "out.json"

    _export(out)

    assert [r["MATTHC"] for r in json.loads(out.read_text(encoding="utf-8"))] == ["9.000001"]


# --- CSV / XLSX ---------------------------------------------------------------------------


def _fitting_catalog() -> list[dict]:
    """Procedures whose content our one-time-one-fee layout can hold."""
    two_cases = national_record(
        "9.000003", "Đăng ký hoạt động tín ngưỡng", fee=None, case="Trường hợp đăng ký lần đầu"
    )
    two_cases["THANHPHANHOSO"].append(
        {
            "TRUONGHOP": "Trường hợp đăng ký bổ sung",
            "GIAYTO": [
                {
                    "TENGIAYTO": "Văn bản đăng ký bổ sung",
                    "SOBANCHINH": "1",
                    "SOBANSAO": "0",
                    "TENMAUDON": "",
                    "URL": "",
                }
            ],
        }
    )
    two_cases["YEUCAU"] = "Có cơ sở tín ngưỡng hợp pháp.\nKhông tranh chấp."
    return [
        national_record("9.000001", "Cấp giấy phép nuôi chim yến", channels=("1", "2", "3")),
        national_record(
            "9.000002",
            "Xác nhận nhanh, trong ngày",
            time="0",
            unit="Trong ngày",
            fee="0",
            fee_note="Miễn lệ phí",
            online="TOANTRINH",
        ),
        two_cases,
        national_record("9.000004", "Cấp bản sao giấy tờ", time="0.5", online=""),
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_spreadsheet_export_then_import_changes_nothing(tmp_path, suffix):
    report = procedure_import(actor=None, records=_fitting_catalog())
    assert report.ok, report.errors
    sheet = tmp_path / f"procedures.{suffix}"

    assert "4 procedures written" in _export(sheet)
    stdout, stderr, status = _import(sheet)

    assert status is None and stderr == "", stderr
    assert "0 thủ tục mới, 0 thủ tục có phiên bản mới, 4 không đổi, 0 bản ghi lỗi" in stdout
    assert ProcedureVersion.objects.count() == 4


def test_csv_export_has_our_columns_and_one_row_per_procedure(tmp_path):
    procedure_import(actor=None, records=_fitting_catalog())
    sheet = tmp_path / "procedures.csv"
    _export(sheet)

    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8"))))

    assert list(rows[0].keys()) == tabular.COLUMNS
    assert [r["code"] for r in rows] == ["9.000001", "9.000002", "9.000003", "9.000004"]
    first = rows[0]
    assert first["channels"] == "1,2,3"
    assert (first["time_value"], first["time_unit"]) == ("3", "working_days")
    assert first["fee_amount_vnd"] == "8000"
    assert first["documents"].splitlines() == [
        "Đơn đề nghị cấp giấy phép | 1 | 0",
        "Sơ đồ nhà yến | 0 | 1",
    ]
    assert rows[2]["documents"].splitlines()[0] == "# Trường hợp đăng ký lần đầu"


def test_spreadsheet_import_creates_procedures_from_a_hand_written_csv(tmp_path):
    sheet = tmp_path / "moi.csv"
    sheet.write_text(
        tabular.write_csv(
            [
                {
                    **dict.fromkeys(tabular.COLUMNS, ""),
                    "code": "9.000010",
                    "name": "Đăng ký nuôi chó mèo",
                    "field_name": "Thú y",
                    "level": "commune",
                    "channels": "1;2",
                    "time_value": "2",
                    "time_unit": "working_days",
                    "fee_amount_vnd": "15000",
                    "documents": "Tờ khai\nGiấy chứng nhận tiêm phòng | 0 | 1",
                }
            ]
        ),
        encoding="utf-8",
    )

    stdout, stderr, status = _import(sheet)

    assert status is None, stderr
    version = Procedure.objects.get(code="9.000010").current_version
    assert sorted(t.channel for t in version.processing_times.all()) == [1, 2]
    assert [f.amount_vnd for f in version.fees.all()] == [15000, 15000]
    case = version.document_cases.get()
    assert [(d.name, d.originals, d.copies) for d in case.documents.all()] == [
        ("Tờ khai", 1, 0),
        ("Giấy chứng nhận tiêm phòng", 0, 1),
    ]
    assert Procedure.objects.get(code="9.000010").fields.get().code == "thu-y"


def test_a_csv_row_with_a_bad_time_is_reported_alone(tmp_path):
    procedure_import(actor=None, records=_fitting_catalog())
    sheet = tmp_path / "procedures.csv"
    _export(sheet)
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8"))))
    rows[1]["time_value"] = "ba ngày"
    rows[2]["name"] = "Đăng ký hoạt động tín ngưỡng (sửa)"
    sheet.write_text(tabular.write_csv(rows), encoding="utf-8")

    stdout, stderr, status = _import(sheet)

    assert status == 1
    assert "1 thủ tục có phiên bản mới, 2 không đổi, 1 bản ghi lỗi" in stdout
    (line,) = stderr.strip().splitlines()
    assert line.strip().startswith("record 2 9.000002:")
    assert "“ba ngày”" in line
    assert Procedure.objects.get(code="9.000002").versions.count() == 1
    assert Procedure.objects.get(code="9.000003").current_version.number == 2


def test_an_xlsx_typed_by_a_person_with_numbers_in_cells_is_read(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(tabular.COLUMNS)
    row = dict.fromkeys(tabular.COLUMNS, None)
    row.update(
        code="9.000020",
        name="Cấp phép đào đường",
        field_name="Giao thông",
        level="commune",
        channels=1,
        time_value=0.5,
        time_unit="working_days",
        fee_amount_vnd=20000,
        documents="Đơn đề nghị | 1 | 0",
    )
    sheet.append([row[c] for c in tabular.COLUMNS])
    sheet.append([None] * len(tabular.COLUMNS))  # an empty row is skipped
    path = tmp_path / "nhap.xlsx"
    workbook.save(path)

    stdout, stderr, status = _import(path)

    assert status is None, stderr
    assert "1 thủ tục mới" in stdout
    version = Procedure.objects.get(code="9.000020").current_version
    time = version.processing_times.get()
    assert (str(time.value), time.unit) == ("0.50", "working_days")
    assert version.fees.get().amount_vnd == 20000


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_fee_that_is_a_phi_keeps_its_kind_through_a_spreadsheet(tmp_path, suffix):
    procedure_import(actor=None, records=[national_record(fee_code="PHI")])
    sheet = tmp_path / f"procedures.{suffix}"
    _export(sheet)

    stdout, _stderr, _status = _import(sheet)

    assert "1 không đổi" in stdout
    version = Procedure.objects.get(code="9.000001").current_version
    assert version.number == 1 and version.fees.get().kind == "fee"
