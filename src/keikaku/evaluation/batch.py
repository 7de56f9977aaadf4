"""The batch evaluator: everything about one plan's fiscal year goes in at once, is computed once.

The service reads the plan tree, the KPIs, the actuals (this year and the previous one), the judgements
and the plan's thresholds in a handful of queries, builds an :class:`EvaluationInput`, and calls
:func:`evaluate_plan`.  Nothing here touches a database, so it is as fast as the arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from keikaku.evaluation.achievement import evaluate_kpis, score_for
from keikaku.evaluation.cost import CostPerOutput, cost_per_output
from keikaku.evaluation.rollup import Rollup, Unit, allocate_budgets, roll_up
from keikaku.evaluation.types import (
    DEFAULT_THRESHOLDS,
    Judgement,
    KpiResult,
    KpiSpec,
    Observation,
    Thresholds,
)

UNCLASSIFIED = "未分類"


class Node(NamedTuple):
    """A project (``parent_id`` None) or a component, with the ids of the KPIs it owns."""

    id: int
    name: str
    budget_thousand_yen: int | None
    parent_id: int | None = None
    code: str | None = None
    challenge: int | None = None
    departments: tuple[str, ...] = ()
    kpi_ids: tuple[int, ...] = ()
    relisted: bool = False
    is_new: bool = False


@dataclass(frozen=True)
class EvaluationInput:
    """All that the evaluation of one plan's fiscal year needs.

    ``final`` says whether the fiscal year is locked (確定); while it is open, judged groups are 評価中.
    """

    fiscal_year: int
    nodes: Sequence[Node]
    kpis: Mapping[int, KpiSpec]
    actuals: Mapping[int, Observation]
    previous_actuals: Mapping[int, Observation] = field(default_factory=dict)
    judgements: Mapping[int, Judgement] = field(default_factory=dict)
    node_judgements: Mapping[int, Judgement] = field(default_factory=dict)
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    challenge_names: Mapping[int, str] = field(default_factory=dict)
    plan_label: str = "計画全体"
    final: bool = True


@dataclass(frozen=True)
class EvaluationResult:
    """The evaluation of a plan's fiscal year: per KPI, per project and component, per group, and costs.

    ``costs`` (cost per output, a figure of the KPI lines) is worked out from ``data`` on first use: a run
    over a national year that only needs statuses and roll-ups does not make 150,000 of them.
    """

    fiscal_year: int
    thresholds: Thresholds
    kpis: dict[int, KpiResult]
    nodes: dict[int, Rollup]
    units: dict[int, Unit]
    challenges: dict[int | None, Rollup]
    departments: dict[str, Rollup]
    plan: Rollup
    final: bool = True
    data: EvaluationInput | None = field(default=None, repr=False, compare=False)

    @cached_property
    def costs(self) -> dict[int, CostPerOutput]:
        """The cost per output of each count KPI with a positive actual in a unit with a budget, by KPI id."""
        return _costs(self.data, self.units) if self.data is not None else {}

    def node_results(self, node_id: int) -> tuple[KpiResult, ...]:
        """The results counted in a node's own unit (its KPIs, or its qualitative judgement)."""
        unit = self.units.get(node_id)
        return unit.results if unit else ()


def _evaluate_kpis(data: EvaluationInput) -> dict[int, KpiResult]:
    return evaluate_kpis(
        data.kpis.values(), data.actuals, data.previous_actuals, data.judgements, data.fiscal_year, data.thresholds
    )


def _node_judgement(node: Node, judgement: Judgement, thresholds: Thresholds) -> KpiResult:
    return KpiResult(
        kpi_id=None,
        status=judgement.status,
        reason=f"定性判定：{judgement.rationale}",
        score=score_for(judgement.status, None, thresholds, qualitative=True),
        qualitative=True,
    )


