"""Reports behind one contract (:class:`~keikaku.reports.base.Report`) and one registry.

Importing this package registers the built-in reports: ``evaluation`` (事業評価報告書) and
``comparison`` (事業計画の比較), each in HTML, PDF and XLSX.
"""

from keikaku.reports.base import RenderedReport, Report, ReportFormat, ReportOption, ReportOptionError, ReportSource
from keikaku.reports.comparison_report import ComparisonReport
from keikaku.reports.evaluation_report import EvaluationReport
from keikaku.reports.registry import all_reports, get, register

register(EvaluationReport())
register(ComparisonReport())

__all__ = [
    "ComparisonReport",
    "EvaluationReport",
    "RenderedReport",
    "Report",
    "ReportFormat",
    "ReportOption",
    "ReportOptionError",
    "ReportSource",
    "all_reports",
    "get",
    "register",
]
