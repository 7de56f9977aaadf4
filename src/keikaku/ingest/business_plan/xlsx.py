"""Excel project lists: a header row (事業名, 予算額（千円）, 担当課, 成果目標 … — names vary) and a row per
project.  The header is found by its column names in the first rows of a sheet; the fiscal year and the
issuer come from the title cells above it (or the sheet's name).  Formulas are never evaluated: the
reader has already refused cells without a stored value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from keikaku.domain import Plan, WarningCode
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.business_plan.build import build_plan
from keikaku.ingest.business_plan.drafts import PlanHeader, ProjectDraft
from keikaku.ingest.business_plan.header import fiscal_year_in
from keikaku.ingest.business_plan.kpi_block import kpis_from_lines
from keikaku.ingest.business_plan.lines import CIRCLED, challenge_in, departments_in, is_admin_cost, new_mark
from keikaku.ingest.common import ORG_AND_UNIT
from keikaku.ingest.context import Line, ParseContext, clean
from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.readers import Sheet, SheetRow
from keikaku.normalize import NormalizeError, parse_amount, parse_start_year

HEADER_ROWS = 25
_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("subsidy", re.compile(r"国庫|うち国|補助金")),
    ("code", re.compile(r"^(?:No\.?|NO\.?|番号|項番|#|通番)$", re.IGNORECASE)),
    ("name", re.compile(r"事業名|事業の名称|^名称|取組名|項目名|^事業$")),
    ("budget", re.compile(r"予算|金額|事業費")),
    ("department", re.compile(r"担当|所管|部署")),
    ("kpi", re.compile(r"成果目標|KPI|成果指標|目標")),
    ("challenge", re.compile(r"チャレンジ")),
    ("start", re.compile(r"開始年度|開始")),
    ("new", re.compile(r"新規|区分|新/継")),
    ("summary", re.compile(r"概要|内容")),
]
_UNIT = re.compile(r"(千円|百万円|万円|円)")
_TOTAL_ROW = re.compile(r"^(?:合計|総計|計|総額|予算総額)$")


@dataclass
class _Header:
    row: int
    columns: dict[str, int]
    unit: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean(str(value))


def _find_header(sheet: Sheet) -> _Header | None:
    for row in sheet.rows[:HEADER_ROWS]:
        columns: dict[str, int] = {}
        unit = "千円"
        for position, cell in enumerate(row.cells):
            text = _text(cell).replace("\n", "")
            if not text or len(text) > 30:
                continue
            for key, pattern in _COLUMNS:
                if key not in columns and pattern.search(text):
                    columns[key] = position
                    if key == "budget" and (found := _UNIT.search(text)):
                        unit = found.group(1)
                    break
        if "name" in columns and "budget" in columns:
            return _Header(row.number, columns, unit)
    return None


def parse_workbook(ctx: ParseContext) -> Plan:
    """The plan a workbook lists; raises :class:`IngestError` when no sheet has a project list."""
    for sheet in ctx.document.sheets:
        header = _find_header(sheet)
        if header is not None:
            return _parse_sheet(ctx, sheet, header)
    raise IngestError(
        ctx.document.path, "事業一覧の見出し行（事業名・予算額など）が見つかりません", code="unknown_kind"
    )


def _line(sheet: Sheet, row: SheetRow, text: str) -> Line:
    return Line(row.number, None, row.number, f"{sheet.name}!{row.number}: {text}", text)


def _parse_sheet(ctx: ParseContext, sheet: Sheet, header: _Header) -> Plan:
    above = [_text(c) for row in sheet.rows if row.number < header.row for c in row.cells if c is not None]
    fiscal_year = next((y for y in map(fiscal_year_in, [*above, sheet.name]) if y is not None), None)
    if fiscal_year is None:
        raise IngestError(
            ctx.document.path,
            "事業一覧の年度が見つかりません（表題に令和N年度などの記載がありません）",
            code="no_fiscal_year",
        )
    title = next((t for t in above if "計画" in t or "事業" in t), None)
    issuer = next((f"{m.group('org')} {m.group('unit')}" for t in above if (m := ORG_AND_UNIT.match(t))), None)
    plan_header = PlanHeader(fiscal_year=fiscal_year, title=title, issuer=issuer)
    cols = header.columns
    drafts: list[ProjectDraft] = []

    def cell(row: SheetRow, key: str) -> object:
        index = cols.get(key)
        return row.cells[index] if index is not None and index < len(row.cells) else None

    for row in sheet.rows:
        if row.number <= header.row:
            continue
        name = _text(cell(row, "name"))
        if not name:
            continue
        line = _line(sheet, row, "\t".join(_text(c) for c in row.cells))
        budget, relisted = _budget(ctx, cell(row, "budget"), header.unit, line)
        if _TOTAL_ROW.match(name.replace(" ", "")):
            plan_header.total, plan_header.total_line = budget, line
            plan_header.subsidy = _budget(ctx, cell(row, "subsidy"), header.unit, line)[0]
            continue
        code = _text(cell(row, "code")) or None
        if code is not None:
            code = str(CIRCLED[code[0]]) if code[0] in CIRCLED else re.sub(r"^[(（\[【]?(\d+)[)）\]】.]?$", r"\1", code)
        if name[0] in CIRCLED:
            code, name = code or str(CIRCLED[name[0]]), name[1:].strip()
        relisted = relisted or "再掲" in name
        name = re.sub(r"[(（【]?再掲[)）】]?", "", name).strip()
        draft = ProjectDraft(
            key=code or name, code=code, list_name=name, list_line=line, list_budget=budget, relisted=relisted
        )
        draft.subsidy = _budget(ctx, cell(row, "subsidy"), header.unit, line)[0]
        if is_admin_cost(name):
            draft.kind, draft.code = ProjectKind.ADMINISTRATIVE, None
        dept_text = _text(cell(row, "department"))
        draft.add_departments(departments_in(f"担当課:{dept_text}") if dept_text else [])
        if dept_text and not draft.departments:
            draft.add_departments([p for p in re.split(r"[、,/・\n]", dept_text) if p.strip()])
        kpi_text = _text(cell(row, "kpi"))
        if kpi_text:
            lines = [_line(sheet, row, part) for part in re.split(r"\n|(?<=以上)、|;", kpi_text) if part.strip()]
            draft.kpis = kpis_from_lines(ctx, lines, owner=code or name)
        challenge = _text(cell(row, "challenge"))
        if challenge:
            draft.challenge = challenge_in(f"チャレンジ{challenge}") or challenge_in(challenge)
        new = _text(cell(row, "new"))
        draft.new = new in ("新規", "○", "◯", "〇", "True", "TRUE", "1") or new_mark(name, fiscal_year)
        start = _text(cell(row, "start"))
        if start:
            _start_year(ctx, draft, start, fiscal_year, line)
        summary = _text(cell(row, "summary"))
        draft.summary = summary or None
        drafts.append(draft)
    if not drafts:
        raise IngestError(ctx.document.path, "事業一覧に事業の行がありません", code="no_projects")
    plan = build_plan(ctx, plan_header, drafts)
    plan.warnings = [*ctx.warnings, *plan.warnings]
    return plan


def _budget(ctx: ParseContext, value: object, unit: str, line: Line) -> tuple[int | None, bool]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = _text(value)
    try:
        amount = parse_amount(text, default_unit=unit)
    except NormalizeError:
        ctx.warn(WarningCode.MISSING_FIELD, f"予算額を読み取れません: {text}", line)
        return None, False
    return amount.value_thousand_yen, amount.relisted


def _start_year(ctx: ParseContext, draft: ProjectDraft, text: str, fiscal_year: int, line: Line) -> None:
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        text += "年度"
    try:
        start = parse_start_year(text, plan_fiscal_year=fiscal_year)
    except NormalizeError:
        ctx.warn(WarningCode.MISSING_FIELD, f"事業開始年度を読み取れません: {text}", line)
        return
    draft.start_fiscal_year, draft.year_count = start.start_fiscal_year, start.year_count
    if start.consistent is False:
        ctx.warn(
            WarningCode.YEAR_COUNT_MISMATCH,
            f"事業「{draft.name}」: 事業開始年度 {start.start_fiscal_year}年度 と {start.year_count}年目 が一致しません",
            line,
            {"start_fiscal_year": start.start_fiscal_year, "year_count": start.year_count},
        )
