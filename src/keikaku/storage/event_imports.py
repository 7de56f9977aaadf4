"""Tables of what staff import for events run elsewhere: the organiser's meeting list (BioJapan partnering,
VivaTech matchings), and for survey exports (Google Forms, Microsoft Forms) the saved column mapping and
the key of each imported response.

A meeting is one (event, our firm, folded counterpart, slot start): the same list imported again finds
its rows and changes nothing; a later list of the organiser moves their status (予定 → 実施 or 不成立).
A response imported from a form export keeps the export's own key (Google Forms' タイムスタンプ, Microsoft
Forms' ID) so that the same file, or a later export with more rows, adds only the responses not seen yet.
"""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.storage.base import Base, one_of, utcnow

PLANNED = "予定"
HELD = "実施"
FAILED = "不成立"
MEETING_STATUSES = (PLANNED, HELD, FAILED)

GOOGLE_FORMS = "google_forms"
MS_FORMS = "ms_forms"
FORM_SOURCES = (GOOGLE_FORMS, MS_FORMS)


class Meeting(Base):
    """A meeting of one of our firms with a counterpart at an event, in a slot, with its status."""

    __tablename__ = "event_meetings"
    __table_args__ = (
        CheckConstraint(one_of("status", MEETING_STATUSES), name="status"),
        CheckConstraint("slot_end IS NULL OR slot_end >= slot_start", name="slot"),
        UniqueConstraint(
            "event_id", "organisation_id", "counterpart_folded", "slot_start", name="uq_event_meetings_key"
        ),
        UniqueConstraint("event_id", "external_id", name="uq_event_meetings_external_id"),
        Index("ix_event_meetings_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("managed_events.id", ondelete="CASCADE"))
    #: Our firm (the participating firm, found by its 法人番号 when it has one).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    counterpart: Mapped[str] = mapped_column(String(400))
    #: The counterpart's name folded (法人格, widths, spaces), the key that finds the meeting again.
    counterpart_folded: Mapped[str] = mapped_column(String(400))
    slot_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    slot_end: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    #: The organiser's id of the meeting, when the list has one.
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyImportMapping(Base):
    """How a survey reads a form export: header → question code ('' = not imported), and per question code
    the export's labels → option codes.  Saved after each import and reused for the next file."""

    __tablename__ = "survey_import_mappings"
    __table_args__ = (
        CheckConstraint(one_of("source", FORM_SOURCES), name="source"),
        UniqueConstraint("survey_id", "source", name="uq_survey_import_mappings_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyImportKey(Base):
    """The export's key of an imported response (タイムスタンプ with its occurrence, or the Forms ID)."""

    __tablename__ = "survey_import_keys"
    __table_args__ = (
        CheckConstraint(one_of("source", FORM_SOURCES), name="source"),
        UniqueConstraint("survey_id", "source", "source_key", name="uq_survey_import_keys_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(200))
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), unique=True)
