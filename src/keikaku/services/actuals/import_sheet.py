"""Importing actual values from the entry workbook (XLSX) or a CSV file.

Every cell is checked first and every error is reported at once, each with its sheet, row, column and
reason.  If any cell is wrong nothing is imported, unless ``partial`` is set, in which case the correct
rows are imported and the wrong ones reported.  Macro workbooks and formulas are refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keikaku.normalize.dates import parse_date
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals import periods
from keikaku.services.actuals.cell_errors import SheetCellError
from keikaku.services.actuals.parse import (
    ActualValueError,
    ParsedValue,
    check_fiscal_year,
    check_measured_on,
    check_month,
    check_url,
    parse_actual,
)
from keikaku.services.actuals.record import actor_name, audit_actual, text_limit_error
from keikaku.services.actuals.template import (
    ANNUAL_SHEET,
    DENOMINATOR,
    EVIDENCE,
    FISCAL_MONTHS,
    ID,
    MEASURED_ON,
    MONTH,
    MONTH_HEADERS,
    MONTHLY_SHEET,
    NOTE,
    NUMERATOR,
    REASON,
    URL,
    VALUE,
    YEAR,
)
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.plans.kpis import KpiRef, current_plans, plan_kpi_refs, vision_kpi_refs
from keikaku.services.plans.rows import gc_paused
from keikaku.storage import actuals as store
from keikaku.storage.uow import unit_of_work

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class CellError(SheetCellError):
    """One wrong cell of the actuals workbook, with the KPI of its row."""

    kpi: str | None = None
    #: The user may not record this KPI's values (the import is then refused as forbidden, 403).
    forbidden: bool = False

    def __str__(self) -> str:
        where = f"{self.sheet} {self.row}行 「{self.column}」"
        return f"{where}: {self.kpi}: {self.reason}" if self.kpi else f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: versions recorded, values unchanged, errors, and whether anything was applied."""

    recorded: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[CellError] = field(default_factory=list)
    applied: bool = False


@dataclass(frozen=True)
class _Row:
    sheet: str
    row: int
    cells: dict[str, object]
    month: int | None = None
    value_column: str = VALUE


def _refuse_macros(name: str, content: bytes) -> None:
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsm", ".xltm", ".xlam"}:
        raise ValidationError(
            "マクロ付きブック（.xlsm など）は受け付けません。.xlsx で保存してください", code="macro_refused"
        )
    if suffix in {".xls", ".xlsb"}:
        raise ValidationError("この形式は読めません。.xlsx で保存してください", code="format_refused")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            types = (
                archive.read("[Content_Types].xml").decode("utf-8", "replace") if "[Content_Types].xml" in names else ""
            )
    except zipfile.BadZipFile:
        raise ValidationError(f"{name} は Excel ブック（.xlsx）ではありません", code="format_refused") from None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroEnabled" in types:
        raise ValidationError("マクロを含むブックは受け付けません。.xlsx で保存し直してください", code="macro_refused")


def _xlsx_rows(content: bytes) -> Iterator[_Row]:
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        if ANNUAL_SHEET not in wb.sheetnames:
            raise ValidationError(
                f"シート「{ANNUAL_SHEET}」がありません（実績入力ブックを使ってください）", code="bad_layout"
            )
        for title in (ANNUAL_SHEET, MONTHLY_SHEET):
            if title not in wb.sheetnames:
                continue
            rows = wb[title].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
            _check_header(title, header, monthly=title == MONTHLY_SHEET)
            for number, values in enumerate(rows, start=2):
                cells = {h: v for h, v in zip(header, values, strict=False) if h}
                if title == ANNUAL_SHEET:
                    yield _Row(title, number, cells)
                    continue
                for month, column in zip(FISCAL_MONTHS, MONTH_HEADERS, strict=True):
                    yield _Row(title, number, {**cells, VALUE: cells.get(column)}, month, column)
    finally:
        wb.close()


