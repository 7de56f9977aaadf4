"""Reading a staff spreadsheet (CSV in any Japanese encoding, or XLSX) as a header and numbered rows."""

from __future__ import annotations

import csv
import io

from keikaku.services.communications.analytics_files import decode
from keikaku.services.core.errors import ValidationError


def read_table(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of the first sheet of an XLSX, or of a CSV; blank rows skipped."""
    if content.startswith(b"PK\x03\x04"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ValidationError(f"{filename}: Excel ファイルとして読めません", code="bad_workbook") from exc
        sheet = book.worksheets[0]
        raw = [
            (i, ["" if v is None else str(v).strip() for v in row])
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        book.close()
    else:
        reader = csv.reader(io.StringIO(decode(content, filename)))
        raw = [(reader.line_num, [c.strip() for c in row]) for row in reader]
    rows = [(n, cells) for n, cells in raw if any(cells)]
    if not rows:
        raise ValidationError(f"{filename}: 表が空です", code="empty_table")
    (_n, header), data = rows[0], rows[1:]
    return header, [(n, cells + [""] * (len(header) - len(cells))) for n, cells in data]


def column(header: list[str], filename: str, *names: str, required: bool = True) -> int | None:
    """The index of the first column named one of ``names``; ValidationError when a required one is missing."""
    for name in names:
        if name in header:
            return header.index(name)
    if required:
        raise ValidationError(f"{filename} 1行目: 列「{names[0]}」がありません", code="missing_column")
    return None
