"""Reading plans' projects, components, departments and KPIs as plain rows, in a few bulk queries.

The evaluation of a fiscal year may cover thousands of plans (the national synthetic data has 1,788
issuers); loading ORM objects for every project and KPI would dominate its time.  These loaders select
the columns they need and return small frozen rows, in plan order.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, ColumnElement, Select, Text, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from keikaku.storage import models as m
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.prepared import Prepared


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A plan's own facts."""

    id: int
    fiscal_year: int
    issuer: str
    title: str | None
    total_budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None


class ProjectRow(NamedTuple):
    """A project or (with ``parent_id``) a component, with its departments' names in order.

    Rows are named tuples: tens of thousands are made per fiscal year, and tuples are cheap to make.
    """

    id: int
    plan_id: int
    parent_id: int | None
    position: int
    code: str | None
    name: str
    title: str | None
    budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    challenge: int | None
    field: str | None
    start_fiscal_year: int | None
    is_new: bool
    relisted: bool
    kind: str
    department_names: tuple[str, ...]


class KpiRow(NamedTuple):
    """A KPI row's columns (the same names as :class:`keikaku.storage.models.Kpi`)."""

    id: int
    project_id: int | None
    position: int
    role: str
    indicator: str
    comparator: str | None
    target: float | None
    unit: str | None
    relative_to: str | None
    relative_to_kpi_id: int | None
    reference: str | None  # the JSON text, parsed by the few readers that need it
    text: str | None
    target_fiscal_year: int | None
    counted_monthly: bool
    approximate: bool


@dataclass(frozen=True)
class PlanTree:
    """Plans, their projects and components (in plan order) and their KPIs."""

    plans: list[PlanRow]
    projects: list[ProjectRow]
    kpis: list[KpiRow]

    @cached_property
    def project_by_id(self) -> dict[int, ProjectRow]:
        """Projects and components by id."""
        return {p.id: p for p in self.projects}

    @cached_property
    def kpi_by_id(self) -> dict[int, KpiRow]:
        """KPIs by id."""
        return {k.id: k for k in self.kpis}

    @cached_property
    def kpis_by_project(self) -> dict[int, list[KpiRow]]:
        """Each project's KPIs, in order."""
        grouped: dict[int, list[KpiRow]] = defaultdict(list)
        for kpi in self.kpis:
            if kpi.project_id is not None:
                grouped[kpi.project_id].append(kpi)
        return grouped

    def projects_by_plan(self) -> dict[int, list[ProjectRow]]:
        """Each plan's projects and components, in plan order."""
        grouped: dict[int, list[ProjectRow]] = defaultdict(list)
        for project in self.projects:
            grouped[project.plan_id].append(project)
        return grouped


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk computation, and restore it afterwards.

    Evaluating a national fiscal year makes over a million small rows and results; each allocation burst
    triggers collections that rescan every live object, which doubled the run time.  The evaluation makes
    no reference cycles, so reference counting frees everything; the collector resumes when done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The columns of a :class:`PlanRow`, in its order.
PLAN_ROW_COLUMNS = (
    m.Plan.id,
    m.Plan.fiscal_year,
    m.Plan.issuer,
    m.Plan.title,
    m.Plan.total_budget_thousand_yen,
    m.Plan.national_subsidy_thousand_yen,
)


def plan_row(plan: m.Plan | Any) -> PlanRow:
    """The row of a plan: an ORM plan, or a row of its columns (:data:`PLAN_ROW_COLUMNS` among them)."""
    return PlanRow(
        plan.id,
        plan.fiscal_year,
        plan.issuer,
        plan.title,
        plan.total_budget_thousand_yen,
        plan.national_subsidy_thousand_yen,
    )


_PROJECT_COLUMNS = (
    m.Project.id,
    m.Project.plan_id,
    m.Project.parent_id,
    m.Project.position,
    m.Project.code,
    m.Project.name,
    m.Project.title,
    m.Project.budget_thousand_yen,
    m.Project.national_subsidy_thousand_yen,
    m.Project.challenge,
    m.Project.field,
    m.Project.start_fiscal_year,
    m.Project.is_new,
    m.Project.relisted,
    m.Project.kind,
)
_KPI_COLUMNS = (
    m.Kpi.id,
    m.Kpi.project_id,
    m.Kpi.position,
    m.Kpi.role,
    m.Kpi.indicator,
    m.Kpi.comparator,
    m.Kpi.target,
    m.Kpi.unit,
    m.Kpi.relative_to,
    m.Kpi.relative_to_kpi_id,
    type_coerce(m.Kpi.reference, Text),  # parsed only where present (few KPIs have one)
    m.Kpi.text,
    m.Kpi.target_fiscal_year,
    m.Kpi.counted_monthly,
    m.Kpi.approximate,
)


