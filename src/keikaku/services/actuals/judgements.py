"""Qualitative judgements: 達成 / 概ね達成 / 未達 with a written rationale, where nothing can be computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.evaluation.types import JUDGED, Status
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals import periods
from keikaku.services.actuals.record import actor_name
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.kpis import current_plans, find_kpi
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.uow import unit_of_work


@dataclass(frozen=True)
class JudgementInput:
    """A judgement of a KPI (id or indicator) or of a project or component (id or name) for a fiscal year."""

    fiscal_year: int
    status: str
    rationale: str
    kpi: int | str | None = None
    project: int | str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class JudgementPublic:
    """A recorded judgement version."""

    id: int
    subject: str
    fiscal_year: int
    version: int
    status: Status
    rationale: str
    reason: str | None
    entered_by: str
    entered_at: dt.datetime


def _project(session: Session, fiscal_year: int, query: str) -> m.Project:
    plan_ids = [p.id for p in current_plans(session, fiscal_year)]
    text = normalize_text(query).strip()
    stmt = select(m.Project).where(m.Project.plan_id.in_(plan_ids))
    rows = session.scalars(stmt).all()
    found = [p for p in rows if str(p.id) == text] or [
        p for p in rows if text in normalize_text(p.name) or (p.title and text in normalize_text(p.title))
    ]
    if not found:
        raise NotFoundError(f"{fiscal_year}年度の計画に事業「{text}」はありません", code="project_not_found")
    if len(found) > 1:
        listed = "、".join(f"{p.id}: {p.name}" for p in found[:10])
        raise ValidationError(f"「{text}」に当てはまる事業が複数あります（{listed}）", code="project_ambiguous")
    return found[0]


def set_judgement(data: JudgementInput, *, actor: Actor, engine: Engine | None = None) -> JudgementPublic:
    """Record a qualitative judgement (a new version when one exists; ``reason`` then required).

    The actor needs the ``record_actual`` permission for the KPI's or project's departments.
    """
    who = actor_name(actor)
    status = next((s for s in JUDGED if s.value == normalize_text(data.status).strip()), None)
    if status is None:
        raise ValidationError("定性判定は 達成・概ね達成・未達 のいずれかで指定してください", code="invalid_status")
    if not data.rationale.strip():
        raise ValidationError("定性判定には理由（根拠）を書いてください", code="rationale_missing")
    if (data.kpi is None) == (data.project is None):
        raise ValidationError("KPI か事業のどちらか一方を指定してください", code="subject_missing")
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        kpi_id = project_id = None
        if data.kpi is not None:
            ref = find_kpi(session, data.fiscal_year, str(data.kpi))
            require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
            kpi_id, subject, plan_id = ref.id, ref.label, ref.plan_id
        else:
            project = _project(session, data.fiscal_year, str(data.project))
            require(actor, Permission.RECORD_ACTUAL, departments=project.department_names)
            project_id, subject, plan_id = project.id, f"事業「{project.name}」", project.plan_id
        periods.ensure_open(session, data.fiscal_year, plan_id)
        version = store.judgement_version(session, data.fiscal_year, kpi_id, project_id)
        if version > 1 and not (data.reason or "").strip():
            raise ValidationError(f"{subject}には既に定性判定があります。訂正する場合は理由を指定してください")
        row = store.QualitativeJudgement(
            kpi_id=kpi_id,
            project_id=project_id,
            fiscal_year=data.fiscal_year,
            version=version,
            status=status.value,
            rationale=data.rationale.strip(),
            reason=(data.reason or "").strip() or None,
            entered_by=who,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.JUDGEMENT_CORRECT if version > 1 else AuditAction.JUDGEMENT_SET,
            "qualitative_judgement",
            f"{'kpi' if kpi_id else 'project'}:{kpi_id or project_id}:{data.fiscal_year}",
            None,
            {"status": status.value, "rationale": row.rationale, "version": version},
            row.reason,
        )
        return JudgementPublic(
            row.id, subject, row.fiscal_year, row.version, status, row.rationale, row.reason, who, row.entered_at
        )
