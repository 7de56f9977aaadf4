"""Editing a plan's facts after import: a project's facts and a KPI's target (member governments'
cooperative projects are in :mod:`keikaku.services.plans.cooperative`).

Who may do what is decided here (:func:`keikaku.services.core.actors.require`), never in the views:

* a project and its KPIs' targets — ``edit_project`` on the project's departments (a department editor for
  their own departments' projects, a bureau administrator for any); the vision's targets — administrators;
* a cooperative project — ``manage_cooperative`` on its member government (a member-government
  contributor for their own government, an administrator for any).

Every change is one transaction with one audit record holding the changed fields before and after and
the reason, which is required: these are figures of a published plan and of public money.  Edits use
optimistic locking: the caller passes the ``state`` token it was shown (:func:`project_state` …); when the
object changed meanwhile the edit is refused with :class:`ConflictError` and nothing is written.  A KPI's
target and a project's budget feed the year's result, so a locked fiscal year (or plan) refuses changes of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.domain.limits import MAX_BUDGET_THOUSAND_YEN
from keikaku.domain.limits import MAX_NAME as LIMIT_NAME
from keikaku.normalize.kpi import Kpi as ParsedKpi
from keikaku.normalize.kpi import parse_kpi
from keikaku.services.actuals import periods
from keikaku.services.core.actors import Actor, Permission, is_admin, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import models as m
from keikaku.storage.uow import hold_write_lock, read_session, unit_of_work

MAX_NAME = LIMIT_NAME
MAX_SUMMARY = 4000
MAX_REASON = 1000
MAX_BUDGET = MAX_BUDGET_THOUSAND_YEN  # 千円: a quadrillion yen is not a project
#: A project's money: part of its fiscal year's evaluation, so frozen while that year is locked.
BUDGET_FIELDS = ("budget_thousand_yen", "national_subsidy_thousand_yen")


# -- shared ----------------------------------------------------------------------------------------------


def state_token(values: Mapping[str, Any]) -> str:
    """A short hash of an object's editable fields: what an edit form carries for optimistic locking."""
    text = json.dumps(audit.jsonable(dict(values)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def required_reason(reason: str | None) -> str:
    text = clean_text(reason or "", "理由", limit=MAX_REASON, field="reason")
    if not text:
        raise ValidationError("変更の理由を入力してください", details={"fields": {"reason": "理由は必須です"}})
    return text


def record_refused_edit(
    engine: Engine,
    actor: Actor,
    action: AuditAction,
    target: tuple[str, int],
    *,
    attempted: Mapping[str, Any],
    reason: str,
) -> None:
    """Keep an edit refused as a conflict in the audit trail (its own transaction), so that no attempt is lost."""
    with unit_of_work(engine) as session:
        audit.record(session, actor, action, target[0], target[1], None, dict(attempted), reason)


def _is_stale(error: ConflictError) -> bool:
    return error.code == "conflict" and "state" in error.details


def check_state(kind: str, current: Mapping[str, Any], expected: str | None) -> None:
    if expected is not None and expected != state_token(current):
        raise ConflictError(
            f"この{kind}は、画面を表示した後にほかの人が変更しました。画面を読み込み直して、内容を確認してから変更してください",
            details={"state": state_token(current)},
        )


def clean_field(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None:
        return None
    text = clean_text(value, field, limit=limit, field=field) or ""
    if required and not text:
        raise ValidationError(f"{field}を入力してください", details={"fields": {field: "必須です"}})
    return text


def _amount(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if value < 0 or value > MAX_BUDGET:
        raise ValidationError(f"{field}は 0 以上の千円単位の金額にしてください", details={"fields": {field: "範囲外"}})
    return value


# -- projects --------------------------------------------------------------------------------------------

#: Unset (keep the current value) for :class:`ProjectChanges`, distinct from None (clear it).
UNSET: Any = object()


@dataclass(frozen=True)
class ProjectChanges:
    """The facts of a project to change; a field left :data:`UNSET` keeps its value, None clears it."""

    name: str = UNSET
    title: str | None = UNSET
    summary: str | None = UNSET
    field: str | None = UNSET
    budget_thousand_yen: int | None = UNSET
    national_subsidy_thousand_yen: int | None = UNSET


PROJECT_FIELDS = tuple(f.name for f in fields(ProjectChanges))


@dataclass(frozen=True)
class EditResult:
    """An object after an edit: its id, the fields that changed (before and after) and its new state token."""

    id: int
    changed: dict[str, dict[str, Any]]
    state: str


def _project_values(project: m.Project) -> dict[str, Any]:
    return {name: getattr(project, name) for name in PROJECT_FIELDS}


def _load_project(session: Session, project_id: int, *, for_update: bool = False) -> m.Project:
    if for_update:  # an edit: no other writer may change the project between this read and the commit
        hold_write_lock(session)
    project = session.get(m.Project, project_id, with_for_update=for_update)
    if project is None:
        raise NotFoundError(f"事業 {project_id} は見つかりません")
    return project


def project_state(project_id: int, *, engine: Engine | None = None) -> str:
    """The state token of a project's editable facts (for an edit form)."""
    with read_session(ensure_schema(engine)) as session:
        return state_token(_project_values(_load_project(session, project_id)))


def _clean_project_changes(changes: ProjectChanges) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    for name in PROJECT_FIELDS:
        value = getattr(changes, name)
        if value is UNSET:
            continue
        if name in BUDGET_FIELDS:
            wanted[name] = _amount(value, name)
        elif name == "summary":
            wanted[name] = clean_field(value, name, MAX_SUMMARY) or None
        else:
            wanted[name] = clean_field(value, name, MAX_NAME, required=name == "name") or None
    return wanted


def update_project(
    project_id: int,
    changes: ProjectChanges,
    *,
    actor: Actor,
    reason: str | None,
    expected_state: str | None = None,
    engine: Engine | None = None,
) -> EditResult:
    """Change a project's facts (see the module); returns what changed."""
    why = required_reason(reason)
    wanted = _clean_project_changes(changes)
    eng = ensure_schema(engine)
    try:
        return _update_project(eng, project_id, wanted, actor=actor, why=why, expected_state=expected_state)
    except ConflictError as exc:
        if _is_stale(exc):
            record_refused_edit(
                eng, actor, AuditAction.PROJECT_CONFLICT, ("project", project_id), attempted=wanted, reason=why
            )
        raise


def _update_project(
    engine: Engine, project_id: int, wanted: dict[str, Any], *, actor: Actor, why: str, expected_state: str | None
) -> EditResult:
    with unit_of_work(engine) as session:
        project = _load_project(session, project_id, for_update=True)
        require(actor, Permission.EDIT_PROJECT, departments=project.department_names)
        before = _project_values(project)
        check_state("事業", before, expected_state)
        plan_year = _plan_year(session, project)
        if plan_year is not None and any(wanted.get(k, before[k]) != before[k] for k in BUDGET_FIELDS):
            periods.ensure_open(session, plan_year, project.plan_id)  # budgets are figures of the year's result
        for name, value in wanted.items():
            setattr(project, name, value)
        after = _project_values(project)
        old, new = audit.changed(before, after)
        if old or new:
            session.flush()
            audit.record(session, actor, AuditAction.PROJECT_UPDATE, "project", project.id, old, new, why)
        return EditResult(project.id, {k: {"before": old.get(k), "after": new.get(k)} for k in new}, state_token(after))


# -- KPI targets -----------------------------------------------------------------------------------------

KPI_FIELDS = ("text", "indicator", "comparator", "target", "unit", "relative_to")


def _kpi_values(kpi: m.Kpi) -> dict[str, Any]:
    return {name: getattr(kpi, name) for name in KPI_FIELDS}


def _plan_year(session: Session, project: m.Project) -> int | None:
    return session.scalar(select(m.Plan.fiscal_year).where(m.Plan.id == project.plan_id))


def _kpi_scope(session: Session, kpi: m.Kpi) -> tuple[list[str], int | None, int | None]:
    """The departments owning a KPI, its plan's fiscal year and its plan (vision and partner targets: none)."""
    if kpi.project_id is None:
        return [], None, None
    project = _load_project(session, kpi.project_id)
    owner = project.parent if project.parent_id is not None and not project.department_links else project
    return (owner or project).department_names, _plan_year(session, project), project.plan_id


def kpi_state(kpi_id: int, *, engine: Engine | None = None) -> str:
    """The state token of a KPI's target (for an edit form)."""
    with read_session(ensure_schema(engine)) as session:
        kpi = session.get(m.Kpi, kpi_id)
        if kpi is None:
            raise NotFoundError(f"KPI {kpi_id} は見つかりません")
        return state_token(_kpi_values(kpi))


def update_kpi_target(
    kpi_id: int,
    target_text: str,
    *,
    actor: Actor,
    reason: str | None,
    expected_state: str | None = None,
    engine: Engine | None = None,
) -> EditResult:
    """Change a KPI's target as the plan writes it (``参加者数：250人以上``, ``割合：75%以上``).

    The text is parsed like an imported plan's; a text that gives no target is refused.
    """
    why = required_reason(reason)
    text = clean_field(target_text, "target", MAX_NAME, required=True) or ""
    parsed = parse_kpi(text)
    if parsed is None:
        raise ValidationError(
            "目標として読み取れません（例: 参加者数：250人以上、割合：75%以上）",
            details={"fields": {"target": "目標として読み取れません"}},
        )
    eng = ensure_schema(engine)
    try:
        return _update_kpi_target(eng, kpi_id, text, parsed, actor=actor, why=why, expected_state=expected_state)
    except ConflictError as exc:
        if _is_stale(exc):
            record_refused_edit(
                eng, actor, AuditAction.KPI_CONFLICT, ("kpi", kpi_id), attempted={"target": text}, reason=why
            )
        raise


def _update_kpi_target(
    engine: Engine,
    kpi_id: int,
    text: str,
    parsed: ParsedKpi,
    *,
    actor: Actor,
    why: str,
    expected_state: str | None,
) -> EditResult:
    with unit_of_work(engine) as session:
        hold_write_lock(session)  # no other writer may change the target between this read and the commit
        kpi = session.get(m.Kpi, kpi_id, with_for_update=True)
        if kpi is None:
            raise NotFoundError(f"KPI {kpi_id} は見つかりません")
        departments, plan_year, plan_id = _kpi_scope(session, kpi)
        if kpi.project_id is None and not is_admin(actor):
            raise PermissionDeniedError("ビジョンや連携先の目標は管理者だけが変更できます")
        require(actor, Permission.EDIT_PROJECT, departments=departments)
        if plan_year is not None:
            periods.ensure_open(session, plan_year, plan_id)
        before = _kpi_values(kpi)
        check_state("KPI", before, expected_state)
        kpi.text = parsed.text or text
        kpi.indicator = parsed.indicator or kpi.indicator
        kpi.comparator = parsed.comparator.value
        kpi.target = parsed.target
        kpi.unit = parsed.unit
        kpi.relative_to = parsed.relative_to
        after = _kpi_values(kpi)
        old, new = audit.changed(before, after)
        if old or new:
            session.flush()
            audit.record(session, actor, AuditAction.KPI_UPDATE_TARGET, "kpi", kpi.id, old, new, why)
        return EditResult(kpi.id, {k: {"before": old.get(k), "after": new.get(k)} for k in new}, state_token(after))
