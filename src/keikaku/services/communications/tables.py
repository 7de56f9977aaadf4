"""Reading a staff spreadsheet (CSV in any Japanese encoding, or XLSX) as a header and numbered rows;
writing a directory as CSV/XLSX; counting and choosing a directory's facets."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from keikaku.reports.files import media_type, table_file
from keikaku.services.communications.analytics_files import decode
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction

T = TypeVar("T")


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


def export_table(header: Sequence[str], rows: Iterable[Sequence[object]], fmt: str, sheet: str) -> tuple[bytes, str]:
    """Rows as CSV (UTF-8 with BOM, for Excel) or XLSX, every text cell neutralised against formula
    injection; (bytes, media type)."""
    if fmt not in {"csv", "xlsx"}:
        raise ValidationError("形式は csv か xlsx です", code="bad_format")
    return table_file(header, rows, fmt, sheet), media_type(fmt)


#: Separators between the values of a many-valued cell (awards: 「地域未来牽引企業、はばたく…300社」).
_SEPARATORS = re.compile(r"\s*[、,，/／;；\n]\s*")
#: … and for short words, where 「・」 and spaces separate too (languages: 「日本語・英語」, "Japanese English").
_WORD_SEPARATORS = re.compile(r"[、,，/／;；・\s]+")


def split_values(cell: str | None, *, words: bool = False) -> list[str]:
    """The values of a many-valued cell, in order, without repeats; ``words``: the values are single words
    (a 「・」 or a space separates them too, as it cannot inside an award's name)."""
    if not cell:
        return []
    pattern = _WORD_SEPARATORS if words else _SEPARATORS
    return list(dict.fromkeys(v.strip() for v in pattern.split(cell or "") if v.strip()))


def facet_counts(items: Sequence[T], facets: Mapping[str, Callable[[T], Iterable[str]]]) -> dict[str, dict[str, int]]:
    """Per facet, how many items carry each value (a value-less item counts under 「—」), values sorted."""
    counted: dict[str, dict[str, int]] = {}
    for name, values in facets.items():
        acc: dict[str, int] = {}
        for item in items:
            for value in values(item) or ("—",):
                acc[value] = acc.get(value, 0) + 1
        counted[name] = dict(sorted(acc.items()))
    return counted


def chosen(
    items: Sequence[T], facets: Mapping[str, Callable[[T], Iterable[str]]], filters: Mapping[str, str | None]
) -> list[T]:
    """The items carrying every chosen facet value (``filters``: facet → value, empty for any)."""
    wanted = {name: value for name, value in filters.items() if value and name in facets}
    return [i for i in items if all(value in (list(facets[name](i)) or ["—"]) for name, value in wanted.items())]


def audit_import(  # noqa: PLR0917 - who, what, on which object, from which file
    session: Session,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    file: str,
    *,
    added: int,
    **extra: object,
) -> None:
    """Flush the rows an import added and, when there are any, record the import: the file, ``extra``, the count."""
    session.flush()
    if added:
        audit.record(session, actor, action, object_type, object_id, None, {"file": file, **extra, "added": added})


def refuse_rows(filename: str, errors: list[str]) -> None:
    """Refuse an import with every row's error (the first 50 listed), when there is any: nothing is stored."""
    if errors:
        raise ValidationError(
            f"{filename}: {len(errors)} 件の誤りがあるため、何も取り込みませんでした。\n" + "\n".join(errors[:50]),
            code="invalid_rows",
            details={"errors": errors[:50]},
        )
