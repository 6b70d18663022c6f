"""Formatted XLSX downloads for every export: one implementation of the
formatting and of formula-injection escaping."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_COLOUR = "DCE6F1"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A value as a cell: text that a spreadsheet would read as a formula is
    prefixed with a quote (OWASP CSV/formula injection); numbers and dates
    stay typed."""
    if value is None or isinstance(value, (int, float, Decimal, date, datetime)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # shown in the program's zone by the caller
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Formatted:
    """A cell value with a number format of its own (a column of mixed figures)."""

    value: object
    number_format: str


@dataclass(frozen=True)
class Chart:
    """A native chart of the sheet's table: one series per `values` column (named
    by its header) over the labels in the `categories` column."""

    title: str
    values: Sequence[int]
    categories: int = 0
    kind: str = "bar"  # "bar" (horizontal bars) or "line"
    y_title: str = ""
    number_format: str = ""  # of the value axis


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = field(default_factory=list)
    number_formats: dict[int, str] = field(default_factory=dict)  # column index → format
    charts: Sequence[Chart] = field(default_factory=list)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    # openpyxl (with numpy, lxml and Pillow, ~40 MB) is loaded when a workbook is
    # written, not in every process: the import worker stays small.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill("solid", fgColor=HEADER_COLOUR)
    book = Workbook(write_only=False)
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(title=str(spec.title)[:31])
        sheet.append([safe_cell(str(h)) for h in spec.headers])  # headers may name user data
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        formats: list[tuple[int, int, str]] = []
        count = 0
        for count, row in enumerate(spec.rows, start=1):
            cells = []
            for column, value in enumerate(row, start=1):
                if isinstance(value, Formatted):
                    formats.append((count + 1, column, value.number_format))
                    value = value.value
                cells.append(safe_cell(value))
            sheet.append(cells)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(spec.headers):
            letter = get_column_letter(index + 1)
            width = (
                spec.widths[index] if index < len(spec.widths) else max(12, len(str(header)) + 2)
            )
            sheet.column_dimensions[letter].width = width
            if index in spec.number_formats:
                for cell in sheet[letter][1:]:
                    cell.number_format = spec.number_formats[index]
        for row, column, number_format in formats:
            sheet.cell(row=row, column=column).number_format = number_format
        sheet.auto_filter.ref = sheet.dimensions
        if count:
            for at, chart in enumerate(spec.charts):
                _add_chart(
                    sheet, chart, count, f"{get_column_letter(len(spec.headers) + 2)}{2 + at * 20}"
                )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _add_chart(sheet, spec: Chart, rows: int, anchor: str) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    chart = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind != "line":
        chart.type = "bar"  # horizontal: long labels (agents, reasons) stay readable
    chart.title = str(spec.title)
    chart.y_axis.title = str(spec.y_title) if spec.y_title else None
    if spec.number_format:
        chart.y_axis.number_format = spec.number_format
    for column in spec.values:
        data = Reference(sheet, min_col=column + 1, min_row=1, max_row=rows + 1)
        chart.add_data(data, titles_from_data=True)
    labels = Reference(sheet, min_col=spec.categories + 1, min_row=2, max_row=rows + 1)
    chart.set_categories(labels)
    chart.width, chart.height = 18, max(8, min(30, 2 + rows * 0.6))
    sheet.add_chart(chart, anchor)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
