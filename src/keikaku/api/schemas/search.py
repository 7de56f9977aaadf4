"""Schemas of search results and of the source documents they and every fact cite (a document's schemas take
their fields from the read models of :mod:`keikaku.services.context.documents`)."""

from __future__ import annotations

from pydantic import computed_field

from keikaku.api.schemas.common import PublicModel
from keikaku.services.context import documents
from keikaku.services.search.marks import Segment
from keikaku.services.search.query import SearchHit


class SegmentPublic(PublicModel, read_model=Segment):
    """A piece of text; ``match`` marks what matched the query."""


_HREFS = {
    "vision": "/tree",
    "target": "/tree",
    "challenge": "/tree",
    "theme": "/action-plan",
    "initiative": "/partners/initiatives/{id}",
    "plan": "/plans/{id}",
    "project": "/projects/{id}",
    "component": "/projects/{id}",
}


class SearchHitPublic(PublicModel, read_model=SearchHit):
    """A search result."""

    kind: str  # text in the API, not the SearchKind enumeration
    ref_id: int  # named here for href below (the type checker sees no field read_model= adds)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def href(self) -> str:
        """The page of the result."""
        if self.kind == "document":
            return "/downloads"
        return _HREFS.get(self.kind, "/").format(id=self.ref_id)


class SearchResultsPublic(PublicModel):
    """A page of ranked results; ``total`` stops at 1,000 (``total_capped``)."""

    query: str
    words: list[str]
    hits: list[SearchHitPublic]
    total: int
    total_capped: bool
    page: int
    per_page: int
    pages: int
    index_complete: bool


class ContextLinePublic(PublicModel, read_model=documents.ContextLine):
    """A line of a document."""


class FactPublic(PublicModel, read_model=documents.Fact):
    """A fact taken from a line."""


class OriginalFilePublic(PublicModel, read_model=documents.OriginalFile):
    """The original file of a document, as ingested (``href`` downloads it)."""


class DocumentPublic(PublicModel, read_model=documents.DocumentContext):
    """A source document and (with a line) that line in context and the facts taken from it; ``draft`` is true
    for a 素案, ``original`` is null when the file is not stored (the bundled data)."""
