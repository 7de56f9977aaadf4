"""Schemas every part of the API uses: errors, provenance, pages of lists."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, computed_field


def _aware(value: dt.datetime) -> dt.datetime:
    """A moment with its offset: SQLite hands back stored UTC times without one."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


#: A moment, always with its UTC offset in JSON (RFC 3339).
Moment = Annotated[dt.datetime, AfterValidator(_aware)]


class PublicModel(BaseModel):
    """Base of response schemas: built from the services' dataclasses by attribute."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetailPublic(BaseModel):
    """An error: a stable machine-readable ``code`` and a message for people (Japanese)."""

    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorPublic(BaseModel):
    """The body of every error response."""

    error: ErrorDetailPublic


class SourcePublic(PublicModel):
    """Where a fact came from, with the document's title and publisher (``draft``: the document is a 素案,
    ``bundled``: a source of the bundled data, whose page is unknown); ``href`` is the page showing that line
    of the document in context."""

    document: str
    line: int | None
    page: int | None
    excerpt: str | None
    title: str | None = None
    issuer: str | None = None
    draft: bool = False
    bundled: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def href(self) -> str:
        """The document-context page of this line (on its page, when the document has pages)."""
        query = "&".join(f"{name}={value}" for name, value in (("page", self.page), ("line", self.line)) if value)
        return f"/documents/{self.document}" + (f"?{query}" if query else "") + (f"#L{self.line}" if self.line else "")


class PageMetaPublic(PublicModel):
    """Where a page sits in a longer list."""

    total: int
    page: int
    per_page: int
    pages: int


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorPublic, "description": "不正なリクエスト"},
    404: {"model": ErrorPublic, "description": "見つかりません"},
    413: {"model": ErrorPublic, "description": "リクエストが大きすぎます"},
    422: {"model": ErrorPublic, "description": "入力値が不正です"},
    503: {"model": ErrorPublic, "description": "データベースを利用できません"},
}