def _check_header(sheet: str, header: Sequence[str], *, monthly: bool) -> None:
    needed = [ID, YEAR, *(MONTH_HEADERS if monthly else (VALUE,))]
    missing = [h for h in needed if h not in header]
    if missing:
        raise ValidationError(f"シート「{sheet}」の見出しに {'、'.join(missing)} がありません", code="bad_layout")


def _csv_text(filename: str, content: bytes) -> str:
    """The CSV's text: UTF-8 (with or without a BOM), else the encoding detected (Shift_JIS from Excel)."""
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            # A BOM says UTF-8; bytes after it that are not (Shift_JIS pasted in, a file re-saved by hand) are
            # the user's to fix: guessing would turn the figures of one part of the file into other characters.
            raise ValidationError(
                f"「{filename}」は先頭に UTF-8 の印（BOM）がありますが、{exc.start + 4}バイト目以降が UTF-8 として"
                "読めません（Shift_JIS など別の文字コードが混ざっています）。UTF-8 で保存し直してください",
                code="bad_encoding",
                details={"file": filename, "byte": exc.start + 4},
            ) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(content).best()
        if best is None:
            raise ValidationError(
                f"「{filename}」の文字コードを判定できません（UTF-8 で保存してください）",
                code="bad_encoding",
                details={"file": filename},
            ) from None
        return str(best)


def _csv_rows(filename: str, content: bytes) -> Iterator[_Row]:
    text = _csv_text(filename, content)
    reader = csv.reader(io.StringIO(text))
    header = [normalize_text(h).strip() for h in next(reader, [])]
    _check_header("CSV", header, monthly=False)
    for number, values in enumerate(reader, start=2):
        cells: dict[str, object] = {h: (v if v.strip() else None) for h, v in zip(header, values, strict=False) if h}
        yield _Row("CSV", number, cells)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    return None if _blank(value) else normalize_text(str(value)).strip()


def _free_text(value: object) -> str | None:
    """A cell of free text (evidence, note, reason): stored as typed, only trimmed."""
    return None if _blank(value) else str(value).strip()


def _int(value: object, what: str) -> int:
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    text = _text(value) or ""
    if text.isdigit():
        return int(text)
    raise ActualValueError(f"{what}を整数で入力してください（{value}）")


def _date(value: object, fiscal_year: int) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value), fiscal_year=fiscal_year)
    except NormalizeError:
        raise ActualValueError(
            f"日付として解釈できません（{value}）。2026-10-07 や 令和8年10月7日 の形で入力してください"
        ) from None
    if parsed.weekday_matches is False:
        raise ActualValueError(f"曜日が日付と合いません（{value}）")
    return parsed.date


@dataclass
class _Context:
    refs: dict[int, KpiRef]
    current: dict[tuple[int, int, int], store.ActualValue]
    years_without_plan: set[int]


def _load_context(session: Session, rows: Sequence[_Row]) -> _Context:
    """Every KPI the rows may name, and the current values of their periods, read at once."""
    years: set[int] = set()
    for row in rows:
        try:
            years.add(_int(row.cells.get(YEAR), "年度"))
        except ActualValueError:
            continue
    refs: dict[int, KpiRef] = {r.id: r for r in vision_kpi_refs(session)}
    missing: set[int] = set()
    for year in sorted(years):
        try:
            plans = current_plans(session, year)
        except NotFoundError:
            missing.add(year)
            continue
        refs.update({r.id: r for r in plan_kpi_refs(session, plans)})
    current = {(v.kpi_id, v.fiscal_year, v.month): v for v in store.current_values(session, refs, years)}
    return _Context(refs, current, missing)


@dataclass(frozen=True)
class _Prepared:
    ref: KpiRef
    fiscal_year: int
    month: int
    value: ParsedValue
    measured_on: dt.date | None
    evidence_text: str | None
    evidence_url: str | None
    note: str | None
    reason: str | None
    version: int
    unchanged: bool


def _has_input(row: _Row) -> bool:
    columns = (row.value_column,) if row.month else (VALUE, NUMERATOR, DENOMINATOR)
    return any(not _blank(row.cells.get(c)) for c in columns)


