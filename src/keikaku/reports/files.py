"""The one place a CSV or XLSX file is written: formats, media types, encodings, atomic writes.

Every export (the data export, the audit export, the actual-value template, the reports, the directory and
registry files) writes through these functions, and the exporter registry
(:mod:`keikaku.services.exchange.exporters`) names them.  What they guarantee:

* **CSV** is UTF-8 with a BOM (Excel on Japanese Windows then reads it as UTF-8), rows end in CRLF, and every
  text cell is neutralised against formula injection (:mod:`keikaku.reports.safe_cells`).
* **XLSX** workbooks come from :func:`new_workbook` and leave as bytes through :func:`workbook_bytes`; the
  cells' text is neutralised by the writer of the sheet (:func:`table_xlsx` does it for a plain table).
* A file on disk appears only when complete: it is written beside its place as ``.<name>.partial`` and then
  renamed (:func:`atomic_path`, :func:`atomic_write`).

This module lives under ``reports`` because the reports (a lower layer than the services) write workbooks too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from keikaku.reports.safe_cells import neutralise_row


class FileFormat(StrEnum):
    """The file formats keikaku writes."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


@dataclass(frozen=True)
class FileKind:
    """How a format is written: its media type, its text encoding (None: binary) and whether a BOM leads."""

    format: FileFormat
    media_type: str
    encoding: str | None = None
    bom: bool = False

    @property
    def extension(self) -> str:
        """The file name's extension, without the dot."""
        return self.format.value

    @property
    def text_encoding(self) -> str:
        """The Python codec that writes the text with its BOM (``utf-8-sig``) or without."""
        if self.encoding is None:
            raise ValueError(f"{self.format} is not a text format")
        return "utf-8-sig" if self.bom else self.encoding


XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS: dict[FileFormat, FileKind] = {
    FileFormat.CSV: FileKind(FileFormat.CSV, "text/csv; charset=utf-8", "utf-8", bom=True),
    FileFormat.XLSX: FileKind(FileFormat.XLSX, XLSX_MEDIA),
    FileFormat.JSON: FileKind(FileFormat.JSON, "application/json", "utf-8"),
    FileFormat.HTML: FileKind(FileFormat.HTML, "text/html; charset=utf-8", "utf-8"),
    FileFormat.PDF: FileKind(FileFormat.PDF, "application/pdf"),
}
BOM = "\ufeff"

#: The header style of every workbook keikaku writes.
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def attachment(filename: str) -> str:
    """The Content-Disposition of a download that names the file in any language (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def media_type(fmt: str) -> str:
    """The media type of a format (``csv``, ``xlsx``, ``json``, ``html``, ``pdf``)."""
    return KINDS[FileFormat(fmt)].media_type


# -- CSV -----------------------------------------------------------------------------------------------


def csv_rows(out: TextIO, header: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> int:
    """Write a header and rows to a text stream (CRLF, every text cell neutralised); return the row count."""
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(neutralise_row(row))
        count += 1
    return count


@contextmanager
def text_stream(out: BinaryIO, fmt: str) -> Iterator[TextIO]:
    """A text stream over a binary one in the format's encoding, with its BOM (CSV) written first."""
    text = io.TextIOWrapper(out, encoding=KINDS[FileFormat(fmt)].text_encoding, newline="", write_through=True)
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def write_csv(out: BinaryIO, header: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> int:
    """Write a CSV file (UTF-8 with BOM, CRLF, neutralised) to a binary stream; return the row count."""
    with text_stream(out, FileFormat.CSV) as text:
        return csv_rows(text, header, rows)


def csv_bytes(header: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file's bytes (UTF-8 with BOM, CRLF, every text cell neutralised)."""
    out = io.BytesIO()
    write_csv(out, header, rows)
    return out.getvalue()


# -- XLSX ----------------------------------------------------------------------------------------------


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook (a write-only one streams its rows and starts without a sheet)."""
    return Workbook(write_only=write_only)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_xlsx(header: Sequence[object], rows: Iterable[Sequence[object]], sheet: str) -> bytes:
    """A one-sheet workbook of a header and rows, every text cell neutralised."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(neutralise_row(row))
    return workbook_bytes(wb)


def table_file(header: Sequence[object], rows: Iterable[Sequence[object]], fmt: str, sheet: str) -> bytes:
    """A plain table as CSV or XLSX (see :func:`csv_bytes` and :func:`table_xlsx`)."""
    if FileFormat(fmt) is FileFormat.CSV:
        return csv_bytes(header, rows)
    if FileFormat(fmt) is FileFormat.XLSX:
        return table_xlsx(header, rows, sheet)
    raise ValueError(f"a table is written as csv or xlsx, not {fmt}")


# -- files on disk -------------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """The partial file to write ``path`` through: renamed to ``path`` when the block ends, removed if it fails."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that the file appears only when complete."""
    with atomic_path(path) as partial:
        partial.write_bytes(content)