def _build_units(data: EvaluationInput, results: Mapping[int, KpiResult]) -> dict[int, Unit]:
    by_id = {n.id: n for n in data.nodes}
    children: dict[int, list[Node]] = defaultdict(list)
    for node in data.nodes:
        if node.parent_id is not None:
            children[node.parent_id].append(node)
    weights: dict[int, float] = {}
    for node in data.nodes:
        if node.parent_id is None:
            own, parts = allocate_budgets(node.budget_thousand_yen, [c.budget_thousand_yen for c in children[node.id]])
            weights[node.id] = own
            weights.update({c.id: w for c, w in zip(children[node.id], parts, strict=True)})
    units: dict[int, Unit] = {}
    node_judgements = data.node_judgements
    for node in data.nodes:
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        unit_results = tuple([results[k] for k in node.kpi_ids if k in results])
        if not unit_results and node.id in node_judgements:
            unit_results = (_node_judgement(node, node_judgements[node.id], data.thresholds),)
        units[node.id] = Unit(
            node.id,
            parent.id if parent else node.id,
            node.name,
            weights.get(node.id, 0.0),
            node.challenge if node.challenge is not None else (parent.challenge if parent else None),
            node.departments or (parent.departments if parent else ()),
            unit_results,
        )
    return units


def evaluate_plan(data: EvaluationInput) -> EvaluationResult:
    """Evaluate every KPI of the plan's fiscal year, then roll the results up once."""
    thresholds = data.thresholds
    final = data.final
    results = _evaluate_kpis(data)
    units = _build_units(data, results)
    relisted = {n.id for n in data.nodes if n.relisted}
    relisted |= {n.id for n in data.nodes if n.parent_id in relisted}
    counted = [u for u in units.values() if u.node_id not in relisted]

    nodes: dict[int, Rollup] = {}
    members: dict[int, list[Unit]] = defaultdict(list)
    for unit in units.values():
        members[unit.project_id].append(unit)
    for node in data.nodes:
        scope = members[node.id] if node.parent_id is None else [units[node.id]]
        nodes[node.id] = roll_up(f"node:{node.id}", node.name, scope, thresholds, final=final)

    by_challenge: dict[int | None, list[Unit]] = defaultdict(list)
    by_department: dict[str, list[Unit]] = defaultdict(list)
    for unit in counted:
        by_challenge[unit.challenge].append(unit)
        for department in unit.departments or (UNCLASSIFIED,):
            by_department[department].append(unit)
    challenges = {
        number: roll_up(
            f"challenge:{number}",
            data.challenge_names.get(number, f"チャレンジ{number}") if number is not None else UNCLASSIFIED,
            scope,
            thresholds,
            final=final,
        )
        for number, scope in sorted(by_challenge.items(), key=lambda item: (item[0] is None, item[0] or 0))
    }
    departments = {
        name: roll_up(f"department:{name}", name, scope, thresholds, final=final)
        for name, scope in sorted(by_department.items())
    }

    return EvaluationResult(
        fiscal_year=data.fiscal_year,
        thresholds=thresholds,
        kpis=results,
        nodes=nodes,
        units=units,
        challenges=challenges,
        departments=departments,
        plan=roll_up("plan", data.plan_label, counted, thresholds, final=final),
        final=final,
        data=data,
    )


def _costs(data: EvaluationInput, units: Mapping[int, Unit]) -> dict[int, CostPerOutput]:
    costs: dict[int, CostPerOutput] = {}
    kpis, actuals = data.kpis, data.actuals
    for node in data.nodes:
        weight = units[node.id].weight
        if weight <= 0:  # no budget, no cost per output (cost_per_output's own test, asked once per node)
            continue
        for kpi_id in node.kpi_ids:
            spec = kpis.get(kpi_id)
            if spec is None:
                continue
            cost = cost_per_output(spec, actuals.get(kpi_id), node.id, weight)
            if cost is not None:
                costs[kpi_id] = cost
    return costs
