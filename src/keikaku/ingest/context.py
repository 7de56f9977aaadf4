"""What every parser works on: the document's lines, normalised once, and a place to put warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from keikaku.domain import Provenance, Warning, WarningCode
from keikaku.ingest.read.readers import SourceDocument
from keikaku.normalize import normalize_text, strip_markup

EXCERPT_CHARS = 160
_SPACES = re.compile(r"[ \t\u3000]+")


@dataclass(frozen=True, slots=True)
class Line:
    """A line ready for parsing: ``text`` is normalised (NFKC, radicals, dashes), markup-free and trimmed."""

    index: int
    page: int | None
    number: int
    raw: str
    text: str


def clean(text: str) -> str:
    """Normalise a fragment the way lines are normalised: normalize_text, strip_markup, trim (tabs inside stay)."""
    return strip_markup(normalize_text(text)).strip(" \t")


def prepare_lines(document: SourceDocument) -> list[Line]:
    """The document's lines, each normalised once (the rest of ingest never re-normalises)."""
    lines: list[Line] = []
    for source in document.iter_lines():
        raw = source.text
        lines.append(Line(len(lines), source.page, source.line, raw, clean(raw) if raw.strip() else ""))
    return lines


@dataclass
class ParseContext:
    """A document being parsed: its lines, its id for provenance, and the warnings found so far."""

    document: SourceDocument
    lines: list[Line]
    warnings: list[Warning] = field(default_factory=list)

    @classmethod
    def of(cls, document: SourceDocument) -> ParseContext:
        """A context with the document's prepared lines."""
        return cls(document, prepare_lines(document))

    @property
    def doc_id(self) -> str:
        """The document's provenance key."""
        return self.document.doc_id

    def prov(self, line: Line | None, excerpt: str | None = None) -> Provenance:
        """Provenance pointing at a line (document, page when there are pages, line, short excerpt)."""
        if line is None:
            return Provenance(document=self.doc_id, excerpt=excerpt[:EXCERPT_CHARS] if excerpt else None)
        text = excerpt if excerpt is not None else (line.text or _SPACES.sub(" ", line.raw).strip())
        return Provenance(document=self.doc_id, page=line.page, line=line.number, excerpt=text[:EXCERPT_CHARS])

    def warn(
        self,
        code: WarningCode | str,
        message: str,
        line: Line | None = None,
        details: dict[str, object] | None = None,
    ) -> Warning:
        """Record a warning (stable ``code``, Japanese ``message``) and return it."""
        warning = Warning(code=str(code), message=message, provenance=self.prov(line), details=details)
        self.warnings.append(warning)
        return warning

    def nonblank(self, start: int = 0, stop: int | None = None) -> list[Line]:
        """The non-blank lines in ``lines[start:stop]``."""
        return [line for line in self.lines[start:stop] if line.text]
