"""Calls for actuals (実績照会): an administrator opens one per fiscal year, with a due date and the days
before and after it on which reminders go; the due date and those days can be changed later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.services.core.actors import Actor, Permission, require, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.cycle.progress import current_plan_ids
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import cycle as store
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

#: Reminder days allowed (before the due date: 0 is the due date itself; after it: 1 is the day after).
BEFORE_DAYS = (0, 90)
AFTER_DAYS = (1, 90)
DEFAULT_BEFORE, DEFAULT_AFTER = 7, 1


@dataclass(frozen=True)
class CallPublic:
    """A call for actuals as the pages show it."""

    id: int
    fiscal_year: int
    due_date: dt.date
    remind_before_days: int
    remind_after_days: int
    note: str | None
    opened_by: str
    opened_at: dt.datetime

    @property
    def before_reminder_on(self) -> dt.date:
        """The day the reminder before the due date goes."""
        return self.due_date - dt.timedelta(days=self.remind_before_days)

    @property
    def after_reminder_on(self) -> dt.date:
        """The day the reminder after the due date goes."""
        return self.due_date + dt.timedelta(days=self.remind_after_days)

    def overdue(self, today: dt.date) -> bool:
        """Whether the due date has passed on ``today``."""
        return today > self.due_date


def public_call(row: store.ActualsCall) -> CallPublic:
    """The read model of a call row."""
    return CallPublic(
        id=row.id,
        fiscal_year=row.fiscal_year,
        due_date=row.due_date,
        remind_before_days=row.remind_before_days,
        remind_after_days=row.remind_after_days,
        note=row.note,
        opened_by=row.opened_by,
        opened_at=as_utc(row.opened_at),
    )


def _days(value: int, bounds: tuple[int, int], label: str, field: str) -> int:
    low, high = bounds
    if not low <= value <= high:
        raise ValidationError(
            f"{label}は {low}〜{high} 日で指定してください（{value}）", details={"fields": {field: f"{low}〜{high}"}}
        )
    return value


def _check_year(fiscal_year: int) -> None:
    if not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise ValidationError(
            f"年度は {MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR} で指定してください（{fiscal_year}）",
            details={"fields": {"fiscal_year": "範囲外"}},
        )


def call_row(session: Session, fiscal_year: int) -> store.ActualsCall:
    """The call of a fiscal year, or :class:`NotFoundError`."""
    row = session.scalar(select(store.ActualsCall).where(store.ActualsCall.fiscal_year == fiscal_year))
    if row is None:
        raise NotFoundError(f"{fiscal_year}年度の実績照会はまだ開始されていません", code="call_not_found")
    return row


def _state(row: store.ActualsCall) -> dict[str, object]:
    return {
        "fiscal_year": row.fiscal_year,
        "due_date": row.due_date,
        "remind_before_days": row.remind_before_days,
        "remind_after_days": row.remind_after_days,
        "note": row.note,
    }


def open_call(
    actor: Actor,
    fiscal_year: int,
    due_date: dt.date,
    *,
    remind_before_days: int = DEFAULT_BEFORE,
    remind_after_days: int = DEFAULT_AFTER,
    note: str | None = None,
    engine: Engine | None = None,
) -> CallPublic:
    """Open the call for actuals of a fiscal year (administrators): one per year, for the year's plans."""
    require_admin(actor, "実績照会の開始")
    _check_year(fiscal_year)
    before = _days(remind_before_days, BEFORE_DAYS, "期限前の督促", "remind_before_days")
    after = _days(remind_after_days, AFTER_DAYS, "期限後の督促", "remind_after_days")
    cleaned = clean_text(note, "連絡事項", limit=2000, field="note")
    with unit_of_work(ensure_schema(engine)) as session:
        if not current_plan_ids(session, fiscal_year):
            raise NotFoundError(f"{fiscal_year}年度の事業計画がありません", code="plan_not_found")
        if session.scalar(select(store.ActualsCall.id).where(store.ActualsCall.fiscal_year == fiscal_year)):
            raise ConflictError(f"{fiscal_year}年度の実績照会は既に開始されています", code="call_exists")
        row = store.ActualsCall(
            fiscal_year=fiscal_year,
            due_date=due_date,
            remind_before_days=before,
            remind_after_days=after,
            note=cleaned,
            opened_by=actor.recorded_name,
            opened_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.CYCLE_OPEN, "call", fiscal_year, None, _state(row))
        return public_call(row)


def change_call(
    actor: Actor,
    fiscal_year: int,
    *,
    due_date: dt.date | None = None,
    remind_before_days: int | None = None,
    remind_after_days: int | None = None,
    note: str | None = None,
    reason: str | None = None,
    engine: Engine | None = None,
) -> CallPublic:
    """Change a call's due date, reminder days or note (administrators; None leaves a setting as it is).

    Reminders already sent stay sent: each goes once per department and kind."""
    require_admin(actor, "実績照会の変更")
    with unit_of_work(ensure_schema(engine)) as session:
        row = call_row(session, fiscal_year)
        old = _state(row)
        if due_date is not None:
            row.due_date = due_date
        if remind_before_days is not None:
            row.remind_before_days = _days(remind_before_days, BEFORE_DAYS, "期限前の督促", "remind_before_days")
        if remind_after_days is not None:
            row.remind_after_days = _days(remind_after_days, AFTER_DAYS, "期限後の督促", "remind_after_days")
        if note is not None:
            row.note = clean_text(note, "連絡事項", limit=2000, field="note")
        before, after = audit.changed(old, _state(row))
        if after:
            why = audit.change_reason(reason)
            audit.record(session, actor, AuditAction.CYCLE_CHANGE, "call", fiscal_year, before, after, why)
        return public_call(row)


def require_staff(actor: Actor) -> None:
    """Calls, checklists and submissions are for staff (who may see draft plans), not for the public."""
    require(actor, Permission.VIEW_DRAFT_PLANS)


def get_call(fiscal_year: int, *, actor: Actor, engine: Engine | None = None) -> CallPublic:
    """The call of a fiscal year (staff)."""
    require_staff(actor)
    with read_session(ensure_schema(engine)) as session:
        return public_call(call_row(session, fiscal_year))


def list_calls(*, actor: Actor, engine: Engine | None = None) -> list[CallPublic]:
    """Every call, newest year first (staff)."""
    require_staff(actor)
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(select(store.ActualsCall).order_by(store.ActualsCall.fiscal_year.desc()))
        return [public_call(r) for r in rows]
