"""Roll-ups: scores, statuses, ratings, budget allocation."""

import pytest

from keikaku.evaluation import KpiResult, Status, Thresholds, Unit, allocate_budgets, rating_for, roll_up


def _result(kpi_id: int, status: Status, score: float | None) -> KpiResult:
    return KpiResult(kpi_id=kpi_id, status=status, reason="", score=score)


def _unit(node_id: int, weight: float, *results: KpiResult, departments: tuple[str, ...] = ("課",)) -> Unit:
    return Unit(node_id, node_id, f"事業{node_id}", weight, 1, departments, results)


def test_all_achieved_is_achieved_and_rated_a() -> None:
    rollup = roll_up("p", "事業", [_unit(1, 100, _result(1, Status.ACHIEVED, 1.0), _result(2, Status.ACHIEVED, 1.0))])
    assert rollup.status is Status.ACHIEVED
    assert rollup.rating == "A"
    assert rollup.unweighted == 1.0
    assert rollup.counts[Status.ACHIEVED] == 2


def test_missing_values_do_not_count_against_the_project() -> None:
    # Finding 1 of issue 15: every measured KPI met, the rest not measured yet -> 達成 at 100%, not red at 50%.
    unit = _unit(1, 100, _result(1, Status.ACHIEVED, 1.0), _result(2, Status.NOT_MEASURED, None))
    rollup = roll_up("p", "事業", [unit])
    assert rollup.unweighted == 1.0
    assert rollup.status is Status.ACHIEVED
    assert rollup.rating == "A"
    assert (rollup.measured, rollup.kpi_count, rollup.coverage) == (1, 2, 0.5)
    assert rollup.coverage_text == "2件中1件測定済み"
    assert "未測定 1件" in rollup.reason
    assert "2件中1件測定済み" in rollup.reason
    assert "0 として算入" not in rollup.reason


def test_score_is_over_measured_kpis_only() -> None:
    measured = [_result(1, Status.ACHIEVED, 1.0), _result(2, Status.NOT_ACHIEVED, 0.5)]
    missing = [_result(k, Status.NOT_MEASURED, None) for k in range(3, 16)]
    rollup = roll_up("plan", "計画", [_unit(1, 100, *measured, *missing)])
    assert rollup.unweighted == pytest.approx(0.75)
    assert rollup.status is Status.NOT_ACHIEVED
    assert rollup.coverage_text == "15件中2件測定済み"


def test_open_year_is_evaluating_not_a_grade() -> None:
    unit = _unit(1, 100, _result(1, Status.NOT_ACHIEVED, 0.4), _result(2, Status.NOT_MEASURED, None))
    final = roll_up("p", "事業", [unit])
    assert (final.status, final.rating, final.provisional) == (Status.NOT_ACHIEVED, "C", None)
    open_year = roll_up("p", "事業", [unit], final=False)
    assert open_year.status is Status.EVALUATING
    assert open_year.provisional is Status.NOT_ACHIEVED
    assert open_year.rating is None
    assert open_year.unweighted == pytest.approx(0.4)
    assert "評価中" in open_year.reason
    # Nothing measured stays 未測定 (grey) and no KPIs stays 判定不能, open or not.
    nothing = roll_up("p", "事業", [_unit(1, 10, _result(1, Status.NOT_MEASURED, None))], final=False)
    assert nothing.status is Status.NOT_MEASURED
    assert roll_up("p", "事業", [_unit(1, 10)], final=False).status is Status.UNDETERMINABLE


def test_mostly_achieved_group() -> None:
    unit = _unit(1, 100, _result(1, Status.ACHIEVED, 1.0), _result(2, Status.MOSTLY_ACHIEVED, 0.93))
    rollup = roll_up("p", "事業", [unit])
    assert rollup.unweighted == pytest.approx(0.965)
    assert rollup.status is Status.MOSTLY_ACHIEVED
    assert rollup.rating == "B"


def test_nothing_measured_and_no_kpis() -> None:
    assert roll_up("p", "事業", [_unit(1, 10, _result(1, Status.NOT_MEASURED, None))]).status is Status.NOT_MEASURED
    empty = roll_up("p", "事業", [_unit(1, 10)])
    assert empty.status is Status.UNDETERMINABLE
    assert empty.rating is None
    assert "設定されていない" in empty.reason
    undetermined = roll_up(
        "p",
        "事業",
        [
            _unit(1, 10, KpiResult(1, Status.UNDETERMINABLE, "", actual=5.0), _result(2, Status.NOT_MEASURED, None)),
        ],
    )
    assert undetermined.status is Status.UNDETERMINABLE
    assert undetermined.measured == 1


def test_budget_weighted_differs_from_unweighted() -> None:
    big = _unit(1, 900, _result(1, Status.ACHIEVED, 1.0))
    small = _unit(2, 100, _result(2, Status.NOT_ACHIEVED, 0.5), _result(3, Status.NOT_ACHIEVED, 0.5))
    rollup = roll_up("c", "チャレンジ1", [big, small])
    assert rollup.unweighted == pytest.approx(2 / 3)
    assert rollup.budget_weighted == pytest.approx(0.95)
    assert rollup.budget_thousand_yen == 1000


def test_ratings_are_configurable() -> None:
    thresholds = Thresholds(ratings=(("S", 1.2), ("A", 1.0), ("B", 0.7), ("C", 0.0)), score_cap=1.5)
    assert rating_for(1.3, thresholds) == "S"
    assert rating_for(0.75, thresholds) == "B"
    assert rating_for(0.2, thresholds) == "C"
    assert rating_for(None, thresholds) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mostly_achieved": 0},
        {"mostly_achieved": 1.2},
        {"ratings": ()},
        {"ratings": (("A", 0.5), ("B", 0.8))},
        {"ratings": (("A", 1.0), ("A", 0.5))},
        {"score_cap": 0.9},
    ],
)
def test_invalid_thresholds_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**kwargs)  # type: ignore[arg-type]


def test_allocate_budgets() -> None:
    assert allocate_budgets(1788, []) == (1788.0, [])
    assert allocate_budgets(19700, [14700, 5000]) == (0.0, [14700.0, 5000.0])
    assert allocate_budgets(7332, [None, None]) == (0.0, [3666.0, 3666.0])
    assert allocate_budgets(5000, [1000, None]) == (0.0, [1000.0, 4000.0])
    assert allocate_budgets(5000, [1000, 1500]) == (2500.0, [1000.0, 1500.0])
    assert allocate_budgets(None, [1000]) == (0.0, [1000.0])
