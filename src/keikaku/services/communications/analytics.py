"""Web analytics: the registry of properties, importing their exports, and monthly figures per property.

An import is all or nothing (:mod:`.analytics_files` lists every error, and nothing is stored).  For one
property and period:

* the same file again (same bytes) changes nothing;
* another file replaces the earlier import: its metric rows go, the import row and its raw file stay with
  ``replaced_by_id`` set, and the replacement is an audit record with both figures;
* a file whose period only partly overlaps an earlier import's is refused (which month would count?).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.analytics_files import read_analytics_file
from keikaku.services.core.actors import Actor, Permission, is_admin, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text, required_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import communications as store
from keikaku.storage import models as m
from keikaku.storage.bulk import insert_rows, sa_table
from keikaku.storage.uow import read_session, unit_of_work

#: The bureau's properties as the issue names them (code, name); staff add them with their department.
KNOWN_PROPERTIES = (
    ("overseas", "Your Gateway to Kansai Business（海外向けWEBサイト）"),
    ("startup", "関西スタートアップポータル"),
    ("labsearch", "かんさいラボサーチ"),
    ("bureau", "関西広域連合 広域産業振興局ホームページ"),
)


@dataclass(frozen=True)
class PropertyPublic:
    """A web property."""

    id: int
    code: str
    name: str
    url: str | None
    department: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``imported``, ``replaced`` (with the imports it replaced) or ``unchanged``."""

    import_id: int
    outcome: str
    source: str
    period_start: dt.date
    period_end: dt.date
    rows: int
    views: int
    sessions: int | None
    dropped_totals: int
    replaced: tuple[int, ...]


def _result(row: store.WebImport, outcome: str, dropped_totals: int, replaced: tuple[int, ...]) -> ImportResult:
    """What an import did, with the period and totals of its stored import."""
    return ImportResult(
        row.id,
        outcome,
        row.source,
        row.period_start,
        row.period_end,
        row.rows,
        row.views,
        row.sessions,
        dropped_totals,
        replaced,
    )


def _property(session: Session, code: str) -> store.WebProperty:
    row = session.scalar(select(store.WebProperty).where(store.WebProperty.code == code))
    if row is None:
        raise NotFoundError(f"サイト「{code}」は登録されていません", code="property_not_found")
    return row


def _public(row: store.WebProperty) -> PropertyPublic:
    return PropertyPublic(row.id, row.code, row.name, row.url, row.department)


