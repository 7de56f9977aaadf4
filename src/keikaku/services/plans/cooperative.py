"""Member governments' cooperative projects (協調事業) of a plan: listing, adding, changing, removing.

A cooperative project is owned by its member government the way a project is owned by its departments:
``manage_cooperative`` on that government (a member-government contributor for their own, an
administrator for any).  Every change is one transaction with one audit record and a reason, with
optimistic locking through the state token, as in :mod:`keikaku.services.plans.edit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.edit import MAX_NAME, check_state, clean_field, required_reason, state_token
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class CooperativeInput:
    """A member government's cooperative project."""

    name: str
    member_government: str
    challenge: int | None = None
    field: str | None = None


@dataclass(frozen=True)
class CooperativePublic:
    """A cooperative project as services hand it out."""

    id: int
    plan_id: int
    name: str
    member_government: str | None
    challenge: int | None
    field: str | None
    state: str


COOPERATIVE_FIELDS = ("name", "member_government", "challenge", "field")


def _coop_values(row: m.CooperativeProject) -> dict[str, Any]:
    return {name: getattr(row, name) for name in COOPERATIVE_FIELDS}


def _coop_public(row: m.CooperativeProject) -> CooperativePublic:
    return CooperativePublic(
        row.id, row.plan_id, row.name, row.member_government, row.challenge, row.field, state_token(_coop_values(row))
    )


def _clean_coop(data: CooperativeInput) -> dict[str, Any]:
    if data.challenge is not None and not 1 <= data.challenge <= 99:
        raise ValidationError("関西チャレンジの番号が正しくありません", details={"fields": {"challenge": "範囲外"}})
    return {
        "name": clean_field(data.name, "name", MAX_NAME, required=True),
        "member_government": clean_field(data.member_government, "member_government", 100, required=True),
        "challenge": data.challenge,
        "field": clean_field(data.field, "field", 200) or None,
    }


def list_cooperative_projects(plan_id: int, *, viewer: Actor, engine: Engine | None = None) -> list[CooperativePublic]:
    """A plan's cooperative projects in the plan's order (not found when ``viewer`` may not see the plan)."""
    with read_session(ensure_schema(engine)) as session:
        visibility_for(viewer).ensure_plan_visible(session, plan_id)
        stmt = select(m.CooperativeProject).where(m.CooperativeProject.plan_id == plan_id)
        rows = session.scalars(stmt.order_by(m.CooperativeProject.position, m.CooperativeProject.id))
        return [_coop_public(row) for row in rows]


def add_cooperative_project(
    plan_id: int, data: CooperativeInput, *, actor: Actor, reason: str | None = None, engine: Engine | None = None
) -> CooperativePublic:
    """Add a cooperative project to a plan (a contributor only for their own member government)."""
    values = _clean_coop(data)
    with unit_of_work(ensure_schema(engine)) as session:
        if session.get(m.Plan, plan_id) is None:
            raise NotFoundError(f"計画 {plan_id} は見つかりません")
        require(actor, Permission.MANAGE_COOPERATIVE, departments=[values["member_government"]])
        position = session.scalar(
            select(func.coalesce(func.max(m.CooperativeProject.position), -1)).where(
                m.CooperativeProject.plan_id == plan_id
            )
        )
        row = m.CooperativeProject(plan_id=plan_id, position=int(position or 0) + 1, **values)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.COOPERATIVE_CREATE,
            "cooperative_project",
            row.id,
            None,
            _coop_values(row),
            reason,
        )
        return _coop_public(row)


def update_cooperative_project(
    cooperative_id: int,
    data: CooperativeInput,
    *,
    actor: Actor,
    reason: str | None,
    expected_state: str | None = None,
    engine: Engine | None = None,
) -> CooperativePublic:
    """Change a cooperative project; a contributor may neither touch another government's nor hand theirs over."""
    why = required_reason(reason)
    values = _clean_coop(data)
    with unit_of_work(ensure_schema(engine)) as session:
        row = session.get(m.CooperativeProject, cooperative_id)
        if row is None:
            raise NotFoundError(f"協調事業 {cooperative_id} は見つかりません")
        require(actor, Permission.MANAGE_COOPERATIVE, departments=[row.member_government or ""])
        require(actor, Permission.MANAGE_COOPERATIVE, departments=[values["member_government"]])
        before = _coop_values(row)
        check_state("協調事業", before, expected_state)
        for name, value in values.items():
            setattr(row, name, value)
        old, new = audit.changed(before, _coop_values(row))
        if old or new:
            session.flush()
            audit.record(session, actor, AuditAction.COOPERATIVE_UPDATE, "cooperative_project", row.id, old, new, why)
        return _coop_public(row)


def remove_cooperative_project(
    cooperative_id: int,
    *,
    actor: Actor,
    reason: str | None,
    expected_state: str | None = None,
    engine: Engine | None = None,
) -> None:
    """Remove a cooperative project; its last state stays in the audit trail with the reason."""
    why = required_reason(reason)
    with unit_of_work(ensure_schema(engine)) as session:
        row = session.get(m.CooperativeProject, cooperative_id)
        if row is None:
            raise NotFoundError(f"協調事業 {cooperative_id} は見つかりません")
        require(actor, Permission.MANAGE_COOPERATIVE, departments=[row.member_government or ""])
        before = _coop_values(row)
        check_state("協調事業", before, expected_state)
        audit.record(
            session,
            actor,
            AuditAction.COOPERATIVE_REMOVE,
            "cooperative_project",
            row.id,
            {**before, "plan_id": row.plan_id, "position": row.position},
            None,
            why,
        )
        session.delete(row)
