"""Achievement of one KPI: comparators, shares, relative targets, ranks, qualitative judgements.

Everything here is a pure function of its arguments.  Rules (documented for the council):

* ``>=`` / ``>``: achievement ratio = actual ÷ target.  ``<=`` / ``<``: target ÷ actual (less is better).
  ``=``: 1 − |actual − target| ÷ target.
* Status: 達成 when the comparator holds; otherwise 概ね達成 when the ratio reaches
  ``Thresholds.mostly_achieved`` (default 90%); otherwise 未達.  No actual: 未測定.  Nothing to compare
  with (no target, a relative target whose measure has no actual, a target year still ahead): 判定不能.
* A relative target (BioJapan matchings ≥ 参加企業数 × 6) is evaluated against the same fiscal year's
  actual of the referenced measure: 12 companies → target 72; 80 matchings → 達成 (111.1%).
* A rank to be kept or improved (``maintain_or_improve``): lower is better.  The baseline is the previous
  fiscal year's actual if there is one, else the reference given with the target (79位, 2025).
  Ratio = baseline ÷ actual.
* A qualitative judgement (達成/概ね達成/未達 with a written rationale) decides where nothing can be computed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

from keikaku.domain.kpi import Comparator
from keikaku.evaluation.types import (
    DEFAULT_THRESHOLDS,
    JUDGED,
    Judgement,
    KpiKind,
    KpiResult,
    KpiSpec,
    Observation,
    Status,
    Thresholds,
    counts_whole_units,
)


class EvaluationInputError(ValueError):
    """A value the engine cannot accept (e.g. a share over 100%); the message is Japanese."""


# Enum members as module constants: ``Status.ACHIEVED`` is a class attribute lookup through the enum's
# metaclass, four times slower than a global, and the evaluation asks it several times per KPI.
_ACHIEVED = Status.ACHIEVED
_MOSTLY_ACHIEVED = Status.MOSTLY_ACHIEVED
_NOT_ACHIEVED = Status.NOT_ACHIEVED
_NOT_MEASURED = Status.NOT_MEASURED
_UNDETERMINABLE = Status.UNDETERMINABLE
_GE, _GT, _LE, _LT = Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT
_MAINTAIN_OR_IMPROVE = Comparator.MAINTAIN_OR_IMPROVE
_MORE_IS_BETTER = (_GE, _GT)
_LESS_IS_BETTER = (_LE, _LT, _MAINTAIN_OR_IMPROVE)

#: How many distinct figures and ratios the formatters remember.  A national year's 178,000 KPIs have about
#: 15,000 distinct actuals, 14,000 targets and 45,000 ratios, so most texts are made once, not per KPI.
_FORMAT_CACHE = 1 << 16


@lru_cache(maxsize=_FORMAT_CACHE)  # a pure function of two small values; equal numbers give equal texts
def format_value(value: float | None, unit: str | None = None) -> str:
    """A figure as the report shows it: ``80件``, ``32,000件``, ``93.2%``, ``79位``; ``—`` for None."""
    if value is None:
        return "—"
    text = f"{round(value):,}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit or ''}"


@lru_cache(maxsize=_FORMAT_CACHE)
def format_ratio(ratio: float | None) -> str:
    """An achievement ratio as a percentage with one decimal (``111.1%``); ``—`` for None."""
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


def share_from_parts(numerator: float, denominator: float) -> float:
    """A share in % from a numerator and a denominator (e.g. 164 of 205 answered yes → 80.0)."""
    if denominator <= 0:
        raise EvaluationInputError("割合の分母は 1 以上で指定してください")
    if numerator < 0:
        raise EvaluationInputError("割合の分子に負の値は指定できません")
    if numerator > denominator:
        raise EvaluationInputError("割合の分子が分母を超えています（100% を超える割合になります）")
    return numerator / denominator * 100


def check_value(kind: KpiKind, value: float, unit: str | None = None) -> None:
    """Reject a value that cannot be an actual of a KPI of this kind in ``unit`` (negative count, share over
    100%, a fraction of a person…)."""
    if not math.isfinite(value):
        raise EvaluationInputError("数値ではありません")
    if kind is KpiKind.SHARE and not 0 <= value <= 100:
        raise EvaluationInputError(f"割合は 0〜100% の範囲で指定してください（{format_value(value, '%')}）")
    if kind is KpiKind.COUNT:
        if value < 0:
            raise EvaluationInputError(f"件数・人数に負の値は指定できません（{format_value(value)}）")
        if counts_whole_units(unit) and not float(value).is_integer():
            raise EvaluationInputError(f"件数・人数は整数で指定してください（{value}）")
    if kind is KpiKind.RANK and (value < 1 or not float(value).is_integer()):
        raise EvaluationInputError(f"順位は 1 以上の整数で指定してください（{value}）")
    if kind is KpiKind.AMOUNT and value < 0:
        raise EvaluationInputError(f"負の値は指定できません（{format_value(value)}）")


def annual_total(monthly: Mapping[int, float]) -> Observation:
    """The year's total of a KPI counted monthly: the sum of the months given (months are 1–12)."""
    for month in monthly:
        if not 1 <= month <= 12:
            raise EvaluationInputError(f"月は 1〜12 で指定してください（{month}）")
    return Observation(value=float(sum(monthly.values())), months=len(monthly))


