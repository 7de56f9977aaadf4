"""Roll-ups of KPI results to components, projects, challenges, departments and the plan.

Rules (documented for the council):

* A *unit* is a project's own KPIs, or one component's KPIs.  A project's evaluation includes its own
  KPIs and all its components' KPIs.
* **What is not measured is never scored.**  A KPI is *measured* when it has an actual value or a
  qualitative judgement; the group's **coverage** is measured ÷ all KPIs (``15件中3件測定済み``) and is shown
  beside every score.  Only judged KPIs (達成・概ね達成・未達) carry a score.
* **Unweighted score**: the mean of the scores of the judged KPIs in scope (each KPI counts once).
* **Budget-weighted score**: each unit's mean score weighted by the unit's budget (千円), over units with a
  judged KPI.  A component has its own budget; where components give none, the project's budget not
  assigned to a component is shared equally among them (see :func:`allocate_budgets`).
* **Status of a group**, from its judged KPIs: 達成 when every judged KPI is 達成; otherwise 概ね達成 if the
  unweighted score reaches ``Thresholds.mostly_achieved``, else 未達.  未測定 when no KPI is measured;
  判定不能 when there is no KPI, or nothing measured could be judged.
* **評価中**: while the fiscal year is open (not locked), a group that would be 達成, 概ね達成 or 未達 is
  評価中 instead — its score is provisional (``Rollup.provisional`` keeps what it would be) and it gets no
  rating.  Locking the year (確定) makes the statuses and ratings final.
* **Rating** (A/B/C by default): from the unweighted score, by the plan's thresholds, for a final status
  of 達成, 概ね達成 or 未達 only.
* Re-listed items (再掲) are evaluated but left out of every roll-up, so nothing is counted twice.

The same rules are written for the council in ``docs/evaluation.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from keikaku.evaluation.achievement import format_ratio
from keikaku.evaluation.types import DEFAULT_THRESHOLDS, KPI_STATUSES, KpiResult, Status, Thresholds

#: The KPI statuses a group counts, in report order.
STATUS_ORDER: tuple[Status, ...] = KPI_STATUSES

# Enum members as module constants: a global is read four times faster than ``Status.ACHIEVED``.
_ACHIEVED, _MOSTLY_ACHIEVED, _NOT_ACHIEVED, _NOT_MEASURED, _UNDETERMINABLE = KPI_STATUSES
_EVALUATING = Status.EVALUATING


@dataclass(frozen=True, slots=True)
class Unit:
    """The KPI results of one project's own KPIs or of one component, with the budget weight they carry.

    The counts by status and the score sum are taken once, here, so that every group the unit belongs to
    (project, challenge, departments, plan) adds up units rather than re-reading each KPI.
    """

    node_id: int
    project_id: int
    name: str
    weight: float
    challenge: int | None
    departments: tuple[str, ...]
    results: tuple[KpiResult, ...]
    counts: tuple[int, int, int, int, int] = field(init=False, repr=False, compare=False)
    score_sum: float = field(init=False, repr=False, compare=False)
    scored: int = field(init=False, repr=False, compare=False)
    measured: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        achieved = mostly = not_achieved = not_measured = undeterminable = scored = measured = 0
        total = 0.0
        for result in self.results:
            status = result.status
            # Identity tests against module constants: this runs for every KPI.
            if status is _ACHIEVED:
                achieved += 1
            elif status is _MOSTLY_ACHIEVED:
                mostly += 1
            elif status is _NOT_ACHIEVED:
                not_achieved += 1
            elif status is _NOT_MEASURED:
                not_measured += 1
                continue
            else:
                undeterminable += 1
                # Measured (a value) but not judgeable, e.g. a target year still ahead; else not measured.
                if result.actual is None:
                    continue
            measured += 1
            if result.score is not None:
                total += result.score
                scored += 1
        object.__setattr__(self, "counts", (achieved, mostly, not_achieved, not_measured, undeterminable))
        object.__setattr__(self, "score_sum", total)
        object.__setattr__(self, "scored", scored)
        object.__setattr__(self, "measured", measured)


class Rollup(NamedTuple):
    """The evaluation of a group of units: counts by status, coverage, scores, status, rating and the reason.

    ``measured`` is the number of KPIs with an actual value or a judgement; the scores are over the judged
    ones only.  ``provisional`` is, for a group that is 評価中, the status it would have if the year were
    locked now (None otherwise).
    """

    key: str
    label: str
    kpi_count: int
    counts: dict[Status, int]
    unweighted: float | None
    budget_weighted: float | None
    budget_thousand_yen: float
    status: Status
    rating: str | None
    measured: int = 0
    provisional: Status | None = None

    @property
    def coverage(self) -> float | None:
        """Measured KPIs ÷ all KPIs (None for a group without KPIs)."""
        return self.measured / self.kpi_count if self.kpi_count else None

    @property
    def coverage_text(self) -> str:
        """``15件中3件測定済み`` (empty for a group without KPIs)."""
        return coverage_text(self.measured, self.kpi_count)

    @property
    def complete(self) -> bool:
        """Whether every KPI of the group is measured."""
        return self.measured == self.kpi_count

    @property
    def reason(self) -> str:
        """Why the group has its status, in Japanese (KPI counts by status, coverage, score)."""
        return _reason(self.counts, self.kpi_count, self.measured, self.unweighted, self.provisional)


def coverage_text(measured: int, total: int) -> str:
    """How many KPIs are measured, as the pages and reports say it: ``15件中3件測定済み``."""
    return f"{total}件中{measured}件測定済み" if total else ""


def allocate_budgets(project_budget: int | None, component_budgets: Sequence[int | None]) -> tuple[float, list[float]]:
    """Split a project's budget between its own KPIs and its components: (own weight, component weights).

    Components keep their own budgets; the rest of the project's budget goes to the components that give
    none, in equal shares, or, if every component gives one, to the project's own KPIs.
    """
    if not component_budgets:
        return float(project_budget or 0), []
    known = sum(b for b in component_budgets if b is not None)
    rest = max(float(project_budget or known) - known, 0.0)
    lacking = sum(1 for b in component_budgets if b is None)
    if lacking:
        share = rest / lacking
        return 0.0, [float(b) if b is not None else share for b in component_budgets]
    return rest, [float(b) for b in component_budgets if b is not None]


def rating_for(score: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str | None:
    """The first rating label whose minimum the score reaches (A ≥ 100%, B ≥ 80%, C otherwise by default)."""
    if score is None:
        return None
    for label, minimum in thresholds.ratings:
        if score >= minimum - 1e-12:
            return label
    return None


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def unit_score(unit: Unit) -> float | None:
    """The mean score of a unit's KPIs (None when none carries a score)."""
    return unit.score_sum / unit.scored if unit.scored else None


