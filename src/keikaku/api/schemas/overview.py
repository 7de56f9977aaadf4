"""Schemas of the dashboard, the policy tree and the action-plan matrix."""

from __future__ import annotations

from pydantic import Field

from keikaku.api.schemas.common import PublicModel, SourcePublic


class VisionTargetPublic(PublicModel):
    """A vision-level numeric target and the progress towards it (``progress`` = latest actual / target)."""

    kpi_id: int
    indicator: str
    target_text: str
    unit: str | None
    target: float | None
    target_fiscal_year: int | None
    latest_fiscal_year: int | None
    latest_value: float | None
    progress: float | None
    reason: str
    source: SourcePublic | None


class VisionPublic(PublicModel):
    """The current vision."""

    id: int
    title: str | None
    horizon_fiscal_year: int | None
    future_images: list[str]
    values: list[str]
    targets: list[VisionTargetPublic]
    source: SourcePublic | None


class ChallengeBudgetPublic(PublicModel):
    """The budget (千円) of the projects serving a challenge, and its share of the plan."""

    number: int | None
    name: str | None
    budget_thousand_yen: int
    share: float
    administrative: bool


class StatusCountPublic(PublicModel):
    """How many KPIs have a status."""

    status: str
    count: int


class YearBudgetPublic(PublicModel):
    """A fiscal year's plan total (千円), stated and listed."""

    fiscal_year: int
    plan_id: int
    stated_total: int | None
    listed_total: int
    consistent: bool


class DashboardPublic(PublicModel):
    """The dashboard of an issuer's fiscal year."""

    issuer: str | None
    fiscal_year: int | None
    fiscal_years: list[int]
    plan_id: int | None
    plan_title: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    vision: VisionPublic | None
    budget_by_challenge: list[ChallengeBudgetPublic]
    kpi_statuses: list[StatusCountPublic]
    kpi_count: int
    plan_status: str | None
    plan_rating: str | None
    plan_score: float | None = Field(None, description="測定済み（判定済み）KPI の達成率の平均")
    plan_measured: int | None = Field(None, description="実績または定性判定のある KPI の数")
    plan_kpi_total: int | None = Field(None, description="計画の KPI の数")
    budgets: list[YearBudgetPublic]
    warning_count: int
    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )
    evaluation_years: list[int] = Field(default_factory=list, description="評価を見られる年度")


class TreeKpiPublic(PublicModel):
    """A KPI in the tree."""

    id: int
    indicator: str
    target_text: str
    status: str | None
    is_measure: bool


class TreeNodePublic(PublicModel):
    """A project or component in the tree."""

    id: int
    code: str
    name: str
    budget_thousand_yen: int | None
    new: bool
    relisted: bool
    administrative: bool
    status: str | None
    challenge: int | None
    kpis: list[TreeKpiPublic]
    components: list[TreeNodePublic]


class AimPublic(PublicModel):
    """A challenge's aim."""

    key: str
    text: str


class TreeChallengePublic(PublicModel):
    """A challenge and the projects serving it (``number`` null: projects with no challenge)."""

    number: int | None
    name: str | None
    aspiration: str | None
    goal: str | None
    aims: list[AimPublic]
    projects: list[TreeNodePublic]
    source: SourcePublic | None


class PolicyTreePublic(PublicModel):
    """Vision → challenges → projects and components → KPIs."""

    issuer: str | None
    fiscal_year: int | None
    fiscal_years: list[int]
    plan_id: int | None
    vision: VisionPublic | None
    challenges: list[TreeChallengePublic]
    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )


class MatrixCellPublic(PublicModel):
    """What one actor does in one period of a theme."""

    period: str
    actor: str
    theme_of_period: str | None
    actions: list[str]
    source: SourcePublic | None


class ThemeRowPublic(PublicModel):
    """A theme with one cell per column (null where the plan says nothing)."""

    id: int
    name: str
    desired_state: str | None
    cells: list[MatrixCellPublic | None]
    source: SourcePublic | None


class ColumnPublic(PublicModel):
    """A column of the matrix: a period and an actor."""

    period: str
    actor: str


class ActionPlanPublic(PublicModel):
    """The action plan as a matrix: themes × (periods × actors)."""

    title: str | None
    issuer: str | None
    published: str | None
    start_fiscal_year: int | None
    end_fiscal_year: int | None
    periods: list[str]
    actors: list[str]
    columns: list[ColumnPublic]
    themes: list[ThemeRowPublic]
    source: SourcePublic | None
