"""Spreadsheet helpers shared by the reports: safe text, 千円 with separators, frozen headers, values only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from keikaku.reports.files import HEADER_FILL as _HEADER_FILL
from keikaku.reports.files import HEADER_FONT as _HEADER_FONT
from keikaku.reports.safe_cells import neutralise_cell

THOUSAND_YEN = "#,##0"
SIGNED_THOUSAND_YEN = "+#,##0;-#,##0;0"
RATIO = "0.0%"
NUMBER = "#,##0.##"
_TITLE_FONT = Font(bold=True, size=14)
#: Characters a sheet title may not contain.
_BAD_TITLE = str.maketrans({c: "・" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    """A table column: header, width, and number format for its numeric cells."""

    header: str
    width: int = 12
    number_format: str | None = None


def sheet_title(text: str) -> str:
    """A valid sheet title (at most 31 characters, no ``[]:*?/\\``)."""
    return text.translate(_BAD_TITLE)[:31]


def write_title(ws: Worksheet, title: str, subtitle: str = "") -> None:
    """A title line (and a subtitle line) at the top of a sheet."""
    ws.cell(row=1, column=1, value=neutralise_cell(title)).font = _TITLE_FONT
    if subtitle:
        ws.cell(row=2, column=1, value=neutralise_cell(subtitle))


def write_table(
    ws: Worksheet, start_row: int, columns: Sequence[Column], rows: Sequence[Sequence[object]], *, freeze: bool = True
) -> int:
    """Write a header and rows of values (never formulas); returns the next free row.

    Text is neutralised against formula injection; numbers get the column's format.  With ``freeze`` the
    rows above and including the header stay visible when scrolling.
    """
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=index, value=column.header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, column.width)
    for offset, values in enumerate(rows, start=1):
        for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = ws.cell(row=start_row + offset, column=index, value=neutralise_cell(value))
            if column.number_format and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = column.number_format
            if isinstance(value, str) and len(value) > 30:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if freeze:
        ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    return start_row + len(rows) + 2
