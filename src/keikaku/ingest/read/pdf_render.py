"""A PDF page as a PNG, with the characters of one cited line highlighted (pypdfium2, no other renderer).

The line is found the way :mod:`keikaku.ingest.read.pdf` numbered it: the page's lines rebuilt by the
layout-aware reader (:mod:`keikaku.ingest.read.pdf_layout`), so line *n* of a citation is the same characters
here, a table row or a joined paragraph included.  When the stored text of the line is not where the number
says (a document read by an older reader), the line with that text, or the text searched for, is marked.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from keikaku.ingest.read.pdf_layout import layout_lines

#: The width of the rendered page in pixels (A4 at about 144 dpi), and the most pixels on either side.
TARGET_WIDTH = 1200
MAX_SIDE = 4000
HIGHLIGHT_FILL = (255, 214, 0, 110)
HIGHLIGHT_EDGE = (214, 96, 0, 255)


class PageRenderError(Exception):
    """The page cannot be rendered: ``code`` says why (``no_such_page``, ``unreadable_pdf``)."""

    def __init__(self, code: str, pages: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.pages = pages


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page: the PNG, its size, the page count, and how many rectangles mark the line."""

    png: bytes
    width: int
    height: int
    pages: int
    highlights: int


def _clean(text: str) -> str:
    return "".join(text.replace("\x00", "").replace("\ufffe", "").split())


def _searched(textpage: object, expected: str | None) -> list[int]:
    """The character indices of the expected text searched for on the page (its first occurrence)."""
    needle = (expected or "").replace("\x00", "").strip()
    if not needle:
        return []
    searcher = textpage.search(needle, match_case=True)  # type: ignore[attr-defined]
    hit = searcher.get_next()
    searcher.close()
    return list(range(hit[0], hit[0] + hit[1])) if hit is not None else []


def _cited_indices(page: object, textpage: object, line: int | None, expected: str | None) -> list[int]:
    """The characters to mark: those of line ``line`` as the layout-aware reader numbers it, when its text is
    the expected one; else the line whose text is the expected one nearest it; else the text searched for."""
    lines = layout_lines(page, textpage)
    want = _clean(expected or "")
    if line and 1 <= line <= len(lines) and (not want or _clean(lines[line - 1].text) == want):
        return list(lines[line - 1].indices)
    if want:
        matching = [k for k, candidate in enumerate(lines, 1) if _clean(candidate.text) == want]
        if matching:
            return list(lines[min(matching, key=lambda k: abs(k - (line or 0))) - 1].indices)
    return _searched(textpage, expected)


def _boxes(textpage: object, indices: list[int]) -> list[tuple[float, float, float, float]]:
    """The characters' boxes merged into one rectangle per run on one visual line (left, bottom, right, top)."""
    rects: list[list[float]] = []
    for index in sorted(indices):
        left, bottom, right, top = textpage.get_charbox(index, loose=True)  # type: ignore[attr-defined]
        if right <= left:
            continue
        if (
            rects
            and abs(rects[-1][1] - bottom) < 0.5 * (top - bottom)
            and -2 <= left - rects[-1][2] < 3 * (top - bottom)
        ):
            rects[-1][2], rects[-1][3] = max(rects[-1][2], right), max(rects[-1][3], top)
            continue
        rects.append([left, bottom, right, top])
    return [(r[0], r[1], r[2], r[3]) for r in rects]


def render_page(data: bytes, page: int, *, line: int | None = None, expected: str | None = None) -> RenderedPage:
    """Page ``page`` (1-based) of the PDF ``data`` as a PNG, with line ``line`` (whose stored text is
    ``expected``) drawn over in translucent yellow; raises :class:`PageRenderError`."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise PageRenderError("unreadable_pdf") from None
    try:
        count = len(document)
        if not 1 <= page <= count:
            raise PageRenderError("no_such_page", count)
        pdf_page = document[page - 1]
        width, height = pdf_page.get_size()
        scale = min(TARGET_WIDTH / max(width, 1.0), MAX_SIDE / max(width, height, 1.0))
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        rects: list[tuple[float, float, float, float]] = []
        if (line or expected) and pdf_page.get_rotation() == 0:
            textpage = pdf_page.get_textpage()
            rects = _boxes(textpage, _cited_indices(pdf_page, textpage, line, expected))
            textpage.close()
        left, _bottom, _right, top = pdf_page.get_cropbox()
        pdf_page.close()
    except pdfium.PdfiumError:
        raise PageRenderError("unreadable_pdf") from None
    finally:
        document.close()
    if rects:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        pad = 2
        for r_left, r_bottom, r_right, r_top in rects:
            box = (
                (r_left - left) * scale - pad,
                (top - r_top) * scale - pad,
                (r_right - left) * scale + pad,
                (top - r_bottom) * scale + pad,
            )
            draw.rectangle(box, fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
        image = Image.alpha_composite(image, overlay)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return RenderedPage(out.getvalue(), image.width, image.height, count, len(rects))
