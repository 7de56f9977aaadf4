"""Importing the organiser's meeting list of an event (BioJapan partnering, VivaTech matchings).

The file is read by :mod:`keikaku.services.events.meeting_list`: each row a meeting of one of our firms
with a counterpart in a slot, with its status (予定, 実施, 不成立).

All or nothing: every wrong cell is reported with its sheet, row and column.  Idempotent: a meeting is
found again by the organiser's ID, else by (firm, folded counterpart, slot start); the same list imported
again changes nothing, a later list moves the statuses.  One audit record names the file.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.ingest.read.source import Sheet
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.core.actors import Actor
from keikaku.services.events.imports import ImportReport, run_event_import
from keikaku.services.events.meeting_list import ListedMeeting, check_meeting_list, naive_utc
from keikaku.services.events.organisations import resolve_organisations
from keikaku.storage import event_imports as store
from keikaku.storage import events as event_store

KIND = "meetings"


def import_meetings(
    event_id: int, filename: str, content: bytes, *, actor: Actor, engine: Engine | None = None
) -> ImportReport:
    """Check every row of a meeting list and import it in one transaction (nothing when any row is wrong)."""

    def apply(session: Session, event: event_store.ManagedEvent, sheets: list[Sheet], report: ImportReport) -> None:
        meetings = check_meeting_list(sheets, event, report)
        if not report.failed:
            _store(session, event, meetings, actor, report)

    return run_event_import(event_id, filename, content, KIND, apply, actor=actor, engine=engine)


def _store(
    session: Session, event: event_store.ManagedEvent, meetings: list[ListedMeeting], actor: Actor, report: ImportReport
) -> None:
    m = store.Meeting
    existing = session.scalars(select(m).where(m.event_id == event.id)).all()
    by_key = {(r.organisation_id, r.counterpart_folded, naive_utc(r.slot_start)): r for r in existing}
    by_id = {r.external_id: r for r in existing if r.external_id}
    organisations = resolve_organisations(session, ((x.firm, x.corporate_number) for x in meetings))
    now = dt.datetime.now(dt.UTC)
    who = actor.recorded_name
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
