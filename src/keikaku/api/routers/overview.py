"""``/api/v1/dashboard``, ``/api/v1/tree``, ``/api/v1/action-plan``, ``/api/v1/compare``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from keikaku.api.deps import ActorDep, EngineDep, FiscalYearQuery, IssuerQuery
from keikaku.api.schemas.comparison import ComparisonPublic
from keikaku.api.schemas.overview import ActionPlanPublic, DashboardPublic, PolicyTreePublic
from keikaku.api.serialise import json_of
from keikaku.services.context.documents import get_action_plan
from keikaku.services.core.errors import NotFoundError
from keikaku.services.plans.overview import get_comparison, get_dashboard, get_policy_tree

router = APIRouter(tags=["概要"])


@router.get("/dashboard", response_model=DashboardPublic, summary="ダッシュボード")
async def dashboard(
    engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None, issuer: IssuerQuery = None
) -> Response:
    """Vision targets and progress, the year's budget by challenge, KPI statuses, budgets over the years."""
    return await json_of(
        DashboardPublic, lambda: get_dashboard(fiscal_year, viewer=actor, issuer=issuer, engine=engine), engine
    )


@router.get("/tree", response_model=PolicyTreePublic, summary="施策体系")
def tree(
    engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None, issuer: IssuerQuery = None
) -> PolicyTreePublic:
    """Vision → challenges → projects and components → KPIs."""
    return PolicyTreePublic.model_validate(get_policy_tree(fiscal_year, viewer=actor, issuer=issuer, engine=engine))


@router.get("/action-plan", response_model=ActionPlanPublic, summary="アクションプラン")
def action_plan(engine: EngineDep, actor: ActorDep) -> ActionPlanPublic:
    """The action plan's matrix: themes × periods × actors."""
    return ActionPlanPublic.model_validate(get_action_plan(viewer=actor, engine=engine))


@router.get("/compare", response_model=ComparisonPublic, summary="年度比較")
def compare(
    engine: EngineDep,
    actor: ActorDep,
    before: FiscalYearQuery = None,
    after: FiscalYearQuery = None,
    issuer: IssuerQuery = None,
) -> ComparisonPublic:
    """Two fiscal years' plans compared (default: the two newest)."""
    view = get_comparison(before, after, viewer=actor, issuer=issuer, engine=engine)
    if view.comparison is None:
        raise NotFoundError("比較できる年度が 2 つ以上ありません", code="comparison_not_available")
    return ComparisonPublic.model_validate(view.comparison)
