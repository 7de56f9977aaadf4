"""Tables behind the web pages: the search index and the partner-initiative links curators review.

The search index is derived data: it can be dropped and rebuilt from the plans at any time.  The partner
links are not: a curator's confirmation or removal is a decision, kept with who made it and when, and every
decision appends a row to :class:`PartnerLinkEvent` so that earlier states stay readable.

Full-text matching needs one object per backend that SQLAlchemy does not model; the migration creates it:
an FTS5 table ``search_fts`` over :class:`SearchEntry` (external content, kept in step by triggers) on
SQLite, and a GIN index over the entries' terms on PostgreSQL.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keikaku.storage.base import Base, utcnow

#: 64-bit ids everywhere; on SQLite it must be spelled INTEGER to be the rowid that FTS5 refers to.
RowId = BigInteger().with_variant(Integer(), "sqlite")

#: Name of the SQLite FTS5 table over ``search_entries`` (not an ORM table; see the migration).
SEARCH_FTS = "search_fts"


class SearchEntry(Base):
    """One searchable thing: a project (with its components, KPIs and events), a plan, a challenge, a theme…

    ``id`` is assigned by the indexer so that ascending ids are the order results of equal relevance are
    shown in (the vision and partner priorities first, then the home issuer's plans, newest year first).
    ``*_terms`` hold the folded text cut into overlapping character pairs, which is what both backends
    match on; ``folded`` and ``folded_title`` hold the folded text for the exact substring check.
    """

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_search_entries_kind_ref"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    issuer: Mapped[str | None] = mapped_column(String(200))
    challenge: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(400))
    context: Mapped[str | None] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text, default="")
    folded_title: Mapped[str] = mapped_column(Text, default="")
    folded: Mapped[str] = mapped_column(Text, default="")
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
    facets: Mapped[str] = mapped_column(String(400), default="")


class SearchIndexedPlan(Base):
    """A plan whose projects are in the search index (a plan no longer current is taken out)."""

    __tablename__ = "search_indexed_plans"

    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    indexed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchIndexState(Base):
    """Facts about the search index: its format version, the signature of the indexed context data."""

    __tablename__ = "search_index_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerLink(Base):
    """A link between a partner initiative and a union project or an action-plan theme.

    ``state`` is ``suggested`` (found by content similarity), ``confirmed`` or ``removed`` (by a curator).
    A removed link stays, so that recomputing suggestions does not bring it back.  ``target_key`` is
    ``project:<id>`` or ``theme:<id>`` and makes a link unique per initiative.  ``shared_terms`` are the
    concepts of the similarity lexicon both sides touch (``startup``, ``green`` …).
    """

    __tablename__ = "partner_links"
    __table_args__ = (
        UniqueConstraint("initiative_id", "target_key", name="uq_partner_links_target"),
        CheckConstraint("state IN ('suggested', 'confirmed', 'removed')", name="state"),
        CheckConstraint(
            "(CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    target_key: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    shared_terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="suggested")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    events: Mapped[list["PartnerLinkEvent"]] = relationship(
        back_populates="link", order_by="PartnerLinkEvent.id", cascade="all, delete-orphan"
    )


class PartnerLinkEvent(Base):
    """One decision about a link: who did what (``suggest``, ``confirm``, ``remove``, ``restore``) and when."""

    __tablename__ = "partner_link_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state_after: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    link: Mapped[PartnerLink] = relationship(back_populates="events")
