"""Participants with their personal data: the staff list, the CSV export (audited), and erasure.

Only the owning department's staff and administrators see names and e-mails
(:data:`~keikaku.services.core.actors.Permission.VIEW_PERSONAL_DATA`).  Erasure blanks the people of an
event and unlinks their survey responses; registrations, check-ins and answers stay, anonymous, so a KPI
computed before erasure computes the same after.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from keikaku.reports.files import csv_bytes
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError
from keikaku.services.events.manage import load_event
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import events as store
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work

RETENTION_ENV = "KEIKAKU_PERSONAL_DATA_DAYS"
DEFAULT_RETENTION_DAYS = 365


@dataclass(frozen=True)
class ParticipantRow:
    """A registration with the person's data, for staff."""

    registration_id: int
    token: str
    name: str | None
    kana: str | None
    email: str | None
    organisation: str | None
    corporate_number: str | None
    status: str
    role: str
    registered_by_id: int | None
    offer_expires_at: dt.datetime | None
    checked_in_days: tuple[dt.date, ...]

    @property
    def can_check_in(self) -> bool:
        """Whether the registration may be marked present (受付済 only)."""
        return self.status == store.REGISTERED


def registrations_with_people(
    session: Session, event_id: int
) -> list[tuple[store.Registration, store.Person, store.Organisation | None, tuple[dt.date, ...]]]:
    """Every registration of an event in order, with its person, organisation and check-in days (sorted)."""
    rows = session.execute(
        select(store.Registration, store.Person, store.Organisation)
        .join(store.Person, store.Person.id == store.Registration.person_id)
        .outerjoin(store.Organisation, store.Organisation.id == store.Person.organisation_id)
        .where(store.Registration.event_id == event_id)
        .order_by(store.Registration.id)
    ).all()
    days: dict[int, set[dt.date]] = {}
    for reg_id, day in session.execute(
        select(store.CheckIn.registration_id, store.CheckIn.day).where(store.CheckIn.event_id == event_id)
    ).all():
        days.setdefault(reg_id, set()).add(day)
    return [(reg, person, org, tuple(sorted(days.get(reg.id, ())))) for reg, person, org in rows]


def list_participants(event_id: int, *, actor: Actor, engine: Engine | None = None) -> list[ParticipantRow]:
    """Every registration of an event with names (the owning department's staff and administrators)."""
    with read_session(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.VIEW_PERSONAL_DATA, departments=[event.department])
        return [
            ParticipantRow(
                reg.id,
                reg.token,
                person.name,
                person.kana,
                person.email,
                org.name if org else None,
                org.corporate_number if org else None,
                reg.status,
                reg.role,
                reg.registered_by_id,
                reg.offer_expires_at,
                days,
            )
            for reg, person, org, days in registrations_with_people(session, event_id)
        ]


def export_participants_csv(event_id: int, *, actor: Actor, engine: Engine | None = None) -> bytes:
    """The participant list as CSV (UTF-8 with BOM, formulas neutralised); the export is an audit record."""
    eng = ensure_schema(engine)
    rows = list_participants(event_id, actor=actor, engine=eng)
    header = ["申込ID", "氏名", "ふりがな", "メール", "所属", "法人番号", "状態", "区分", "受付日"]
    content = csv_bytes(
        header,
        (
            [
                r.registration_id,
                r.name,
                r.kana,
                r.email,
                r.organisation,
                r.corporate_number,
                r.status,
                r.role,
                " ".join(d.isoformat() for d in r.checked_in_days),
            ]
            for r in rows
        ),
    )
    with unit_of_work(eng) as session:
        audit.record(
            session,
            actor,
            AuditAction.EVENT_EXPORT_PERSONAL_DATA,
            "event",
            event_id,
            None,
            {"rows": len(rows), "format": "csv"},
        )
    return content


def retention_days() -> int:
    """Days after an event's end when its personal data is erased (``KEIKAKU_PERSONAL_DATA_DAYS``)."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_RETENTION_DAYS


def erase_personal_data(
    event_id: int, *, actor: Actor, today: dt.date | None = None, engine: Engine | None = None
) -> int:
    """Erase the personal data of an event whose retention time has passed; the number of people erased."""
    with unit_of_work(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        due = event.end_date + dt.timedelta(days=retention_days())
        if (today or dt.date.today()) < due:
            raise ConflictError(
                f"個人情報の消去は {due.isoformat()} 以降に行えます（保存期間 {retention_days()} 日）",
                code="retention_not_over",
            )
        person_ids = select(store.Registration.person_id).where(store.Registration.event_id == event_id)
        result = session.execute(
            update(store.Person)
            .where(store.Person.id.in_(person_ids), store.Person.erased_at.is_(None))
            .values(name=None, kana=None, email=None, erased_at=dt.datetime.now(dt.UTC))
            .execution_options(synchronize_session=False)
        )
        survey_ids = select(survey_store.Survey.id).where(survey_store.Survey.event_id == event_id)
        session.execute(
            update(survey_store.SurveyResponse)
            .where(survey_store.SurveyResponse.survey_id.in_(survey_ids))
            .values(registration_id=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(store.OutboxMail)
            .where(store.OutboxMail.event_id == event_id)
            .values(recipient=None, body=None)
            .execution_options(synchronize_session=False)
        )
        event.personal_data_erased_at = dt.datetime.now(dt.UTC)
        erased = int(getattr(result, "rowcount", 0) or 0)
        audit.record(session, actor, AuditAction.EVENT_ERASE_PERSONAL_DATA, "event", event_id, None, {"people": erased})
        return erased
