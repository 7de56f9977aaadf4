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


def test_missing_values_count_against_the_project() -> None:
    unit = _unit(1, 100, _result(1, Status.ACHIEVED, 1.0), _result(2, Status.NOT_MEASURED, 0.0))
    rollup = roll_up("p", "事業", [unit])
    assert rollup.unweighted == 0.5
    assert rollup.status is Status.NOT_ACHIEVED
    assert rollup.rating == "C"
    assert "未測定 1件" in rollup.reason
    assert "0 として算入" in rollup.reason


def test_mostly_achieved_group() -> None:
    unit = _unit(1, 100, _result(1, Status.ACHIEVED, 1.0), _result(2, Status.MOSTLY_ACHIEVED, 0.93))
    rollup = roll_up("p", "事業", [unit])
    assert rollup.unweighted == pytest.approx(0.965)
    assert rollup.status is Status.MOSTLY_ACHIEVED
    assert rollup.rating == "B"


def test_nothing_measured_and_no_kpis() -> None:
    assert roll_up("p", "事業", [_unit(1, 10, _result(1, Status.NOT_MEASURED, 0.0))]).status is Status.NOT_MEASURED
    empty = roll_up("p", "事業", [_unit(1, 10)])
    assert empty.status is Status.UNDETERMINABLE
    assert empty.rating is None
    assert "設定されていない" in empty.reason
    undetermined = roll_up(
        "p", "事業", [_unit(1, 10, _result(1, Status.UNDETERMINABLE, 0.0), _result(2, Status.NOT_MEASURED, 0.0))]
    )
    assert undetermined.status is Status.UNDETERMINABLE


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