def add_property(
    code: str, name: str, department: str, *, url: str | None = None, actor: Actor, engine: Engine | None = None
) -> PropertyPublic:
    """Register a web property of a department (its code is what measures and imports name)."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    clean_code = (clean_name(code, "サイトのコード", limit=40, field="code") or "").lower()
    if not clean_code or not clean_code.replace("_", "").replace("-", "").isalnum():
        raise ValidationError("サイトのコードは英数字で入力してください", details={"fields": {"code": "英数字"}})
    title = required_text(name, "サイト名", limit=400, field="name")
    with unit_of_work(ensure_schema(engine)) as session:
        if session.scalar(select(store.WebProperty.id).where(store.WebProperty.code == clean_code)):
            raise ConflictError(f"サイト「{clean_code}」は登録済みです", code="property_exists")
        row = store.WebProperty(
            code=clean_code, name=title, url=clean_text(url, "URL", limit=1000), department=department
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.WEB_PROPERTY_ADD, "web_property", row.id, None, {"code": clean_code})
        return _public(row)


def departments_for(actor: Actor, *, engine: Engine | None = None) -> list[str]:
    """The departments the actor may enter communications records for (administrators: every department)."""
    if not is_admin(actor):
        return sorted(d for d in actor.departments if actor.can(Permission.MANAGE_COMMUNICATIONS, departments=[d]))
    with read_session(ensure_schema(engine)) as session:
        return sorted(session.scalars(select(m.Department.name).distinct()))


def list_properties(*, engine: Engine | None = None) -> list[PropertyPublic]:
    """Every registered property (public: names and codes only)."""
    with read_session(ensure_schema(engine)) as session:
        return [_public(r) for r in session.scalars(select(store.WebProperty).order_by(store.WebProperty.id))]


def import_analytics(
    property_code: str,
    filename: str,
    content: bytes,
    *,
    period: str | None = None,
    actor: Actor,
    engine: Engine | None = None,
) -> ImportResult:
    """Import a GA4 or Matomo export for a property (see the module for replacing and refusing)."""
    name = check_upload(filename, content)
    with unit_of_work(ensure_schema(engine)) as session:
        prop = _property(session, property_code)
        require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[prop.department])
        parsed = read_analytics_file(content, name, period=period)
        digest = hashlib.sha256(content).hexdigest()
        live = session.scalars(
            select(store.WebImport).where(
                store.WebImport.property_id == prop.id,
                store.WebImport.replaced_by_id.is_(None),
                store.WebImport.period_start <= parsed.period_end,
                store.WebImport.period_end >= parsed.period_start,
            )
        ).all()
        for old in live:
            if old.period_start < parsed.period_start or old.period_end > parsed.period_end:
                raise ConflictError(
                    f"{name}: 期間 {parsed.period_start}〜{parsed.period_end} は取込済みの期間 "
                    f"{old.period_start}〜{old.period_end}（{old.filename}）と一部だけ重なります。"
                    "同じ期間で出力し直してください",
                    code="partial_overlap",
                )
        same = [
            o
            for o in live
            if o.sha256 == digest
            and (o.period_start, o.period_end)
            == (
                parsed.period_start,
                parsed.period_end,
            )
        ]
        if same and len(live) == 1:
            return _result(same[0], "unchanged", parsed.dropped_totals, ())
        views = sum(r.views for r in parsed.rows)
        has_sessions = any(r.sessions is not None for r in parsed.rows)
        sessions = sum(r.sessions or 0 for r in parsed.rows) if has_sessions else None
        row = store.WebImport(
            property_id=prop.id,
            source=parsed.source,
            period_start=parsed.period_start,
            period_end=parsed.period_end,
            dated_rows=parsed.dated_rows,
            filename=name,
            sha256=digest,
            raw=content,
            rows=len(parsed.rows),
            views=views,
            sessions=sessions,
            imported_by=actor.recorded_name,
            imported_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        for old in live:
            session.execute(delete(store.WebMetric).where(store.WebMetric.import_id == old.id))
            old.replaced_by_id = row.id
        if parsed.rows:  # COPY on PostgreSQL, one executemany elsewhere: no per-row ORM work
            insert_rows(
                session.connection(),
                sa_table(store.WebMetric),
                ("import_id", "property_id", "page_path", "day", "views", "sessions", "users"),
                ((row.id, prop.id, r.page_path, r.day, r.views, r.sessions, r.users) for r in parsed.rows),
            )
        before = [{"import": o.id, "file": o.filename, "views": o.views, "sessions": o.sessions} for o in live]
        audit.record(
            session,
            actor,
            AuditAction.WEB_ANALYTICS_REPLACE if live else AuditAction.WEB_ANALYTICS_IMPORT,
            "web_property",
            prop.id,
            before or None,
            {
                "import": row.id,
                "file": name,
                "period": [parsed.period_start.isoformat(), parsed.period_end.isoformat()],
                "rows": len(parsed.rows),
                "views": views,
                "sessions": sessions,
            },
        )
        return _result(row, "replaced" if live else "imported", parsed.dropped_totals, tuple(o.id for o in live))


@dataclass(frozen=True)
class MonthFigure:
    """Page views and sessions of a property in one month."""

    month: dt.date
    views: int
    sessions: int


def monthly_figures(property_code: str, *, engine: Engine | None = None) -> tuple[PropertyPublic, list[MonthFigure]]:
    """A property's page views and sessions per month (counts only: public)."""
    with read_session(ensure_schema(engine)) as session:
        prop = _property(session, property_code)
        rows = session.execute(
            select(store.WebMetric.day, func.sum(store.WebMetric.views), func.sum(store.WebMetric.sessions))
            .where(store.WebMetric.property_id == prop.id)
            .group_by(store.WebMetric.day)
        ).all()
        months: dict[dt.date, list[int]] = {}
        for day, views, sessions in rows:
            key = dt.date(day.year, day.month, 1)
            acc = months.setdefault(key, [0, 0])
            acc[0] += int(views or 0)
            acc[1] += int(sessions or 0)
        return _public(prop), [MonthFigure(k, v[0], v[1]) for k, v in sorted(months.items())]


@dataclass(frozen=True)
class ImportLogEntry:
    """An import of a property, current or replaced."""

    id: int
    filename: str
    source: str
    period_start: dt.date
    period_end: dt.date
    rows: int
    views: int
    imported_by: str | None
    imported_at: dt.datetime
    replaced_by_id: int | None


def import_log(property_code: str, *, viewer: Actor, engine: Engine | None = None) -> list[ImportLogEntry]:
    """The imports of a property, newest first; who imported is shown to its department's staff only."""
    with read_session(ensure_schema(engine)) as session:
        prop = _property(session, property_code)
        staff = viewer.can(Permission.VIEW_PERSONAL_DATA, departments=[prop.department])
        rows = session.scalars(
            select(store.WebImport).where(store.WebImport.property_id == prop.id).order_by(store.WebImport.id.desc())
        ).all()
        return [
            ImportLogEntry(
                r.id,
                r.filename,
                r.source,
                r.period_start,
                r.period_end,
                r.rows,
                r.views,
                r.imported_by if staff else None,
                r.imported_at,
                r.replaced_by_id,
            )
            for r in rows
        ]
