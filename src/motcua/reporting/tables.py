"""Every table of the reports, built once and shown as HTML or exported to XLSX.

A table is a title, columns (with a kind: text, count, rate in percent, minutes, month) and
rows of plain values, so the page and the workbook always say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.reporting import figures
from motcua.reporting.periods import Period, month_period
from motcua.reporting.selectors import Scope, province_centers

WEEKDAYS = [
    _("Thứ Hai"),
    _("Thứ Ba"),
    _("Thứ Tư"),
    _("Thứ Năm"),
    _("Thứ Sáu"),
    _("Thứ Bảy"),
    _("Chủ nhật"),
]


@dataclass(frozen=True)
class Column:
    title: str | Promise
    kind: str = "int"  # text | int | rate | minutes | month


@dataclass
class Table:
    name: str
    title: str | Promise
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str | Promise = ""


def _dossier_columns(first: str | Promise) -> list[Column]:
    return [
        Column(first, "text"),
        Column(_("Tiếp nhận")),
        Column(_("Trực tiếp")),
        Column(_("Trực tuyến")),
        Column(_("Bưu chính")),
        Column(_("Giải quyết trước hạn")),
        Column(_("Giải quyết đúng hạn")),
        Column(_("Giải quyết quá hạn")),
        Column(_("Đang giải quyết trong hạn")),
        Column(_("Đang giải quyết quá hạn")),
        Column(_("Tỷ lệ trực tuyến"), "rate"),
        Column(_("Tỷ lệ đúng hạn"), "rate"),
    ]


def _dossier_cells(label: Any, row: dict[str, Any]) -> list[Any]:
    return [
        label,
        row["received"],
        row["by_channel"]["direct"],
        row["by_channel"]["online"],
        row["by_channel"]["postal"],
        row["resolved"]["early"],
        row["resolved"]["on_time"],
        row["resolved"]["late"],
        row["in_progress"]["on_time"],
        row["in_progress"]["overdue"],
        row["online_rate"],
        row["on_time_rate"],
    ]


def last_months(period: Period, count: int = 12) -> list[date]:
    """The ``count`` months up to the period's last month (month-by-month context)."""
    months = period.months()
    current = months[0]
    while len(months) < count:
        current = date(current.year - (current.month == 1), (current.month - 2) % 12 + 1, 1)
        months.insert(0, current)
    return months[-max(count, len(period.months())) :]


def months_table(scope: Scope, period: Period, now: datetime) -> Table:
    months = last_months(period)
    rows = figures.dossier_months(center_ids=scope.center_ids, months=months, tz=scope.tz, now=now)
    return Table(
        "months",
        _("Theo tháng"),
        [*_dossier_columns(_("Tháng")), Column(_("Tỷ lệ hài lòng"), "rate")],
        [[*_dossier_cells(row["month"], row), row["satisfaction_rate"]] for row in rows],
        _("Mười hai tháng đến hết kỳ đang xem; đang giải quyết tính ở cuối mỗi tháng."),
    )


def fields_table(scope: Scope, period: Period, now: datetime) -> Table:
    rows = figures.dossier_table(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now, group="field"
    )
    return Table(
        "fields",
        _("Theo lĩnh vực"),
        _dossier_columns(_("Lĩnh vực")),
        [_dossier_cells(row["label"], row) for row in rows],
    )


def procedures_table(scope: Scope, period: Period, now: datetime) -> Table:
    rows = figures.dossier_table(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now, group="procedure"
    )
    satisfaction = figures.satisfaction_by(
        center_ids=scope.center_ids, start=period.start, end=period.end, group="procedure"
    )
    return Table(
        "procedures",
        _("Theo thủ tục"),
        [*_dossier_columns(_("Thủ tục")), Column(_("Tỷ lệ hài lòng"), "rate")],
        [[*_dossier_cells(row["label"], row), satisfaction.get(row["id"])] for row in rows],
    )


def _step_columns(first: str | Promise) -> list[Column]:
    return [
        Column(first, "text"),
        Column(_("Bước xong trước hạn")),
        Column(_("Bước xong đúng hạn")),
        Column(_("Bước xong quá hạn")),
        Column(_("Đang xử lý trong hạn")),
        Column(_("Đang xử lý quá hạn")),
        Column(_("Tỷ lệ đúng hạn"), "rate"),
    ]


def _step_cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["label"],
        row["finished"]["early"],
        row["finished"]["on_time"],
        row["finished"]["late"],
        row["open"]["on_time"],
        row["open"]["overdue"],
        row["on_time_rate"],
    ]


def departments_table(scope: Scope, period: Period, now: datetime) -> Table:
    rows = figures.step_table(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now, group="department"
    )
    return Table(
        "departments",
        _("Theo phòng chuyên môn"),
        _step_columns(_("Phòng chuyên môn")),
        [_step_cells(row) for row in rows],
        _("Các bước của quy trình nội bộ do phòng xử lý (phiếu kiểm soát quá trình)."),
    )


def officials_table(scope: Scope, period: Period, now: datetime) -> Table:
    rows = figures.step_table(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now, group="official"
    )
    satisfaction = figures.satisfaction_by(
        center_ids=scope.center_ids, start=period.start, end=period.end, group="official"
    )
    return Table(
        "officials",
        _("Theo cán bộ"),
        [*_step_columns(_("Cán bộ")), Column(_("Tỷ lệ hài lòng"), "rate")],
        [[*_step_cells(row), satisfaction.get(row["id"])] for row in rows],
        _("Các bước cán bộ đã xử lý xong hoặc đang được giao; hài lòng: đánh giá của người dân."),
    )


