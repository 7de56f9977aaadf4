"""A plan's evaluation as reports and screens show it: plain values, no database rows.

The service builds a :class:`PlanEvaluation` from the plan, the actuals and the engine's result; the
reports (HTML, PDF, XLSX) and later the web pages only read it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import ClassVar

from keikaku.evaluation.batch import EvaluationResult
from keikaku.evaluation.cost import CostPerOutput
from keikaku.evaluation.rollup import Rollup
from keikaku.evaluation.types import KpiKind, KpiResult, Thresholds
from keikaku.evaluation.vision import VisionProgress
from keikaku.evaluation.yoy import Comparison


@dataclass(frozen=True)
class KpiLine:
    """One KPI of a project: target, actual (monthly figures if any), result, cost per output, evidence."""

    kpi_id: int
    indicator: str
    target_text: str
    unit: str | None
    kind: KpiKind
    is_measure: bool
    actual: float | None
    monthly: dict[int, float] = field(default_factory=dict)
    result: KpiResult | None = None
    cost: CostPerOutput | None = None
    measured_on: dt.date | None = None
    evidence: str | None = None
    entered_by: str | None = None
    versions: int = 0
    revision: str | None = None


@dataclass(frozen=True)
class YearChange:
    """How a project compares with the earlier plan: its counterpart there, and the budget change."""

    previous_year: int
    previous_name: str | None
    previous_budget: int | None
    change: int | None
    change_percent: float | None

    @property
    def label(self) -> str:
        """継続 or 新規 (no counterpart in the earlier plan)."""
        return "継続" if self.previous_name else "新規"


@dataclass(frozen=True)
class ProjectLine:
    """A project or component with its evaluation (its own KPIs plus its components')."""

    node_id: int
    code: str
    name: str
    title: str | None
    budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    challenge: int | None
    departments: tuple[str, ...]
    is_new: bool
    rollup: Rollup
    kpis: tuple[KpiLine, ...] = ()
    components: tuple[ProjectLine, ...] = ()
    judgement: KpiResult | None = None
    change: YearChange | None = None
    #: Listed again (再掲) from another part of the plan: its budget is counted there, not here.
    relisted: bool = False

    def all_kpis(self) -> Iterator[KpiLine]:
        """The project's own KPIs, then its components'."""
        yield from self.kpis
        for component in self.components:
            yield from component.kpis


@dataclass(frozen=True)
class PlanEvaluation:
    """The evaluation of one plan's fiscal year, ready for the council's report.

    ``result`` is the engine's result (every KPI, node and group).  The per-project lines are built on
    first use of :attr:`projects`, so that evaluating thousands of plans does not pay for presentation.
    """

    fiscal_year: int
    plan_id: int
    title: str | None
    issuer: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    thresholds: Thresholds
    challenge_names: dict[int, str]
    challenges: dict[int | None, Rollup]
    departments: dict[str, Rollup]
    plan: Rollup
    result: EvaluationResult
    build_lines: Callable[[], tuple[ProjectLine, ...]] = field(repr=False, compare=False)
    vision: tuple[VisionProgress, ...] = ()
    comparison: Comparison | None = None
    generated_at: dt.datetime | None = None
    final: bool = True
    #: The plan's administrative costs (管理費) as (name, budget in 千円): part of its stated total, not evaluated.
    administrative: tuple[tuple[str, int | None], ...] = ()

    json_properties: ClassVar[tuple[str, ...]] = ("projects",)

    @cached_property
    def projects(self) -> tuple[ProjectLine, ...]:
        """The plan's projects with their KPIs and components, in plan order."""
        return self.build_lines()

    def projects_of(self, challenge: int | None) -> list[ProjectLine]:
        """The projects of one challenge, in plan order."""
        return [p for p in self.projects if p.challenge == challenge]

    def all_kpis(self) -> Iterator[tuple[ProjectLine, KpiLine]]:
        """Every KPI with its project, in plan order."""
        for project in self.projects:
            for kpi in project.all_kpis():
                yield project, kpi


def to_jsonable(value: object) -> object:
    """Plain JSON values from the evaluation's dataclasses: enums by value, dates in ISO form, keys as text.

    Callables and the engine's raw :class:`EvaluationResult` are left out; ``json_properties`` of a class
    are added, and so is a named tuple's ``kind`` or a roll-up's ``reason`` (properties, not fields).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), EvaluationResult) and not callable(getattr(value, f.name))
        }
        for name in getattr(value, "json_properties", ()):
            data[name] = to_jsonable(getattr(value, name))
        return data
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        data = {k: to_jsonable(v) for k, v in value._asdict().items()}
        kind = getattr(value, "kind", None)
        if isinstance(kind, Enum):
            data["kind"] = kind.value
        if isinstance(value, Rollup):
            data["reason"] = value.reason
            data["coverage"] = value.coverage
            data["coverage_text"] = value.coverage_text
        return data
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(to_jsonable(k)) if k is not None else "null": to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
