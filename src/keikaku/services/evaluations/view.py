"""Turning the engine's result and the plan's rows into a :class:`PlanEvaluation` for reports and screens."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from keikaku.evaluation.achievement import format_value
from keikaku.evaluation.batch import EvaluationResult
from keikaku.evaluation.types import KpiSpec
from keikaku.evaluation.views import KpiLine, PlanEvaluation, ProjectLine, YearChange
from keikaku.evaluation.vision import VisionProgress
from keikaku.evaluation.yoy import Comparison, Match
from keikaku.services.plans.kpis import KpiRef, display_code, refs_for_projects
from keikaku.services.plans.rows import PlanRow, PlanTree, ProjectRow
from keikaku.storage import actuals as store


def _revisions(comparison: Comparison | None) -> dict[int, str]:
    """KPI id → ``36,000件 → 32,000件`` for each target revised since the earlier plan."""
    texts: dict[int, str] = {}
    if comparison is None:
        return texts
    for _match, change in comparison.kpi_revisions:
        if change.before and change.after and change.after.kpi_id is not None:
            before = change.before.target_text or format_value(change.before.target, change.before.unit)
            after = change.after.target_text or format_value(change.after.target, change.after.unit)
            texts[change.after.kpi_id] = f"{before} → {after}"
    return texts


def _year_change(
    node: ProjectRow, components: Sequence[ProjectRow], comparison: Comparison | None
) -> YearChange | None:
    if comparison is None:
        return None
    by_after: dict[int, Match] = {match.after.key: match for match in comparison.continued}
    matches = [by_after[node.id]] if node.id in by_after else [by_after[c.id] for c in components if c.id in by_after]
    if not matches:
        return YearChange(comparison.before_year, None, None, None, None)
    names = "、".join(match.before.name for match in matches)
    budgets = [match.before.budget_thousand_yen for match in matches]
    previous = None if any(b is None for b in budgets) else sum(b or 0 for b in budgets)
    current = node.budget_thousand_yen
    if len(matches) > 1 or node.id not in by_after:
        # The earlier projects live on as components: compare with what those components cost now.
        parts = [c.budget_thousand_yen for c in components if c.id in by_after]
        current = None if any(b is None for b in parts) else sum(b or 0 for b in parts)
    change = current - previous if current is not None and previous is not None else None
    percent = change / previous * 100 if change is not None and previous else None
    return YearChange(comparison.before_year, names, previous, change, percent)


def _kpi_lines(
    refs: Sequence[KpiRef],
    rows: Mapping[int, Sequence[store.ValueDetail]],
    result: EvaluationResult,
    revisions: dict[int, str],
) -> tuple[KpiLine, ...]:
    lines = []
    for ref in refs:
        values = rows.get(ref.id, [])
        annual = next((r for r in values if not r.month), None)
        monthly = {r.month: r.value for r in values if r.month}
        latest = max(values, key=lambda r: r.entered_at, default=None)
        kpi_result = result.kpis.get(ref.id)
        actual = annual.value if annual else (kpi_result.actual if kpi_result else None)
        if actual is None and monthly:
            actual = sum(monthly.values())
        evidence = None
        if latest is not None:
            evidence = "／".join(x for x in (latest.evidence_text, latest.evidence_url) if x) or None
        lines.append(
            KpiLine(
                kpi_id=ref.id,
                indicator=ref.indicator,
                target_text=ref.target_text,
                unit=ref.unit,
                kind=ref.kind,
                is_measure=ref.spec.is_measure,
                actual=actual,
                monthly=dict(sorted(monthly.items(), key=lambda item: (item[0] < 4, item[0]))),
                result=kpi_result,
                cost=result.costs.get(ref.id),
                measured_on=latest.measured_on if latest else None,
                evidence=evidence,
                entered_by=latest.entered_by if latest else None,
                versions=max((r.version for r in values), default=0),
                revision=revisions.get(ref.id),
            )
        )
    return tuple(lines)


def build_plan_evaluation(
    plan: PlanRow,
    *,
    tree: PlanTree,
    projects: Sequence[ProjectRow],
    specs: Mapping[int, KpiSpec],
    load_values: Callable[[Sequence[int]], Mapping[int, Sequence[store.ValueDetail]]],
    result: EvaluationResult,
    names: dict[int, str],
    vision: tuple[VisionProgress, ...],
    comparison: Comparison | None,
) -> PlanEvaluation:
    """The report model of one plan's evaluation (``projects`` are this plan's); lines are built on first use."""

    def build_lines() -> tuple[ProjectLine, ...]:
        refs = refs_for_projects(tree, projects, specs=specs)
        rows_by_kpi = load_values([r.id for r in refs])
        refs_by_project: dict[int, list[KpiRef]] = defaultdict(list)
        for ref in refs:
            if ref.project_id is not None:
                refs_by_project[ref.project_id].append(ref)
        revisions = _revisions(comparison)
        children: dict[int, list[ProjectRow]] = defaultdict(list)
        for project in projects:
            if project.parent_id is not None:
                children[project.parent_id].append(project)

        def line(node: ProjectRow, parent: ProjectRow | None) -> ProjectLine:
            own = _kpi_lines(refs_by_project.get(node.id, []), rows_by_kpi, result, revisions)
            unit_results = result.node_results(node.id)
            judgement = unit_results[0] if unit_results and unit_results[0].kpi_id is None else None
            return ProjectLine(
                node_id=node.id,
                code=display_code(node.code) if parent is None else "",
                name=node.name,
                title=node.title,
                budget_thousand_yen=node.budget_thousand_yen,
                national_subsidy_thousand_yen=node.national_subsidy_thousand_yen,
                challenge=node.challenge if parent is None else parent.challenge,
                departments=node.department_names or (parent.department_names if parent else ()),
                is_new=node.is_new,
                rollup=result.nodes[node.id],
                kpis=own,
                components=tuple(line(c, node) for c in children.get(node.id, [])) if parent is None else (),
                judgement=judgement,
                change=_year_change(node, children.get(node.id, []), comparison) if parent is None else None,
                relisted=node.relisted,
            )

        return tuple(
            line(p, None)
            for p in projects
            if p.parent_id is None and p.kind != "administrative" and p.id in result.nodes
        )

    return PlanEvaluation(
        fiscal_year=plan.fiscal_year,
        plan_id=plan.id,
        title=plan.title,
        issuer=plan.issuer,
        total_budget_thousand_yen=plan.total_budget_thousand_yen,
        national_subsidy_thousand_yen=plan.national_subsidy_thousand_yen,
        thresholds=result.thresholds,
        challenge_names=names,
        challenges=result.challenges,
        departments=result.departments,
        plan=result.plan,
        result=result,
        build_lines=build_lines,
        vision=vision,
        comparison=comparison,
        generated_at=dt.datetime.now(dt.UTC),
        final=result.final,
        administrative=tuple(
            (p.name, p.budget_thousand_yen)
            for p in projects
            if p.parent_id is None and p.kind == "administrative" and not p.relisted
        ),
    )
