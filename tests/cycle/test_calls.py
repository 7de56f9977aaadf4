"""Opening a call for actuals, the checklist's progress, submitting and withdrawing, the status board."""

import datetime as dt

import pytest
from sqlalchemy import Engine

from keikaku.services.actuals.periods import lock_period
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.cycle.board import status_board
from keikaku.services.cycle.calls import change_call, get_call, list_calls, open_call
from keikaku.services.cycle.checklist import department_checklist
from keikaku.services.cycle.submissions import submit_part, withdraw_submission

from .conftest import ADMIN, COUNCIL, DUE, audit_entries, department_of, open_2026


def test_only_an_administrator_opens_a_call_once_per_year_with_a_plan(sqlite_loaded_engine: Engine) -> None:
    for outsider in (PUBLIC, COUNCIL):
        with pytest.raises(PermissionDeniedError):
            open_call(outsider, 2026, DUE, engine=sqlite_loaded_engine)
    with pytest.raises(NotFoundError):
        open_call(ADMIN, 2041, DUE, engine=sqlite_loaded_engine)
    with pytest.raises(ValidationError) as bad:
        open_call(ADMIN, 2026, DUE, remind_after_days=0, engine=sqlite_loaded_engine)
    assert "remind_after_days" in bad.value.details["fields"]  # type: ignore[operator]
    call = open_2026(sqlite_loaded_engine, remind_before_days=10, note="期限までに提出してください")
    assert (call.before_reminder_on, call.after_reminder_on) == (dt.date(2027, 5, 21), dt.date(2027, 6, 1))
    assert call.note == "期限までに提出してください"
    with pytest.raises(ConflictError):
        open_2026(sqlite_loaded_engine)
    (entry,) = audit_entries(sqlite_loaded_engine, "cycle.open")
    assert entry.object_id == "2026" and entry.after["remind_before_days"] == 10
    assert [c.fiscal_year for c in list_calls(actor=COUNCIL, engine=sqlite_loaded_engine)] == [2026]
    with pytest.raises(PermissionDeniedError):
        get_call(2026, actor=PUBLIC, engine=sqlite_loaded_engine)


def test_changing_a_call_audits_only_what_changed(called: Engine) -> None:
    change_call(ADMIN, 2026, due_date=dt.date(2027, 6, 15), remind_before_days=7, reason="議会日程", engine=called)
    (entry,) = audit_entries(called, "cycle.change")
    assert entry.before == {"due_date": "2027-05-31"} and entry.after == {"due_date": "2027-06-15"}
    assert entry.reason == "議会日程"
    assert get_call(2026, actor=ADMIN, engine=called).due_date == dt.date(2027, 6, 15)


def test_the_checklist_is_the_departments_own_and_counts_what_is_measured(called: Engine) -> None:
    board = status_board(2026, actor=ADMIN, today=dt.date(2027, 5, 1), engine=called)
    assert board.rows and all(r.state == "in_progress" and r.measured == 0 for r in board.rows)
    dept = department_of(called, board.rows[0].department)
    other = department_of(called, board.rows[1].department)
    assert len(dept.kpis) == board.rows[0].total
    with pytest.raises(PermissionDeniedError):
        department_checklist(2026, dept.name, actor=other.editor, engine=called)
    with pytest.raises(PermissionDeniedError):
        department_checklist(2026, dept.name, actor=COUNCIL, engine=called)

    set_actual(ActualInput(kpi=dept.kpis[0], fiscal_year=2026, value="12"), actor=dept.editor, engine=called)
    checklist = department_checklist(2026, dept.name, actor=dept.editor, engine=called)
    assert (checklist.progress.measured, checklist.progress.total) == (1, len(dept.kpis))
    first = next(i for i in checklist.items.items if i.kpi_id == dept.kpis[0])
    assert first.measured and first.value == 12
    unmeasured = department_checklist(2026, dept.name, actor=dept.editor, only_unmeasured=True, engine=called)
    assert dept.kpis[0] not in [i.kpi_id for i in unmeasured.items.items]
    assert unmeasured.items.total == len(dept.kpis) - 1 == len(unmeasured.items.items)
    again = status_board(2026, actor=ADMIN, today=dt.date(2027, 5, 1), engine=called)
    assert {r.department: r.measured for r in again.rows}[dept.name] == 1  # the cache saw the write
    with pytest.raises(PermissionDeniedError):
        status_board(2026, actor=dept.editor, engine=called)


