"""The year-over-year comparison report: continued, added and dropped projects, budgets, KPI targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from keikaku.evaluation.achievement import format_value
from keikaku.evaluation.yoy import Comparison, KpiTarget
from keikaku.normalize.date_style import era_fiscal_year, house_date, house_fiscal_year
from keikaku.reports import charts
from keikaku.reports.base import (
    FORMAT_OPTION,
    ISSUER_OPTION,
    RenderedReport,
    Report,
    ReportOption,
    ReportSource,
    chosen_format,
    chosen_issuer,
    in_format,
)
from keikaku.reports.evaluation_report import css
from keikaku.reports.files import new_workbook, workbook_bytes
from keikaku.reports.html import render_html
from keikaku.reports.xlsx import SIGNED_THOUSAND_YEN, THOUSAND_YEN, Column, write_table, write_title


def _title(c: Comparison) -> str:
    return f"事業計画の比較 {house_fiscal_year(c.before_year)}→{house_fiscal_year(c.after_year)}"


def _target(kpi: KpiTarget | None) -> str:
    if kpi is None:
        return ""
    return kpi.target_text or format_value(kpi.target, kpi.unit)


def comparison_html(comparison: Comparison, *, printable: bool = False) -> str:
    """The comparison as HTML (``printable`` for the PDF)."""
    rows = [(m.after.name, m.before.budget_thousand_yen, m.after.budget_thousand_yen) for m in comparison.continued]
    chart = charts.budget_chart(
        "継続事業の予算（千円）",
        rows,
        (era_fiscal_year(comparison.before_year), era_fiscal_year(comparison.after_year)),
    )
    toc = [
        ("summary", "1. 概要"),
        ("continued", "2. 継続した事業"),
        ("added", f"3. {house_fiscal_year(comparison.after_year)}の新規事業"),
        ("dropped", f"4. {house_fiscal_year(comparison.before_year)}で終了した事業"),
        ("revisions", "5. KPI 目標の変更"),
        ("rules", "6. 比較の方法"),
    ]
    return render_html(
        "comparison.html.j2",
        title=_title(comparison),
        subtitle=f"{house_fiscal_year(comparison.before_year)}と{house_fiscal_year(comparison.after_year)}の事業計画",
        generated=house_date(dt.datetime.now(dt.UTC)),
        css=css(),
        printable=printable,
        toc=toc,
        c=comparison,
        chart=chart,
    )


def comparison_xlsx(comparison: Comparison) -> bytes:
    """The comparison as a workbook: continued, added/dropped, and KPI target revisions."""
    b, a = comparison.before_year, comparison.after_year
    wb = new_workbook()
    ws = wb.active
    ws.title = "継続"
    total = f"予算総額 {format_value(comparison.before_total, '千円')} → {format_value(comparison.after_total, '千円')}"
    write_title(ws, _title(comparison), total)
    columns = (
        Column(f"{house_fiscal_year(b)}の事業", 36),
        Column(f"{house_fiscal_year(a)}の事業", 36),
        Column(f"{house_fiscal_year(b)}の予算（千円）", 14, THOUSAND_YEN),
        Column(f"{house_fiscal_year(a)}の予算（千円）", 14, THOUSAND_YEN),
        Column("増減（千円）", 12, SIGNED_THOUSAND_YEN),
        Column("増減率", 9, "+0.0%;-0.0%;0.0%"),
        Column("一致度", 8, "0.00"),
    )
    rows = [
        [
            m.before.name,
            f"{m.after.code} {m.after.name}".strip(),
            m.before.budget_thousand_yen,
            m.after.budget_thousand_yen,
            m.budget_change,
            m.budget_change_percent / 100 if m.budget_change_percent is not None else None,
            m.similarity,
        ]
        for m in comparison.continued
    ]
    write_table(ws, 4, columns, rows)
    changes = wb.create_sheet("新規・終了")
    write_title(changes, "新規・終了した事業")
    change_rows = [
        ["新規", f"{i.code} {i.name}".strip(), i.budget_thousand_yen, "【新規】" if i.is_new else ""]
        for i in comparison.added
    ]
    change_rows += [["終了", f"{i.code} {i.name}".strip(), i.budget_thousand_yen, ""] for i in comparison.dropped]
    change_columns = (
        Column("区分", 8),
        Column("事業", 50),
        Column("予算（千円）", 12, THOUSAND_YEN),
        Column("新規の表示", 10),
    )
    write_table(changes, 3, change_columns, change_rows)
    revisions = wb.create_sheet("KPI目標の変更")
    write_title(revisions, "KPI 目標の変更")
    revision_rows = [
        [m.after.name, c.after.indicator if c.after else "", _target(c.before), _target(c.after)]
        for m, c in comparison.kpi_revisions
    ]
    revision_columns = (
        Column("事業", 40),
        Column("指標", 30),
        Column(house_fiscal_year(b), 16),
        Column(house_fiscal_year(a), 16),
    )
    write_table(revisions, 3, revision_columns, revision_rows)
    return workbook_bytes(wb)


class ComparisonReport(Report):
    """事業計画の比較: two fiscal years' plans side by side."""

    identifier = "comparison"
    title = "事業計画の比較"
    description = "2 つの年度の事業（継続・新規・終了）、予算の増減、KPI 目標の変更"
    options = (
        ReportOption("before", "比べる前の年度", int, required=True),
        ReportOption("after", "比べる後の年度", int, required=True),
        FORMAT_OPTION,
        ISSUER_OPTION,
    )

    def render(self, source: ReportSource, options: Mapping[str, object]) -> RenderedReport:
        """Render the comparison of ``before`` and ``after`` as HTML, PDF or XLSX."""
        before, after = int(str(options["before"])), int(str(options["after"]))
        comparison = source.comparison(before, after, chosen_issuer(options))
        return in_format(
            chosen_format(options),
            f"comparison_{comparison.before_year}_{comparison.after_year}",
            lambda printable: comparison_html(comparison, printable=printable),
            lambda: comparison_xlsx(comparison),
        )
