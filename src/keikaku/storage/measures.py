"""Tables of KPI measures: which records a KPI counts, and every computation of its actual from them.

A :class:`KpiMeasure` is versioned (a change adds a row); the current one is the highest version.  Each
computation leaves a :class:`ComputedActual` with what it found (n, blanks, records); when it became the
KPI's actual, ``actual_value_id`` names the actual version it added.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
    insert,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from keikaku.storage.base import Base, CreatedByMixin, one_of, utcnow

EVENT_KINDS = (
    "attended_people",
    "attended_person_days",
    "registrations",
    "answer_share",
    # over the organiser's meeting lists of the events (``event_meetings``)
    "meetings_held",
    "meeting_firms",
)
#: The kinds counted over the co-creation platform's records (issue 13), for the KPI's fiscal year; no events.
PLATFORM_KINDS = (
    "platform_cases",
    "platform_firms",
    "platform_matchings",
    "platform_interviews_held",
    "platform_satisfaction",
    "labsearch_accesses",
)
#: Kinds over the communications records (issue 14); their options are in ``params``.
COMMUNICATION_KINDS = (
    "web_views",
    "web_sessions",
    "listings",
    "posts",
    "pr_items",
    "newsletter_issues",
    "newsletter_subscribers",
    "newsletter_satisfaction",
    "directory_entries",
    "ranking",
    "events_held",
)
#: Not a measure: the KPI is typed by hand on purpose (its records are outside keikaku).
HAND_ENTERED = "hand_entered"
MEASURE_KINDS = (*EVENT_KINDS, *PLATFORM_KINDS, *COMMUNICATION_KINDS, HAND_ENTERED)
KIND_CHECK = one_of("kind", MEASURE_KINDS)


class KpiMeasure(CreatedByMixin, Base):
    """One version of a KPI's measure: its kind, the events, and for a share the survey question and codes."""

    __tablename__ = "kpi_measures"
    __table_args__ = (
        UniqueConstraint("kpi_id", "version", name="uq_kpi_measures_version"),
        CheckConstraint(KIND_CHECK, name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(30))
    event_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"))
    codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Options of a communications kind: the property and page prefixes, the medium, the directory…
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class KpiMeasureEvent(Base):
    """An event a measure version counts: its ``event_ids`` as rows, written with it, so that a write of an
    event's records finds the measures over that event by an index (:mod:`keikaku.services.measures.follow`)."""

    __tablename__ = "kpi_measure_events"

    measure_id: Mapped[int] = mapped_column(ForeignKey("kpi_measures.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


@event.listens_for(KpiMeasure, "after_insert")
def _index_events(_mapper: Mapper[KpiMeasure], connection: Connection, target: KpiMeasure) -> None:
    """Every measure version written through the ORM gets its events' rows in the same transaction."""
    ids = sorted({int(e) for e in target.event_ids or []})
    if ids:
        rows = [{"measure_id": target.id, "event_id": e} for e in ids]
        connection.execute(insert(KpiMeasureEvent.__table__), rows)  # type: ignore[arg-type]


class ComputedActual(Base):
    """One computation of a KPI's actual for a fiscal year from its measure's records."""

    __tablename__ = "computed_actuals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("kpi_measures.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    records: Mapped[int] = mapped_column(Integer)
    blanks: Mapped[int | None] = mapped_column(Integer)
    response_rate: Mapped[float | None] = mapped_column(Float)
    #: What happened to the KPI's actual: 'recorded' (a new version), 'unchanged', 'kept_entered' (a
    #: hand-entered value differs and stays), 'locked' (the year is locked).
    outcome: Mapped[str] = mapped_column(String(20))
    actual_value_id: Mapped[int | None] = mapped_column(ForeignKey("actual_values.id", ondelete="SET NULL"))
    computed_by: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
