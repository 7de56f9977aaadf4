"""Declarative base, naming conventions and the provenance columns every fact carries."""

import datetime as dt
from typing import Any, overload

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable so migrations work on SQLite and PostgreSQL alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Timezone-aware now, for defaults computed in Python."""
    return dt.datetime.now(dt.UTC)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: dt.datetime | None) -> dt.datetime | None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC one: they are stored in UTC, and SQLite hands them back naive."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's condition that ``column`` holds one of ``values``: ``kind IN ('a', 'b')`` (each
    value an SQL string literal, a quote in it doubled)."""
    literals = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({literals})"


class TimestampMixin:
    """When a row was created."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class EnteredMixin:
    """Who entered a row (a username) and when: the last columns of a table (a mixin's columns follow the table's
    own, so the columns keep the order of the migrations)."""

    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CreatedByMixin:
    """Who created a row (a username) and when: the last columns of a table, as :class:`EnteredMixin`'s."""

    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProvenanceMixin:
    """Where the fact in this row came from: a document, a page, a line, a short excerpt."""

    @declared_attr
    def source_document_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), nullable=True, index=True)

    @declared_attr
    def source_document(cls) -> Mapped[Any]:
        return relationship("Document", foreign_keys=[cls.source_document_id], lazy="raise_on_sql", viewonly=False)  # type: ignore[list-item]

    source_page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)


SHORT = 200
NAME = String(400)
