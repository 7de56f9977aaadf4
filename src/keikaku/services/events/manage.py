"""Managing events: create one for a project, change it, publish it; who may do so.

The owning department must be one of the project's departments; its editors (and administrators) manage
the event and see its personal data.  Every change is one transaction with an audit record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, bindparam, select, update
from sqlalchemy.orm import Session

from keikaku.normalize.date_style import JST
from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import checked_engine, ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import events as store
from keikaku.storage import models as m
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

#: The kinds and formats an event may have (the form's choices).
KINDS, FORMATS = store.EVENT_KINDS, store.EVENT_FORMATS
MAX_DAYS = 31


@dataclass(frozen=True)
class EventForm:
    """An event as a form or the API sends it: text fields, checked and converted by :func:`check_event_form`."""

    project_id: int
    name: str
    kind: str = "seminar"
    start_date: str = ""
    end_date: str = ""
    venue: str = ""
    format: str = "onsite"
    capacity: str = ""
    registration_opens_at: str = ""
    registration_closes_at: str = ""
    department: str = ""
    published: bool = False
    plan_event_id: int | None = None


@dataclass(frozen=True)
class EventPublic:
    """An event as services hand it out (no personal data)."""

    id: int
    project_id: int
    fiscal_year: int
    name: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    venue: str | None
    format: str
    capacity: int | None
    seats_taken: int
    registration_opens_at: dt.datetime | None
    registration_closes_at: dt.datetime | None
    department: str
    published: bool
    personal_data_erased: bool

    @property
    def days(self) -> list[dt.date]:
        """Every day of the event."""
        return [self.start_date + dt.timedelta(days=i) for i in range((self.end_date - self.start_date).days + 1)]

    @property
    def seats_left(self) -> int | None:
        """Seats still free (None: no capacity)."""
        return None if self.capacity is None else self.capacity - self.seats_taken


def public(row: store.ManagedEvent | Row[*tuple[Any, ...]], fiscal_year: int) -> EventPublic:
    """The public view of an event row (a mapped one, or a row of its table's columns)."""
    return EventPublic(
        id=row.id,
        project_id=row.project_id,
        fiscal_year=fiscal_year,
        name=row.name,
        kind=row.kind,
        start_date=row.start_date,
        end_date=row.end_date,
        venue=row.venue,
        format=row.format,
        capacity=row.capacity,
        seats_taken=row.seats_taken,
        registration_opens_at=as_utc(row.registration_opens_at),
        registration_closes_at=as_utc(row.registration_closes_at),
        department=row.department,
        published=row.published,
        personal_data_erased=row.personal_data_erased_at is not None,
    )


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(message, details={"fields": {field: message}})


def _date(value: str, field: str, label: str) -> dt.date:
    text = normalize_text(value or "").strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _field_error(field, f"{label}は 2026-10-07 の形で入力してください") from exc


def _moment(value: str, field: str, label: str) -> dt.datetime | None:
    text = normalize_text(value or "").strip().replace("/", "-")
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _field_error(field, f"{label}は 2026-09-01T10:00 の形で入力してください") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=JST)).astimezone(dt.UTC)


def _capacity(value: str) -> int | None:
    text = normalize_text(value or "").strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit() or int(text) > 1_000_000:
        raise _field_error("capacity", "定員は 0 以上の整数で入力してください（空欄は定員なし）")
    return int(text)


@dataclass(frozen=True)
class _Checked:
    """A form's values as checked, named as the event's columns."""

    name: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    venue: str | None
    format: str
    capacity: int | None
    registration_opens_at: dt.datetime | None
    registration_closes_at: dt.datetime | None
    department: str


