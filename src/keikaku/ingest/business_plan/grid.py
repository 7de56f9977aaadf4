"""Business plans whose overview is a cell-fragment grid (see :mod:`keikaku.ingest.business_plan.grid_rows`).

Each overview row is fused with the detail page (``事業名：`` form line) of the same budget, with the
consecutive pages whose budgets add up to it (its components), or with the page of the most alike name;
the detail page gives the department, the start year, the KPIs and the events.  A detail page no row
claims is a project of its own (it has its budget), never dropped silently.
"""

from __future__ import annotations

from keikaku.domain import Plan, WarningCode
from keikaku.ingest.business_plan.build import build_plan
from keikaku.ingest.business_plan.detail import DetailBlock, DetailWalker
from keikaku.ingest.business_plan.drafts import PlanHeader, ProjectDraft
from keikaku.ingest.business_plan.grid_rows import (
    FormPage,
    admin_of,
    draft_of_row,
    form_pages,
    match_pages,
    read_cooperative,
    read_grid,
    row_name,
)
from keikaku.ingest.business_plan.limits import checked_name
from keikaku.ingest.context import Line, ParseContext


def parse_grid_plan(ctx: ParseContext, header: PlanHeader, grid: Line, issuer_parts: set[str]) -> Plan:
    """The plan of a document whose overview grid starts at ``grid``."""
    table = read_grid(ctx, grid)
    pages = form_pages(ctx, table.end)
    matched = match_pages(table.rows, pages)
    drafts: list[ProjectDraft] = []
    for position, row in enumerate(table.rows):
        own = matched.get(position, [])
        name = checked_name(ctx, row_name(row, own[0].name if own else None), row.line, "事業名")
        if name is None and not own:
            continue
        draft = draft_of_row(row, name or "", key=f"row{position}")
        if not name:
            draft.list_name = None
        if len(own) > 1:
            _read_components(ctx, draft, own, header.fiscal_year, issuer_parts)
        elif own:
            _read_page(ctx, draft, own[0], header.fiscal_year, issuer_parts)
        drafts.append(draft)
    for page in pages:
        if page.used:
            continue
        page_name = checked_name(ctx, page.name, page.line, "事業名")
        if page_name is None:
            continue
        draft = ProjectDraft(key=f"page{page.line.index}", code=None, detail_name=page_name, detail_line=page.line)
        draft.heading_budget = page.budget
        _read_page(ctx, draft, page, header.fiscal_year, issuer_parts)
        if table.rows:
            ctx.warn(
                WarningCode.UNREAD_SECTION,
                f"事業「{page_name}」は事業一覧の行と対応づけられません（詳細ページのみ）",
                page.line,
            )
        drafts.append(draft)
    admin = admin_of(table)
    if admin is not None:
        drafts.append(admin)
    if table.total is not None and header.total is None:
        header.total_line, header.total = table.total
    elif table.total is not None and header.total != table.total[1]:
        ctx.warn(
            WarningCode.BUDGET_SUM_MISMATCH,
            f"事業一覧の合計 {table.total[1]:,}千円 が予算額 {header.total:,}千円 と一致しません",
            table.total[0],
        )
    plan = build_plan(ctx, header, [d for d in drafts if d.has_evidence])
    plan.cooperative_projects = read_cooperative(ctx, grid.index)
    plan.warnings = [*ctx.warnings, *plan.warnings]
    return plan


def _read_components(
    ctx: ParseContext, draft: ProjectDraft, pages: list[FormPage], fiscal_year: int, issuer: set[str]
) -> None:
    """A row's components, one detail page each: each page's form line is a component's budget line, the
    page's department, KPIs and events the component's; the row's budget is what they add up to."""
    draft.heading_budget = draft.list_budget
    blocks = []
    for page in pages:
        page.used = True
        budget_line = Line(
            page.line.index, page.line.page, page.line.number, page.line.raw, f"{page.name} ({page.budget}千円)"
        )
        department = [line for line in page.lines[:1] if line.index <= page.line.index]  # the one above it
        body = [line for line in page.lines if line not in department]
        blocks.append(DetailBlock(page.line, page.name, [budget_line, *department, *body]))
    walker = DetailWalker(ctx, draft, fiscal_year, issuer)
    if pages[0].start:
        walker.read_start_year(pages[0].line, pages[0].start)
    walker.walk(blocks)


def _read_page(ctx: ParseContext, draft: ProjectDraft, page: FormPage, fiscal_year: int, issuer: set[str]) -> None:
    """File a detail page's facts under the draft: its form line's budget and start year, then its body."""
    page.used = True
    draft.detail_name = draft.detail_name or page.name
    draft.detail_line = draft.detail_line or page.line
    if page.budget is not None and draft.heading_budget is None and not draft.list_budget:
        draft.heading_budget = page.budget
    walker = DetailWalker(ctx, draft, fiscal_year, issuer)
    if page.start:
        walker.read_start_year(page.line, page.start)
    walker.walk([DetailBlock(page.line, page.name, page.lines)])
