"""Publication: a plan, and a plan's evaluation of a fiscal year, are drafts until an administrator publishes
them; the public sees only what is published.  Council members comment on evaluations.

Who sees drafts (:func:`can_see_drafts`): administrators and council members see every plan and
evaluation; department editors and member-government contributors see draft plans (they enter the plans'
actuals) but only published evaluations; the public sees published plans and evaluations only.

Publication states are a history (``publications``, append-only): publishing or withdrawing adds a row,
the newest row wins, no row means draft.  Every change writes an audit record; withdrawing needs a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, Role, has_scope, is_admin, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import models as m
from keikaku.storage.accounts import (
    Comment,
    Publication,
    PublicationState,
    PublishedObject,
    newest_publication,
    newest_publication_ids,
)
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session, unit_of_work

ObjectType = Literal["plan", "evaluation"] | PublishedObject
State = Literal["draft", "published"] | PublicationState
MAX_COMMENT_LENGTH = 4000


@dataclass(frozen=True)
class PublicationPublic:
    """The publication state of a plan or of an evaluation, as of its newest change."""

    object_type: str
    object_id: int
    fiscal_year: int
    state: str
    changed_by: str | None
    changed_at: dt.datetime | None
    reason: str | None


@dataclass(frozen=True)
class CommentPublic:
    """A council member's comment on an evaluation."""

    id: int
    author: str
    fiscal_year: int
    plan_id: int
    project_id: int | None
    body: str
    created_at: dt.datetime


def can_see_drafts(actor: Actor, object_type: ObjectType) -> bool:
    """Whether ``actor`` may see unpublished plans (``"plan"``) or unpublished evaluations (``"evaluation"``)."""
    wanted = Permission.VIEW_DRAFT_PLANS if object_type == PublishedObject.PLAN else Permission.VIEW_DRAFT_EVALUATIONS
    return actor.can(wanted)


def _latest_rows(session: Session, object_type: ObjectType | None = None) -> list[Publication]:
    stmt = select(Publication).where(Publication.id.in_(newest_publication_ids()))
    if object_type is not None:
        stmt = stmt.where(Publication.object_type == object_type)
    return list(session.scalars(stmt.order_by(Publication.fiscal_year.desc(), Publication.object_id)))


def _latest(session: Session, object_type: ObjectType, object_id: int, fiscal_year: int) -> Publication | None:
    return session.scalar(newest_publication(object_type, object_id, fiscal_year))


def _plan_year(session: Session, plan_id: int) -> int:
    year = session.scalar(select(m.Plan.fiscal_year).where(m.Plan.id == plan_id))
    if year is None:
        raise NotFoundError(f"計画 {plan_id} は見つかりません")
    return int(year)


def is_published(session: Session, object_type: ObjectType, object_id: int, fiscal_year: int | None = None) -> bool:
    """Whether a plan (``fiscal_year`` defaults to the plan's) or an evaluation is published."""
    year = fiscal_year if fiscal_year is not None else _plan_year(session, object_id)
    row = _latest(session, object_type, object_id, year)
    return row is not None and row.state == PublicationState.PUBLISHED


def published_plan_ids(session: Session) -> set[int]:
    """The ids of every published plan."""
    return {
        row.object_id for row in _latest_rows(session, PublishedObject.PLAN) if row.state == PublicationState.PUBLISHED
    }


def published_evaluations(session: Session) -> set[tuple[int, int]]:
    """(plan id, fiscal year) of every published evaluation."""
    return {
        (row.object_id, row.fiscal_year)
        for row in _latest_rows(session, PublishedObject.EVALUATION)
        if row.state == PublicationState.PUBLISHED
    }


def visible_plan_ids(session: Session, actor: Actor) -> set[int] | None:
    """The plans ``actor`` may see: None when there is no restriction, else the published plans' ids.

    Services listing plans filter with it: ``ids = visible_plan_ids(s, actor); if ids is not None: stmt =
    stmt.where(Plan.id.in_(ids))``.
    """
    return None if can_see_drafts(actor, PublishedObject.PLAN) else published_plan_ids(session)


def can_see_evaluation(session: Session, actor: Actor, plan_id: int, fiscal_year: int) -> bool:
    """Whether ``actor`` may see the evaluation of ``plan_id`` for ``fiscal_year``."""
    return can_see_drafts(actor, PublishedObject.EVALUATION) or is_published(
        session, PublishedObject.EVALUATION, plan_id, fiscal_year
    )


