"""``/api/v1`` communications: a property's monthly page views, a directory's firms (the pages' JSON twins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from keikaku.api.deps import EngineDep
from keikaku.api.schemas.communications import (
    DirectoryPublic,
    ListedFirmPublic,
    MonthFigurePublic,
    PropertyMonthsPublic,
)
from keikaku.services.communications.analytics import monthly_figures
from keikaku.services.communications.directories import search_directory
from keikaku.services.communications.figures import DIRECTORIES

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
def directory(
    directory: Code,
    engine: EngineDep,
    q: Annotated[str, Query(max_length=200, description="検索語")] = "",
    prefecture: Annotated[str | None, Query(max_length=20, description="府県")] = None,
) -> DirectoryPublic:
    """A directory's firms matching the search words (folded as the site's search), with a prefecture facet."""
    firms, facets = search_directory(directory, q, prefecture=prefecture, engine=engine)
    return DirectoryPublic(
        code=directory,
        name=DIRECTORIES[directory],
        firms=[ListedFirmPublic.model_validate(f) for f in firms],
        facets=facets,
    )
