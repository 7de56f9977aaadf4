"""Ingesting a document in two steps, for the browser and the API: parse and review, then store or discard.

1. :func:`stage_upload` checks the file as every upload is checked (:mod:`keikaku.services.actuals.upload_safety`),
   parses it as ``keikaku ingest`` does, and keeps the bytes with a **review**: the facts found with their
   source lines, the warnings, the difference from the plan's published revision (else its newest), and what
   publishing it would carry over from the published revision.  Nothing of the plan is stored yet.
2. :func:`store_upload` stores it as a draft revision (one transaction, the same as the command line's,
   with the upload marked stored), or :func:`discard_upload` drops it (its bytes are deleted).

The carry-over of the review is the very rule publishing applies
(:func:`keikaku.services.publication.revisions.copy_carried`), run on the plan stored in a transaction that
is rolled back, so the review and the publication cannot disagree.

Who may: an administrator, or a department editor for a plan with projects of one of its departments
(:data:`~keikaku.services.core.actors.Permission.EDIT_PROJECT`).  An upload is seen by whoever uploaded it and
by administrators.  Each step is audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from keikaku.domain import Component, Project
from keikaku.domain import Plan as PlanData
from keikaku.ingest.errors import IngestError
from keikaku.ingest.pipeline import IngestResult, ingest_file
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor, Permission, is_admin, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.services.exchange.ingest import DocumentReport, DocumentStatus, store_parsed
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.curated import keep_stored_curation
from keikaku.services.plans.revisions import diff_json, diff_plan_rows
from keikaku.services.publication.revisions import carry_over_in, copy_carried, published_revision_of
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.base import utcnow
from keikaku.storage.uow import trial_session, unit_of_work
from keikaku.storage.uploads import IngestUpload

#: Staged uploads older than this are deleted when the next one is staged.
KEEP_STAGED = dt.timedelta(days=7)


@dataclass(frozen=True)
class Upload:
    """An upload as its pages and the API show it."""

    id: str
    filename: str
    size: int
    sha256: str
    status: str
    uploaded_by: str
    uploaded_at: dt.datetime
    plan_id: int | None
    review: dict[str, Any]


def _view(row: IngestUpload) -> Upload:
    return Upload(
        row.id,
        row.filename,
        row.size,
        row.sha256,
        row.status,
        row.uploaded_by,
        row.uploaded_at,
        row.plan_id,
        row.review,
    )


def _may_upload(actor: Actor) -> None:
    if not actor.can_anywhere(Permission.EDIT_PROJECT):
        raise PermissionDeniedError(
            "文書の取り込みは管理者と担当課の編集者だけが行えます",
            code="forbidden",
            details={"permission": Permission.EDIT_PROJECT.value},
        )


def _parse(filename: str, content: bytes) -> IngestResult:
    """Parse the bytes as ``keikaku ingest`` parses a file of that name; the one-line error names the file."""
    with tempfile.TemporaryDirectory(prefix="keikaku-upload-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        try:
            result = ingest_file(path, max_bytes=len(content) + 1)
        except IngestError as exc:
            raise ValidationError(f"{filename}: {exc.reason}", code=exc.code, details={"file": filename}) from None
    for ref in result.data.documents:
        ref.path = filename  # the name the user gave, never the temporary folder
    return result


def _parts(project: Project) -> list[Project | Component]:
    return [project, *project.components]


def _departments(plan: PlanData) -> set[str]:
    return {d for p in plan.projects for c in _parts(p) for d in c.departments}


def _require_plans(actor: Actor, result: IngestResult) -> None:
    for plan in result.data.plans:
        require(actor, Permission.EDIT_PROJECT, departments=_departments(plan))
    if not result.data.plans and not is_admin(actor):
        raise PermissionDeniedError(
            "事業計画以外の文書（ビジョン・アクションプラン等）の取り込みは管理者だけが行えます", code="forbidden"
        )


def _where(prov: Any) -> dict[str, Any] | None:
    if prov is None:
        return None
    return {"page": prov.page, "line": prov.line, "excerpt": prov.excerpt}


def _facts(plan: PlanData) -> dict[str, Any]:
    """The facts found in one plan, each with where it stands in the document."""
    projects = []
    for project in plan.projects:
        kpis = [k for c in _parts(project) for k in c.kpis]
        events = [e for c in _parts(project) for e in c.events]
        projects.append(
            {
                "code": project.code,
                "name": project.name,
                "budget_thousand_yen": project.budget_thousand_yen,
                "departments": list(project.departments),
                "challenge": project.challenge,
                "start_fiscal_year": project.start_fiscal_year,
                "relisted": project.relisted,
                "components": [c.name for c in project.components],
                "kpis": [
                    {"indicator": k.indicator, "target": k.target, "unit": k.unit, "where": _where(k.provenance)}
                    for k in kpis
                ],
                "events": [
                    {
                        "name": e.name,
                        "start": str(e.start or ""),
                        "end": str(e.end or ""),
                        "where": _where(e.provenance),
                    }
                    for e in events
                ],
                "where": _where(project.provenance),
            }
        )
    return {
        "issuer": plan.issuer,
        "fiscal_year": plan.fiscal_year,
        "title": plan.title,
        "total_budget_thousand_yen": plan.total_budget_thousand_yen,
        "projects": projects,
    }


def _preview(session: Session, actor: Actor, result: IngestResult) -> list[dict[str, Any]]:
    """Store the parsed plans in ``session`` (to be rolled back) and compare each with the revision it revises:
    the diff, and what publishing would carry over, by the rules publishing itself applies."""
    keep_stored_curation(session, result.data)
    outcome = import_plan_data(session, result.data)
    session.flush()
    previews = []
    for plan in result.data.plans:
        revision = next((r for y, r in outcome.plans if y == plan.fiscal_year), None)
        row = session.scalar(
            select(m.Plan).where(
                m.Plan.issuer == plan.issuer, m.Plan.fiscal_year == plan.fiscal_year, m.Plan.revision == revision
            )
        )
        entry: dict[str, Any] = {"fiscal_year": plan.fiscal_year, "issuer": plan.issuer, "revision": revision}
        if row is None:
            previews.append(entry)
            continue
        base = published_revision_of(session, row) or session.scalar(
            select(m.Plan)
            .where(m.Plan.issuer == row.issuer, m.Plan.fiscal_year == row.fiscal_year, m.Plan.id != row.id)
            .order_by(m.Plan.revision.desc())
            .limit(1)
        )
        if base is not None:
            entry["diff"] = diff_json(diff_plan_rows(session, base, row))
            entry["base_plan_id"] = base.id
        carry = carry_over_in(session, row)
        if carry.published_plan_id is not None:
            indicators: dict[int, str] = {
                kpi_id: indicator
                for kpi_id, indicator in session.execute(
                    select(m.Kpi.id, m.Kpi.indicator).where(m.Kpi.id.in_(list(carry.kpis)))
                )
            }
            values = store.current_values(session, list(carry.kpis), [row.fiscal_year])
            entry["carry_over"] = {
                "published_plan_id": carry.published_plan_id,
                "copied": copy_carried(session, actor, row, carry),
                "values": [
                    {"indicator": indicators.get(v.kpi_id, ""), "value": v.value, "month": v.month} for v in values
                ],
                "unmatched": [{"kind": u.kind, "label": u.label, "what": list(u.what)} for u in carry.unmatched],
            }
        previews.append(entry)
    return previews


def _review(session: Session, actor: Actor, result: IngestResult) -> dict[str, Any]:
    source = result.source
    already = session.scalar(select(m.Document.key).where(m.Document.sha256 == source.sha256))
    review: dict[str, Any] = {
        "kind": result.kind.value,
        "format": source.format,
        "pages": len(source.pages) if source.has_pages else None,
        "lines": source.line_count,
        "found": dict(result.found),
        "partial": result.partial,
        "already_stored": already is not None,
        "warnings": [
            {"code": w.code, "message": w.message, "where": _where(w.provenance)}
            for w in [*result.warnings, *result.data.warnings]
        ],
        "plans": [_facts(plan) for plan in result.data.plans],
        "revisions": [],
    }
    if already is None and result.data.plans:
        review["revisions"] = _preview(session, actor, result)
    return review


def stage_upload(actor: Actor, filename: object, content: bytes, *, engine: Engine | None = None) -> Upload:
    """Check and parse an uploaded document and keep it with its review; nothing of the plan is stored.

    Raises :class:`ValidationError` with the same one-line reason as the command line for a file that cannot
    be ingested, and :class:`PermissionDeniedError` for a plan outside the actor's departments.
    """
    _may_upload(actor)
    name = check_upload(filename, content)
    result = _parse(name, content)
    _require_plans(actor, result)
    eng = ensure_schema(engine)
    with trial_session(eng) as session:  # rolled back: the preview stores the plan only to compare it
        review = _review(session, actor, result)
    with unit_of_work(eng) as session:
        session.execute(
            delete(IngestUpload).where(
                IngestUpload.status == "staged", IngestUpload.uploaded_at < utcnow() - KEEP_STAGED
            )
        )
        row = IngestUpload(
            id=secrets.token_hex(16),
            filename=name,
            size=len(content),
            sha256=result.source.sha256,
            content=content,
            review=review,
            status="staged",
            uploaded_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        details = {"file": name, "sha256": row.sha256, "kind": review["kind"], "warnings": len(review["warnings"])}
        audit.record(session, actor, AuditAction.DOCUMENT_UPLOAD, "upload", row.id, None, details)
        return _view(row)


def _owned(session: Session, actor: Actor, upload_id: str) -> IngestUpload:
    row = session.get(IngestUpload, upload_id)
    if row is None or not (is_admin(actor) or row.uploaded_by == actor.name):
        raise NotFoundError(
            "取り込み中の文書が見つかりません（破棄されたか、期限が切れました）", code="upload_not_found"
        )
    return row


def get_upload(actor: Actor, upload_id: str, *, engine: Engine | None = None) -> Upload:
    """An upload and its review (its uploader and administrators only)."""
    _may_upload(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        return _view(_owned(session, actor, upload_id))


def list_uploads(actor: Actor, *, engine: Engine | None = None, limit: int = 20) -> list[Upload]:
    """The newest uploads the actor may see (its own; every one for administrators)."""
    _may_upload(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        stmt = select(IngestUpload).order_by(IngestUpload.uploaded_at.desc()).limit(limit)
        if not is_admin(actor):
            stmt = stmt.where(IngestUpload.uploaded_by == actor.name)
        return [_view(row) for row in session.scalars(stmt)]


def _open(session: Session, actor: Actor, upload_id: str) -> IngestUpload:
    row = _owned(session, actor, upload_id)
    if row.status != "staged":
        state = "保存済み" if row.status == "stored" else "破棄済み"
        raise ConflictError(f"この文書はすでに{state}です", code="upload_closed")
    return row


def store_upload(actor: Actor, upload_id: str, *, engine: Engine | None = None) -> Upload:
    """Store a staged upload as a draft revision: parsed again from its bytes, in one transaction with the
    upload marked stored and the audit records.  A draft never replaces the published revision."""
    _may_upload(actor)
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        row = _open(session, actor, upload_id)
        result = _parse(row.filename, row.content)
        _require_plans(actor, result)
        report = DocumentReport(row.filename, DocumentStatus.PARSED, kind=result.kind, sha256=result.source.sha256)
        store_parsed(session, report, result, actor, original=row.content)
        if report.status is DocumentStatus.UNCHANGED:
            raise ConflictError(f"{row.filename}: 同じ文書がすでに登録されています", code="already_stored")
        plan_id = None
        if report.revisions:
            plan = result.data.plans[0]
            year, revision = report.revisions[0]
            plan_id = session.scalar(
                select(m.Plan.id).where(
                    m.Plan.issuer == plan.issuer, m.Plan.fiscal_year == year, m.Plan.revision == revision
                )
            )
        row.status, row.plan_id, row.closed_at = "stored", plan_id, utcnow()
        audit.record(session, actor, AuditAction.DOCUMENT_UPLOAD_STORE, "upload", row.id, None, {"plan_id": plan_id})
        session.flush()
        return _view(row)


def discard_upload(actor: Actor, upload_id: str, *, engine: Engine | None = None) -> Upload:
    """Drop a staged upload: nothing is stored and its bytes are deleted."""
    _may_upload(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        row = _open(session, actor, upload_id)
        row.status, row.content, row.closed_at = "discarded", b"", utcnow()
        audit.record(
            session, actor, AuditAction.DOCUMENT_UPLOAD_DISCARD, "upload", row.id, None, {"file": row.filename}
        )
        session.flush()
        return _view(row)
