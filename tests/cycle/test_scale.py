"""The cycle's reads as they work at national scale, on SQLite and PostgreSQL: a checklist counts its
department's KPIs from the department's side and agrees with the board's per-plan counts (a component
without departments of its own included), the board's sums follow writes without a recount, the board
reads a page at a time, a request runs a fixed number of statements, and a reminder run writes in
batches that skip reminders another run wrote."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, select

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.cycle import progress, reminders
from keikaku.services.cycle.board import status_board
from keikaku.services.cycle.checklist import department_checklist
from keikaku.services.cycle.reminders import send_due_reminders
from keikaku.storage import cycle as store
from keikaku.storage import events as outbox
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work

from .conftest import ADMIN, DUE, audit_entries, open_2026


def _orphan_a_component(engine: Engine) -> tuple[set[int], set[str]]:
    """Take a FY2026 component with KPIs off its own departments, so that its KPIs fall to its project's
    departments; its KPI ids and those departments."""
    with unit_of_work(engine) as s:
        component = s.scalars(
            select(m.Project)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .join(m.Kpi, m.Kpi.project_id == m.Project.id)
            .where(m.Plan.fiscal_year == 2026, m.Plan.is_current.is_(True), m.Project.parent_id.is_not(None))
            .order_by(m.Project.id)
        ).first()
        assert component is not None, "the bundled FY2026 plan has components with KPIs"
        kpis = set(s.scalars(select(m.Kpi.id).where(m.Kpi.project_id == component.id)))
        parents = set(
            s.scalars(
                select(m.Department.name)
                .join(m.ProjectDepartment, m.ProjectDepartment.department_id == m.Department.id)
                .where(m.ProjectDepartment.project_id == component.parent_id)
            )
        )
        for link in s.scalars(select(m.ProjectDepartment).where(m.ProjectDepartment.project_id == component.id)):
            s.delete(link)
    assert parents
    return kpis, parents


def _all_items(engine: Engine, department: str) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        checklist = department_checklist(2026, department, actor=ADMIN, page=page, per_page=100, engine=engine)
        ids += [i.kpi_id for i in checklist.items.items]
        if len(ids) >= checklist.items.total or not checklist.items.items:
            return ids
        page += 1


def test_each_checklist_agrees_with_the_board(loaded_engine: Engine) -> None:
    open_2026(loaded_engine)
    orphaned, parents = _orphan_a_component(loaded_engine)
    rows = status_board(2026, actor=ADMIN, engine=loaded_engine).rows
    assert rows
    items = {}
    for row in rows:
        checklist = department_checklist(2026, row.department, actor=ADMIN, engine=loaded_engine)
        assert (checklist.progress.measured, checklist.progress.total) == (row.measured, row.total), row.department
        items[row.department] = _all_items(loaded_engine, row.department)
        assert len(items[row.department]) == len(set(items[row.department])) == row.total, row.department
    for department in parents:  # the component's KPIs are on its project's departments' checklists
        assert orphaned <= set(items[department])
    unmeasured = department_checklist(2026, rows[0].department, actor=ADMIN, only_unmeasured=True, engine=loaded_engine)
    assert unmeasured.items.total == rows[0].total - rows[0].measured
    assert not any(i.measured for i in unmeasured.items.items)


def test_the_board_sums_follow_writes_without_a_recount(loaded_engine: Engine) -> None:
    open_2026(loaded_engine)
    before = {r.department: r for r in status_board(2026, actor=ADMIN, engine=loaded_engine).rows}
    department = next(d for d, r in before.items() if r.measured < r.total)
    kpi = department_checklist(2026, department, actor=ADMIN, only_unmeasured=True, engine=loaded_engine).items.items[0]
    set_actual(ActualInput(kpi=kpi.kpi_id, fiscal_year=2026, value="3"), actor=ADMIN, engine=loaded_engine)
    after = {r.department: r for r in status_board(2026, actor=ADMIN, engine=loaded_engine).rows}
    assert after[department].measured == before[department].measured + 1
    assert after[department].total == before[department].total
    # the sums updated by the plan written equal a count from nothing
    progress.forget()
    recounted = {r.department: r for r in status_board(2026, actor=ADMIN, engine=loaded_engine).rows}
    assert recounted == after


def test_the_board_reads_a_page_at_a_time(loaded_engine: Engine) -> None:
    open_2026(loaded_engine)
    whole = status_board(2026, actor=ADMIN, today=DUE + dt.timedelta(days=1), engine=loaded_engine)
    assert whole.pages == 1 and len(whole.rows) == whole.departments > 3
    per_page = 3
    late = DUE + dt.timedelta(days=1)
    count = -(-whole.departments // per_page)
    pages = [
        status_board(2026, actor=ADMIN, today=late, page=n, per_page=per_page, engine=loaded_engine)
        for n in range(1, count + 2)  # and one past the end, empty
    ]
    assert pages[-1].rows == []
    pages.pop()
    assert [r for p in pages for r in p.rows] == whole.rows
    assert all(len(p.rows) <= per_page for p in pages)
    for page in pages:  # every page carries the figures of the whole board
        assert (page.departments, page.measured, page.total) == (whole.departments, whole.measured, whole.total)
        assert page.count("overdue") == whole.count("overdue") == whole.departments
        assert page.pages == len(pages)
    assert pages[-1].page == len(pages)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_request_runs_a_fixed_number_of_statements(loaded_engine: Engine) -> None:
    open_2026(loaded_engine)
    rows = status_board(2026, actor=ADMIN, engine=loaded_engine).rows  # counts every plan once
    assert len(rows) > 3
    with _statements(loaded_engine) as board:
        status_board(2026, actor=ADMIN, page=1, per_page=2, engine=loaded_engine)
    with _statements(loaded_engine) as whole:
        status_board(2026, actor=ADMIN, engine=loaded_engine)
    with _statements(loaded_engine) as checklist:
        department_checklist(2026, rows[0].department, actor=ADMIN, engine=loaded_engine)
    # Not one per department or per KPI.  The schema check (2), then for the board the call, the plans,
    # their tokens, the global token and the submissions (2); for the checklist the call, the department,
    # its progress, the page of KPIs, its submission, which are measured, their values.
    assert len(board) <= 8, board
    assert len(whole) <= 8, whole
    assert len(checklist) <= 9, checklist


def test_a_run_skips_reminders_another_run_wrote(loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEIKAKU_SMTP_URL", raising=False)
    monkeypatch.setattr(reminders, "BATCH", 2)  # several transactions
    call = open_2026(loaded_engine)
    departments = [r.department for r in status_board(2026, actor=ADMIN, engine=loaded_engine).rows]
    taken = departments[1]
    with unit_of_work(loaded_engine) as s:  # another server wrote this one after this run read what was sent
        s.add(store.CallReminder(call_id=call.id, department=taken, kind="before", recipients=0))
    monkeypatch.setattr(reminders, "_pending", _ignoring_sent(reminders._pending, call.id))
    day = DUE - dt.timedelta(days=7)
    run = send_due_reminders(today=day, deliver=False, engine=loaded_engine)
    assert run.reminders == len(departments) - 1
    assert run.unaddressed == run.reminders  # nobody has an address: one message each for staff
    entries = audit_entries(loaded_engine, "cycle.remind")
    assert sorted(e.object_id for e in entries) == sorted(f"2026/{d}" for d in departments if d != taken)
    with read_session(loaded_engine) as s:
        subjects = list(s.scalars(select(outbox.OutboxMail.subject).where(outbox.OutboxMail.event_id.is_(None))))
        reminded = s.scalar(select(func.count()).select_from(store.CallReminder))
    assert len(subjects) == run.reminders and not [x for x in subjects if f"（{taken}）" in x]
    assert reminded == len(departments)
    assert send_due_reminders(today=day, deliver=False, engine=loaded_engine).reminders == 0


def _ignoring_sent(pending, call_id: int):  # type: ignore[no-untyped-def]
    """``_pending`` as it was before the other server's reminder row: that row is not seen as sent."""

    def without(engine: Engine, today: dt.date):  # type: ignore[no-untyped-def]
        with unit_of_work(engine) as s:
            rows = list(s.scalars(select(store.CallReminder).where(store.CallReminder.call_id == call_id)))
            saved = [(r.department, r.kind, r.recipients) for r in rows]
            for r in rows:
                s.delete(r)
        found = pending(engine, today)
        with unit_of_work(engine) as s:
            for department, kind, count in saved:
                s.add(store.CallReminder(call_id=call_id, department=department, kind=kind, recipients=count))
        return found

    return without
