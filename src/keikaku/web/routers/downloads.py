"""The downloads page: data as JSON and CSV, the evaluation report as PDF and XLSX, the comparison."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.services.evaluations.reports import list_reports
from keikaku.services.plans.overview import get_dashboard
from keikaku.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/downloads", response_class=HTMLResponse)
def downloads(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """Every file that can be downloaded, by fiscal year."""
    board = get_dashboard(viewer=actor, engine=engine)
    context = {
        "years": list(reversed(board.fiscal_years)),
        "evaluation_years": board.evaluation_years,
        "reports": list_reports(),
    }
    return render(request, actor, "downloads.html", context, json_url="/api/v1/downloads")
