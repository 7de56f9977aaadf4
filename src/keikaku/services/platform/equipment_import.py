"""Importing an institution's equipment list (XLSX or CSV) into かんさいラボサーチ: all or nothing.

Headers vary between institutions; each column is recognised by its folded header (``HEADERS``).  An XLSX
sheet may have a two-row header with merged cells (``料金`` over ``金額`` and ``単位``): merged cells are
filled across, and the rows above the first data row are joined per column.  A CSV is read as UTF-8 (with
or without BOM) or, failing that, as CP932 (Excel's Japanese CSV).

Every error is reported at once with its sheet, row and column; with any error nothing is stored.  A
re-import updates the entries it lists (by folded name and model), and marks the institution's other
entries withdrawn, never deleting them.  ``commit=False`` is the preview: the same checks and counts, no
writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import OWNERS
from keikaku.services.platform.labsearch import fold, search_text
from keikaku.storage import platform as store
from keikaku.storage.uow import unit_of_work

#: Field → the folded headers that name it.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("機器名", "設備名", "装置名", "名称", "機器名称", "設備名称"),
    "category": ("分類", "カテゴリ", "カテゴリー", "区分", "種別"),
    "maker": ("メーカー", "メーカ", "製造者", "メーカー名"),
    "model": ("型式", "型番", "モデル", "形式"),
    "specification": ("仕様", "主な仕様", "性能", "仕様性能"),
    "mode": ("利用形態", "利用区分", "形態", "サービス"),
    "fee": ("料金", "料金金額", "使用料", "使用料金額", "手数料", "金額", "料金円"),
    "fee_unit": ("単位", "料金単位", "使用料単位", "課金単位"),
    "requirements": ("利用条件", "条件", "要件", "必要な講習"),
    "updated_on": ("更新日", "最終更新日", "更新"),
}
REQUIRED = ("name", "category", "mode")
MODE_WORDS = {
    "機器使用": "機器使用",
    "機器利用": "機器使用",
    "開放機器": "機器使用",
    "依頼試験": "依頼試験",
    "技術相談": "技術相談",
}
LABELS = {
    "name": "機器名",
    "category": "分類",
    "mode": "利用形態",
    "fee": "料金",
    "updated_on": "更新日",
}


@dataclass(frozen=True)
class ImportError_:
    """One problem of the file: where (sheet, row, column) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"シート「{self.sheet}」{self.row}行目「{self.column}」: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import does (or, in a preview, would do)."""

    committed: bool
    added: int
    updated: int
    withdrawn: int
    rows: int
    errors: tuple[ImportError_, ...]
    #: What is (or would be) added, updated and withdrawn: each entry's name and model.
    added_names: tuple[str, ...] = ()
    updated_names: tuple[str, ...] = ()
    withdrawn_names: tuple[str, ...] = ()


