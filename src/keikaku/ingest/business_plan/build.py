"""The assembly of project drafts (:mod:`keikaku.ingest.business_plan.drafts`) into a checked :class:`~keikaku.domain.Plan`.

A draft gathers what the document says about one project wherever it says it: the overview table, the
detail pages, a KPI page, a department list.  :func:`build_plan` turns the drafts into domain objects
and runs the consistency checks (see :mod:`keikaku.ingest.business_plan.checks`).
"""

from __future__ import annotations

from functools import lru_cache

from keikaku.domain import Component, Plan, Project
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.business_plan.checks import check_plan
from keikaku.ingest.business_plan.drafts import ComponentDraft, PlanHeader, ProjectDraft
from keikaku.ingest.business_plan.lines import is_admin_cost
from keikaku.ingest.context import ParseContext
from keikaku.normalize import fold_for_search


def add_unique(target: list[str], names: list[str]) -> None:
    """Append names not yet present, in order."""
    for name in names:
        if name not in target:
            target.append(name)


@lru_cache(maxsize=4096)
def _bigrams(text: str) -> tuple[str, frozenset[str]]:
    folded = fold_for_search(text)
    return folded, frozenset(folded[i : i + 2] for i in range(len(folded) - 1)) or frozenset({folded})


def similar(a: str | None, b: str | None) -> float:
    """How alike two names read (0…1): character-bigram overlap of their search keys."""
    if not a or not b:
        return 0.0
    (fa, ga), (fb, gb) = _bigrams(a), _bigrams(b)
    if fa == fb:
        return 1.0
    if len(fa) >= 4 and len(fb) >= 4 and (fa in fb or fb in fa):
        return 0.9
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def build_component(ctx: ParseContext, draft: ComponentDraft) -> Component:
    """A domain component from its draft."""
    return Component(
        name=draft.name,
        budget_thousand_yen=draft.budget,
        departments=list(draft.departments),
        new=draft.new,
        relisted=draft.relisted,
        kpis=list(draft.kpis),
        events=list(draft.events),
        summary=draft.summary,
        provenance=ctx.prov(draft.line),
    )


def build_project(ctx: ParseContext, draft: ProjectDraft) -> Project:
    """A domain project from its draft (the caller has checked :attr:`ProjectDraft.has_evidence`)."""
    components = [build_component(ctx, c) for c in draft.components]
    departments = list(draft.departments)
    for component in components:
        add_unique(departments, component.departments)
    new = draft.new or (bool(components) and all(c.new for c in components))
    kind, code = draft.kind, draft.code
    if draft.name and is_admin_cost(draft.name):
        kind, code = ProjectKind.ADMINISTRATIVE, None
    line = draft.detail_line or draft.list_line or draft.title_line
    return Project(
        code=code,
        name=draft.name or "",
        title=draft.title if draft.title and draft.title != draft.name else None,
        budget_thousand_yen=draft.budget,
        national_subsidy_thousand_yen=draft.subsidy,
        departments=departments,
        challenge=draft.challenge,
        start_fiscal_year=draft.start_fiscal_year,
        year_count=draft.year_count,
        new=new,
        relisted=draft.relisted,
        kind=kind,
        summary=draft.summary,
        components=components,
        kpis=list(draft.kpis),
        events=list(draft.events),
        provenance=ctx.prov(line),
    )


def build_plan(ctx: ParseContext, header: PlanHeader, drafts: list[ProjectDraft]) -> Plan:
    """The plan from its header and project drafts, with its consistency warnings."""
    projects = [build_project(ctx, d) for d in drafts if d.has_evidence]
    plan = Plan(
        fiscal_year=header.fiscal_year,
        issuer=header.issuer,
        title=header.title,
        total_budget_thousand_yen=header.total,
        national_subsidy_thousand_yen=header.subsidy,
        projects=projects,
        provenance=ctx.prov(header.total_line or header.title_line),
    )
    plan.warnings = check_plan(ctx, plan, drafts)
    return plan
