"""``/api/v1/search`` and ``/api/v1/documents``: search across everything, and a document's line in context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from keikaku.api.deps import ActorDep, ChallengeQuery, EngineDep, FiscalYearQuery, PageQuery, PerPageQuery
from keikaku.api.schemas.search import DocumentPublic, SearchResultsPublic
from keikaku.api.serialise import json_of
from keikaku.services.context.documents import get_document_context
from keikaku.services.search.query import search

router = APIRouter(tags=["検索・出典"])

Query_ = Annotated[
    str, Query(max_length=200, description="検索語（2文字の語も可。全角・半角、カタカナ・ひらがなの違いは同一視）")
]
Kind = Annotated[str | None, Query(max_length=20, description="種類（project, plan, initiative, theme …）")]
DocumentKey = Annotated[str, Path(max_length=200, description="文書の ID")]
Line = Annotated[int | None, Query(ge=1, le=10_000_000, description="行番号")]
Page = Annotated[int | None, Query(ge=1, le=100_000, description="ページ番号（PDF の行番号はページ内の番号）")]


@router.get("/search", response_model=SearchResultsPublic, summary="検索")
async def search_all(
    *,
    engine: EngineDep,
    actor: ActorDep,
    q: Query_ = "",
    kind: Kind = None,
    fiscal_year: FiscalYearQuery = None,
    challenge: ChallengeQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
) -> Response:
    """Ranked results: title matches first, then the vision and partners, the union's, newest first."""
    return await json_of(
        SearchResultsPublic,
        lambda: search(
            q,
            viewer=actor,
            kind=kind,
            fiscal_year=fiscal_year,
            challenge=challenge,
            page=page,
            per_page=per_page,
            engine=engine,
        ),
        engine,
    )


@router.get("/documents/{key}", response_model=DocumentPublic, summary="出典文書")
def document(
    key: DocumentKey, engine: EngineDep, actor: ActorDep, line: Line = None, page: Page = None
) -> DocumentPublic:
    """A source document; with ``line`` (and ``page``), that line among its neighbours and the facts taken from it."""
    return DocumentPublic.model_validate(get_document_context(key, viewer=actor, line=line, page=page, engine=engine))
