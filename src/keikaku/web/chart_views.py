"""The charts of each page, built from the page's read model in the page's language."""

from __future__ import annotations

from markupsafe import Markup

from keikaku.services.plans.overview import Dashboard
from keikaku.services.plans.project import KpiView, ProjectPage
from keikaku.web import formatting as f
from keikaku.web.charts import Bar, Point, column_chart, hbar_chart, line_chart, progress_bar, stacked_bar
from keikaku.web.i18n import Translator

CHALLENGE_COLOURS = ("bar-c1", "bar-c2", "bar-c3")


def challenge_label(t: Translator, number: int | None, name: str | None, administrative: bool = False) -> str:
    """関西チャレンジ①「強みで貢献」, 管理費, or チャレンジ未設定."""
    if administrative:
        return t("plan.administrative")
    if number is None:
        return t("tree.unassigned")
    circled = chr(0x2460 + number - 1) if 1 <= number <= 20 else str(number)
    return t("challenge.label", number=circled, name=name or "")


def dashboard(board: Dashboard, t: Translator) -> dict[str, Markup]:
    """Budget by challenge, KPI statuses, budgets over the years, and one progress bar per vision target."""
    lang = t.lang
    charts: dict[str, Markup] = {}
    bars = [
        Bar(
            challenge_label(t, c.number, c.name, c.administrative),
            c.budget_thousand_yen,
            t("chart.amount_share", amount=f.yen(c.budget_thousand_yen, lang), share=f.percent(c.share)),
            "bar-admin" if c.administrative else CHALLENGE_COLOURS[((c.number or 1) - 1) % 3],
        )
        for c in board.budget_by_challenge
    ]
    desc = "、".join(f"{b.label} {b.text}" for b in bars)
    charts["by_challenge"] = hbar_chart(bars, title=t("dashboard.by_challenge"), desc=desc)
    segments = [
        Bar(t(f.status_key(s.status)), s.count, str(s.count), f.status_class(s.status)) for s in board.kpi_statuses
    ]
    desc = "、".join(f"{s.label} {s.text}" for s in segments)
    charts["statuses"] = stacked_bar(segments, title=t("dashboard.kpi_status"), desc=desc)
    years = [
        Bar(
            f.fiscal_year_label(y.fiscal_year, lang),
            y.stated_total or y.listed_total,
            f.yen(y.stated_total or y.listed_total, lang),
            "bar-c1",
        )
        for y in board.budgets
    ]
    desc = "、".join(
        f"{f.fiscal_year(y.fiscal_year, lang)} {b.text}" for y, b in zip(board.budgets, years, strict=True)
    )
    charts["budgets"] = column_chart(
        years, title=t("dashboard.budgets"), desc=desc, axis=lambda top: t("chart.max", value=f.yen(top, lang))
    )
    if board.vision:
        for target in board.vision.targets:
            charts[f"target-{target.kpi_id}"] = progress_bar(
                target.progress, title=target.indicator, desc=f"{target.reason}（{f.percent(target.progress)}）"
            )
    return charts


def kpi(view: KpiView, t: Translator) -> Markup:
    """A KPI's targets and actuals over the fiscal years."""
    points = [Point(f.fiscal_year_label(p.fiscal_year, t.lang), p.actual, p.target) for p in view.series]
    if len(points) < 2 and not any(p.actual is not None for p in points):
        return Markup("")  # a lone target says nothing a chart could add
    desc = "、".join(
        f"{f.fiscal_year(s.fiscal_year, t.lang)}: {t('kpi.actual')} {f.number(p.actual, view.unit)}"
        f" / {t('kpi.target')} {f.number(p.target, view.unit)}"
        for s, p in zip(view.series, points, strict=True)
    )
    return line_chart(
        points, title=t("kpi.chart_title", name=view.indicator), desc=desc, fmt=lambda v: f.number(v, view.unit)
    )


def project(page: ProjectPage, t: Translator) -> dict[int, Markup]:
    """One chart per KPI of the project and its components."""
    out = {k.id: kpi(k, t) for k in page.kpis}
    for component in page.components:
        out.update({k.id: kpi(k, t) for k in component.kpis})
    return out
