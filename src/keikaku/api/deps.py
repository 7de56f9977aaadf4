"""Typed dependencies the routers of the pages and of the API share: the engine, the acting user, ids, years."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine

from keikaku.api.auth import request_auth_async
from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.services.core.actors import Actor
from keikaku.services.platform.labsearch import Filters

#: Bounds that keep ids and years within what both databases store (schemathesis sends anything).
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = MIN_FISCAL_YEAR, MAX_FISCAL_YEAR


# The dependencies are async (they wait for nothing, or for a thread only when they must): FastAPI runs a
# sync dependency in its thread pool, a round trip per dependency per request.


async def get_engine(request: Request) -> Engine | None:
    """The app's engine (None: the configured database)."""
    engine: Engine | None = request.app.state.settings.engine
    return engine


async def get_actor(request: Request) -> Actor:
    """Who the request acts as: an API token's user, the logged-in user, or the public (see :mod:`.auth`)."""
    return (await request_auth_async(request)).actor


EngineDep = Annotated[Engine | None, Depends(get_engine)]
ActorDep = Annotated[Actor, Depends(get_actor)]

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="ID")]
FiscalYearQuery = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="年度（西暦、例: 2026）")]
ChallengeQuery = Annotated[int | None, Query(ge=1, le=99, description="関西チャレンジの番号")]
DepartmentQuery = Annotated[str | None, Query(max_length=200, description="担当課")]
StatusQuery = Annotated[
    str | None, Query(max_length=20, description="状態（達成・概ね達成・未達・未測定・判定不能、または英語のコード）")
]
IssuerQuery = Annotated[str | None, Query(max_length=200, description="発行者（既定: 関西広域連合）")]
PageQuery = Annotated[int, Query(ge=1, le=100_000, description="ページ")]
PerPageQuery = Annotated[int, Query(ge=1, le=100, description="1ページの件数")]


@dataclass(frozen=True)
class ProjectFilters:
    """The filters of a table of projects (a plan's, or across an issuer's plans), as the web page and its JSON
    twin both take them: the challenge, the department, the status."""

    challenge: int | None = None
    department: str | None = None
    status: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The filters as the read services' keyword arguments."""
        return asdict(self)


async def project_filters(
    challenge: ChallengeQuery = None, department: DepartmentQuery = None, status: StatusQuery = None
) -> ProjectFilters:
    """The filters of the query string."""
    return ProjectFilters(challenge, department, status)


ProjectFiltersDep = Annotated[ProjectFilters, Depends(project_filters)]


LabText = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class LabsearchQuery:
    """A かんさいラボサーチ search as the page ``/labsearch`` and its JSON twin both take it: the words, the
    facet filters, the user's prefecture (for the fee) and the page."""

    q: str
    filters: Filters
    user_prefecture: str
    page: int


async def labsearch_query(
    *,
    q: LabText = "",
    prefecture: LabText = "",
    institution: LabText = "",
    category: LabText = "",
    mode: LabText = "",
    user_prefecture: LabText = "",
    page: PageQuery = 1,
) -> LabsearchQuery:
    """The search of the query string."""
    return LabsearchQuery(q, Filters(prefecture, institution, category, mode), user_prefecture, page)


LabsearchQueryDep = Annotated[LabsearchQuery, Depends(labsearch_query)]
