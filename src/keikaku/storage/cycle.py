"""Tables of the yearly cycle (実績照会 → 提出): the call for actuals of a fiscal year, each department's
submission, and the reminders sent.

A call is one per fiscal year.  A submission is the current state of one department's part of a call
(submitted, or withdrawn by an administrator); its history is the audit trail.  A reminder row says that
the reminder of one kind went to one department for one call: the unique key is what makes sending
idempotent, on one server or several (the second insert of the same reminder fails and sends nothing).
"""

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.storage.base import Base, utcnow

#: Reminder kinds: N days before the due date, and once the due date has passed.
REMINDER_KINDS = ("before", "after")


class ActualsCall(Base):
    """A call for actuals (実績照会) of a fiscal year: the due date, and when reminders go."""

    __tablename__ = "cycle_calls"
    __table_args__ = (
        CheckConstraint("remind_before_days >= 0 AND remind_before_days <= 90", name="before_days"),
        CheckConstraint("remind_after_days >= 1 AND remind_after_days <= 90", name="after_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, unique=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    #: The "before" reminder goes this many days before the due date.
    remind_before_days: Mapped[int] = mapped_column(Integer, default=7)
    #: The "after" reminder goes this many days after the due date (1: the day after it).
    remind_after_days: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallSubmission(Base):
    """A department's part of a call marked 提出 (``withdrawn_at`` set: withdrawn by an administrator)."""

    __tablename__ = "cycle_submissions"
    __table_args__ = (UniqueConstraint("call_id", "department", name="uq_cycle_submissions_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("cycle_calls.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(200))
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    measured: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)


class CallReminder(Base):
    """A reminder of one kind sent to one department for one call (once: the unique key)."""

    __tablename__ = "cycle_reminders"
    __table_args__ = (
        UniqueConstraint("call_id", "department", "kind", name="uq_cycle_reminders_once"),
        CheckConstraint("kind IN ('before', 'after')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("cycle_calls.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
