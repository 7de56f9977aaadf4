"""Cost per output: 千円 per participant, per matching, per copy… where both figures exist."""

from __future__ import annotations

from typing import NamedTuple

from keikaku.evaluation.types import KpiKind, KpiSpec, Observation


class CostPerOutput(NamedTuple):
    """The budget of the unit a count KPI belongs to, divided by the KPI's actual (千円 per 人, per 件…)."""

    kpi_id: int
    node_id: int
    indicator: str
    budget_thousand_yen: float
    actual: float
    unit: str
    thousand_yen_per_output: float

    @property
    def label(self) -> str:
        """How the figure reads: ``8.7千円/人``."""
        return f"{self.thousand_yen_per_output:,.1f}千円/{self.unit}"


_COUNT = KpiKind.COUNT


def cost_per_output(
    spec: KpiSpec, observation: Observation | None, node_id: int, budget: float
) -> CostPerOutput | None:
    """The cost per output of a count KPI; None unless it is a count with a positive actual and a budget."""
    if observation is None or budget <= 0 or spec.kind is not _COUNT:
        return None
    actual = observation.value
    if actual <= 0:
        return None
    return CostPerOutput(spec.id, node_id, spec.indicator, budget, actual, spec.unit or "件", budget / actual)
