"""KPI and project statuses of one plan for the pages, from the evaluation service, cached per process.

The evaluation reads a plan's KPIs, actuals, judgements and thresholds and computes every status at once.
A page shows a plan's statuses many times between two changes of its inputs, so the result is kept per plan
and fiscal year until the plan's version token changes (:mod:`keikaku.storage.derived`: every write to the
plan, its KPIs' targets, actual values, judgements or thresholds gives it a new one in the same transaction; a period lock gives
its fiscal year one, since locking turns 評価中 into a final status)
— one primary-key lookup per page instead of a full evaluation.  A write to one plan leaves every other
plan's entry in place.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from keikaku.evaluation.views import KpiLine, PlanEvaluation, ProjectLine
from keikaku.services.core.errors import NotFoundError
from keikaku.services.evaluations.run import evaluate_in_session
from keikaku.storage import derived
from keikaku.storage import models as m

CACHE_SIZE = 256


@dataclass(frozen=True)
class PlanStatuses:
    """A plan's evaluation with its KPI and project lines by id (empty when the plan cannot be evaluated)."""

    evaluation: PlanEvaluation | None
    kpis: dict[int, KpiLine] = field(default_factory=dict)
    projects: dict[int, ProjectLine] = field(default_factory=dict)

    def kpi_status(self, kpi_id: int) -> str | None:
        """The status of a KPI (達成, 未達 …), None for a measure or an unknown KPI."""
        line = self.kpis.get(kpi_id)
        return line.result.status.value if line and line.result and not line.is_measure else None

    def project_status(self, project_id: int) -> str | None:
        """The rolled-up status of a project or component."""
        line = self.projects.get(project_id)
        return line.rollup.status.value if line else None


_cache: OrderedDict[tuple[object, ...], PlanStatuses] = OrderedDict()
_lock = threading.Lock()
#: One lock per plan being evaluated: concurrent requests for the same plan wait for one evaluation.
_computing: dict[tuple[object, ...], threading.Lock] = {}


def _inputs_version(session: Session, plan_id: int, fiscal_year: int) -> tuple[str | None, ...]:
    # The plan's token covers its own year's actual values; the key holds the year itself.
    scopes = [derived.plan_scope(plan_id), derived.lock_scope(fiscal_year), derived.ALL]
    return derived.versions(session, scopes)


def _index(evaluation: PlanEvaluation) -> PlanStatuses:
    kpis: dict[int, KpiLine] = {}
    projects: dict[int, ProjectLine] = {}
    for project in evaluation.projects:
        projects[project.node_id] = project
        for line in project.kpis:
            kpis[line.kpi_id] = line
        for component in project.components:
            projects[component.node_id] = component
            for line in component.kpis:
                kpis[line.kpi_id] = line
    return PlanStatuses(evaluation, kpis, projects)


def plan_statuses(session: Session, plan_id: int, fiscal_year: int, issuer: str) -> PlanStatuses:
    """The statuses of one plan (any revision) (computed once per change of the evaluation's inputs)."""
    key = (str(session.connection().engine.url), plan_id, fiscal_year, *_inputs_version(session, plan_id, fiscal_year))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
        computing = _computing.setdefault(key, threading.Lock())
    with computing:
        with _lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        try:
            # This plan, whichever revision it is: the public reads a published 第1版 while a 第2版 is drafted.
            evaluations = evaluate_in_session(
                session, fiscal_year, issuer=issuer, with_comparison=False, where=[m.Plan.id == plan_id]
            )
        except NotFoundError:
            evaluations = []
        found = next((e for e in evaluations if e.plan_id == plan_id), None)
        result = _index(found) if found is not None else PlanStatuses(None)
        with _lock:
            _cache[key] = result
            _computing.pop(key, None)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


def current_plan_of(
    session: Session, fiscal_year: int, issuer: str, where: Sequence[ColumnElement[bool]] = ()
) -> m.Plan | None:
    """The issuer's current plan of a fiscal year, or None; ``where`` chooses the revision (a viewer's
    :meth:`~keikaku.services.publication.visibility.Visibility.current_filter`; default: the newest)."""
    chosen = list(where) if where else [m.Plan.is_current.is_(True)]
    return session.scalar(
        select(m.Plan)
        .where(m.Plan.fiscal_year == fiscal_year, m.Plan.issuer == issuer, *chosen)
        .order_by(m.Plan.id.desc())
        .limit(1)
    )
