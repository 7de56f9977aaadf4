"""The one rule that keeps derived stores current: every write that changes what they are computed from
gives its scope a new version token, in the same transaction.

Derived stores are the per-plan status cache (``services.evaluations.status_cache``) and the search index
(``search_entries``).  They used to key on the highest id of a few append-only tables, which missed in-place
edits (a KPI target, a project's name) and came back wrong after a restore, when ids are reused.

Now a session hook looks at what each flush writes and bumps the scopes it touches:

* ``plan:<id>``: the plan, its projects and components, their KPIs, events and departments, its
  cooperative projects and warnings, actual values and judgements of its KPIs, its evaluation settings
  and its publication rows;
* ``lock:<fiscal year>``: a period lock of that year, set or reopened;
* ``context``: the vision, action plan, partner programmes and documents;
* ``visibility``: any plan row or publication row written, or plans loaded in bulk: which revision of a plan
  each viewer reads (its newest, or its newest published) may have changed;
* ``all``: an ORM bulk UPDATE or DELETE on one of the watched tables, whose rows the hook cannot see.

A token is random, never a counter: after a restore the database holds the tokens of the data it holds, so
a cache entry can only match the state it was computed from.  The same flush also drops the touched plans
from the search index, which reindexes them on the next search, and recomputes the stored aggregates
(:mod:`keikaku.storage.aggregates`) of the plans whose projects or KPIs it wrote.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, DateTime, String, bindparam, delete, event, inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.session import ORMExecuteState

from keikaku.storage import accounts as acc
from keikaku.storage import actuals as act
from keikaku.storage import aggregates
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.base import Base, utcnow
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.prepared import Prepared
from keikaku.storage.upsert import upsert

ALL = "all"
CONTEXT = "context"
VISIBILITY = "visibility"

#: Tables whose rows are plan content; a bulk statement on one of them bumps :data:`ALL`.
_PLAN_TABLES = (
    m.Plan,
    m.Project,
    m.Kpi,
    m.Event,
    m.ProjectDepartment,
    m.CooperativeProject,
    m.PlanWarning,
    act.ActualValue,
    act.QualitativeJudgement,
    act.EvaluationSettings,
    acc.Publication,
    acc.PeriodLock,
)
_CONTEXT_TABLES = (m.Vision, m.Challenge, m.Aim, m.ActionPlan, m.Theme, m.ThemeEntry, m.PartnerProgramme, m.Initiative)
_WATCHED = frozenset(str(cls.__tablename__) for cls in (*_PLAN_TABLES, *_CONTEXT_TABLES, m.Document))
#: Tables the stored aggregates are computed from: a bulk statement on one of them recomputes every plan's.
_AGGREGATED = frozenset(str(cls.__tablename__) for cls in (m.Project, m.Kpi))


_generation = 0
_generation_lock = threading.Lock()


def local_generation() -> int:
    """How many transactions of this process have changed derived data so far: a process-local cache that
    trusts a check for a few seconds asks again as soon as this moves."""
    return _generation


class DerivedVersion(Base):
    """The current version token of one scope of derived data (see the module docstring)."""

    __tablename__ = "derived_versions"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def plan_scope(plan_id: int) -> str:
    """The scope of one plan's derived data."""
    return f"plan:{plan_id}"


def lock_scope(fiscal_year: int) -> str:
    """The scope of a fiscal year's period locks (locking turns 評価中 into a final status)."""
    return f"lock:{fiscal_year}"


#: Read on every page (keikaku.storage.prepared: compiled once, run on the driver).
_TOKENS = Prepared(
    select(DerivedVersion.scope, DerivedVersion.token).where(
        DerivedVersion.scope.in_(bindparam("scopes", expanding=True))
    )
)


def version_reads(session: Session, scopes: Iterable[str]) -> list[tuple[Prepared, dict[str, Any]]]:
    """The read :func:`versions` makes for ``scopes``, to be read ahead with a page's others (none in a
    database whose schema predates the table)."""
    return [(_TOKENS, {"scopes": list(scopes)})] if _tracked(session.connection()) else []


