"""What every spreadsheet import reports of a wrong cell: the sheet, the row, the column and the reason.

The actuals import (:mod:`keikaku.services.actuals.import_sheet`) and the imports of events and surveys
(:mod:`keikaku.services.events.imports`) each add what they say besides and how the error reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetCellError:
    """One wrong cell (or row, or file) of an imported spreadsheet: where it is and why it is wrong (Japanese)."""

    sheet: str
    row: int
    column: str
    reason: str
