"""Where a fact came from: a reference to its document's line, as every read model shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku.storage import models as m


@dataclass(frozen=True)
class SourceRef:
    """Where a fact came from: the document's key, its line (and page), and the short excerpt recorded."""

    document: str
    line: int | None
    page: int | None
    excerpt: str | None


def document_keys(session: Session) -> dict[int, str]:
    """Document row id → the key provenance uses."""
    return {row.id: row.key for row in session.execute(select(m.Document.id, m.Document.key))}


def source_of(row: Any, keys: dict[int, str]) -> SourceRef | None:
    """The provenance of a row with provenance columns (None when it records no document)."""
    doc_id = getattr(row, "source_document_id", None)
    if doc_id is None or doc_id not in keys:
        return None
    return SourceRef(keys[doc_id], row.source_line, row.source_page, row.source_excerpt)
