"""Publishing a revision of a plan: the year's actual values, judgements and measure bindings go with it.

A revised plan (第2版) is stored with new KPI and project rows; what was entered on the published revision
(第1版) belongs to the year, not to the rows.  :func:`publish_revision` matches the new revision's projects
and KPIs to the published one's — a project by its number, else its name; a KPI by its indicator, all
normalised — and copies the current version of each actual value, judgement and measure binding to its
match, so the old revision keeps its own history readable.  Whatever has no match is listed
(:func:`revision_carry_over`); publishing waits until a person attaches each item to a KPI of the new
revision or confirms that it stays behind.  The copy, what was attached and what was confirmed are audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import fold_for_search
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.publication.state import PublicationPublic, _append, _latest, _public_state, publish_plan_state
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.accounts import PublicationState, PublishedObject
from keikaku.storage.measures import KpiMeasure
from keikaku.storage.uow import read_session, unit_of_work

CARRIED = "公開中の版から引き継ぎ"


@dataclass(frozen=True)
class UnmatchedItem:
    """Something entered on the published revision with no matching KPI or project in the new one."""

    kind: str  # "kpi" or "project"
    old_id: int
    label: str
    what: tuple[str, ...]  # 実績値, 判定, 測定方法


@dataclass
class CarryOver:
    """What publishing a revision carries from the published one: pairs of (old id, new id), and the rest."""

    plan_id: int
    published_plan_id: int | None
    kpis: dict[int, int] = field(default_factory=dict)
    projects: dict[int, int] = field(default_factory=dict)
    unmatched: list[UnmatchedItem] = field(default_factory=list)
    #: The new revision's KPIs an unmatched actual may be attached to: (id, 「project：indicator」), in order.
    targets: list[tuple[int, str]] = field(default_factory=list)


def _project_key(row: m.Project) -> tuple[str, str]:
    return (fold_for_search(row.code or ""), fold_for_search(row.name))


def _match_projects(old: Sequence[m.Project], new: Sequence[m.Project]) -> dict[int, int]:
    """Old project id → new: by number (with the same parent match), else by normalised name."""
    pairs: dict[int, int] = {}
    remaining = list(new)
    for project in sorted(old, key=lambda p: (p.parent_id is not None, p.position)):
        parent = pairs.get(project.parent_id) if project.parent_id is not None else None
        siblings = [p for p in remaining if p.parent_id == parent]
        code, name = _project_key(project)
        partner = next((p for p in siblings if code and _project_key(p)[0] == code), None)
        partner = partner or next((p for p in siblings if _project_key(p)[1] == name), None)
        if partner is not None:
            remaining.remove(partner)
            pairs[project.id] = partner.id
    return pairs


def published_revision_of(session: Session, plan: m.Plan) -> m.Plan | None:
    """The newest published revision of the plan's issuer and year, other than the plan itself."""
    others = session.scalars(
        select(m.Plan)
        .where(m.Plan.issuer == plan.issuer, m.Plan.fiscal_year == plan.fiscal_year, m.Plan.id != plan.id)
        .order_by(m.Plan.revision.desc())
    )
    for other in others:
        row = _latest(session, PublishedObject.PLAN, other.id, other.fiscal_year)
        if row is not None and row.state == PublicationState.PUBLISHED:
            return other
    return None


def carry_over_in(session: Session, plan: m.Plan) -> CarryOver:
    old = published_revision_of(session, plan)
    result = CarryOver(plan.id, old.id if old else None)
    if old is None:
        return result
    old_projects = session.scalars(select(m.Project).where(m.Project.plan_id == old.id)).all()
    new_projects = session.scalars(select(m.Project).where(m.Project.plan_id == plan.id)).all()
    result.projects = _match_projects(old_projects, new_projects)
    kpis_of: dict[int, list[m.Kpi]] = {}
    for kpi in session.scalars(select(m.Kpi).where(m.Kpi.project_id.in_([p.id for p in new_projects]))):
        kpis_of.setdefault(kpi.project_id or 0, []).append(kpi)
    names = {p.id: f"{p.code or ''} {p.name}".strip() for p in old_projects}
    old_kpis = session.scalars(select(m.Kpi).where(m.Kpi.project_id.in_([p.id for p in old_projects]))).all()
    entered = _entered(session, old.fiscal_year, [k.id for k in old_kpis], [p.id for p in old_projects])
    for kpi in old_kpis:
        candidates = kpis_of.get(result.projects.get(kpi.project_id or 0, -1), [])
        wanted = (kpi.role, fold_for_search(kpi.indicator))
        partner = next((k for k in candidates if (k.role, fold_for_search(k.indicator)) == wanted), None)
        taken = set(result.kpis.values())
        if partner is not None and partner.id not in taken:
            result.kpis[kpi.id] = partner.id
        elif ("kpi", kpi.id) in entered:
            label = f"{names.get(kpi.project_id or 0, '')}：{kpi.indicator}"
            result.unmatched.append(UnmatchedItem("kpi", kpi.id, label, entered["kpi", kpi.id]))
    for project in old_projects:
        if project.id not in result.projects and ("project", project.id) in entered:
            result.unmatched.append(
                UnmatchedItem("project", project.id, names[project.id], entered["project", project.id])
            )
    if any(u.kind == "kpi" for u in result.unmatched):
        new_names = {p.id: f"{p.code or ''} {p.name}".strip() for p in new_projects}
        order = {p.id: (p.position, p.id) for p in new_projects}
        kpis = sorted(
            (k for ks in kpis_of.values() for k in ks), key=lambda k: (order.get(k.project_id or 0, (0, 0)), k.position)
        )
        result.targets = [(k.id, f"{new_names.get(k.project_id or 0, '')}：{k.indicator}") for k in kpis]
    return result


