"""Where a fact came from, and the consistency warnings a document raises."""

from enum import StrEnum

from keikaku.domain.base import DomainModel


class Provenance(DomainModel):
    """A fact's source: the document (its stable id), the page if it has pages, the line, a short excerpt."""

    document: str | None = None
    page: int | None = None
    line: int | None = None
    excerpt: str | None = None


class WarningCode(StrEnum):
    """Stable machine-readable warning codes."""

    BUDGET_SUM_MISMATCH = "budget_sum_mismatch"
    YEAR_COUNT_MISMATCH = "year_count_mismatch"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    DUPLICATE_PROJECT = "duplicate_project"
    UNPARSED_KPI = "unparsed_kpi"
    UNREAD_SECTION = "unread_section"
    MISSING_FIELD = "missing_field"
    OCR = "ocr"  # a fact read from a page through OCR, with its line's confidence


class Warning(DomainModel):
    """A consistency warning about a document or a plan; ``code`` is one of :class:`WarningCode` (or a new stable code)."""

    code: str
    message: str
    provenance: Provenance | None = None
    details: dict[str, object] | None = None
