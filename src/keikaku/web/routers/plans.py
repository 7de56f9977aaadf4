"""Plan pages: the list of plans and one plan's project table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
    IssuerQuery,
    PageQuery,
    PerPageQuery,
    ProjectFiltersDep,
)
from keikaku.services.plans.read import get_plan_page, list_plans
from keikaku.web.render import query_string, render

router = APIRouter(include_in_schema=False)


@router.get("/plans", response_class=HTMLResponse)
def plans(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: FiscalYearQuery = None,
    issuer: IssuerQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
) -> HTMLResponse:
    """Current plans, newest first."""
    result = list_plans(
        viewer=actor, fiscal_year=fiscal_year, issuer=issuer, page=page, per_page=per_page, engine=engine
    )
    context = {"plans": result, "fiscal_year": fiscal_year, "issuer": issuer or ""}
    return render(request, actor, "plans.html", context, json_url="/api/v1/plans" + query_string(request))


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan(
    *,
    request: Request,
    plan_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    filters: ProjectFiltersDep,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
) -> HTMLResponse:
    """A plan's table, its sums and its warnings."""
    result = get_plan_page(plan_id, viewer=actor, **filters.as_kwargs(), page=page, per_page=per_page, engine=engine)
    json_url = f"/api/v1/plans/{plan_id}" + query_string(request)
    return render(request, actor, "plan.html", {"page": result}, json_url=json_url)
