"""Scanned PDFs: pages without a text layer go through OCR (ocrmypdf + Tesseract), every fact read there
carries an ``ocr`` warning with its confidence, and without Tesseract the error says how to install it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.conftest import has_cjk_font
from tests.ingest.expected import score
from tests.ingest.facts import SEED_001
from tests.ingest.pdf_layouts import html_pdf, plan_html, with_scanned_pages
from tests.ingest.pdfmaker import make_pdf
from tests.ingest.test_pdf_layout import SEED

from keikaku.ingest.errors import IngestError
from keikaku.ingest.ocr_marks import OCR, _objects
from keikaku.ingest.pipeline import ingest_file
from keikaku.ingest.read.pdf_ocr import tesseract_problem
from keikaku.ingest.read.readers import read_document


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tesseract hidden from PATH (an empty folder is all there is)."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    tesseract_problem.cache_clear()
    yield
    tesseract_problem.cache_clear()


@pytest.mark.skipif(tesseract_problem() is not None, reason="Tesseract with Japanese data is not installed")
@pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")
def test_a_scanned_page_of_a_plan_is_read_by_ocr_and_its_facts_say_so(tmp_path: Path) -> None:
    pdf = html_pdf(plan_html(SEED.read_text(encoding="utf-8")))
    path = tmp_path / "fy2026-page3-scanned.pdf"
    path.write_bytes(with_scanned_pages(pdf, [3]))  # projects ② and ③: department, events, KPIs
    result = ingest_file(path)
    assert result.source.ocr_pages == [3] and result.source.empty_pages == []
    (plan,) = result.data.plans
    found = score(plan, SEED_001)
    assert (found.budgets_exact, found.kpis_exact, found.invented) == (found.budgets, found.kpis, [])
    projects = {p.code: p for p in plan.projects}
    assert projects["2"].departments == ["ライフサイエンス産業振興課"]
    assert [(e.start, e.end) for e in projects["2"].events] == [(SEED_001.projects[1].events[0][:2])]
    warned = {(w.provenance.page, w.provenance.line): w for w in plan.warnings if w.code == OCR and w.provenance}
    on_scan = [o for o in _objects(plan) if o.provenance is not None and o.provenance.page == 3]  # type: ignore[attr-defined]
    assert len(on_scan) >= 5  # projects, KPIs and events read from the scan
    for obj in on_scan:
        warning = warned[(obj.provenance.page, obj.provenance.line)]  # type: ignore[attr-defined]
        assert 0.3 < warning.details["confidence"] <= 1.0 and "信頼度" in warning.message
    assert all(w.provenance is None or w.provenance.page != 3 for w in plan.warnings if w.code != OCR)


def test_without_tesseract_a_scan_is_refused_with_how_to_install_it(tmp_path: Path, no_tesseract: None) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([["本文"]], image_only_pages=frozenset({1})))
    with pytest.raises(IngestError) as caught:
        read_document(path)
    assert caught.value.code == "ocr_unavailable"
    assert "tesseract が見つかりません" in caught.value.message
    assert "apt-get install tesseract-ocr tesseract-ocr-jpn" in caught.value.message


@pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")
def test_without_tesseract_a_partly_scanned_pdf_reads_the_rest_and_says_how(tmp_path: Path, no_tesseract: None) -> None:
    path = tmp_path / "mixed.pdf"
    path.write_bytes(with_scanned_pages(html_pdf(plan_html(SEED.read_text(encoding="utf-8"))), [3]))
    result = ingest_file(path)
    assert result.source.empty_pages == [3] and result.source.ocr_pages == []
    (unread,) = [w for w in result.warnings if w.code == "unread_section" and "3ページ" in w.message]
    assert "tesseract が見つかりません" in unread.message and "tesseract-ocr-jpn" in unread.message
    assert not [w for w in result.warnings if w.code == OCR]
    assert {p.code for p in result.data.plans[0].projects} >= {"1", "4", "5", "9"}
