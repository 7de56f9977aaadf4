"""Meetings at events (BioJapan partnering, VivaTech matchings): the counts the KPI measures use, and the
list behind them.

``meetings_held``: meetings of the events whose status is 実施.  ``meeting_firms``: the distinct firms of
the events' meeting lists (whatever the status: a firm that took part in the partnering took part), one per
organisation; organisations are found by their 法人番号, so a firm is counted once however its name is
written, and a sole proprietor without one is counted by its folded name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session

from keikaku.normalize.date_style import in_japan
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.events.manage import load_event
from keikaku.storage import event_imports as store
from keikaku.storage import events as event_store
from keikaku.storage.uow import read_session

KINDS = ("meetings_held", "meeting_firms")


def figure(session: Session, kind: str, event_ids: list[int]) -> tuple[float, int]:
    """(value, records) of a meeting kind over the events: held meetings, or distinct firms."""
    m = store.Meeting
    records = int(session.scalar(select(func.count()).select_from(m).where(m.event_id.in_(event_ids))) or 0)
    if kind == "meetings_held":
        held = session.scalar(
            select(func.count()).select_from(m).where(m.event_id.in_(event_ids), m.status == store.HELD)
        )
        return float(held or 0), records
    firms = session.scalar(select(func.count(distinct(m.organisation_id))).where(m.event_id.in_(event_ids)))
    return float(firms or 0), records


def by_day(session: Session, kind: str, event_ids: list[int]) -> list[tuple[str, int]]:
    """Held meetings per day (Japan time), or the firms' meetings per status."""
    m = store.Meeting
    if kind == "meeting_firms":
        rows = session.execute(
            select(m.status, func.count(distinct(m.organisation_id)))
            .where(m.event_id.in_(event_ids))
            .group_by(m.status)
        ).all()
        found = dict(rows)
        return [(f"{status}の商談がある企業", int(found.get(status, 0))) for status in store.MEETING_STATUSES]
    slots = session.scalars(select(m.slot_start).where(m.event_id.in_(event_ids), m.status == store.HELD)).all()
    days: dict[str, int] = {}
    for slot in sorted(in_japan(s) for s in slots):
        days[slot.date().isoformat()] = days.get(slot.date().isoformat(), 0) + 1
    return list(days.items())


def names(session: Session, kind: str, event_ids: list[int]) -> list[tuple[str, str, str]]:
    """(firm, counterpart, slot) of each meeting counted, for the events' staff."""
    m, org = store.Meeting, event_store.Organisation
    stmt = (
        select(org.name, m.counterpart, m.slot_start, m.status)
        .join(org, org.id == m.organisation_id)
        .where(m.event_id.in_(event_ids))
        .order_by(m.slot_start, m.id)
    )
    if kind == "meetings_held":
        stmt = stmt.where(m.status == store.HELD)
    return [
        (
            firm,
            counterpart if kind == "meetings_held" else f"{counterpart}（{status}）",
            f"{in_japan(slot):%Y-%m-%d %H:%M}",
        )
        for firm, counterpart, slot, status in session.execute(stmt).all()
    ]


@dataclass(frozen=True)
class MeetingCounts:
    """An event's meetings: how many per status, and the distinct firms (no names)."""

    by_status: dict[str, int]
    firms: int
    firms_held: int

    @property
    def held(self) -> int:
        """Meetings that took place (実施)."""
        return self.by_status.get(store.HELD, 0)

    @property
    def total(self) -> int:
        """Every meeting of the list."""
        return sum(self.by_status.values())


def meeting_counts(event_id: int, *, engine: Engine | None = None) -> MeetingCounts:
    """The counts of an event's meeting list."""
    m = store.Meeting
    with read_session(ensure_schema(engine)) as session:
        statuses = dict(
            session.execute(select(m.status, func.count()).where(m.event_id == event_id).group_by(m.status)).all()
        )
        firms = session.scalar(select(func.count(distinct(m.organisation_id))).where(m.event_id == event_id))
        held = session.scalar(
            select(func.count(distinct(m.organisation_id))).where(m.event_id == event_id, m.status == store.HELD)
        )
    return MeetingCounts({s: int(statuses.get(s, 0)) for s in store.MEETING_STATUSES}, int(firms or 0), int(held or 0))


@dataclass(frozen=True)
class MeetingRow:
    """A meeting of the list, for the event's staff."""

    id: int
    firm: str
    corporate_number: str | None
    counterpart: str
    slot_start: dt.datetime
    slot_end: dt.datetime | None
    status: str


def list_meetings(event_id: int, *, actor: Actor, engine: Engine | None = None) -> list[MeetingRow]:
    """An event's meetings in slot order (those who manage the event)."""
    m, org = store.Meeting, event_store.Organisation
    with read_session(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        rows = session.execute(
            select(m, org.name, org.corporate_number)
            .join(org, org.id == m.organisation_id)
            .where(m.event_id == event_id)
            .order_by(m.slot_start, m.id)
        ).all()
        return [
            MeetingRow(
                r.id,
                firm,
                number,
                r.counterpart,
                in_japan(r.slot_start),
                in_japan(r.slot_end) if r.slot_end else None,
                r.status,
            )
            for r, firm, number in rows
        ]