def budget_weighted_score(units: Iterable[Unit]) -> float | None:
    """Σ(unit budget × unit score) ÷ Σ(unit budget), over units with a score and a budget."""
    total = 0.0
    weights = 0.0
    for unit in units:
        score = unit_score(unit)
        if score is not None and unit.weight > 0:
            total += unit.weight * score
            weights += unit.weight
    return total / weights if weights else None


def group_status(results: Sequence[KpiResult], unweighted: float | None, thresholds: Thresholds) -> Status:
    """The final status of a group of KPI results (see the module docstring)."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for result in results:
        counts[result.status] += 1
    measured = Unit(0, 0, "", 0.0, None, (), tuple(results)).measured
    return status_from_counts(counts, len(results), unweighted, thresholds, measured=measured)


def status_from_counts(
    counts: dict[Status, int],
    total: int,
    unweighted: float | None,
    thresholds: Thresholds,
    *,
    measured: int | None = None,
) -> Status:
    """The final status of a group from its counts by status and its score over the judged KPIs."""
    return _status(
        counts[Status.ACHIEVED],
        counts[Status.MOSTLY_ACHIEVED] + counts[Status.NOT_ACHIEVED],
        counts[Status.NOT_MEASURED],
        total,
        unweighted,
        thresholds,
        measured,
    )


def _status(  # noqa: PLR0917 - status_from_counts on plain counts, once per group
    achieved: int,
    other_judged: int,
    not_measured: int,
    total: int,
    unweighted: float | None,
    thresholds: Thresholds,
    measured: int | None,
) -> Status:
    if total == 0:
        return _UNDETERMINABLE
    if achieved + other_judged == 0:
        nothing_measured = measured == 0 if measured is not None else not_measured == total
        return _NOT_MEASURED if nothing_measured else _UNDETERMINABLE
    if other_judged == 0:
        return _ACHIEVED
    if unweighted is not None and unweighted >= thresholds.mostly_achieved:
        return _MOSTLY_ACHIEVED
    return _NOT_ACHIEVED


def _reason(
    counts: dict[Status, int], total: int, measured: int, unweighted: float | None, provisional: Status | None
) -> str:
    if total == 0:
        return "成果目標（KPI）が設定されていないため判定できません"
    parts = [f"{status.value} {counts[status]}件" for status in STATUS_ORDER if counts[status]]
    text = f"KPI {total}件（" + "、".join(parts) + "）、" + coverage_text(measured, total)
    judged = counts[Status.ACHIEVED] + counts[Status.MOSTLY_ACHIEVED] + counts[Status.NOT_ACHIEVED]
    if unweighted is not None and judged:
        scope = "判定済み KPI" if judged < total else "全 KPI"
        text += f"。スコア {format_ratio(unweighted)}（{scope} {judged}件の平均。未測定は算入しません）"
    if provisional is not None:
        text += f"。年度が確定していないため評価中（現時点では{provisional.value}）"
    return text


def roll_up(
    key: str,
    label: str,
    units: Sequence[Unit],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    final: bool = True,
) -> Rollup:
    """Roll the units up into one group evaluation (adding up the units' own counts and score sums).

    ``final`` is False while the fiscal year is open: a judged group is then 評価中, without a rating.
    """
    a = b = c = d = e = 0
    measured = 0
    total_score = 0.0
    scored = 0
    weighted = 0.0
    weights = 0.0
    budget = 0.0
    for unit in units:
        budget += unit.weight
        ua, ub, uc, ud, ue = unit.counts
        a, b, c, d, e = a + ua, b + ub, c + uc, d + ud, e + ue
        measured += unit.measured
        if unit.scored:
            total_score += unit.score_sum
            scored += unit.scored
            if unit.weight > 0:
                weighted += unit.weight * unit.score_sum / unit.scored
                weights += unit.weight
    counts = {_ACHIEVED: a, _MOSTLY_ACHIEVED: b, _NOT_ACHIEVED: c, _NOT_MEASURED: d, _UNDETERMINABLE: e}
    total = a + b + c + d + e
    unweighted = total_score / scored if scored else None
    status = _status(a, b + c, d, total, unweighted, thresholds, measured)
    provisional = None
    judged = status is _ACHIEVED or status is _MOSTLY_ACHIEVED or status is _NOT_ACHIEVED
    if not final and judged:
        provisional, status = status, _EVALUATING
        judged = False
    return Rollup(
        key,
        label,
        total,
        counts,
        unweighted,
        weighted / weights if weights else None,
        budget,
        status,
        rating_for(unweighted, thresholds) if judged else None,
        measured,
        provisional,
    )
