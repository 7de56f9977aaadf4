"""Stored per-plan aggregates: what the plans list and the dashboard's year budgets would otherwise sum from
the projects table on every request.

One row per plan (``plan_aggregates``): its top-level projects (re-listings included, as the lists count
them), the tally of their budgets by the rule of :mod:`keikaku.domain.budget` (re-listings excluded), whether
every project's components add up to it, and its KPIs (targets, components' included).  The plan's stated
total is not copied: it is a column of the plan row the reads select anyway, and the verdict is taken on read
with :func:`keikaku.domain.budget.plan_verdict`, so the rule stays in one place.

The rows are kept current by the one rule of :mod:`keikaku.storage.derived`: the flush that writes a plan,
a project or a KPI recomputes its plan's row in the same transaction (:func:`refresh`).  Bulk loads that
bypass the ORM (``keikaku synth``) call :func:`refresh` for the plans they wrote, in their own transaction;
migration 0014 fills every plan's row.  Statuses are not stored here: they come from an evaluation whose
inputs (actual values, period locks of a whole year) are not a plan's rows, and are cached by
:mod:`keikaku.services.evaluations.status_cache`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, Connection, ForeignKey, Integer, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.domain.budget import Tally, components_verdict
from keikaku.storage import models as m
from keikaku.storage.base import Base
from keikaku.storage.in_lists import IN_LIST_SIZE, in_chunks


class PlanAggregate(Base):
    """A plan's stored aggregates (see the module docstring)."""

    __tablename__ = "plan_aggregates"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    #: Top-level projects, re-listings included.
    project_count: Mapped[int] = mapped_column(Integer)
    #: The top-level, not re-listed projects' budgets: sum, how many have one, how many there are.
    listed_total: Mapped[int] = mapped_column(BigInteger)
    listed_known: Mapped[int] = mapped_column(Integer)
    listed_counted: Mapped[int] = mapped_column(Integer)
    #: Every project's components add up to it (or there is nothing to check).
    components_ok: Mapped[bool] = mapped_column(Boolean)
    #: Target KPIs of the plan's projects and components (measures not counted).
    kpi_count: Mapped[int] = mapped_column(Integer)

    @property
    def tally(self) -> Tally:
        """The listed budgets as a :class:`~keikaku.domain.budget.Tally`."""
        return Tally(self.listed_total, self.listed_known, self.listed_counted)


def compute(conn: Connection, plan_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The aggregate rows of the existing plans among ``plan_ids``, from their projects and KPIs."""
    ids = sorted(set(plan_ids))
    out: list[dict[str, Any]] = []
    for chunk in in_chunks(ids):
        plans = list(conn.scalars(select(m.Plan.id).where(m.Plan.id.in_(chunk))))
        if not plans:
            continue
        rows = conn.execute(
            select(
                m.Project.id, m.Project.plan_id, m.Project.parent_id, m.Project.budget_thousand_yen, m.Project.relisted
            ).where(m.Project.plan_id.in_(plans))
        ).all()
        kpis = dict(
            conn.execute(
                select(m.Project.plan_id, func.count(m.Kpi.id))
                .join(m.Project, m.Kpi.project_id == m.Project.id)
                .where(m.Project.plan_id.in_(plans), m.Kpi.role == "target")
                .group_by(m.Project.plan_id)
            ).all()
        )
        top: dict[int, list[tuple[int, int | None, bool]]] = defaultdict(list)
        parts: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
        for row in rows:
            if row.parent_id is None:
                top[row.plan_id].append((row.id, row.budget_thousand_yen, bool(row.relisted)))
            else:
                parts[row.parent_id].append((row.budget_thousand_yen, bool(row.relisted)))
        for plan_id in plans:
            projects = top.get(plan_id, [])
            tally = Tally.of((budget, relisted) for _id, budget, relisted in projects)
            verdicts = (components_verdict(budget, Tally.of(parts.get(pid, []))) for pid, budget, _r in projects)
            out.append(
                {
                    "plan_id": plan_id,
                    "project_count": len(projects),
                    "listed_total": tally.total,
                    "listed_known": tally.known,
                    "listed_counted": tally.counted,
                    "components_ok": all(v is None or v.ok for v in verdicts),
                    "kpi_count": int(kpis.get(plan_id, 0)),
                }
            )
    return out


def refresh(conn: Connection, plan_ids: Iterable[int]) -> None:
    """Recompute the rows of ``plan_ids`` in the connection's transaction (a deleted plan's row goes)."""
    ids = sorted(set(plan_ids))
    for chunk in in_chunks(ids):
        if conn.dialect.name == "postgresql":
            # Two writers of one plan's projects: the second waits here for the first to commit, then computes
            # from what the first wrote (under READ COMMITTED each statement sees what was committed before it).
            # Without the lock it would compute without the first's rows and write that over the first's result.
            # SQLite lets one writer at a time in the first place.
            locked = select(PlanAggregate.plan_id).where(PlanAggregate.plan_id.in_(chunk))
            conn.execute(locked.order_by(PlanAggregate.plan_id).with_for_update())
        conn.execute(delete(PlanAggregate).where(PlanAggregate.plan_id.in_(chunk)))
        rows = compute(conn, chunk)
        if rows:
            conn.execute(insert(PlanAggregate), rows)


def refresh_all(conn: Connection) -> int:
    """Recompute every plan's row (a migration, or a bulk statement whose rows nobody saw); returns how many."""
    conn.execute(delete(PlanAggregate))
    ids = list(conn.scalars(select(m.Plan.id).order_by(m.Plan.id)))
    for chunk in in_chunks(ids, IN_LIST_SIZE * 4):  # compute takes them an IN list at a time
        rows = compute(conn, chunk)
        if rows:
            conn.execute(insert(PlanAggregate), rows)
    return len(ids)
