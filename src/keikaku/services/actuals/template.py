"""The actual-value entry workbook: KPIs with their targets, empty input cells with validation, a read-me.

``keikaku actuals template`` writes it; ``keikaku actuals import`` reads it back (see
:mod:`keikaku.services.actuals.import_sheet`).  Columns are found by their header text, so the layout below
is the one contract between the two.  Text cells are neutralised against formula injection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine

from keikaku.evaluation.types import KpiKind
from keikaku.reports.files import HEADER_FILL as _HEADER_FILL
from keikaku.reports.files import HEADER_FONT as _HEADER_FONT
from keikaku.reports.files import csv_bytes, new_workbook, workbook_bytes
from keikaku.reports.safe_cells import neutralise_cell
from keikaku.services.actuals.record import KpiActualsPublic, list_actuals
from keikaku.services.core.actors import Actor
from keikaku.services.plans.rows import gc_paused

ANNUAL_SHEET = "実績"
MONTHLY_SHEET = "月次実績"
README_SHEET = "説明"
#: Calendar months in fiscal-year order (April first).
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
MONTH_HEADERS = tuple(f"{m}月" for m in FISCAL_MONTHS)

ID, YEAR, MONTH = "KPI ID", "年度", "月"
VALUE, NUMERATOR, DENOMINATOR = "実績値", "分子", "分母"
MEASURED_ON, EVIDENCE, URL, NOTE, REASON = "測定日", "根拠・出典", "根拠URL", "備考", "訂正理由"
INFO_COLUMNS = (ID, YEAR, "担当課", "事業", "構成事業", "指標", "目標", "単位", "種別", "現在の実績")
INPUT_COLUMNS = (VALUE, NUMERATOR, DENOMINATOR, MEASURED_ON, EVIDENCE, URL, NOTE, REASON)
ANNUAL_COLUMNS = INFO_COLUMNS + INPUT_COLUMNS
MONTHLY_COLUMNS = (
    ID,
    YEAR,
    "担当課",
    "事業",
    "指標",
    "目標",
    "単位",
    *MONTH_HEADERS,
    MEASURED_ON,
    EVIDENCE,
    URL,
    NOTE,
    REASON,
)
CSV_COLUMNS = (ID, YEAR, MONTH, *INFO_COLUMNS[2:], *INPUT_COLUMNS)

KIND_LABELS = {
    KpiKind.COUNT: "件数・人数",
    KpiKind.SHARE: "割合（%）",
    KpiKind.RANK: "順位",
    KpiKind.AMOUNT: "数量・金額",
    KpiKind.QUALITATIVE: "定性",
}

_INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
_UNLOCKED = Protection(locked=False)

README = (
    ("実績入力ブックの使い方", ""),
    ("", ""),
    (
        "1. 入力する場所",
        "「実績」シートの黄色の列（実績値〜訂正理由）に入力してください。灰色の列は変更しないでください。",
    ),
    ("", "年間を通じて数える KPI（アクセス件数など）は「月次実績」シートに月ごとの件数を入力できます。"),
    ("", "年間の実績値を入力しない場合、月ごとの合計が年間の実績になります。"),
    ("2. 数値の書き方", "半角・全角の数字、桁区切り（1,200）、漢数字（七十）、単位付き（1,200人）が使えます。"),
    ("", "割合の KPI は % の値（80 または 80%）か、分子と分母（例：164 と 205）で入力してください。"),
    ("", "件数・人数の KPI に割合（70% など）、負の値、小数は入力できません。割合は 0〜100% です。"),
    ("", "順位の KPI は順位の数（79 または 79位）を入力してください。小さいほど良い順位です。"),
    ("3. 根拠", "測定日、根拠・出典（集計表の名前など）、根拠 URL を可能な限り入力してください。"),
    ("4. 訂正", "既に実績がある KPI に別の値を入力するときは「訂正理由」が必要です。元の値は履歴に残ります。"),
    ("5. 取り込み", "keikaku actuals import ファイル名.xlsx で取り込みます。誤りがあるとすべての誤りを"),
    ("", "（シート・行・列・理由）一覧で表示し、何も取り込みません（--partial を付けると正しい行だけ取り込みます）。"),
    ("6. 注意", "マクロ付きブック（.xlsm）は受け付けません。数式ではなく値を入力してください。"),
)


@dataclass(frozen=True)
class TemplateResult:
    """The written template: its bytes, and how many KPIs and monthly KPIs it lists."""

    content: bytes
    kpis: int
    monthly_kpis: int


def _current(item: KpiActualsPublic) -> str:
    if item.annual is not None:
        return item.annual.display
    if item.monthly:
        total = sum(v.value for v in item.monthly.values())
        return f"{total:,.0f}（{len(item.monthly)}か月分）"
    return ""


def _info(item: KpiActualsPublic, fiscal_year: int) -> list[object]:
    ref = item.kpi
    return [
        ref.id,
        fiscal_year,
        "、".join(ref.departments),
        f"{ref.project_code} {ref.project_name}".strip() if ref.project_name else "ビジョン数値目標",
        ref.component_name or "",
        ref.indicator,
        ref.target_text,
        ref.unit or "",
        KIND_LABELS[ref.kind],
        _current(item),
    ]


def _ranges(column: str, rows: Iterable[int]) -> str:
    """``K2:K5 K9:K9`` from row numbers, contiguous runs collapsed."""
    parts: list[str] = []
    ordered = sorted(rows)
    start = prev = None
    for row in ordered:
        if start is None:
            start = prev = row
        elif prev is not None and row == prev + 1:
            prev = row
        else:
            parts.append(f"{column}{start}:{column}{prev}")
            start = prev = row
    if start is not None:
        parts.append(f"{column}{start}:{column}{prev}")
    return " ".join(parts)


def _validation(kind: KpiKind) -> DataValidation:
    rules = {
        KpiKind.COUNT: (
            "whole",
            "greaterThanOrEqual",
            "0",
            None,
            "0 以上の整数を入力してください（1,200人 のような単位付きも可）",
        ),
        KpiKind.SHARE: ("decimal", "between", "0", "100", "0〜100 の割合（%）を入力してください"),
        KpiKind.RANK: ("whole", "greaterThanOrEqual", "1", None, "1 以上の順位を入力してください"),
        KpiKind.AMOUNT: ("decimal", "greaterThanOrEqual", "0", None, "0 以上の数値を入力してください"),
        KpiKind.QUALITATIVE: ("decimal", "greaterThanOrEqual", "0", None, "数値で判定できない KPI です"),
    }
    kind_type, operator, low, high, message = rules[kind]
    dv = DataValidation(
        type=kind_type, operator=operator, formula1=low, formula2=high, allow_blank=True, errorStyle="warning"
    )
    dv.error, dv.errorTitle = message, "入力値の確認"
    dv.prompt, dv.promptTitle = message, KIND_LABELS[kind]
    return dv


def _header(ws: WriteOnlyWorksheet, columns: Sequence[str]) -> None:
    cells = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    ws.append(cells)


def _row(ws: WriteOnlyWorksheet, info: Sequence[object], inputs: int) -> None:
    cells: list[object] = [neutralise_cell(v) for v in info]
    for _ in range(inputs):
        cell = WriteOnlyCell(ws, value=None)
        cell.fill, cell.protection = _INPUT_FILL, _UNLOCKED
        cells.append(cell)
    ws.append(cells)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _sheet(wb: Workbook, title: str, columns: Sequence[str], widths: dict[str, int]) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title)
    for i, name in enumerate(columns):
        ws.column_dimensions[_letter(i)].width = widths.get(name, 12)
    ws.freeze_panes = "G2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.autoFilter = False
    return ws


_WIDTHS = {
    "事業": 34,
    "構成事業": 24,
    "指標": 30,
    "目標": 18,
    "担当課": 16,
    EVIDENCE: 24,
    URL: 24,
    NOTE: 20,
    REASON: 20,
}


def build_template(
    fiscal_year: int, *, viewer: Actor | None, department: str | None = None, engine: Engine | None = None
) -> TemplateResult:
    """The entry workbook for a fiscal year (optionally one department's KPIs only).

    Its current values are those ``viewer`` may see (see :func:`~keikaku.services.actuals.record.list_actuals`;
    None: all, for the local command line).
    """
    with gc_paused():
        return _build_template(fiscal_year, department, viewer, engine)


def _build_template(
    fiscal_year: int, department: str | None, viewer: Actor | None, engine: Engine | None
) -> TemplateResult:
    items = list_actuals(fiscal_year, department=department, viewer=viewer, engine=engine)
    wb = new_workbook(write_only=True)
    readme = wb.create_sheet(README_SHEET)
    readme.column_dimensions["A"].width = 18
    readme.column_dimensions["B"].width = 100
    scope = f"（{department}）" if department else ""
    readme.append([f"{fiscal_year}年度 KPI 実績入力{scope}", ""])
    for left, right in README:
        readme.append([left, right])

    annual = _sheet(wb, ANNUAL_SHEET, ANNUAL_COLUMNS, _WIDTHS)
    _header(annual, ANNUAL_COLUMNS)
    by_kind: dict[KpiKind, list[int]] = {}
    monthly_items = []
    for row_number, item in enumerate(items, start=2):
        _row(annual, _info(item, fiscal_year), len(INPUT_COLUMNS))
        by_kind.setdefault(item.kpi.kind, []).append(row_number)
        if item.kpi.spec.counted_monthly or item.monthly:
            monthly_items.append(item)
    value_col = _letter(ANNUAL_COLUMNS.index(VALUE))
    for kind, rows in by_kind.items():
        dv = _validation(kind)
        dv.sqref = _ranges(value_col, rows)
        annual.data_validations.append(dv)
    _date_validation(annual, ANNUAL_COLUMNS, len(items), fiscal_year)

    monthly = _sheet(wb, MONTHLY_SHEET, MONTHLY_COLUMNS, _WIDTHS)
    _header(monthly, MONTHLY_COLUMNS)
    for item in monthly_items:
        info = _info(item, fiscal_year)
        _row(monthly, [info[0], info[1], info[2], info[3], info[5], info[6], info[7]], 17)
    if monthly_items:
        dv = _validation(KpiKind.COUNT)
        first, last = MONTHLY_COLUMNS.index(MONTH_HEADERS[0]), MONTHLY_COLUMNS.index(MONTH_HEADERS[-1])
        dv.sqref = f"{_letter(first)}2:{_letter(last)}{len(monthly_items) + 1}"
        monthly.data_validations.append(dv)
        _date_validation(monthly, MONTHLY_COLUMNS, len(monthly_items), fiscal_year)
    return TemplateResult(workbook_bytes(wb), len(items), len(monthly_items))


def _date_validation(ws: WriteOnlyWorksheet, columns: Sequence[str], rows: int, fiscal_year: int) -> None:
    if rows == 0:
        return
    column = _letter(columns.index(MEASURED_ON))
    dv = DataValidation(
        type="date", operator="greaterThanOrEqual", formula1=f"DATE({fiscal_year},4,1)", allow_blank=True
    )
    dv.error, dv.errorTitle = f"{fiscal_year}年4月1日以降の日付を入力してください", "測定日"
    dv.sqref = f"{column}2:{column}{rows + 1}"
    ws.data_validations.append(dv)


def build_csv_template(
    fiscal_year: int, *, viewer: Actor | None, department: str | None = None, engine: Engine | None = None
) -> TemplateResult:
    """The same as a CSV (UTF-8 with BOM): one row per KPI, plus one per month for KPIs counted monthly."""
    items = list_actuals(fiscal_year, department=department, viewer=viewer, engine=engine)
    rows: list[list[object]] = []
    blanks = [""] * len(INPUT_COLUMNS)
    for item in items:
        info = _info(item, fiscal_year)
        months = FISCAL_MONTHS if item.kpi.spec.counted_monthly else ()
        rows.extend([info[0], info[1], month, *info[2:], *blanks] for month in ("", *months))
    monthly = sum(1 for item in items if item.kpi.spec.counted_monthly)
    return TemplateResult(csv_bytes(CSV_COLUMNS, rows), len(items), monthly)
