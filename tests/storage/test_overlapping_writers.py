"""Two writers of one plan whose transactions overlap in time (two editors saving actual values of its KPIs,
two edits of its projects, two servers finishing a sync of the search index) both commit, and what they leave
derived is right: the plan's version token changed, its stored aggregates equal a recomputation, the index's
signature is the last writer's.  SQLite and PostgreSQL.

The second writer starts while the first is still open.  On PostgreSQL it waits for the first's row locks
and goes on once the first commits; on SQLite it waits for the write lock.  Writing the token as a delete and
an insert made the second writer's insert meet the first's row on PostgreSQL (a unique violation), which
the actual value's form then showed as a conflict with an edit nobody made (bench/bench_rw.py, stop 29).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from tests.kpi_picks import counted_kpis_2026
from tests.storage.test_plan_aggregates import recomputed, stored

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import SYSTEM
from keikaku.services.search.index import _set_state, _state
from keikaku.storage import aggregates, derived
from keikaku.storage import models as m
from keikaku.storage.actuals import ActualValue
from keikaku.storage.uow import read_session, unit_of_work

#: Time given to the second writer to reach the first's lock before the first commits.
WAIT = 0.5


def _overlapping(engine: Engine, first: Callable[[Session], None], second: Callable[[], None]) -> None:
    """Run ``first`` in a unit of work and flush it; meanwhile run ``second`` in a thread; then commit the
    first.  Raises what ``second`` raised."""
    failures: list[BaseException] = []

    def run_second() -> None:
        try:
            second()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run_second)
    with unit_of_work(engine) as session:
        first(session)
        session.flush()
        thread.start()
        time.sleep(WAIT)
        assert thread.is_alive(), "the second writer did not wait for the first"
    thread.join(timeout=60)
    assert not thread.is_alive()
    if failures:
        raise failures[0]


def _count_kpis_of_one_plan(engine: Engine) -> tuple[int, int, int]:
    """(plan, kpi, another kpi of it): FY2026 KPIs counted in people or cases, with no value for 2026 yet."""
    with read_session(engine) as session:
        rows = session.execute(
            select(m.Project.plan_id, m.Kpi.id)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(
                *counted_kpis_2026(), ~m.Kpi.id.in_(select(ActualValue.kpi_id).where(ActualValue.fiscal_year == 2026))
            )
            .order_by(m.Project.plan_id, m.Kpi.id)
        ).all()
    by_plan: dict[int, list[int]] = {}
    for plan_id, kpi_id in rows:
        by_plan.setdefault(plan_id, []).append(kpi_id)
    plan_id, kpis = next((p, k) for p, k in by_plan.items() if len(k) >= 2)
    return plan_id, kpis[0], kpis[1]


def test_two_editors_saving_values_of_one_plans_kpis_at_once_both_succeed(loaded_engine: Engine) -> None:
    plan_id, first_kpi, second_kpi = _count_kpis_of_one_plan(loaded_engine)
    with read_session(loaded_engine) as session:
        before = derived.versions(session, [derived.plan_scope(plan_id)])

    def first(session: Session) -> None:
        session.add(
            ActualValue(
                kpi_id=first_kpi, fiscal_year=2026, month=0, version=1, value=3, channel="cli", entered_by="一人目"
            )
        )

    def second() -> None:
        set_actual(
            ActualInput(kpi=second_kpi, fiscal_year=2026, value=5, expected_version=0),
            actor=SYSTEM,
            engine=loaded_engine,
        )

    _overlapping(loaded_engine, first, second)
    with read_session(loaded_engine) as session:
        values = dict(
            session.execute(
                select(ActualValue.kpi_id, ActualValue.value).where(
                    ActualValue.kpi_id.in_([first_kpi, second_kpi]), ActualValue.fiscal_year == 2026
                )
            ).all()
        )
        after = derived.versions(session, [derived.plan_scope(plan_id)])
    assert values == {first_kpi: 3, second_kpi: 5}
    assert after[0] is not None and after != before


def test_two_edits_of_one_plans_projects_at_once_leave_its_aggregates_right(loaded_engine: Engine) -> None:
    """Each writer recomputes the plan's aggregates: the second from the first's rows too, once it has them."""
    with read_session(loaded_engine) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026).order_by(m.Plan.id))
    assert plan_id is not None
    before = stored(loaded_engine)[plan_id]

    def add_project(session: Session, code: str, budget: int) -> None:
        # Through the connection, as a bulk load writes: the flush hook (and its token) stays out of it.
        conn = session.connection()
        row = {"plan_id": plan_id, "position": 900 + int(code), "code": code, "name": f"追加{code}"}
        conn.execute(insert(m.Project), [{**row, "kind": "budget", "budget_thousand_yen": budget}])
        aggregates.refresh(conn, [plan_id])

    def second() -> None:
        with unit_of_work(loaded_engine) as session:
            add_project(session, "2", 2_000)

    _overlapping(loaded_engine, lambda session: add_project(session, "1", 1_000), second)
    row = stored(loaded_engine)[plan_id]
    assert row == recomputed(loaded_engine)[plan_id]
    assert row["project_count"] == before["project_count"] + 2
    assert row["listed_total"] == before["listed_total"] + 3_000


def test_two_search_syncs_finishing_at_once_both_write_the_signature(loaded_engine: Engine) -> None:
    """Two servers whose syncs of the search index end together (each writes the index's signature)."""

    def second() -> None:
        with unit_of_work(loaded_engine) as session:
            _set_state(session.connection(), "signature", "second")

    _overlapping(loaded_engine, lambda session: _set_state(session.connection(), "signature", "first"), second)
    with read_session(loaded_engine) as session:
        assert _state(session.connection())["signature"] == "second"
