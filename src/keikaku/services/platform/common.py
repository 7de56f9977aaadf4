"""What the platform's services share: the administering department, the permission checks, fiscal years."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import platform as store

Record = TypeVar("Record", store.Consultation, store.Interview, store.Seed)

#: The choices the forms offer, as the services accept them.
CHOICES: dict[str, tuple[str, ...]] = {
    "phases": store.PHASES,
    "statuses": store.STATUSES,
    "status_groups": ("対応中", "完了"),
    "outcomes": store.OUTCOMES,
    "activity_kinds": tuple(k for k in store.ACTIVITY_KINDS if k not in ("引継ぎ", "状態変更")),
    "interview_statuses": store.INTERVIEW_STATUSES,
    "institution_kinds": store.INSTITUTION_KINDS,
    "seed_kinds": store.SEED_KINDS,
}

#: The department that administers the platform; its editors see and manage cases as coordinators do.
PLATFORM_DEPARTMENT = "ものづくり支援課"
OWNERS = (PLATFORM_DEPARTMENT,)


def can_view_cases(actor: Actor) -> bool:
    """Coordinators, the platform department's editors and administrators see a case's contents."""
    return actor.can(Permission.VIEW_CASES, departments=OWNERS)


def require_cases(actor: Actor, *, manage: bool = False) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may see (or, with ``manage``, change) cases."""
    require(actor, Permission.MANAGE_CASES if manage else Permission.VIEW_CASES, departments=OWNERS)


#: What a record is called when it is missing, and the error's code.
_MISSING: dict[type, tuple[str, str]] = {
    store.Consultation: ("相談案件", "case_not_found"),
    store.Interview: ("面談", "interview_not_found"),
    store.Seed: ("シーズ", "seed_not_found"),
}


def load(session: Session, model: type[Record], record_id: int) -> Record:
    """The case, interview or seed with this id, or :class:`NotFoundError` (「相談案件 3 はありません」)."""
    row = session.get(model, record_id)
    if row is None:
        name, code = _MISSING[model]
        raise NotFoundError(f"{name} {record_id} はありません", code=code)
    return row


def load_viewed(
    session: Session, actor: Actor, model: type[Record], record_id: int, *, action: AuditAction, object_type: str
) -> Record:
    """:func:`load`, the view being an audit record (a case's or an interview's contents are personal)."""
    row = load(session, model, record_id)
    audit.record(session, actor, action, object_type, record_id)
    return row


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of fiscal year ``year`` (April to March)."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


def parse_day(raw: str | dt.date | None, label: str, field: str) -> dt.date:
    """A date from ``YYYY-MM-DD`` (today when empty), or :class:`ValidationError` naming the field."""
    if isinstance(raw, dt.date):
        return raw
    if raw is None or not raw.strip():
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(
            f"{label}「{raw}」は日付（例: 2026-05-12）ではありません", details={"fields": {field: label}}
        ) from None


def choice(raw: str | None, allowed: tuple[str, ...], label: str, field: str) -> str:
    """``raw`` if it is one of ``allowed``, else :class:`ValidationError` listing them."""
    value = (raw or "").strip()
    if value not in allowed:
        raise ValidationError(
            f"{label}は「{'・'.join(allowed)}」から選んでください（「{value}」）", details={"fields": {field: label}}
        )
    return value