def test_submitting_needs_a_confirmation_while_kpis_are_unmeasured(called: Engine) -> None:
    name = status_board(2026, actor=ADMIN, engine=called).rows[0].department
    dept = department_of(called, name)
    with pytest.raises(ValidationError) as incomplete:
        submit_part(2026, dept.name, actor=dept.editor, engine=called)
    assert incomplete.value.code == "submission_incomplete"
    assert incomplete.value.details["total"] == len(dept.kpis)
    for kpi in dept.kpis:
        set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value="1"), actor=dept.editor, engine=called)
    submission = submit_part(2026, dept.name, actor=dept.editor, engine=called)
    assert (submission.measured, submission.total, submission.active) == (len(dept.kpis), len(dept.kpis), True)
    with pytest.raises(ConflictError):
        submit_part(2026, dept.name, actor=dept.editor, engine=called)
    row = {r.department: r for r in status_board(2026, actor=ADMIN, today=DUE, engine=called).rows}[dept.name]
    assert row.state == "submitted" and row.submission is not None


def test_an_administrator_withdraws_a_submission_with_a_reason_and_it_can_come_again(called: Engine) -> None:
    name = status_board(2026, actor=ADMIN, engine=called).rows[0].department
    dept = department_of(called, name)
    submit_part(2026, dept.name, actor=dept.editor, confirm_incomplete=True, engine=called)
    with pytest.raises(PermissionDeniedError):
        withdraw_submission(2026, dept.name, "誤り", actor=dept.editor, engine=called)
    with pytest.raises(ValidationError):
        withdraw_submission(2026, dept.name, "  ", actor=ADMIN, engine=called)
    withdrawn = withdraw_submission(2026, dept.name, "数値の確認のため再提出", actor=ADMIN, engine=called)
    assert not withdrawn.active and withdrawn.withdraw_reason == "数値の確認のため再提出"
    late = dt.date(2027, 6, 2)
    row = {r.department: r for r in status_board(2026, actor=ADMIN, today=late, engine=called).rows}[dept.name]
    assert row.state == "overdue"
    with pytest.raises(ConflictError):
        withdraw_submission(2026, dept.name, "二度目", actor=ADMIN, engine=called)
    assert submit_part(2026, dept.name, actor=dept.editor, confirm_incomplete=True, engine=called).active
    assert [e.action for e in audit_entries(called, "cycle.submit")] == ["cycle.submit", "cycle.submit"]
    (entry,) = audit_entries(called, "cycle.withdraw")
    assert entry.object_id == f"2026/{dept.name}" and entry.reason == "数値の確認のため再提出"


def test_a_locked_year_takes_no_submission(called: Engine) -> None:
    name = status_board(2026, actor=ADMIN, engine=called).rows[0].department
    dept = department_of(called, name)
    lock_period(ADMIN, 2026, reason="確定", engine=called)
    with pytest.raises(ConflictError) as locked:
        submit_part(2026, dept.name, actor=dept.editor, confirm_incomplete=True, engine=called)
    assert locked.value.code == "period_locked"


def test_a_year_without_a_call_has_no_board(sqlite_loaded_engine: Engine) -> None:
    with pytest.raises(NotFoundError) as missing:
        status_board(2026, actor=ADMIN, engine=sqlite_loaded_engine)
    assert missing.value.code == "call_not_found"
