"""Tables of the events the bureau runs: the managed event, organisations and people, registrations, the
check-in log and the mail outbox.

An event read from a plan (``events``, facts of the document) stays as it was; the event staff manage is a
:class:`ManagedEvent`, which may point at the plan's event it makes operational.

Capacity is kept as a counter on the event (``seats_taken``) that only ever changes through one conditional
``UPDATE … WHERE seats_taken + n <= capacity``: the database decides who gets the last seat, on SQLite
(one writer at a time) and on PostgreSQL (the row lock the ``UPDATE`` takes) alike.
"""

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from keikaku.storage.base import Base, one_of, utcnow

#: Event kinds (種別) as stored; the pages show them through the locale files.
EVENT_KINDS = ("forum", "seminar", "trade_fair", "promotion", "matching")
#: How an event is attended.
EVENT_FORMATS = ("onsite", "online", "hybrid")

# Registration statuses (CiviCRM's, in the bureau's words).
REGISTERED = "受付済"
WAITLISTED = "キャンセル待ち"
OFFERED = "繰上げ（回答待ち）"
CANCELLED = "キャンセル"
NO_SHOW = "欠席"
STATUSES = (REGISTERED, WAITLISTED, OFFERED, CANCELLED, NO_SHOW)
#: Statuses that hold a seat (CiviCRM's Positive and Pending classes).
SEATED = (REGISTERED, OFFERED)

#: Roles at an event; only ``attendee`` takes a seat and is counted by the KPIs.
ROLES = ("attendee", "staff", "speaker", "related")
COUNTED_ROLE = "attendee"


class ManagedEvent(Base):
    """An event of a project that staff run: dates, venue, capacity, registration window, owning department."""

    __tablename__ = "managed_events"
    __table_args__ = (
        CheckConstraint(one_of("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(one_of("format", EVENT_FORMATS), name="format"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)", name="seats"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    plan_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(400))
    format: Mapped[str] = mapped_column(String(10), default="onsite")
    capacity: Mapped[int | None] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    registration_opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    department: Mapped[str] = mapped_column(String(200), index=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Hours a person promoted from the waitlist has to accept the seat.
    reply_hours: Mapped[int] = mapped_column(Integer, default=48)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    personal_data_erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Organisation(Base):
    """A firm or body; ``corporate_number`` is its 法人番号 (check digit verified), absent for sole proprietors."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    #: The name folded for duplicate detection (法人格 and widths folded, spaces removed).
    folded_name: Mapped[str] = mapped_column(String(400), index=True)
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Person(Base):
    """A participant (personal data: name, kana, e-mail); erased fields are NULL and ``erased_at`` is set."""

    __tablename__ = "event_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    kana: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    organisation: Mapped[Organisation | None] = relationship()


class Registration(Base):
    """One person's registration for an event, with its status; ``registered_by_id`` groups a group booking.

    ``token`` is the person's secret handle: the confirmation page, the QR code scanned at check-in, the
    survey invitation.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint(one_of("role", ROLES), name="role"),
        Index("ix_event_registrations_event_status", "event_id", "status"),
        Index("ix_event_registrations_event_status_role", "event_id", "status", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("managed_events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("event_people.id", ondelete="RESTRICT"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("event_registrations.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20), default=COUNTED_ROLE)
    takes_seat: Mapped[bool] = mapped_column(Boolean, default=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="public")
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The person this registration counts as when they were recognised from an earlier registration (the
    #: same e-mail; an ``event_people`` id), None for its own person; kept on erasure.  See
    #: :func:`person_key` and :mod:`keikaku.services.events.identities`.
    identity_id: Mapped[int | None] = mapped_column(Integer)
    person: Mapped[Person] = relationship()


def person_key() -> ColumnElement[int]:
    """Who a registration's person is, for counting distinct people across events (no join: the measures
    count a national year's check-ins with it)."""
    return func.coalesce(Registration.identity_id, Registration.person_id)


class CheckIn(Base):
    """One mark in the check-in log: which registration, which day of the event, by whom, when, how."""

    __tablename__ = "event_checkins"
    __table_args__ = (
        UniqueConstraint("registration_id", "day", name="uq_event_checkins_registration_day"),
        CheckConstraint("method IN ('list', 'scan', 'import')", name="method"),
        Index("ix_event_checkins_event_registration_day", "event_id", "registration_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("managed_events.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10), default="list")
    marked_by: Mapped[str] = mapped_column(String(200))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMail(Base):
    """A message keikaku sends (confirmation, waitlist, promotion).  Always written in the transaction of
    the change it reports; sent through SMTP after the commit when ``KEIKAKU_SMTP_URL`` is set, else read
    by staff here."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("managed_events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("event_registrations.id", ondelete="SET NULL"))
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
