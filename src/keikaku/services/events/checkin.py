"""Check-in: a log of marks (which registration, which day, by whom, when, scanned or ticked), not a flag.

A second mark of the same registration on the same day changes nothing (the unique key on registration
and day also holds when two staff scan the same code at once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.events.manage import JST, load_event
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.follow import ATTENDANCE, follow_records
from keikaku.storage import events as store
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class CheckInResult:
    """The outcome of a mark: the registration, the day, and whether it was new."""

    registration_id: int
    day: dt.date
    added: bool


def check_in(
    event_id: int,
    *,
    token: str | None = None,
    registration_id: int | None = None,
    day: dt.date | None = None,
    method: str = "list",
    actor: Actor,
    engine: Engine | None = None,
) -> CheckInResult:
    """Mark a registration of the event as present on ``day`` (default: today, Japan time)."""
    if method not in ("list", "scan", "import"):
        raise ValidationError("受付方法が正しくありません")
    with unit_of_work(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        stmt = select(store.Registration).where(store.Registration.event_id == event_id)
        if token:
            stmt = stmt.where(store.Registration.token == token.strip())
        elif registration_id is not None:
            stmt = stmt.where(store.Registration.id == registration_id)
        else:
            raise ValidationError("受付票のコードを入力してください", details={"fields": {"token": "必須です"}})
        reg = session.scalar(stmt)
        if reg is None:
            raise NotFoundError("このイベントの受付票ではありません", code="registration_not_found")
        if reg.status != store.REGISTERED:
            raise ConflictError(f"この申込は「{reg.status}」のため受付できません", code="not_registered")
        when = day or dt.datetime.now(JST).date()
        if not event.start_date <= when <= event.end_date:
            raise ValidationError(
                f"{when.isoformat()} は開催日（{event.start_date}〜{event.end_date}）ではありません",
                details={"fields": {"day": "開催日を選んでください"}},
            )
        seen = session.scalar(
            select(store.CheckIn.id).where(store.CheckIn.registration_id == reg.id, store.CheckIn.day == when)
        )
        if seen is not None:
            return CheckInResult(reg.id, when, False)
        try:
            with session.begin_nested():
                session.add(
                    store.CheckIn(
                        registration_id=reg.id,
                        event_id=event_id,
                        day=when,
                        method=method,
                        marked_by=actor.recorded_name,
                    )
                )
        except IntegrityError:
            return CheckInResult(reg.id, when, False)
        audit.record(
            session, actor, AuditAction.CHECKIN_ADD, "registration", reg.id, None, {"day": when, "method": method}
        )
        follow_records(session, ATTENDANCE, event_ids=[event_id])
        return CheckInResult(reg.id, when, True)


@dataclass(frozen=True)
class Attendance:
    """Counts of an event (no names): registrations by status, people checked in per day and in all."""

    by_status: dict[str, int]
    per_day: dict[dt.date, int]
    unique_people: int
    person_days: int


def attendance(event_id: int, *, engine: Engine | None = None) -> Attendance:
    """The counts of an event; counted roles only for attendance."""
    with read_session(ensure_schema(engine)) as session:
        statuses = dict(
            session.execute(
                select(store.Registration.status, func.count())
                .where(store.Registration.event_id == event_id, store.Registration.role == store.COUNTED_ROLE)
                .group_by(store.Registration.status)
            ).all()
        )
        rows = session.execute(
            select(store.CheckIn.day, store.person_key())
            .join(store.Registration, store.Registration.id == store.CheckIn.registration_id)
            .where(store.CheckIn.event_id == event_id, store.Registration.role == store.COUNTED_ROLE)
        ).all()
    per_day: dict[dt.date, int] = {}
    for day, _person in rows:
        per_day[day] = per_day.get(day, 0) + 1
    return Attendance(
        by_status={s: int(statuses.get(s, 0)) for s in store.STATUSES},
        per_day=dict(sorted(per_day.items())),
        unique_people=len({person for _day, person in rows}),
        person_days=len(set(rows)),
    )
