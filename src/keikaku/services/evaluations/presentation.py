"""Names the thin layers (CLI, web, API) need to show evaluation results, offered through the service layer.

The CLI may import services only; these are the engine's value types and formatters it prints with.
"""

from keikaku.evaluation import Thresholds, format_ratio, format_value
from keikaku.evaluation.views import PlanEvaluation, to_jsonable
from keikaku.reports import ReportFormat

__all__ = ["PlanEvaluation", "ReportFormat", "Thresholds", "format_ratio", "format_value", "to_jsonable"]
