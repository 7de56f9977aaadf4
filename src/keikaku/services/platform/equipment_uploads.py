"""Importing an institution's equipment list in two steps, for the staff page and the API: preview, then commit.

1. :func:`stage_equipment` checks the file as every upload is checked
   (:func:`~keikaku.services.actuals.upload_safety.check_upload`: size, a file name that is data, an XLSX
   archive's directory), takes XLSX and CSV only, runs the import as a preview (``commit=False``: what would
   be added, updated and withdrawn, and every error) and keeps the bytes with that preview in
   ``lab_equipment_uploads``.  Nothing of the equipment is stored.
2. :func:`commit_equipment` imports those same bytes — never a copy the client sends again — in one
   transaction with the upload marked committed and the import's audit record.  A file with errors cannot be
   committed: the answer lists every error and nothing is stored.  If the institution's entries changed
   since the preview (another import), so that the commit would not do what the preview showed, it is
   refused (409) and nothing is stored.

Who may: those who manage かんさいラボサーチ (``MANAGE_LABSEARCH``: ものづくり支援課's editors, administrators).
An upload is seen by whoever uploaded it and by administrators.  Staged uploads older than
:data:`KEEP_STAGED` are deleted when the next one is staged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor, Permission, is_admin, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import OWNERS
from keikaku.services.platform.equipment_import import ImportReport, import_equipment_in
from keikaku.storage import platform as store
from keikaku.storage.base import utcnow
from keikaku.storage.uow import read_session, unit_of_work

KEEP_STAGED = dt.timedelta(days=7)
#: The kinds of file an equipment list comes in.
EXTENSIONS = (".xlsx", ".csv")
#: What a commit must do as its preview said, else it is refused (the institution's entries changed meanwhile).
CHANGES = ("added_names", "updated_names", "withdrawn_names")


@dataclass(frozen=True)
class EquipmentUpload:
    """A staged (or committed) equipment list and its preview (the import report as a dict)."""

    id: str
    institution_id: int
    filename: str
    size: int
    status: str
    uploaded_by: str
    uploaded_at: dt.datetime
    report: dict[str, Any]

    @property
    def can_commit(self) -> bool:
        """Staged and without errors."""
        return self.status == "staged" and not self.report.get("errors")


def _view(row: store.EquipmentUpload) -> EquipmentUpload:
    return EquipmentUpload(
        row.id, row.institution_id, row.filename, row.size, row.status, row.uploaded_by, row.uploaded_at, row.report
    )


def report_dict(report: ImportReport) -> dict[str, Any]:
    """An import report as the upload keeps it (JSON: lists for tuples)."""
    return json.loads(json.dumps(dataclasses.asdict(report), default=str))


def require_labsearch(actor: Actor) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` manages かんさいラボサーチ."""
    require(actor, Permission.MANAGE_LABSEARCH, departments=OWNERS)


def stage_equipment(
    institution_id: int, filename: object, content: bytes, *, actor: Actor, engine: Engine | None = None
) -> EquipmentUpload:
    """Check an uploaded equipment list, preview its import and keep it; nothing of the equipment is stored."""
    require_labsearch(actor)
    name = check_upload(filename, content)
    if not name.lower().endswith(EXTENSIONS):
        raise ValidationError(
            f"「{name}」は取り込めません（Excel の .xlsx か .csv のファイルを選んでください）",
            code="file_type",
            details={"fields": {"file": "ファイル"}},
        )
    eng = ensure_schema(engine)
    with read_session(eng) as session:  # a preview: nothing is written
        preview = import_equipment_in(session, institution_id, name, content, commit=False, actor=actor)
    with unit_of_work(eng) as session:
        session.execute(
            delete(store.EquipmentUpload).where(
                store.EquipmentUpload.status == "staged", store.EquipmentUpload.uploaded_at < utcnow() - KEEP_STAGED
            )
        )
        row = store.EquipmentUpload(
            id=secrets.token_hex(16),
            institution_id=institution_id,
            filename=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            report=report_dict(preview),
            status="staged",
            uploaded_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        details = {"file": name, "institution_id": institution_id, "errors": len(preview.errors)}
        audit.record(session, actor, AuditAction.LABSEARCH_UPLOAD, "lab_equipment_upload", row.id, None, details)
        return _view(row)


def _owned(session: Session, actor: Actor, institution_id: int, upload_id: str) -> store.EquipmentUpload:
    row = session.get(store.EquipmentUpload, upload_id)
    if row is None or row.institution_id != institution_id or not (is_admin(actor) or row.uploaded_by == actor.name):
        raise NotFoundError(
            "取り込み中の機器一覧が見つかりません（取り込み済みか、期限が切れました）", code="upload_not_found"
        )
    return row


def get_equipment_upload(
    institution_id: int, upload_id: str, *, actor: Actor, engine: Engine | None = None
) -> EquipmentUpload:
    """A staged upload with its preview (its uploader and administrators only)."""
    require_labsearch(actor)
    with read_session(ensure_schema(engine)) as session:
        return _view(_owned(session, actor, institution_id, upload_id))


def commit_equipment(
    institution_id: int, upload_id: str, *, actor: Actor, engine: Engine | None = None
) -> EquipmentUpload:
    """Import a staged upload's bytes: one transaction with the upload marked committed (see the module)."""
    require_labsearch(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        row = _owned(session, actor, institution_id, upload_id)
        if row.status != "staged":
            raise ConflictError("この機器一覧はすでに取り込まれています", code="upload_closed")
        errors = row.report.get("errors") or []
        if errors:
            raise ValidationError(
                f"誤りが {len(errors)} 件あるファイルは取り込めません。直してからもう一度アップロードしてください",
                code="import_errors",
                details={"errors": errors},
            )
        report = import_equipment_in(session, institution_id, row.filename, row.content, commit=True, actor=actor)
        if any(report_dict(report)[k] != row.report.get(k) for k in CHANGES):
            raise ConflictError(  # the transaction is rolled back: nothing imported
                "確認のあとで機関の機器が変わりました（別の取り込みなど）。もう一度アップロードして確認してください",
                code="preview_outdated",
            )
        row.status, row.report, row.closed_at = "committed", report_dict(report), utcnow()
        session.flush()
        return _view(row)
