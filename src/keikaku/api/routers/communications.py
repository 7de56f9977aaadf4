"""``/api/v1`` communications: a property's monthly page views, a page of a directory's firms, a firm's
counts, the visit destinations (the pages' JSON twins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from keikaku.api.deps import EngineDep, Id, PageQuery, PerPageQuery
from keikaku.api.schemas.communications import (
    DirectoryPublic,
    FirmPagePublic,
    ListedFirmPublic,
    MonthFigurePublic,
    PropertyMonthsPublic,
    VisitPublic,
    VisitsPublic,
)
from keikaku.services.communications.analytics import monthly_figures
from keikaku.services.communications.directories import PER_PAGE as FIRMS_PER_PAGE
from keikaku.services.communications.directories import search_directory
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.communications.firms import firm_page
from keikaku.services.communications.visits import PER_PAGE as VISITS_PER_PAGE
from keikaku.services.communications.visits import VISITS_NAME, search_visits
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.paging import Paged

router = APIRouter(tags=["広報"])

Code = Annotated[str, Path(max_length=40, description="コード")]


def _where(paged: Paged[Any]) -> dict[str, int]:
    """Where a page sits in its list (the fields of PageMetaPublic)."""
    return {"total": paged.total, "page": paged.page, "per_page": paged.per_page, "pages": paged.pages}


@router.get(
    "/communications/properties/{property_code}/months", response_model=PropertyMonthsPublic, summary="月別閲覧数"
)
def property_months(property_code: Code, engine: EngineDep) -> PropertyMonthsPublic:
    """A web property's page views and sessions per month."""
    prop, months = monthly_figures(property_code, engine=engine)
    return PropertyMonthsPublic(
        code=prop.code, name=prop.name, months=[MonthFigurePublic.model_validate(m) for m in months]
    )


@router.get("/directories/{directory}", response_model=DirectoryPublic, summary="企業名簿")
def directory(  # noqa: PLR0917 - a route's path, engine and query parameters
    directory: Code,
    engine: EngineDep,
    q: Annotated[str, Query(max_length=200, description="検索語")] = "",
    prefecture: Annotated[str | None, Query(max_length=20, description="府県")] = None,
    industry: Annotated[str | None, Query(max_length=200, description="業種")] = None,
    award: Annotated[str | None, Query(max_length=200, description="受賞・選定")] = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = FIRMS_PER_PAGE,
) -> DirectoryPublic:
    """A page of a directory's firms matching the search words (folded as the site's search) and the chosen
    facet values, with the total and the counts per prefecture, industry and award over every match."""
    firms, facets = search_directory(
        directory,
        q,
        prefecture=prefecture,
        industry=industry,
        award=award,
        page=page,
        per_page=per_page,
        engine=engine,
    )
    return DirectoryPublic(
        code=directory,
        name=DIRECTORIES[directory],
        firms=[ListedFirmPublic.model_validate(f) for f in firms.items],
        facets=facets,
        **_where(firms),
    )


@router.get("/firms/{entry_id}", response_model=FirmPagePublic, summary="掲載企業")
def firm(entry_id: Id, engine: EngineDep) -> FirmPagePublic:
    """A listed firm: its facts, the directories listing it, the counts of its consultations (never their
    contents), events, registrations, meetings and interviews, and its database listings."""
    return FirmPagePublic.model_validate(firm_page(entry_id, engine=engine))


@router.get("/visit-destinations", response_model=VisitsPublic, summary="産業視察先")
def visit_destinations(  # noqa: PLR0917 - a route's engine and query parameters
    engine: EngineDep,
    q: Annotated[str, Query(max_length=200, description="検索語")] = "",
    prefecture: Annotated[str | None, Query(max_length=20, description="府県")] = None,
    languages: Annotated[str | None, Query(max_length=40, description="対応言語")] = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = VISITS_PER_PAGE,
) -> VisitsPublic:
    """A page of the visit destinations matching the search words and the chosen prefecture and language,
    with the total and the counts per prefecture and language over every match (no contacts: they are the
    staff's)."""
    found, facets = search_visits(
        q, prefecture=prefecture, language=languages, page=page, per_page=per_page, viewer=PUBLIC, engine=engine
    )
    return VisitsPublic(
        name=VISITS_NAME,
        visits=[VisitPublic.model_validate(v) for v in found.items],
        facets=facets,
        **_where(found),
    )
