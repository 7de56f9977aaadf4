"""The promotion council's evaluation report (事業評価報告書) in HTML, PDF and XLSX.

It has a summary by challenge, and per project: budget, each KPI's target, actual, achievement and
status with its reason, cost per output, and the change from the earlier plan; charts are inline SVG.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources

from openpyxl import Workbook
from openpyxl.styles import Font

from keikaku.domain.budget import Tally, plan_verdict
from keikaku.evaluation.rollup import Rollup
from keikaku.evaluation.types import KPI_STATUSES, Status
from keikaku.evaluation.views import PlanEvaluation, ProjectLine
from keikaku.normalize.date_style import house_date, house_fiscal_year
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
from keikaku.reports.files import new_workbook, workbook_bytes
from keikaku.reports.html import render_html
from keikaku.reports.xlsx import (
    RATIO,
    SIGNED_THOUSAND_YEN,
    THOUSAND_YEN,
    Column,
    write_table,
    write_title,
)

CIRCLED = "①②③④⑤⑥⑦⑧⑨"


def css() -> str:
    """The reports' stylesheet."""
    return (resources.files("keikaku.reports") / "templates" / "report.css").read_text(encoding="utf-8")


def challenge_label(evaluation: PlanEvaluation, number: int | None) -> str:
    """関西チャレンジ①「強みで貢献」; 未分類 for projects without a challenge."""
    if number is None:
        return "チャレンジ未分類"
    mark = CIRCLED[number - 1] if 1 <= number <= len(CIRCLED) else str(number)
    name = evaluation.challenge_names.get(number)
    return f"関西チャレンジ{mark}「{name}」" if name else f"関西チャレンジ{mark}"


def rules(evaluation: PlanEvaluation) -> list[str]:
    """The evaluation rules in force, in Japanese, for the report's last section."""
    t = evaluation.thresholds
    ratings = "、".join(f"{label}：{minimum:.0%}以上" for label, minimum in t.ratings)
    return [
        "達成：目標を満たした KPI。概ね達成：目標に届かないが達成率が"
        f" {t.mostly_achieved:.0%} 以上。未達：それ未満。未測定：実績が未入力。判定不能：比較できる目標や基準がない。",
        "未測定の KPI は 0 として数えず、スコアにも判定にも算入しない。事業・計画のスコアの横に"
        "測定済みの割合（「15件中3件測定済み」）を示す。",
        "年度が確定（ロック）されるまでは、事業・チャレンジ・計画の判定は「評価中」とし、評価区分は付けない"
        "（スコアはその時点の暫定値）。",
        "達成率：以上の目標は 実績÷目標、以下の目標と順位は 目標÷実績。相対目標（参加企業数×6倍など）は同じ年度の基準の実績から目標を計算。",
        "順位の維持・向上：前年度の実績があればそれと、なければ計画に記載の基準と比べ、小さいほど良い。",
        f"事業・チャレンジ・計画のスコア：判定済み KPI の達成率（上限 {t.score_cap:.0%}）の平均。"
        "未測定・判定不能はスコアから除外。予算加重スコアは事業・構成事業の予算額で重み付けした平均。",
        f"評価区分：{ratings}（スコアによる）。数値で判定できない KPI・事業は理由を付した定性判定による。",
        "単位コスト：事業（構成事業）の予算額÷件数・人数の実績（千円／件、千円／人）。",
    ]


def _charts(evaluation: PlanEvaluation) -> dict[str, object]:
    status_rows = [(challenge_label(evaluation, n), r.counts) for n, r in evaluation.challenges.items()]
    bars = [
        charts.Bar(
            f"{p.code} {p.name}", p.rollup.unweighted if p.rollup.status not in _UNJUDGED else None, p.rollup.status
        )
        for p in evaluation.projects
    ]
    return {
        "status": charts.status_chart("チャレンジ別の KPI 判定", status_rows),
        "projects": charts.achievement_chart("事業別のスコア（KPI 達成率の平均）", bars),
    }


_UNJUDGED = {Status.NOT_MEASURED, Status.UNDETERMINABLE}


def status_label(rollup: Rollup) -> str:
    """A group's status as the report prints it: ``評価中（暫定：達成）`` while the year is open."""
    if rollup.provisional is not None:
        return f"{rollup.status.value}（暫定：{rollup.provisional.value}）"
    return rollup.status.value


def _title(evaluation: PlanEvaluation, draft: bool = False) -> str:
    return f"{house_fiscal_year(evaluation.fiscal_year)} 事業評価報告書" + ("（案）" if draft else "")


