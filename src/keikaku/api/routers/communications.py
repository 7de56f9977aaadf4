"""``/api/v1`` communications: a property's monthly page views, a directory's firms, the visit destinations
(the pages' JSON twins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from keikaku.api.deps import EngineDep
from keikaku.api.schemas.communications import (
    DirectoryPublic,
    ListedFirmPublic,
    MonthFigurePublic,
    PropertyMonthsPublic,
    VisitPublic,
    VisitsPublic,
)
from keikaku.services.communications.analytics import monthly_figures
from keikaku.services.communications.directories import search_directory
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.communications.visits import VISITS_NAME, search_visits
from keikaku.services.core.actors import PUBLIC

router = APIRouter(tags=["広報"])

Code = Annotated[str, Path(max_length=40, description="コード")]


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
) -> DirectoryPublic:
    """A directory's firms matching the search words (folded as the site's search) and the chosen facet
    values, with the counts per prefecture, industry and award."""
    firms, facets = search_directory(directory, q, prefecture=prefecture, industry=industry, award=award, engine=engine)
    return DirectoryPublic(
        code=directory,
        name=DIRECTORIES[directory],
        firms=[ListedFirmPublic.model_validate(f) for f in firms],
        facets=facets,
    )


@router.get("/visit-destinations", response_model=VisitsPublic, summary="産業視察先")
def visit_destinations(
    engine: EngineDep,
    q: Annotated[str, Query(max_length=200, description="検索語")] = "",
    prefecture: Annotated[str | None, Query(max_length=20, description="府県")] = None,
    languages: Annotated[str | None, Query(max_length=40, description="対応言語")] = None,
) -> VisitsPublic:
    """The visit destinations matching the search words and the chosen prefecture and language, with the
    counts per prefecture and language (no contacts: they are the staff's)."""
    visits, facets = search_visits(q, prefecture=prefecture, language=languages, viewer=PUBLIC, engine=engine)
    return VisitsPublic(name=VISITS_NAME, visits=[VisitPublic.model_validate(v) for v in visits], facets=facets)
