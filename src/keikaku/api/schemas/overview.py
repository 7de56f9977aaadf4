"""Schemas of the dashboard, the policy tree and the action-plan matrix: each takes its fields from its read
model (``read_model=``); a field with a description for the API's readers is declared here."""

from __future__ import annotations

from pydantic import Field

from keikaku.api.schemas.common import PublicModel
from keikaku.services.context import documents, vision
from keikaku.services.plans import overview


class VisionTargetPublic(PublicModel, read_model=vision.VisionTarget):
    """A vision-level numeric target and the progress towards it (``progress`` = latest actual / target)."""


class VisionPublic(PublicModel, read_model=vision.VisionSummary):
    """The current vision."""


class ChallengeBudgetPublic(PublicModel, read_model=overview.ChallengeBudget):
    """The budget (千円) of the projects serving a challenge, and its share of the plan."""


class StatusCountPublic(PublicModel, read_model=overview.StatusCount):
    """How many KPIs have a status."""


class YearBudgetPublic(PublicModel, read_model=overview.YearBudget):
    """A fiscal year's plan total (千円), stated and listed."""


_EVALUATION_VISIBLE = "評価（達成状況・実績）を見られるか。未公表の評価は false で、状態と実績は null"


class DashboardPublic(PublicModel, read_model=overview.Dashboard):
    """The dashboard of an issuer's fiscal year."""

    plan_score: float | None = Field(None, description="測定済み（判定済み）KPI の達成率の平均")
    plan_measured: int | None = Field(None, description="実績または定性判定のある KPI の数")
    plan_kpi_total: int | None = Field(None, description="計画の KPI の数")
    evaluation_visible: bool = Field(True, description=_EVALUATION_VISIBLE)
    evaluation_years: list[int] = Field(default_factory=list, description="評価を見られる年度")


class TreeKpiPublic(PublicModel, read_model=overview.TreeKpi):
    """A KPI in the tree."""


class TreeNodePublic(PublicModel, read_model=overview.TreeNode):
    """A project or component in the tree."""


class AimPublic(PublicModel, read_model=overview.AimView):
    """A challenge's aim."""


class TreeChallengePublic(PublicModel, read_model=overview.TreeChallenge):
    """A challenge and the projects serving it (``number`` null: projects with no challenge)."""


class PolicyTreePublic(PublicModel, read_model=overview.PolicyTree):
    """Vision → challenges → projects and components → KPIs."""

    evaluation_visible: bool = Field(True, description=_EVALUATION_VISIBLE)


class MatrixCellPublic(PublicModel, read_model=documents.MatrixCell):
    """What one actor does in one period of a theme."""


class ThemeRowPublic(PublicModel, read_model=documents.ThemeRow):
    """A theme with one cell per column (null where the plan says nothing)."""


class ColumnPublic(PublicModel, read_model=documents.MatrixColumn):
    """A column of the matrix: a period and an actor."""


class ActionPlanPublic(PublicModel, read_model=documents.ActionPlanMatrix):
    """The action plan as a matrix: themes × (periods × actors)."""
