"""The search page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep, EngineDep, FiscalYearQuery, PageQuery
from keikaku.services.search.query import SearchKind, search
from keikaku.web.render import query_string, render

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str | None, Query(max_length=20)] = None,
    fiscal_year: FiscalYearQuery = None,
    page: PageQuery = 1,
) -> HTMLResponse:
    """Ranked results across everything."""
    results = search(q, viewer=actor, kind=kind or None, fiscal_year=fiscal_year, page=page, per_page=20, engine=engine)
    context = {
        "results": results,
        "kinds": [k.value for k in SearchKind],
        "kind": kind or "",
        "fiscal_year": fiscal_year,
    }
    return render(request, actor, "search.html", context, json_url="/api/v1/search" + query_string(request))
