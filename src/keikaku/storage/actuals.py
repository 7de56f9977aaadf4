"""Tables for actual values, their evidence, qualitative judgements, evaluation settings and runs.

Every table here is append-only: a correction adds a row with the next ``version`` and says who, when
and why; earlier rows are never updated or deleted, so the history stays readable.  The current value
of a KPI for a fiscal year (and month) is the row with the highest version.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

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
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from keikaku.storage.base import Base, EnteredMixin, utcnow
from keikaku.storage.in_lists import in_chunks

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


class ActualValue(EnteredMixin, Base):
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
    # Found by uq_actual_values_version, which leads with it (a single-column index only cost every write).
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
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
    attachment: Mapped[ActualAttachment | None] = relationship()


class QualitativeJudgement(EnteredMixin, Base):
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


class EvaluationSettings(EnteredMixin, Base):
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


# -- queries (repositories never commit) --------------------------------------------------------------


def current_values(session: Session, kpi_ids: Iterable[int], fiscal_years: Iterable[int]) -> list[ActualValue]:
    """The current version of every actual value (whole year and months) of these KPIs and years."""
    ids = sorted(set(kpi_ids))
    years = sorted(set(fiscal_years))
    rows: list[ActualValue] = []
    for chunk in in_chunks(ids):
        latest = (
            select(
                ActualValue.kpi_id,
                ActualValue.fiscal_year,
                ActualValue.month,
                func.max(ActualValue.version).label("version"),
            )
            .where(ActualValue.kpi_id.in_(chunk), ActualValue.fiscal_year.in_(years))
            .group_by(ActualValue.kpi_id, ActualValue.fiscal_year, ActualValue.month)
            .subquery()
        )
        stmt = select(ActualValue).join(
            latest,
            and_(
                ActualValue.kpi_id == latest.c.kpi_id,
                ActualValue.fiscal_year == latest.c.fiscal_year,
                ActualValue.month == latest.c.month,
                ActualValue.version == latest.c.version,
            ),
        )
        rows.extend(session.scalars(stmt))
    return rows


def value_versions(session: Session, kpi_id: int, fiscal_year: int | None = None) -> list[ActualValue]:
    """Every version of a KPI's actual values (all years unless one is given), oldest first per period."""
    stmt = select(ActualValue).where(ActualValue.kpi_id == kpi_id).options(selectinload(ActualValue.attachment))
    if fiscal_year is not None:
        stmt = stmt.where(ActualValue.fiscal_year == fiscal_year)
    return list(session.scalars(stmt.order_by(ActualValue.fiscal_year, ActualValue.month, ActualValue.version)))


def next_version(session: Session, kpi_id: int, fiscal_year: int, month: int) -> int:
    """The version number the next value of this KPI, year and month gets."""
    latest = session.scalar(
        select(func.max(ActualValue.version)).where(
            ActualValue.kpi_id == kpi_id, ActualValue.fiscal_year == fiscal_year, ActualValue.month == month
        )
    )
    return (latest or 0) + 1


def current_judgements(
    session: Session, fiscal_year: int, kpi_ids: Iterable[int], project_ids: Iterable[int]
) -> list[QualitativeJudgement]:
    """The current version of every qualitative judgement of these KPIs and projects for the year."""
    kpis, projects = set(kpi_ids), set(project_ids)
    rows = session.scalars(
        select(QualitativeJudgement)
        .where(QualitativeJudgement.fiscal_year == fiscal_year)
        .order_by(QualitativeJudgement.version)
    ).all()
    latest: dict[tuple[str, int], QualitativeJudgement] = {}
    for row in rows:
        if row.kpi_id is not None and row.kpi_id in kpis:
            latest[("kpi", row.kpi_id)] = row
        elif row.project_id is not None and row.project_id in projects:
            latest[("project", row.project_id)] = row
    return list(latest.values())


def judgement_version(session: Session, fiscal_year: int, kpi_id: int | None, project_id: int | None) -> int:
    """The version number the next judgement of this KPI or project for the year gets."""
    stmt = select(func.max(QualitativeJudgement.version)).where(QualitativeJudgement.fiscal_year == fiscal_year)
    if kpi_id is not None:
        stmt = stmt.where(QualitativeJudgement.kpi_id == kpi_id)
    else:
        stmt = stmt.where(QualitativeJudgement.project_id == project_id)
    return (session.scalar(stmt) or 0) + 1


def current_settings(session: Session, plan_ids: Iterable[int]) -> dict[int, EvaluationSettings]:
    """The latest evaluation settings of each plan that has any."""
    rows = session.scalars(
        select(EvaluationSettings)
        .where(EvaluationSettings.plan_id.in_(sorted(set(plan_ids))))
        .order_by(EvaluationSettings.version)
    ).all()
    return {row.plan_id: row for row in rows}


class ValueRow(NamedTuple):
    """What the evaluation reads of an actual value (a plain row; evidence and authorship are not needed)."""

    kpi_id: int
    fiscal_year: int
    month: int
    version: int
    value: float
    measured_on: dt.date | None = None


_VALUE_COLUMNS = (
    ActualValue.kpi_id,
    ActualValue.fiscal_year,
    ActualValue.month,
    ActualValue.version,
    ActualValue.value,
)


def current_value_rows(session: Session, kpi_ids: Select[Any], fiscal_year: int) -> list[ValueRow]:
    """The current version of each actual value of one fiscal year, for the KPIs ``kpi_ids`` selects.

    Every version is read (most periods have one) and the highest kept: cheaper than a grouped self-join.
    """
    stmt = select(*_VALUE_COLUMNS).where(ActualValue.fiscal_year == fiscal_year, ActualValue.kpi_id.in_(kpi_ids))
    latest: dict[tuple[int, int], ValueRow] = {}
    rows: Any = session.connection().execute(stmt).all()  # Core rows, fetched at once: no ORM bookkeeping
    for values in rows:
        row = ValueRow(*values)
        key = (row.kpi_id, row.month)
        kept = latest.get(key)
        if kept is None or row.version > kept.version:
            latest[key] = row
    return list(latest.values())


class ValueDetail(NamedTuple):
    """The current version of an actual value with its evidence and authorship (for reports)."""

    kpi_id: int
    fiscal_year: int
    month: int
    version: int
    value: float
    measured_on: dt.date | None
    evidence_text: str | None
    evidence_url: str | None
    entered_by: str
    entered_at: dt.datetime


_DETAIL_COLUMNS = (
    ActualValue.kpi_id,
    ActualValue.fiscal_year,
    ActualValue.month,
    ActualValue.version,
    ActualValue.value,
    ActualValue.measured_on,
    ActualValue.evidence_text,
    ActualValue.evidence_url,
    ActualValue.entered_by,
    ActualValue.entered_at,
)


def current_value_details(session: Session, kpi_ids: Sequence[int], fiscal_year: int) -> list[ValueDetail]:
    """The current version of each actual value of these KPIs for the year, with evidence and authorship."""
    latest: dict[tuple[int, int], ValueDetail] = {}
    ids = sorted(set(kpi_ids))
    for chunk in in_chunks(ids):
        stmt = select(*_DETAIL_COLUMNS).where(ActualValue.fiscal_year == fiscal_year, ActualValue.kpi_id.in_(chunk))
        for values in session.execute(stmt).all():
            row = ValueDetail._make(values)
            kept = latest.get((row.kpi_id, row.month))
            if kept is None or row.version > kept.version:
                latest[(row.kpi_id, row.month)] = row
    return list(latest.values())
