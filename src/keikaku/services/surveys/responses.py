"""Questionnaires of events and their responses: the public link, paper questionnaires keyed in by staff,
and the results (counts for everyone, free text for the owning department's staff only)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import PUBLIC, Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import required_text
from keikaku.services.events.manage import load_event
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.follow import ANSWERS, follow_records
from keikaku.services.surveys.bank import QuestionPublic, check_answer, ensure_standard_questions, public
from keikaku.storage import events as event_store
from keikaku.storage import platform as platform_store
from keikaku.storage import surveys as store
from keikaku.storage.uow import hold_write_lock, read_session, unit_of_work


@dataclass(frozen=True)
class SurveyPublic:
    """A questionnaire with its questions, in order."""

    id: int
    event_id: int | None
    event_name: str
    title: str
    token: str
    is_open: bool
    questions: tuple[QuestionPublic, ...]
    required: frozenset[int]


def _survey(session: Session, row: store.Survey) -> SurveyPublic:
    event = session.get(event_store.ManagedEvent, row.event_id) if row.event_id is not None else None
    items = session.execute(
        select(store.SurveyItem, store.Question)
        .join(store.Question, store.Question.id == store.SurveyItem.question_id)
        .where(store.SurveyItem.survey_id == row.id)
        .order_by(store.SurveyItem.position)
    ).all()
    return SurveyPublic(
        row.id,
        row.event_id,
        event.name if event else "",
        row.title,
        row.public_token,
        row.is_open,
        tuple(public(q) for _i, q in items),
        frozenset(q.id for i, q in items if i.required),
    )


def create_survey(
    event_id: int, title: str, question_codes: Sequence[str], *, actor: Actor, engine: Engine | None = None
) -> SurveyPublic:
    """Build a questionnaire of an event from questions of the bank (the standard ones are always there)."""
    with unit_of_work(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
        row = add_survey(
            session, title.strip() or f"{event.name} 参加者アンケート", question_codes, actor=actor, event_id=event_id
        )
        return _survey(session, row)


def add_survey(
    session: Session,
    title: str,
    question_codes: Sequence[str],
    *,
    actor: Actor,
    event_id: int | None = None,
    department: str | None = None,
) -> store.Survey:
    """Add a questionnaire from questions of the bank in the caller's transaction: of an event, or of no
    event and owned by ``department`` (a newsletter issue's; the caller checks the actor may)."""
    bank = ensure_standard_questions(session)
    name = required_text(title, "アンケート名", limit=400, field="title")
    unknown = [c for c in question_codes if c not in bank]
    if unknown or not question_codes:
        raise ValidationError(f"設問「{unknown[0]}」は設問バンクにありません" if unknown else "設問を選んでください")
    row = store.Survey(
        event_id=event_id,
        department=None if event_id is not None else department,
        title=name,
        public_token=secrets.token_urlsafe(18),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    for position, code in enumerate(dict.fromkeys(question_codes)):
        session.add(store.SurveyItem(survey_id=row.id, question_id=bank[code].id, position=position))
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.SURVEY_CREATE,
        "survey",
        row.id,
        None,
        {"event": event_id, "department": row.department, "questions": list(question_codes)},
    )
    return row


def _owner(session: Session, row: store.Survey) -> tuple[str, bool]:
    """The survey's owning department, and whether the public may see it (its event is published; a
    survey without an event is reached by its secret link, which its owner shows once published)."""
    if row.event_id is None:
        return row.department or "", True
    event, _year = load_event(session, row.event_id)
    return event.department, event.published


def _not_found(survey_id: int) -> NotFoundError:
    return NotFoundError(f"アンケート {survey_id} は見つかりません", code="survey_not_found")


def _owned_survey(session: Session, survey_id: int) -> tuple[store.Survey, str, bool]:
    """A survey by its id, with its owning department and whether the public may see it (:func:`_owner`)."""
    row = session.get(store.Survey, survey_id)
    if row is None:
        raise _not_found(survey_id)
    department, public = _owner(session, row)
    return row, department, public


def survey_by_token(token: str, *, engine: Engine | None = None) -> SurveyPublic:
    """The questionnaire of a public link (its event must be published)."""
    with read_session(ensure_schema(engine)) as session:
        row = session.scalar(select(store.Survey).where(store.Survey.public_token == token))
        if row is None or not _owner(session, row)[1]:
            raise NotFoundError("アンケートが見つかりません", code="survey_not_found")
        return _survey(session, row)


def get_survey(survey_id: int, *, actor: Actor, engine: Engine | None = None) -> SurveyPublic:
    """A questionnaire, for those who manage its event."""
    with read_session(ensure_schema(engine)) as session:
        row, department, _public = _owned_survey(session, survey_id)
        permission = Permission.MANAGE_EVENTS if row.event_id is not None else Permission.MANAGE_COMMUNICATIONS
        require(actor, permission, departments=[department])
        return _survey(session, row)


def _store_response(
    session: Session,
    actor: Actor,
    survey: SurveyPublic,
    answers: Mapping[int, list[str]],
    *,
    channel: str,
    registration_id: int | None,
    entered_by: str | None,
) -> int:
    """Store a response (its answers checked), record it in the audit trail and recompute what counts it."""
    checked = []
    for question in survey.questions:
        codes, number, text = check_answer(question, answers.get(question.id, []))
        if question.id in survey.required and not (codes or number is not None or text):
            raise ValidationError(
                f"「{question.text}」にお答えください", details={"fields": {f"q{question.id}": "必須"}}
            )
        checked.append((question, codes, number, text))
    response = store.SurveyResponse(
        survey_id=survey.id,
        registration_id=registration_id,
        channel=channel,
        entered_by=entered_by,
        submitted_at=dt.datetime.now(dt.UTC),
    )
    session.add(response)
    session.flush()
    for question, codes, number, text in checked:
        for code in codes:
            session.add(store.SurveyAnswer(response_id=response.id, question_id=question.id, option_code=code))
        if number is not None or text:
            session.add(store.SurveyAnswer(response_id=response.id, question_id=question.id, number=number, text=text))
    after = {"survey": survey.id, "channel": channel}
    audit.record(session, actor, AuditAction.SURVEY_RESPOND, "survey_response", response.id, None, after)
    follow_records(session, ANSWERS, survey_ids=[survey.id])
    return response.id


def _answered_case_survey(session: Session, survey_id: int) -> bool:
    """Whether the survey is a closed case's (its link goes to that one firm) and has been answered: such a
    survey takes one answer, so that the link passed on cannot weigh 利用満足度."""
    case = select(platform_store.Consultation.id).where(platform_store.Consultation.survey_id == survey_id)
    if session.scalar(case.with_for_update()) is None:  # PostgreSQL: answers to one case's survey queue here
        return False
    answered = store.count_responses(session, store.SurveyResponse.survey_id == survey_id)
    return bool(answered)


def submit_public_response(
    token: str, answers: Mapping[int, list[str]], *, invitation: str | None = None, engine: Engine | None = None
) -> int:
    """Store a response from the public link; with an invitation (a registration's token), one per person."""
    survey = survey_by_token(token, engine=engine)
    if not survey.is_open:
        raise ConflictError("このアンケートは締め切りました", code="survey_closed")
    with unit_of_work(ensure_schema(engine)) as session:
        hold_write_lock(session)  # SQLite: a second answer waits for the first and then sees it
        registration_id = None
        if invitation:
            reg = session.scalar(select(event_store.Registration).where(event_store.Registration.token == invitation))
            if reg is None or reg.event_id != survey.event_id:
                raise NotFoundError("招待コードが正しくありません", code="invitation_not_found")
            taken = store.count_responses(session, store.SurveyResponse.registration_id == reg.id)
            if taken:
                raise ConflictError("このご招待では既に回答いただいています", code="already_answered")
            registration_id = reg.id
        elif _answered_case_survey(session, survey.id):
            raise ConflictError("このアンケートには既に回答いただいています", code="already_answered")
        return _store_response(
            session, PUBLIC, survey, answers, channel="public", registration_id=registration_id, entered_by=None
        )


def enter_paper_response(
    survey_id: int, answers: Mapping[int, list[str]], *, actor: Actor, engine: Engine | None = None
) -> int:
    """Key in a paper questionnaire (staff who manage the event)."""
    survey = get_survey(survey_id, actor=actor, engine=engine)
    with unit_of_work(ensure_schema(engine)) as session:
        return _store_response(
            session, actor, survey, answers, channel="staff", registration_id=None, entered_by=actor.recorded_name
        )


@dataclass(frozen=True)
class QuestionResult:
    """Counts of one question: per option code (with labels), answered and blank; free text for staff."""

    question: QuestionPublic
    counts: tuple[tuple[str, str, int], ...]
    answered: int
    blanks: int
    texts: tuple[str, ...] | None


@dataclass(frozen=True)
class SurveyResults:
    """The results of a questionnaire."""

    survey: SurveyPublic
    responses: int
    questions: tuple[QuestionResult, ...]


def survey_results(survey_id: int, *, actor: Actor, engine: Engine | None = None) -> SurveyResults:
    """Counts per question (everyone who may see the event); free text only for its staff."""
    with read_session(ensure_schema(engine)) as session:
        row, department, published = _owned_survey(session, survey_id)
        staff = actor.can(Permission.VIEW_PERSONAL_DATA, departments=[department])
        if not published and not staff:
            raise _not_found(survey_id)
        survey = _survey(session, row)
        total = store.count_responses(session, store.SurveyResponse.survey_id == survey_id)
        answers = session.execute(
            select(
                store.SurveyAnswer.question_id,
                store.SurveyAnswer.response_id,
                store.SurveyAnswer.option_code,
                store.SurveyAnswer.text,
            )
            .join(store.SurveyResponse, store.SurveyResponse.id == store.SurveyAnswer.response_id)
            .where(store.SurveyResponse.survey_id == survey_id)
        ).all()
        results = []
        for q in survey.questions:
            mine = [a for a in answers if a.question_id == q.id]
            answered = len({a.response_id for a in mine})
            counts = tuple((c, label, sum(1 for a in mine if a.option_code == c)) for c, label in q.options)
            texts = tuple(a.text for a in mine if a.text) if staff else None
            results.append(QuestionResult(q, counts, answered, total - answered, texts))
        return SurveyResults(survey, total, tuple(results))


def surveys_of_event(event_id: int, *, engine: Engine | None = None) -> list[SurveyPublic]:
    """The questionnaires of an event."""
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(select(store.Survey).where(store.Survey.event_id == event_id).order_by(store.Survey.id))
        return [_survey(session, r) for r in rows]
