"""Drafts of projects as a parser collects them, and their assembly into a checked :class:`~keikaku.domain.Plan`.

A draft gathers what the document says about one project wherever it says it: the overview table, the
detail pages, a KPI page, a department list.  :func:`build_plan` turns the drafts into domain objects
and runs the consistency checks (see :mod:`keikaku.ingest.plan_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from keikaku.domain import Component, Event, Kpi, Plan, Project
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.context import Line, ParseContext
from keikaku.ingest.plan_lines import is_admin_cost
from keikaku.normalize import fold_for_search


@dataclass
class ComponentDraft:
    """A part of a project with its own heading (and usually its own budget)."""

    name: str
    line: Line | None
    budget: int | None = None
    new: bool = False
    relisted: bool = False
    departments: list[str] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    summary: str | None = None


@dataclass
class ProjectDraft:
    """Everything found about one project; ``key`` is its number (or its name when unnumbered)."""

    key: str
    code: str | None
    list_name: str | None = None
    list_line: Line | None = None
    list_budget: int | None = None
    detail_name: str | None = None
    detail_line: Line | None = None
    heading_budget: int | None = None
    title: str | None = None
    title_budget: int | None = None
    title_line: Line | None = None
    subsidy: int | None = None
    relisted: bool = False
    new: bool = False
    kind: ProjectKind = ProjectKind.BUDGET
    challenge: int | None = None
    start_fiscal_year: int | None = None
    year_count: int | None = None
    summary: str | None = None
    departments: list[str] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    components: list[ComponentDraft] = field(default_factory=list)
    page_ref: int | None = None

    @property
    def name(self) -> str | None:
        """The project's name: the overview's wording, else the detail heading's, else the budget line's."""
        return self.list_name or self.detail_name or self.title

    @property
    def budget(self) -> int | None:
        """The project's budget: from its detail heading or title line, else from the overview table."""
        for value in (self.heading_budget, self.title_budget, self.list_budget):
            if value is not None:
                return value
        return None

    @property
    def has_evidence(self) -> bool:
        """A project needs a name and something that shows it is one: a budget, a department, a KPI."""
        return bool(self.name) and (
            self.budget is not None or bool(self.departments or self.kpis or self.components or self.events)
        )

    def add_departments(self, names: list[str]) -> None:
        """Add department names, keeping the order and dropping repeats."""
        for name in names:
            if name not in self.departments:
                self.departments.append(name)


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


@dataclass
class PlanHeader:
    """What the top of a plan says: fiscal year, title, issuer, total and national subsidy."""

    fiscal_year: int
    title: str | None = None
    issuer: str | None = None
    total: int | None = None
    subsidy: int | None = None
    total_line: Line | None = None
    title_line: Line | None = None


def build_plan(ctx: ParseContext, header: PlanHeader, drafts: list[ProjectDraft]) -> Plan:
    """The plan from its header and project drafts, with its consistency warnings."""
    from keikaku.ingest.plan_checks import check_plan

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
