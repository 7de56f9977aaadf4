"""Citations a person holding the printed plan can check (issue 15, Sources).

An ingested PDF keeps its original; a citation names the publisher, the title and the page; the page opens
as an image with the cited line marked; the original downloads byte for byte; a draft plan's document is
for staff only.  The bundled data names its document, publisher and an unknown page; a 素案 says so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops
from sqlalchemy import Engine, select
from tests.ingest.pdfmaker import make_pdf

from keikaku.services.core.actors import PUBLIC, SYSTEM
from keikaku.services.exchange.ingest import DocumentStatus, ingest_documents
from keikaku.services.publication.revisions import publish_plan
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import make_client

DOCUMENTS = Path(__file__).resolve().parents[1] / "ingest" / "documents"
#: make_pdf's layout: A4 (842 pt high), the first baseline at 800 pt, 14 pt between lines.
PAGE_HEIGHT, FIRST_BASELINE, LEADING = 842, 800, 14


@dataclass
class Ingested:
    """A business plan ingested from a PDF: the file, the document key, and one project's citation."""

    pdf: bytes
    key: str
    plan_id: int
    project_id: int
    page: int
    line: int
    excerpt: str


def _pdf_of(text_file: Path) -> bytes:
    """The text document as a PDF with the same pages (its form feeds) and lines."""
    chunks = [chunk for chunk in text_file.read_text(encoding="utf-8").split("\f") if chunk.strip()]
    return make_pdf([chunk.split("\n") for chunk in chunks])


@pytest.fixture
def ingested(engine: Engine, tmp_path: Path) -> Ingested:
    pdf = _pdf_of(DOCUMENTS / "bp_r9_cells.txt")
    path = tmp_path / "令和9年度事業計画.pdf"
    path.write_bytes(pdf)
    report = ingest_documents([path], engine=engine)
    assert [d.status for d in report.documents] == [DocumentStatus.STORED]
    with read_session(engine) as session:
        project = session.scalars(
            select(m.Project).where(m.Project.source_page > 1, m.Project.source_line > 1).order_by(m.Project.id)
        ).first()
        assert project is not None and project.source_document_id is not None
        key = session.scalar(select(m.Document.key).where(m.Document.id == project.source_document_id))
        assert key is not None and project.source_page and project.source_line and project.source_excerpt
        return Ingested(
            pdf, key, project.plan_id, project.id, project.source_page, project.source_line, project.source_excerpt
        )


@pytest.fixture
def staff(engine: Engine) -> Iterator[TestClient]:
    with make_client(engine, SYSTEM) as client:
        yield client


@pytest.fixture
def public(engine: Engine) -> Iterator[TestClient]:
    with make_client(engine, PUBLIC) as client:
        yield client


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_ingesting_keeps_the_original_file(engine: Engine, ingested: Ingested) -> None:
    with read_session(engine) as session:
        row = session.scalar(select(m.DocumentFile).join(m.Document).where(m.Document.key == ingested.key))
        assert row is not None
        assert (row.filename, row.media_type, row.size) == (
            "令和9年度事業計画.pdf",
            "application/pdf",
            len(ingested.pdf),
        )
        assert row.content == ingested.pdf
        audit = session.scalars(select(AuditEntry.after).where(AuditEntry.action == "document.ingest")).all()
    assert [after["original"] for after in audit] == ["令和9年度事業計画.pdf"]


