"""Tables for actual values, their evidence, qualitative judgements, evaluation settings and runs.

Every table here is append-only: a correction adds a row with the next ``version`` and says who, when
and why; earlier rows are never updated or deleted, so the history stays readable.  The current value
of a KPI for a fiscal year (and month) is the row with the highest version.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keikaku.storage.base import Base, utcnow

#: ``ActualValue.month`` for a value of the whole fiscal year.
WHOLE_YEAR = 0


class ActualAttachment(Base):
    """A file given as evidence for an actual value (a survey tally, a screenshot of access statistics)."""

    __tablename__ = "actual_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(400))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActualValue(Base):
    """One version of the actual value of a KPI for a fiscal year, or for one month of it.

    ``month`` is 0 for the whole year, else the calendar month (4 = April of the fiscal year, 1 = January
    of the next calendar year).  A share may be given as ``numerator`` and ``denominator``; ``value`` then
    holds the share in %.  ``reason`` says why a version replaced the one before it.
    """

    __tablename__ = "actual_values"
    __table_args__ = (
        UniqueConstraint("kpi_id", "fiscal_year", "month", "version", name="uq_actual_values_version"),
        CheckConstraint("month >= 0 AND month <= 12", name="month_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_actual_values_year", "fiscal_year", "kpi_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer, default=WHOLE_YEAR)
    version: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    measured_on: Mapped[dt.date | None] = mapped_column(Date)
    evidence_text: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("actual_attachments.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20), default="cli")
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attachment: Mapped[ActualAttachment | None] = relationship()


class QualitativeJudgement(Base):
    """One version of a qualitative judgement (達成/概ね達成/未達 with a rationale) of a KPI or a project.

    It decides where nothing can be computed: a KPI with no numeric target, or a project with no KPI.
    """

    __tablename__ = "qualitative_judgements"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        CheckConstraint("status IN ('達成', '概ね達成', '未達')", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_qualitative_judgements_year", "fiscal_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvaluationSettings(Base):
    """One version of a plan's evaluation thresholds (see ``keikaku.evaluation.types.Thresholds``).

    ``ratings`` is a list of ``[label, minimum score]`` pairs, highest first.  No row: the defaults apply.
    """

    __tablename__ = "evaluation_settings"
    __table_args__ = (
        UniqueConstraint("plan_id", "version", name="uq_evaluation_settings_version"),
        CheckConstraint("mostly_achieved > 0 AND mostly_achieved <= 1", name="mostly_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    mostly_achieved: Mapped[float] = mapped_column(Float)
    ratings: Mapped[list[Any]] = mapped_column(JSON)
    score_cap: Mapped[float] = mapped_column(Float, default=1.0)
    missing_as_zero: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvaluationRun(Base):
    """A recorded evaluation: who ran it, when, with which settings, and the resulting statuses."""

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_by: Mapped[str] = mapped_column(String(200))
    run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