def versions(session: Session, scopes: Iterable[str]) -> tuple[str | None, ...]:
    """The tokens of ``scopes``, in order (None for a scope never written since it was created)."""
    wanted = list(scopes)
    if not _tracked(session.connection()):
        return tuple(None for _ in wanted)
    rows = dict(_TOKENS.rows(session, scopes=wanted))
    return tuple(rows.get(scope) for scope in wanted)


#: Per database URL and table: whether it has the ``derived_versions`` (or ``plan_aggregates``) table (a
#: database at an older schema, being migrated step by step, has not; :func:`forget_schema` is called after
#: every migration).
_has_table: dict[tuple[URL, str], bool] = {}


def forget_schema() -> None:
    """Forget which databases have the tables (after a migration)."""
    _has_table.clear()


def _tracked(conn: Connection, table: str = DerivedVersion.__tablename__) -> bool:
    key = (conn.engine.url, table)  # a URL is an immutable tuple: hashed without rendering it
    if key not in _has_table:
        _has_table[key] = inspect(conn).has_table(table)
    return _has_table[key]


def refresh_aggregates(session: Session, plan_ids: Iterable[int]) -> None:
    """Recompute the stored aggregates of ``plan_ids`` in the session's transaction (nothing in a database
    whose schema predates the table)."""
    conn = session.connection()
    if _tracked(conn, aggregates.PlanAggregate.__tablename__):
        aggregates.refresh(conn, plan_ids)


def token(conn: Connection, scope: str) -> str | None:
    """The token of one scope (None when it has none, or the database predates the table)."""
    if not _tracked(conn):
        return None
    return conn.scalar(select(DerivedVersion.token).where(DerivedVersion.scope == scope))


def new_tokens(conn: Connection, scopes: Iterable[str]) -> None:
    """Give ``scopes`` new tokens in ``conn``'s transaction (a bulk load that writes through a connection
    calls this itself; see :func:`bump` for a session)."""
    names = sorted(set(scopes))  # in one order, so that two writers lock the rows in the same order
    if names and _tracked(conn):
        now = utcnow()
        # An upsert, not a delete and an insert: two writers of one plan (two editors saving actual values of
        # its KPIs) would otherwise both delete, and on PostgreSQL the second's insert would then meet the
        # first's row (a unique violation, shown to the editor as a conflict that never happened).
        rows = [{"scope": s, "token": uuid.uuid4().hex, "changed_at": now} for s in names]
        upsert(conn, DerivedVersion, rows, key="scope")


def bump(session: Session, scopes: Iterable[str], *, plan_ids: Iterable[int] = ()) -> None:
    """Give ``scopes`` new tokens and drop ``plan_ids`` from the search index, in the session's transaction.

    Writes that bypass the ORM (bulk loads) call this themselves; ORM writes are seen by the flush hook.
    Nothing is tracked in a database whose schema predates the table (it is being migrated)."""
    conn = session.connection()
    if not _tracked(conn):
        return
    session.info["derived_bumped"] = True
    names = sorted(set(scopes))
    new_tokens(conn, names)
    ids = sorted(set(plan_ids))
    if ids or CONTEXT in names or ALL in names:
        # The search index is current again only after a sync has looked at it.
        conn.execute(delete(w.SearchIndexState).where(w.SearchIndexState.key == "signature"))
    for chunk in in_chunks(ids):
        conn.execute(delete(w.SearchEntry).where(w.SearchEntry.plan_id.in_(chunk)))
        conn.execute(delete(w.SearchIndexedPlan).where(w.SearchIndexedPlan.plan_id.in_(chunk)))