def evaluation_html(evaluation: PlanEvaluation, *, printable: bool = False, draft: bool = False) -> str:
    """The report as HTML (``printable`` for the PDF: chapters start on new pages, TOC gets page numbers);
    ``draft``: a preview of an unpublished evaluation, titled and watermarked 案 on every page."""
    toc = [("summary", "1. 総括"), ("projects", "2. 事業別の評価")]
    toc += [(f"challenge-{n}", f"　{challenge_label(evaluation, n)}") for n in evaluation.challenges]
    toc += [("yoy", "3. 前回計画との比較"), ("vision", "4. ビジョンの数値目標"), ("departments", "5. 担当課別の集計")]
    toc += [("rules", "6. 判定の基準")]
    generated = house_date(evaluation.generated_at or dt.datetime.now(dt.UTC))
    return render_html(
        "evaluation.html.j2",
        title=_title(evaluation, draft),
        draft=draft,
        subtitle=evaluation.issuer or "",
        generated=generated,
        css=css(),
        printable=printable,
        toc=toc,
        ev=evaluation,
        statuses=list(KPI_STATUSES),
        charts=_charts(evaluation),
        rules=rules(evaluation),
        challenge_label=lambda n: challenge_label(evaluation, n),
    )


#: The 事業 sheet: one row per project (and per 管理費 item), so that the budget column sums to the plan's total.
PROJECT_COLUMNS = (
    Column("チャレンジ", 26),
    Column("番号", 6),
    Column("事業名", 40),
    Column("区分", 8),
    Column("担当課", 18),
    Column("予算額（千円）", 14, THOUSAND_YEN),
    Column("前回予算（千円）", 14, THOUSAND_YEN),
    Column("増減（千円）", 12, SIGNED_THOUSAND_YEN),
    Column("増減率", 9, "+0.0%;-0.0%;0.0%"),
    Column("事業の判定", 16),
    Column("事業の評価", 8),
    Column("測定済み", 16),
    Column("KPI数", 8, "#,##0"),
    Column("備考", 40),
)

#: The KPI sheet: one row per KPI, without the project's budget (a budget repeated per KPI would sum wrong).
KPI_COLUMNS = (
    Column("チャレンジ", 26),
    Column("番号", 6),
    Column("事業名", 34),
    Column("構成事業", 24),
    Column("担当課", 16),
    Column("KPI", 28),
    Column("目標", 18),
    Column("実績", 12, "#,##0.##"),
    Column("単位", 6),
    Column("達成率", 9, RATIO),
    Column("KPIの判定", 10),
    Column("判定の理由", 50),
    Column("単位コスト（千円）", 12, "#,##0.0"),
)


def _project_row(evaluation: PlanEvaluation, project: ProjectLine) -> list[object]:
    change = project.change
    kpis = sum(1 for _ in project.all_kpis())
    return [
        challenge_label(evaluation, project.challenge),
        project.code,
        project.name,
        "再掲" if project.relisted else "事業",
        "、".join(project.departments),
        None if project.relisted else project.budget_thousand_yen,
        change.previous_budget if change and not project.relisted else None,
        change.change if change and not project.relisted else None,
        change.change_percent / 100 if change and change.change_percent is not None and not project.relisted else None,
        status_label(project.rollup),
        project.rollup.rating or "",
        project.rollup.coverage_text,
        kpis,
        f"再掲（予算 {project.budget_thousand_yen or 0:,}千円は別の事業で計上）" if project.relisted else "",
    ]


def budget_total(evaluation: PlanEvaluation) -> tuple[int, str]:
    """The projects' budgets (re-listings left out) plus 管理費, and what it says against the plan's stated total."""
    items = [(p.budget_thousand_yen, p.relisted) for p in evaluation.projects]
    items += [(budget, False) for _name, budget in evaluation.administrative]
    verdict = plan_verdict(evaluation.total_budget_thousand_yen, Tally.of(items))
    if verdict.stated is None:
        note = "計画書に総額の記載はありません"
    elif verdict.ok:
        note = f"計画書記載の総額 {verdict.stated:,}千円と一致"
    else:
        note = f"計画書記載の総額 {verdict.stated:,}千円と一致しません（差 {verdict.difference or 0:+,}千円）"
    return verdict.listed, note


def _projects_sheet(wb: Workbook, evaluation: PlanEvaluation) -> None:
    ws = wb.create_sheet("事業")
    total, note = budget_total(evaluation)
    write_title(ws, f"{_title(evaluation)}　事業別", f"予算額の合計 {total:,}千円（管理費を含む）。{note}")
    rows = [_project_row(evaluation, p) for p in evaluation.projects]
    blank = [None] * (len(PROJECT_COLUMNS) - 6)
    rows += [
        ["", "", name, "管理費", "", budget, *blank[:-1], "評価の対象外"] for name, budget in evaluation.administrative
    ]
    next_row = write_table(ws, 3, PROJECT_COLUMNS, rows)  # one blank row between the rows and their total
    budget = [c.header for c in PROJECT_COLUMNS].index("予算額（千円）") + 1
    ws.cell(row=next_row, column=3, value="合計（事業と管理費）").font = Font(bold=True)
    cell = ws.cell(row=next_row, column=budget, value=total)
    cell.number_format, cell.font = THOUSAND_YEN, Font(bold=True)
    ws.cell(row=next_row, column=len(PROJECT_COLUMNS), value=note)


