"""Schemas of the comparison of a plan with the plan of the year before."""

from __future__ import annotations

from keikaku.api.schemas.common import PublicModel


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
