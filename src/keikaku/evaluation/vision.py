"""Vision-level targets (GRP 約150兆円, national share 25% by FY2040): progress and the growth still needed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from keikaku.evaluation.achievement import format_value
from keikaku.evaluation.types import KpiKind, KpiSpec


def required_growth_rate(latest: float, latest_year: int, target: float, target_year: int) -> float | None:
    """The compound annual growth rate needed from ``latest`` (in ``latest_year``) to reach ``target``.

    ``(target / latest) ** (1 / years) - 1``; None when the target year is not after the latest actual
    or the latest value is not positive.
    """
    years = target_year - latest_year
    if years <= 0 or latest <= 0 or target <= 0:
        return None
    return float((target / latest) ** (1 / years) - 1)


def observed_growth_rate(values_by_year: Mapping[int, float]) -> float | None:
    """The compound annual growth rate between the first and the latest actual (None with fewer than two)."""
    positive = {year: value for year, value in values_by_year.items() if value > 0}
    if len(positive) < 2:
        return None
    first, last = min(positive), max(positive)
    return float((positive[last] / positive[first]) ** (1 / (last - first)) - 1)


@dataclass(frozen=True, slots=True)
class VisionProgress:
    """Where a vision-level target stands: the latest actual, progress, and the yearly change still needed."""

    kpi_id: int
    indicator: str
    unit: str | None
    target: float | None
    target_fiscal_year: int | None
    latest_fiscal_year: int | None
    latest_value: float | None
    progress: float | None
    growth_rate_needed: float | None
    points_per_year_needed: float | None
    observed_growth_rate: float | None
    reason: str


def vision_progress(spec: KpiSpec, values_by_year: Mapping[int, float]) -> VisionProgress:
    """Progress of a vision target from its actuals per fiscal year.

    For an amount (GRP) the growth rate needed per year is given; for a share the percentage points per year.
    """
    target, target_year = spec.target, spec.target_fiscal_year
    if not values_by_year:
        return VisionProgress(
            spec.id,
            spec.indicator,
            spec.unit,
            target,
            target_year,
            None,
            None,
            None,
            None,
            None,
            None,
            "実績が入力されていません",
        )
    latest_year = max(values_by_year)
    latest = values_by_year[latest_year]
    progress = latest / target if target else None
    rate = points = None
    if target is not None and target_year is not None and target_year > latest_year:
        if spec.kind is KpiKind.SHARE:
            points = (target - latest) / (target_year - latest_year)
        else:
            rate = required_growth_rate(latest, latest_year, target, target_year)
    reason = f"{latest_year}年度実績 {format_value(latest, spec.unit)}"
    if target is not None:
        approx = "約" if spec.text and "約" in spec.text else ""
        reason += f"、目標 {approx}{format_value(target, spec.unit)}（{target_year}年度）"
    if rate is not None:
        reason += f"。目標達成に必要な年平均成長率 {rate * 100:.2f}%"
    if points is not None:
        reason += f"。目標達成に必要な上昇幅 年 {points:.2f} ポイント"
    return VisionProgress(
        kpi_id=spec.id,
        indicator=spec.indicator,
        unit=spec.unit,
        target=target,
        target_fiscal_year=target_year,
        latest_fiscal_year=latest_year,
        latest_value=latest,
        progress=progress,
        growth_rate_needed=rate,
        points_per_year_needed=points,
        observed_growth_rate=observed_growth_rate(values_by_year),
        reason=reason,
    )
