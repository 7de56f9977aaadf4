"""Business plans (事業計画): projects, components, events, cooperative projects."""

import datetime as dt
from enum import StrEnum

from pydantic import Field

from keikaku.domain.base import DomainModel
from keikaku.domain.budget import Tally, budget_lines
from keikaku.domain.kpi import Kpi
from keikaku.domain.provenance import Provenance, Warning


class ProjectKind(StrEnum):
    """A funded project, or the plan's administrative cost (管理費)."""

    BUDGET = "budget"
    ADMINISTRATIVE = "administrative"


class Event(DomainModel):
    """An event a project holds or joins: name, ISO dates, venue, and its theme (テーマ) when the plan gives one."""

    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    venue: str | None = None
    theme: str | None = None
    note: str | None = None
    provenance: Provenance | None = None


class Component(DomainModel):
    """A part of a project with its own budget, departments and KPIs (e.g. ⑦ 広報活動の実施)."""

    name: str
    budget_thousand_yen: int | None
    departments: list[str] = Field(default_factory=list)
    new: bool = False
    relisted: bool = False
    kpis: list[Kpi] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    summary: str | None = None
    provenance: Provenance | None = None


class Project(DomainModel):
    """A budget project (予算事業) of a fiscal year's plan."""

    code: str | None = None
    name: str
    title: str | None = None
    budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None = None
    departments: list[str] = Field(default_factory=list)
    challenge: int | None = None
    field: str | None = None
    start_fiscal_year: int | None = None
    year_count: int | None = None
    new: bool = False
    relisted: bool = False
    kind: ProjectKind = ProjectKind.BUDGET
    summary: str | None = None
    components: list[Component] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    provenance: Provenance | None = None


class CooperativeProject(DomainModel):
    """A member government's project run together with the union (協調事業; no union budget)."""

    name: str
    challenge: int | None = None
    field: str | None = None
    member_government: str | None = None
    provenance: Provenance | None = None


class Plan(DomainModel):
    """The annual business plan of one issuer for one fiscal year."""

    fiscal_year: int
    issuer: str | None = None
    title: str | None = None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None = None
    projects: list[Project] = Field(default_factory=list)
    cooperative_projects: list[CooperativeProject] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)
    provenance: Provenance | None = None

    def listed_sum(self) -> int:
        """Sum of the project budgets, re-listings (再掲) excluded (the rule of :mod:`keikaku.domain.budget`)."""
        return Tally.of(budget_lines(self.projects)).total
