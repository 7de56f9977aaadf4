"""What the staff pages read of seeds, needs and interviews (面談): a case's needs and interviews, one
interview, one seed.  Those who see cases only (:func:`~keikaku.services.platform.common.require_cases`);
opening an interview is an audit record, as opening its case is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import load, load_viewed, require_cases
from keikaku.storage import platform as store
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class NeedPublic:
    """A need, with the decisions taken on its suggested seeds (seed id → accepted / rejected)."""

    id: int
    case_id: int | None
    title: str
    description: str
    field: str | None
    phase: str | None
    decisions: dict[int, str]


@dataclass(frozen=True)
class SeedPublic:
    """A seed and its institution."""

    id: int
    title: str
    kind: str
    description: str
    field: str | None
    phase: str | None
    institution: str


@dataclass(frozen=True)
class InterviewPublic:
    """An interview linking a need and a seed."""

    id: int
    need_id: int
    need: str
    seed_id: int
    seed: str
    institution: str
    case_id: int | None
    on: dt.date
    status: str
    firm_participants: str
    institution_participants: str
    outcome: str | None


def _seed(session: Session, row: store.Seed) -> SeedPublic:
    institution = session.get(store.Institution, row.institution_id)
    return SeedPublic(
        row.id, row.title, row.kind, row.description, row.field, row.phase, institution.name if institution else ""
    )


def needs_of_case(case_id: int, *, actor: Actor, engine: Engine | None = None) -> list[NeedPublic]:
    """A case's needs, oldest first."""
    require_cases(actor)
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(select(store.Need).where(store.Need.case_id == case_id).order_by(store.Need.id)).all()
        decided = session.execute(
            select(store.MatchDecision.need_id, store.MatchDecision.seed_id, store.MatchDecision.decision).where(
                store.MatchDecision.need_id.in_([r.id for r in rows])
            )
        ).all()
        return [
            NeedPublic(
                r.id,
                r.case_id,
                r.title,
                r.description,
                r.field,
                r.phase,
                {seed: decision for need, seed, decision in decided if need == r.id},
            )
            for r in rows
        ]


def _interview(session: Session, row: store.Interview) -> InterviewPublic:
    need = session.get(store.Need, row.need_id)
    seed = session.get(store.Seed, row.seed_id)
    institution = session.get(store.Institution, seed.institution_id) if seed else None
    return InterviewPublic(
        row.id,
        row.need_id,
        need.title if need else "",
        row.seed_id,
        seed.title if seed else "",
        institution.name if institution else "",
        need.case_id if need else None,
        row.on,
        row.status,
        row.firm_participants,
        row.institution_participants,
        row.outcome,
    )


def interviews_of_case(case_id: int, *, actor: Actor, engine: Engine | None = None) -> list[InterviewPublic]:
    """The interviews of a case's needs, by date."""
    require_cases(actor)
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(
            select(store.Interview)
            .join(store.Need, store.Need.id == store.Interview.need_id)
            .where(store.Need.case_id == case_id)
            .order_by(store.Interview.on, store.Interview.id)
        ).all()
        return [_interview(session, r) for r in rows]


def get_interview(interview_id: int, *, actor: Actor, engine: Engine | None = None) -> InterviewPublic:
    """An interview; the view is an audit record."""
    require_cases(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        view = AuditAction.PLATFORM_INTERVIEW_VIEW
        row = load_viewed(session, actor, store.Interview, interview_id, action=view, object_type="platform_interview")
        return _interview(session, row)


def get_seed(seed_id: int, *, actor: Actor, engine: Engine | None = None) -> SeedPublic:
    """A seed (those who see cases: the needs ranked for it name firms' requirements)."""
    require_cases(actor)
    with read_session(ensure_schema(engine)) as session:
        return _seed(session, load(session, store.Seed, seed_id))


def institutions(*, engine: Engine | None = None) -> list[tuple[int, str]]:
    """(id, name) of the member institutions, by name (for the forms' choices)."""
    with read_session(ensure_schema(engine)) as session:
        return [
            (i, n)
            for i, n in session.execute(
                select(store.Institution.id, store.Institution.name).order_by(store.Institution.name)
            ).all()
        ]
