"""A source document's original: its page as an image with the cited line highlighted, and the file itself.

The page showing a document's line in context is ``/documents/{key}`` (:mod:`keikaku.web.routers.browse`);
these are the two files it links to.  Who may see them is who may see the document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.services.context.sources import get_original, get_page_image
from keikaku.services.exchange.exporters import attachment

router = APIRouter(include_in_schema=False)

DocumentKey = Annotated[str, Path(max_length=200)]


@router.get("/documents/{key}/pages/{page}.png")
def page_image(
    key: DocumentKey,
    page: Annotated[int, Path(ge=1, le=100_000)],
    engine: EngineDep,
    actor: ActorDep,
    line: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> Response:
    """Page ``page`` of the original PDF as a PNG, with ``line`` of that page highlighted."""
    png = get_page_image(key, page, line=line, viewer=actor, engine=engine)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})


@router.get("/documents/{key}/original")
def original(key: DocumentKey, engine: EngineDep, actor: ActorDep) -> Response:
    """The original file of the document, as ingested, to download."""
    file = get_original(key, viewer=actor, engine=engine)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": attachment(file.filename), "Cache-Control": "private, max-age=600"},
    )
