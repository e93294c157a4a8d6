"""Exports: any report table to an Excel workbook, and the monthly PDF report of a center."""

from __future__ import annotations

import functools
import io
import logging
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.reporting import charts, figures
from motcua.reporting.periods import Period, month_period
from motcua.reporting.selectors import Scope
from motcua.reporting.tables import WEEKDAYS, Table, heat_hours, table_build

logger = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

NUMBER_FORMATS = {"rate": '0.0" %"', "minutes": "0.0", "int": "#,##0", "month": "mm/yyyy"}


def table_xlsx(tables: list[Table], *, heading: list[str]) -> bytes:
    """A workbook with one sheet per table: the heading lines, the column titles, the rows.
    Rates are numbers in percent (97.3 → "97.3 %"), minutes numbers, months dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(str(table.title)))
        last = get_column_letter(max(1, len(table.columns)))
        lines = [str(table.title).upper(), *heading]
        for number, line in enumerate(lines, start=1):
            sheet.append([line])
            sheet.merge_cells(f"A{number}:{last}{number}")
            sheet[f"A{number}"].font = Font(bold=number == 1, size=13 if number == 1 else 11)
        sheet.append([])
        header_row = len(lines) + 2
        sheet.append([str(column.title) for column in table.columns])
        for index, column in enumerate(table.columns, start=1):
            cell = sheet.cell(row=header_row, column=index)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            sheet.column_dimensions[get_column_letter(index)].width = (
                48 if column.kind == "text" else 13
            )
        for values in table.rows:
            sheet.append([_xlsx_value(value) for value in values])
            row = sheet.max_row
            for index, column in enumerate(table.columns, start=1):
                fmt = NUMBER_FORMATS.get(column.kind)
                if fmt and isinstance(values[index - 1], int | float | date):
                    sheet.cell(row=row, column=index).number_format = fmt
        if table.note:
            sheet.append([])
            sheet.append([str(table.note)])
        sheet.freeze_panes = f"B{header_row + 1}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToHeight = 0
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float | date):
        return value
    return str(value)


# --- The monthly PDF report ------------------------------------------------------------------


@functools.cache
def _data_only_fetcher():
    """WeasyPrint may open ``data:`` URLs only: a render never reaches the network or disk."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True, timeout=1)


def monthly_context(scope: Scope, month: date, now: datetime) -> dict[str, Any]:
    period = month_period(month, scope.tz)
    tables = {
        name: table_build(name, scope, period, now)
        for name in (
            "indicators",
            "months",
            "fields",
            "procedures",
            "departments",
            "queue-services",
        )
    }
    months = tables["months"]
    return {
        "scope": scope,
        "period": period,
        "month": month,
        "generated_at": now,
        "summary": figures.summary(
            center_ids=scope.center_ids, start=period.start, end=period.end, now=now, tz=scope.tz
        ),
        "tables": tables,
        "months_chart": months_chart(months),
        "heatmap": arrivals_chart(scope, period),
    }


def monthly_html(scope: Scope, month: date, now: datetime) -> str:
    """The report's HTML as given to WeasyPrint (in Vietnamese, the center's times)."""
    with translation.override("vi"), timezone.override(scope.tz):
        return render_to_string("reporting/monthly_pdf.html", monthly_context(scope, month, now))


def monthly_pdf(scope: Scope, month: date, now: datetime) -> bytes:
    from weasyprint import HTML

    html = monthly_html(scope, month, now)
    return HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()  # type: ignore[return-value]


# --- Charts of the tables ---------------------------------------------------------------------


def months_chart(table: Table) -> charts.Chart:
    """Received per month by channel (stacked) and the on-time rate as a line."""
    categories = [f"{row[0]:%m/%y}" for row in table.rows]
    return charts.stacked_bars(
        title=_("Hồ sơ tiếp nhận theo tháng và tỷ lệ đúng hạn"),
        desc=_(
            "Cột: số hồ sơ tiếp nhận mỗi tháng, chia theo kênh trực tiếp, trực tuyến, bưu chính. "
            "Đường: tỷ lệ giải quyết đúng hạn (%). Số liệu đầy đủ ở bảng theo tháng."
        ),
        categories=categories,
        series=[
            (_("Trực tiếp"), [row[2] for row in table.rows]),
            (_("Trực tuyến"), [row[3] for row in table.rows]),
            (_("Bưu chính"), [row[4] for row in table.rows]),
        ],
        rate=(_("Tỷ lệ đúng hạn"), [row[11] for row in table.rows]),
    )


def arrivals_chart(scope: Scope, period: Period) -> charts.Chart:
    counts = figures.arrivals_heatmap(
        center_ids=scope.center_ids, start=period.start, end=period.end, tz=scope.tz
    )
    return charts.heatmap(
        title=_("Lượt lấy số theo thứ và giờ"),
        desc=_(
            "Mỗi ô: số phiếu lấy trong giờ đó của các ngày thứ đó trong kỳ; ô càng đậm càng đông."
        ),
        counts=counts,
        weekdays=[str(day) for day in WEEKDAYS],
        hours=heat_hours(counts),
    )
