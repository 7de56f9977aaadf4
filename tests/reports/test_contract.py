"""The report contract and registry, the option parsing, and the SVG charts."""

import pytest

from keikaku.evaluation import KPI_STATUSES, Status
from keikaku.reports import ReportOptionError, all_reports, get, register
from keikaku.reports.base import ReportOption
from keikaku.reports.charts import Bar, achievement_chart, budget_chart, status_chart
from keikaku.reports.evaluation_report import EvaluationReport


def test_registry_holds_the_built_in_reports() -> None:
    assert [r.identifier for r in all_reports()] == ["comparison", "evaluation"]
    assert get("evaluation").title == "事業評価報告書"
    with pytest.raises(KeyError, match="comparison、evaluation"):
        get("budget")
    with pytest.raises(ValueError, match="既に登録"):
        register(EvaluationReport())


def test_options_are_parsed_and_checked() -> None:
    report = get("evaluation")
    assert report.parse_options({"fiscal_year": "2026"}) == {"fiscal_year": 2026, "format": "html", "issuer": None}
    with pytest.raises(ReportOptionError, match="年度（fiscal_year）を指定"):
        report.parse_options({})
    with pytest.raises(ReportOptionError, match="html、pdf、xlsx"):
        report.parse_options({"fiscal_year": 2026, "format": "docx"})
    with pytest.raises(ReportOptionError, match="整数"):
        report.parse_options({"fiscal_year": "令和8"})
    with pytest.raises(ReportOptionError, match="オプションはありません: colour"):
        report.parse_options({"fiscal_year": 2026, "colour": "red"})
    assert ReportOption("n", "数", int, default=3).parse(None) == 3


def test_charts_escape_labels_and_draw_bars() -> None:
    svg = str(status_chart("判定", [("<script>", {Status.ACHIEVED: 2, Status.NOT_ACHIEVED: 1})]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 2 + len(KPI_STATUSES)  # two bars and the legend of the KPI statuses
    chart = str(
        achievement_chart(
            "達成率", [Bar("参加者数", 205 / 220, Status.MOSTLY_ACHIEVED), Bar("件数", None, Status.NOT_MEASURED)]
        )
    )
    assert "93.2%" in chart and "未測定" in chart and "100%" in chart
    budget = str(budget_chart("予算", [("事業", 1780, 1788)], ("2023年度", "2026年度")))
    assert "1,780千円" in budget and "1,788千円" in budget
