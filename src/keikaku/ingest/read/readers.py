"""Readers: turn a file (PDF, text in a Japanese encoding, or an Excel workbook) into a :class:`SourceDocument`.

The file's format is recognised by its content, never by its extension: ``%PDF-`` is a PDF, a ZIP holding
``xl/workbook.xml`` is a workbook, anything else must decode as text.  Text encodings are detected from the
bytes (BOM, then strict UTF-8, then CP932 / EUC-JP / ISO-2022-JP scored by how Japanese the result looks).

Line numbers: for text files, ``line`` is the line number in the file (1-based) and ``page`` is the page
number when the file has form feeds (``\\f``), else ``None``; for PDFs, ``page`` is the page number and
``line`` the line within that page; for workbooks, ``page`` is the sheet's position and ``line`` the row.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from io import BytesIO
from pathlib import Path

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.pdf import read_pdf
from keikaku.ingest.read.source import LINE_BREAK, Sheet, SheetRow, SourceDocument, SourceLine, SourcePage
from keikaku.ingest.read.xlsx import read_workbook

__all__ = ["Sheet", "SheetRow", "SourceDocument", "SourceLine", "SourcePage", "read_document"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused (override with ``KEIKAKU_INGEST_MAX_BYTES`` or ``max_bytes=``)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def max_bytes_from_env() -> int:
    """The configured size limit: ``KEIKAKU_INGEST_MAX_BYTES`` if set, else 50 MB."""
    raw = os.environ.get("KEIKAKU_INGEST_MAX_BYTES", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULT_MAX_BYTES


def read_document(path: Path | str, *, max_bytes: int | None = None) -> SourceDocument:
    """Read a file into a :class:`SourceDocument`, or raise :class:`IngestError` naming the file and the reason."""
    path = Path(path)
    limit = max_bytes if max_bytes is not None else max_bytes_from_env()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError(path, "ファイルが見つかりません", code="not_found") from None
    except OSError as exc:
        raise IngestError(path, f"ファイルを開けません（{exc.strerror}）", code="unreadable") from None
    if path.is_dir():
        raise IngestError(path, "フォルダです（ファイルを指定してください）", code="not_a_file")
    if size > limit:
        raise IngestError(
            path,
            f"ファイルが大きすぎます（{size:,} バイト、上限 {limit:,} バイト）",
            code="too_large",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"ファイルを読めません（{exc.strerror}）", code="unreadable") from None
    if not data.strip():
        raise IngestError(path, "ファイルが空です", code="empty_file")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        pages, empty, ocr = read_pdf(path, data)
        return SourceDocument(path, digest, len(data), "pdf", pages, has_pages=True, empty_pages=empty, ocr_pages=ocr)
    if data.startswith(b"PK\x03\x04"):
        return _read_zip(path, data, digest)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise IngestError(
            path, "旧形式のOffice文書（.xls/.doc）には対応していません（.xlsx で保存してください）", code="ole"
        )
    text, encoding = decode_text(path, data)
    return _text_document(path, digest, len(data), text, encoding)


def _read_zip(path: Path, data: bytes, digest: str) -> SourceDocument:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = set(archive.namelist())
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise IngestError(path, "ZIP形式として壊れています（途中で切れたファイルの可能性）", code="corrupt") from None
    if "xl/workbook.xml" not in names:
        raise IngestError(path, "Excelブック（.xlsx）以外のZIPファイルには対応していません", code="unsupported_format")
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types or path.suffix.lower() == ".xlsm":
        raise IngestError(
            path, "マクロ付きブック（.xlsm）は受け付けません（マクロなしの .xlsx で保存してください）", code="macro"
        )
    sheets = read_workbook(path, data)
    pages = [
        SourcePage(
            sheet.index,
            tuple(
                SourceLine(sheet.index, row.number, "\t".join("" if c is None else str(c) for c in row.cells))
                for row in sheet.rows
            ),
        )
        for sheet in sheets
    ]
    return SourceDocument(path, digest, len(data), "xlsx", pages, has_pages=False, sheets=sheets)


def _text_document(path: Path, digest: str, size: int, text: str, encoding: str) -> SourceDocument:
    chunks = text.split("\f")
    while len(chunks) > 1 and not chunks[-1].strip():
        chunks.pop()  # pdftotext ends every page, the last one too, with a form feed
    has_pages = len(chunks) > 1
    pages: list[SourcePage] = []
    first = 1
    for index, chunk in enumerate(chunks, start=1):
        lines = LINE_BREAK.split(chunk)
        page_no = index if has_pages else None
        pages.append(SourcePage(page_no, tuple(SourceLine(page_no, first + i, line) for i, line in enumerate(lines))))
        first += len(lines) - 1  # a form feed does not end the line it sits on
    return SourceDocument(path, digest, size, "text", pages, encoding=encoding, has_pages=has_pages)


def decode_text(path: Path | str, data: bytes) -> tuple[str, str]:
    """Decode a text file's bytes, detecting the encoding; binary data raises :class:`IngestError`."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(path, data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(path, data.decode("utf-16", errors="replace"), "utf-16")
    if b"\x00" in data:
        raise IngestError(path, "テキストでも PDF でも Excel でもないバイナリファイルです", code="binary_file")
    try:
        return _checked(path, data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    encodings = ("iso2022_jp", "cp932", "euc_jp") if b"\x1b$" in data else ("cp932", "euc_jp")
    for encoding in encodings:
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_japanese_score(decoded), encoding, decoded))
    if not candidates:
        raise IngestError(
            path, "文字コードを判別できません（UTF-8・Shift_JIS・EUC-JP のいずれでもありません）", code="binary_file"
        )
    score, encoding, decoded = max(candidates, key=lambda c: c[0])
    if score < 0.5:
        raise IngestError(path, "日本語のテキストとして読めません（バイナリファイルの可能性）", code="binary_file")
    return _checked(path, decoded, "shift_jis" if encoding == "cp932" else encoding)


#: Characters ordinary in Japanese documents: ASCII, tab and breaks, CJK punctuation and kana, common
#: kanji, full-width forms (not half-width katakana: what EUC-JP bytes look like when read as Shift_JIS).
_ORDINARY = re.compile("[\x20-\x7e\t\n\r\f\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]+")


def _japanese_score(text: str) -> float:
    """Share of characters that are ordinary in Japanese documents (ASCII, kana, common kanji, punctuation)."""
    if not text:
        return 0.0
    return sum(map(len, _ORDINARY.findall(text))) / len(text)


def _checked(path: Path | str, text: str, encoding: str) -> tuple[str, str]:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 200) or text.count("\ufffd") > max(2, len(text) // 100):
        raise IngestError(path, "テキストでも PDF でも Excel でもないバイナリファイルです", code="binary_file")
    if not text.strip():
        raise IngestError(path, "ファイルが空です", code="empty_file")
    return text, encoding
