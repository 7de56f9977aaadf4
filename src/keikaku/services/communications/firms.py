"""A listed firm's page: its facts, the directories listing it, and what it took part in — its
consultations, events, meetings and database listings.

A firm is one organisation of the events issue wherever it appears (a case's firm, a participant's
employer, a meeting's firm, a listed startup), so the page reads every record of that organisation.  Only
counts leave this module for consultations, events and meetings: a consultation's contents are
confidential (:mod:`keikaku.services.platform.cases`) and never appear, whoever looks; registrations and
meetings count at published events only.  The database listings are public facts (the registry shows
them to everyone), so they are listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, distinct, func, or_, select

from keikaku.services.communications.directories import ListedFirm, listed_firms
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError
from keikaku.storage import communications as store
from keikaku.storage import event_imports as meeting_store
from keikaku.storage import events as event_store
from keikaku.storage import platform as platform_store
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class Listing:
    """A database listing of the firm (public)."""

    database: str
    confirmed_on: dt.date
    url: str | None


@dataclass(frozen=True)
class FirmPage:
    """A listed firm and the counts of what it took part in."""

    firm: ListedFirm
    directories: tuple[str, ...]
    consultations: int
    events: int
    event_registrations: int
    meetings: int
    interviews: int
    listings: tuple[Listing, ...]


def firm_page(entry_id: int, *, engine: Engine | None = None) -> FirmPage:
    """A directory firm's page (the same for every viewer: counts, never a consultation's contents)."""
    with read_session(checked_engine(engine)) as session:
        entry = store.DirectoryEntry
        org = session.scalar(select(entry.organisation_id).where(entry.id == entry_id))
        firm = listed_firms(session, [entry.id == entry_id]) if org is not None else []
        if org is None or not firm:
            raise NotFoundError(f"掲載企業 {entry_id} は見つかりません", code="firm_not_found")
        dirs = session.scalars(
            select(store.DirectoryEntry.directory)
            .where(store.DirectoryEntry.organisation_id == org)
            .order_by(store.DirectoryEntry.directory)
        ).all()
        case = platform_store.Consultation
        consultations = session.scalar(select(func.count()).select_from(case).where(case.organisation_id == org))
        registration, event = event_store.Registration, event_store.ManagedEvent
        events, registrations = session.execute(
            select(func.count(distinct(registration.event_id)), func.count())
            .select_from(registration)
            .join(event_store.Person, event_store.Person.id == registration.person_id)
            .join(event, event.id == registration.event_id)
            .where(
                event_store.Person.organisation_id == org,
                event.published.is_(True),
                registration.status.in_((event_store.REGISTERED, event_store.NO_SHOW)),
            )
        ).one()
        meeting = meeting_store.Meeting
        meetings = session.scalar(
            select(func.count())
            .select_from(meeting)
            .join(event, event.id == meeting.event_id)
            .where(meeting.organisation_id == org, meeting.status == meeting_store.HELD, event.published.is_(True))
        )
        need = platform_store.Need
        interview = platform_store.Interview
        firm_cases = select(case.id).where(case.organisation_id == org)
        interviews = session.scalar(
            select(func.count())
            .select_from(interview)
            .join(need, need.id == interview.need_id)
            .where(
                interview.status == platform_store.HELD,
                or_(need.organisation_id == org, need.case_id.in_(firm_cases)),
            )
        )
        listed = session.execute(
            select(store.ActivityEntry.medium, store.ActivityEntry.entry_date, store.ActivityEntry.url)
            .where(store.ActivityEntry.kind == "listing", store.ActivityEntry.organisation_id == org)
            .order_by(store.ActivityEntry.entry_date, store.ActivityEntry.medium)
        ).all()
        return FirmPage(
            firm[0],
            tuple(DIRECTORIES[d] for d in dirs if d in DIRECTORIES),
            int(consultations or 0),
            int(events or 0),
            int(registrations or 0),
            int(meetings or 0),
            int(interviews or 0),
            tuple(Listing(medium, day, url) for medium, day, url in listed),
        )
