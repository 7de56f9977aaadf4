"""KPIs (成果目標) and numeric targets in structured form."""

from enum import StrEnum

from keikaku.domain.base import DomainModel
from keikaku.domain.provenance import Provenance


class Comparator(StrEnum):
    """How an actual value is compared with the target."""

    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "="
    MAINTAIN_OR_IMPROVE = "maintain_or_improve"


class KpiReference(DomainModel):
    """A baseline given with a target, e.g. 79位 as of 2025."""

    value: float | None = None
    unit: str | None = None
    as_of: str | None = None
    label: str | None = None


class KpiDerivation(DomainModel):
    """How a target was derived: ``base`` × ``factor`` (e.g. 594.7兆円 × 25% = 148.7兆円 ≒ 約150兆円)."""

    base: float
    base_unit: str
    base_label: str | None = None
    factor: float
    factor_unit: str
    result: float
    result_unit: str


class Kpi(DomainModel):
    """A measurable target: ``参加者数：220人以上`` is indicator 参加者数, comparator >=, target 220, unit 人.

    ``relative_to`` names the measure a relative target multiplies (参加企業数 for ×6倍).
    ``target`` is None for maintain_or_improve.  ``approximate`` marks 約150兆円.
    """

    indicator: str
    comparator: Comparator
    target: float | None = None
    unit: str | None = None
    relative_to: str | None = None
    reference: KpiReference | None = None
    text: str | None = None
    target_fiscal_year: int | None = None
    baseline_fiscal_year: int | None = None
    approximate: bool = False
    derivation: KpiDerivation | None = None
    counted_monthly: bool = False
    provenance: Provenance | None = None
