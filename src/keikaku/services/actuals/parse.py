"""Reading an actual value as users write it, and checking it against its KPI.

``1,200人``, ``七十``, ``80%`` and full-width digits are read by :mod:`keikaku.normalize`; the checks
(a count is not a share, not negative, a share is within 0–100%, the unit fits the KPI) come from the
evaluation engine.  Every error names the KPI and the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, fiscal_year_bounds
from keikaku.evaluation.achievement import EvaluationInputError, check_value, share_from_parts
from keikaku.evaluation.types import KpiKind
from keikaku.normalize.date_style import house_date, house_fiscal_year
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.numbers import parse_quantity, unit_scale
from keikaku.normalize.text import normalize_text
from keikaku.services.plans.kpis import KpiRef


class ActualValueError(Exception):
    """An actual value that cannot be accepted; ``reason`` is the Japanese reason without the KPI's name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """An accepted actual value: the value in the KPI's unit (a share in %), and its parts if given so."""

    value: float
    numerator: float | None = None
    denominator: float | None = None


def _quantity(raw: object) -> tuple[float, str | None]:
    if isinstance(raw, bool):
        raise ActualValueError("真偽値は実績値として入力できません")
    if isinstance(raw, int | float | Decimal):
        return float(raw), None
    text = normalize_text(str(raw)).strip()
    if not text:
        raise ActualValueError("値が空です")
    try:
        quantity = parse_quantity(text)
    except NormalizeError:
        raise ActualValueError(f"「{text}」を数値として解釈できません") from None
    if quantity.approximate:
        raise ActualValueError(f"「{text}」は概数です。実績は確定した値で入力してください")
    if quantity.unit is None:
        return float(quantity.value), None
    if quantity.base_unit == "%":
        return float(quantity.base_value), "%"
    return float(quantity.value), quantity.unit


def read_number(ref: KpiRef, raw: object) -> float:
    """A value in the KPI's unit, from a number or text such as ``1,200人``, ``七十``, ``80%``, ``3万件``."""
    value, unit = _quantity(raw)
    kind = ref.kind
    if unit is None and isinstance(raw, str) and any(c in raw for c in "万億兆") and unit_scale(ref.unit)[0] != 1:
        raise ActualValueError(f"「{raw}」は単位が曖昧です。単位を付けて入力してください（例：90.5{ref.unit}）")
    if unit == "%":
        if kind is not KpiKind.SHARE:
            unit_text = f"（単位：{ref.unit}）" if ref.unit else ""
            raise ActualValueError(f"割合（{raw}）は入力できません。この KPI は割合ではありません{unit_text}")
        return value
    if unit is not None:
        scale, base = unit_scale(unit)
        kpi_scale, kpi_base = unit_scale(ref.unit)
        if kind is KpiKind.SHARE:
            raise ActualValueError(f"この KPI は割合（%）です。単位「{unit}」は使えません")
        if ref.unit is None or base != kpi_base:
            raise ActualValueError(f"単位「{unit}」はこの KPI（単位：{ref.unit or 'なし'}）には使えません")
        value = float(Decimal(str(value)) * scale / kpi_scale)
    return value


def parse_actual(ref: KpiRef, raw: object, numerator: object = None, denominator: object = None) -> ParsedValue:
    """Read and check an actual value for a KPI; a share may instead be given as numerator and denominator."""
    try:
        if numerator is not None or denominator is not None:
            if ref.kind is not KpiKind.SHARE:
                raise ActualValueError("分子・分母で入力できるのは割合（%）の KPI だけです")
            if numerator is None or denominator is None:
                raise ActualValueError("割合を分子・分母で入力するときは両方を指定してください")
            num, _ = _quantity(numerator)
            den, _ = _quantity(denominator)
            share = share_from_parts(num, den)
            if raw is not None and str(raw).strip():
                given = read_number(ref, raw)
                if abs(given - share) > 0.05:
                    raise ActualValueError(f"割合 {given}% と分子・分母から計算した {share:.1f}% が一致しません")
            return ParsedValue(share, num, den)
        if raw is None:
            raise ActualValueError("値が空です")
        value = read_number(ref, raw)
        check_value(ref.kind, value, ref.unit)
        return ParsedValue(value)
    except EvaluationInputError as exc:
        raise ActualValueError(str(exc)) from None


def check_month(ref: KpiRef, month: int | None) -> int:
    """The stored month (0 for the whole year); a month is allowed only for a KPI counted over the year."""
    if month is None or month == 0:
        return 0
    if not 1 <= month <= 12:
        raise ActualValueError(f"月は 1〜12 で指定してください（{month}）")
    if ref.kind is not KpiKind.COUNT:
        raise ActualValueError("月ごとの実績を入力できるのは、年間を通じて数える件数・人数の KPI だけです")
    return month


def check_fiscal_year(ref: KpiRef, fiscal_year: int) -> None:
    """A plan KPI takes values for its plan's year only; a vision target for any year up to its horizon."""
    if ref.vision:
        horizon = ref.spec.target_fiscal_year or MAX_FISCAL_YEAR
        if not 1990 <= fiscal_year <= horizon:
            raise ActualValueError(
                f"{house_fiscal_year(fiscal_year)}の実績は入力できません（{house_fiscal_year(1990)}〜{house_fiscal_year(horizon)}）"
            )
        return
    if ref.fiscal_year != fiscal_year:
        raise ActualValueError(
            f"この KPI は {house_fiscal_year(ref.fiscal_year)}の事業計画のものです（指定：{house_fiscal_year(fiscal_year)}）"
        )


def measurement_bounds(fiscal_year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a value of ``fiscal_year`` may be measured on: from 1 April of the year to
    today or the year's last day (31 March), whichever comes first; None while the year has not begun."""
    start, end = fiscal_year_bounds(fiscal_year)
    last = min(end, today or dt.date.today())
    return (start, last) if last >= start else None


def check_measured_on(fiscal_year: int, measured_on: dt.date | None, today: dt.date | None = None) -> None:
    """A measurement date lies in its fiscal year, today or earlier (see :func:`measurement_bounds`)."""
    if measured_on is None:
        return
    start, end = fiscal_year_bounds(fiscal_year)
    day = today or dt.date.today()
    if measured_on < start:
        raise ActualValueError(
            f"測定日 {house_date(measured_on)} が {house_fiscal_year(fiscal_year)}の開始（{house_date(start)}）より前です"
        )
    if measured_on > day:
        raise ActualValueError(f"測定日 {house_date(measured_on)} が未来の日付です（今日は {house_date(day)}）")
    if measured_on > end:
        raise ActualValueError(
            f"測定日 {house_date(measured_on)} が {house_fiscal_year(fiscal_year)}の終わり（{house_date(end)}）より後です"
        )


def check_url(url: str | None) -> str | None:
    """An evidence URL must be http or https."""
    if url is None or not url.strip():
        return None
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")) or len(text) > 2000 or any(c.isspace() for c in text):
        raise ActualValueError(f"根拠 URL は http:// または https:// で始まる URL にしてください（{text[:80]}）")
    return text
