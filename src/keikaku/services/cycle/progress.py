"""How many of each department's KPIs of a fiscal year are measured: the one query behind the checklist's
progress, the status board and the reminders, with a per-plan cache.

The KPIs of a call are those of the fiscal year's current plans; a KPI belongs to its project's departments,
a component's to its own or else its project's (the rule of
:func:`keikaku.services.plans.kpis.refs_for_projects`).  A KPI is *measured* when it has an actual value or
a qualitative judgement for the year (the evaluation's rule, :mod:`keikaku.evaluation.rollup`).

The counts of a plan are kept per process until the plan's version token changes
(:mod:`keikaku.storage.derived`: every write to its KPIs, actual values or judgements gives it a new one), so
the board of a national year (about 1,800 plans) reads the tokens and recounts only the plans written since.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from keikaku.storage import actuals as act
from keikaku.storage import derived
from keikaku.storage import models as m

#: Plans recounted in one statement.
CHUNK = 400


def owner_project() -> ColumnElement[int]:
    """The project whose departments own a KPI of ``m.Project``: itself, or for a component without
    departments of its own, its parent."""
    links = aliased(m.ProjectDepartment)
    own = exists().where(links.project_id == m.Project.id)
    return case((own, m.Project.id), else_=func.coalesce(m.Project.parent_id, m.Project.id))


def measured_clause() -> ColumnElement[bool]:
    """Whether the KPI ``m.Kpi`` has an actual value or a judgement for its plan's (``m.Plan``) fiscal year."""
    value = exists().where(act.ActualValue.kpi_id == m.Kpi.id, act.ActualValue.fiscal_year == m.Plan.fiscal_year)
    judged = exists().where(
        act.QualitativeJudgement.kpi_id == m.Kpi.id, act.QualitativeJudgement.fiscal_year == m.Plan.fiscal_year
    )
    return or_(value, judged)


def kpi_rows(*where: ColumnElement[bool]):  # type: ignore[no-untyped-def]  # a Select of many columns
    """KPIs joined to their plan, project and owning department's name, filtered by ``where``."""
    return (
        select()
        .select_from(m.Kpi)
        .join(m.Project, m.Project.id == m.Kpi.project_id)
        .join(m.Plan, m.Plan.id == m.Project.plan_id)
        .join(m.ProjectDepartment, m.ProjectDepartment.project_id == owner_project())
        .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
        .where(and_(true(), *where))
    )


@dataclass(frozen=True)
class Progress:
    """Measured and total KPIs (of one department, or of all)."""

    measured: int
    total: int

    @property
    def complete(self) -> bool:
        """Whether every KPI is measured (a department with no KPI is complete)."""
        return self.measured >= self.total

    @property
    def ratio(self) -> float | None:
        """measured ÷ total, None without KPIs."""
        return self.measured / self.total if self.total else None


def current_plan_ids(session: Session, fiscal_year: int) -> list[int]:
    """The current plans of a fiscal year (every issuer's newest revision), published or not."""
    stmt = select(m.Plan.id).where(m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True))
    return list(session.scalars(stmt.order_by(m.Plan.id)))


def _count(session: Session, plan_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, int]]]:
    out: dict[int, dict[str, tuple[int, int]]] = {pid: {} for pid in plan_ids}
    for start in range(0, len(plan_ids), CHUNK):
        chunk = plan_ids[start : start + CHUNK]
        stmt = (
            kpi_rows(m.Plan.id.in_(chunk))
            .add_columns(
                m.Plan.id,
                m.Department.name,
                func.count(m.Kpi.id),
                func.sum(case((measured_clause(), 1), else_=0)),
            )
            .group_by(m.Plan.id, m.Department.name)
        )
        for plan_id, department, total, measured in session.execute(stmt):
            out[plan_id][department] = (int(total), int(measured or 0))
    return out


#: (database, plan id) → ((plan token, global token), department → (total, measured)).
_cache: dict[tuple[str, int], tuple[tuple[str | None, str | None], dict[str, tuple[int, int]]]] = {}
_lock = threading.Lock()


def department_progress(session: Session, fiscal_year: int) -> dict[str, Progress]:
    """Each department's measured and total KPIs of the year's current plans, by department name."""
    plan_ids = current_plan_ids(session, fiscal_year)
    tokens = dict(zip(plan_ids, derived.versions(session, [derived.plan_scope(p) for p in plan_ids]), strict=True))
    (everything,) = derived.versions(session, [derived.ALL])
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = {p: _cache.get((database, p)) for p in plan_ids}
    stale = [p for p, entry in cached.items() if entry is None or entry[0] != (tokens[p], everything)]
    fresh = _count(session, stale) if stale else {}
    totals: Counter[str] = Counter()
    measured: Counter[str] = Counter()
    with _lock:
        for plan_id in plan_ids:
            if plan_id in fresh:
                _cache[(database, plan_id)] = ((tokens[plan_id], everything), fresh[plan_id])
                counts = fresh[plan_id]
            else:
                counts = cached[plan_id][1]  # type: ignore[index]  # not stale, so cached
            for department, (total, done) in counts.items():
                totals[department] += total
                measured[department] += done
    return {d: Progress(measured[d], totals[d]) for d in sorted(totals)}


def forget() -> None:
    """Drop every cached count: for benchmarks measuring a cold start."""
    with _lock:
        _cache.clear()
