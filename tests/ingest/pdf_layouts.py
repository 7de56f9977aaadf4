"""Plans as real PDFs, for the tests and ``bench/bench_ingest_accuracy.py``: a plan's text laid out as HTML
(tab-separated lines as ruled tables, other lines as paragraphs, optionally in two columns) and rendered by
WeasyPrint; and a PDF page rasterised (pypdfium2) and wrapped in an image-only PDF, as a scanner makes it.

The text is laid out as it is, nothing is taken from what a parser reads of it.
"""

from __future__ import annotations

import html
import io
import re
import warnings

_BASE_CSS = """
@page { size: A4; margin: 15mm; @bottom-center { content: "- " counter(page) " -"; font-size: 8pt; } }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 9pt; line-height: 1.45; }
p { margin: 0 0 3pt 0; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
tr { break-inside: avoid; }
td, th { border: 0.75pt solid #333; padding: 3pt 4pt; vertical-align: top; }
"""
_TWO_COLUMNS_CSS = ".flow { column-count: 2; column-gap: 12mm; } table { column-span: all; }"


_HTML_TABLE = re.compile(r"^\s*</?(?:table|tr)[\s>]")


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def plan_html(text: str, *, two_columns: bool = False) -> str:
    """The plan's lines as HTML: runs of tab-separated lines become a ruled table, a form feed a page break."""
    parts: list[str] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            width = max(len(r) for r in rows)
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r + [""] * (width - len(r))) + "</tr>" for r in rows
            )
            parts.append(f"<table>{body}</table>")
            rows.clear()

    for raw in text.splitlines():
        line = raw.replace("\f", "")
        if line != raw:
            flush()
            parts.append('<p style="break-before: page"></p>')
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        if _HTML_TABLE.match(line):
            parts.append(line)  # a Markdown plan's own HTML table, drawn as Markdown draws it
        elif line.strip():
            parts.append(f"<p>{_inline(line)}</p>")
    flush()
    css = _BASE_CSS + (_TWO_COLUMNS_CSS if two_columns else "")
    return (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>{css}</style></head>'
        f'<body><div class="flow">{"".join(parts)}</div></body></html>'
    )


def html_pdf(document: str) -> bytes:
    """An HTML document rendered to PDF by WeasyPrint."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import weasyprint

        return bytes(weasyprint.HTML(string=document).write_pdf())


def two_column_html(before: str, columns: str, extra_css: str = "") -> str:
    """A page of HTML: ``before`` in one column, then ``columns`` set in two (WeasyPrint balances them)."""
    return (
        '<html lang="ja"><head><meta charset="utf-8"><style>@page { size: A4; margin: 15mm }'
        'body { font-family: "Noto Sans CJK JP"; font-size: 10pt } .cols { column-count: 2; column-gap: 12mm }'
        f'{extra_css}</style></head><body>{before}<div class="cols">{columns}</div></body></html>'
    )


def scanned_pdf(pdf: bytes, pages: list[int] | None = None, *, dpi: int = 200) -> bytes:
    """The given pages (1-based; all by default) of ``pdf`` rasterised at ``dpi`` and put in a PDF of images
    only (no text layer), one page per image."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf)
    images = []
    try:
        for number in pages or list(range(1, len(source) + 1)):
            page = source[number - 1]
            images.append(page.render(scale=dpi / 72).to_pil().convert("L"))
            page.close()
    finally:
        source.close()
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def with_scanned_pages(pdf: bytes, pages: list[int], *, dpi: int = 200) -> bytes:
    """``pdf`` with the given pages (1-based) replaced by their scans (:func:`scanned_pdf`)."""
    import pypdfium2 as pdfium

    scans = pdfium.PdfDocument(scanned_pdf(pdf, pages, dpi=dpi))
    document = pdfium.PdfDocument(pdf)
    for k, number in enumerate(pages):
        document.del_page(number - 1)
        document.import_pages(scans, [k], index=number - 1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
