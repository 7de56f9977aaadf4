"""A document's original file: kept once, only when it is the file that was parsed; the page cache's bound."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from keikaku.services.context.documents import keep_original
from keikaku.services.context.sources import PageCache
from keikaku.services.core.errors import ValidationError
from keikaku.services.exchange.ingest import DocumentStatus, ingest_documents
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work

DOCUMENT = Path(__file__).resolve().parents[2] / "ingest" / "documents" / "bp_r11_namekeyed.txt"


def _files(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(m.DocumentFile)) or 0


def test_a_document_stored_before_originals_were_kept_gets_its_file_on_the_next_run(engine: Engine) -> None:
    ingest_documents([DOCUMENT], engine=engine)
    with unit_of_work(engine) as session:
        session.execute(delete(m.DocumentFile))  # as a database from before migration 0017 holds it
    again = ingest_documents([DOCUMENT], engine=engine)
    assert again.documents[0].status is DocumentStatus.UNCHANGED
    with read_session(engine) as session:
        row = session.scalar(select(m.DocumentFile))
        assert row is not None and row.content == DOCUMENT.read_bytes() and row.media_type == "text/plain"
    ingest_documents([DOCUMENT], engine=engine)
    assert _files(engine) == 1  # kept once


def test_bytes_that_are_not_the_parsed_documents_are_refused(engine: Engine) -> None:
    ingest_documents([DOCUMENT], engine=engine)
    with unit_of_work(engine) as session:
        session.execute(delete(m.DocumentFile))
    with pytest.raises(ValidationError) as caught, unit_of_work(engine) as session:
        document = session.scalar(select(m.Document))
        assert document is not None
        keep_original(session, document, DOCUMENT.read_bytes() + b"\n", "changed.txt")
    assert caught.value.code == "original_changed" and "changed.txt" in caught.value.message
    assert _files(engine) == 0


def test_the_page_cache_drops_the_least_recently_used_beyond_its_bound() -> None:
    cache = PageCache(max_bytes=10)
    cache.put(("a", 1, None), b"1234")
    cache.put(("b", 1, None), b"5678")
    assert cache.get(("a", 1, None)) == b"1234"  # a is now the most recently used
    cache.put(("c", 1, 3), b"9012")
    assert cache.get(("b", 1, None)) is None and cache.get(("a", 1, None)) == b"1234"
    assert cache.get(("c", 1, 3)) == b"9012" and cache.size == 8
    cache.put(("d", 1, None), b"x" * 11)  # larger than the bound: not kept, nothing dropped for it
    assert cache.get(("d", 1, None)) is None and cache.size == 8