def _check(session: Session, form: EventForm) -> tuple[_Checked, m.Project, int]:
    project = session.get(m.Project, form.project_id)
    if project is None:
        raise NotFoundError(f"事業 {form.project_id} は見つかりません", code="project_not_found")
    departments = [link.department.name for link in project.department_links]
    fiscal_year = session.scalar(select(m.Plan.fiscal_year).where(m.Plan.id == project.plan_id)) or 0
    name = clean_text(form.name, "イベント名", limit=400, field="name")
    if not name:
        raise _field_error("name", "イベント名を入力してください")
    if form.kind not in store.EVENT_KINDS:
        raise _field_error("kind", "種別を選んでください")
    if form.format not in store.EVENT_FORMATS:
        raise _field_error("format", "開催形式を選んでください")
    start = _date(form.start_date, "start_date", "開始日")
    end = _date(form.end_date, "end_date", "終了日") if form.end_date.strip() else start
    if end < start:
        raise _field_error("end_date", "終了日が開始日より前です")
    if (end - start).days >= MAX_DAYS:
        raise _field_error("end_date", f"開催期間は {MAX_DAYS} 日以内にしてください")
    opens = _moment(form.registration_opens_at, "registration_opens_at", "受付開始")
    closes = _moment(form.registration_closes_at, "registration_closes_at", "受付終了")
    if opens and closes and closes <= opens:
        raise _field_error("registration_closes_at", "受付終了が受付開始より前です")
    department = (clean_name(form.department, "担当課", limit=200, field="department") or "").strip()
    if not department:
        if not departments:
            raise _field_error("department", "この事業には担当課がありません。担当課を入力してください")
        department = departments[0]
    elif departments and department not in departments:
        raise _field_error("department", f"担当課は事業の担当課（{'、'.join(departments)}）から選んでください")
    checked = _Checked(
        name=name,
        kind=form.kind,
        start_date=start,
        end_date=end,
        venue=clean_text(form.venue, "会場", limit=400, field="venue"),
        format=form.format,
        capacity=_capacity(form.capacity),
        registration_opens_at=opens,
        registration_closes_at=closes,
        department=department,
    )
    return checked, project, fiscal_year


def load_event(session: Session, event_id: int) -> tuple[store.ManagedEvent, int]:
    """The event row and its fiscal year, or :class:`NotFoundError`."""
    row = session.get(store.ManagedEvent, event_id)
    if row is None:
        raise NotFoundError(f"イベント {event_id} は見つかりません", code="event_not_found")
    year = session.scalar(
        select(m.Plan.fiscal_year).join(m.Project, m.Project.plan_id == m.Plan.id).where(m.Project.id == row.project_id)
    )
    return row, int(year or 0)


def _snapshot(row: store.ManagedEvent) -> dict[str, object]:
    return {
        "name": row.name,
        "kind": row.kind,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "venue": row.venue,
        "format": row.format,
        "capacity": row.capacity,
        "registration_opens_at": as_utc(row.registration_opens_at),
        "registration_closes_at": as_utc(row.registration_closes_at),
        "department": row.department,
        "published": row.published,
    }


def create_event(form: EventForm, *, actor: Actor, engine: Engine | None = None) -> EventPublic:
    """Add an event to a project; the actor must manage events of the owning department."""
    with unit_of_work(ensure_schema(engine)) as session:
        checked, project, fiscal_year = _check(session, form)
        require(actor, Permission.MANAGE_EVENTS, departments=[checked.department])
        row = store.ManagedEvent(
            project_id=project.id,
            plan_event_id=form.plan_event_id,
            **dataclasses.asdict(checked),
            seats_taken=0,
            published=form.published,
            created_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.EVENT_CREATE, "event", row.id, None, _snapshot(row))
        return public(row, fiscal_year)