class _RowErrors:
    def __init__(self, row: _Row) -> None:
        self.row = row
        self.items: list[CellError] = []
        self.kpi: str | None = None

    def add(self, column: str, reason: str) -> None:
        self.items.append(CellError(self.row.sheet, self.row.row, column, reason, self.kpi))


def _validate(row: _Row, ctx: _Context, reason_default: str | None) -> _Prepared | list[CellError]:
    cells = row.cells
    errors = _RowErrors(row)
    try:
        kpi_id = _int(cells.get(ID), "KPI ID")
        year = _int(cells.get(YEAR), "年度")
    except ActualValueError as exc:
        errors.add(ID if "KPI" in exc.reason else YEAR, exc.reason)
        return errors.items
    ref = ctx.refs.get(kpi_id)
    if ref is None:
        if year in ctx.years_without_plan:
            errors.add(YEAR, f"{year}年度の事業計画がありません")
        else:
            errors.add(ID, f"KPI（ID {kpi_id}）は {year}年度の計画にもビジョンにもありません")
        return errors.items
    errors.kpi = ref.label
    if not ref.vision and year in ctx.years_without_plan:
        errors.add(YEAR, f"{year}年度の事業計画がありません")
        return errors.items
    value_column = row.value_column
    month_column = MONTH if row.sheet == "CSV" else value_column
    raw_month: object = row.month if row.month else cells.get(MONTH)
    month, parsed, measured_on, url = 0, None, None, None
    for column in (value_column, NUMERATOR, DENOMINATOR):
        if isinstance(cells.get(column), str) and str(cells.get(column)).startswith("="):
            errors.add(column, "数式は使えません。値を入力してください")
    for column, name in ((EVIDENCE, "evidence_text"), (URL, "evidence_url"), (NOTE, "note"), (REASON, "reason")):
        if isinstance(cells.get(column), str) and has_control_characters(str(cells.get(column))):
            errors.add(column, "使用できない制御文字が含まれています")  # a CSV can carry NUL; PostgreSQL can't store it
        elif problem := text_limit_error(name, cells.get(column)):
            errors.add(column, problem)  # the same limits as the API, the form and the command line
    if errors.items:
        return errors.items
    try:
        check_fiscal_year(ref, year)
    except ActualValueError as exc:
        errors.add(YEAR, exc.reason)
    try:
        month = check_month(ref, None if _blank(raw_month) else _int(raw_month, "月"))
    except ActualValueError as exc:
        errors.add(month_column, exc.reason)
    numerator = None if row.month else cells.get(NUMERATOR)
    denominator = None if row.month else cells.get(DENOMINATOR)
    try:
        parsed = parse_actual(
            ref,
            None if _blank(cells.get(value_column)) else cells.get(value_column),
            None if _blank(numerator) else numerator,
            None if _blank(denominator) else denominator,
        )
    except ActualValueError as exc:
        errors.add(value_column, exc.reason)
    try:
        measured_on = _date(cells.get(MEASURED_ON), year)
        check_measured_on(year, measured_on)
    except ActualValueError as exc:
        errors.add(MEASURED_ON, exc.reason)
    try:
        url = check_url(_text(cells.get(URL)))
    except ActualValueError as exc:
        errors.add(URL, exc.reason)
    if errors.items or parsed is None:
        return errors.items
    evidence, note = _free_text(cells.get(EVIDENCE)), _free_text(cells.get(NOTE))
    reason = _free_text(cells.get(REASON)) or reason_default
    current = ctx.current.get((ref.id, year, month))
    unchanged = current is not None and (current.value, current.numerator, current.denominator) == (
        parsed.value,
        parsed.numerator,
        parsed.denominator,
    )
    if current is not None and not unchanged and not reason:
        errors.add(REASON, f"既に実績 {current.value:g} があります。訂正する場合は訂正理由を入力してください")
        return errors.items
    version = (current.version + 1) if current else 1
    return _Prepared(ref, year, month, parsed, measured_on, evidence, url, note, reason, version, unchanged)