def _entered(
    session: Session, year: int, kpi_ids: Sequence[int], project_ids: Sequence[int]
) -> dict[tuple[str, int], tuple[str, ...]]:
    """What was entered on each KPI and project of the published revision: 実績値, 判定, 測定方法."""
    found: dict[tuple[str, int], list[str]] = {}
    for kpi_id in {v.kpi_id for v in store.current_values(session, kpi_ids, [year])}:
        found.setdefault(("kpi", kpi_id), []).append("実績値")
    for row in store.current_judgements(session, year, kpi_ids, project_ids):
        key = ("kpi", row.kpi_id) if row.kpi_id is not None else ("project", row.project_id or 0)
        found.setdefault(key, []).append("判定")
    for kpi_id in set(session.scalars(select(KpiMeasure.kpi_id).where(KpiMeasure.kpi_id.in_(kpi_ids)))):
        found.setdefault(("kpi", kpi_id), []).append("測定方法")
    return {key: tuple(what) for key, what in found.items()}


def revision_carry_over(plan_id: int, *, actor: Actor, engine: Engine | None = None) -> CarryOver:
    """What publishing ``plan_id`` would carry from the published revision, and what has no match
    (administrators only: it names draft rows)."""
    require_admin(actor, "改訂版の公開")
    with read_session(ensure_schema(engine)) as session:
        plan = session.get(m.Plan, plan_id)
        if plan is None:
            raise NotFoundError(f"事業計画（ID {plan_id}）はありません", code="plan_not_found")
        return carry_over_in(session, plan)


def copy_carried(session: Session, actor: Actor, plan: m.Plan, plan_map: CarryOver) -> dict[str, int]:
    year = plan.fiscal_year
    copied = {"actual_values": 0, "judgements": 0, "measures": 0}
    for value in store.current_values(session, list(plan_map.kpis), [year]):
        target = plan_map.kpis[value.kpi_id]
        session.add(
            store.ActualValue(
                kpi_id=target,
                fiscal_year=value.fiscal_year,
                month=value.month,
                version=store.next_version(session, target, value.fiscal_year, value.month),
                value=value.value,
                numerator=value.numerator,
                denominator=value.denominator,
                measured_on=value.measured_on,
                evidence_text=value.evidence_text,
                evidence_url=value.evidence_url,
                attachment_id=value.attachment_id,
                note=value.note,
                reason=CARRIED,
                channel=value.channel,
                entered_by=value.entered_by,
            )
        )
        copied["actual_values"] += 1
    for row in store.current_judgements(session, year, list(plan_map.kpis), list(plan_map.projects)):
        kpi_id = plan_map.kpis[row.kpi_id] if row.kpi_id is not None else None
        project_id = plan_map.projects[row.project_id] if row.project_id is not None else None
        session.add(
            store.QualitativeJudgement(
                kpi_id=kpi_id,
                project_id=project_id,
                fiscal_year=year,
                version=store.judgement_version(session, year, kpi_id, project_id),
                status=row.status,
                rationale=row.rationale,
                reason=CARRIED,
                entered_by=row.entered_by,
            )
        )
        copied["judgements"] += 1
    events = _event_map(session, plan_map)
    for old_kpi, new_kpi in plan_map.kpis.items():
        measure = session.scalar(
            select(KpiMeasure).where(KpiMeasure.kpi_id == old_kpi).order_by(KpiMeasure.version.desc()).limit(1)
        )
        if measure is None:
            continue
        latest = session.scalar(
            select(KpiMeasure.version).where(KpiMeasure.kpi_id == new_kpi).order_by(KpiMeasure.version.desc())
        )
        session.add(
            KpiMeasure(
                kpi_id=new_kpi,
                version=(latest or 0) + 1,
                kind=measure.kind,
                event_ids=[events.get(int(e), int(e)) for e in measure.event_ids or []],
                question_id=measure.question_id,
                codes=list(measure.codes or []),
                created_by=actor.recorded_name,
            )
        )
        copied["measures"] += 1
    session.flush()
    return copied


def _event_map(session: Session, plan_map: CarryOver) -> dict[int, int]:
    """Old event id → the new revision's event of the matched project with the same normalised name."""
    old = session.scalars(select(m.Event).where(m.Event.project_id.in_(list(plan_map.projects)))).all()
    new = session.scalars(select(m.Event).where(m.Event.project_id.in_(list(plan_map.projects.values())))).all()
    by_key = {(e.project_id, fold_for_search(e.name)): e.id for e in new}
    found: dict[int, int] = {}
    for event in old:
        partner = by_key.get((plan_map.projects[event.project_id], fold_for_search(event.name)))
        if partner is not None:
            found[event.id] = partner
    return found


