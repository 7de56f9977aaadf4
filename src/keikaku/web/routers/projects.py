"""Project pages: projects of the union's plans, and one project with everything about it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import (
    ActorDep,
    EngineDep,
    FiscalYearQuery,
    Id,
    PageQuery,
    PerPageQuery,
    ProjectFiltersDep,
)
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.project_list import list_projects
from keikaku.services.plans.read import STATUSES
from keikaku.web import chart_views
from keikaku.web.render import query_string, render, translator

router = APIRouter(include_in_schema=False)


@router.get("/projects", response_class=HTMLResponse)
def projects(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    filters: ProjectFiltersDep,
    fiscal_year: FiscalYearQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
) -> HTMLResponse:
    """Projects of the union's plans, filtered."""
    result = list_projects(
        viewer=actor,
        fiscal_year=fiscal_year,
        **filters.as_kwargs(),
        page=page,
        per_page=per_page,
        engine=engine,
    )
    board = get_dashboard(viewer=actor, engine=engine)
    context = {
        "projects": result,
        "years": board.fiscal_years,
        "statuses": STATUSES,
        "filters": {
            "fiscal_year": fiscal_year,
            "challenge": filters.challenge,
            "department": filters.department or "",
            "status": filters.status or "",
        },
    }
    return render(request, actor, "projects.html", context, json_url="/api/v1/projects" + query_string(request))


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project(request: Request, project_id: Id, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """A project: fields, components, events, KPIs with history and charts, provenance, partner links."""
    result = get_project_page(project_id, viewer=actor, engine=engine)
    charts = chart_views.project(result, translator(request))
    return render(
        request, actor, "project.html", {"project": result, "charts": charts}, json_url=f"/api/v1/projects/{project_id}"
    )
