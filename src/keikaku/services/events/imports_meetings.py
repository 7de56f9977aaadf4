"""Importing the organiser's meeting list of an event (BioJapan partnering, VivaTech matchings).

The file is read by :mod:`keikaku.services.events.meeting_list`: each row a meeting of one of our firms
with a counterpart in a slot, with its status (予定, 実施, 不成立).

All or nothing: every wrong cell is reported with its sheet, row and column.  Idempotent: a meeting is
found again by the organiser's ID, else by (firm, folded counterpart, slot start); the same list imported
again changes nothing, a later list moves the statuses.  One audit record names the file.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.events.imports import (
    ImportReport,
    check_may_import,
    digest,
    read_sheets,
    resolve_organisations,
)
from keikaku.services.events.manage import load_event
from keikaku.services.events.meeting_list import ListedMeeting, check_meeting_list, naive_utc
from keikaku.services.governance import audit
from keikaku.storage import event_imports as store
from keikaku.storage import events as event_store
from keikaku.storage.uow import unit_of_work

KIND = "meetings"


class _Abort(Exception):
    """Rolls back an import found wrong while storing."""


def import_meetings(
    event_id: int, filename: str, content: bytes, *, actor: Actor, engine: Engine | None = None
) -> ImportReport:
    """Check every row of a meeting list and import it in one transaction (nothing when any row is wrong)."""
    eng = ensure_schema(engine)
    check_may_import(event_id, actor=actor, engine=eng)  # before the file is read
    name, sheets = read_sheets(filename, content)
    report = ImportReport(name, KIND, sha256=digest(content))
    try:
        with unit_of_work(eng) as session:
            event, _year = load_event(session, event_id)
            require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
            session.execute(  # one import of the event at a time (see imports_participants)
                update(event_store.ManagedEvent)
                .where(event_store.ManagedEvent.id == event_id)
                .values(seats_taken=event_store.ManagedEvent.seats_taken)
                .execution_options(synchronize_session=False)
            )
            meetings = check_meeting_list(sheets, event, report)
            if report.failed:
                return report
            _store(session, event, meetings, actor, report)
            if report.failed:
                raise _Abort
            audit.record(
                session,
                actor,
                "event.import_meetings",
                "event",
                event_id,
                None,
                {
                    "file": name,
                    "sha256": report.sha256,
                    "rows": report.rows,
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            report.applied = True
    except _Abort:
        report.applied = False
    return report


def _store(
    session: Session, event: event_store.ManagedEvent, meetings: list[ListedMeeting], actor: Actor, report: ImportReport
) -> None:
    m = store.Meeting
    existing = session.scalars(select(m).where(m.event_id == event.id)).all()
    by_key = {(r.organisation_id, r.counterpart_folded, naive_utc(r.slot_start)): r for r in existing}
    by_id = {r.external_id: r for r in existing if r.external_id}
    organisations = resolve_organisations(session, ((x.firm, x.corporate_number) for x in meetings))
    now = dt.datetime.now(dt.UTC)
    who = actor.name[:200]
    added: list[store.Meeting] = []
    for meeting in meetings:
        org_id = organisations[(meeting.firm, meeting.corporate_number)]
        folded = fold_organisation_name(meeting.counterpart)
        key = (org_id, folded, naive_utc(meeting.start))
        row = (by_id.get(meeting.external_id) if meeting.external_id else None) or by_key.get(key)
        if row is None:
            row = m(
                event_id=event.id,
                organisation_id=org_id,
                counterpart=meeting.counterpart,
                counterpart_folded=folded,
                slot_start=meeting.start,
                slot_end=meeting.end,
                status=meeting.status,
                external_id=meeting.external_id,
                created_by=who,
                created_at=now,
                updated_at=now,
            )
            added.append(row)
            by_key[key] = row
            continue
        before = (row.status, row.slot_end and naive_utc(row.slot_end), row.external_id)
        after = (meeting.status, meeting.end and naive_utc(meeting.end), meeting.external_id or row.external_id)
        moved = (row.organisation_id, row.counterpart_folded, naive_utc(row.slot_start)) != key
        if before == after and not moved:
            report.unchanged += 1
            continue
        if moved and key in by_key and by_key[key] is not row:
            report.add_error(
                meeting.layout.error(
                    meeting.where[1],
                    "counterpart",
                    "ID の同じ商談を、既にある別の商談と同じ企業・相手先・日時に変えることになります",
                )
            )
            continue
        row.status, row.slot_end, row.external_id = meeting.status, meeting.end, after[2]
        if moved:
            row.organisation_id, row.counterpart, row.counterpart_folded, row.slot_start = (
                org_id,
                meeting.counterpart,
                folded,
                meeting.start,
            )
            by_key[key] = row
        row.updated_at = now
        report.updated += 1
    if report.failed:
        return
    session.add_all(added)
    session.flush()
    report.added = len(added)
