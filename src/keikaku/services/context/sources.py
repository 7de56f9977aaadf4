"""Reads of a source document's original: the file to download, and a page of it as an image with the cited
line highlighted.

Who may read them is who may read the document (:meth:`Visibility.document_visible`): a document that is
the source of draft plans only is for staff until one of its plans is published.  Rendered pages are kept in
a bounded in-memory cache keyed by the file's SHA-256, so a page cited from many KPIs is rendered once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.ingest.read.pdf_render import PageRenderError, render_page
from keikaku.ingest.read.source import LINE_BREAK
from keikaku.services.context.documents import PDF
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

#: The rendered pages kept in memory, in bytes (a page is 100–400 kB as PNG).
CACHE_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class OriginalDownload:
    """A document's original file as it was ingested."""

    filename: str
    media_type: str
    content: bytes


class PageCache:
    """Rendered pages, least recently used first out, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int, int | None], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int | None]) -> bytes | None:
        """The cached PNG for ``key``, marked as just used; None when not cached."""
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
            return png

    def put(self, key: tuple[str, int, int | None], png: bytes) -> None:
        """Keep ``png``, dropping the least recently used pages beyond the bound (a page larger than the
        bound is not kept)."""
        if len(png) > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                self._size -= len(self._items.pop(key))
            self._items[key] = png
            self._size += len(png)
            while self._size > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    @property
    def size(self) -> int:
        """The bytes kept."""
        return self._size


PAGES = PageCache(CACHE_BYTES)


def _visible_document(session: Session, key: str, viewer: Actor) -> m.Document:
    doc = session.scalar(select(m.Document).where(m.Document.key == key))
    if doc is None or not visibility_for(viewer).document_visible(session, doc.id):
        raise NotFoundError(f"文書「{key}」はありません", code="document_not_found")
    return doc


def _no_original(key: str) -> NotFoundError:
    return NotFoundError(
        f"文書「{key}」の原本は保存されていません（同梱データ、または原本保存の前に取り込まれた文書です）",
        code="original_not_stored",
    )


def get_original(key: str, *, viewer: Actor, engine: Engine | None = None) -> OriginalDownload:
    """The original file of the document ``key``; NotFoundError when the document is hidden from ``viewer``
    or its original is not stored."""
    with read_session(checked_engine(engine)) as session:
        doc = _visible_document(session, key, viewer)
        row = session.scalar(select(m.DocumentFile).where(m.DocumentFile.document_id == doc.id))
        if row is None:
            raise _no_original(key)
        return OriginalDownload(row.filename, row.media_type, row.content)


def _page_line(text: str | None, page: int, line: int | None) -> str | None:
    """The stored text of line ``line`` of page ``page`` (pages joined by form feeds), if there is one."""
    if text is None or line is None:
        return None
    pages = text.split("\f")
    if page > len(pages):
        return None
    lines = LINE_BREAK.split(pages[page - 1])
    return lines[line - 1] if 1 <= line <= len(lines) else None


def get_page_image(
    key: str, page: int, *, viewer: Actor, line: int | None = None, engine: Engine | None = None
) -> bytes:
    """Page ``page`` of the document ``key``'s original PDF as a PNG, with line ``line`` of that page
    highlighted; NotFoundError when hidden, not stored, not a PDF, or past the last page."""
    if not 1 <= page <= 100_000:
        raise ValidationError("ページ番号は 1 以上で指定してください", code="invalid_page")
    if line is not None and not 1 <= line <= 10_000_000:
        raise ValidationError("行番号は 1 以上で指定してください", code="invalid_line")
    with read_session(checked_engine(engine)) as session:
        doc = _visible_document(session, key, viewer)
        found = session.execute(
            select(m.DocumentFile.id, m.DocumentFile.sha256, m.DocumentFile.media_type).where(
                m.DocumentFile.document_id == doc.id
            )
        ).first()
        if found is None:
            raise _no_original(key)
        if found.media_type != PDF:
            raise NotFoundError(
                f"文書「{key}」の原本は PDF ではないため、ページを画像で表示できません", code="original_not_pdf"
            )
        cache_key = (found.sha256, page, line)
        cached = PAGES.get(cache_key)
        if cached is not None:
            return cached
        content = session.scalar(select(m.DocumentFile.content).where(m.DocumentFile.id == found.id))
        expected = _page_line(doc.text, page, line)
    assert content is not None
    try:
        rendered = render_page(content, page, line=line, expected=expected)
    except PageRenderError as exc:
        if exc.code == "no_such_page":
            raise NotFoundError(
                f"文書「{key}」に {page} ページはありません（全 {exc.pages} ページ）", code="page_not_found"
            ) from None
        raise NotFoundError(f"文書「{key}」の原本 PDF を表示できません", code="original_unreadable") from None
    PAGES.put(cache_key, rendered.png)
    return rendered.png
