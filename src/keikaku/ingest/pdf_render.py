"""A PDF page as a PNG, with the characters of one cited line highlighted (pypdfium2, no other renderer).

The line is found the way :mod:`keikaku.ingest.pdf_reader` numbered it: the page's text layer split at line
breaks, so line *n* of a citation is the same characters here.  When the stored text of the line is not
where the number says (a document re-read by a newer PDFium), the line's text is searched for on the page.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from keikaku.ingest.source import LINE_BREAK

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


def _line_span(text: str, line: int) -> tuple[int, int] | None:
    """The character range [start, end) of the 1-based ``line`` in a page's text, or None past its end."""
    start = 0
    number = 1
    for match in LINE_BREAK.finditer(text):
        if number == line:
            return start, match.start()
        start = match.end()
        number += 1
    return (start, len(text)) if number == line else None


def _clean(text: str) -> str:
    return text.replace("\x00", "").replace("\ufffe", "").strip()


def _cited_span(textpage: object, text: str, line: int | None, expected: str | None) -> tuple[int, int] | None:
    """The characters to mark: the numbered line when its text is the expected one, else the expected text
    searched for (the occurrence nearest the numbered line)."""
    span = _line_span(text, line) if line else None
    if span is not None and (not expected or _clean(text[span[0] : span[1]]) == _clean(expected)):
        return span if span[1] > span[0] else None
    needle = _clean(expected or "")
    if not needle:
        return None
    searcher = textpage.search(needle, match_case=True)  # type: ignore[attr-defined]
    found: list[tuple[int, int]] = []
    while (hit := searcher.get_next()) is not None and len(found) < 50:
        found.append((hit[0], hit[0] + hit[1]))
    searcher.close()
    if not found:
        return None
    anchor = span[0] if span is not None else 0
    return min(found, key=lambda s: abs(s[0] - anchor))


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
            span = _cited_span(textpage, textpage.get_text_range(), line, expected)
            if span is not None:
                n = textpage.count_rects(span[0], span[1] - span[0])
                rects = [textpage.get_rect(i) for i in range(n)]
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
