"""Where a fact came from: a reference to its document's page and line, as every read model shows it.

A citation names what a person holding the printed document needs: the publisher, the title, the page (when
the document has pages we know of: a PDF's page, a text's form feed), and whether the document is a 素案.
The bundled data's documents carry no page: their seed texts have no page breaks, so the page is unknown
rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku.storage import models as m
from keikaku.storage.prepared import Prepared

#: 「素案」 anywhere in a title, or a title ending in （案） / (案): a draft of the document, not the adopted text.
DRAFT_TITLE = re.compile(r"素案|[（(]\s*案\s*[）)]\s*$")


def is_draft_title(title: str | None) -> bool:
    """True when a document's title says it is a draft (素案, （案）)."""
    return bool(title and DRAFT_TITLE.search(title))


@dataclass(frozen=True)
class DocumentLabel:
    """What a citation says of its document: the key provenance uses, title, publisher, and whether a draft."""

    key: str
    title: str | None = None
    issuer: str | None = None
    draft: bool = False
    bundled: bool = False


@dataclass(frozen=True)
class SourceRef:
    """Where a fact came from: the document's key, its line (and page), the short excerpt recorded, and the
    document's title, publisher and draft mark for the citation."""

    document: str
    line: int | None
    page: int | None
    excerpt: str | None
    title: str | None = None
    issuer: str | None = None
    draft: bool = False
    bundled: bool = False

    @property
    def href(self) -> str:
        """The document-context page of this line (on its page, when the document has pages)."""
        query = "&".join(f"{name}={value}" for name, value in (("page", self.page), ("line", self.line)) if value)
        return f"/documents/{self.document}" + (f"?{query}" if query else "") + (f"#L{self.line}" if self.line else "")


#: Read by every page that cites its sources (run on the driver: keikaku.storage.prepared).
_DOCUMENT_LABELS = Prepared(
    select(m.Document.id, m.Document.key, m.Document.title, m.Document.issuer, m.Document.bundled)
)


def document_reads() -> list[tuple[Prepared, dict[str, Any]]]:
    """The read :func:`document_keys` makes, to be read ahead with a page's others."""
    return [(_DOCUMENT_LABELS, {})]


def document_keys(session: Session) -> dict[int, DocumentLabel]:
    """Document row id → what its citations say of it (the key provenance uses, title, publisher)."""
    rows = _DOCUMENT_LABELS.rows(session)
    return {
        row.id: DocumentLabel(row.key, row.title, row.issuer, is_draft_title(row.title), bool(row.bundled))
        for row in rows
    }


def source_of(row: Any, keys: dict[int, DocumentLabel]) -> SourceRef | None:
    """The provenance of a row with provenance columns (None when it records no document)."""
    doc_id = getattr(row, "source_document_id", None)
    if doc_id is None or doc_id not in keys:
        return None
    label = keys[doc_id]
    return SourceRef(
        label.key,
        row.source_line,
        row.source_page,
        row.source_excerpt,
        label.title,
        label.issuer,
        label.draft,
        label.bundled,
    )
