"""Drafts of projects as a parser collects them, and the header of a plan.

A draft gathers what the document says about one project wherever it says it: the overview table, the
detail pages, a KPI page, a department list.  :func:`keikaku.ingest.business_plan.build.build_plan` turns the
drafts into domain objects and runs the consistency checks (:mod:`keikaku.ingest.business_plan.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keikaku.domain import Event, Kpi
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.context import Line


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
