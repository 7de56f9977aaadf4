"""Tables of the bureau's communications: web-analytics properties and their imports, the registries of
activity (database listings, posts, PR occurrences), newsletter issues, and the directory of firms.

A web-analytics import keeps its raw file (``raw``); a re-upload of the same property and period marks
the earlier import ``replaced_by_id`` and removes its metric rows, so the earlier file stays readable while
only one import counts.  A metric row carries the day it is for: the row's own date when the export has a
date column, else the first day of the export's period (such files are refused when they span two months,
so the month, and with it the fiscal year, is always exact).
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
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.storage.base import Base, CreatedByMixin, EnteredMixin, one_of, utcnow

#: Where an analytics file comes from.
ANALYTICS_SOURCES = ("ga4", "matomo")
#: The kinds of registry entry: a startup's listing in a database, a post, a PR occurrence.
ENTRY_KINDS = ("listing", "post", "pr")
#: PR audiences.
AUDIENCES = ("overseas", "domestic")


class WebProperty(Base):
    """A web site whose analytics are imported (GA4 property or Matomo site), owned by a department."""

    __tablename__ = "web_properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    url: Mapped[str | None] = mapped_column(String(1000))
    department: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebImport(Base):
    """One imported analytics file: its period, its raw bytes and digest, and what replaced it (if anything)."""

    __tablename__ = "web_imports"
    __table_args__ = (
        CheckConstraint(one_of("source", ANALYTICS_SOURCES), name="source"),
        CheckConstraint("period_end >= period_start", name="period"),
        Index("ix_web_imports_property_period", "property_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("web_properties.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    #: Whether the rows carry their own dates (a Date dimension) or all stand for the period.
    dated_rows: Mapped[bool] = mapped_column(Boolean, default=False)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    rows: Mapped[int] = mapped_column(Integer)
    views: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int | None] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("web_imports.id", ondelete="SET NULL"))


class WebMetric(Base):
    """Page views, sessions and users of one page on one day (or of the import's period, see the module)."""

    __tablename__ = "web_metrics"
    __table_args__ = (Index("ix_web_metrics_property_day", "property_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("web_imports.id", ondelete="CASCADE"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("web_properties.id", ondelete="RESTRICT"))
    page_path: Mapped[str] = mapped_column(String(1000))
    day: Mapped[dt.date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)
    sessions: Mapped[int | None] = mapped_column(Integer)
    users: Mapped[int | None] = mapped_column(Integer)


class ActivityEntry(Base):
    """A registry entry: a listing (startup × database), a post (channel × title) or a PR occurrence.

    ``medium`` is the database, the channel, or the fair / press release; ``title`` the startup's name,
    the post's or the PR's title; ``folded`` is the title folded for comparison, so that one listing is one
    entry however it was typed.
    """

    __tablename__ = "activity_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint(f"audience IS NULL OR {one_of('audience', AUDIENCES)}", name="audience"),
        UniqueConstraint("kind", "entry_date", "medium", "folded", name="uq_activity_entries_key"),
        Index("ix_activity_entries_kind_date", "kind", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    medium: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    folded: Mapped[str] = mapped_column(String(400))
    url: Mapped[str | None] = mapped_column(String(1000))
    audience: Mapped[str | None] = mapped_column(String(10))
    department: Mapped[str] = mapped_column(String(200), index=True)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: A listing's startup as an organisation of the events issue (the same firm wherever it appears).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    #: A file given as evidence (a screenshot of the listing, the press release), staff's to download.
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("actual_attachments.id", ondelete="SET NULL"))


class NewsletterIssue(CreatedByMixin, Base):
    """An issue of the newsletter: number, date, theme, print run, subscribers at sending, publication."""

    __tablename__ = "newsletter_issues"
    __table_args__ = (
        CheckConstraint("copies IS NULL OR copies >= 0", name="copies"),
        CheckConstraint("subscribers IS NULL OR subscribers >= 0", name="subscribers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    issue_date: Mapped[dt.date] = mapped_column(Date, index=True)
    theme: Mapped[str] = mapped_column(String(400))
    copies: Mapped[int | None] = mapped_column(Integer)
    subscribers: Mapped[int | None] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The issue's reader survey (a survey of the surveys package without an event).
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"), unique=True)


class DirectoryEntry(EnteredMixin, Base):
    """A firm listed in a directory (the Kansai Companies Profile, hydrogen firms…), as an organisation."""

    __tablename__ = "directory_entries"
    __table_args__ = (
        UniqueConstraint("directory", "organisation_id", name="uq_directory_entries_firm"),
        # A directory's facet counts and a chosen prefecture's firms (migration 0027_comms14).
        Index("ix_directory_entries_facets", "directory", "prefecture", "industry", "award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    prefecture: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(200))
    products: Mapped[str | None] = mapped_column(String(1000))
    award: Mapped[str | None] = mapped_column(String(200))
    year_listed: Mapped[int] = mapped_column(Integer)
    #: Name, products, industry and award folded as the site's search folds a query (LIKE over it).
    search_text: Mapped[str] = mapped_column(String(2000), default="")
    department: Mapped[str] = mapped_column(String(200))


class VisitDestination(EnteredMixin, Base):
    """A 産業視察先 of the overseas site: a factory, lab or facility that receives delegations, with its theme,
    the languages it receives visitors in and its contact (shown to staff only)."""

    __tablename__ = "visit_destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    #: The name folded (法人格, widths, spaces), one destination however it is typed.
    folded: Mapped[str] = mapped_column(String(400), unique=True)
    prefecture: Mapped[str | None] = mapped_column(String(20))
    theme: Mapped[str | None] = mapped_column(String(400))
    languages: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(400))
    #: Name, theme and languages folded as the site's search folds a query (LIKE over it).
    search_text: Mapped[str] = mapped_column(String(2000), default="")
    department: Mapped[str] = mapped_column(String(200))


class RankingEntry(EnteredMixin, Base):
    """A ranking's published rank for a year (lower is better), with its source."""

    __tablename__ = "ranking_entries"
    __table_args__ = (
        UniqueConstraint("ranking", "year", name="uq_ranking_entries_year"),
        CheckConstraint("rank >= 1", name="rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(1000))
    department: Mapped[str] = mapped_column(String(200))
