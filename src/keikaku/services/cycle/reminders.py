"""Reminders of a call for actuals: by e-mail, ``remind_before_days`` before the due date and
``remind_after_days`` after it, to the editors of the departments that have not submitted.

:func:`send_due_reminders` is what the server's scheduled job runs (:mod:`keikaku.web.app` starts it; the
command line has ``keikaku cycle remind``).  Each reminder is a row of ``cycle_reminders``, unique per call,
department and kind, written in the same transaction as its messages in the outbox
(:mod:`keikaku.services.events.mail`) and its audit record: a reminder goes once, however often and on
however many servers the job runs; of two servers racing for the same one, one inserts its row and the
other's insert skips it (``ON CONFLICT DO NOTHING``), so that server queues no message for it.  A national
run (about 20,000 departments) writes its reminders a few hundred to a transaction.  Messages are sent through SMTP after the
commit when ``KEIKAKU_SMTP_URL`` is set; a department without an editor with an address gets one message
with no recipient, which stays in the outbox for staff to read.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.eras import format_fiscal_year, gregorian_to_era
from keikaku.services.actuals.periods import is_locked
from keikaku.services.core.actors import SYSTEM, Actor, Role, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.cycle.calls import CallPublic, public_call
from keikaku.services.cycle.checklist import SUBMITTED, state_of, submissions, today_in_japan
from keikaku.services.cycle.progress import Progress, department_progress
from keikaku.services.events import mail
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import cycle as store
from keikaku.storage.accounts import User
from keikaku.storage.uow import read_session, unit_of_work
from keikaku.storage.upsert import dialect_insert

BASE_URL_ENV = "KEIKAKU_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
BEFORE, AFTER = store.REMINDER_KINDS
#: Reminders written in one transaction (their rows, messages and audit records).
BATCH = 500


@dataclass(frozen=True)
class ReminderRun:
    """What one run did: reminders written (one per department and kind), messages queued to an address,
    reminders of departments without an editor's address (left in the outbox for staff), messages sent
    through SMTP (of this run and any earlier ones still waiting)."""

    reminders: int
    messages: int
    unaddressed: int
    delivered: int


def kinds_due(call: CallPublic, today: dt.date) -> list[str]:
    """The reminder kinds whose day has come on ``today`` (the before reminder only until the due date)."""
    kinds = []
    if call.before_reminder_on <= today <= call.due_date:
        kinds.append(BEFORE)
    if today >= call.after_reminder_on:
        kinds.append(AFTER)
    return kinds


def _day(day: dt.date) -> str:
    era, number = gregorian_to_era(day.year)
    return f"{era}{'元' if number == 1 else number}年{day.month}月{day.day}日（{day.isoformat()}）"


def message(call: CallPublic, department: str, kind: str, progress: Progress, base_url: str) -> tuple[str, str]:
    """The subject and body of a reminder."""
    year = format_fiscal_year(call.fiscal_year, with_gregorian=True)
    if kind == BEFORE:
        subject = f"【実績照会】{year}の提出期限は{_day(call.due_date)}です（{department}）"
        lead = f"{year}の実績照会の提出期限が近づいています。"
    else:
        subject = f"【実績照会】{year}の提出期限を過ぎています（{department}）"
        lead = f"{year}の実績照会の提出期限（{_day(call.due_date)}）を過ぎましたが、まだ提出されていません。"
    link = f"{base_url.rstrip('/')}/cycle/{call.fiscal_year}/checklist?department={quote(department)}"
    body = "\n".join(
        [
            f"{department} ご担当者様",
            "",
            lead,
            f"提出期限: {_day(call.due_date)}",
            f"入力状況: {progress.total}件中{progress.measured}件測定済み",
            "",
            "実績を入力し、チェックリストの「提出」を押してください。",
            link,
            "",
            *([call.note, ""] if call.note else []),
            "このメールは keikaku から自動で送信しています。",
        ]
    )
    return subject, body


def _editors(engine: Engine) -> dict[str, list[tuple[str, str | None]]]:
    """Each department's enabled editors as (username, e-mail)."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    with read_session(engine) as session:
        for user in session.scalars(select(User).where(User.disabled.is_(False)).order_by(User.username)):
            if Role.DEPARTMENT_EDITOR.value not in (user.roles or ()):
                continue
            for department in user.departments or ():
                out.setdefault(department, []).append((user.username, user.email))
    return out


