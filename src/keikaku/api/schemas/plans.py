"""Schemas of plans, projects, KPIs and actual values."""

from __future__ import annotations

from pydantic import BaseModel, Field

from keikaku.api.schemas.common import Moment, PageMetaPublic, PublicModel, SourcePublic
from keikaku.services.actuals.record import TEXT_LIMITS
from keikaku.services.plans import kpi_history, kpi_page, project, project_list, read


class RevisionLabelPublic(PublicModel, read_model=read.RevisionLabel):
    """Another revision of the same issuer's fiscal year and whether it is published (staff only)."""


class PlanSummaryPublic(PublicModel, read_model=read.PlanSummary):
    """A plan in a list."""

    revisions: list[RevisionLabelPublic] = Field(
        default_factory=list, description="Every revision of the year, newest first (staff only, when several)."
    )


class PlanListPublic(PageMetaPublic):
    """A page of plans."""

    items: list[PlanSummaryPublic]


class PlanRowPublic(PublicModel, read_model=read.PlanRowView):
    """A project (or component) line of a plan's table; budgets in 千円."""

    score: float | None = Field(None, description="測定済み（判定済み）KPI の達成率の平均。未測定は 0 として数えない")
    measured: int | None = Field(None, description="実績または定性判定のある KPI の数")
    kpi_total: int | None = Field(None, description="KPI の数（構成事業を含む）")


class PlanRowsPublic(PageMetaPublic):
    """A page of a plan's table."""

    items: list[PlanRowPublic]


class SumCheckPublic(PublicModel, read_model=read.SumCheckView):
    """Whether listed amounts add up to a stated total (``difference`` = stated − listed)."""

    complete: bool = Field(
        description="false: some components have no budget; only 'not above the project' was checked"
    )
    difference: int | None


class WarningPublic(PublicModel, read_model=read.WarningView):
    """A consistency warning of a plan."""


class PlanFiltersPublic(PublicModel):
    """The filters applied to a plan's table."""

    challenge: int | None = None
    department: str | None = None
    status: str | None = None


class PlanPagePublic(PublicModel):
    """A plan: one page of its table, the sum checks over the whole plan and its warnings."""

    plan: PlanSummaryPublic
    rows: PlanRowsPublic
    listed_total: int
    shown_total: int
    consistent: bool
    checks: list[SumCheckPublic]
    warnings: list[WarningPublic]
    challenges: list[int]
    departments: list[str]
    statuses: list[str]
    filters: PlanFiltersPublic
    source: SourcePublic | None
    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )


class ProjectListItemPublic(PublicModel, read_model=project_list.ProjectListItem):
    """A project in a list."""

    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )


class ProjectListPublic(PageMetaPublic):
    """A page of projects."""

    items: list[ProjectListItemPublic]


class HistoryEntryPublic(PublicModel, read_model=kpi_history.HistoryEntry):
    """One recorded version of an actual value."""

    entered_by: str | None = Field(description="入力者（ログインした職員にだけ示す）")


class SeriesPointPublic(PublicModel, read_model=kpi_history.SeriesPoint):
    """A KPI's target and actual in one fiscal year."""


class KpiPublic(PublicModel, read_model=project.KpiView):
    """A KPI with its target, actual, status, every recorded version and its values over the years."""

    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )


class EventPublic(PublicModel, read_model=project.EventView):
    """An event of a project."""

    theme: str | None = Field(None, description="テーマ（計画書に記載があるとき）")


class ProjectLinkPublic(PublicModel, read_model=project.LinkView):
    """A partner initiative linked to the project."""


class ProjectPagePublic(PublicModel, read_model=project.ProjectPage):
    """Everything about a project or component (budgets in 千円)."""

    score: float | None = Field(None, description="測定済み（判定済み）KPI の達成率の平均。未測定は 0 として数えない")
    measured: int | None = Field(None, description="実績または定性判定のある KPI の数")
    kpi_total: int | None = Field(None, description="KPI の数（構成事業を含む）")
    evaluation_visible: bool = Field(
        True, description="評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"
    )


class KpiEntryPublic(PublicModel, read_model=kpi_page.KpiEntryPage):
    """A KPI's entry page: the KPI and where it belongs."""


class ActualCreate(BaseModel):
    """An actual value to record, as users write it (``1,200``, ``１２００人``, ``80%``, ``令和8年度``)."""

    fiscal_year: str = Field(max_length=20, description="年度（2026、令和8年度 など）")
    value: str = Field(max_length=100, description="実績値")
    month: str = Field("", max_length=4, description="月（年間を通じて数える KPI の月別実績）")
    measured_on: str = Field("", max_length=40, description="測定日")
    evidence_text: str = Field("", max_length=TEXT_LIMITS["evidence_text"], description="根拠")
    evidence_url: str = Field("", max_length=TEXT_LIMITS["evidence_url"], description="根拠 URL")
    note: str = Field("", max_length=TEXT_LIMITS["note"], description="備考")
    reason: str = Field("", max_length=TEXT_LIMITS["reason"], description="訂正の理由（既に値があるとき）")
    expected_version: int | None = Field(
        None,
        ge=0,
        le=999_999_999,
        description=(
            "楽観的ロック: 最後に見た実績の版（version。まだ値がなければ 0）。現在の版と違うときは保存せず 409 を返す"
        ),
    )


class ActualValuePublic(PublicModel):
    """A recorded actual value."""

    id: int
    kpi_id: int
    kpi_label: str
    fiscal_year: int
    month: int | None
    version: int
    value: float
    unit: str | None
    display: str
    entered_by: str
    entered_at: Moment
    channel: str
