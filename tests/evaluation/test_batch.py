"""The batch evaluator on a small FY2026-like plan: KPI results, roll-ups, costs."""

import pytest

from keikaku.domain.kpi import Comparator
from keikaku.evaluation import (
    EvaluationInput,
    EvaluationResult,
    Judgement,
    KpiSpec,
    Node,
    Observation,
    Status,
    Thresholds,
    annual_total,
    evaluate_plan,
)

KPIS = {
    10: KpiSpec(10, "パンフレット手交部数", Comparator.GE, 450, "部"),
    11: KpiSpec(11, "BioJapanマッチング件数", Comparator.GE, 6, "件", relative_to_id=12, relative_label="参加企業数"),
    12: KpiSpec(12, "参加企業数", None, None, "社", is_measure=True),
    20: KpiSpec(20, "参加者数", Comparator.GE, 220, "人"),
    21: KpiSpec(21, "有益と回答した割合", Comparator.GE, 70, "%"),
    30: KpiSpec(30, "マッチング件数", Comparator.GE, 160, "件"),
    50: KpiSpec(50, "アクセス件数", Comparator.GE, 32000, "件", counted_monthly=True),
}
NODES = [
    Node(2, "ライフサイエンス", 3841, challenge=1, departments=("ライフサイエンス産業振興課",), kpi_ids=(10, 11, 12)),
    Node(3, "グリーン", 1788, challenge=1, departments=("グリーン産業振興課",), kpi_ids=(20, 21)),
    Node(4, "万博", 19700, challenge=1, departments=("スタートアップ支援課", "産業振興企画課")),
    Node(41, "Viva Technology", 14700, parent_id=4, departments=("スタートアップ支援課",), kpi_ids=(30,)),
    Node(42, "実装化", 5000, parent_id=4, departments=("産業振興企画課",)),
    Node(5, "プラットフォーム", 49984, challenge=2, departments=("ものづくり支援課",), kpi_ids=(50,)),
    Node(9, "推進会議", 250, challenge=3, departments=("産業振興企画課",)),
]
ACTUALS = {
    10: Observation(470),
    11: Observation(80),
    12: Observation(12),
    20: Observation(205),
    21: Observation(76.5),
    50: annual_total({m: 2700.0 for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)}),
}


def _evaluate(**changes: object) -> EvaluationResult:
    data = EvaluationInput(
        fiscal_year=2026,
        nodes=NODES,
        kpis=KPIS,
        actuals=ACTUALS,
        challenge_names={1: "強みで貢献", 2: "強みを活用", 3: "強みを発揮"},
        **changes,  # type: ignore[arg-type]
    )
    return evaluate_plan(data)


def test_kpi_results() -> None:
    result = _evaluate()
    assert result.kpis[11].status is Status.ACHIEVED
    assert result.kpis[11].effective_target == 72
    assert result.kpis[20].status is Status.MOSTLY_ACHIEVED
    assert result.kpis[30].status is Status.NOT_MEASURED
    assert result.kpis[50].actual == 32400
    assert result.kpis[50].status is Status.ACHIEVED
    assert 12 not in result.kpis  # a supporting measure is not judged


def test_project_includes_its_components_and_missing_values() -> None:
    result = _evaluate()
    expo = result.nodes[4]
    assert expo.kpi_count == 1
    assert expo.status is Status.NOT_MEASURED
    green = result.nodes[3]
    assert green.status is Status.MOSTLY_ACHIEVED
    assert green.unweighted == pytest.approx((205 / 220 + 1.0) / 2)
    assert green.rating == "B"
    assert result.nodes[9].status is Status.UNDETERMINABLE


def test_challenge_department_and_plan_rollups() -> None:
    result = _evaluate()
    first = result.challenges[1]
    assert first.label == "強みで貢献"
    assert first.kpi_count == 5
    # 470/450 and 80/72 capped at 1, 205/220, 1.0; the unmeasured Viva KPI is left out, not counted as 0.
    assert first.unweighted == pytest.approx((1 + 1 + 205 / 220 + 1) / 4)
    assert (first.measured, first.coverage_text) == (4, "5件中4件測定済み")
    # Viva (14,700千円) has nothing measured, so its budget carries no weight either.
    expected_weighted = (3841 * 1.0 + 1788 * ((205 / 220 + 1) / 2)) / (3841 + 1788)
    assert first.budget_weighted == pytest.approx(expected_weighted)
    assert result.departments["産業振興企画課"].kpi_count == 0
    assert result.departments["スタートアップ支援課"].kpi_count == 1
    assert result.plan.kpi_count == 6
    assert result.plan.budget_thousand_yen == 3841 + 1788 + 19700 + 49984 + 250


def test_cost_per_output() -> None:
    result = _evaluate()
    assert result.costs[20].thousand_yen_per_output == pytest.approx(1788 / 205)
    assert result.costs[20].label == "8.7千円/人"
    assert result.costs[11].thousand_yen_per_output == pytest.approx(3841 / 80)
    assert result.costs[12].unit == "社"
    assert 21 not in result.costs  # a share has no cost per output
    assert 30 not in result.costs  # no actual


def test_node_judgement_for_a_project_without_kpis() -> None:
    judgement = Judgement(Status.ACHIEVED, "推進会議を2回開催し、評価への助言を得た")
    result = _evaluate(node_judgements={9: judgement})
    council = result.nodes[9]
    assert council.status is Status.ACHIEVED
    assert result.node_results(9)[0].qualitative
    assert result.challenges[3].kpi_count == 1


def test_thresholds_change_the_outcome() -> None:
    result = _evaluate(thresholds=Thresholds(mostly_achieved=0.95))
    assert result.kpis[20].status is Status.NOT_ACHIEVED
    assert result.nodes[3].status is Status.MOSTLY_ACHIEVED  # (0.93 + 1) / 2 = 0.966


def test_relisted_projects_are_not_counted_twice() -> None:
    nodes = [*NODES, Node(99, "再掲", 1788, challenge=1, kpi_ids=(20,), relisted=True)]
    data = EvaluationInput(fiscal_year=2026, nodes=nodes, kpis=KPIS, actuals=ACTUALS)
    result = evaluate_plan(data)
    assert result.plan.kpi_count == 6
    assert 99 in result.nodes
