"""Tables for accounts and governance: users, API tokens, sessions, login attempts, the audit log,
period locks, publication states and council comments.

Secrets are never stored: a session or API token is kept as the SHA-256 of the random token handed to
the client, a password as its argon2 hash.

Three tables are histories that only ever grow: ``audit_log``, ``period_locks`` and ``publications``.
No code updates or deletes their rows, and the migration adds triggers that make the database refuse an
UPDATE or DELETE on them (SQLite: ``RAISE(ABORT)``; PostgreSQL: a trigger function that raises).  Their
current state is the newest row.  They carry no foreign keys with ``ON DELETE CASCADE``: a history must not
vanish with the thing it describes.
"""

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select

from keikaku.storage.base import Base, utcnow

#: 64-bit ids; on SQLite spelled INTEGER so that the column is the auto-incrementing rowid.
RowId = BigInteger().with_variant(Integer(), "sqlite")

#: Tables the database refuses to UPDATE or DELETE (see the 0004 migration).
APPEND_ONLY_TABLES = ("audit_log", "period_locks", "publications")

#: What a publication row may refer to.
PUBLICATION_OBJECTS = ("plan", "evaluation")


class User(Base):
    """A local account.  ``roles`` holds :class:`keikaku.services.core.actors.Role` values; accounts are disabled,
    never deleted, so that the audit trail keeps pointing at someone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(400))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    member_government: Mapped[str | None] = mapped_column(String(100))
    #: The platform institution a coordinator belongs to (a 公設試, a partner agency, a university).
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("platform_institutions.id", ondelete="RESTRICT"))
    #: Where keikaku's mail to the account goes (the call for actuals' reminders); none: no mail.
    email: Mapped[str | None] = mapped_column(String(320))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """An API token: only a short prefix (to recognise it in lists) and the SHA-256 of the whole token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A login session.  ``id`` is the SHA-256 (hex) of the random token in the cookie, never the token."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    csrf_secret: Mapped[str] = mapped_column(String(64))


class LoginAttempt(Base):
    """One login attempt, for rate limiting and for the record.  ``outcome`` says why one failed."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))


class AuditEntry(Base):
    """One change: who, when, what (action on an object), the values before and after, and why.

    Append-only (enforced by the database).  ``object_id`` is text so that composite keys
    (``"12/2026"``) fit as well as row ids.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id", "id"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(100))


class PeriodLock(Base):
    """One event in the lock history of a fiscal year (``plan_id`` NULL) or of one plan's year.

    A lock row has ``reopened_at`` NULL; a reopen adds a row that repeats the lock it ends and says who
    reopened it, when and why.  The newest row for a (year, plan) decides whether it is locked.
    """

    __tablename__ = "period_locks"
    __table_args__ = (
        Index("ix_period_locks_year", "fiscal_year", "plan_id", "id"),
        CheckConstraint(
            "reopened_at IS NULL OR (reopened_by IS NOT NULL AND reopen_reason IS NOT NULL)", name="reopen_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(200))
    lock_reason: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by: Mapped[str | None] = mapped_column(String(200))
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class PublicationState(StrEnum):
    """The state a publication row records."""

    DRAFT = "draft"
    PUBLISHED = "published"


class PublishedObject(StrEnum):
    """What a publication row is about."""

    PLAN = "plan"
    EVALUATION = "evaluation"


class Publication(Base):
    """One change of the publication state of a plan or of a plan's evaluation for a fiscal year.

    For a plan, ``object_id`` is the plan's id; for an evaluation, the id of the plan evaluated and
    ``fiscal_year`` the year.  The newest row wins; no row means draft.
    """

    __tablename__ = "publications"
    __table_args__ = (
        Index("ix_publications_object", "object_type", "object_id", "fiscal_year", "id"),
        CheckConstraint("object_type IN ('plan', 'evaluation')", name="object_type"),
        CheckConstraint("state IN ('draft', 'published')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class Comment(Base):
    """A council member's comment on the evaluation of a plan's fiscal year (or of one project in it)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_subject", "plan_id", "fiscal_year", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def newest_publication(object_type: str, object_id: Any, fiscal_year: Any) -> Select[Publication]:
    """The one rule of publication history: of an object's rows, the newest (highest id) wins; no row is a
    draft.  ``object_id`` and ``fiscal_year`` are values or column expressions (for a correlated subquery)."""
    return (
        select(Publication)
        .where(
            Publication.object_type == object_type,
            Publication.object_id == object_id,
            Publication.fiscal_year == fiscal_year,
        )
        .order_by(Publication.id.desc())
        .limit(1)
    )


def newest_publication_ids() -> Select[int]:
    """The same rule over every object at once: the id of each object's newest row."""
    return select(func.max(Publication.id)).group_by(
        Publication.object_type, Publication.object_id, Publication.fiscal_year
    )
