"""Import and export of the interchange format, and reading the bundled Kansai dataset."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from keikaku import domain as d
from keikaku.storage import models as m
from keikaku.storage.convert import (
    RowBuilder,
    read_action_plan,
    read_document,
    read_partner,
    read_plan,
    read_vision,
)

BUNDLED_PACKAGE = "keikaku.data"
BUNDLED_FOLDER = "kansai"


@dataclass
class ImportResult:
    """What an import stored (or skipped because the same document was already there)."""

    documents: int = 0
    skipped_documents: list[str] = field(default_factory=list)
    plans: list[tuple[int, int]] = field(default_factory=list)  # (fiscal_year, revision)
    projects: int = 0
    kpis: int = 0
    events: int = 0
    warnings: int = 0
    vision: bool = False
    action_plan: bool = False
    partner_programmes: int = 0
    plan_ids: list[int] = field(default_factory=list)

    def merge(self, other: "ImportResult") -> None:
        """Add another result's counts to this one."""
        self.documents += other.documents
        self.skipped_documents += other.skipped_documents
        self.plans += other.plans
        self.projects += other.projects
        self.kpis += other.kpis
        self.events += other.events
        self.warnings += other.warnings
        self.vision = self.vision or other.vision
        self.action_plan = self.action_plan or other.action_plan
        self.partner_programmes += other.partner_programmes
        self.plan_ids += other.plan_ids


def _count(plan: d.Plan, result: ImportResult) -> None:
    for project in plan.projects:
        result.projects += 1 + len(project.components)
        result.kpis += len(project.kpis) + sum(len(c.kpis) for c in project.components)
        result.events += len(project.events) + sum(len(c.events) for c in project.components)
    result.warnings += len(plan.warnings)


def import_plan_data(
    session: Session, data: d.PlanData, *, document_texts: dict[str, str] | None = None, bundled: bool = False
) -> ImportResult:
    """Store a bundle in the caller's session (no commit).

    A document whose SHA-256 is already stored makes the whole bundle a no-op (same file again).
    A plan for an issuer and fiscal year that already exists becomes a new revision; the old one stays,
    no longer current.  The same holds for the vision, the action plan and partner programmes.
    """
    result = ImportResult()
    builder = RowBuilder(session)
    texts = document_texts or {}
    for ref in data.documents:
        if ref.sha256 and session.scalar(select(m.Document.id).where(m.Document.sha256 == ref.sha256)):
            result.skipped_documents.append(ref.id or ref.sha256)
    if result.skipped_documents:
        return result
    for ref in data.documents:
        key = ref.id or ref.sha256 or ref.path or ref.title or "document"
        existing = session.scalar(select(m.Document).where(m.Document.key == key))
        if existing is not None:
            key = f"{key}@{ref.sha256[:12]}" if ref.sha256 else f"{key}#{_next_key_suffix(session, key)}"
        row = m.Document(
            key=key,
            title=ref.title,
            issuer=ref.issuer,
            kind=ref.kind.value,
            fiscal_year=ref.fiscal_year,
            published=ref.published,
            sha256=ref.sha256,
            path=ref.path,
            pages=ref.pages,
            lines=ref.lines,
            text=texts.get(ref.id or ""),
            bundled=bundled,
        )
        session.add(row)
        builder.register_document(row)
        if ref.id and ref.id != key:
            builder._documents[ref.id] = row  # provenance in this bundle still says the original id
        result.documents += 1
    session.flush()

    default_issuer = next((ref.issuer for ref in data.documents if ref.issuer), None) or "不明"
    for plan in data.plans:
        issuer = plan.issuer or default_issuer
        latest = session.scalar(
            select(func.max(m.Plan.revision)).where(m.Plan.issuer == issuer, m.Plan.fiscal_year == plan.fiscal_year)
        )
        if latest is not None:
            session.execute(
                update(m.Plan)
                .where(m.Plan.issuer == issuer, m.Plan.fiscal_year == plan.fiscal_year)
                .values(is_current=False)
            )
        revision = (latest or 0) + 1
        plan_row = builder.plan(plan, issuer=issuer, revision=revision)
        session.flush()
        result.plans.append((plan.fiscal_year, revision))
        result.plan_ids.append(plan_row.id)
        _count(plan, result)
    if data.vision is not None:
        session.execute(update(m.Vision).values(is_current=False))
        builder.vision(data.vision)
        result.vision = True
    if data.action_plan is not None:
        session.execute(update(m.ActionPlan).values(is_current=False))
        builder.action_plan(data.action_plan)
        result.action_plan = True
    for programme in data.partner_priorities:
        session.execute(
            update(m.PartnerProgramme)
            .where(
                m.PartnerProgramme.issuer == programme.issuer, m.PartnerProgramme.fiscal_year == programme.fiscal_year
            )
            .values(is_current=False)
        )
        builder.partner(programme)
        result.partner_programmes += 1
    for warning in data.warnings:
        wrow = builder.warning(warning)
        if data.documents:
            wrow.document_id = builder.document(data.documents[0].id or "document").id
        session.add(wrow)
        result.warnings += 1
    session.flush()
    return result


