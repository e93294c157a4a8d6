"""Importing procedures in the national JSON shape, through the service and the command.

Every record is its own unit: good records go in, bad ones are reported with their position, code
and a reason that names the problem; importing the same thing again changes nothing; a changed
record becomes a new version and the old one stays as it was.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.models import Field, Procedure, ProcedureVersion, RequiredDocument
from motcua.catalog.services import procedure_import
from motcua.errors import NotAllowed
from tests.catalog.conftest import DEMO_COUNT, DEMO_FILE, demo_records, national_record, write_json
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db


def _broken_file_records() -> list[dict]:
    """Three good records and four broken ones, each broken in one way."""
    bad_channel = national_record("9.000002", "Thủ tục có kênh sai")
    bad_channel["CACHTHUCTHUCHIEN"][0]["KENH"] = "9"
    bad_time = national_record("9.000004", "Thủ tục có thời hạn sai", time="abc")
    no_name = national_record("9.000005")
    del no_name["TENTTHC"]
    bad_originals = national_record(
        "9.000007", "Thủ tục có số bản chính sai", documents=[("Đơn đề nghị", "x", "0")]
    )
    return [
        national_record("9.000001", "Cấp giấy phép nuôi chim yến"),
        bad_channel,
        national_record("9.000003", "Đăng ký nuôi ong lấy mật"),
        bad_time,
        no_name,
        national_record("9.000006", "Xác nhận vùng nuôi cá lồng bè"),
        bad_originals,
    ]


GOOD_CODES = {"9.000001", "9.000003", "9.000006"}


def _assert_broken_file_reported(errors: list[tuple[int, str, str]]) -> None:
    assert [(position, code) for position, code, _ in errors] == [
        (2, "9.000002"),
        (4, "9.000004"),
        (5, "9.000005"),
        (7, "9.000007"),
    ]
    reasons = {position: reason for position, _, reason in errors}
    assert "KENH" in reasons[2] and "“9”" in reasons[2]
    assert "thời hạn" in reasons[4] and "“abc”" in reasons[4]
    assert "TENTTHC" in reasons[5]
    assert "bản chính" in reasons[7] and "“x”" in reasons[7]


def test_good_records_go_in_and_each_bad_one_is_reported():
    report = procedure_import(actor=None, records=_broken_file_records())

    assert sorted(report.created) == sorted(GOOD_CODES)
    assert not report.ok
    _assert_broken_file_reported(report.errors)
    assert set(Procedure.objects.values_list("code", flat=True)) == GOOD_CODES
    stored = Procedure.objects.get(code="9.000003")
    assert stored.name == "Đăng ký nuôi ong lấy mật"
    assert stored.current_version is not None and stored.current_version.number == 1
    assert "3 thủ tục mới" in report.summary() and "4 bản ghi lỗi" in report.summary()


def test_command_stores_good_records_reports_bad_ones_and_exits_1(tmp_path):
    path = write_json(tmp_path / "tthc.json", _broken_file_records())
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_procedures", str(path), stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert set(Procedure.objects.values_list("code", flat=True)) == GOOD_CODES
    assert "3 thủ tục mới" in out.getvalue()
    lines = err.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].strip().startswith("record 2 9.000002:") and "KENH" in lines[0]
    assert lines[1].strip().startswith("record 4 9.000004:") and "abc" in lines[1]
    assert lines[2].strip().startswith("record 5 9.000005:") and "TENTTHC" in lines[2]
    assert lines[3].strip().startswith("record 7 9.000007:") and "bản chính" in lines[3]


def _with(record: dict, path: tuple, value) -> dict:
    target = record
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return record


_DELETE = object()
_TIME = ("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0)
_FEE = ("CACHTHUCTHUCHIEN", 0, "PHILEPHI", 0)
_DOC = ("THANHPHANHOSO", 0, "GIAYTO", 0)


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("MATTHC",), _DELETE, ["MATTHC"]),
        (("MATTHC",), "TTHC-01", ["mã thủ tục", "TTHC-01"]),
        (("TENTTHC",), "   ", ["TENTTHC"]),
        (("LINHVUCTHUCHIEN",), [], ["LINHVUCTHUCHIEN"]),
        (("LINHVUCTHUCHIEN",), "Hộ tịch", ["LINHVUCTHUCHIEN", "danh sách"]),
        (("CAPTHUCHIEN",), [{"MACAPTHUCHIEN": "THON"}], ["CAPTHUCHIEN"]),
        (("MUCDODVC",), "MUCDO4", ["MUCDODVC", "MUCDO4"]),
        (("CACHTHUCTHUCHIEN",), [], ["CACHTHUCTHUCHIEN"]),
        (("CACHTHUCTHUCHIEN", 0, "KENH"), "qua mạng xã hội", ["KENH", "qua mạng xã hội"]),
        (("CACHTHUCTHUCHIEN", 0, "THOIGIAN"), [], ["THOIGIAN"]),
        ((*_TIME, "DONVITINH"), "Tuần", ["đơn vị thời gian", "Tuần"]),
        ((*_TIME, "THOIGIANGIAIQUYET"), "-2", ["thời hạn", "-2"]),
        ((*_TIME, "THOIGIANGIAIQUYET"), "0", ["thời hạn", "bằng 0"]),
        ((*_FEE, "SOTIEN"), "mười nghìn", ["số tiền", "mười nghìn"]),
        ((*_DOC, "TENGIAYTO"), "", ["TENGIAYTO"]),
        ((*_DOC, "SOBANSAO"), "hai", ["bản sao", "hai"]),
    ],
)
def test_each_kind_of_broken_record_is_reported_with_a_reason(path, value, words):
    bad = _with(national_record("9.000002"), path, value)

    report = procedure_import(
        actor=None, records=[national_record("9.000001"), bad, national_record("9.000003")]
    )

    assert sorted(report.created) == ["9.000001", "9.000003"]
    assert len(report.errors) == 1
    position, _code, reason = report.errors[0]
    assert position == 2
    for word in words:
        assert word in reason


def test_a_record_that_is_not_an_object_is_reported():
    report = procedure_import(actor=None, records=[national_record(), "1.001193", None])

    assert report.created == ["9.000001"]
    assert [(p, c) for p, c, _ in report.errors] == [(2, ""), (3, "")]
    assert all("JSON" in reason for _, _, reason in report.errors)


def test_a_second_channel_and_numbers_written_as_numbers_are_read():
    record = national_record(channels=("1", "2"), time="2,5", fee="8.000")
    record["CACHTHUCTHUCHIEN"][1]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] = 2
    record["CACHTHUCTHUCHIEN"][1]["PHILEPHI"][0]["SOTIEN"] = 6000
    record["THANHPHANHOSO"][0]["GIAYTO"][0]["SOBANCHINH"] = 2

    report = procedure_import(actor=None, records=[record])

    assert report.ok, report.errors
    version = Procedure.objects.get(code="9.000001").current_version
    times = {t.channel: (t.value, t.unit) for t in version.processing_times.all()}
    assert times == {1: (Decimal("2.5"), "working_days"), 2: (Decimal("2"), "working_days")}
    assert {f.channel: f.amount_vnd for f in version.fees.all()} == {1: 8000, 2: 6000}
    first = RequiredDocument.objects.filter(case__version=version).order_by("order").first()
    assert (first.name, first.originals, first.copies) == ("Đơn đề nghị cấp giấy phép", 2, 0)


# --- Re-import, versions ------------------------------------------------------------------


def test_importing_the_same_records_again_changes_nothing():
    records = [national_record("9.000001"), national_record("9.000002", "Thủ tục thứ hai")]
    procedure_import(actor=None, records=records)
    versions = list(ProcedureVersion.objects.order_by("pk").values_list("pk", "content_hash"))
    stamps = dict(Procedure.objects.values_list("code", "updated_at"))

    again = procedure_import(actor=None, records=records)

    assert again.ok
    assert sorted(again.unchanged) == ["9.000001", "9.000002"]
    assert again.created == [] and again.changed == []
    assert list(ProcedureVersion.objects.order_by("pk").values_list("pk", "content_hash")) == (
        versions
    )
    # Not even touched: the search index is rebuilt only when the catalog really changed.
    assert dict(Procedure.objects.values_list("code", "updated_at")) == stamps


def test_importing_the_demo_file_twice_with_the_command_changes_nothing():
    out = io.StringIO()
    call_command("import_procedures", str(DEMO_FILE), stdout=out)
    assert f"{DEMO_COUNT} thủ tục mới" in out.getvalue()
    assert ProcedureVersion.objects.count() == DEMO_COUNT

    out = io.StringIO()
    call_command("import_procedures", str(DEMO_FILE), stdout=out)

    assert f"0 thủ tục mới, 0 thủ tục có phiên bản mới, {DEMO_COUNT} không đổi" in out.getvalue()
    assert ProcedureVersion.objects.count() == DEMO_COUNT
    assert Procedure.objects.count() == DEMO_COUNT
    assert Field.objects.count() == 13


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"time": "5"}, id="time"),
        pytest.param({"unit": "Ngày"}, id="time-unit"),
        pytest.param({"fee": "10000"}, id="fee"),
        pytest.param({"fee": None}, id="fee-removed"),
        pytest.param(
            {"documents": [("Đơn đề nghị cấp giấy phép", "1", "0"), ("Sơ đồ nhà yến", "0", "2")]},
            id="copies",
        ),
        pytest.param(
            {
                "documents": [
                    ("Đơn đề nghị cấp giấy phép", "1", "0"),
                    ("Sơ đồ nhà yến", "0", "1"),
                    ("Bản cam kết bảo vệ môi trường", "1", "0"),
                ]
            },
            id="document-added",
        ),
        pytest.param({"name": "Cấp giấy phép nuôi chim yến trong nhà"}, id="name"),
        pytest.param({"online": "TOANTRINH"}, id="online-level"),
    ],
)
def test_a_changed_record_makes_version_2_and_keeps_version_1(changed):
    procedure_import(actor=None, records=[national_record()])
    procedure = Procedure.objects.get(code="9.000001")
    first = procedure.current_version
    first_snapshot = (
        first.content_hash,
        first.name,
        first.online_level,
        json.dumps(first.record, sort_keys=True),
        [(t.channel, t.value, t.unit) for t in first.processing_times.all()],
        [(f.channel, f.amount_vnd) for f in first.fees.all()],
        [
            (d.name, d.originals, d.copies)
            for d in RequiredDocument.objects.filter(case__version=first)
        ],
    )

    report = procedure_import(actor=None, records=[national_record(**changed)])

    assert report.changed == ["9.000001"] and report.created == [] and report.unchanged == []
    procedure.refresh_from_db()
    assert procedure.versions.count() == 2
    current = procedure.current_version
    assert current.number == 2 and current.pk != first.pk
    assert current.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.number == 1
    assert (
        first.content_hash,
        first.name,
        first.online_level,
        json.dumps(first.record, sort_keys=True),
        [(t.channel, t.value, t.unit) for t in first.processing_times.all()],
        [(f.channel, f.amount_vnd) for f in first.fees.all()],
        [
            (d.name, d.originals, d.copies)
            for d in RequiredDocument.objects.filter(case__version=first)
        ],
    ) == first_snapshot
    # What listings show comes from the new version.
    assert procedure.name == current.name
    assert procedure.online_level == current.online_level


def test_new_version_holds_the_new_time_fee_and_documents():
    procedure_import(actor=None, records=[national_record()])
    procedure_import(
        actor=None,
        records=[
            national_record(
                time="5", fee="10000", documents=[("Đơn đề nghị cấp giấy phép (mẫu mới)", "1", "1")]
            )
        ],
    )

    procedure = Procedure.objects.get(code="9.000001")
    v1, v2 = procedure.versions.order_by("number")
    assert procedure.current_version == v2
    assert [(t.value, t.unit) for t in v1.processing_times.all()] == [(3, "working_days")]
    assert [(t.value, t.unit) for t in v2.processing_times.all()] == [(5, "working_days")]
    assert [f.amount_vnd for f in v1.fees.all()] == [8000]
    assert [f.amount_vnd for f in v2.fees.all()] == [10000]
    assert [d.name for d in RequiredDocument.objects.filter(case__version=v2)] == [
        "Đơn đề nghị cấp giấy phép (mẫu mới)"
    ]
    assert [d.name for d in RequiredDocument.objects.filter(case__version=v1)] == [
        "Đơn đề nghị cấp giấy phép",
        "Sơ đồ nhà yến",
    ]


def test_changing_back_makes_a_third_version():
    procedure_import(actor=None, records=[national_record()])
    procedure_import(actor=None, records=[national_record(time="5")])
    report = procedure_import(actor=None, records=[national_record()])

    assert report.changed == ["9.000001"]
    procedure = Procedure.objects.get(code="9.000001")
    assert list(procedure.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert procedure.current_version.number == 3


def test_only_the_source_changed_makes_no_new_version():
    procedure_import(actor=None, records=[national_record(source="https://example.invalid/a")])

    report = procedure_import(
        actor=None, records=[national_record(source="https://example.invalid/b")]
    )

    assert report.unchanged == ["9.000001"] and report.changed == []
    procedure = Procedure.objects.get(code="9.000001")
    assert procedure.versions.count() == 1
    assert procedure.current_version.source == "https://example.invalid/a"


def test_the_file_name_as_source_makes_no_new_version(tmp_path):
    records = [national_record(source="")]
    call_command(
        "import_procedures", str(write_json(tmp_path / "a.json", records)), stdout=io.StringIO()
    )
    call_command(
        "import_procedures", str(write_json(tmp_path / "b.json", records)), stdout=io.StringIO()
    )

    procedure = Procedure.objects.get(code="9.000001")
    assert procedure.versions.count() == 1
    assert procedure.current_version.source == "a.json"


# --- Who may import ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["receptionist", "center_admin", "specialist", "leader"])
def test_center_staff_may_not_import(center, role):
    user = staff(role, center=center)

    with pytest.raises(NotAllowed):
        procedure_import(actor=user, records=[national_record()])

    assert not Procedure.objects.exists()


def test_a_province_analyst_or_plain_user_may_not_import(province):
    for user in (staff("analyst", province=province), UserFactory()):
        with pytest.raises(NotAllowed):
            procedure_import(actor=user, records=[national_record()])
    assert not Procedure.objects.exists()


def test_a_province_admin_may_import(province):
    admin = staff("province_admin", province=province)

    report = procedure_import(actor=admin, records=[national_record()])

    assert report.created == ["9.000001"]


def test_a_superuser_may_import():
    report = procedure_import(
        actor=UserFactory(is_superuser=True, is_staff=True), records=[national_record()]
    )

    assert report.created == ["9.000001"]


def test_a_deactivated_province_admin_may_not_import(province):
    admin = staff("province_admin", province=province)
    admin.is_active = False
    admin.save()

    with pytest.raises(NotAllowed):
        procedure_import(actor=admin, records=[national_record()])


# --- The command's own errors -------------------------------------------------------------


def test_command_reads_an_object_with_a_data_list(tmp_path):
    path = tmp_path / "tthc.json"
    path.write_text(json.dumps({"data": [national_record()]}, ensure_ascii=False), "utf-8")

    call_command("import_procedures", str(path), stdout=io.StringIO())

    assert Procedure.objects.filter(code="9.000001").exists()


def test_command_refuses_a_missing_or_non_json_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_procedures", str(tmp_path / "missing.json"))
    path = tmp_path / "tthc.json"
    path.write_text("MATTHC;TENTTHC\n1.001193;Đăng ký khai sinh\n", "utf-8")
    with pytest.raises(CommandError, match="not a JSON file"):
        call_command("import_procedures", str(path))
    assert not Procedure.objects.exists()


def test_the_demo_file_imports_completely():
    report = procedure_import(actor=None, records=demo_records())

    assert report.ok, report.errors
    assert len(report.created) == DEMO_COUNT
    khai_sinh = Procedure.objects.get(code="1.001193")
    assert khai_sinh.name == "Thủ tục đăng ký khai sinh"
    assert khai_sinh.base_code == "1.001193"
    assert list(khai_sinh.fields.values_list("code", flat=True)) == ["ho-tich"]
    assert khai_sinh.level == "commune" and khai_sinh.online_level == "partial"


# --- Malformed records must be reported, not crash the whole import -----------------------


def _as_list_of_strings(record: dict) -> dict:
    record["LINHVUCTHUCHIEN"] = ["Hộ tịch"]
    return record


def _time_as_string(record: dict) -> dict:
    record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"] = "3 ngày làm việc"
    return record


@pytest.mark.parametrize(
    "breaks",
    [
        pytest.param(lambda r: _with(r, (*_TIME, "THOIGIANGIAIQUYET"), "NaN"), id="time-NaN"),
        pytest.param(lambda r: _with(r, (*_DOC, "SOBANCHINH"), "²"), id="originals-superscript"),
        pytest.param(lambda r: _with(r, (*_FEE, "SOTIEN"), "8000²"), id="fee-superscript"),
        pytest.param(_as_list_of_strings, id="fields-not-objects"),
        pytest.param(_time_as_string, id="times-not-a-list"),
        pytest.param(lambda r: _with(r, (*_DOC, "SOBANCHINH"), "99999"), id="originals-too-many"),
        pytest.param(
            lambda r: _with(r, ("LINHVUCTHUCHIEN", 0, "TENLINHVUC"), "Lĩnh vực " * 30),
            id="field-name-too-long",
        ),
    ],
)
def test_a_malformed_record_is_reported_and_the_others_go_in(breaks):
    records = [
        national_record("9.000001"),
        breaks(national_record("9.000002")),
        national_record("9.000003"),
    ]

    report = procedure_import(actor=None, records=records)

    assert sorted(report.created) == ["9.000001", "9.000003"]
    assert [(p, c) for p, c, _ in report.errors] == [(2, "9.000002")]


@pytest.mark.parametrize("amount", [8000.0, "8000.50"])
def test_a_fee_written_with_a_decimal_part_keeps_its_amount(amount):
    record = national_record()
    record["CACHTHUCTHUCHIEN"][0]["PHILEPHI"][0]["SOTIEN"] = amount

    report = procedure_import(actor=None, records=[record])

    if report.ok:
        fee = Procedure.objects.get(code="9.000001").current_version.fees.get()
        assert fee.amount_vnd == 8000
    else:
        assert "số tiền" in report.errors[0][2]


@pytest.mark.parametrize("amount", [8000, "8000", "8.000", "8,000", " 8000 "])
def test_a_fee_written_as_a_whole_number_is_read(amount):
    record = national_record()
    record["CACHTHUCTHUCHIEN"][0]["PHILEPHI"][0]["SOTIEN"] = amount

    report = procedure_import(actor=None, records=[record])

    assert report.ok, report.errors
    assert Procedure.objects.get(code="9.000001").current_version.fees.get().amount_vnd == 8000


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(json.dumps(national_record(), ensure_ascii=False), id="one-record-object"),
        pytest.param('"1.001193"', id="a-string"),
        pytest.param("42", id="a-number"),
    ],
)
def test_command_refuses_json_that_is_not_a_list_of_records(tmp_path, content):
    path = tmp_path / "tthc.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="list of procedure records"):
        call_command("import_procedures", str(path), stdout=io.StringIO())
