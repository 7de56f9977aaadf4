"""Readers: encodings detected from the bytes, PDFs through their text layer, workbooks, and refusals."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.ingest.pdfmaker import make_pdf, truncated

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.readers import read_document

TEXT = "令和９年度　広域産業振興局事業計画\n関⻄広域連合　広域産業振興局\n予算額：１０，０００千円\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp932", "shift_jis"),
        ("euc_jp", "euc_jp"),
        ("utf-16", "utf-16"),
    ],
)
def test_text_encodings_are_detected_from_the_bytes(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "plan.dat"  # the extension says nothing
    text = TEXT.replace("⻄", "西") if encoding in ("cp932", "euc_jp") else TEXT
    path.write_bytes(text.encode(encoding))
    document = read_document(path)
    assert document.encoding == expected
    assert [line.text for line in document.iter_lines()][:2] == text.splitlines()[:2]
    assert document.format == "text"


def test_form_feeds_make_pages_and_lines_keep_counting(tmp_path: Path) -> None:
    path = tmp_path / "paged.txt"
    path.write_text("一\n二\n\f三\n四\n\f", encoding="utf-8")
    document = read_document(path)
    assert document.has_pages
    assert [(line.page, line.line, line.text) for line in document.iter_lines()] == [
        (1, 1, "一"),
        (1, 2, "二"),
        (1, 3, ""),
        (2, 3, "三"),
        (2, 4, "四"),
        (2, 5, ""),
    ]


def test_sha256_size_and_id(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    document = read_document(path)
    assert len(document.sha256) == 64 and document.size == path.stat().st_size
    assert document.doc_id == f"doc-{document.sha256[:16]}"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"  \n\n ", "empty_file"),
        (bytes(range(256)) * 8, "binary_file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary_file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "ole"),
        (b"PK\x03\x04garbage", "corrupt"),
    ],
)
def test_bad_input_is_refused_with_a_reason(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read_document(path)
    assert caught.value.code == code
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 100, encoding="utf-8")
    with pytest.raises(IngestError, match="大きすぎます") as caught:
        read_document(path, max_bytes=1000)
    assert caught.value.code == "too_large"
    monkeypatch.setenv("KEIKAKU_INGEST_MAX_BYTES", "500")
    with pytest.raises(IngestError, match="上限 500 バイト"):
        read_document(path)
    monkeypatch.delenv("KEIKAKU_INGEST_MAX_BYTES")
    assert read_document(path).size > 1000


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="見つかりません"):
        read_document(tmp_path / "nothing.txt")
    with pytest.raises(IngestError, match="フォルダ"):
        read_document(tmp_path)


def test_pdf_pages_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_pdf([["令和９年度 事業計画", "関⻄広域連合"], ["① 関西スタートアップ", "１０，０４３千円"]]))
    document = read_document(path)
    assert document.format == "pdf" and document.has_pages
    assert [(line.page, line.line, line.text) for line in document.iter_lines()] == [
        (1, 1, "令和９年度 事業計画"),
        (1, 2, "関⻄広域連合"),
        (2, 1, "① 関西スタートアップ"),
        (2, 2, "１０，０４３千円"),
    ]


@pytest.mark.parametrize(
    ("pdf", "code"),
    [
        (make_pdf([["本文"]], image_only_pages=frozenset({1})), "no_text_layer"),
        (truncated(make_pdf([["本文の行"] * 40])), "truncated_pdf"),
        (make_pdf([["本文"]], encrypt=True), "encrypted_pdf"),
        (b"%PDF-1.7\nnot really a pdf\n%%EOF\n", "corrupt_pdf"),
    ],
)
def test_unreadable_pdfs_are_refused(tmp_path: Path, pdf: bytes, code: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(pdf)
    with pytest.raises(IngestError) as caught:
        read_document(path)
    assert caught.value.code == code


def test_pdf_with_one_scanned_page_reads_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    path.write_bytes(make_pdf([["一ページ目"], ["(画像)"], ["三ページ目"]], image_only_pages=frozenset({2})))
    document = read_document(path)
    assert document.empty_pages == [2]
    assert [line.text for line in document.iter_lines() if line.text] == ["一ページ目", "三ページ目"]


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_stored_value(xlsx: bytes, formula: str, value: str) -> bytes:
    """The workbook with a value stored beside a formula, as Excel saves it (openpyxl never does)."""
    source = zipfile.ZipFile(BytesIO(xlsx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb"<f>"
                    + re.escape(formula.encode())
                    + rb"</f>(?:<v\s*/>|<v></v>)",  # openpyxl with or without lxml
                    b"<f>" + formula.encode() + b"</f><v>" + value.encode() + b"</v>",
                    data,
                )
            target.writestr(info, data)
    return out.getvalue()


def test_workbook_formula_without_stored_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(_workbook([["事業名", "予算額（千円）"], ["A", 100], ["合計", "=SUM(B2:B2)"]]))
    with pytest.raises(IngestError, match=r"Sheet!B3") as caught:
        read_document(path)
    assert caught.value.code == "formula_without_value"


def test_workbook_formula_with_stored_value_is_read_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    xlsx = _workbook([["事業名", "予算額（千円）"], ["A", 100], ["合計", "=SUM(B2:B2)"]])
    path.write_bytes(with_stored_value(xlsx, "SUM(B2:B2)", "999"))  # a stale value: read as stored
    document = read_document(path)
    assert document.format == "xlsx"
    assert document.sheets[0].rows[-1].cells == ("合計", 999)


def test_macro_workbook_is_refused_by_content_and_by_name(tmp_path: Path) -> None:
    xlsx = _workbook([["事業名", "予算額"]])
    buffer = BytesIO()
    with zipfile.ZipFile(BytesIO(xlsx)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\x00macro")
    disguised = tmp_path / "looks_plain.xlsx"
    disguised.write_bytes(buffer.getvalue())
    named = tmp_path / "book.xlsm"
    named.write_bytes(xlsx)
    for path in (disguised, named):
        with pytest.raises(IngestError, match="マクロ") as caught:
            read_document(path)
        assert caught.value.code == "macro"


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    path = tmp_path / "doc.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="Excel"):
        read_document(path)


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    xlsx = _workbook([["事業名", "予算額"]])
    buffer = BytesIO()
    with zipfile.ZipFile(BytesIO(xlsx)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/media/padding.xml", b"<a>" + b" " * (120 * 1024 * 1024) + b"</a>")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1024 * 1024  # a few hundred KB that would expand to 120 MB
    with pytest.raises(IngestError, match="zip 爆弾") as caught:
        read_document(path)
    assert caught.value.code == "zip_bomb"
    traversal = BytesIO()
    with zipfile.ZipFile(BytesIO(xlsx)) as source, zipfile.ZipFile(traversal, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("../../outside.xml", b"<a/>")
    path.write_bytes(traversal.getvalue())
    with pytest.raises(IngestError, match=r"「\.\.」を含む名前") as caught:
        read_document(path)
    assert caught.value.code == "unsafe_archive"


def test_workbook_values_are_those_openpyxl_reads(tmp_path: Path) -> None:
    """The streamed reader gives, cell by cell, what openpyxl's own reader gives: numbers, dates by their
    style (both date systems), booleans, rich text, errors, gaps between cells and rows; hidden sheets left out."""
    import datetime as dt

    from openpyxl import load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from keikaku.ingest.read.xlsx import read_workbook

    for epoch in (None, CALENDAR_MAC_1904):
        book = Workbook()
        if epoch is not None:
            book.epoch = epoch
        sheet = book.active
        assert sheet is not None
        sheet.title = "名簿"
        sheet.append(["氏名", 1, 2.5, 1e20, True, False, dt.date(2026, 10, 7), dt.datetime(2026, 10, 7, 13, 30)])
        sheet.append([dt.time(9, 15), dt.timedelta(hours=30), "#N/A", "  ", None])
        sheet["C5"], sheet["F5"], sheet["Z9"] = "離れたセル", -3, "遠く"
        sheet["A6"] = CellRichText(["ab", TextBlock(InlineFont(b=True), "太字")])
        sheet["B6"] = 46000
        sheet["B6"].number_format = "yyyy/mm/dd"
        hidden = book.create_sheet("隠し")
        hidden.sheet_state = "hidden"
        hidden["A1"] = "見えない"
        book.create_sheet("10月8日").append(["日付", dt.date(2026, 10, 8)])
        buffer = BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
        sheets = read_workbook(tmp_path / "book.xlsx", data)
        assert [(s.name, s.index) for s in sheets] == [("名簿", 1), ("10月8日", 3)]
        expected = load_workbook(BytesIO(data), data_only=True)
        for read in sheets:
            wanted = []
            for number, values in enumerate(expected[read.name].iter_rows(values_only=True), start=1):
                cells = list(values)
                while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                    cells.pop()
                if cells:
                    wanted.append((number, tuple(cells)))
            assert [(r.number, r.cells) for r in read.rows] == wanted
        assert sheets[0].rows[0].cells[6] == dt.datetime(2026, 10, 7)


def test_a_workbook_part_with_a_dtd_is_refused(tmp_path: Path) -> None:
    xlsx = _workbook([["事業名", "予算額"], ["A", 100]])
    buffer = BytesIO()
    with zipfile.ZipFile(BytesIO(xlsx)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + data
            target.writestr(info, data)
    path = tmp_path / "dtd.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="Excel ブックとして読めません") as caught:
        read_document(path)
    assert caught.value.code == "corrupt_xlsx"
