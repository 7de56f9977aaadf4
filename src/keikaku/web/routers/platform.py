"""Pages of the co-creation platform: かんさいラボサーチ (public search with facets and the user's fee, and its
own access count), the consultation counts anyone may see, and binding the platform's KPIs to their
measures.  The staff pages of cases and interviews are :mod:`keikaku.web.routers.platform_cases`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from keikaku.api.deps import ActorDep, EngineDep, LabsearchQueryDep
from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.services.core.actors import Permission
from keikaku.services.measures.compute import bind_and_compute, compute_kpi
from keikaku.services.measures.coverage import kpi_coverage
from keikaku.services.measures.definitions import KIND_LABELS, PLATFORM_KINDS, current_measure
from keikaku.services.platform.accesses import access_counts, record_view
from keikaku.services.platform.cases import case_counts
from keikaku.services.platform.common import can_view_cases, fiscal_year_of
from keikaku.services.platform.labsearch import UNION_AREA, USER_CATEGORIES, search
from keikaku.web.render import render
from keikaku.web.routers import platform_cases

router = APIRouter(include_in_schema=False)
router.include_router(platform_cases.router)

Year = Annotated[int, Query(ge=MIN_FISCAL_YEAR, le=MAX_FISCAL_YEAR)]


@router.get("/labsearch", response_class=HTMLResponse)
def labsearch_page(
    *,
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    query: LabsearchQueryDep,
) -> HTMLResponse:
    """Search the institutions' equipment and services (JSON twin: ``/api/v1/labsearch``); the view is counted
    unless it is a bot's or signed-in staff's."""
    result = search(query.q, query.filters, page=query.page, user_prefecture=query.user_prefecture, engine=engine)
    record_view(
        "/labsearch",
        actor=actor,
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        engine=engine,
    )
    context = {
        "result": result,
        "filters": query.filters,
        "prefectures": [*sorted(UNION_AREA), "その他"],
        "categories": USER_CATEGORIES,
        "accesses": access_counts(fiscal_year_of(dt.date.today()), engine=engine),
    }
    return render(request, actor, "labsearch.html", context)


@router.get("/platform", response_class=HTMLResponse)
def platform_counts(*, request: Request, engine: EngineDep, actor: ActorDep, fiscal_year: Year = 2026) -> HTMLResponse:
    """延べ件数 and 実数 of the consultations by phase, field, institution and status; the portal's accesses;
    for those who record actuals, the form binding a KPI to a platform measure."""
    can_bind = actor.can_anywhere(Permission.RECORD_ACTUAL)
    context = {
        "counts": case_counts(fiscal_year, engine=engine),
        "accesses": access_counts(fiscal_year, engine=engine),
        "staff": can_view_cases(actor),
        "can_bind": can_bind,
        "coverage": kpi_coverage(fiscal_year, viewer=actor, engine=engine) if can_bind else None,
        "kinds": [(k, KIND_LABELS[k]) for k in PLATFORM_KINDS],
    }
    return render(request, actor, "platform_counts.html", context)


@router.post("/platform/measures")
def platform_measure(
    *,
    engine: EngineDep,
    actor: ActorDep,
    kpi_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    kind: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    """Bind a KPI to a platform measure (unless it is bound to it already) and compute it; then its measure page."""
    current = current_measure(kpi_id, engine=engine)
    if current is None or current.kind != kind:
        bind_and_compute(kpi_id, kind, [], actor=actor, engine=engine)  # one transaction
    else:
        compute_kpi(kpi_id, actor=actor, engine=engine)
    return RedirectResponse(f"/kpis/{kpi_id}/measure", status_code=303)
