"""The PDF reader: the text layer of every page, through pypdfium2 (PDFium), its lines rebuilt from where the
characters are (:mod:`keikaku.ingest.read.pdf_layout`), so tables keep their rows and two-column pages their columns."""

from __future__ import annotations

import warnings
from pathlib import Path

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.pdf_layout import layout_lines
from keikaku.ingest.read.pdf_ocr import ocr_pages, tesseract_problem
from keikaku.ingest.read.source import SourceLine, SourcePage


def read_pdf(path: Path, data: bytes) -> tuple[list[SourcePage], list[int], list[int]]:
    """Pages of lines from a PDF, the numbers of pages that had no text, and of those read by OCR.

    Pages without a text layer (scans) are read by OCR (:mod:`keikaku.ingest.read.pdf_ocr`) when Tesseract is
    installed.  Raises :class:`IngestError` for a truncated, damaged or password-protected PDF, and for a
    PDF without any text layer when OCR is not installed or reads nothing.
    """
    pages = _text_pages(path, data)
    empty = [page.number for page in pages if page.number is not None and not page.lines]
    if not empty:
        return pages, [], []
    if len(empty) < len(pages) and tesseract_problem() is not None:
        return pages, empty, []  # the rest is read; the scanned pages are reported as not read
    read = ocr_pages(path, data, empty)
    for number, lines in read.items():
        pages[number - 1] = SourcePage(
            number, tuple(SourceLine(number, i, line.text, line.confidence) for i, line in enumerate(lines, 1))
        )
    ocr = [number for number, lines in read.items() if lines]
    still_empty = [number for number in empty if not read.get(number)]
    if len(still_empty) == len(pages):
        raise IngestError(
            path,
            "PDF にテキスト層がありません（OCR でも文字を読み取れませんでした。白紙か画像だけの PDF です）",
            code="no_text_layer",
        )
    return pages, still_empty, ocr


def _text_pages(path: Path, data: bytes) -> list[SourcePage]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if b"%%EOF" not in data[-2048:]:
        raise IngestError(path, "PDF が途中で切れています（末尾の %%EOF がありません）", code="truncated_pdf")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise IngestError(path, "PDF が暗号化されています（パスワードが必要です）", code="encrypted_pdf") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise IngestError(path, "PDF のセキュリティ方式に対応していません", code="encrypted_pdf") from None
        raise IngestError(path, "PDF として読めません（壊れているか途中で切れています）", code="corrupt_pdf") from None
    pages: list[SourcePage] = []
    try:
        count = len(document)
        if count == 0:
            raise IngestError(path, "PDF にページがありません", code="corrupt_pdf")
        for index in range(count):
            number = index + 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                page = document[index]
                textpage = page.get_textpage()
                lines = [line.text for line in layout_lines(page, textpage)]
                textpage.close()
                page.close()
            pages.append(SourcePage(number, tuple(SourceLine(number, i, line) for i, line in enumerate(lines, 1))))
    except pdfium.PdfiumError:
        raise IngestError(path, "PDF のページを読めません（壊れています）", code="corrupt_pdf") from None
    finally:
        document.close()
    return pages
