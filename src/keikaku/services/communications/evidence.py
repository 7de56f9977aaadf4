"""A registry entry's evidence file (a screenshot of a database listing, the press release as sent).

A file goes through the upload checks every file goes through (:func:`check_upload`: size, name, XLSX
archive) and only the kinds evidence comes as are taken; it is stored as the actuals' attachments are
(:class:`~keikaku.storage.actuals.ActualAttachment`, with its SHA-256) and linked from the entry.  The
owning department's staff (and administrators) download it; the public sees only that an entry has one.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from keikaku.reports.files import media_type
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import actuals as actual_store
from keikaku.storage import communications as store
from keikaku.storage.uow import read_session, unit_of_work

#: The kinds of file taken as evidence, by extension, with the media type they are served as.
EVIDENCE_TYPES = {
    ".pdf": media_type("pdf"),
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
    ".csv": media_type("csv"),
    ".xlsx": media_type("xlsx"),
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class EvidenceFile:
    """A stored evidence file, to download."""

    filename: str
    media_type: str
    content: bytes
    sha256: str


def checked_evidence(filename: object, content: bytes) -> tuple[str, str]:
    """The safe name and media type of an evidence file, or a ValidationError naming the file."""
    name = check_upload(filename, content)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = "、".join(sorted(EVIDENCE_TYPES))
        raise ValidationError(
            f"根拠のファイル「{name}」は受け付けない形式です（{allowed} のいずれか）",
            code="bad_evidence_type",
            details={"fields": {"evidence": allowed}},
        )
    return name, EVIDENCE_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def store_evidence(session: Session, name: str, media_type: str, content: bytes, user: str) -> int:
    """Store a checked evidence file; its id."""
    row = actual_store.ActualAttachment(
        filename=name,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=user[:200],
    )
    session.add(row)
    session.flush()
    return row.id


def attach_evidence(
    entry_id: int, filename: object, content: bytes, *, actor: Actor, engine: Engine | None = None
) -> None:
    """Give an existing entry (one imported from a file, say) its evidence file; a later file replaces it."""
    name, media = checked_evidence(filename, content)
    with unit_of_work(ensure_schema(engine)) as session:
        row = session.get(store.ActivityEntry, entry_id)
        if row is None:
            raise NotFoundError(f"記録 {entry_id} は見つかりません", code="entry_not_found")
        require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[row.department])
        before = row.evidence_id
        row.evidence_id = store_evidence(session, name, media, content, actor.name)
        audit.record(
            session,
            actor,
            AuditAction.REGISTRY_EVIDENCE,
            "activity_entry",
            row.id,
            {"evidence_id": before},
            {"evidence_id": row.evidence_id, "file": name},
        )


def entry_evidence(entry_id: int, *, actor: Actor, engine: Engine | None = None) -> EvidenceFile:
    """An entry's evidence file for the owning department's staff; NotFoundError when it has none."""
    with read_session(ensure_schema(engine)) as session:
        row = session.get(store.ActivityEntry, entry_id)
        if row is None or row.evidence_id is None:
            raise NotFoundError(f"記録 {entry_id} の根拠ファイルはありません", code="evidence_not_found")
        require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[row.department])
        file = session.get(actual_store.ActualAttachment, row.evidence_id)
        if file is None:  # pragma: no cover - the foreign key sets the link NULL when the file goes
            raise NotFoundError(f"記録 {entry_id} の根拠ファイルはありません", code="evidence_not_found")
        return EvidenceFile(file.filename, file.media_type, file.content, file.sha256)