def satisfies(comparator: Comparator, actual: float, target: float) -> bool:
    """Whether ``actual`` meets ``target`` under ``comparator`` (ranks: lower or equal meets)."""
    if comparator is _GE:
        return actual >= target
    if comparator is _GT:
        return actual > target
    if comparator is _LE or comparator is _MAINTAIN_OR_IMPROVE:
        return actual <= target
    if comparator is _LT:
        return actual < target
    return math.isclose(actual, target, rel_tol=1e-9, abs_tol=1e-9)


def achievement_ratio(comparator: Comparator, actual: float, target: float) -> float | None:
    """The achievement ratio (1.0 = 100%); None where a ratio means nothing (a zero target or actual)."""
    if comparator in _MORE_IS_BETTER:
        return actual / target if target > 0 else None
    if comparator in _LESS_IS_BETTER:
        return target / actual if actual > 0 else None
    if target == 0:
        return None
    return max(0.0, 1 - abs(actual - target) / abs(target))


def status_for(satisfied: bool, ratio: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Status:
    """達成 if the target is met, else 概ね達成 from the ratio threshold, else 未達."""
    if satisfied:
        return _ACHIEVED
    if ratio is not None and ratio >= thresholds.mostly_achieved:
        return _MOSTLY_ACHIEVED
    return _NOT_ACHIEVED


def score_for(
    status: Status, ratio: float | None, thresholds: Thresholds, *, qualitative: bool = False
) -> float | None:
    """What a KPI contributes to roll-ups: the capped ratio; 1.0 or 0.0 where no ratio exists.

    Nothing (None) for a KPI that is not judged: what is not measured is left out, never counted as 0.
    """
    if status not in JUDGED:
        return None
    if qualitative or ratio is None:
        if status == _ACHIEVED:
            return 1.0
        return thresholds.mostly_achieved if status == _MOSTLY_ACHIEVED else 0.0
    return min(ratio, thresholds.score_cap)


_SYMBOL = {
    Comparator.GE: "≥",
    Comparator.GT: ">",
    Comparator.LE: "≤",
    Comparator.LT: "<",
    Comparator.EQ: "=",
    Comparator.MAINTAIN_OR_IMPROVE: "≤",
}


def _apply_judgement(result: KpiResult, judgement: Judgement | None, thresholds: Thresholds) -> KpiResult:
    if judgement is None:
        return result
    if result.status in JUDGED:
        note = "定性判定も登録されていますが、数値で判定できるため数値による判定を採用しました"
        return result._replace(notes=(*result.notes, note))
    return KpiResult(
        kpi_id=result.kpi_id,
        status=judgement.status,
        reason=f"定性判定：{judgement.rationale}（数値判定：{result.reason}）",
        actual=result.actual,
        effective_target=result.effective_target,
        achievement=None,
        score=score_for(judgement.status, None, thresholds, qualitative=True),
        months=result.months,
        qualitative=True,
        notes=result.notes,
    )


def evaluate_kpi(
    spec: KpiSpec,
    observation: Observation | None,
    *,
    fiscal_year: int,
    relative_observation: Observation | None = None,
    previous_observation: Observation | None = None,
    judgement: Judgement | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> KpiResult:
    """Evaluate one KPI for ``fiscal_year`` (see the module docstring for the rules).

    ``relative_observation`` is the same year's actual of the measure a relative target refers to;
    ``previous_observation`` the KPI's own actual of the previous fiscal year (used for ranks).
    """
    result = _evaluate_numeric(spec, observation, fiscal_year, relative_observation, previous_observation, thresholds)
    return _apply_judgement(result, judgement, thresholds)


def _undetermined(spec: KpiSpec, reason: str, observation: Observation | None, thresholds: Thresholds) -> KpiResult:
    status = Status.UNDETERMINABLE
    return KpiResult(
        kpi_id=spec.id,
        status=status,
        reason=reason,
        actual=observation.value if observation else None,
        months=observation.months if observation else None,
        score=score_for(status, None, thresholds),
    )


def _evaluate_numeric(  # noqa: PLR0917 - private helper of evaluate_kpi
    spec: KpiSpec,
    observation: Observation | None,
    fiscal_year: int,
    relative_observation: Observation | None,
    previous_observation: Observation | None,
    thresholds: Thresholds,
) -> KpiResult:
    # This runs once per KPI (180,000 a national year): positional tuples, module constants, cached texts.
    comparator = spec.comparator
    if comparator is None:
        return _undetermined(spec, "数値で比較できる目標がないため、定性判定が必要です", observation, thresholds)
    if observation is None:
        return KpiResult(
            spec.id, _NOT_MEASURED, "実績が入力されていません", score=score_for(_NOT_MEASURED, None, thresholds)
        )
    months = observation.months
    notes: tuple[str, ...] = ()
    if months is not None and months < 12:
        notes = (f"月次実績 {months} か月分の合計です（12 か月分そろっていません）",)
    target, target_text = _effective_target(spec, relative_observation, previous_observation)
    if target is None:
        return _undetermined(spec, target_text, observation, thresholds)._replace(notes=notes)
    actual = observation.value
    satisfied = satisfies(comparator, actual, target)
    ratio = achievement_ratio(comparator, actual, target)
    target_year = spec.target_fiscal_year
    if target_year is not None and target_year > fiscal_year and not satisfied:
        reason = (
            f"目標年度（{target_year}年度）より前のため達否は判定しません。"
            f"実績 {format_value(actual, spec.unit)}、目標 {target_text}、進捗 {format_ratio(ratio)}"
        )
        status = _UNDETERMINABLE
        score = score_for(status, ratio, thresholds)
        return KpiResult(spec.id, status, reason, actual, target, ratio, score, months, False, notes)
    status = status_for(satisfied, ratio, thresholds)
    symbol = _SYMBOL[comparator] if satisfied else "／"
    reason = f"実績 {format_value(actual, spec.unit)} {symbol} 目標 {target_text}"
    if ratio is not None:
        reason += f"、達成率 {format_ratio(ratio)}"
        if status is _MOSTLY_ACHIEVED:
            reason += f"（目標未達だが {format_ratio(thresholds.mostly_achieved)} 以上）"
        elif status is _NOT_ACHIEVED:
            reason += f"（{format_ratio(thresholds.mostly_achieved)} 未満）"
    # score_for for a judged status with a ratio (no ratio: 1.0, the 概ね達成 threshold or 0.0).
    score = min(ratio, thresholds.score_cap) if ratio is not None else score_for(status, None, thresholds)
    return KpiResult(spec.id, status, reason, actual, target, ratio, score, months, False, notes)


def evaluate_kpis(  # noqa: PLR0917 - the batch form of evaluate_kpi, one argument per input
    specs: Iterable[KpiSpec],
    actuals: Mapping[int, Observation],
    previous_actuals: Mapping[int, Observation],
    judgements: Mapping[int, Judgement],
    fiscal_year: int,
    thresholds: Thresholds,
) -> dict[int, KpiResult]:
    """:func:`evaluate_kpi` for each KPI that is not a supporting measure, by KPI id (the batch evaluator's)."""
    results: dict[int, KpiResult] = {}
    actual_of = actuals.get
    previous_of = previous_actuals.get
    judgement_of = judgements.get
    for spec in specs:
        if spec.is_measure:
            continue
        kpi_id = spec.id
        relative = actual_of(spec.relative_to_id) if spec.relative_to_id is not None else None
        result = _evaluate_numeric(spec, actual_of(kpi_id), fiscal_year, relative, previous_of(kpi_id), thresholds)
        judgement = judgement_of(kpi_id)
        results[kpi_id] = result if judgement is None else _apply_judgement(result, judgement, thresholds)
    return results


def _effective_target(
    spec: KpiSpec, relative_observation: Observation | None, previous_observation: Observation | None
) -> tuple[float | None, str]:
    """The target to compare with and how it reads; (None, why) when there is none."""
    unit = spec.unit
    if spec.comparator is _MAINTAIN_OR_IMPROVE:
        if previous_observation is not None:
            return (
                previous_observation.value,
                f"{format_value(previous_observation.value, unit)}（前年度実績）の維持・向上",
            )
        if spec.reference is not None:
            label = f"：{spec.reference_label}" if spec.reference_label else ""
            return spec.reference, f"{format_value(spec.reference, unit)}（基準{label}）の維持・向上"
        return None, "比較の基準（前年度実績または基準値）がないため判定できません"
    if spec.target is None:
        return None, "目標値がないため判定できません"
    if spec.relative_to_id is not None:
        label = spec.relative_label or "参照指標"
        if relative_observation is None:
            return None, f"目標の基準となる「{label}」の同年度実績がないため判定できません"
        target = spec.target * relative_observation.value
        base = format_value(relative_observation.value, spec.relative_unit)
        return target, f"{format_value(target, unit)}（{label} {base} × {format_value(spec.target)}）"
    return spec.target, format_value(spec.target, unit)
