"""Files attached to a line of a case's log: checked by the upload safety
(:func:`keikaku.services.actuals.upload_safety.check_upload`: size, a file name that is data and never a
path, an XLSX archive's directory) and limited to the kinds a consultation needs, stored in the database
with the line in one transaction.  Seen only by those who see cases; each download is an audit record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import require_cases
from keikaku.storage import platform as store
from keikaku.storage.uow import unit_of_work

#: The kinds of file a consultation's log takes.
EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".xlsx", ".docx", ".pptx", ".csv", ".txt")


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment as a log line lists it."""

    id: int
    filename: str
    size: int


def check_attachment(filename: str, content: bytes) -> str:
    """The safe file name of an attachment, or :class:`ValidationError` naming the file and the reason."""
    name = check_upload(filename, content)
    if not name.lower().endswith(EXTENSIONS):
        raise ValidationError(
            f"添付ファイル「{name}」の種類は受け付けていません（{'・'.join(EXTENSIONS)}）",
            details={"fields": {"attachment": "添付ファイル"}},
        )
    if not content:
        raise ValidationError(f"添付ファイル「{name}」が空です", details={"fields": {"attachment": "添付ファイル"}})
    return name


def add_attachment(session: Session, activity_id: int, name: str, content: bytes, actor: Actor) -> None:
    """Store a checked attachment of a log line in the caller's transaction."""
    session.add(
        store.CaseAttachment(
            activity_id=activity_id,
            filename=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=actor.recorded_name,
        )
    )


def attachments_of(session: Session, activity_ids: Iterable[int]) -> dict[int, tuple[AttachmentRef, ...]]:
    """Log line id → its attachments."""
    found: dict[int, list[AttachmentRef]] = {}
    a = store.CaseAttachment
    rows = session.execute(
        select(a.id, a.activity_id, a.filename, a.size).where(a.activity_id.in_(list(activity_ids))).order_by(a.id)
    ).all()
    for attachment_id, activity_id, filename, size in rows:
        found.setdefault(activity_id, []).append(AttachmentRef(attachment_id, filename, size))
    return {k: tuple(v) for k, v in found.items()}


def get_attachment(
    case_id: int, attachment_id: int, *, actor: Actor, engine: Engine | None = None
) -> tuple[str, bytes]:
    """(file name, content) of an attachment of the case; the download is an audit record."""
    require_cases(actor)
    with unit_of_work(ensure_schema(engine)) as session:
        row = session.scalar(
            select(store.CaseAttachment)
            .join(store.CaseActivity, store.CaseActivity.id == store.CaseAttachment.activity_id)
            .where(store.CaseAttachment.id == attachment_id, store.CaseActivity.case_id == case_id)
        )
        if row is None:
            raise NotFoundError(f"添付ファイル {attachment_id} はありません", code="attachment_not_found")
        audit.record(
            session, actor, AuditAction.PLATFORM_ATTACHMENT_VIEW, "platform_case", case_id, None, {"file": row.filename}
        )
        return row.filename, row.content