class _Abort(Exception):
    """Raised inside the unit of work to roll back an import with errors."""


def read_rows(filename: str, content: bytes) -> list[_Row]:
    """The rows of an entry workbook or CSV that carry a value (macro workbooks refused)."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(
            f"ファイルが大きすぎます（上限 {MAX_FILE_BYTES // (1024 * 1024)}MB）", code="file_too_large"
        )
    if Path(filename).suffix.lower() == ".csv":
        rows = list(_csv_rows(filename, content))
    else:
        _refuse_macros(filename, content)
        rows = list(_xlsx_rows(content))
    return [r for r in rows if _has_input(r)]


def import_actuals(
    filename: str,
    content: bytes,
    *,
    actor: Actor,
    partial: bool = False,
    reason: str | None = None,
    engine: Engine | None = None,
) -> ImportReport:
    """Check every cell of an entry workbook or CSV and record the values (one transaction).

    The actor needs the ``record_actual`` permission for each KPI's departments (a KPI outside them is an error).

    With any error nothing is recorded unless ``partial``; ``reason`` is the correction reason for rows
    that give none.  Rows equal to the current value are counted as unchanged and add no version.
    """
    filename = check_upload(filename, content)  # size, zip bomb; only the cleaned name is used from here on
    who = actor_name(actor)
    rows = read_rows(filename, content)
    channel = "csv" if Path(filename).suffix.lower() == ".csv" else "xlsx"
    report = ImportReport(rows=len(rows))
    eng = ensure_schema(engine)
    now = dt.datetime.now(dt.UTC)
    try:
        with gc_paused(), unit_of_work(eng) as session:
            ctx = _load_context(session, rows)
            seen: dict[tuple[int, int, int], _Row] = {}
            prepared: list[_Prepared] = []
            for row in rows:
                outcome = _validate(row, ctx, reason)
                if isinstance(outcome, list):
                    report.errors.extend(outcome)
                    continue
                if not actor.can(Permission.RECORD_ACTUAL, departments=outcome.ref.departments):
                    report.errors.append(
                        CellError(
                            row.sheet,
                            row.row,
                            ID,
                            "この KPI の実績を入力する権限がありません",
                            outcome.ref.label,
                            forbidden=True,
                        )
                    )
                    continue
                key = (outcome.ref.id, outcome.fiscal_year, outcome.month)
                if key in seen:
                    first = seen[key]
                    report.errors.append(
                        CellError(
                            row.sheet,
                            row.row,
                            row.value_column,
                            f"同じ KPI・期間の値が {first.sheet} {first.row}行にもあります",
                            outcome.ref.label,
                        )
                    )
                    continue
                seen[key] = row
                prepared.append(outcome)
            if report.errors and not partial:
                raise _Abort
            changed = {(item.fiscal_year, item.ref.plan_id or 0) for item in prepared if not item.unchanged}
            for year, plan_id in sorted(changed):
                periods.ensure_open(session, year, plan_id or None)
            for item in prepared:
                if item.unchanged:
                    report.unchanged += 1
                    continue
                value = store.ActualValue(
                    kpi_id=item.ref.id,
                    fiscal_year=item.fiscal_year,
                    month=item.month,
                    version=item.version,
                    value=item.value.value,
                    numerator=item.value.numerator,
                    denominator=item.value.denominator,
                    measured_on=item.measured_on,
                    evidence_text=item.evidence_text,
                    evidence_url=item.evidence_url,
                    note=item.note,
                    reason=item.reason if item.version > 1 else None,
                    channel=channel,
                    entered_by=who,
                    entered_at=now,
                )
                session.add(value)
                current = ctx.current.get((item.ref.id, item.fiscal_year, item.month))
                audit_actual(session, actor, item.ref, value, current.value if current else None, file=filename)
                report.recorded += 1
            report.applied = True
    except _Abort:
        report.applied = False
    except IntegrityError as exc:
        raise ConflictError("取り込み中に同じ実績が更新されました。もう一度実行してください") from exc
    return report
