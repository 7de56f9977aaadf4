"""The report PDF is tagged (PDF/UA-1): a screen reader gets its language, title and structure.

Read back with pdfium, as a reader would: the catalogue, then the structure tree of every page.
"""

import ctypes
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdfium2 import raw
from sqlalchemy import Engine

from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.reports import render_report

ACTOR = Actor("評価担当", frozenset({Role.BUREAU_ADMIN}))


def _wide(read: Callable[[Any, int], int]) -> str:
    """A UTF-16LE string from a pdfium getter that answers the size it needs when given no buffer."""
    size = read(None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    read(buffer, size)
    return buffer.raw[: size - 2].decode("utf-16-le")


def _elements(element: Any) -> Iterator[Any]:
    yield element
    for i in range(raw.FPDF_StructElement_CountChildren(element)):
        child = raw.FPDF_StructElement_GetChildAtIndex(element, i)
        if child:
            yield from _elements(child)


def _structure(pdf: pdfium.PdfDocument) -> tuple[Counter[str], list[str]]:
    """How many structure elements of each type the pages hold, and the alternative texts of the figures."""
    types: Counter[str] = Counter()
    alts: list[str] = []
    for index in range(len(pdf)):
        page = pdf[index]
        tree = raw.FPDF_StructTree_GetForPage(page.raw)
        try:
            for i in range(raw.FPDF_StructTree_CountChildren(tree)):
                for element in _elements(raw.FPDF_StructTree_GetChildAtIndex(tree, i)):
                    kind = _wide(lambda buf, n, e=element: raw.FPDF_StructElement_GetType(e, buf, n))
                    types[kind] += 1
                    if kind == "Figure":
                        alts.append(_wide(lambda buf, n, e=element: raw.FPDF_StructElement_GetAltText(e, buf, n)))
        finally:
            raw.FPDF_StructTree_Close(tree)
            page.close()
    return types, alts


def _objects(content: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated: the catalogue sits in a compressed object stream."""
    inflated = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, flags=re.S):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(inflated)


@pytest.fixture
def evaluation_bytes(sqlite_loaded_engine: Engine) -> bytes:
    rendered = render_report(
        "evaluation", {"fiscal_year": 2026, "format": "pdf"}, actor=ACTOR, engine=sqlite_loaded_engine
    )
    return rendered.content


@pytest.fixture
def evaluation_pdf(evaluation_bytes: bytes) -> Iterator[pdfium.PdfDocument]:
    pdf = pdfium.PdfDocument(evaluation_bytes)
    yield pdf
    pdf.close()


def test_the_evaluation_pdf_is_marked_tagged_and_in_japanese(
    evaluation_bytes: bytes, evaluation_pdf: pdfium.PdfDocument
) -> None:
    objects = _objects(evaluation_bytes)
    assert b"/StructTreeRoot" in objects and re.search(rb"/MarkInfo\s*<<\s*/Marked true", objects)
    assert b"/DisplayDocTitle true" in objects  # a reader shows the title, not the file name
    pdf = evaluation_pdf
    assert raw.FPDFCatalog_IsTagged(pdf.raw)
    lang = _wide(
        lambda buf, n: raw.FPDFCatalog_GetLanguage(pdf.raw, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
    )
    assert lang == "ja"
    assert (
        pdf.get_metadata_dict()["Title"] == "令和8年度（2026年度） 事業評価報告書（案）"
    )  # staff read the unpublished year as a preview


def test_the_evaluation_pdf_has_headings_tables_and_described_charts(
    evaluation_pdf: pdfium.PdfDocument, sqlite_loaded_engine: Engine
) -> None:
    html = render_report("evaluation", {"fiscal_year": 2026}, actor=ACTOR, engine=sqlite_loaded_engine).content
    types, alts = _structure(evaluation_pdf)
    # Every heading and table of the HTML is in the tree (one running over a page break is seen on both pages).
    for tag, kind in (("h1", "H1"), ("h2", "H2"), ("h3", "H3"), ("h4", "H4"), ("table", "Table")):
        assert types[kind] >= html.count(f"<{tag}".encode()) > 0, kind
    assert types["H1"] == 1 and types["TH"] and types["TD"] and types["L"] and types["LI"]
    assert {"チャレンジ別の KPI 判定", "事業別のスコア（KPI 達成率の平均）"} <= set(alts)
    assert all(alts), alts  # no figure without alternative text


def test_the_comparison_pdf_is_tagged_too(sqlite_loaded_engine: Engine) -> None:
    rendered = render_report(
        "comparison", {"before": 2023, "after": 2026, "format": "pdf"}, actor=ACTOR, engine=sqlite_loaded_engine
    )
    pdf = pdfium.PdfDocument(rendered.content)
    try:
        assert raw.FPDFCatalog_IsTagged(pdf.raw)
        types, alts = _structure(pdf)
    finally:
        pdf.close()
    assert types["H1"] == 1 and types["Table"] >= 1 and alts == ["継続事業の予算（千円）"]