def test_the_citation_names_the_publisher_title_and_page(staff: TestClient, ingested: Ingested) -> None:
    html = staff.get(f"/projects/{ingested.project_id}").text
    link = re.search(r'<a class="source" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link is not None
    href, text = link.group(1).replace("&amp;", "&"), link.group(2)
    assert href == f"/documents/{ingested.key}?page={ingested.page}&line={ingested.line}#L{ingested.line}"
    assert text == f"出典: 関西広域連合 広域産業振興局『令和9年度 広域産業振興局事業計画』{ingested.page}ページ"
    assert "行目" not in text


def test_the_document_page_shows_the_cited_page_and_its_line(staff: TestClient, ingested: Ingested) -> None:
    url = f"/documents/{ingested.key}?page={ingested.page}&line={ingested.line}"
    html = staff.get(url).text
    assert f"{ingested.page}ページ {ingested.line}行目" in html
    assert f'src="/documents/{ingested.key}/pages/{ingested.page}.png?line={ingested.line}"' in html
    assert f'href="/documents/{ingested.key}/original"' in html
    current = re.search(r'<li id="L(\d+)" class="current" aria-current="true" lang="ja">([^<]*)</li>', html)
    assert current is not None and current.group(1) == str(ingested.line)
    assert current.group(2).split() == ingested.excerpt.split()  # the page's own line, not the file's
    api = staff.get(f"/api/v1/documents/{ingested.key}?page={ingested.page}&line={ingested.line}").json()
    assert api["page"] == ingested.page and api["original"]["media_type"] == "application/pdf"
    assert any(f["project_id"] == ingested.project_id for f in api["facts"])


def test_the_page_image_is_that_page_with_the_line_marked(staff: TestClient, ingested: Ingested) -> None:
    base = f"/documents/{ingested.key}/pages/{ingested.page}.png"
    marked = staff.get(f"{base}?line={ingested.line}")
    assert marked.status_code == 200 and marked.headers["content-type"] == "image/png"
    plain = _image(staff.get(base).content)
    image = _image(marked.content)
    assert image.size == plain.size and image.width == 1200
    changed = ImageChops.difference(image, plain).getbbox()
    assert changed is not None, "the cited line is not marked"
    scale = image.width / 595
    baseline = (PAGE_HEIGHT - (FIRST_BASELINE - LEADING * (ingested.line - 1))) * scale
    top, bottom = changed[1], changed[3]
    assert top <= baseline <= bottom + 4 * scale and bottom - top < LEADING * scale * 2  # that line, only
    r, g, b = image.getpixel(((changed[0] + changed[2]) // 2, (top + bottom) // 2))
    assert r > 200 and g > 150 and b < 150  # yellow
    other = _image(staff.get(f"/documents/{ingested.key}/pages/1.png?line={ingested.line}").content)
    assert ImageChops.difference(other, image).getbbox() is not None  # page 1 is another page
    missing = staff.get(f"/documents/{ingested.key}/pages/99.png")
    assert missing.status_code == 404 and "99 ページはありません" in missing.text


def test_the_original_downloads_byte_for_byte(staff: TestClient, ingested: Ingested) -> None:
    response = staff.get(f"/documents/{ingested.key}/original")
    assert response.status_code == 200 and response.content == ingested.pdf
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert "filename*=UTF-8''%E4%BB%A4%E5%92%8C9" in response.headers["content-disposition"]


def test_a_draft_plans_document_is_for_staff_until_published(
    engine: Engine, public: TestClient, staff: TestClient, ingested: Ingested
) -> None:
    urls = [
        f"/documents/{ingested.key}?page={ingested.page}&line={ingested.line}",
        f"/documents/{ingested.key}/pages/{ingested.page}.png?line={ingested.line}",
        f"/documents/{ingested.key}/original",
    ]
    assert [public.get(u).status_code for u in urls] == [404, 404, 404]
    assert [staff.get(u).status_code for u in urls] == [200, 200, 200]
    publish_plan(SYSTEM, ingested.plan_id, reason="公表", engine=engine)
    assert [public.get(u).status_code for u in urls] == [200, 200, 200]
    assert public.get(urls[2]).content == ingested.pdf


def test_a_text_documents_page_comes_from_its_form_feeds(engine: Engine, staff: TestClient, tmp_path: Path) -> None:
    source = DOCUMENTS / "bp_r11_namekeyed.txt"
    text = source.read_text(encoding="utf-8")
    ingest_documents([source], engine=engine)
    with read_session(engine) as session:
        project = session.scalars(select(m.Project).where(m.Project.source_page > 1)).first()
        assert project is not None and project.source_line is not None
        line, page, project_id, excerpt = project.source_line, project.source_page, project.id, project.source_excerpt
    # The page is the number of form feeds before the line, plus one (the file's lines are counted through).
    assert page == 1 + text[: _offset_of_line(text, line)].count("\f")
    html = staff.get(f"/projects/{project_id}").text
    assert f"{page}ページ</a>" in html
    document = staff.get(f"/documents/{_key_of(engine, project_id)}?page={page}&line={line}").text
    assert "原本をダウンロード" in document and 'class="source-page"' not in document  # a text has no page image
    current = re.search(r'<li id="L(\d+)" class="current" aria-current="true" lang="ja">([^<]*)</li>', document)
    assert current is not None and current.group(1) == str(line)
    assert excerpt and current.group(2).split() == excerpt.split()  # the file's line, form feeds not counted


def _offset_of_line(text: str, line: int) -> int:
    """Where line ``line`` of the file starts, counting lines as the reader does (a form feed ends none)."""
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset


def _key_of(engine: Engine, project_id: int) -> str:
    with read_session(engine) as session:
        key = session.scalar(
            select(m.Document.key)
            .join(m.Project, m.Project.source_document_id == m.Document.id)
            .where(m.Project.id == project_id)
        )
    assert key is not None
    return key


def test_the_bundled_citation_names_document_publisher_and_an_unknown_page(public_client: TestClient) -> None:
    plans = public_client.get("/api/v1/plans").json()["items"]
    plan = next(p for p in plans if p["fiscal_year"] == 2026)
    html = public_client.get(f"/plans/{plan['id']}").text
    assert "出典: 関西広域連合 広域産業振興局『令和8年度 広域産業振興局事業計画』ページ不明" in html
    key = "001_0dab7330ada36a72"
    page = public_client.get(f"/documents/{key}?line=96").text
    assert "ページ不明（同梱データの元テキストに改ページの情報がないため" in page
    assert "同梱データの出典です" in page and "/original" not in page
    missing = public_client.get(f"/documents/{key}/original")
    assert missing.status_code == 404 and "原本は保存されていません" in missing.text


def test_a_citation_of_a_draft_document_says_so(public_client: TestClient) -> None:
    tree = public_client.get("/tree").text
    vision = re.findall(r'<a class="source" href="/documents/004_9fbeadb188289702[^"]*"[^>]*>(.*?)</a>', tree)
    assert vision and all('<span class="badge badge-draft">素案</span>' in link for link in vision)
    plan = re.findall(
        r'<a class="source" href="/documents/002_59a1d7412250158a[^"]*"[^>]*>(.*?)</a>',
        public_client.get("/action-plan").text,
    )
    assert plan and not any("素案" in link for link in plan)  # the action plan is the adopted text
    page = public_client.get("/documents/004_9fbeadb188289702").text
    assert "この文書は素案です" in page