# The statements are built once: building a select of fifteen columns costs more than running it on a page.
_PLAN_IDS: BindParameter[list[int]] = bindparam("plan_ids", expanding=True)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_DEPARTMENT_NAMES = (
    select(m.ProjectDepartment.project_id, m.Department.name)
    .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
    .order_by(m.ProjectDepartment.project_id, m.ProjectDepartment.position)
)


def _departments_of_projects_where(*where: ColumnElement[bool]) -> Select[int, str]:
    """The department names of the projects ``where`` chooses, reached from those projects' ids.

    Written as ``project_id IN (the projects' ids)``, not as a join with ``projects``: the plan then starts
    from the chosen projects whatever the statistics say.  As a join, sampled statistics that took a
    department for a rare value made SQLite read every department's whole list of projects (2.4 s of a
    national year's evaluation, for 70,000 rows).
    """
    return _DEPARTMENT_NAMES.where(m.ProjectDepartment.project_id.in_(select(m.Project.id).where(*where)))


_TREE_PROJECTS = select(*_PROJECT_COLUMNS).where(m.Project.plan_id.in_(_PLAN_IDS))
_TREE_DEPARTMENTS = _departments_of_projects_where(m.Project.plan_id.in_(_PLAN_IDS))
_TREE_KPIS = (
    select(*_KPI_COLUMNS).join(m.Project, m.Kpi.project_id == m.Project.id).where(m.Project.plan_id.in_(_PLAN_IDS))
)
# One plan's (or one family's) rows: a few dozen, read on the driver (keikaku.storage.prepared); the bulk reads
# above keep SQLAlchemy's compiled row processing, faster for hundreds of thousands of rows.
_ONE_PLAN_PROJECTS = Prepared(select(*_PROJECT_COLUMNS).where(m.Project.plan_id == bindparam("plan_id")))
# One plan's departments stay a join: with one plan id, every plan starts from that plan's projects (the hot
# reads' query-plan test checks it), and the join is a quarter faster than the subquery on a page.
_ONE_PLAN_DEPARTMENTS = Prepared(
    _DEPARTMENT_NAMES.join(m.Project, m.Project.id == m.ProjectDepartment.project_id).where(
        m.Project.plan_id == bindparam("plan_id")
    )
)
_ONE_PLAN_KPIS = Prepared(
    select(*_KPI_COLUMNS)
    .join(m.Project, m.Kpi.project_id == m.Project.id)
    .where(m.Project.plan_id == bindparam("plan_id"))
)
_FAMILY_PROJECTS = Prepared(
    select(*_PROJECT_COLUMNS).where(m.Project.id.in_(_IDS), m.Project.plan_id == bindparam("plan_id"))
)
_FAMILY_DEPARTMENTS = Prepared(_DEPARTMENT_NAMES.where(m.ProjectDepartment.project_id.in_(_IDS)))
_FAMILY_KPIS = Prepared(select(*_KPI_COLUMNS).where(m.Kpi.project_id.in_(_IDS)))
_PLAN_MEASURES = Prepared(
    select(*_KPI_COLUMNS)
    .join(m.Project, m.Kpi.project_id == m.Project.id)
    .where(m.Kpi.id.in_(_IDS), m.Project.plan_id == bindparam("plan_id"))
)


def plan_tree_reads(plan_id: int, *, kpis: bool = True) -> list[tuple[Prepared, dict[str, Any]]]:
    """The reads :func:`load_plan_tree` makes for one plan, to be read ahead with the page's others
    (:func:`keikaku.storage.prepared.read_ahead`)."""
    reads: list[tuple[Prepared, dict[str, Any]]] = [
        (_ONE_PLAN_PROJECTS, {"plan_id": plan_id}),
        (_ONE_PLAN_DEPARTMENTS, {"plan_id": plan_id}),
    ]
    if kpis:
        reads.append((_ONE_PLAN_KPIS, {"plan_id": plan_id}))
    return reads