def update_event(event_id: int, form: EventForm, *, actor: Actor, engine: Engine | None = None) -> EventPublic:
    """Change an event.  A capacity below the seats already taken is refused (nobody loses a seat)."""
    with unit_of_work(ensure_schema(engine)) as session:
        row, fiscal_year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[row.department])
        checked, _project, _year = _check(session, dataclasses.replace(form, project_id=row.project_id))
        require(actor, Permission.MANAGE_EVENTS, departments=[checked.department])
        before = _snapshot(row)
        if checked.capacity is not None:
            # Conditional, so that a registration taking a seat meanwhile cannot end above the new capacity.
            done = session.execute(
                update(store.ManagedEvent)
                .where(store.ManagedEvent.id == event_id, store.ManagedEvent.seats_taken <= checked.capacity)
                .values(capacity=checked.capacity)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0) != 1:
                session.refresh(row)
                raise _field_error(
                    "capacity",
                    f"定員 {checked.capacity} 人は、既に席を確保している {row.seats_taken} 人より少なくできません",
                )
            session.refresh(row)
        # Every checked column, the capacity too: a new one is what the conditional update stored, None clears it.
        for column, value in dataclasses.asdict(checked).items():
            setattr(row, column, value)
        row.published = form.published
        session.flush()
        old, new = audit.changed(before, _snapshot(row))
        if new:
            audit.record(session, actor, AuditAction.EVENT_UPDATE, "event", row.id, old, new)
        return public(row, fiscal_year)


def get_event(event_id: int, *, viewer: Actor, engine: Engine | None = None) -> EventPublic:
    """An event: published ones for everyone, unpublished ones for those who manage it (else not found).

    The public registration page's read: the schema check trusted for a few seconds
    (:func:`~keikaku.services.core.db.checked_engine`), then one query built once, plain columns, no ORM."""
    with checked_engine(engine).connect() as conn:
        row = conn.execute(_EVENT_WITH_YEAR, {"event_id": event_id}).first()
    if row is None or (not row.published and not viewer.can(Permission.MANAGE_EVENTS, departments=[row.department])):
        raise NotFoundError(f"イベント {event_id} は見つかりません", code="event_not_found")
    return public(row, int(row.fiscal_year or 0))


_EVENTS = store.ManagedEvent.__table__
#: An event's columns and its plan's fiscal year (outer joins: an event is found even without them).
_EVENT_WITH_YEAR = (
    select(*_EVENTS.columns, m.Plan.fiscal_year)
    .select_from(_EVENTS)
    .outerjoin(m.Project, m.Project.id == _EVENTS.c.project_id)
    .outerjoin(m.Plan, m.Plan.id == m.Project.plan_id)
    .where(_EVENTS.c.id == bindparam("event_id"))
)


def list_events(*, viewer: Actor, engine: Engine | None = None) -> list[EventPublic]:
    """Published events, and the unpublished ones the viewer manages; newest first."""
    with read_session(ensure_schema(engine)) as session:
        rows = session.execute(
            select(store.ManagedEvent, m.Plan.fiscal_year)
            .join(m.Project, m.Project.id == store.ManagedEvent.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .order_by(store.ManagedEvent.start_date.desc(), store.ManagedEvent.id.desc())
            .limit(500)
        ).all()
        return [
            public(row, year)
            for row, year in rows
            if row.published or viewer.can(Permission.MANAGE_EVENTS, departments=[row.department])
        ]


@dataclass(frozen=True)
class ProjectChoice:
    """A project of a current plan that the actor may add events to, with its departments."""

    id: int
    name: str
    fiscal_year: int
    departments: tuple[str, ...]


def event_projects(*, viewer: Actor, engine: Engine | None = None) -> list[ProjectChoice]:
    """The projects of the current plans whose departments' events the viewer manages (newest year first)."""
    with read_session(ensure_schema(engine)) as session:
        rows = session.execute(
            select(m.Project.id, m.Project.name, m.Plan.fiscal_year, m.Department.name)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .join(m.ProjectDepartment, m.ProjectDepartment.project_id == m.Project.id)
            .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
            .where(m.Plan.is_current.is_(True))
            .order_by(m.Plan.fiscal_year.desc(), m.Project.id)
        ).all()
    found: dict[int, tuple[str, int, list[str]]] = {}
    for project_id, name, year, department in rows:
        found.setdefault(project_id, (name, int(year or 0), []))[2].append(department)
    return [
        ProjectChoice(pid, name, year, tuple(departments))
        for pid, (name, year, departments) in found.items()
        if viewer.can(Permission.MANAGE_EVENTS, departments=departments)
    ]
