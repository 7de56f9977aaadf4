"""The audit trail: the one call every service makes when it changes something, and reading it back.

:func:`record` adds an entry in the caller's transaction, so an entry exists exactly when the change it
describes was committed.  Entries are never updated or deleted (the database refuses it, see
``keikaku.storage.accounts``).  :func:`list_audit` reads the trail per object or in the whole;
:func:`export_audit` writes it as CSV (UTF-8 with BOM) or XLSX for auditors, with every text cell
neutralised against formula injection.

Who may read the trail: bureau administrators and council members (who read everything).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

from sqlalchemy import Engine, Select, func, insert, select
from sqlalchemy.orm import Session

from keikaku.normalize.date_style import JST
from keikaku.reports.files import atomic_path, new_workbook, write_csv
from keikaku.reports.safe_cells import neutralise_cell
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.governance.audit_view import action_words
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.base import as_utc
from keikaku.storage.uow import read_session

#: The id of the web or API request being served; the web middleware sets it, :func:`record` stores it.
request_id_var: ContextVar[str | None] = ContextVar("keikaku_request_id", default=None)

MAX_LIMIT = 1000
EXPORT_HEADER = (
    "ID",
    "日時（日本時間）",
    "実行者",
    "操作",
    "対象の種類",
    "対象ID",
    "変更前",
    "変更後",
    "理由",
    "リクエストID",
    "操作の名前",
)
# Characters XLSX (XML 1.0) cannot hold; openpyxl refuses them.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_CELL_MAX = 32_767


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the trail, as services hand it out (never the ORM row)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    before: Any
    after: Any
    reason: str | None
    request_id: str | None


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first, with the number of entries matching the filter."""

    entries: list[AuditRecord]
    total: int
    limit: int
    offset: int


@contextlib.contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Within the block, audit entries carry ``request_id`` (the web and API middleware use this)."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


def jsonable(value: Any) -> Any:
    """``value`` made JSON-safe: dates as ISO text, enums as their value, dataclasses as dicts, bytes as a size."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after): what an update entry should hold."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record_many(session: Session, actor: Actor, entries: list[tuple[str, str, object | None, Any]]) -> None:
    """Add many audit entries at once — (action, object type, object id, after) each, as :func:`record` would
    write them with no ``before`` and no reason — in one bulk insert of ``session``'s transaction (for runs
    that write thousands, such as the call for actuals' reminders)."""
    if not entries:
        return
    at, who, request_id = dt.datetime.now(dt.UTC), actor.recorded_name, request_id_var.get()
    rows = [
        {
            "at": at,
            "actor": who,
            "action": action[:100],
            "object_type": object_type[:50],
            "object_id": None if object_id is None else str(object_id)[:200],
            "before": None,
            "after": jsonable(after),
            "reason": None,
            "request_id": request_id,
        }
        for action, object_type, object_id, after in entries
    ]
    session.execute(insert(AuditEntry), rows)


#: The longest reason the trail keeps for an administrator's change (a publication, a lock, a withdrawal…).
MAX_CHANGE_REASON = 2000


def change_reason(reason: str | None) -> str | None:
    """The reason given for an audited change, kept as typed (control characters refused), None when empty."""
    return clean_text(reason, "理由", limit=MAX_CHANGE_REASON, field="reason")


def record(  # noqa: PLR0917 - the audit call's shape is fixed: who, what, which, before, after, why
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object | None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> None:
    """Add an audit entry in ``session``'s transaction: who (``actor``), what (``action`` on ``object_type``
    ``object_id``), the values before and after, and the reason given.

    The one audit call of keikaku: every service that changes something calls it before its unit of work
    commits.  ``before``/``after`` are made JSON-safe; never pass secrets (password hashes, tokens).
    """
    session.add(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=actor.recorded_name,
            action=action[:100],
            object_type=object_type[:50],
            object_id=None if object_id is None else str(object_id)[:200],
            before=jsonable(before),
            after=jsonable(after),
            reason=reason.strip() if reason and reason.strip() else None,
            request_id=request_id_var.get(),
        )
    )


def _require_auditor(viewer: Actor) -> None:
    if not viewer.can(Permission.READ_AUDIT):
        raise PermissionDeniedError("監査記録を閲覧する権限がありません", details={"permission": "read_audit"})


