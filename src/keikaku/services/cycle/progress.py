"""How many of each department's KPIs of a fiscal year are measured: the one query behind the checklist's
progress, the status board and the reminders, with a per-plan cache.

The KPIs of a call are those of the fiscal year's current plans; a KPI belongs to its project's departments,
a component's to its own or else its project's (the rule of
:func:`keikaku.services.plans.kpis.refs_for_projects`).  A KPI is *measured* when it has an actual value or
a qualitative judgement for the year (the evaluation's rule, :mod:`keikaku.evaluation.rollup`).

The counts of a plan are kept per process until the plan's version token changes
(:mod:`keikaku.storage.derived`: every write to its KPIs, actual values or judgements gives it a new one), so
the board of a national year (about 1,800 plans, 20,000 departments) reads the tokens, recounts only the
plans written since and updates the departments' sums by their difference.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true, union_all
from sqlalchemy.orm import Session, aliased

from keikaku.storage import actuals as act
from keikaku.storage import derived
from keikaku.storage import models as m
from keikaku.storage.in_lists import in_chunks

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


def department_id(session: Session, department: str) -> int | None:
    """The id of a department by its name (None when there is none)."""
    return session.scalar(select(m.Department.id).where(m.Department.name == department))


def department_kpi_rows(department: int, fiscal_year: int, *where: ColumnElement[bool]):  # type: ignore[no-untyped-def]  # a Select of many columns
    """The KPIs of one department (by id) in the year's current plans, joined to their project and plan: the
    rule of :func:`owner_project`, read from the department's side (its links, then their components with
    no department of their own), so that the indexes on the links and on ``parent_id`` find them instead of
    a scan of the year's KPIs."""
    links = m.ProjectDepartment
    own_links = aliased(m.ProjectDepartment)
    component = aliased(m.Project)
    linked = aliased(m.Project)
    year = (m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True))
    direct = (
        select(linked.id.label("id"), m.Plan.id.label("plan_id"))
        .join(links, links.project_id == linked.id)
        .join(m.Plan, m.Plan.id == linked.plan_id)
        .where(links.department_id == department, *year)
    )
    inherited = (
        select(component.id.label("id"), m.Plan.id.label("plan_id"))
        .join(links, links.project_id == component.parent_id)
        .join(m.Plan, m.Plan.id == component.plan_id)
        .where(links.department_id == department, *year, ~exists().where(own_links.project_id == component.id))
    )
    owned = union_all(direct, inherited).subquery("owned")
    return (
        select()
        .select_from(owned)
        .join(m.Kpi, m.Kpi.project_id == owned.c.id)
        .join(m.Project, m.Project.id == owned.c.id)
        .join(m.Plan, m.Plan.id == owned.c.plan_id)
        .where(*where)
    )


def one_department(session: Session, department: int, fiscal_year: int) -> Progress:
    """One department's measured and total KPIs of the year (the figures of :func:`department_progress`,
    counted from the department's side in one statement)."""
    stmt = department_kpi_rows(department, fiscal_year).add_columns(
        func.count(m.Kpi.id), func.sum(case((measured_clause(), 1), else_=0))
    )
    total, measured = session.execute(stmt).one()
    return Progress(int(measured or 0), int(total))


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
    for chunk in in_chunks(plan_ids, CHUNK):
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


@dataclass
class _Year:
    """The counts of one fiscal year: each current plan's (with the tokens it was counted at) and their sum
    per department, as one snapshot that is replaced, never changed, so that readers need no lock."""

    everything: str | None
    plans: dict[int, tuple[str | None, dict[str, tuple[int, int]]]]
    sums: dict[str, Progress]


#: (database, fiscal year) → the year's counts.
_cache: dict[tuple[str, int], _Year] = {}
_lock = threading.Lock()


def _sums(plans: dict[int, tuple[str | None, dict[str, tuple[int, int]]]]) -> dict[str, Progress]:
    totals: Counter[str] = Counter()
    measured: Counter[str] = Counter()
    for _token, counts in plans.values():
        for department, (total, done) in counts.items():
            totals[department] += total
            measured[department] += done
    return {d: Progress(measured[d], totals[d]) for d in sorted(totals)}


def _update(
    old: _Year, plans: dict[int, tuple[str | None, dict[str, tuple[int, int]]]], changed: set[int]
) -> dict[str, Progress]:
    """The sums of ``plans`` from ``old``'s, given the plans ``changed`` (written, added or gone) since."""
    delta: dict[str, list[int]] = {}
    for plan_id in changed:
        for sign, entry in ((-1, old.plans.get(plan_id)), (1, plans.get(plan_id))):
            for department, (total, done) in (entry[1] if entry else {}).items():
                pair = delta.setdefault(department, [0, 0])
                pair[0] += sign * total
                pair[1] += sign * done
    sums = dict(old.sums)
    for department, (total, done) in delta.items():
        before = sums.get(department, Progress(0, 0))
        sums[department] = Progress(before.measured + done, before.total + total)
    if sums.keys() == old.sums.keys() and all(s.total > 0 for s in sums.values()):
        return sums  # the same departments, still in name order
    return {d: p for d, p in sorted(sums.items()) if p.total > 0}


def department_progress(session: Session, fiscal_year: int) -> Mapping[str, Progress]:
    """Each department's measured and total KPIs of the year's current plans, by department name (in name
    order; a snapshot, not to be changed).

    Three statements when nothing was written since the last call (the plans, their tokens, the global
    token), one more per 400 plans written since; the sums are updated by what those plans changed."""
    plan_ids = current_plan_ids(session, fiscal_year)
    tokens = dict(zip(plan_ids, derived.versions(session, [derived.plan_scope(p) for p in plan_ids]), strict=True))
    (everything,) = derived.versions(session, [derived.ALL])
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), fiscal_year)
    with _lock:
        old = _cache.get(key)
    if old is not None and old.everything != everything:
        old = None  # a bulk statement: every plan is recounted
    known = old.plans if old is not None else {}
    stale = [p for p in plan_ids if p not in known or known[p][0] != tokens[p]]
    gone = set(known) - set(tokens)
    if old is not None and not stale and not gone:
        return MappingProxyType(old.sums)
    fresh = _count(session, stale) if stale else {}
    plans = {p: (tokens[p], fresh[p]) if p in fresh else known[p] for p in plan_ids}
    sums = _sums(plans) if old is None else _update(old, plans, {*stale, *gone})
    year = _Year(everything, plans, sums)
    with _lock:
        _cache[key] = year
    return MappingProxyType(year.sums)


def forget() -> None:
    """Drop every cached count: for benchmarks measuring a cold start."""
    with _lock:
        _cache.clear()
