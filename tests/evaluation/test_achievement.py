"""Achievement of single KPIs: comparators, shares, relative targets, ranks, qualitative judgements."""

import pytest

from keikaku.domain.kpi import Comparator
from keikaku.evaluation import (
    EvaluationInputError,
    Judgement,
    KpiKind,
    KpiSpec,
    Observation,
    Status,
    Thresholds,
    achievement_ratio,
    annual_total,
    check_value,
    evaluate_kpi,
    format_value,
    satisfies,
    share_from_parts,
)

PARTICIPANTS = KpiSpec(id=1, indicator="参加者数", comparator=Comparator.GE, target=220, unit="人")
MATCHINGS = KpiSpec(
    id=2,
    indicator="BioJapanマッチング件数",
    comparator=Comparator.GE,
    target=6,
    unit="件",
    relative_to_id=3,
    relative_label="参加企業数",
    relative_unit="社",
)
RANKING = KpiSpec(
    id=4,
    indicator="Global Startup Ecosystem Ranking",
    comparator=Comparator.MAINTAIN_OR_IMPROVE,
    target=None,
    unit="位",
    reference=79,
    reference_label="2025年時点",
)


def test_forum_205_of_220_is_mostly_achieved_by_default() -> None:
    result = evaluate_kpi(PARTICIPANTS, Observation(205), fiscal_year=2026)
    assert result.status is Status.MOSTLY_ACHIEVED
    assert result.achievement == pytest.approx(205 / 220)
    assert result.score == pytest.approx(0.9318, abs=1e-4)
    assert "205人" in result.reason and "220人" in result.reason and "93.2%" in result.reason


def test_forum_205_of_220_is_not_achieved_with_a_stricter_threshold() -> None:
    result = evaluate_kpi(PARTICIPANTS, Observation(205), fiscal_year=2026, thresholds=Thresholds(mostly_achieved=0.95))
    assert result.status is Status.NOT_ACHIEVED
    assert "95.0% 未満" in result.reason


def test_target_met_exactly_is_achieved() -> None:
    result = evaluate_kpi(PARTICIPANTS, Observation(220), fiscal_year=2026)
    assert result.status is Status.ACHIEVED
    assert result.score == 1.0


def test_over_achievement_is_capped_in_the_score_but_not_in_the_ratio() -> None:
    result = evaluate_kpi(PARTICIPANTS, Observation(330), fiscal_year=2026)
    assert result.achievement == pytest.approx(1.5)
    assert result.score == 1.0


def test_biojapan_relative_target_uses_the_same_years_measure() -> None:
    result = evaluate_kpi(MATCHINGS, Observation(80), fiscal_year=2026, relative_observation=Observation(12))
    assert result.status is Status.ACHIEVED
    assert result.effective_target == 72
    assert result.achievement == pytest.approx(80 / 72)
    assert result.reason == "実績 80件 ≥ 目標 72件（参加企業数 12社 × 6）、達成率 111.1%"


def test_relative_target_without_the_measure_is_undeterminable() -> None:
    result = evaluate_kpi(MATCHINGS, Observation(80), fiscal_year=2026)
    assert result.status is Status.UNDETERMINABLE
    assert "参加企業数" in result.reason
    assert result.actual == 80


def test_rank_kept_against_the_reference() -> None:
    result = evaluate_kpi(RANKING, Observation(79), fiscal_year=2026)
    assert result.status is Status.ACHIEVED
    assert "79位（基準：2025年時点）の維持・向上" in result.reason


def test_rank_improved_against_the_previous_year_rather_than_the_reference() -> None:
    result = evaluate_kpi(RANKING, Observation(70), fiscal_year=2026, previous_observation=Observation(72))
    assert result.status is Status.ACHIEVED
    assert result.effective_target == 72
    assert result.achievement == pytest.approx(72 / 70)
    assert "前年度実績" in result.reason


def test_rank_slipping_is_mostly_achieved_or_not_achieved_by_ratio() -> None:
    slipped = evaluate_kpi(RANKING, Observation(85), fiscal_year=2026)
    assert slipped.achievement == pytest.approx(79 / 85)
    assert slipped.status is Status.MOSTLY_ACHIEVED
    fallen = evaluate_kpi(RANKING, Observation(120), fiscal_year=2026)
    assert fallen.status is Status.NOT_ACHIEVED


def test_rank_without_any_baseline_is_undeterminable() -> None:
    spec = KpiSpec(id=9, indicator="順位", comparator=Comparator.MAINTAIN_OR_IMPROVE, target=None, unit="位")
    assert evaluate_kpi(spec, Observation(5), fiscal_year=2026).status is Status.UNDETERMINABLE


def test_missing_actual_is_not_measured_and_never_scored() -> None:
    result = evaluate_kpi(PARTICIPANTS, None, fiscal_year=2026)
    assert result.status is Status.NOT_MEASURED
    assert result.score is None
    undetermined = evaluate_kpi(KpiSpec(id=7, indicator="参画", comparator=None, target=None), None, fiscal_year=2026)
    assert undetermined.status is Status.UNDETERMINABLE
    assert undetermined.score is None
    assert "missing_as_zero" not in Thresholds.__dataclass_fields__


def test_qualitative_judgement_decides_where_nothing_can_be_computed() -> None:
    spec = KpiSpec(id=5, indicator="未来創造会議への参画", comparator=None, target=None)
    judgement = Judgement(Status.ACHIEVED, "全構成府県市がプロジェクトに参画した", judged_by="評価担当")
    result = evaluate_kpi(spec, None, fiscal_year=2026, judgement=judgement)
    assert result.status is Status.ACHIEVED
    assert result.qualitative
    assert result.reason.startswith("定性判定：全構成府県市がプロジェクトに参画した")
    assert result.score == 1.0
    mostly = evaluate_kpi(spec, None, fiscal_year=2026, judgement=Judgement(Status.MOSTLY_ACHIEVED, "一部で遅れ"))
    assert mostly.score == 0.9


