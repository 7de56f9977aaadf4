"""The business-plan parser (事業計画): numbered projects, wherever the document states them.

How it reads a plan, in order:

0. Table rows written right to left (value cells first, their label last) are put in reading order.
1. The table of contents is set aside (its entries are never projects).
2. The project numbering is chosen among ①…, (1)…, 1. … and 【1】…: the scheme whose numbers come with
   budgets (千円) and restart least.  Other numberings stay ordinary text (a project's sub-items).
3. Every numbered line is an *occurrence*; its block runs to the next one.  An occurrence is an overview
   row (several ① in one line, or a short block with a budget), a detail heading (its block has 事業概要,
   成果目標, a department, events…), or an entry of a page that lists KPIs or departments by number.
4. Occurrences of the same number are one project (repeated headings, the overview, the detail page and
   the KPI page all merge; a differently worded heading is matched by number and meaning).
5. Overview rows without numbers (a challenge-numbered overview: ①②③ after 関西チャレンジ number the
   challenges) are fused with the numbered projects by budget, then name
   (:mod:`keikaku.ingest.business_plan.unnumbered`).
6. Without numbered projects, ``事業名：…`` forms and then bulleted ``名称 (N千円)`` lists are read.

Nothing becomes a project without a name and evidence (a budget, a department, a KPI).  The checks in
:mod:`keikaku.ingest.business_plan.checks` compare overview and detail, components and project, projects and total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from keikaku.domain import Plan, WarningCode
from keikaku.ingest.business_plan.build import build_plan, similar
from keikaku.ingest.business_plan.detail import DetailBlock, DetailWalker
from keikaku.ingest.business_plan.drafts import ProjectDraft
from keikaku.ingest.business_plan.grid import parse_grid_plan
from keikaku.ingest.business_plan.grid_rows import grid_header
from keikaku.ingest.business_plan.header import contents_lines, issuer_parts, read_header
from keikaku.ingest.business_plan.lines import (
    DETAIL_KEYWORDS,
    KPI_HEADING,
    amounts,
    challenge_in,
    departments_in,
    is_admin_cost,
    is_prose,
    right_to_left,
)
from keikaku.ingest.business_plan.numbering import (
    UNIT_HEADER,
    Occurrence,
    choose_scheme,
    find_occurrences,
    project_runs,
)
from keikaku.ingest.business_plan.overview import (
    LIST_PAGE,
    ListContext,
    admin_draft,
    bulleted_budget_list,
    read_keyed_entry,
    read_list_block,
    read_name_keyed_pages,
    read_segment,
)
from keikaku.ingest.business_plan.unnumbered import challenge_label, fuse_rows, row_challenge, unnumbered_rows
from keikaku.ingest.context import Line, ParseContext
from keikaku.ingest.errors import IngestError

_OVERVIEW = re.compile(r"全体像|事業一覧|事業体系|予算(?:事業)?一覧|予算の概要|予算額一覧|主要事業一覧|事業の概要一覧")
_KPI_PAGE = re.compile(r"^(?:成果目標|成果指標|KPI|数値目標)(?:\s*\(?KPI\)?)?\s*(?:一覧|の一覧|について)?$")
_DEPT_PAGE = re.compile(r"^(?:担当課|担当部署|所管課|担当課室)(?:\s*一覧|の一覧)?$")
_SECTION_NUMBER = re.compile(
    r"^(?:第\s*\d{1,2}\s*|\d{1,2}\s*[.、．)]?\s+|[一二三四五六七八九十]{1,3}\s*[、.．]\s*|[IVX]{1,4}\s*[.．]\s*)"
)
_FORM_NAME = re.compile(r"^事業名(?:称)?\s*[:\s]\s*(?P<v>\S.*)$")
_COLUMNS = {"kpi": re.compile(r"成果目標|KPI|成果指標"), "department": re.compile(r"担当課|担当部署|所管")}
LIST_BLOCK_LINES = 14


def parse_business_plan(ctx: ParseContext) -> Plan:
    """Parse a business plan into a :class:`~keikaku.domain.Plan` with its warnings.

    Raises :class:`IngestError` when no fiscal year or no project can be read.
    """
    _reading_order(ctx)
    skip, _entries = contents_lines(ctx)
    grid = grid_header(ctx)
    if grid is not None:
        header = read_header(ctx, first_project=grid.index)
        return parse_grid_plan(ctx, header, grid, issuer_parts(header.issuer))
    scheme = choose_scheme(ctx, skip)
    occurrences = project_runs(ctx, find_occurrences(ctx, scheme, skip), skip) if scheme else []
    forms = [line for line in ctx.lines if line.index not in skip and _FORM_NAME.match(line.text)]
    first = min([o.line.index for o in occurrences] + [line.index for line in forms], default=None)
    header = read_header(ctx, first_project=first)
    drafts = _Drafts(header.fiscal_year, issuer_parts(header.issuer))
    if occurrences:
        _read_occurrences(ctx, occurrences, skip, drafts)
        rows = unnumbered_rows(ctx, skip | {o.line.index for o in occurrences}, drafts.table)
        for draft in fuse_rows(rows, drafts.all()):
            drafts.add(draft)
    elif forms:
        _read_forms(ctx, forms, drafts)
    else:
        start = (header.total_line.index + 1) if header.total_line else 0
        for draft in bulleted_budget_list(ctx, [line for line in ctx.lines[start:] if line.index not in skip]):
            drafts.add(draft)
    if not drafts.table.admin:
        for line in ctx.lines:
            if line.index not in skip and is_admin_cost(line.text):
                _admin_line(ctx, line, drafts.table)
                if drafts.table.admin:
                    break
    admin = admin_draft(ctx, drafts.table)
    if admin is not None and not any(d.kind == admin.kind for d in drafts.by_key.values()):
        drafts.add(admin)
    result = drafts.all()
    read_name_keyed_pages(ctx, [d for d in result if d.name], {o.line.index for o in occurrences} | skip)
    for draft in result:
        if draft.name and not draft.has_evidence:
            ctx.warn(
                WarningCode.UNREAD_SECTION,
                f"事業「{draft.name}」に予算額などの根拠が見つからないため登録しません",
                draft.detail_line or draft.list_line,
            )
    if not any(d.has_evidence for d in result):
        raise IngestError(
            ctx.document.path, "事業計画として読める事業（事業名と予算額など）が見つかりません", code="no_projects"
        )
    plan = build_plan(ctx, header, result)
    plan.warnings = [*ctx.warnings, *plan.warnings]
    return plan


def _reading_order(ctx: ParseContext) -> None:
    """Table rows written right to left read in reading order (:func:`lines.right_to_left`)."""
    for k, line in enumerate(ctx.lines):
        fixed = right_to_left(line.text) if line.text else None
        if fixed is not None:
            ctx.lines[k] = Line(line.index, line.page, line.number, line.raw, fixed)


def _position(draft: ProjectDraft) -> tuple[int, int]:
    """Numbered projects in number order, then unnumbered ones (and 管理費 last) as found."""
    if draft.kind.value == "administrative":
        return (2, 0)
    if draft.code and draft.code.isdigit():
        return (0, int(draft.code))
    return (1, 0)


def _section_mode(ctx: ParseContext, line: Line, occurrence_lines: set[int]) -> str | None:
    """The kind of page a heading opens: ``overview``, ``kpi``, ``department``, or None for other lines."""
    text = _SECTION_NUMBER.sub("", line.text)
    if len(text) > 40 or line.index in occurrence_lines:
        return None
    if _OVERVIEW.search(text):
        return "overview"
    mode = "kpi" if _KPI_PAGE.match(text) else "department" if _DEPT_PAGE.match(text) else None
    if mode is None:
        return None
    for probe in ctx.lines[line.index + 1 : line.index + 10]:
        if probe.index in occurrence_lines:
            return mode
        text = probe.text
        if text and (len(text) > 16 or is_prose(text) or ":" in text or re.search(r"\d", text)):
            return None
    return None


def _has_detail_signals(block: list[Line], mode: str | None) -> bool:
    keywords = sum(1 for line in block if DETAIL_KEYWORDS.match(line.text) or KPI_HEADING.match(line.text))
    prose = sum(1 for line in block if line.text and is_prose(line.text) and len(line.text) > 30)
    if mode == "overview":
        return keywords >= 1 or prose >= 2
    departments = sum(1 for line in block if departments_in(line.text))
    return keywords >= 1 or departments >= 1 or prose >= 1


@dataclass
class _Drafts:
    """The drafts of a plan being read, in the order their projects were first met."""

    fiscal_year: int
    issuer_parts: set[str]
    table: ListContext = field(default_factory=ListContext)
    by_key: dict[str, ProjectDraft] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def get(self, key: str, *, code: str | None = None, name: str | None = None) -> ProjectDraft:
        """The draft for ``key``, created on first use."""
        draft = self.by_key.get(key)
        if draft is None:
            draft = self.by_key[key] = ProjectDraft(key=key, code=code, detail_name=name)
            self.order.append(key)
        return draft

    def add(self, draft: ProjectDraft) -> None:
        """Add a finished draft unless one with its key exists."""
        if draft.key not in self.by_key:
            self.by_key[draft.key] = draft
            self.order.append(draft.key)

    def all(self) -> list[ProjectDraft]:
        """Every draft, numbered projects in number order."""
        return sorted((self.by_key[key] for key in self.order), key=_position)


def _read_occurrences(ctx: ParseContext, occurrences: list[Occurrence], skip: set[int], drafts: _Drafts) -> None:
    table = drafts.table
    occurrence_lines = {o.line.index for o in occurrences}
    starts = sorted(occurrence_lines)
    details: dict[str, list[DetailBlock]] = {}
    mode: str | None = None
    cursor = 0
    row_line = -1
    for occ in occurrences:
        # Walk the lines between the previous occurrence and this one: headings, units, challenge labels.
        for line in ctx.lines[cursor : occ.line.index]:
            if line.index in skip or line.index in occurrence_lines:
                continue
            mode = _section_mode(ctx, line, occurrence_lines) or mode
            _table_context(line, table)
            label = challenge_label(ctx, line)
            if label is not None:
                table.challenge = label
            if is_admin_cost(line.text):
                _admin_line(ctx, line, table)
        cursor = max(cursor, occ.line.index + 1)
        key = str(occ.number)
        if occ.line.index != row_line:  # a row's first cell met: its challenge label, wherever it stands
            row_line = occ.line.index
            label = row_challenge(occ.line.text)
            table.challenge = label if label is not None else table.challenge
        if occ.inline:
            if occ.before and challenge_in(occ.before) is not None:
                table.challenge = challenge_in(occ.before)
            draft = drafts.get(key, code=key)
            if draft.list_line is None or "再掲" not in occ.rest:
                read_segment(ctx, draft, occ.line, occ.rest, table=table, fiscal_year=drafts.fiscal_year)
            continue
        following = [i for i in starts if i > occ.line.index]
        stop = following[0] if following else len(ctx.lines)
        block = [line for line in ctx.lines[occ.line.index + 1 : stop] if line.index not in skip]
        block = _cut_at_section(ctx, block, occurrence_lines)
        cursor = max(cursor, block[-1].index + 1 if block else cursor)
        if mode in ("kpi", "department"):
            existing = drafts.by_key.get(key)
            if existing is None:
                ctx.warn(
                    WarningCode.UNREAD_SECTION, f"番号 {occ.number} の事業が見つからないため読み飛ばしました", occ.line
                )
            else:
                read_keyed_entry(ctx, existing, occ.rest, block, mode=mode, heading=occ.line)
            continue
        if not _has_detail_signals(block, mode) and (mode == "overview" or _block_has_budget(occ, block, table)):
            block = _list_entry_lines(ctx, block)
            cursor = block[-1].index + 1 if block else occ.line.index + 1
            draft = drafts.get(key, code=key)
            read_list_block(
                ctx, draft, occ.line, occ.rest, block[:LIST_BLOCK_LINES], table=table, fiscal_year=drafts.fiscal_year
            )
            continue
        mode = None
        for line in block:
            _table_context(line, table)
        details.setdefault(key, []).append(DetailBlock(occ.line, occ.rest, block))
    for key, blocks in details.items():
        draft = drafts.get(key, code=key)
        _detail_heading(ctx, draft, blocks)
        DetailWalker(ctx, draft, drafts.fiscal_year, drafts.issuer_parts).walk(blocks)


def _admin_line(ctx: ParseContext, line: Line, table: ListContext) -> None:
    """管理費 with its amount on the line, or (one cell per line) on the next non-blank line."""
    found = [m for m in amounts(line.text, bare_unit=table.bare_unit) if is_admin_cost(m.label)]
    if not found and line.text.strip() in ("管理費", "事務費", "運営管理費"):
        nxt = next((probe for probe in ctx.lines[line.index + 1 : line.index + 3] if probe.text), None)
        found = [m for m in amounts(nxt.text, bare_unit=table.bare_unit) if not m.label] if nxt else []
    table.admin.extend((line, m.amount.value_thousand_yen) for m in found[:1])


def _list_entry_lines(ctx: ParseContext, block: list[Line]) -> list[Line]:
    """An overview entry ends where a challenge label or the 管理費 row begins (they belong to what follows)."""
    for position, line in enumerate(block[:LIST_BLOCK_LINES]):
        if line.text and (
            challenge_label(ctx, line) is not None
            or is_admin_cost(line.text)
            or re.match(r"^(?:合計|総計|計)(?:\s|$|:)", line.text)
        ):
            return block[:position]
    return block[:LIST_BLOCK_LINES]


def _cut_at_section(ctx: ParseContext, block: list[Line], occurrence_lines: set[int]) -> list[Line]:
    for position, line in enumerate(block):
        if _section_mode(ctx, line, occurrence_lines) is not None or (
            len(line.text) <= 30 and LIST_PAGE.search(line.text)
        ):
            return block[:position]
    return block


def _block_has_budget(occ: Occurrence, block: list[Line], table: ListContext) -> bool:
    texts = [occ.rest] + [line.text for line in block[:6]]
    return any(amounts(text, bare_unit=table.bare_unit) for text in texts if text)


def _table_context(line: Line, table: ListContext) -> None:
    text = line.text
    if not text:
        return
    unit = UNIT_HEADER.search(text)
    if unit is not None and len(text) <= 40:
        table.bare_unit = unit.group(1) or unit.group(2)
    for column, pattern in _COLUMNS.items():
        if pattern.search(text) and len(text) <= 40 and not amounts(text):
            table.columns.add(column)
    challenge = challenge_in(text) if len(text) <= 30 else None
    if challenge is not None:
        table.challenge = challenge


def _detail_heading(ctx: ParseContext, draft: ProjectDraft, blocks: list[DetailBlock]) -> None:
    """The project's name and heading budget from its detail heading(s)."""
    from keikaku.ingest.business_plan.lines import budget_line, strip_marks

    for block in blocks:
        rest = block.rest
        if not rest:  # one cell per line: the name is the next line
            nxt = next((line for line in block.lines if line.text), None)
            if nxt is not None and not budget_line(nxt.text) and not departments_in(nxt.text):
                rest = nxt.text
                block.lines = [line for line in block.lines if line is not nxt]
        parsed = budget_line(rest) if rest else None
        name = strip_marks(parsed.name if parsed else rest)
        if parsed is not None and draft.heading_budget is None:
            draft.heading_budget = parsed.amount
            if parsed.subsidy is not None:
                draft.subsidy = parsed.subsidy
        if draft.detail_name is None:
            draft.detail_name, draft.detail_line = name or None, block.heading
        elif name and similar(name, draft.detail_name) < 0.5 and similar(name, draft.list_name) < 0.5:
            ctx.warn(
                WarningCode.DUPLICATE_PROJECT,
                f"番号 {draft.code} の見出しが異なる事業名で繰り返されています: 「{draft.detail_name}」と「{name}」",
                block.heading,
                {"code": draft.code, "names": [draft.detail_name, name]},
            )


def _read_forms(ctx: ParseContext, forms: list[Line], drafts: _Drafts) -> None:
    """Projects written as forms: ``事業名：…`` then ``予算額：…``, ``担当課：…``, ``成果目標：…``."""
    starts = [line.index for line in forms] + [len(ctx.lines)]
    for position, line in enumerate(forms):
        match = _FORM_NAME.match(line.text)
        name = match.group("v").strip() if match else line.text
        block = ctx.lines[line.index + 1 : starts[position + 1]]
        draft = drafts.get(name, name=name)
        draft.detail_line = draft.detail_line or line
        DetailWalker(ctx, draft, drafts.fiscal_year, drafts.issuer_parts).walk([DetailBlock(line, name, block)])
