"""Period locking: once a fiscal year's evaluation is finalised, its actuals and ratings cannot change.

A lock covers a whole fiscal year, or (with ``plan_id``) one plan's evaluation of that year.  Locking and
reopening are for administrators; reopening needs a reason.  Both append a row to ``period_locks`` (the
history is never rewritten) and write an audit record.

Services that change actuals, judgements or ratings call :func:`ensure_open` in their own transaction
before writing.  On PostgreSQL it takes a shared advisory lock on the year, and :func:`lock_period` an
exclusive one, so a lock waits for writes already under way and no write slips in after it; on SQLite
the database's single writer gives the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.normalize.date_style import era_fiscal_year, house_fiscal_year, month_day
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import models as m
from keikaku.storage.accounts import PeriodLock
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

MIN_YEAR, MAX_YEAR = MIN_FISCAL_YEAR, MAX_FISCAL_YEAR
#: First key of PostgreSQL advisory locks on fiscal years ("kk").
ADVISORY_CLASS = 0x6B6B


@dataclass(frozen=True)
class PeriodLockPublic:
    """The newest lock event of a year (or of one plan's year): locked unless it is a reopen."""

    id: int
    fiscal_year: int
    plan_id: int | None
    locked: bool
    locked_at: dt.datetime
    locked_by: str
    lock_reason: str | None
    reopened_at: dt.datetime | None
    reopened_by: str | None
    reopen_reason: str | None


def _public(row: PeriodLock) -> PeriodLockPublic:
    return PeriodLockPublic(
        id=row.id,
        fiscal_year=row.fiscal_year,
        plan_id=row.plan_id,
        locked=row.reopened_at is None,
        locked_at=as_utc(row.locked_at) or dt.datetime.now(dt.UTC),
        locked_by=row.locked_by,
        lock_reason=row.lock_reason,
        reopened_at=as_utc(row.reopened_at),
        reopened_by=row.reopened_by,
        reopen_reason=row.reopen_reason,
    )


def _check_year(fiscal_year: int) -> None:
    if not MIN_YEAR <= fiscal_year <= MAX_YEAR:
        raise ValidationError(f"年度は {MIN_YEAR}〜{MAX_YEAR} で指定してください（{fiscal_year}）")


def _object_id(fiscal_year: int, plan_id: int | None) -> str:
    return str(fiscal_year) if plan_id is None else f"{fiscal_year}/plan:{plan_id}"


def _advisory(session: Session, fiscal_year: int, *, exclusive: bool) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.execute(text(f"SELECT {function}(:cls, :year)"), {"cls": ADVISORY_CLASS, "year": fiscal_year})


def _latest(session: Session, fiscal_year: int, plan_id: int | None) -> PeriodLock | None:
    stmt = select(PeriodLock).where(PeriodLock.fiscal_year == fiscal_year)
    stmt = stmt.where(PeriodLock.plan_id.is_(None) if plan_id is None else PeriodLock.plan_id == plan_id)
    return session.scalar(stmt.order_by(PeriodLock.id.desc()).limit(1))


def _in_force(whole: PeriodLock | None, own: PeriodLock | None) -> PeriodLock | None:
    """The rule of a closed year: the whole year's latest lock, else the plan's own; a reopened one is no lock."""
    if whole is not None and whole.reopened_at is None:
        return whole
    return own if own is not None and own.reopened_at is None else None


def _lock_row(session: Session, fiscal_year: int, plan_id: int | None) -> PeriodLock | None:
    """The lock keeping the year closed: the whole year's, else (given ``plan_id``) the plan's; None if open."""
    whole = _latest(session, fiscal_year, None)
    closed = whole is not None and whole.reopened_at is None
    own = None if plan_id is None or closed else _latest(session, fiscal_year, plan_id)
    return _in_force(whole, own)


def is_locked(session: Session, fiscal_year: int, plan_id: int | None = None) -> bool:
    """Whether the fiscal year is locked as a whole, or (given ``plan_id``) for that plan."""
    return _lock_row(session, fiscal_year, plan_id) is not None


def locked_plans(session: Session, fiscal_year: int, plan_ids: Iterable[int]) -> set[int]:
    """The plans, of ``plan_ids``, whose fiscal year is closed for them (:func:`is_locked` for each, in one query)."""
    latest: dict[int | None, PeriodLock] = {}
    for lock in session.scalars(
        select(PeriodLock).where(PeriodLock.fiscal_year == fiscal_year).order_by(PeriodLock.id)
    ):
        latest[lock.plan_id] = lock  # the newest of each scope wins
    whole = latest.get(None)
    return {plan_id for plan_id in plan_ids if _in_force(whole, latest.get(plan_id)) is not None}


def lock_notice(lock: PeriodLockPublic) -> str:
    """What a page says of a locked year: 「令和8年度は確定済みです（12月2日）」 (the day it was locked, in Japan)."""
    return f"{era_fiscal_year(lock.fiscal_year)}は確定済みです（{month_day(lock.locked_at)}）"


def lock_in_force(
    fiscal_year: int | None, plan_id: int | None = None, *, engine: Engine | None = None
) -> PeriodLockPublic | None:
    """The lock that keeps a year (or the plan's year) closed, for a page to disable its forms; None when open.

    Anyone may read it (the state of the years is public, see :func:`period_status`)."""
    if fiscal_year is None:
        return None
    with read_session(ensure_schema(engine)) as session:
        row = _lock_row(session, fiscal_year, plan_id)
        return _public(row) if row is not None else None


def ensure_open(session: Session, fiscal_year: int, plan_id: int | None = None) -> None:
    """Raise :class:`ConflictError` (code ``period_locked``) when the year (or the plan's year) is locked; call
    before every change of actuals, judgements, ratings, targets or budgets, in the same transaction.

    The message says which year, since when, and that nothing was saved; ``details`` carry the year, the plan
    and the lock's time, so that a form can say the same beside what the user typed."""
    _advisory(session, fiscal_year, exclusive=False)
    row = _lock_row(session, fiscal_year, plan_id)
    if row is not None:
        lock = _public(row)
        raise ConflictError(
            f"{lock_notice(lock)}。確定した年度の実績・判定・目標・予算は変更できないため、保存していません",
            code="period_locked",
            details={
                "fiscal_year": fiscal_year,
                "plan_id": lock.plan_id,
                "locked_at": lock.locked_at.isoformat(),
                "notice": lock_notice(lock),
            },
        )


def _append_event(
    session: Session, actor: Actor, row: PeriodLock, before: dict[str, object], reason: str | None
) -> PeriodLockPublic:
    """Append a lock or reopen event to the history and record it in the audit trail (``before``: the state
    it ends)."""
    session.add(row)
    session.flush()
    locked = row.reopened_at is None
    audit.record(
        session,
        actor,
        AuditAction.PERIOD_LOCK if locked else AuditAction.PERIOD_REOPEN,
        "period",
        _object_id(row.fiscal_year, row.plan_id),
        before,
        {"locked": locked, "fiscal_year": row.fiscal_year, "plan_id": row.plan_id},
        reason,
    )
    return _public(row)


def lock_period(
    actor: Actor,
    fiscal_year: int,
    *,
    plan_id: int | None = None,
    reason: str | None = None,
    engine: Engine | None = None,
) -> PeriodLockPublic:
    """Lock a fiscal year (or one plan's year) once its evaluation is final (administrators only)."""
    require_admin(actor, "年度の確定")
    _check_year(fiscal_year)
    with unit_of_work(ensure_schema(engine)) as session:
        _advisory(session, fiscal_year, exclusive=True)
        if plan_id is not None and session.get(m.Plan, plan_id) is None:
            raise NotFoundError(f"計画 {plan_id} は見つかりません")
        current = _latest(session, fiscal_year, plan_id)
        if current is not None and current.reopened_at is None:
            raise ConflictError(f"{house_fiscal_year(fiscal_year)}は既に確定済みです")
        row = PeriodLock(
            fiscal_year=fiscal_year,
            plan_id=plan_id,
            locked_at=dt.datetime.now(dt.UTC),
            locked_by=actor.recorded_name,
            lock_reason=audit.change_reason(reason),
        )
        return _append_event(session, actor, row, {"locked": False}, row.lock_reason)


def reopen_period(
    actor: Actor,
    fiscal_year: int,
    reason: str,
    *,
    plan_id: int | None = None,
    engine: Engine | None = None,
) -> PeriodLockPublic:
    """Reopen a locked fiscal year (or plan's year): administrators only, with a reason; both are recorded."""
    require_admin(actor, "確定済み年度の再開")
    _check_year(fiscal_year)
    cleaned = audit.change_reason(reason)
    if cleaned is None:
        raise ValidationError("確定済み年度を再開する理由を入力してください")
    with unit_of_work(ensure_schema(engine)) as session:
        _advisory(session, fiscal_year, exclusive=True)
        current = _latest(session, fiscal_year, plan_id)
        if current is None or current.reopened_at is not None:
            raise ConflictError(f"{house_fiscal_year(fiscal_year)}は確定されていません")
        row = PeriodLock(
            fiscal_year=fiscal_year,
            plan_id=plan_id,
            locked_at=current.locked_at,
            locked_by=current.locked_by,
            lock_reason=current.lock_reason,
            reopened_at=dt.datetime.now(dt.UTC),
            reopened_by=actor.recorded_name,
            reopen_reason=cleaned,
        )
        before = {"locked": True, "locked_by": current.locked_by, "locked_at": current.locked_at}
        return _append_event(session, actor, row, before, cleaned)


def period_status(fiscal_year: int | None = None, *, engine: Engine | None = None) -> list[PeriodLockPublic]:
    """The current state of every year (and plan) ever locked, newest year first; anyone may read it."""
    with read_session(ensure_schema(engine)) as session:
        newest = select(func.max(PeriodLock.id)).group_by(PeriodLock.fiscal_year, PeriodLock.plan_id)
        stmt = select(PeriodLock).where(PeriodLock.id.in_(newest))
        if fiscal_year is not None:
            stmt = stmt.where(PeriodLock.fiscal_year == fiscal_year)
        stmt = stmt.order_by(PeriodLock.fiscal_year.desc(), PeriodLock.plan_id.is_not(None), PeriodLock.plan_id)
        return [_public(row) for row in session.scalars(stmt)]


def period_history(
    fiscal_year: int, *, plan_id: int | None = None, engine: Engine | None = None
) -> list[PeriodLockPublic]:
    """Every lock and reopen of a year (and of its plans, or of one plan), oldest first."""
    with read_session(ensure_schema(engine)) as session:
        stmt = select(PeriodLock).where(PeriodLock.fiscal_year == fiscal_year)
        if plan_id is not None:
            stmt = stmt.where(or_(PeriodLock.plan_id.is_(None), PeriodLock.plan_id == plan_id))
        return [_public(row) for row in session.scalars(stmt.order_by(PeriodLock.id))]
