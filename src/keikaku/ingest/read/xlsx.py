"""The workbook reader: stored cell values of every sheet of an ``.xlsx`` file.

Formulas are never evaluated.  A formula cell is read through the value Excel stored with it; a formula
cell without a stored value (a workbook written by a program that does not calculate) cannot be read,
and the file is refused with the cells named.

openpyxl reads the workbook's parts that describe it (the sheets, their order and visibility, the date
system, which cell styles are dates); the shared strings and the worksheets — nearly all of a big
file — are streamed here through the standard library's C XML parser, one pass each, giving the values
openpyxl gives (numbers as int or float, dates by their style, booleans, errors as ``#N/A``…).  openpyxl's
own read-only mode parses each sheet twice (once for its size) through a pure-Python parser: a list of
10,000 rows took seconds.  Parts holding a DTD are refused (no entity expansion, nothing external).
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import IO

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.archive import xlsx_archive_problem
from keikaku.ingest.read.source import Sheet, SheetRow

MAX_REPORTED_CELLS = 5
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA, _INLINE = (_NS + t for t in ("row", "c", "v", "f", "is"))
_SI, _T, _RUN, _PHONETIC = (_NS + t for t in ("si", "t", "r", "rPh"))
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_COORDINATE = re.compile(r"([A-Z]+)(\d+)")


class _Unreadable(Exception):
    """A part that is no worksheet XML we read (malformed, or with a DTD)."""


def _ended(parser: ET.XMLPullParser[ET.Element], tags: frozenset[str]) -> Iterator[ET.Element]:
    for event in parser.read_events():
        element = event[-1]
        if isinstance(element, ET.Element) and element.tag in tags:
            yield element


def _elements(source: IO[bytes], tags: frozenset[str]) -> Iterator[ET.Element]:
    """The elements of a part with one of ``tags``, each when it ends (the caller clears what it is done with)."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    tail = b""
    try:
        while chunk := source.read(1 << 16):
            if _DTD.search(tail + chunk):
                raise _Unreadable("DTD")
            tail = chunk[-16:]
            parser.feed(chunk)
            yield from _ended(parser, tags)
        parser.close()
    except ET.ParseError as exc:
        raise _Unreadable(str(exc)) from None
    yield from _ended(parser, tags)


def _text(element: ET.Element) -> str:
    """A string item's text as openpyxl gives it: its plain text and its runs' text (no phonetic reading)."""
    parts = [element.findtext(_T) or ""]
    parts.extend(run.findtext(_T) or "" for run in element.iterfind(_RUN))
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None or path not in archive.namelist():
        return []
    strings: list[str] = []
    with archive.open(path) as source:
        for element in _elements(source, frozenset({_SI})):
            strings.append(_text(element).replace("x005F_", ""))
            element.clear()
    return strings


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class _SheetReader:
    """Turns a worksheet's ``<c>`` elements into values, the way openpyxl's reader does with data_only."""

    def __init__(self, strings: list[str], dates: set[int], durations: set[int], epoch: object) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings, self.dates, self.durations, self.epoch = strings, dates, durations, epoch
        self.from_excel, self.from_iso = from_excel, from_ISO8601

    def value(self, cell: ET.Element) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(_INLINE)
            return None if inline is None else _text(inline)
        raw = cell.findtext(_VALUE) or None
        if raw is None:
            return None
        if kind == "n":
            number: float = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            style = int(cell.get("s") or 0)
            if style in self.dates:
                try:
                    return self.from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            return self.from_iso(raw)
        return raw  # "str" (a formula's text result), "e" (an error such as #N/A)

    def rows(self, name: str, source: IO[bytes], missing: list[str]) -> list[SheetRow]:
        """The sheet's non-blank rows, trailing blank cells dropped; formula cells without a stored value
        are added to ``missing`` (an array or data-table formula is no such cell, as with openpyxl)."""
        rows: list[SheetRow] = []
        counter = 0
        for element in _elements(source, frozenset({_ROW})):
            counter = int(element.get("r") or counter + 1)
            cells: list[object] = []
            for cell in element.iterfind(_CELL):
                where = _COORDINATE.fullmatch(cell.get("r") or "")
                index = _column(where.group(1)) - 1 if where else len(cells)
                value = self.value(cell)
                formula = cell.find(_FORMULA)
                if value is None and formula is not None and formula.get("t") not in ("array", "dataTable"):
                    missing.append(f"{name}!{cell.get('r') or '?'}")
                cells.extend([None] * (index - len(cells)))
                if index == len(cells):
                    cells.append(value)
                else:
                    cells[index] = value
            element.clear()
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            if cells:
                rows.append(SheetRow(counter, tuple(cells)))
        return rows


def _read(data: bytes) -> tuple[list[Sheet], list[str]]:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.read_manifest()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    wb, archive = reader.wb, reader.archive
    strings_part = reader.package.find(SHARED_STRINGS)
    strings = _shared_strings(archive, strings_part.PartName[1:] if strings_part is not None else None)
    cells = _SheetReader(strings, set(wb._date_formats), set(wb._timedelta_formats), wb.epoch)
    sheets: list[Sheet] = []
    missing: list[str] = []
    index = 0
    for sheet, rel in reader.parser.find_sheets():
        if rel.target not in reader.valid_files:
            continue
        index += 1
        if "chartsheet" in rel.Type or (sheet.state or "visible") != "visible":
            continue
        with archive.open(rel.target) as source:
            sheets.append(Sheet(sheet.name, index, tuple(cells.rows(sheet.name, source, missing))))
    archive.close()
    return sheets, missing


def read_workbook(path: Path, data: bytes) -> list[Sheet]:
    """Every visible sheet's rows (stored values only); raises :class:`IngestError` for unreadable workbooks."""
    problem = xlsx_archive_problem(data, filename=path.name)
    if problem is not None:
        raise IngestError(path, problem.message, code=problem.code)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets, missing = _read(data)
    except Exception as exc:  # a damaged file raises many kinds (zip, XML, a missing part, a bad index)
        raise IngestError(path, f"Excel ブックとして読めません（{type(exc).__name__}）", code="corrupt_xlsx") from None
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
