"""Overview pages: the dashboard, the policy tree, the comparison, the action plan, a document's line."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep, EngineDep, FiscalYearQuery
from keikaku.services.context.documents import get_action_plan, get_document_context
from keikaku.services.measures.coverage import kpi_coverage
from keikaku.services.plans.overview import get_comparison, get_dashboard, get_policy_tree
from keikaku.web import chart_views
from keikaku.web.render import query_string, render, translator

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None
) -> HTMLResponse:
    """The dashboard."""
    board = get_dashboard(fiscal_year, viewer=actor, engine=engine)
    charts = chart_views.dashboard(board, translator(request))
    coverage = kpi_coverage(board.fiscal_year, viewer=actor, engine=engine) if board.fiscal_year else None
    return render(
        request,
        actor,
        "dashboard.html",
        {"board": board, "charts": charts, "coverage": coverage},
        json_url="/api/v1/dashboard" + query_string(request),
    )


@router.get("/tree", response_class=HTMLResponse)
def tree(request: Request, engine: EngineDep, actor: ActorDep, fiscal_year: FiscalYearQuery = None) -> HTMLResponse:
    """Vision → challenges → projects → KPIs."""
    result = get_policy_tree(fiscal_year, viewer=actor, engine=engine)
    return render(request, actor, "tree.html", {"tree": result}, json_url="/api/v1/tree" + query_string(request))


@router.get("/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    before: FiscalYearQuery = None,
    after: FiscalYearQuery = None,
) -> HTMLResponse:
    """Two fiscal years compared."""
    view = get_comparison(before, after, viewer=actor, engine=engine)
    return render(request, actor, "compare.html", {"view": view}, json_url="/api/v1/compare" + query_string(request))


@router.get("/action-plan", response_class=HTMLResponse)
def action_plan(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The action-plan matrix."""
    matrix = get_action_plan(viewer=actor, engine=engine)
    return render(request, actor, "action_plan.html", {"matrix": matrix}, json_url="/api/v1/action-plan")


@router.get("/documents/{key}", response_class=HTMLResponse)
def document(
    request: Request,
    key: Annotated[str, Path(max_length=200)],
    engine: EngineDep,
    actor: ActorDep,
    *,
    line: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse:
    """A source document's line in context, its page as an image, and its original to download."""
    doc = get_document_context(key, viewer=actor, line=line, page=page, engine=engine)
    json_url = f"/api/v1/documents/{quote(key)}" + query_string(request)
    return render(request, actor, "document.html", {"doc": doc}, json_url=json_url)
