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


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = field(default_factory=list)
    number_formats: dict[int, str] = field(default_factory=dict)  # column index → format


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
        for row in spec.rows:
            sheet.append([safe_cell(v) for v in row])
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
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