def indicators_table(scope: Scope, period: Period, now: datetime) -> Table:
    ind = figures.indicators_766(
        center_ids=scope.center_ids, start=period.start, end=period.end, now=now
    )
    na = _("chưa có (chưa kết nối Cổng DVCQG)")
    return Table(
        "indicators",
        _("Chỉ số Quyết định 766"),
        [
            Column(_("Chỉ số"), "text"),
            Column(_("Tử số"), "int"),
            Column(_("Mẫu số"), "int"),
            Column(_("Tỷ lệ"), "rate"),
            Column(_("Đạt điểm tối đa khi"), "text"),
        ],
        [
            [
                _("Giải quyết đúng hạn"),
                ind.processed - ind.processed_late + ind.open - ind.open_late,
                ind.processed + ind.open,
                ind.on_time_rate,
                "100 %",
            ],
            [_("Hồ sơ trực tuyến"), ind.online, ind.received, ind.online_rate, "≥ 50 %"],
            [
                _("Số hóa hồ sơ và kết quả"),
                ind.digitised,
                ind.processed,
                ind.digitisation_rate,
                "≥ 80 %",
            ],
            [_("Mức độ hài lòng (766)"), None, ind.processed, ind.satisfaction, "100 %"],
            [
                _("Đồng bộ lên Cổng DVCQG"),
                ind.synced,
                ind.sync_received,
                ind.sync_rate if ind.sync_rate is not None else na,
                "100 %",
            ],
        ],
        _("Công thức của từng chỉ số: xem tài liệu docs/reports.md."),
    )


def _queue_columns(first: str | Promise) -> list[Column]:
    return [
        Column(first, "text"),
        Column(_("Số phiếu")),
        Column(_("Đã phục vụ")),
        Column(_("Vắng mặt")),
        Column(_("Bỏ về")),
        Column(_("Chờ TB (phút)"), "minutes"),
        Column(_("Chờ trung vị (phút)"), "minutes"),
        Column(_("Chờ P90 (phút)"), "minutes"),
        Column(_("Phục vụ TB (phút)"), "minutes"),
        Column(_("Phục vụ trung vị (phút)"), "minutes"),
        Column(_("Phục vụ P90 (phút)"), "minutes"),
    ]


def _queue_cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["label"],
        row["tickets"],
        row["served"],
        row["no_show"],
        row["left_without_service"],
        row["avg_wait_minutes"],
        row["median_wait_minutes"],
        row["p90_wait_minutes"],
        row["avg_service_minutes"],
        row["median_service_minutes"],
        row["p90_service_minutes"],
    ]


def _queue_table(name: str, title: Any, first: Any, group: str) -> Callable[..., Table]:
    def build(scope: Scope, period: Period, now: datetime) -> Table:
        rows = figures.queue_table(
            center_ids=scope.center_ids,
            start=period.start,
            end=period.end,
            tz=scope.tz,
            group=group,
        )
        return Table(name, title, _queue_columns(first), [_queue_cells(row) for row in rows])

    return build


def arrivals_table(scope: Scope, period: Period, now: datetime) -> Table:
    counts = figures.arrivals_heatmap(
        center_ids=scope.center_ids, start=period.start, end=period.end, tz=scope.tz
    )
    hours = heat_hours(counts)
    return Table(
        "arrivals",
        _("Số phiếu theo thứ và giờ"),
        [Column(_("Thứ"), "text"), *[Column(f"{hour:02d}h") for hour in hours]],
        [
            [WEEKDAYS[day - 1], *[counts.get((day, hour), 0) for hour in hours]]
            for day in range(1, 8)
        ],
    )


def heat_hours(counts: dict[tuple[int, int], int]) -> list[int]:
    """The hours to show: the working day (7–17h) and any other hour with arrivals."""
    return sorted(set(range(7, 18)) | {hour for (_day, hour), n in counts.items() if n})


def centers_table(scope: Scope, period: Period, now: datetime) -> Table:
    rows = province_centers(scope=scope, period=period, now=now)
    return Table(
        "centers",
        _("Các trung tâm"),
        [
            Column(_("Hạng"), "int"),
            *_dossier_columns(_("Trung tâm")),
            Column(_("Tỷ lệ hài lòng"), "rate"),
            Column(_("Số phiếu")),
            Column(_("Chờ TB (phút)"), "minutes"),
        ],
        [
            [
                row["rank"],
                *_dossier_cells(row["label"], row),
                row["satisfaction_rate"],
                row["tickets"],
                row["avg_wait_minutes"],
            ]
            for row in rows
        ],
        _("Xếp hạng theo tỷ lệ giải quyết đúng hạn."),
    )


TABLES: dict[str, Callable[[Scope, Period, datetime], Table]] = {
    "months": months_table,
    "indicators": indicators_table,
    "fields": fields_table,
    "procedures": procedures_table,
    "departments": departments_table,
    "officials": officials_table,
    "queue-services": _queue_table(
        "queue-services", _("Xếp hàng theo dịch vụ"), _("Dịch vụ"), "service"
    ),
    "queue-counters": _queue_table("queue-counters", _("Xếp hàng theo quầy"), _("Quầy"), "counter"),
    "queue-officials": _queue_table(
        "queue-officials", _("Xếp hàng theo cán bộ"), _("Cán bộ"), "official"
    ),
    "queue-hours": _queue_table("queue-hours", _("Xếp hàng theo giờ lấy số"), _("Giờ"), "hour"),
    "arrivals": arrivals_table,
    "centers": centers_table,
}
CENTER_TABLES = [name for name in TABLES if name != "centers"]
PROVINCE_TABLES = ["centers", "months", "indicators", "fields", "procedures", "queue-services"]


def table_build(name: str, scope: Scope, period: Period, now: datetime) -> Table:
    return TABLES[name](scope, period, now)


def month_bounds(month: date, scope: Scope) -> Period:
    return month_period(month, scope.tz)