def test_qualitative_judgement_does_not_override_a_computed_status() -> None:
    judgement = Judgement(Status.ACHIEVED, "盛況だった")
    result = evaluate_kpi(PARTICIPANTS, Observation(100), fiscal_year=2026, judgement=judgement)
    assert result.status is Status.NOT_ACHIEVED
    assert not result.qualitative
    assert any("数値による判定を採用" in note for note in result.notes)


def test_judgement_needs_a_rationale_and_a_judged_status() -> None:
    with pytest.raises(ValueError, match="理由"):
        Judgement(Status.ACHIEVED, "  ")
    with pytest.raises(ValueError, match="定性判定"):
        Judgement(Status.NOT_MEASURED, "理由")


def test_future_target_year_is_not_judged_early() -> None:
    grp = KpiSpec(id=6, indicator="GRP額", comparator=Comparator.GE, target=150, unit="兆円", target_fiscal_year=2040)
    result = evaluate_kpi(grp, Observation(90.2), fiscal_year=2026)
    assert result.status is Status.UNDETERMINABLE
    assert "2040年度" in result.reason
    assert result.achievement == pytest.approx(90.2 / 150)


@pytest.mark.parametrize(
    ("comparator", "actual", "target", "met", "ratio"),
    [
        (Comparator.GE, 10, 10, True, 1.0),
        (Comparator.GT, 10, 10, False, 1.0),
        (Comparator.LE, 8, 10, True, 1.25),
        (Comparator.LT, 10, 10, False, 1.0),
        (Comparator.EQ, 9, 10, False, 0.9),
        (Comparator.EQ, 10, 10, True, 1.0),
        (Comparator.GE, 5, 0, True, None),
        (Comparator.LE, 0, 10, True, None),
    ],
)
def test_comparators(comparator: Comparator, actual: float, target: float, met: bool, ratio: float | None) -> None:
    assert satisfies(comparator, actual, target) is met
    computed = achievement_ratio(comparator, actual, target)
    assert computed == (pytest.approx(ratio) if ratio is not None else None)


def test_greater_than_met_only_above_target_is_mostly_achieved_at_equality() -> None:
    spec = KpiSpec(id=7, indicator="件数", comparator=Comparator.GT, target=10, unit="件")
    assert evaluate_kpi(spec, Observation(10), fiscal_year=2026).status is Status.MOSTLY_ACHIEVED


def test_share_from_numerator_and_denominator() -> None:
    assert share_from_parts(164, 205) == pytest.approx(80.0)
    with pytest.raises(EvaluationInputError, match="100%"):
        share_from_parts(210, 205)
    with pytest.raises(EvaluationInputError, match="分母"):
        share_from_parts(1, 0)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (KpiKind.SHARE, 120.0, "0〜100%"),
        (KpiKind.SHARE, -1.0, "0〜100%"),
        (KpiKind.COUNT, -3.0, "負の値"),
        (KpiKind.COUNT, 2.5, "整数"),
        (KpiKind.RANK, 0.0, "順位"),
        (KpiKind.AMOUNT, -1.0, "負の値"),
    ],
)
def test_check_value_rejects_impossible_values(kind: KpiKind, value: float, message: str) -> None:
    with pytest.raises(EvaluationInputError, match=message):
        check_value(kind, value)


def test_check_value_accepts_ordinary_values() -> None:
    check_value(KpiKind.SHARE, 100.0)
    check_value(KpiKind.COUNT, 0.0)
    check_value(KpiKind.RANK, 79.0)


def test_monthly_values_make_the_annual_total() -> None:
    monthly = {month: 2700.0 for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)}
    total = annual_total(monthly)
    assert total.value == 32400
    assert total.months == 12
    with pytest.raises(EvaluationInputError):
        annual_total({13: 1.0})


def test_partial_monthly_total_is_flagged() -> None:
    spec = KpiSpec(
        id=8, indicator="アクセス件数", comparator=Comparator.GE, target=32000, unit="件", counted_monthly=True
    )
    result = evaluate_kpi(spec, annual_total({4: 3000.0, 5: 2800.0}), fiscal_year=2026)
    assert result.months == 2
    assert any("2 か月分" in note for note in result.notes)


def test_format_value() -> None:
    assert format_value(32000, "件") == "32,000件"
    assert format_value(93.18, "%") == "93.2%"
    assert format_value(None) == "—"


@pytest.mark.parametrize(
    ("unit", "kind"),
    [("割", "share"), ("万人", "count"), ("企業", "count"), ("施設", "count"), ("人", "count"), ("位", "rank")],
)
def test_unit_kinds_come_from_the_one_unit_list(unit: str, kind: str) -> None:
    """The evaluation classifies units by keikaku.normalize.units, not a list of its own."""
    from keikaku.evaluation.types import KpiKind, kind_of

    assert kind_of(unit, Comparator.GE) is KpiKind(kind)


def test_a_count_in_ten_thousands_may_be_a_fraction() -> None:
    from keikaku.evaluation.achievement import EvaluationInputError, check_value
    from keikaku.evaluation.types import KpiKind

    check_value(KpiKind.COUNT, 1.5, "万人")
    with pytest.raises(EvaluationInputError, match="整数"):
        check_value(KpiKind.COUNT, 1.5, "人")
