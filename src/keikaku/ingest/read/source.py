"""What every reader produces: a :class:`SourceDocument` of pages of :class:`SourceLine` (and, for a
workbook, its :class:`Sheet` rows), with where each line is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceLine:
    """One line of a document as read, with where it is (and, when OCR read it, its confidence 0–1)."""

    page: int | None
    line: int
    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class SourcePage:
    """A page (or, for a text file without form feeds, the whole file) and its lines."""

    number: int | None
    lines: tuple[SourceLine, ...]


@dataclass(frozen=True)
class SheetRow:
    """A worksheet row: its number and the stored cell values (formulas are never evaluated)."""

    number: int
    cells: tuple[object, ...]


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its name, position (1-based) and rows."""

    name: str
    index: int
    rows: tuple[SheetRow, ...]


@dataclass
class SourceDocument:
    """A document as read from disk: where it came from, its hash and size, and its pages of lines."""

    path: Path
    sha256: str
    size: int
    format: str
    pages: list[SourcePage]
    encoding: str | None = None
    has_pages: bool = False
    sheets: list[Sheet] = field(default_factory=list)
    empty_pages: list[int] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)

    def iter_lines(self) -> Iterator[SourceLine]:
        """Every line of every page, in order."""
        for page in self.pages:
            yield from page.lines

    @property
    def line_count(self) -> int:
        """How many lines the document has."""
        return sum(len(page.lines) for page in self.pages)

    @property
    def text(self) -> str:
        """The whole text, pages separated by form feeds."""
        return "\f".join("\n".join(line.text for line in page.lines) for page in self.pages)

    @property
    def doc_id(self) -> str:
        """The stable key provenance records use for this document."""
        return f"doc-{self.sha256[:16]}"