def publish_revision(
    actor: Actor,
    plan_id: int,
    *,
    reason: str,
    attach: Mapping[int, int] | None = None,
    confirm_unmatched: Sequence[int] = (),
    engine: Engine | None = None,
) -> PublicationPublic:
    """Publish a revision of a plan (administrators only, with a reason), carrying the published revision's
    actual values, judgements and measure bindings of the year to the matching KPIs and projects.

    ``attach`` maps an unmatched old KPI id to a KPI of the new revision; ``confirm_unmatched`` lists the
    old ids a person confirms stay behind.  While anything is neither, nothing is published and the
    :class:`~keikaku.services.core.errors.ValidationError` lists it.
    """
    require_admin(actor, "改訂版の公開")
    cleaned = audit.change_reason(reason)
    if cleaned is None:
        raise ValidationError("改訂版を公開する理由を入力してください", code="reason_required")
    with unit_of_work(ensure_schema(engine)) as session:
        plan = session.get(m.Plan, plan_id)
        if plan is None:
            raise NotFoundError(f"事業計画（ID {plan_id}）はありません", code="plan_not_found")
        carry = carry_over_in(session, plan)
        new_kpis = set(session.scalars(select(m.Kpi.id).join(m.Project).where(m.Project.plan_id == plan.id)))
        for old_id, new_id in (attach or {}).items():
            if new_id not in new_kpis:
                raise ValidationError(f"KPI（ID {new_id}）はこの版のKPIではありません", code="kpi_not_in_revision")
            carry.kpis[old_id] = new_id
        waiting = [u for u in carry.unmatched if u.old_id not in (attach or {}) and u.old_id not in confirm_unmatched]
        if waiting:
            listed = "、".join(f"{u.label}（{'・'.join(u.what)}）" for u in waiting)
            raise ValidationError(
                f"公開中の版の次の項目が新しい版に対応しません。KPIを指定するか、引き継がないことを確認してください: {listed}",
                code="revision_unmatched",
            )
        copied = copy_carried(session, actor, plan, carry) if carry.published_plan_id is not None else {}
        current = _latest(session, PublishedObject.PLAN, plan.id, plan.fiscal_year)
        before = current.state if current is not None else PublicationState.DRAFT
        details: dict[str, object] = {
            "replaces_plan_id": carry.published_plan_id,
            "carried": copied,
            "attached": {str(k): v for k, v in (attach or {}).items()},
            "left_behind": [
                {"kind": u.kind, "id": u.old_id, "label": u.label, "what": list(u.what)}
                for u in carry.unmatched
                if u.old_id not in (attach or {})
            ],
        }
        row = current
        if before != PublicationState.PUBLISHED:
            row = _append(
                session,
                actor,
                PublishedObject.PLAN,
                plan.id,
                plan.fiscal_year,
                PublicationState.PUBLISHED,
                cleaned,
                before,
                details,
            )
        if carry.published_plan_id is not None:
            old_eval = _latest(session, PublishedObject.EVALUATION, carry.published_plan_id, plan.fiscal_year)
            if old_eval is not None and old_eval.state == PublicationState.PUBLISHED:
                _append(
                    session,
                    actor,
                    PublishedObject.EVALUATION,
                    plan.id,
                    plan.fiscal_year,
                    PublicationState.PUBLISHED,
                    cleaned,
                    PublicationState.DRAFT,
                    {"carried_from_plan_id": carry.published_plan_id},
                )
        audit.record(session, actor, AuditAction.PLAN_REVISION_CARRY_OVER, "plan", plan.id, None, details, cleaned)
        return _public_state(row, PublishedObject.PLAN, plan.id, plan.fiscal_year)


def publish_plan(
    actor: Actor,
    plan_id: int,
    *,
    reason: str | None = None,
    attach: Mapping[int, int] | None = None,
    confirm_unmatched: Sequence[int] = (),
    engine: Engine | None = None,
) -> PublicationPublic:
    """Publish a plan: the one entry of the web form, the API and the command line.

    A revision of a year whose other revision is published replaces it, so it goes through
    :func:`publish_revision` (a reason, and every record of the year carried over or accounted for); a plan
    with no published revision is a plain change of state.
    """
    eng = ensure_schema(engine)
    with read_session(eng) as session:
        plan = session.get(m.Plan, plan_id)
        replaces = published_revision_of(session, plan) if plan is not None else None
        already = plan is not None and is_published(session, plan)
    if replaces is None or already:
        return publish_plan_state(actor, plan_id, reason=reason, engine=eng)
    return publish_revision(
        actor, plan_id, reason=reason or "", attach=attach, confirm_unmatched=confirm_unmatched, engine=eng
    )


def is_published(session: Session, plan: m.Plan) -> bool:
    row = _latest(session, PublishedObject.PLAN, plan.id, plan.fiscal_year)
    return row is not None and row.state == PublicationState.PUBLISHED
