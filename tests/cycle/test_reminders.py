"""Reminders: N days before the due date and after it, to the editors of departments that have not
submitted, once each (however often the job runs), through the events' outbox and a real SMTP server, and
in the audit trail; and the server runs the job itself."""

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.smtp_server import Inbox

from keikaku.services.core.actors import SYSTEM
from keikaku.services.core.errors import PermissionDeniedError
from keikaku.services.cycle.board import status_board
from keikaku.services.cycle.calls import change_call
from keikaku.services.cycle.reminders import kinds_due, send_due_reminders
from keikaku.services.cycle.submissions import submit_part
from keikaku.storage import cycle as store
from keikaku.storage import events as outbox
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import ADMIN, DUE, add_editor, audit_entries, department_of

BEFORE_DAY = DUE - dt.timedelta(days=7)
AFTER_DAY = DUE + dt.timedelta(days=1)


def _outbox(engine: Engine) -> list[tuple[str | None, str, bool]]:
    with read_session(engine) as s:
        rows = s.scalars(
            select(outbox.OutboxMail).where(outbox.OutboxMail.event_id.is_(None)).order_by(outbox.OutboxMail.id)
        )
        return [(r.recipient, r.subject, r.sent_at is not None) for r in rows]


def _reminders(engine: Engine) -> set[tuple[str, str]]:
    with read_session(engine) as s:
        return {(d, k) for d, k in s.execute(select(store.CallReminder.department, store.CallReminder.kind))}


def test_the_days_reminders_are_due(called: Engine) -> None:
    # The fixture opened the call with the reminders 7 days before and 1 day after the due date.
    board = status_board(2026, actor=ADMIN, engine=called)
    days = {
        BEFORE_DAY - dt.timedelta(days=1): [],
        BEFORE_DAY: ["before"],
        DUE: ["before"],
        DUE + dt.timedelta(days=1): ["after"],
        DUE + dt.timedelta(days=30): ["after"],
    }
    for day, kinds in days.items():
        assert kinds_due(board.call, day) == kinds, day
    changed = change_call(ADMIN, 2026, remind_before_days=0, remind_after_days=3, engine=called)
    assert kinds_due(changed, DUE - dt.timedelta(days=1)) == []
    assert kinds_due(changed, DUE) == ["before"]
    assert kinds_due(changed, DUE + dt.timedelta(days=2)) == []
    assert kinds_due(changed, DUE + dt.timedelta(days=3)) == ["after"]


def test_reminders_go_once_to_the_editors_of_departments_that_have_not_submitted(
    called: Engine, cheap_hasher: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEIKAKU_SMTP_URL", raising=False)
    rows = status_board(2026, actor=ADMIN, engine=called).rows
    late, done, silent = (department_of(called, r.department) for r in rows[:3])
    add_editor(called, "late1", late.name, "late1@example.jp")
    add_editor(called, "late2", late.name, "late2@example.jp")
    add_editor(called, "noaddress", late.name, None)
    add_editor(called, "done1", done.name, "done1@example.jp")
    submit_part(2026, done.name, actor=done.editor, confirm_incomplete=True, engine=called)

    assert send_due_reminders(today=BEFORE_DAY - dt.timedelta(days=1), engine=called).reminders == 0
    first = send_due_reminders(today=BEFORE_DAY, engine=called)
    assert first.reminders == len(rows) - 1  # every department but the one that submitted
    assert send_due_reminders(today=BEFORE_DAY, engine=called).reminders == 0  # idempotent
    assert send_due_reminders(today=DUE, engine=called).reminders == 0  # the before reminder went already
    sent = _outbox(called)
    to_late = sorted(r for r, s, _ in sent if late.name in s)
    assert to_late == ["late1@example.jp", "late2@example.jp"]
    assert not [r for r, s, _ in sent if done.name in s]
    # A department without an editor with an address: one message for staff to read in the outbox.
    assert [r for r, s, _ in sent if f"（{silent.name}）" in s] == [None]
    assert not any(delivered for _r, _s, delivered in sent)  # no SMTP configured: they wait

    entries = [e for e in audit_entries(called, "cycle.remind") if e.object_id == f"2026/{late.name}"]
    assert len(entries) == 1 and entries[0].actor == "system"
    assert entries[0].after["recipients"] == ["late1", "late2"]
    assert entries[0].after["without_address"] == ["noaddress"]

    after = send_due_reminders(today=AFTER_DAY, engine=called)
    assert after.reminders == len(rows) - 1
    assert tuple(sorted(k for d, k in _reminders(called) if d == late.name)) == ("after", "before")
    assert send_due_reminders(today=AFTER_DAY + dt.timedelta(days=5), engine=called).reminders == 0
    with read_session(called) as s:
        count = s.scalar(
            select(func.count()).select_from(store.CallReminder).where(store.CallReminder.department == done.name)
        )
    assert count == 0


def test_only_keikaku_itself_or_an_administrator_sends_reminders(called: Engine) -> None:
    editor = department_of(called, status_board(2026, actor=ADMIN, engine=called).rows[0].department).editor
    with pytest.raises(PermissionDeniedError):
        send_due_reminders(actor=editor, today=BEFORE_DAY, engine=called)
    assert send_due_reminders(actor=ADMIN, today=BEFORE_DAY, deliver=False, engine=called).reminders > 0


def test_a_reminder_reaches_a_real_smtp_server(called: Engine, cheap_hasher: None, smtp: Inbox) -> None:
    rows = status_board(2026, actor=ADMIN, engine=called).rows
    dept = department_of(called, rows[0].department)
    add_editor(called, "tanaka", dept.name, "tanaka@example.jp")
    run = send_due_reminders(today=AFTER_DAY, engine=called)
    assert run.delivered == run.messages >= 1
    (message,) = smtp.to("tanaka@example.jp")
    assert dept.name in message["Subject"] and "期限を過ぎています" in message["Subject"]
    body = message.get_content()
    assert "令和9年5月31日（2027-05-31）" in body
    assert f"{rows[0].total}件中0件測定済み" in body
    assert "/cycle/2026/checklist?department=" in body
    assert all(delivered for r, _s, delivered in _outbox(called) if r)
    assert send_due_reminders(today=AFTER_DAY, engine=called).delivered == 0
    assert len(smtp.to("tanaka@example.jp")) == 1


def test_the_server_runs_the_reminder_job_itself(sqlite_loaded_engine: Engine, cheap_hasher: None) -> None:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    from keikaku.services.cycle.calls import open_call

    open_call(ADMIN, 2026, today + dt.timedelta(days=3), engine=sqlite_loaded_engine)  # the before reminder is due
    departments = {r.department for r in status_board(2026, actor=ADMIN, engine=sqlite_loaded_engine).rows}
    expected = {(d, "before") for d in departments}
    app = create_app(WebSettings(engine=sqlite_loaded_engine, actor=SYSTEM, reminder_interval=0.2))
    with TestClient(app):
        deadline = time.monotonic() + 30
        while _reminders(sqlite_loaded_engine) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _reminders(sqlite_loaded_engine) == expected
        time.sleep(0.6)  # more runs of the job send nothing more
        assert _reminders(sqlite_loaded_engine) == expected
    assert len(audit_entries(sqlite_loaded_engine, "cycle.remind")) == len(expected)