def _next_key_suffix(session: Session, key: str) -> int:
    count = session.scalar(select(func.count()).select_from(m.Document).where(m.Document.key.like(f"{key}#%")))
    return (count or 0) + 2


def document_keys(session: Session) -> dict[int, str]:
    """Map of document row id to the key provenance uses."""
    return {row[0]: row[1] for row in session.execute(select(m.Document.id, m.Document.key))}


def plan_load_options() -> list[ExecutableOption]:
    """Eager-loading options that read a whole plan tree in a handful of queries."""
    project_opts = selectinload(m.Plan.projects)
    return [
        project_opts.selectinload(m.Project.department_links).selectinload(m.ProjectDepartment.department),
        project_opts.selectinload(m.Project.kpis),
        project_opts.selectinload(m.Project.events),
        project_opts.selectinload(m.Project.components).selectinload(m.Project.kpis),
        project_opts.selectinload(m.Project.components).selectinload(m.Project.events),
        project_opts.selectinload(m.Project.components)
        .selectinload(m.Project.department_links)
        .selectinload(m.ProjectDepartment.department),
        selectinload(m.Plan.cooperative_projects),
        selectinload(m.Plan.warnings),
    ]


def export_plan_data(
    session: Session,
    fiscal_year: int | None = None,
    *,
    include_context: bool = True,
    include_plans: bool = True,
    issuer: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> d.PlanData:
    """Read the current data back as a bundle (optionally one fiscal year's or one issuer's plans, or none;
    ``where``: more conditions on the plans, e.g. a viewer's plan filter)."""
    keys = document_keys(session)
    data = d.PlanData()
    if include_plans:
        stmt = select(m.Plan).where(m.Plan.is_current.is_(True), *where).order_by(m.Plan.fiscal_year, m.Plan.issuer)
        if fiscal_year is not None:
            stmt = stmt.where(m.Plan.fiscal_year == fiscal_year)
        if issuer is not None:
            stmt = stmt.where(m.Plan.issuer == issuer)
        plans = session.scalars(stmt.options(*plan_load_options())).all()
        data.plans = [read_plan(p, keys) for p in plans]
    if include_context:
        vision = session.scalar(select(m.Vision).where(m.Vision.is_current.is_(True)).order_by(m.Vision.id.desc()))
        if vision is not None:
            data.vision = read_vision(vision, keys)
        action_plan = session.scalar(
            select(m.ActionPlan).where(m.ActionPlan.is_current.is_(True)).order_by(m.ActionPlan.id.desc())
        )
        if action_plan is not None:
            data.action_plan = read_action_plan(action_plan, keys)
        pstmt = select(m.PartnerProgramme).where(m.PartnerProgramme.is_current.is_(True))
        if fiscal_year is not None:
            pstmt = pstmt.where(m.PartnerProgramme.fiscal_year == fiscal_year)
        data.partner_priorities = [
            read_partner(p, keys) for p in session.scalars(pstmt.order_by(m.PartnerProgramme.id))
        ]
    used = _used_document_keys(data)
    docs = session.scalars(select(m.Document).order_by(m.Document.id)).all()
    data.documents = [read_document(doc) for doc in docs if doc.key in used]
    return data


def _used_document_keys(data: d.PlanData) -> set[str]:
    return _all_provenance_documents(data.model_dump())


def _all_provenance_documents(node: object) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            prov = item.get("provenance")
            if isinstance(prov, dict) and isinstance(prov.get("document"), str):
                found.add(prov["document"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def bundled_bundles() -> list[tuple[str, d.PlanData]]:
    """The bundled Kansai dataset, in load order, validated."""
    folder = resources.files(BUNDLED_PACKAGE) / BUNDLED_FOLDER
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [
        (name, d.PlanData.model_validate_json((folder / name).read_text(encoding="utf-8")))
        for name in manifest["files"]
    ]
