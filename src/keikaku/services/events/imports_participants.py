"""Importing the participant list of an event run elsewhere: the organiser's list, or the paper 受付名簿.

The file (CSV in any Japanese encoding, or XLSX with one or more sheets: a sheet per day of a fair is
fine) is checked whole before anything is stored (:mod:`keikaku.services.events.participant_list` reads
its columns and rows).  Every wrong cell is reported with its sheet, row and column; with any error
nothing is imported.  A row that attended becomes a check-in mark of each of its days (method ``import``).

Idempotent: a row finds the event's registration of the same person — the same e-mail, else the same
folded name and organisation — and adds only what is missing (the registration, check-in marks, a kana
or e-mail the person had not given); importing the same file again changes nothing.  New registrations
that take seats must fit the capacity, or nothing is imported.  One audit record names the file, its
SHA-256 and the counts (no personal data: council members read the audit trail).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from keikaku.ingest.read.source import Sheet
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ConflictError
from keikaku.services.events.imports import CellError, ImportReport, fold_key, run_event_import
from keikaku.services.events.organisations import resolve_organisations
from keikaku.services.events.participant_list import CheckedList, ListedPerson, check_participant_list
from keikaku.services.events.participants import registrations_with_people
from keikaku.services.events.registrations import take_seats
from keikaku.storage import events as store
from keikaku.storage.bulk import sa_table

KIND = "participants"


@dataclass
class _Existing:
    reg: store.Registration
    person: store.Person
    org_key: str
    days: set[dt.date]


def _existing(session: Session, event_id: int) -> tuple[dict[str, _Existing], dict[tuple[str, str], _Existing]]:
    by_email: dict[str, _Existing] = {}
    by_name: dict[tuple[str, str], _Existing] = {}
    for reg, person, org, days in registrations_with_people(session, event_id):
        org_key = (org.corporate_number or org.folded_name) if org else ""
        found = _Existing(reg, person, org_key, set(days))
        if person.email:
            by_email.setdefault(person.email, found)
        if person.name:
            by_name.setdefault((fold_key(person.name), org_key), found)
            if org is not None and org.corporate_number:  # the firm by its name, and by its number only
                by_name.setdefault((fold_key(person.name), org.folded_name), found)
                by_name.setdefault((fold_key(person.name), org.corporate_number), found)
    return by_email, by_name


def _match(
    person: ListedPerson, by_email: dict[str, _Existing], by_name: dict[tuple[str, str], _Existing]
) -> _Existing | None:
    if person.email and person.email in by_email:
        return by_email[person.email]
    found = by_name.get(person.name_key)
    if found is not None and (not person.email or not found.person.email):
        return found
    return None


def import_participants(
    event_id: int,
    filename: str,
    content: bytes,
    *,
    actor: Actor,
    all_attended: bool = False,
    engine: Engine | None = None,
) -> ImportReport:
    """Check every row of a participant list and import it in one transaction (nothing when any row is wrong).

    ``all_attended``: the list is of people who came (an organiser's list of attendees without an 出欠
    column), so every 受付済 row without a mark is a check-in.
    """

    def apply(session: Session, event: store.ManagedEvent, sheets: list[Sheet], report: ImportReport) -> None:
        if event.personal_data_erased_at is not None:
            raise ConflictError(
                "このイベントの個人情報は消去済みです。参加者名簿は取り込めません（取り込むと人数が変わります）",
                code="personal_data_erased",
            )
        checked = check_participant_list(sheets, event, all_attended, report)
        if not report.failed:
            _store(session, event, checked, actor, report)

    return run_event_import(event_id, filename, content, KIND, apply, actor=actor, engine=engine)


def _store(
    session: Session, event: store.ManagedEvent, checked: CheckedList, actor: Actor, report: ImportReport
) -> None:
    by_email, by_name = _existing(session, event.id)
    matches = {key: _match(person, by_email, by_name) for key, person in checked.people.items()}
    needed = (  # the firms of new people, and of known people without one
        (p.organisation, p.corporate_number)
        for key, p in checked.people.items()
        if matches[key] is None or matches[key].person.organisation_id is None  # type: ignore[union-attr]
    )
    organisations = resolve_organisations(session, needed)

    def organisation_id(person: ListedPerson) -> int | None:
        return organisations.get((person.organisation, person.corporate_number))

    now = dt.datetime.now(dt.UTC)
    new: list[tuple[ListedPerson, dict[str, object]]] = []
    checkins: list[tuple[int, dt.date]] = []
    seats = 0
    for key, person in checked.people.items():
        found = matches[key]
        if found is None:
            row: dict[str, object] = {
                "name": person.name,
                "kana": person.kana,
                "email": person.email,
                "organisation_id": organisation_id(person),
            }
            new.append((person, row))
            continue
        reg, known = found.reg, found.person
        changed = False
        if known.erased_at is None:
            for attr in ("kana", "email"):
                if getattr(person, attr) and not getattr(known, attr):
                    setattr(known, attr, getattr(person, attr))
                    changed = True
            if known.organisation_id is None and (person.organisation or person.corporate_number):
                known.organisation_id = organisation_id(person)
                changed = True
        where = person.where
        if person.status != reg.status:
            if reg.status == store.REGISTERED and person.status == store.NO_SHOW and not found.days:
                reg.status, reg.updated_at = store.NO_SHOW, now
                if reg.takes_seat:
                    session.execute(
                        update(store.ManagedEvent)
                        .where(store.ManagedEvent.id == event.id, store.ManagedEvent.seats_taken > 0)
                        .values(seats_taken=store.ManagedEvent.seats_taken - 1)
                        .execution_options(synchronize_session=False)
                    )
                changed = True
            elif person.status != store.REGISTERED or person.days:
                report.add_error(
                    CellError(
                        where[0], where[1], "", f"この方の申込は既に「{reg.status}」です（名簿では「{person.status}」）"
                    )
                )
                continue
        missing = sorted(person.days - found.days)
        checkins.extend((reg.id, day) for day in missing)
        report.checkins += len(missing)
        if changed:
            report.updated += 1
        elif not missing:
            report.unchanged += 1
    if report.failed:
        return
    # Core inserts, many rows a statement, ids back in order: a list of 10,000 takes seconds, not minutes.
    person_ids = _insert(session, store.Person, [row for _p, row in new])
    regs: list[dict[str, object]] = []
    for (person, _row), person_id in zip(new, person_ids, strict=True):
        takes_seat = person.role == store.COUNTED_ROLE
        if takes_seat and person.status == store.REGISTERED:
            seats += 1
        regs.append(
            {
                "event_id": event.id,
                "person_id": person_id,
                "status": person.status,
                "role": person.role,
                "takes_seat": takes_seat,
                "token": secrets.token_urlsafe(24),
                "channel": "import",
                "offer_expires_at": None,
                "registered_by_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    reg_ids = _insert(session, store.Registration, regs)
    for (person, _row), reg_id in zip(new, reg_ids, strict=True):
        checkins.extend((reg_id, day) for day in sorted(person.days))
        report.checkins += len(person.days)
    report.added = len(regs)
    if seats and not take_seats(session, event.id, seats):
        session.refresh(event)
        report.add_error(
            CellError(
                report.filename,
                0,
                "",
                f"定員 {event.capacity} 人を超えます（席を確保済み {event.seats_taken} 人、この名簿で新たに {seats} 人）。"
                "定員を見直してから取り込んでください",
            )
        )
        return
    who = actor.recorded_name
    if checkins:
        session.connection().execute(
            insert(sa_table(store.CheckIn)),
            [
                {
                    "registration_id": r,
                    "event_id": event.id,
                    "day": d,
                    "method": "import",
                    "marked_by": who,
                    "marked_at": now,
                }
                for r, d in checkins
            ],
        )


def _insert(
    session: Session, table: type[store.Person] | type[store.Registration], rows: list[dict[str, object]]
) -> list[int]:
    """Insert rows in bulk (Core, many rows a statement) and return their ids in the rows' order."""
    if not rows:
        return []
    session.flush()
    target = sa_table(table)
    statement = insert(target).returning(target.c.id, sort_by_parameter_order=True)
    return list(session.connection().scalars(statement, rows))
