"""The newsletter 「from NOW ON KANSAI」: its issues (number, date, theme, print run, subscribers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import required_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.surveys.responses import add_survey
from keikaku.storage import communications as store
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class IssuePublic:
    """An issue of the newsletter."""

    id: int
    number: int
    issue_date: dt.date
    theme: str
    copies: int | None
    subscribers: int | None
    published: bool


def _count(raw: str, label: str) -> int | None:
    text = raw.strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(f"{label}は 0 以上の整数で入力してください（{raw[:20]}）")
    return int(text)


def add_issue(
    number: str,
    issue_date: str,
    theme: str,
    department: str,
    *,
    copies: str = "",
    subscribers: str = "",
    published: bool = False,
    actor: Actor,
    engine: Engine | None = None,
) -> IssuePublic:
    """Record an issue (its number is unique)."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    num = _count(number, "号数")
    if not num:
        raise ValidationError("号数を入力してください", details={"fields": {"number": "必須"}})
    try:
        day = dt.date.fromisoformat(issue_date.strip())
    except ValueError as exc:
        raise ValidationError("発行日は 2026-07-01 の形で入力してください") from exc
    title = required_text(theme, "テーマ", limit=400, field="theme")
    with unit_of_work(ensure_schema(engine)) as session:
        if session.scalar(select(store.NewsletterIssue.id).where(store.NewsletterIssue.number == num)):
            raise ConflictError(f"第{num}号は登録済みです", code="issue_exists")
        row = store.NewsletterIssue(
            number=num,
            issue_date=day,
            theme=title,
            copies=_count(copies, "発行部数"),
            subscribers=_count(subscribers, "購読者数"),
            department=department,
            published=published,
            created_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, AuditAction.NEWSLETTER_ADD_ISSUE, "newsletter_issue", row.id, None, {"number": num}
        )
        return _public(row)


def _public(row: store.NewsletterIssue) -> IssuePublic:
    return IssuePublic(row.id, row.number, row.issue_date, row.theme, row.copies, row.subscribers, row.published)


def list_issues(*, viewer: Actor, engine: Engine | None = None) -> list[IssuePublic]:
    """The issues, newest first: published ones for everyone, all for the owning department's staff."""
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(select(store.NewsletterIssue).order_by(store.NewsletterIssue.number.desc())).all()
        return [
            _public(r)
            for r in rows
            if r.published or viewer.can(Permission.MANAGE_COMMUNICATIONS, departments=[r.department])
        ]


#: The reader survey's questions of the bank: satisfaction (5-point) and a free comment.
READER_QUESTIONS = ("reader5", "comment")


def add_reader_survey(issue_id: int, *, actor: Actor, engine: Engine | None = None) -> str:
    """Give an issue its reader survey (a survey of the surveys package, owned by the issue's department);
    the secret token of its public link."""
    with unit_of_work(ensure_schema(engine)) as session:
        row = session.get(store.NewsletterIssue, issue_id)
        if row is None:
            raise NotFoundError(f"情報紙 {issue_id} は見つかりません", code="issue_not_found")
        require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[row.department])
        if row.survey_id is not None:
            raise ConflictError(f"第{row.number}号には読者アンケートがあります", code="survey_exists")
        survey = add_survey(
            session,
            f"「from NOW ON KANSAI」第{row.number}号 読者アンケート",
            READER_QUESTIONS,
            actor=actor,
            department=row.department,
        )
        row.survey_id = survey.id
        audit.record(
            session, actor, AuditAction.NEWSLETTER_ADD_SURVEY, "newsletter_issue", row.id, None, {"survey": survey.id}
        )
        return survey.public_token


@dataclass(frozen=True)
class IssuePage:
    """An issue with the public link of its reader survey (once published) and the survey's id for staff."""

    issue: IssuePublic
    survey_token: str | None
    survey_id: int | None


def issue_page(issue_id: int, *, viewer: Actor, engine: Engine | None = None) -> IssuePage:
    """An issue (published, or any for its department's staff) and its reader survey."""
    with read_session(ensure_schema(engine)) as session:
        row = session.get(store.NewsletterIssue, issue_id)
        staff = row is not None and viewer.can(Permission.MANAGE_COMMUNICATIONS, departments=[row.department])
        if row is None or not (row.published or staff):
            raise NotFoundError(f"情報紙 {issue_id} は見つかりません", code="issue_not_found")
        survey = session.get(survey_store.Survey, row.survey_id) if row.survey_id else None
        token = survey.public_token if survey is not None and row.published else None
        return IssuePage(_public(row), token, survey.id if survey is not None and staff else None)
