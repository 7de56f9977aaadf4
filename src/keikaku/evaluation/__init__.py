"""KPI evaluation: achievement, status, ratings, roll-ups, cost per output, vision progress, year over year.

Pure functions plus one batch evaluator (:func:`evaluate_plan`); nothing here touches a database.
"""

from keikaku.evaluation.achievement import (
    EvaluationInputError,
    achievement_ratio,
    annual_total,
    check_value,
    evaluate_kpi,
    format_ratio,
    format_value,
    satisfies,
    share_from_parts,
    status_for,
)
from keikaku.evaluation.batch import EvaluationInput, EvaluationResult, Node, evaluate_plan
from keikaku.evaluation.cost import CostPerOutput, cost_per_output
from keikaku.evaluation.rollup import Rollup, Unit, allocate_budgets, rating_for, roll_up
from keikaku.evaluation.types import (
    DEFAULT_THRESHOLDS,
    KPI_STATUSES,
    Judgement,
    KpiKind,
    KpiResult,
    KpiSpec,
    Observation,
    Status,
    Thresholds,
    kind_of,
)
from keikaku.evaluation.vision import VisionProgress, required_growth_rate, vision_progress

__all__ = [
    "DEFAULT_THRESHOLDS",
    "KPI_STATUSES",
    "CostPerOutput",
    "EvaluationInput",
    "EvaluationInputError",
    "EvaluationResult",
    "Judgement",
    "KpiKind",
    "KpiResult",
    "KpiSpec",
    "Node",
    "Observation",
    "Rollup",
    "Status",
    "Thresholds",
    "Unit",
    "VisionProgress",
    "achievement_ratio",
    "allocate_budgets",
    "annual_total",
    "check_value",
    "cost_per_output",
    "evaluate_kpi",
    "evaluate_plan",
    "format_ratio",
    "format_value",
    "kind_of",
    "rating_for",
    "required_growth_rate",
    "roll_up",
    "satisfies",
    "share_from_parts",
    "status_for",
    "vision_progress",
]
