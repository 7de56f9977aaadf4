"""Characters and ruling lines of a PDF page, as PDFium gives them: each character's loose box, and the thin
filled or stroked path objects that draw a table's rules.  :mod:`keikaku.ingest.read.pdf_layout` rebuilds
lines from them."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

#: A ruling line is at most this thick (points), and a vertical one at least this tall.
RULE_THICKNESS = 3.0
RULE_MIN_LENGTH = 6.0


@dataclass(slots=True)
class Glyph:
    """One character with its box in top-down page coordinates and its index in the text page."""

    index: int
    char: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def page_glyphs(textpage_raw: object, page_height: float) -> list[Glyph]:
    """Every visible, non-blank character of a text page with its loose box (top-down coordinates)."""
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(textpage_raw)
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    glyphs: list[Glyph] = []
    pending_high = 0
    for index in range(count):
        code = get_unicode(textpage_raw, index)
        if 0xD800 <= code < 0xDC00:
            pending_high = code
            continue
        if 0xDC00 <= code < 0xE000:
            if not pending_high:
                continue
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
            pending_high = 0
        if code <= 0x20 or code in (0x3000, 0xA0, 0xFFFE, 0xFFFF, 0x7F) or 0x80 <= code < 0xA0:
            continue
        if not get_box(textpage_raw, index, ref):
            continue
        top, bottom = page_height - rect.top, page_height - rect.bottom
        if rect.right <= rect.left or bottom <= top:
            continue
        glyphs.append(Glyph(index, chr(code), rect.left, top, rect.right, bottom))
    return glyphs


def page_rules(
    page: object, page_height: float
) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """The page's ruling lines: horizontal ``(y, x0, x1)`` and vertical ``(x, y0, y1)``, top-down."""
    import pypdfium2.raw as pdfium_c

    raw = page.raw  # type: ignore[attr-defined]
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            continue
        width, height = right.value - left.value, top.value - bottom.value
        y0, y1 = page_height - top.value, page_height - bottom.value
        if height <= RULE_THICKNESS and width >= RULE_MIN_LENGTH:
            horizontal.append(((y0 + y1) / 2, left.value, right.value))
        elif width <= RULE_THICKNESS and height >= RULE_MIN_LENGTH:
            vertical.append(((left.value + right.value) / 2, y0, y1))
    return _merge(horizontal), _merge(vertical)


def _merge(rules: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Rules at the same position whose extents touch, merged (cell borders drawn one cell at a time)."""
    merged: list[tuple[float, float, float]] = []
    for pos, start, end in sorted(rules):
        for k in range(len(merged) - 1, -1, -1):
            m_pos, m_start, m_end = merged[k]
            if pos - m_pos > 1.5:
                merged.append((pos, start, end))
                break
            if start <= m_end + 1.5 and end >= m_start - 1.5:
                merged[k] = (m_pos, min(m_start, start), max(m_end, end))
                break
        else:
            merged.append((pos, start, end))
    return merged


__all__ = ["RULE_MIN_LENGTH", "RULE_THICKNESS", "Glyph", "page_glyphs", "page_rules"]