def _pending(engine: Engine, today: dt.date) -> list[tuple[CallPublic, str, str, Progress]]:
    """(call, department, kind, progress) of every reminder due and not yet sent."""
    due: list[tuple[CallPublic, str, str, Progress]] = []
    with read_session(engine) as session:
        for row in session.scalars(select(store.ActualsCall).order_by(store.ActualsCall.fiscal_year)):
            call = public_call(row)
            kinds = kinds_due(call, today)
            if not kinds or is_locked(session, call.fiscal_year):
                continue
            sent = {
                (d, k)
                for d, k in session.execute(
                    select(store.CallReminder.department, store.CallReminder.kind).where(
                        store.CallReminder.call_id == call.id
                    )
                )
            }
            parts = submissions(session, call.id)
            for department, progress in department_progress(session, call.fiscal_year).items():
                if state_of(call, parts.get(department), today) == SUBMITTED:
                    continue
                due += [(call, department, k, progress) for k in kinds if (department, k) not in sent]
    return due


def _claim(session: Session, rows: list[dict[str, object]]) -> set[tuple[int, str, str]]:
    """Insert these reminder rows, skipping those already sent (the unique key: another run, here or on
    another server, may have written some since they were read); the (call, department, kind) inserted."""
    table = store.CallReminder
    stmt = (
        dialect_insert(session, table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["call_id", "department", "kind"])
        .returning(table.call_id, table.department, table.kind)
    )
    return {(c, d, k) for c, d, k in session.execute(stmt)}


def send_due_reminders(
    *,
    actor: Actor = SYSTEM,
    today: dt.date | None = None,
    deliver: bool = True,
    engine: Engine | None = None,
) -> ReminderRun:
    """Write every reminder due today (Japan) and not yet sent, then send the outbox through SMTP.

    Reminders are written :data:`BATCH` at a time, each batch one transaction: its reminder rows first
    (those another run wrote meanwhile are skipped by the unique key), then the messages and the audit
    record of each reminder it inserted.  Run by the server's scheduled job as keikaku itself, or by an
    administrator from the command line."""
    require_admin(actor, "督促メールの送信")
    eng = ensure_schema(engine)
    day = today or today_in_japan()
    base_url = os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    editors = _editors(eng)
    pending = _pending(eng, day)
    reminders = messages = unaddressed = 0
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        with unit_of_work(eng) as session:
            now = dt.datetime.now(dt.UTC)
            rows: list[dict[str, object]] = [
                {
                    "call_id": call.id,
                    "department": department,
                    "kind": kind,
                    "recipients": len(editors.get(department, [])),
                    "sent_at": now,
                }
                for call, department, kind, _progress in chunk
            ]
            inserted = _claim(session, rows)
            outbox: list[tuple[str | None, str, str]] = []
            entries: list[tuple[str, str, object | None, object]] = []
            for call, department, kind, progress in chunk:
                if (call.id, department, kind) not in inserted:
                    continue
                recipients = editors.get(department, [])
                addressed = [(u, e) for u, e in recipients if e]
                subject, body = message(call, department, kind, progress, base_url)
                emails: list[str | None] = [e for _u, e in addressed]
                outbox.extend((email, subject, body) for email in emails or [None])
                after = {
                    "kind": kind,
                    "due_date": call.due_date,
                    "recipients": [u for u, _e in addressed],
                    "without_address": [u for u, e in recipients if not e],
                    "measured": progress.measured,
                    "total": progress.total,
                }
                entries.append((AuditAction.CYCLE_REMIND, "call", f"{call.fiscal_year}/{department}", after))
                reminders += 1
                messages += len(addressed)
                unaddressed += 0 if addressed else 1
            mail.queue_mails(session, outbox)
            audit.record_many(session, actor, entries)
    delivered = 0
    if deliver:
        while True:
            sent = mail.deliver_pending(engine=eng)
            delivered += sent
            if sent < mail.BATCH:
                break
    return ReminderRun(reminders=reminders, messages=messages, unaddressed=unaddressed, delivered=delivered)
