"""Source-page benchmark: rendering a cited page of an ingested PDF as a PNG with its line marked.

Run from the project root: ``.venv/bin/python bench/bench_source_pages.py``.  Prints its figures; asserts nothing.

The PDF is a business plan laid out by WeasyPrint from ``tests/ingest/documents/bp_r10_cells.html`` (real
fonts, so the glyphs are drawn), ingested into a fresh SQLite database.  Figures:

* cold: the page rendered (the original read from the database, PDFium, the highlight, PNG encoding),
  per page, best and median over the document's pages;
* warm: the same call answered from the in-memory cache (visibility still checked in the database);
* the PNG sizes, which bound how many pages the cache holds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    import weasyprint
    from sqlalchemy import select

    from keikaku.services.context import sources
    from keikaku.services.core.actors import SYSTEM
    from keikaku.services.exchange.ingest import ingest_documents
    from keikaku.storage import models as m
    from keikaku.storage.engine import make_engine
    from keikaku.storage.migrate import upgrade
    from keikaku.storage.uow import read_session

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "bp_r10_cells.pdf"
        weasyprint.HTML(filename=str(ROOT / "tests" / "ingest" / "documents" / "bp_r10_cells.html")).write_pdf(str(pdf))
        engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
        upgrade(engine)
        started = time.perf_counter()
        ingest_documents([pdf], engine=engine)
        ingest_seconds = time.perf_counter() - started
        pdf_bytes = pdf.stat().st_size
        with read_session(engine) as session:
            doc = session.scalar(select(m.Document))
            assert doc is not None and doc.pages
            key, pages = doc.key, doc.pages
            cited = dict(
                session.execute(
                    select(m.Kpi.source_page, m.Kpi.source_line).where(m.Kpi.source_document_id == doc.id)
                ).all()
            )
        cold: list[float] = []
        warm: list[float] = []
        sizes: list[int] = []
        for page in range(1, pages + 1):
            line = cited.get(page, 1)
            sources.PAGES = sources.PageCache(sources.CACHE_BYTES)
            started = time.perf_counter()
            png = sources.get_page_image(key, page, line=line, viewer=SYSTEM, engine=engine)
            cold.append(time.perf_counter() - started)
            sizes.append(len(png))
            started = time.perf_counter()
            sources.get_page_image(key, page, line=line, viewer=SYSTEM, engine=engine)
            warm.append(time.perf_counter() - started)
        engine.dispose()
    print(f"document: {pdf_bytes / 1024:.0f} KB, {pages} pages; ingest {ingest_seconds * 1000:.0f} ms")
    print(f"cold render: best {min(cold) * 1000:.1f} ms, median {statistics.median(cold) * 1000:.1f} ms per page")
    print(f"warm (cache): best {min(warm) * 1000:.2f} ms, median {statistics.median(warm) * 1000:.2f} ms per page")
    print(
        f"PNG: median {statistics.median(sizes) / 1024:.0f} KB, largest {max(sizes) / 1024:.0f} KB;"
        f" the {sources.CACHE_BYTES // (1024 * 1024)} MB cache holds about {sources.CACHE_BYTES // max(sizes)} pages"
    )


if __name__ == "__main__":
    main()