@dataclass(frozen=True)
class _Filter:
    object_type: str | None = None
    object_id: object | None = None
    actor: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.object_type:
            stmt = stmt.where(AuditEntry.object_type == self.object_type)
        if self.object_id is not None:
            stmt = stmt.where(AuditEntry.object_id == str(self.object_id))
        if self.actor:
            stmt = stmt.where(AuditEntry.actor == self.actor)
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        # Timestamps are stored in UTC (SQLite keeps the UTC wall time without an offset): compare in UTC.
        if self.since is not None:
            stmt = stmt.where(AuditEntry.at >= as_utc(self.since))
        if self.until is not None:
            stmt = stmt.where(AuditEntry.at < as_utc(self.until))
        return stmt


def _to_record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=as_utc(row.at),
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        request_id=row.request_id,
    )


def list_audit(
    viewer: Actor,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    engine: Engine | None = None,
) -> AuditPage:
    """Entries of the trail, newest first: of one object (``object_type`` and ``object_id``), by one
    ``actor``, of one ``action``, in a time range, or all of them.  Only auditors may read it."""
    _require_auditor(viewer)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"件数は 1〜{MAX_LIMIT} で指定してください")
    if offset < 0:
        raise ValidationError("開始位置は 0 以上で指定してください")
    eng = ensure_schema(engine)
    filters = _Filter(object_type, object_id, actor, action, since, until)
    with read_session(eng) as session:
        total = session.scalar(filters.apply(select(func.count(AuditEntry.id)))) or 0
        stmt = filters.apply(select(AuditEntry)).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        entries = [_to_record(row) for row in session.scalars(stmt)]
    return AuditPage(entries=entries, total=total, limit=limit, offset=offset)


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _export_row(entry: AuditRecord) -> list[object]:
    values: list[object] = [
        entry.id,
        entry.at.astimezone(JST).replace(tzinfo=None),
        entry.actor,
        entry.action,
        entry.object_type,
        entry.object_id or "",
        _json_text(entry.before),
        _json_text(entry.after),
        entry.reason or "",
        entry.request_id or "",
        action_words(entry.action),
    ]
    return [neutralise_cell(v) for v in values]


def _xlsx_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    cleaned = _XLSX_ILLEGAL.sub("\ufffd", value)
    return cleaned if len(cleaned) <= _XLSX_CELL_MAX else cleaned[: _XLSX_CELL_MAX - 1] + "…"


def _write_csv(rows: Iterator[list[object]], out: BinaryIO) -> int:
    texts = (
        [v.isoformat(sep=" ", timespec="seconds") if isinstance(v, dt.datetime) else v for v in row] for row in rows
    )
    return write_csv(out, EXPORT_HEADER, texts)


def _write_xlsx(rows: Iterator[list[object]], out: BinaryIO) -> int:
    from openpyxl.cell import WriteOnlyCell

    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("監査記録")
    ws.freeze_panes = "A2"
    ws.append(list(EXPORT_HEADER))
    count = 0
    for row in rows:
        cells: list[object] = []
        for value in row:
            cell = WriteOnlyCell(ws, value=_xlsx_text(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        ws.append(cells)
        count += 1
    wb.save(out)
    return count


def export_audit(
    viewer: Actor,
    fmt: Literal["csv", "xlsx"],
    out: Path | BinaryIO,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """Write the trail (oldest first, optionally filtered) to ``out`` as CSV or XLSX; return the entry count.

    Times are Japan time; ``before``/``after`` are JSON text.  A path is written atomically (a partial file
    renamed when complete).  Text that a spreadsheet would run as a formula is neutralised.
    """
    _require_auditor(viewer)
    if fmt not in {"csv", "xlsx"}:
        raise ValidationError(f"出力形式は csv または xlsx です（{fmt}）")
    eng = ensure_schema(engine)
    writer = _write_csv if fmt == "csv" else _write_xlsx
    filters = _Filter(object_type, object_id, actor, None, since, until)
    with read_session(eng, streaming=True) as session:
        stmt = filters.apply(select(AuditEntry)).order_by(AuditEntry.id).execution_options(yield_per=1000)
        rows = (_export_row(_to_record(row)) for row in session.scalars(stmt))
        if not isinstance(out, Path):
            return writer(rows, out)
        if out.is_dir():
            raise ValidationError(f"出力先がフォルダです: {out}")
        if not out.parent.is_dir():
            raise ValidationError(f"出力先のフォルダがありません: {out.parent}")
        with atomic_path(out) as partial, partial.open("wb") as handle:
            return writer(rows, handle)
