"""The workbook reader: stored cell values of every sheet of an ``.xlsx`` file, through openpyxl.

Formulas are never evaluated.  A formula cell is read through the value Excel stored with it; a formula
cell without a stored value (a workbook written by a program that does not calculate) cannot be read,
and the file is refused with the cells named.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from io import BytesIO
from itertools import repeat
from pathlib import Path

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.archive import xlsx_archive_problem
from keikaku.ingest.read.source import Sheet, SheetRow

MAX_REPORTED_CELLS = 5
#: A formula element of a worksheet's XML (``<f>``, ``<f t="shared" …/>``, or with a namespace prefix).
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the workbook holds a formula (only then is it read a second time, for them)."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as member:
                    tail = b""
                    while chunk := member.read(1 << 20):
                        if _FORMULA.search(tail + chunk):
                            return True
                        tail = chunk[-64:]
    return False


def read_workbook(path: Path, data: bytes) -> list[Sheet]:
    """Every visible sheet's rows (stored values only); raises :class:`IngestError` for unreadable workbooks."""
    from openpyxl import load_workbook

    problem = xlsx_archive_problem(data, filename=path.name)
    if problem is not None:
        raise IngestError(path, problem.message, code=problem.code)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(BytesIO(data), read_only=True, data_only=True, keep_links=False)
            formulas = (
                load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
                if _has_formulas(data)
                else None
            )
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise IngestError(path, f"Excel ブックとして読めません（{type(exc).__name__}）", code="corrupt_xlsx") from None
    sheets: list[Sheet] = []
    missing: list[str] = []
    try:
        for index, name in enumerate(values.sheetnames, start=1):
            ws_values = values[name]
            if getattr(ws_values, "sheet_state", "visible") != "visible":
                continue
            formula_rows = formulas[name].iter_rows() if formulas is not None else repeat(repeat(None))
            rows: list[SheetRow] = []
            for row_values, row_formulas in zip(ws_values.iter_rows(), formula_rows, strict=False):
                cells: list[object] = []
                number = 0
                for cell_value, cell_formula in zip(row_values, row_formulas, strict=False):
                    number = getattr(cell_value, "row", None) or number
                    value = getattr(cell_value, "value", None)
                    raw = getattr(cell_formula, "value", None)
                    if value is None and isinstance(raw, str) and raw.startswith("="):
                        missing.append(f"{name}!{getattr(cell_formula, 'coordinate', '?')}")
                    cells.append(value)
                while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                    cells.pop()
                if cells and number:
                    rows.append(SheetRow(number, tuple(cells)))
            sheets.append(Sheet(name, index, tuple(rows)))
    finally:
        values.close()
        if formulas is not None:
            formulas.close()
    if missing:
        shown = "、".join(missing[:MAX_REPORTED_CELLS]) + (" ほか" if len(missing) > MAX_REPORTED_CELLS else "")
        raise IngestError(
            path,
            f"数式セルに保存された値がありません（{shown}、計{len(missing)}セル）。"
            "数式は評価しないため、Excel で開いて保存し直してください",
            code="formula_without_value",
        )
    if not any(sheet.rows for sheet in sheets):
        raise IngestError(path, "Excel ブックにデータがありません", code="empty_file")
    return sheets