class _Touched:
    """What one flush touched: plan ids, project and KPI ids still to resolve to plans, locked years; and of
    those, the plans whose stored aggregates change (their projects or KPIs were written)."""

    def __init__(self) -> None:
        self.plans: set[int] = set()
        self.projects: set[int] = set()
        self.kpis: set[int] = set()
        self.locks: set[int] = set()
        self.context = False
        self.visibility = False
        self.totals: set[int] = set()
        self.total_projects: set[int] = set()

    def add(self, obj: Any) -> None:
        if isinstance(obj, (*_CONTEXT_TABLES, m.Document)):
            self.context = True
        elif isinstance(obj, m.Plan):
            self.plans.add(obj.id)
            self.visibility = True
            self.totals.add(obj.id)  # a new plan gets its (empty) row
        elif isinstance(obj, m.Project):
            moved = {p for p in _before(obj, "plan_id") if p is not None}
            self.plans.update({obj.plan_id, *moved})
            self.totals.update({obj.plan_id, *moved})
        elif isinstance(obj, (m.CooperativeProject, act.EvaluationSettings)):
            self.plans.add(obj.plan_id)
        elif isinstance(obj, m.PlanWarning):
            if obj.plan_id is not None:
                self.plans.add(obj.plan_id)
        elif isinstance(obj, (m.Event, m.ProjectDepartment)):
            self.projects.add(obj.project_id)
        elif isinstance(obj, m.Kpi):
            projects = {p for p in (obj.project_id, *_before(obj, "project_id")) if p is not None}
            self.projects.update(projects)
            self.total_projects.update(projects)
            if obj.project_id is None:
                self.context = True
        elif isinstance(obj, act.ActualValue):
            self.kpis.add(obj.kpi_id)
        elif isinstance(obj, act.QualitativeJudgement):
            if obj.kpi_id is not None:
                self.kpis.add(obj.kpi_id)
            if obj.project_id is not None:
                self.projects.add(obj.project_id)
        elif isinstance(obj, acc.Publication):
            self.plans.add(obj.object_id)  # a plan's, or the evaluation of that plan
            self.visibility = True
        elif isinstance(obj, acc.PeriodLock):
            self.locks.add(obj.fiscal_year)

    def resolve(self, session: Session) -> None:
        conn = session.connection()
        if self.kpis:
            rows = conn.execute(select(m.Kpi.project_id).where(m.Kpi.id.in_(sorted(self.kpis))))
            for (project_id,) in rows:
                if project_id is None:
                    self.context = True
                else:
                    self.projects.add(project_id)
        if self.projects:
            owners = conn.execute(
                select(m.Project.id, m.Project.plan_id).where(m.Project.id.in_(sorted(self.projects)))
            ).all()
            self.plans.update(plan_id for _id, plan_id in owners if plan_id is not None)
            self.totals.update(plan_id for id_, plan_id in owners if id_ in self.total_projects)

    def scopes(self) -> set[str]:
        out = {plan_scope(p) for p in self.plans} | {lock_scope(y) for y in self.locks}
        if self.context:
            out.add(CONTEXT)
        if self.visibility:
            out.add(VISIBILITY)
        return out


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    touched = _Touched()
    for obj in (*session.new, *session.deleted):
        touched.add(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            touched.add(obj)
    if not (touched.plans or touched.projects or touched.kpis or touched.locks or touched.context):
        return
    touched.resolve(session)
    bump(session, touched.scopes(), plan_ids=touched.plans)
    if touched.totals:
        refresh_aggregates(session, touched.totals)


def _before(obj: Any, attribute: str) -> tuple[Any, ...]:
    """The values ``attribute`` of a flushed ``obj`` had before this flush changed it (a moved row)."""
    history = inspect(obj).attrs[attribute].history
    return tuple(history.deleted or ())


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None) if table is not None else None
    if name in _WATCHED:
        state.session.info["derived_bulk"] = True
    if name in _AGGREGATED:
        state.session.info["aggregates_bulk"] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.pop("derived_bulk", False):
        bump(session, [ALL])
    if session.info.pop("aggregates_bulk", False):
        conn = session.connection()
        if _tracked(conn, aggregates.PlanAggregate.__tablename__):
            aggregates.refresh_all(conn)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _generation  # noqa: PLW0603 - one process-wide counter is the point
    if session.info.pop("derived_bumped", False):
        with _generation_lock:
            _generation += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("derived_bumped", None)
    session.info.pop("derived_bulk", None)
    session.info.pop("aggregates_bulk", None)