def _rows_of_csv(content: bytes) -> list[tuple[str, list[list[str]]]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [("CSV", [list(r) for r in csv.reader(io.StringIO(text))])]
    raise ValidationError("CSV の文字コードを読み取れません（UTF-8 か Shift_JIS で保存してください）")


def _rows_of_xlsx(content: bytes) -> list[tuple[str, list[list[str]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:
        raise ValidationError("Excel ファイルとして読めません（.xlsx で保存してください）") from exc
    sheets = []
    for sheet in book.worksheets:
        for merged in list(sheet.merged_cells.ranges):
            value = sheet.cell(merged.min_row, merged.min_col).value
            sheet.unmerge_cells(str(merged))
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    sheet.cell(r, c).value = value
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(
                ["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v)) for v in row]
            )
        sheets.append((sheet.title, rows))
    return sheets


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(index of the last header row, field → column) from the first rows, joining up to two header rows."""
    known = {h: f for f, hs in HEADERS.items() for h in hs}
    best: tuple[int, dict[str, int]] | None = None
    for last in range(min(len(rows), 6)):
        for depth in (1, 2):
            first = last - depth + 1
            if first < 0:
                continue
            width = max(len(r) for r in rows[first : last + 1])
            columns: dict[str, int] = {}
            for c in range(width):
                parts = [fold(rows[r][c]) if c < len(rows[r]) else "" for r in range(first, last + 1)]
                joined = "".join(dict.fromkeys(p for p in parts if p))
                for candidate in (joined, parts[-1]):
                    found = known.get(candidate)
                    if found and found not in columns:
                        columns[found] = c
                        break
            if all(f in columns for f in REQUIRED) and (best is None or len(columns) > len(best[1])):
                best = (last, columns)  # a second header row (merged cells above) maps more columns
    return best


def _parse(sheet: str, rows: list[list[str]], errors: list[ImportError_]) -> list[dict[str, Any]]:
    header = _header(rows)
    if header is None:
        errors.append(ImportError_(sheet, 1, "見出し", "機器名・分類・利用形態の列が見つかりません"))
        return []
    last, columns = header
    entries = []
    for n, row in enumerate(rows[last + 1 :], start=last + 2):
        cell = {f: normalize_text(row[c]).strip() if c < len(row) else "" for f, c in columns.items()}
        if not any(cell.values()):
            continue
        entry: dict[str, Any] = dict(cell)
        for f in REQUIRED:
            if not cell[f]:
                errors.append(ImportError_(sheet, n, LABELS[f], "必須です"))
        if cell["mode"]:
            mode = MODE_WORDS.get(cell["mode"].replace(" ", ""))
            if mode is None:
                errors.append(
                    ImportError_(
                        sheet,
                        n,
                        LABELS["mode"],
                        f"「{cell['mode']}」は機器使用・依頼試験・技術相談のどれでもありません",
                    )
                )
            entry["mode"] = mode
        fee_text = cell.get("fee", "").replace(",", "").replace("円", "")
        entry["fee"] = None
        if fee_text:
            try:
                entry["fee"] = float(fee_text)
            except ValueError:
                errors.append(ImportError_(sheet, n, LABELS["fee"], f"「{cell['fee']}」は金額ではありません"))
            else:
                if entry["fee"] < 0:
                    errors.append(ImportError_(sheet, n, LABELS["fee"], "料金は0以上にしてください"))
        updated = cell.get("updated_on", "").replace("/", "-")
        entry["updated_on"] = dt.date.today()
        if updated:
            try:
                entry["updated_on"] = dt.date.fromisoformat(updated[:10])
            except ValueError:
                errors.append(
                    ImportError_(sheet, n, LABELS["updated_on"], f"「{cell['updated_on']}」は日付ではありません")
                )
        entry["key"] = (fold(cell["name"]) + "|" + fold(cell.get("model", "")))[:400]
        entry["_where"] = (sheet, n)
        entries.append(entry)
    return entries


def _label(name: str, model: str | None) -> str:
    return f"{name}（{model}）" if model else name


def import_equipment(
    institution_id: int, filename: str, content: bytes, *, commit: bool, actor: Actor, engine: Engine | None = None
) -> ImportReport:
    """Check (and with ``commit``, apply) an institution's equipment list in one transaction; see the module."""
    with unit_of_work(ensure_schema(engine)) as session:
        return import_equipment_in(session, institution_id, filename, content, commit=commit, actor=actor)


def import_equipment_in(
    session: Session, institution_id: int, filename: str, content: bytes, *, commit: bool, actor: Actor
) -> ImportReport:
    """:func:`import_equipment` in the caller's transaction (the staged upload is marked in the same one)."""
    require(actor, Permission.MANAGE_LABSEARCH, departments=OWNERS)
    sheets = _rows_of_xlsx(content) if filename.lower().endswith(".xlsx") else _rows_of_csv(content)
    errors: list[ImportError_] = []
    entries = [e for name, rows in sheets for e in _parse(name, rows, errors)]
    seen: dict[str, tuple[str, int]] = {}
    for entry in entries:
        if entry["key"] in seen:
            sheet, row = entry["_where"]
            errors.append(
                ImportError_(sheet, row, "機器名", f"{seen[entry['key']][1]}行目と同じ機器（名称・型式）です")
            )
        seen.setdefault(entry["key"], entry["_where"])
    if not entries and not errors:
        errors.append(ImportError_(sheets[0][0] if sheets else "", 1, "—", "機器の行がありません"))
    institution = session.get(store.Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"機関 {institution_id} はありません", code="institution_not_found")
    existing = {
        row.key: row
        for row in session.scalars(select(store.Equipment).where(store.Equipment.institution_id == institution_id))
    }
    added_names = tuple(_label(e["name"], e.get("model")) for e in entries if e["key"] not in existing)
    updated_names = tuple(_label(e["name"], e.get("model")) for e in entries if e["key"] in existing)
    withdrawn_names = tuple(
        _label(row.name, row.model) for k, row in existing.items() if k not in seen and not row.withdrawn
    )
    added, updated, withdrawn = len(added_names), len(updated_names), len(withdrawn_names)
    report = ImportReport(
        commit and not errors,
        added,
        updated,
        withdrawn,
        len(entries),
        tuple(errors),
        added_names,
        updated_names,
        withdrawn_names,
    )
    if errors and commit:
        raise ValidationError(
            f"{len(errors)} 件の誤りがあるため取り込みませんでした", details={"errors": [str(x) for x in errors]}
        )
    if not commit:
        return report
    for entry in entries:
        row = existing.get(entry["key"])
        if row is None:
            row = store.Equipment(institution_id=institution_id, key=entry["key"])
            session.add(row)
        else:
            row.row_version = (row.row_version or 1) + 1
        for f in ("name", "category", "mode", "fee", "updated_on"):
            setattr(row, f, entry[f])
        for f in ("maker", "model", "specification", "fee_unit", "requirements"):
            setattr(row, f, entry.get(f) or None)
        row.withdrawn = False
        row.search_text = search_text(
            entry["name"],
            entry["category"],
            entry.get("maker"),
            entry.get("model"),
            entry.get("specification"),
            institution.name,
        )
    for key, row in existing.items():
        if key not in seen:
            row.withdrawn = True
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.LABSEARCH_IMPORT,
        "platform_institution",
        institution_id,
        None,
        {"file": filename[:200], "added": added, "updated": updated, "withdrawn": withdrawn},
    )
    return report
