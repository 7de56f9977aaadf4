"""Pages of the co-creation platform: かんさいラボサーチ (public search with facets and the user's fee) and
the consultation counts anyone may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep, EngineDep, PageQuery
from keikaku.services.platform.cases import case_counts
from keikaku.services.platform.labsearch import UNION_AREA, USER_CATEGORIES, Filters, search
from keikaku.web.render import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=200)]


@router.get("/labsearch", response_class=HTMLResponse)
def labsearch_page(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    q: Text = "",
    prefecture: Text = "",
    institution: Text = "",
    category: Text = "",
    mode: Text = "",
    user_prefecture: Text = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    """Search the institutions' equipment and services (JSON twin: ``/api/v1/labsearch``)."""
    filters = Filters(prefecture, institution, category, mode)
    result = search(q, filters, page=page, user_prefecture=user_prefecture, engine=engine)
    context = {
        "result": result,
        "filters": filters,
        "prefectures": [*sorted(UNION_AREA), "その他"],
        "categories": USER_CATEGORIES,
    }
    return render(request, actor, "labsearch.html", context)


@router.get("/platform", response_class=HTMLResponse)
def platform_counts(
    *, request: Request, engine: EngineDep, actor: ActorDep, fiscal_year: Annotated[int, Query(ge=1989, le=2100)] = 2026
) -> HTMLResponse:
    """延べ件数 and 実数 of the consultations by phase, field, institution and status."""
    return render(request, actor, "platform_counts.html", {"counts": case_counts(fiscal_year, engine=engine)})
