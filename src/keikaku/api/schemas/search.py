"""Schemas of search results and of the source documents they and every fact cite."""

from __future__ import annotations

from pydantic import computed_field

from keikaku.api.schemas.common import PublicModel


class SegmentPublic(PublicModel):
    """A piece of text; ``match`` marks what matched the query."""

    text: str
    match: bool


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


class SearchHitPublic(PublicModel):
    """A search result."""

    kind: str
    ref_id: int
    title: str
    title_segments: list[SegmentPublic]
    snippet: list[SegmentPublic]
    context: str | None
    fiscal_year: int | None
    issuer: str | None
    in_title: bool

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


class ContextLinePublic(PublicModel):
    """A line of a document."""

    line: int
    text: str


class FactPublic(PublicModel):
    """A fact taken from a line."""

    kind: str
    name: str
    excerpt: str | None
    project_id: int | None
    kpi_id: int | None


class OriginalFilePublic(PublicModel):
    """The original file of a document, as ingested (``href`` downloads it)."""

    filename: str
    media_type: str
    size: int


class DocumentPublic(PublicModel):
    """A source document and (with a line) that line in context and the facts taken from it; ``draft`` is true
    for a 素案, ``original`` is null when the file is not stored (the bundled data)."""

    key: str
    title: str | None
    issuer: str | None
    kind: str
    fiscal_year: int | None
    published: str | None
    lines: int | None
    has_text: bool
    line: int | None
    page: int | None
    pages: int | None
    draft: bool
    bundled: bool
    original: OriginalFilePublic | None
    context: list[ContextLinePublic]
    facts: list[FactPublic]
