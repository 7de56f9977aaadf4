"""Consistency checks of a parsed plan.  They warn (stable codes), they never fail or correct the document.

* ``budget_sum_mismatch``: the projects against the plan total, the components against their project (the
  rule of :mod:`keikaku.domain.budget`), the projects' national subsidies against the plan's (re-listings,
  再掲, are never counted).
* ``budget_mismatch``: the overview table and the detail page give a project different budgets.
* ``duplicate_project``: two projects (neither a re-listing) with the same name.
* ``missing_field``: a plan without a total, a project without a budget.
"""

from __future__ import annotations

from keikaku.domain import Plan, Provenance, Warning, WarningCode
from keikaku.domain.budget import Tally, budget_lines, components_verdict, plan_verdict
from keikaku.ingest.business_plan.drafts import ProjectDraft
from keikaku.ingest.context import ParseContext
from keikaku.normalize import fold_for_search

BUDGET_MISMATCH = "budget_mismatch"


def _fmt(value: int) -> str:
    return f"{value:,}千円"


def check_plan(ctx: ParseContext, plan: Plan, drafts: list[ProjectDraft]) -> list[Warning]:
    """Every consistency warning for ``plan`` (returned, and not added to ``ctx.warnings``)."""
    out: list[Warning] = []

    def warn(code: str, message: str, prov: Provenance | None = None, details: dict[str, object] | None = None) -> None:
        out.append(Warning(code=code, message=message, provenance=prov or ctx.prov(None), details=details))

    label = f"{plan.fiscal_year}年度"
    counted = [p for p in plan.projects if not p.relisted]
    verdict = plan_verdict(plan.total_budget_thousand_yen, Tally.of(budget_lines(plan.projects)))
    if plan.total_budget_thousand_yen is None:
        warn(WarningCode.MISSING_FIELD, f"{label}の計画の予算総額が見つかりません")
    elif not verdict.ok:
        warn(
            WarningCode.BUDGET_SUM_MISMATCH,
            f"{label}: 事業の予算額の合計 {_fmt(verdict.listed)} が予算総額 {_fmt(plan.total_budget_thousand_yen)} と一致しません"
            f"（差 {_fmt(plan.total_budget_thousand_yen - verdict.listed)}、再掲は除外）",
            plan.provenance,
            {"scope": "plan", "expected": plan.total_budget_thousand_yen, "actual": verdict.listed},
        )
    subsidies = [p.national_subsidy_thousand_yen for p in counted if p.national_subsidy_thousand_yen is not None]
    if (
        plan.national_subsidy_thousand_yen is not None
        and subsidies
        and sum(subsidies) != plan.national_subsidy_thousand_yen
    ):
        warn(
            WarningCode.BUDGET_SUM_MISMATCH,
            f"{label}: 事業の国庫補助金の合計 {_fmt(sum(subsidies))} が計画の国庫補助金 "
            f"{_fmt(plan.national_subsidy_thousand_yen)} と一致しません",
            plan.provenance,
            {"scope": "national_subsidy", "expected": plan.national_subsidy_thousand_yen, "actual": sum(subsidies)},
        )
    for project in plan.projects:
        name = f"{project.code + ' ' if project.code else ''}{project.name}"
        if project.budget_thousand_yen is None:
            warn(WarningCode.MISSING_FIELD, f"事業「{name}」の予算額が見つかりません", project.provenance)
            continue
        parts = components_verdict(project.budget_thousand_yen, Tally.of(budget_lines(project.components)))
        if parts is not None and not parts.ok:
            total = parts.listed
            warn(
                WarningCode.BUDGET_SUM_MISMATCH,
                f"事業「{name}」: 内訳の合計 {_fmt(total)} が事業の予算額 {_fmt(project.budget_thousand_yen)} と一致しません",
                project.provenance,
                {
                    "scope": "project",
                    "project": project.code or project.name,
                    "expected": project.budget_thousand_yen,
                    "actual": total,
                },
            )
    for draft in drafts:
        detail = draft.heading_budget if draft.heading_budget is not None else draft.title_budget
        if draft.list_budget is not None and detail is not None and detail != draft.list_budget:
            warn(
                BUDGET_MISMATCH,
                f"事業「{draft.name}」: 一覧表の予算額 {_fmt(draft.list_budget)} と詳細ページの {_fmt(detail)} が異なります"
                "（詳細ページの値を採用）",
                ctx.prov(draft.detail_line or draft.title_line),
                {"project": draft.code or draft.name, "overview": draft.list_budget, "detail": detail},
            )
    seen: dict[str, str] = {}
    for project in counted:
        key = fold_for_search(project.name)
        if key in seen:
            warn(
                WarningCode.DUPLICATE_PROJECT,
                f"同じ名前の事業が二つあります: 「{project.name}」（{seen[key]} と {project.code or '番号なし'}）",
                project.provenance,
                {"name": project.name},
            )
        else:
            seen[key] = project.code or "番号なし"
    return out
