"""Tables of surveys: the question bank, questionnaires built from it, responses and their answers.

An option is stored by its stable ``code`` (the label may be renamed without splitting statistics); a
multiple-choice answer is one row per chosen code.
"""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from keikaku.storage.base import Base, CreatedByMixin, utcnow

QUESTION_KINDS = ("scale5", "single", "multiple", "number", "text")


class Question(Base):
    """A question of the bank; ``options`` is a list of ``{"code": …, "label": …}`` for the choice kinds."""

    __tablename__ = "survey_questions"
    __table_args__ = (CheckConstraint("kind IN ('scale5', 'single', 'multiple', 'number', 'text')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    text: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(10))
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Survey(CreatedByMixin, Base):
    """A questionnaire of an event, or of no event (a newsletter issue's reader survey) owned by ``department``;
    ``public_token`` is the secret part of its public link."""

    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("event_id IS NOT NULL OR department IS NOT NULL", name="owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("managed_events.id", ondelete="CASCADE"), index=True)
    #: The owning department of a survey without an event (an event's survey is its event's department's).
    department: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)


class SurveyItem(Base):
    """A question asked by a survey, in order."""

    __tablename__ = "survey_items"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyResponse(Base):
    """One filled-in questionnaire: from the public link, or keyed in by staff from paper."""

    __tablename__ = "survey_responses"
    __table_args__ = (CheckConstraint("channel IN ('public', 'staff', 'import')", name="channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: The respondent's registration, when known (personal data: unlinked on erasure).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_registrations.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    entered_by: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def count_responses(session: Session, *where: sa.ColumnElement[bool]) -> int:
    """How many responses match ``where`` (``SurveyResponse.survey_id == 3``, ``….survey_id.in_(subquery)``)."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse).where(*where)) or 0)


class SurveyAnswer(Base):
    """An answer to one question: an option code, a number or a text (free text is shown to staff only)."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_response_question_option", "response_id", "question_id", "option_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"), index=True)
    option_code: Mapped[str | None] = mapped_column(String(60))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