def _kpi_rows(evaluation: PlanEvaluation, project: ProjectLine) -> list[list[object]]:
    head = [challenge_label(evaluation, project.challenge), project.code, project.name]
    rows: list[list[object]] = []
    for part, component in [(project, ""), *((c, c.name) for c in project.components)]:
        for kpi in part.kpis:
            result = kpi.result
            rows.append(
                [
                    *head,
                    component,
                    "、".join(part.departments),
                    kpi.indicator,
                    kpi.target_text,
                    kpi.actual,
                    kpi.unit or "",
                    result.achievement if result else None,
                    result.status.value if result else "参照実績",
                    result.reason if result else "相対目標の基準となる実績",
                    round(kpi.cost.thousand_yen_per_output, 1) if kpi.cost else None,
                ]
            )
    return rows


def evaluation_xlsx(evaluation: PlanEvaluation, *, draft: bool = False) -> bytes:
    """The report as a workbook (values, not formulas): 総括 by challenge, 事業 with one row per project and
    管理費 (its budget column sums to the plan's total), and KPI with one row per KPI and no budget."""
    wb = new_workbook()
    summary = wb.active
    summary.title = "総括"
    write_title(summary, _title(evaluation), f"{evaluation.issuer or ''}　{evaluation.plan.reason}")
    columns = (
        Column("チャレンジ", 30),
        Column("事業数", 8, "#,##0"),
        Column("予算（千円）", 14, THOUSAND_YEN),
        Column("KPI", 8, "#,##0"),
        *(Column(s.value, 9, "#,##0") for s in KPI_STATUSES),
        Column("測定済み", 9, "#,##0"),
        Column("測定率", 9, RATIO),
        Column("単純平均", 10, RATIO),
        Column("予算加重", 10, RATIO),
        Column("判定", 16),
        Column("評価", 8),
    )
    groups = [
        (challenge_label(evaluation, n), len(evaluation.projects_of(n)), r) for n, r in evaluation.challenges.items()
    ]
    groups.append(("計画全体", len(evaluation.projects), evaluation.plan))
    rows = [
        [
            label,
            count,
            r.budget_thousand_yen,
            r.kpi_count,
            *(r.counts[s] for s in KPI_STATUSES),
            r.measured,
            r.coverage,
            r.unweighted,
            r.budget_weighted,
            status_label(r),
            r.rating or "",
        ]
        for label, count, r in groups
    ]
    next_row = write_table(summary, 4, columns, rows)
    total, note = budget_total(evaluation)
    administrative = sum(budget or 0 for _name, budget in evaluation.administrative)
    summary.cell(
        row=next_row - 1,
        column=1,
        value=f"予算は評価の対象の事業の合計です。管理費 {administrative:,}千円を加えた {total:,}千円が予算額の合計です"
        f"（{note}。「事業」シート）。",
    )
    if evaluation.vision:
        vision_columns = (
            Column("ビジョンの目標", 30),
            Column("目標値", 12, "#,##0.##"),
            Column("単位", 6),
            Column("目標年度", 22),
            Column("最新の実績", 12, "#,##0.##"),
            Column("実績の年度", 22),
            Column("必要な年平均成長率", 12, "0.00%"),
            Column("説明", 60),
        )
        vision_rows = [
            [
                v.indicator,
                v.target,
                v.unit or "",
                house_fiscal_year(v.target_fiscal_year, ""),
                v.latest_value,
                house_fiscal_year(v.latest_fiscal_year, ""),
                v.growth_rate_needed,
                v.reason,
            ]
            for v in evaluation.vision
        ]
        write_table(summary, next_row + 1, vision_columns, vision_rows, freeze=False)
    _projects_sheet(wb, evaluation)
    kpis = wb.create_sheet("KPI")
    write_title(
        kpis, f"{_title(evaluation)}　KPI 別", "事業の予算は「事業」シートにあります（KPI ごとには繰り返しません）"
    )
    write_table(kpis, 3, KPI_COLUMNS, [row for p in evaluation.projects for row in _kpi_rows(evaluation, p)])
    if draft:  # every sheet's title says it is a preview of an unpublished evaluation
        for sheet in wb.worksheets:
            title = sheet.cell(row=1, column=1)
            title.value = str(title.value or "").replace("事業評価報告書", "事業評価報告書（案）", 1)
    return workbook_bytes(wb)


class EvaluationReport(Report):
    """事業評価報告書: the council's evaluation report of one fiscal year's plan."""

    identifier = "evaluation"
    title = "事業評価報告書"
    description = "年度の KPI の実績・達成率・判定と理由、チャレンジ別の集計、前回計画との比較"
    options = (
        ReportOption("fiscal_year", "年度", int, required=True),
        FORMAT_OPTION,
        ISSUER_OPTION,
    )

    def render(self, source: ReportSource, options: Mapping[str, object]) -> RenderedReport:
        """Render the evaluation of ``fiscal_year`` as HTML, PDF or XLSX."""
        fiscal_year = int(str(options["fiscal_year"]))
        evaluation = source.evaluation(fiscal_year, chosen_issuer(options))
        draft = source.is_draft(evaluation.plan_id, fiscal_year)
        return in_format(
            chosen_format(options),
            f"evaluation_{fiscal_year}",
            lambda printable: evaluation_html(evaluation, printable=printable, draft=draft),
            lambda: evaluation_xlsx(evaluation, draft=draft),
        )
