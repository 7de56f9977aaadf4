"""Revisions of a plan: list them, and show what changed between two of them.

A plan is keyed by issuer and fiscal year; ingesting a changed document for the same key adds a
revision and keeps the old one readable.  :func:`diff_plans` compares two plans (pure); projects are
matched by number, else by name, so a renumbered project is a change, not a removal and an addition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from keikaku.domain import Kpi, Plan, Project
from keikaku.services.core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from keikaku.services.core.actors import Actor
    from keikaku.storage import models as m


@dataclass(frozen=True)
class RevisionInfo:
    """One stored revision of a plan."""

    issuer: str
    fiscal_year: int
    revision: int
    is_current: bool
    title: str | None
    total_budget_thousand_yen: int | None
    projects: int
    created_at: str | None


#: The facts a revision diff compares, in words (Japanese, English).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "title": ("表題", "Title"),
    "total_budget_thousand_yen": ("予算総額（千円）", "Total budget (thousand yen)"),
    "national_subsidy_thousand_yen": ("うち国庫補助（千円）", "National subsidy (thousand yen)"),
    "code": ("事業番号", "Project number"),
    "name": ("事業名", "Project name"),
    "budget_thousand_yen": ("予算額（千円）", "Budget (thousand yen)"),
    "departments": ("担当課", "Departments"),
    "challenge": ("関西チャレンジ", "Kansai challenge"),
    "start_fiscal_year": ("事業開始年度", "First fiscal year"),
    "new": ("新規事業", "New project"),
    "relisted": ("再掲", "Re-listed"),
    "components": ("構成事業（名称・予算額）", "Components (name, budget)"),
    "kpis": ("成果目標（KPI）", "Targets (KPIs)"),
    "events": ("イベント（名称・日程・会場）", "Events (name, dates, venue)"),
}


@dataclass(frozen=True)
class FieldChange:
    """A value that differs between the revisions."""

    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        """The field in words (Japanese), for people reading the diff."""
        return FIELD_LABELS.get(self.field, (self.field, self.field))[0]

    @property
    def label_en(self) -> str:
        """The field in words (English)."""
        return FIELD_LABELS.get(self.field, (self.field, self.field))[1]


@dataclass
class ProjectChange:
    """A project present in both revisions whose facts differ."""

    code: str | None
    name: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class PlanDiff:
    """The difference between two revisions of one plan."""

    issuer: str
    fiscal_year: int
    old_revision: int
    new_revision: int
    plan_changes: list[FieldChange] = field(default_factory=list)
    added: list[Project] = field(default_factory=list)
    removed: list[Project] = field(default_factory=list)
    changed: list[ProjectChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when the two revisions state the same facts."""
        return not (self.plan_changes or self.added or self.removed or self.changed)


def _kpi_key(kpi: Kpi) -> str:
    target = "" if kpi.target is None else f"{kpi.target:g}"
    relative = f"×{kpi.relative_to}" if kpi.relative_to else ""
    return f"{kpi.indicator} {kpi.comparator.value} {target}{kpi.unit or ''}{relative}".strip()


def _project_facts(project: Project) -> dict[str, object]:
    return {
        "name": project.name,
        "budget_thousand_yen": project.budget_thousand_yen,
        "national_subsidy_thousand_yen": project.national_subsidy_thousand_yen,
        "departments": list(project.departments),
        "challenge": project.challenge,
        "start_fiscal_year": project.start_fiscal_year,
        "new": project.new,
        "relisted": project.relisted,
        "components": [(c.name, c.budget_thousand_yen) for c in project.components],
        "kpis": sorted(_kpi_key(k) for k in [*project.kpis, *(k for c in project.components for k in c.kpis)]),
        "events": sorted(
            f"{e.name} {e.start or ''}~{e.end or ''} {e.venue or ''}".strip()
            for e in [*project.events, *(e for c in project.components for e in c.events)]
        ),
    }


def match_projects(
    old: list[Project], new: list[Project]
) -> tuple[list[tuple[Project, Project]], list[Project], list[Project]]:
    from keikaku.normalize import fold_for_search

    pairs: list[tuple[Project, Project]] = []
    remaining = list(new)
    removed: list[Project] = []
    for project in old:
        partner = next((p for p in remaining if project.code and p.code == project.code), None)
        if partner is None:
            key = fold_for_search(project.name)
            partner = next((p for p in remaining if fold_for_search(p.name) == key), None)
        if partner is None:
            removed.append(project)
        else:
            remaining.remove(partner)
            pairs.append((project, partner))
    return pairs, remaining, removed