def load_plan_tree(session: Session, plans: Sequence[m.Plan | PlanRow], *, kpis: bool = True) -> PlanTree:
    """Read the plans' projects, components, departments and KPIs in bulk (a few queries per 500 plans);
    ``kpis`` False leaves the KPIs out (a table that only counts them)."""
    rows = [p if isinstance(p, PlanRow) else plan_row(p) for p in plans]
    plan_ids = [p.id for p in rows]
    departments: dict[int, list[str]] = defaultdict(list)
    raw_projects: list[Any] = []
    kpi_rows: list[KpiRow] = []
    connection = session.connection()  # Core rows: no ORM bookkeeping for hundreds of thousands of tuples
    if len(plan_ids) == 1:  # a plan's page
        raw_projects = _ONE_PLAN_PROJECTS.rows(connection, plan_id=plan_ids[0])
        for project_id, name in _ONE_PLAN_DEPARTMENTS.rows(connection, plan_id=plan_ids[0]):
            departments[project_id].append(name)
        if kpis:
            kpi_rows = [_make_kpi(row) for row in _ONE_PLAN_KPIS.rows(connection, plan_id=plan_ids[0])]
    for chunk in in_chunks(plan_ids) if len(plan_ids) > 1 else ():
        raw_projects.extend(connection.execute(_TREE_PROJECTS, {"plan_ids": chunk}).all())
        for project_id, name in connection.execute(_TREE_DEPARTMENTS, {"plan_ids": chunk}).all():
            departments[project_id].append(name)
        if kpis:
            kpi_rows.extend(_make_kpi(row) for row in connection.execute(_TREE_KPIS, {"plan_ids": chunk}).all())
    kpi_rows.sort(key=lambda k: (k.position, k.id))
    projects = [_project_row(row, departments) for row in raw_projects]
    by_id = {p.id: p for p in projects}
    order = {p.id: i for i, p in enumerate(rows)}
    projects.sort(key=lambda p: _tree_position(p, by_id, order))
    return PlanTree(rows, projects, kpi_rows)


def family_tree_reads(plan_id: int, project_ids: Sequence[int]) -> list[tuple[Prepared, dict[str, Any]]]:
    """The reads :func:`load_family_tree` makes first (not the measures, which depend on them), to be read
    ahead with the page's others."""
    ids = sorted(set(project_ids))
    return [
        (_FAMILY_PROJECTS, {"ids": ids, "plan_id": plan_id}),
        (_FAMILY_DEPARTMENTS, {"ids": ids}),
        (_FAMILY_KPIS, {"ids": ids}),
    ]


def load_family_tree(session: Session, plan: m.Plan | PlanRow, project_ids: Sequence[int]) -> PlanTree:
    """The part of one plan's tree a project page needs: the projects ``project_ids`` (a project, its parent
    and its components), their departments and KPIs, and the KPIs those measure against (a ratio's
    denominator may be another project's).  Three queries for a few rows, not the whole plan's."""
    row = plan if isinstance(plan, PlanRow) else plan_row(plan)
    ids = sorted(set(project_ids))
    connection = session.connection()
    raw_projects = _FAMILY_PROJECTS.rows(connection, ids=ids, plan_id=row.id)
    departments: dict[int, list[str]] = defaultdict(list)
    for project_id, name in _FAMILY_DEPARTMENTS.rows(connection, ids=ids):
        departments[project_id].append(name)
    kpis = [_make_kpi(r) for r in _FAMILY_KPIS.rows(connection, ids=ids)]
    known = {k.id for k in kpis}
    measures = sorted(
        {k.relative_to_kpi_id for k in kpis if k.relative_to_kpi_id and k.relative_to_kpi_id not in known}
    )
    if measures:
        kpis.extend(_make_kpi(r) for r in _PLAN_MEASURES.rows(connection, ids=measures, plan_id=row.id))
    kpis.sort(key=lambda k: (k.position, k.id))
    projects = [_project_row(values, departments) for values in raw_projects]
    by_id = {p.id: p for p in projects}
    projects.sort(key=lambda p: _tree_position(p, by_id, {row.id: 0}))
    return PlanTree([row], projects, kpis)


_make_kpi = KpiRow._make


def _project_row(values: Any, departments: dict[int, list[str]]) -> ProjectRow:
    return ProjectRow._make((*values, tuple(departments.get(values[0], ()))))


def _tree_position(project: ProjectRow, by_id: dict[int, ProjectRow], order: dict[int, int]) -> tuple[int, ...]:
    parent = by_id.get(project.parent_id) if project.parent_id else None
    plan = order.get(project.plan_id, 0)
    if parent is None:
        return (plan, project.position, -1, project.id)
    return (plan, parent.position, project.position, project.id)