def _append(  # noqa: PLR0917 - every column of the row, named at both call sites
    session: Session,
    actor: Actor,
    object_type: ObjectType,
    plan_id: int,
    year: int,
    state: State,
    reason: str | None,
    before: str,
    details: dict[str, object] | None = None,
) -> Publication:
    """Add a publication row and its audit record (the one way a state changes; ``details`` are audited)."""
    row = Publication(
        object_type=object_type,
        object_id=plan_id,
        fiscal_year=year,
        state=state,
        changed_by=actor.recorded_name,
        changed_at=dt.datetime.now(dt.UTC),
        reason=reason,
    )
    session.add(row)
    session.flush()
    action = AuditAction(f"{object_type}.{'publish' if state == PublicationState.PUBLISHED else 'unpublish'}")
    after = {"state": state, **(details or {})}
    audit.record(session, actor, action, object_type, f"{plan_id}/{year}", {"state": before}, after, reason)
    return row


def _set_state(  # noqa: PLR0917 - private, called with every argument named by its four wrappers
    actor: Actor,
    object_type: ObjectType,
    plan_id: int,
    fiscal_year: int | None,
    state: State,
    reason: str | None,
    engine: Engine | None,
    details: dict[str, object] | None = None,
) -> PublicationPublic:
    cleaned = audit.change_reason(reason)
    if state == PublicationState.DRAFT and cleaned is None:
        raise ValidationError("公開を取り下げる理由を入力してください")
    with unit_of_work(ensure_schema(engine)) as session:
        plan_year = _plan_year(session, plan_id)
        year = plan_year if object_type == PublishedObject.PLAN or fiscal_year is None else fiscal_year
        current = _latest(session, object_type, plan_id, year)
        before = current.state if current is not None else PublicationState.DRAFT
        row = current
        if before != state:
            row = _append(session, actor, object_type, plan_id, year, state, cleaned, before, details)
        return _public_state(row, object_type, plan_id, year)


def publish_loaded_plans(session: Session, actor: Actor, plans: Iterable[tuple[int, int]], reason: str) -> int:
    """Record plans (id, fiscal year) as published in the caller's transaction, audited like
    :func:`publish_plan_state`: for data loaded from documents that were made public already.  Returns how many
    changed (a plan already published is left as it is)."""
    changed = 0
    for plan_id, year in plans:
        current = _latest(session, PublishedObject.PLAN, plan_id, year)
        if current is not None and current.state == PublicationState.PUBLISHED:
            continue
        before = current.state if current is not None else PublicationState.DRAFT
        _append(session, actor, PublishedObject.PLAN, plan_id, year, PublicationState.PUBLISHED, reason, before)
        changed += 1
    return changed


def _public_state(row: Publication | None, object_type: str, object_id: int, year: int) -> PublicationPublic:
    if row is None:
        return PublicationPublic(object_type, object_id, year, PublicationState.DRAFT, None, None, None)
    return PublicationPublic(
        row.object_type, row.object_id, row.fiscal_year, row.state, row.changed_by, as_utc(row.changed_at), row.reason
    )


def publish_plan_state(
    actor: Actor, plan_id: int, *, reason: str | None = None, engine: Engine | None = None
) -> PublicationPublic:
    """Mark a plan published (administrators only); publishing a published plan changes nothing.

    Only the state: a revision that replaces a published plan must carry the year's records with it, so
    every entry point publishes through :func:`keikaku.services.publication.revisions.publish_plan`.
    """
    require_admin(actor, "計画の公開")
    return _set_state(actor, PublishedObject.PLAN, plan_id, None, PublicationState.PUBLISHED, reason, engine)


def unpublish_plan(actor: Actor, plan_id: int, *, reason: str, engine: Engine | None = None) -> PublicationPublic:
    """Withdraw a plan to draft (administrators only, with a reason)."""
    require_admin(actor, "計画の公開取り下げ")
    return _set_state(actor, PublishedObject.PLAN, plan_id, None, PublicationState.DRAFT, reason, engine)


