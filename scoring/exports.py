"""The shop list as an Excel workbook: the same rows as the page (selectors.ShopRow),
written by the shared formula-safe writer (mysteryshop.spreadsheets)."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from mysteryshop.spreadsheets import Sheet, workbook_bytes
from scoring.selectors import ShopRow

SCORE_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"


def _columns(sections: Sequence[tuple[str, str]]) -> list[tuple[str, int, str | None]]:
    """(heading, width, number format) of every column."""
    return [
        (_("Number"), 9, "0"),
        (_("Date"), 12, DATE_FORMAT),
        (_("Slot"), 13, None),
        (_("Channel"), 22, None),
        (_("Reason"), 28, None),
        (_("Category"), 20, None),
        (_("Time band"), 14, None),
        (_("Shopper"), 22, None),
        (_("Agent"), 22, None),
        (_("Team"), 16, None),
        (_("State"), 20, None),
        (_("Score"), 9, SCORE_FORMAT),
        *[(name, max(10, min(len(name) + 2, 24)), SCORE_FORMAT) for _code, name in sections],
        (_("Critical errors"), 40, None),
        (_("High impact"), 12, None),
        (_("Notes"), 40, None),
    ]


def _values(row: ShopRow, sections: Sequence[tuple[str, str]]) -> list:
    critical = "; ".join(
        f"{e.critical_type}: {e.parameter}" if e.parameter else e.critical_type
        for e in row.critical_errors
    )
    return [
        row.number,
        row.date,
        row.slot,
        row.channel,
        row.reason,
        row.category,
        row.time_band,
        row.shopper,
        row.agent,
        row.team,
        row.state_label,
        row.score,
        *[row.sections.get(code) for code, _name in sections],
        critical,
        _("Yes") if row.high_impact else _("No"),
        row.notes,
    ]


def shops_xlsx(rows: Sequence[ShopRow], sections: Sequence[tuple[str, str]]) -> bytes:
    """One sheet, one row per shop: formatted header frozen at the top, dates and
    scores as real numbers, every text escaped against formula injection."""
    columns = _columns(sections)
    return workbook_bytes(
        [
            Sheet(
                title=_("Shops"),
                headers=[heading for heading, _width, _fmt in columns],
                rows=[_values(row, sections) for row in rows],
                widths=[width for _heading, width, _fmt in columns],
                number_formats={i: fmt for i, (_h, _w, fmt) in enumerate(columns) if fmt},
            )
        ]
    )