def diff_plans(old: Plan, new: Plan, *, old_revision: int = 0, new_revision: int = 0) -> PlanDiff:
    """What changed from ``old`` to ``new``: plan totals, projects added, removed and changed."""
    diff = PlanDiff(new.issuer or old.issuer or "", new.fiscal_year, old_revision, new_revision)
    for name in ("title", "total_budget_thousand_yen", "national_subsidy_thousand_yen"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            diff.plan_changes.append(FieldChange(name, before, after))
    pairs, diff.added, diff.removed = match_projects(old.projects, new.projects)
    for before, after in pairs:
        facts_before, facts_after = _project_facts(before), _project_facts(after)
        changes = [
            FieldChange(k, facts_before[k], facts_after[k]) for k in facts_before if facts_before[k] != facts_after[k]
        ]
        if before.code != after.code:
            changes.insert(0, FieldChange("code", before.code, after.code))
        if changes:
            diff.changed.append(ProjectChange(after.code, after.name, changes))
    return diff


def list_plan_revisions(
    *, fiscal_year: int, issuer: str | None = None, engine: Engine | None = None
) -> list[RevisionInfo]:
    """Every stored revision of the fiscal year's plans (of one issuer, if given), oldest first."""
    from keikaku.services.core.db import ensure_schema
    from keikaku.storage import models as m
    from keikaku.storage.uow import read_session

    eng = ensure_schema(engine)
    with read_session(eng) as session:
        stmt = select(m.Plan).where(m.Plan.fiscal_year == fiscal_year)
        if issuer:
            stmt = stmt.where(m.Plan.issuer == issuer)
        rows = session.scalars(stmt.order_by(m.Plan.issuer, m.Plan.revision)).all()
        return [
            RevisionInfo(
                issuer=row.issuer,
                fiscal_year=row.fiscal_year,
                revision=row.revision,
                is_current=row.is_current,
                title=row.title,
                total_budget_thousand_yen=row.total_budget_thousand_yen,
                projects=len(row.projects),
                created_at=row.created_at.isoformat() if row.created_at else None,
            )
            for row in rows
        ]


def diff_plan_revisions(
    *,
    fiscal_year: int,
    issuer: str | None = None,
    old: int | None = None,
    new: int | None = None,
    engine: Engine | None = None,
) -> PlanDiff:
    """The difference between two stored revisions (default: the latest and the one before it)."""
    from keikaku.services.core.db import ensure_schema
    from keikaku.services.exchange.bundle import plan_load_options
    from keikaku.storage import models as m
    from keikaku.storage.uow import read_session

    eng = ensure_schema(engine)
    with read_session(eng) as session:
        stmt = select(m.Plan).where(m.Plan.fiscal_year == fiscal_year)
        if issuer:
            stmt = stmt.where(m.Plan.issuer == issuer)
        rows = session.scalars(stmt.options(*plan_load_options()).order_by(m.Plan.revision)).all()
        issuers = sorted({row.issuer for row in rows})
        if not rows:
            raise NotFoundError(f"{fiscal_year}年度の事業計画がありません")
        if len(issuers) > 1:
            raise ValidationError(
                f"{fiscal_year}年度の事業計画の発行者が複数あります。--issuer で指定してください: {'、'.join(issuers)}"
            )
        by_revision = {row.revision: row for row in rows}
        revisions = sorted(by_revision)
        new_rev = new if new is not None else revisions[-1]
        old_rev = old if old is not None else (revisions[-2] if len(revisions) > 1 else None)
        if old_rev is None:
            raise NotFoundError(f"{fiscal_year}年度の事業計画には改訂版が一つしかありません（比較する版がありません）")
        for wanted in (old_rev, new_rev):
            if wanted not in by_revision:
                raise NotFoundError(f"{fiscal_year}年度の事業計画に第{wanted}版はありません（あるのは {revisions}）")
        return diff_plan_rows(session, by_revision[old_rev], by_revision[new_rev])


def _value_words(value: object) -> str:
    """A diffed value as people read it: lists joined, pairs as 「name（N千円）」, booleans as あり/なし."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple):
        name, budget = value
        return f"{name}（{budget:,}千円）" if isinstance(budget, int) else str(name)
    if isinstance(value, list):
        return "、".join(_value_words(v) for v in value) or "—"
    return str(value)


def _change_json(change: FieldChange) -> dict[str, object]:
    old, new = change.old, change.new
    if isinstance(old, list) and isinstance(new, list):  # a list names only the entries that differ
        old, new = [v for v in old if v not in new], [v for v in new if v not in old]
    return {
        "field": change.field,
        "label": change.label,
        "label_en": change.label_en,
        "old": _value_words(old),
        "new": _value_words(new),
    }


def _project_json(project: Project) -> dict[str, object]:
    return {"code": project.code, "name": project.name, "budget_thousand_yen": project.budget_thousand_yen}


def diff_json(diff: PlanDiff) -> dict[str, object]:
    """The diff as JSON (the API's and the review page's form): every changed field in words, old and new."""
    return {
        "issuer": diff.issuer,
        "fiscal_year": diff.fiscal_year,
        "old_revision": diff.old_revision,
        "new_revision": diff.new_revision,
        "is_empty": diff.is_empty,
        "plan_changes": [_change_json(c) for c in diff.plan_changes],
        "added": [_project_json(p) for p in diff.added],
        "removed": [_project_json(p) for p in diff.removed],
        "changed": [
            {"code": p.code, "name": p.name, "changes": [_change_json(c) for c in p.changes]} for p in diff.changed
        ],
    }


def diff_plan_rows(session: Session, old: m.Plan, new: m.Plan) -> PlanDiff:
    """The difference between two stored plan rows, read in the caller's session."""
    from keikaku.services.exchange.bundle import document_keys
    from keikaku.storage.convert import read_plan

    keys = document_keys(session)
    return diff_plans(read_plan(old, keys), read_plan(new, keys), old_revision=old.revision, new_revision=new.revision)


@dataclass(frozen=True)
class RevisionRow:
    """One revision of a plan, as its revisions page lists it."""

    plan_id: int
    revision: int
    title: str | None
    total_budget_thousand_yen: int | None
    projects: int
    created_at: dt.datetime | None
    published: bool


@dataclass(frozen=True)
class RevisionsPage:
    """A plan's revisions and the difference between two of them (``old`` → ``new``)."""

    plan_id: int
    issuer: str
    fiscal_year: int
    revisions: list[RevisionRow]
    old: int | None
    new: int | None
    diff: dict[str, object] | None
    draft_plan_id: int | None  # the newest revision, when it is a draft newer than the published one


def plan_revisions(
    plan_id: int, *, old: int | None = None, new: int | None = None, viewer: Actor, engine: Engine | None = None
) -> RevisionsPage:
    """Every revision of the plan's issuer and year, and the diff of ``old`` → ``new`` (revision numbers;
    by default the published revision against the newest, else the two newest).  Staff only: it lists drafts."""
    from keikaku.services.core.actors import Permission, require
    from keikaku.services.core.db import ensure_schema
    from keikaku.services.exchange.bundle import plan_load_options
    from keikaku.services.publication.revisions import is_published
    from keikaku.storage import models as m
    from keikaku.storage.uow import read_session

    require(viewer, Permission.VIEW_DRAFT_PLANS)
    with read_session(ensure_schema(engine)) as session:
        plan = session.get(m.Plan, plan_id)
        if plan is None:
            raise NotFoundError(f"事業計画（ID {plan_id}）はありません", code="plan_not_found")
        rows = session.scalars(
            select(m.Plan)
            .where(m.Plan.issuer == plan.issuer, m.Plan.fiscal_year == plan.fiscal_year)
            .options(*plan_load_options())
            .order_by(m.Plan.revision)
        ).all()
        published = {row.revision for row in rows if is_published(session, row)}
        by_revision = {row.revision: row for row in rows}
        listed = [
            RevisionRow(
                row.id,
                row.revision,
                row.title,
                row.total_budget_thousand_yen,
                len(row.projects),
                row.created_at,
                row.revision in published,
            )
            for row in rows
        ]
        newest = rows[-1].revision
        new_rev = new if new is not None else newest
        base = max(published - {new_rev}, default=None)
        old_rev = (
            old if old is not None else base if base is not None else max(set(by_revision) - {new_rev}, default=None)
        )
        for wanted in (old_rev, new_rev):
            if wanted is not None and wanted not in by_revision:
                raise NotFoundError(f"この事業計画に第{wanted}版はありません", code="revision_not_found")
        diff = None
        if old_rev is not None and old_rev != new_rev:
            diff = diff_json(diff_plan_rows(session, by_revision[old_rev], by_revision[new_rev]))
        draft = rows[-1].id if newest not in published and newest > max(published, default=0) else None
        return RevisionsPage(plan.id, plan.issuer, plan.fiscal_year, listed, old_rev, new_rev, diff, draft)