def publish_evaluation(
    actor: Actor,
    plan_id: int,
    fiscal_year: int,
    *,
    reason: str | None = None,
    details: dict[str, object] | None = None,
    engine: Engine | None = None,
) -> PublicationPublic:
    """Publish the evaluation of a plan for a fiscal year (administrators only).

    The pages and the API go through :func:`keikaku.services.evaluations.publishing.publish_evaluation_checked`,
    which shows the coverage first and asks for a reason and a confirmation while it is incomplete;
    ``details`` (the coverage) is kept in the audit record.
    """
    require_admin(actor, "評価の公開")
    return _set_state(
        actor, PublishedObject.EVALUATION, plan_id, fiscal_year, PublicationState.PUBLISHED, reason, engine, details
    )


def unpublish_evaluation(
    actor: Actor, plan_id: int, fiscal_year: int, *, reason: str, engine: Engine | None = None
) -> PublicationPublic:
    """Withdraw an evaluation to draft (administrators only, with a reason)."""
    require_admin(actor, "評価の公開取り下げ")
    return _set_state(actor, PublishedObject.EVALUATION, plan_id, fiscal_year, PublicationState.DRAFT, reason, engine)


def publication_states(*, actor: Actor, engine: Engine | None = None) -> list[PublicationPublic]:
    """The current state of everything ever published or withdrawn (not shown to the public)."""
    if not can_see_drafts(actor, PublishedObject.EVALUATION):
        raise PermissionDeniedError("公開状況の一覧は管理者と推進会議の委員だけが見られます")
    with read_session(ensure_schema(engine)) as session:
        return [_public_state(row, row.object_type, row.object_id, row.fiscal_year) for row in _latest_rows(session)]


# -- council comments --------------------------------------------------------------------------------


def _public_comment(row: Comment) -> CommentPublic:
    return CommentPublic(
        row.id, row.author, row.fiscal_year, row.plan_id, row.project_id, row.body, as_utc(row.created_at)
    )


def add_comment(
    actor: Actor,
    plan_id: int,
    fiscal_year: int,
    body: str,
    *,
    project_id: int | None = None,
    engine: Engine | None = None,
) -> CommentPublic:
    """A council member (or an administrator) comments on the evaluation of a plan's year, or of one project."""
    allowed = is_admin(actor) or (Role.COUNCIL_MEMBER in actor.roles and has_scope(actor, "comment"))
    if not allowed:
        raise PermissionDeniedError("評価へのコメントは推進会議の委員と管理者だけが書けます")
    text = clean_text(body or "", "コメント", limit=MAX_COMMENT_LENGTH, field="body") or ""
    if not text:
        raise ValidationError("コメントを入力してください")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationError(f"コメントは {MAX_COMMENT_LENGTH} 文字以内にしてください")
    with unit_of_work(ensure_schema(engine)) as session:
        _plan_year(session, plan_id)
        if project_id is not None:
            owner = session.scalar(select(m.Project.plan_id).where(m.Project.id == project_id))
            if owner != plan_id:
                raise NotFoundError(f"計画 {plan_id} に事業 {project_id} はありません")
        row = Comment(
            author=actor.recorded_name,
            fiscal_year=fiscal_year,
            plan_id=plan_id,
            project_id=project_id,
            body=text,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        after = {"plan_id": plan_id, "fiscal_year": fiscal_year, "project_id": project_id, "body": text}
        audit.record(session, actor, AuditAction.COMMENT_CREATE, "comment", row.id, None, after)
        return _public_comment(row)


def list_comments(
    actor: Actor,
    plan_id: int,
    fiscal_year: int | None = None,
    *,
    project_id: int | None = None,
    engine: Engine | None = None,
) -> list[CommentPublic]:
    """Comments on a plan's evaluations, oldest first: for those who may see the evaluation, never the public."""
    if actor.is_public:
        raise PermissionDeniedError("推進会議のコメントは公開されていません")
    with read_session(ensure_schema(engine)) as session:
        stmt = select(Comment).where(Comment.plan_id == plan_id)
        if fiscal_year is not None:
            stmt = stmt.where(Comment.fiscal_year == fiscal_year)
        if project_id is not None:
            stmt = stmt.where(Comment.project_id == project_id)
        visible: dict[tuple[int, int], bool] = {}
        comments: list[CommentPublic] = []
        for row in session.scalars(stmt.order_by(Comment.id)):
            key = (row.plan_id, row.fiscal_year)
            if key not in visible:
                visible[key] = can_see_evaluation(session, actor, *key)
            if visible[key]:
                comments.append(_public_comment(row))
        return comments
