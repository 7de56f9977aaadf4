"""Marking a department's part of a call 提出 (its editors or an administrator) and withdrawing it
(administrators, with a reason).  Both are audited; the submission row holds the current state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from keikaku.services.actuals.periods import ensure_open
from keikaku.services.core.actors import Actor, Permission, require, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.cycle.calls import call_row
from keikaku.services.cycle.checklist import SubmissionPublic, public_submission
from keikaku.services.cycle.progress import department_progress
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import cycle as store
from keikaku.storage.uow import unit_of_work


def _object_id(fiscal_year: int, department: str) -> str:
    return f"{fiscal_year}/{department}"


def submit_part(
    fiscal_year: int,
    department: str,
    *,
    actor: Actor,
    confirm_incomplete: bool = False,
    engine: Engine | None = None,
) -> SubmissionPublic:
    """Mark a department's part of the year's call 提出 (its editors, or an administrator).

    With KPIs still unmeasured it needs ``confirm_incomplete`` (a :class:`ValidationError` with the counts
    otherwise), so that nobody submits a half-filled checklist by one click.  A locked year takes no
    submission; a part already submitted is a :class:`ConflictError`.
    """
    require(actor, Permission.RECORD_ACTUAL, departments=[department])
    with unit_of_work(ensure_schema(engine)) as session:
        call = call_row(session, fiscal_year)
        ensure_open(session, fiscal_year)
        progress = department_progress(session, fiscal_year).get(department)
        if progress is None:
            raise NotFoundError(
                f"{department}には{fiscal_year}年度の事業計画の KPI がありません", code="department_not_found"
            )
        if not progress.complete and not confirm_incomplete:
            missing = progress.total - progress.measured
            raise ValidationError(
                f"未測定の KPI が {missing} 件あります（{progress.total}件中{progress.measured}件測定済み）。"
                "未測定の KPI があることを確認してから提出してください",
                code="submission_incomplete",
                details={
                    "measured": progress.measured,
                    "total": progress.total,
                    "fields": {"confirm_incomplete": "確認してください"},
                },
            )
        row = session.scalar(
            select(store.CallSubmission).where(
                store.CallSubmission.call_id == call.id, store.CallSubmission.department == department
            )
        )
        if row is not None and row.withdrawn_at is None:
            raise ConflictError(f"{department}の{fiscal_year}年度の実績は既に提出済みです", code="already_submitted")
        now = dt.datetime.now(dt.UTC)
        if row is None:
            row = store.CallSubmission(call_id=call.id, department=department)
            session.add(row)
        row.submitted_by, row.submitted_at = actor.recorded_name, now
        row.measured, row.total = progress.measured, progress.total
        row.withdrawn_by = row.withdrawn_at = row.withdraw_reason = None
        session.flush()
        after = {"submitted": True, "measured": progress.measured, "total": progress.total}
        audit.record(
            session,
            actor,
            AuditAction.CYCLE_SUBMIT,
            "call",
            _object_id(fiscal_year, department),
            {"submitted": False},
            after,
        )
        return public_submission(row)


def withdraw_submission(
    fiscal_year: int, department: str, reason: str, *, actor: Actor, engine: Engine | None = None
) -> SubmissionPublic:
    """Withdraw a department's submission, so that it can fill and submit again (administrators, with a
    reason, which is kept as typed)."""
    require_admin(actor, "提出の取り消し")
    why = audit.change_reason(reason)
    if why is None:
        raise ValidationError("提出を取り消す理由を入力してください", details={"fields": {"reason": "必須"}})
    with unit_of_work(ensure_schema(engine)) as session:
        call = call_row(session, fiscal_year)
        row = session.scalar(
            select(store.CallSubmission).where(
                store.CallSubmission.call_id == call.id, store.CallSubmission.department == department
            )
        )
        if row is None or row.withdrawn_at is not None:
            raise ConflictError(f"{department}の{fiscal_year}年度の実績は提出されていません", code="not_submitted")
        row.withdrawn_by, row.withdrawn_at, row.withdraw_reason = actor.recorded_name, dt.datetime.now(dt.UTC), why
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.CYCLE_WITHDRAW,
            "call",
            _object_id(fiscal_year, department),
            {"submitted": True, "submitted_by": row.submitted_by},
            {"submitted": False},
            why,
        )
        return public_submission(row)
