"""OCR of PDF pages without a text layer (scans): ocrmypdf drives Tesseract (Japanese) and writes hOCR, whose
words, with their boxes and confidences, are laid out into lines like a text layer's characters.

Tesseract and its Japanese data are Debian packages (``tesseract-ocr``, ``tesseract-ocr-jpn``; installed by
``scripts/system-deps.sh``).  Without them a scan cannot be read, and the error says how to install them.
Every OCR'd line keeps its confidence (the mean of its words', 0–1), so the facts read from it can say so.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.pdf_layout import Glyph, lines_from_glyphs

LANGUAGE = "jpn"
INSTALL_HINT = (
    "Debian/Ubuntu では sudo apt-get install tesseract-ocr tesseract-ocr-jpn（または scripts/system-deps.sh）で"
    "インストールしてください"
)
#: The gap between OCR'd words, in line heights, that reads as a space (Tesseract cuts Japanese text into
#: words anywhere and its word boxes hug the ink, so only a gap as wide as a full-width space is one; between
#: Latin letters and digits the layout's own, narrower gap applies).
WORD_SPACE = 1.0
_LINE_CLASSES = frozenset({"ocr_line", "ocr_caption", "ocr_textfloat", "ocr_header"})
_CJK = "一-龥ぁ-んァ-ヶ"
#: Tesseract's usual misreadings of the marks Japanese plans use (recorded as OCR'd: the warning stays):
#: a heading triangle ▶ read as P, Py, > or »; a range's ～ after a date's weekday read as て or ~; the
#: multiplication sign × between a word and a number read as X.
_CONFUSIONS = (
    (re.compile(rf"^(?:Py?|[>»▷►])\s*(?=[{_CJK}])"), "▶ "),
    (re.compile(r"(日\s*[(（][月火水木金土日][)）])\s*[て~〜]\s*(?=[0-9０-９])"), r"\1～"),
    (re.compile(rf"(?<=[{_CJK}])[Xx](?=[0-9０-９])"), "×"),
)


@dataclass(frozen=True)
class OcrLine:
    """A line read by OCR, and its confidence (0–1)."""

    text: str
    confidence: float


@lru_cache(maxsize=1)
def tesseract_problem() -> str | None:
    """Why OCR cannot run here (Tesseract or its Japanese data missing), or None when it can."""
    executable = shutil.which("tesseract")
    if executable is None:
        return "OCR に必要な tesseract が見つかりません"
    try:
        listing = subprocess.run(
            [executable, "--list-langs"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "OCR に必要な tesseract を起動できません"
    if LANGUAGE not in listing.split():
        return "OCR に必要な tesseract の日本語データ（tesseract-ocr-jpn）がありません"
    return None


def ocr_pages(path: Path | str, data: bytes, numbers: list[int]) -> dict[int, list[OcrLine]]:
    """The lines of the given pages (1-based) of the PDF ``data``, read by OCR; raises :class:`IngestError`
    when OCR is not installed or fails."""
    problem = tesseract_problem()
    if problem is not None:
        raise IngestError(
            path,
            f"PDF にテキスト層がありません（スキャン画像のページは OCR で読みます）。{problem}。{INSTALL_HINT}",
            code="ocr_unavailable",
        )
    try:
        from ocrmypdf.api import _pdf_to_hocr
    except ImportError:
        raise IngestError(
            path,
            "PDF にテキスト層がありません。OCR に必要な ocrmypdf がインストールされていません（pip install ocrmypdf）",
            code="ocr_unavailable",
        ) from None

    logger = logging.getLogger("ocrmypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="keikaku-ocr-") as folder:
            source = Path(folder) / "input.pdf"
            source.write_bytes(data)
            output = Path(folder) / "hocr"
            output.mkdir()
            try:
                _pdf_to_hocr(
                    source,
                    output,
                    language=[LANGUAGE],
                    pages=",".join(str(n) for n in numbers),
                    jobs=1,
                    progress_bar=False,
                )
            except Exception as exc:  # ocrmypdf raises its own exceptions and those of its tools
                raise IngestError(
                    path, f"OCR に失敗しました（{type(exc).__name__}: {exc}）", code="ocr_failed"
                ) from None
            return {n: _hocr_lines(output / f"{n:06d}_ocr_hocr.hocr") for n in numbers}
    finally:
        logger.setLevel(level)


def _title(element: ET.Element) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for part in element.get("title", "").split(";"):
        words = part.split()
        if words:
            fields[words[0]] = words[1:]
    return fields


def _hocr_lines(path: Path) -> list[OcrLine]:
    """An hOCR page's words as lines: each word a glyph spanning its line's height, laid out by position."""
    if not path.exists():
        return []
    root = ET.parse(path).getroot()
    glyphs: list[Glyph] = []
    confidences: list[float] = []
    for element in root.iter():
        if element.get("class") not in _LINE_CLASSES:
            continue
        line_box = _title(element).get("bbox")
        if not line_box:
            continue
        top, bottom = float(line_box[1]), float(line_box[3])
        for word in element.iter():
            if word.get("class") != "ocrx_word":
                continue
            text = "".join(word.itertext()).strip()
            fields = _title(word)
            box = fields.get("bbox")
            if not text or not box:
                continue
            glyphs.append(Glyph(len(glyphs), text, float(box[0]), top, float(box[2]), bottom))
            confidences.append(float(fields.get("x_wconf", ["0"])[0]) / 100)
    lines = lines_from_glyphs(glyphs, space=WORD_SPACE)
    return [
        OcrLine(_corrected(line.text), sum(confidences[i] for i in line.indices) / len(line.indices)) for line in lines
    ]


def _corrected(text: str) -> str:
    for pattern, replacement in _CONFUSIONS:
        text = pattern.sub(replacement, text)
    return text
