"""The registry of report types: built-in reports and extensions register the same way."""

from __future__ import annotations

from keikaku.reports.base import Report

_REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    """Add a report type; an identifier can be registered once."""
    if report.identifier in _REPORTS:
        raise ValueError(f"報告書 {report.identifier!r} は既に登録されています")
    _REPORTS[report.identifier] = report
    return report


def get(identifier: str) -> Report:
    """The report type with this identifier (KeyError with the known identifiers if there is none)."""
    try:
        return _REPORTS[identifier]
    except KeyError:
        known = "、".join(sorted(_REPORTS))
        raise KeyError(f"報告書 {identifier!r} はありません（{known}）") from None


def all_reports() -> list[Report]:
    """Every registered report type, by identifier."""
    return [_REPORTS[k] for k in sorted(_REPORTS)]
