"""Schemas of the comparison, the partner priorities and links, search, downloads and documents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

from keikaku.api.schemas.common import Moment, PublicModel, SourcePublic


class KpiTargetPublic(PublicModel):
    """A KPI target as the comparison sees it."""

    indicator: str
    comparator: str | None
    target: float | None
    unit: str | None
    text: str | None
    kpi_id: int | None
    target_text: str | None


class PlanItemPublic(PublicModel):
    """A project or component of one year's plan."""

    key: int
    name: str
    budget_thousand_yen: int | None
    title: str | None
    parent_key: int | None
    code: str | None
    field: str | None
    start_fiscal_year: int | None
    is_new: bool
    challenge: int | None
    kpis: list[KpiTargetPublic]


class KpiChangePublic(PublicModel):
    """A KPI added, dropped or revised."""

    kind: str
    before: KpiTargetPublic | None
    after: KpiTargetPublic | None


class MatchPublic(PublicModel):
    """A project present in both years."""

    before: PlanItemPublic
    after: PlanItemPublic
    similarity: float
    budget_change: int | None
    budget_change_percent: float | None
    kpi_changes: list[KpiChangePublic]


class ComparisonPublic(PublicModel):
    """Two fiscal years' plans compared (budgets in 千円)."""

    before_year: int
    after_year: int
    before_total: int | None
    after_total: int | None
    total_change: int | None
    total_change_percent: float | None
    continued: list[MatchPublic]
    added: list[PlanItemPublic]
    dropped: list[PlanItemPublic]
    new_marked: list[PlanItemPublic]


class LinkEventPublic(PublicModel):
    """A decision about a link."""

    action: str
    state_before: str | None
    state_after: str
    actor: str
    note: str | None
    at: Moment


class InitiativeLinkPublic(PublicModel):
    """A link from an initiative to a union project or an action-plan theme."""

    id: int
    target_kind: str
    target_id: int
    target_name: str
    target_code: str
    fiscal_year: int | None
    score: float
    shared_terms: list[str]
    state: str
    decided_by: str | None
    decided_at: Moment | None
    events: list[LinkEventPublic]


class InitiativePublic(PublicModel):
    """A partner initiative with its targets and links."""

    id: int
    name: str
    code: str | None
    parent: str | None
    priority_area: str | None
    department: str | None
    phone: str | None
    targets: list[str]
    links: list[InitiativeLinkPublic]
    source: SourcePublic | None


class ProgrammePublic(PublicModel):
    """A partner agency's priorities for one fiscal year."""

    id: int
    issuer: str
    fiscal_year: int
    title: str | None
    priority_areas: list[str]
    initiatives: list[InitiativePublic]
    source: SourcePublic | None


class PartnersPublic(BaseModel):
    """Every current partner programme."""

    programmes: list[ProgrammePublic]


class InitiativePagePublic(PublicModel):
    """One initiative with the history of its links' decisions."""

    initiative: InitiativePublic
    programme_id: int
    programme_title: str | None
    issuer: str
    fiscal_year: int


class LinkDecisionCreate(BaseModel):
    """A curator's decision about a link."""

    action: Literal["confirm", "remove", "restore"]
    note: str = Field("", max_length=1000)


class LinkDecisionPublic(PublicModel):
    """The link after a decision."""

    link_id: int
    initiative_id: int
    state: str
    changed: bool
    decided_by: str
    decided_at: Moment | None


class SegmentPublic(PublicModel):
    """A piece of text; ``match`` marks what matched the query."""

    text: str
    match: bool


_HREFS = {
    "vision": "/tree",
    "target": "/tree",
    "challenge": "/tree",
    "theme": "/action-plan",
    "initiative": "/partners/initiatives/{id}",
    "plan": "/plans/{id}",
    "project": "/projects/{id}",
    "component": "/projects/{id}",
}


class SearchHitPublic(PublicModel):
    """A search result."""

    kind: str
    ref_id: int
    title: str
    title_segments: list[SegmentPublic]
    snippet: list[SegmentPublic]
    context: str | None
    fiscal_year: int | None
    issuer: str | None
    in_title: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def href(self) -> str:
        """The page of the result."""
        if self.kind == "document":
            return "/downloads"
        return _HREFS.get(self.kind, "/").format(id=self.ref_id)


class SearchResultsPublic(PublicModel):
    """A page of ranked results; ``total`` stops at 1,000 (``total_capped``)."""

    query: str
    words: list[str]
    hits: list[SearchHitPublic]
    total: int
    total_capped: bool
    page: int
    per_page: int
    pages: int
    index_complete: bool


class ReportOptionPublic(PublicModel):
    """An option a report takes."""

    name: str
    label: str
    required: bool
    choices: list[str]


class ReportPublic(PublicModel):
    """A report that can be downloaded."""

    identifier: str
    title: str
    description: str
    options: list[ReportOptionPublic]


class DownloadPublic(BaseModel):
    """A file that can be downloaded."""

    format: str
    label: str
    href: str


class DownloadsPublic(BaseModel):
    """What can be downloaded."""

    fiscal_years: list[int]
    files: list[DownloadPublic]
    reports: list[ReportPublic]


class ContextLinePublic(PublicModel):
    """A line of a document."""

    line: int
    text: str


class FactPublic(PublicModel):
    """A fact taken from a line."""

    kind: str
    name: str
    excerpt: str | None
    project_id: int | None
    kpi_id: int | None


class OriginalFilePublic(PublicModel):
    """The original file of a document, as ingested (``href`` downloads it)."""

    filename: str
    media_type: str
    size: int


class DocumentPublic(PublicModel):
    """A source document and (with a line) that line in context and the facts taken from it; ``draft`` is true
    for a 素案, ``original`` is null when the file is not stored (the bundled data)."""

    key: str
    title: str | None
    issuer: str | None
    kind: str
    fiscal_year: int | None
    published: str | None
    lines: int | None
    has_text: bool
    line: int | None
    page: int | None
    pages: int | None
    draft: bool
    bundled: bool
    original: OriginalFilePublic | None
    context: list[ContextLinePublic]
    facts: list[FactPublic]
