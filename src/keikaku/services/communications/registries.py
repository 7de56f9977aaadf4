"""Registries of activity: startups' listings in databases, posts (HP, SNS, mail magazine), PR occurrences
(fairs, press releases), entered one by one by staff or imported from CSV/XLSX.

An entry is one (kind, date, medium, folded title): the same listing typed twice, or a file imported
again, adds nothing.  An import is all or nothing and lists every error with its file, line and column.
Who entered an entry is personal data: the owning department's staff see it, the public sees entries
without it; the staff export is an audit record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import fold_for_search
from keikaku.reports.files import csv_bytes
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.evidence import checked_evidence, store_evidence
from keikaku.services.communications.tables import audit_import, column, read_table, refuse_rows
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.events.organisations import find_or_add_organisation
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import communications as store
from keikaku.storage import events as event_store
from keikaku.storage.uow import read_session, unit_of_work

KIND_LABELS = {"listing": "データベース掲載", "post": "発信（HP・SNS）", "pr": "PR（展示会・プレスリリース）"}


@dataclass(frozen=True)
class EntryForm:
    """An entry as typed: dates as ``2026-05-01`` (or 2026/5/1), audience ``overseas`` / ``domestic``."""

    kind: str
    entry_date: str
    medium: str
    title: str
    url: str = ""
    audience: str = ""


@dataclass(frozen=True)
class EntryPublic:
    """A registry entry; ``entered_by`` only for the owning department's staff."""

    id: int
    kind: str
    entry_date: dt.date
    medium: str
    title: str
    url: str | None
    audience: str | None
    department: str
    entered_by: str | None
    #: Whether a file is kept as evidence (its owning department's staff download it).
    has_evidence: bool = False


def _check(form: EntryForm, where: str = "", *, has_file: bool = False) -> tuple[dict[str, object], list[str]]:
    errors: list[str] = []
    values: dict[str, object] = {}
    if form.kind not in store.ENTRY_KINDS:
        errors.append(f"{where}種類「{form.kind}」は listing / post / pr のいずれかです")
    try:
        values["entry_date"] = dt.date.fromisoformat(form.entry_date.strip().replace("/", "-")[:10])
    except ValueError:
        try:
            y, m, d = (int(p) for p in form.entry_date.strip().replace("/", "-").split("-"))
            values["entry_date"] = dt.date(y, m, d)
        except ValueError:
            errors.append(f"{where}「日付」: 2026-05-01 の形で入力してください（{form.entry_date[:20]}）")
    try:
        medium = clean_text(form.medium, "媒体", limit=200)
        title = clean_text(form.title, "タイトル", limit=400)
        url = clean_text(form.url, "URL", limit=1000)
    except ValidationError as exc:
        return values, [*errors, f"{where}{exc.message}"]
    if not medium:
        errors.append(f"{where}「媒体」: 入力してください（データベース名・チャネル・展示会名）")
    if not title:
        errors.append(f"{where}「タイトル」: 入力してください")
    if url and not url.startswith(("https://", "http://")):
        errors.append(f"{where}「URL」: https:// で始まる URL を入力してください")
    if form.kind == "listing" and not url and not has_file:
        errors.append(f"{where}「URL」: 掲載ページの URL か根拠のファイルを添えてください")
    audience = form.audience.strip() or None
    if audience not in (None, *store.AUDIENCES):
        errors.append(f"{where}「対象」: overseas（海外）か domestic（国内）です")
    values.update(
        kind=form.kind,
        medium=medium,
        title=title,
        folded=fold_for_search(title or ""),
        url=url,
        audience=audience if form.kind == "pr" else None,
    )
    return values, errors


def _exists(session: Session, values: dict[str, object]) -> bool:
    key = (values["kind"], values["entry_date"], values["medium"], values["folded"])
    cols = tuple_(
        store.ActivityEntry.kind, store.ActivityEntry.entry_date, store.ActivityEntry.medium, store.ActivityEntry.folded
    )
    return session.scalar(select(store.ActivityEntry.id).where(cols == key)) is not None


def add_entry(
    form: EntryForm,
    department: str,
    *,
    evidence: tuple[str, bytes] | None = None,
    actor: Actor,
    engine: Engine | None = None,
) -> EntryPublic:
    """Add one entry for a department, with its evidence (the URL, or a file ``(name, bytes)``, or both);
    ConflictError when the same entry is already there."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    checked = checked_evidence(*evidence) if evidence else None
    values, errors = _check(form, has_file=checked is not None)
    if errors:
        raise ValidationError(errors[0], details={"errors": errors})
    with unit_of_work(ensure_schema(engine)) as session:
        if _exists(session, values):
            raise ConflictError("同じ日付・媒体・タイトルの記録が既にあります", code="entry_exists")
        row = store.ActivityEntry(**_with_firm(session, values), department=department, entered_by=actor.recorded_name)
        if checked and evidence:
            row.evidence_id = store_evidence(session, *checked, evidence[1], actor.name)
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.REGISTRY_ADD, "activity_entry", row.id, None, _snapshot(row))
        return _public(row, staff=True)


def _with_firm(session: Session, values: dict[str, object]) -> dict[str, object]:
    """A listing's values with its startup as an organisation: the one organisation of that folded name
    (whatever its 法人番号), a new one when there is none, none when several share the name (no guess)."""
    if values.get("kind") != "listing":
        return values
    folded = fold_organisation_name(str(values["title"]))
    same = session.scalars(
        select(event_store.Organisation.id).where(event_store.Organisation.folded_name == folded).limit(2)
    ).all()
    if not same:
        org = find_or_add_organisation(session, str(values["title"]), None)
        same = [org.id] if org else []
    return {**values, "organisation_id": same[0] if len(same) == 1 else None}


def _snapshot(row: store.ActivityEntry) -> dict[str, object]:
    return {"kind": row.kind, "date": row.entry_date.isoformat(), "medium": row.medium, "title": row.title}


def _public(row: store.ActivityEntry, *, staff: bool) -> EntryPublic:
    return EntryPublic(
        row.id,
        row.kind,
        row.entry_date,
        row.medium,
        row.title,
        row.url,
        row.audience,
        row.department,
        row.entered_by if staff else None,
        row.evidence_id is not None,
    )


@dataclass(frozen=True)
class EntryImport:
    """What an import added, and how many of its rows were already there."""

    added: int
    already_there: int


def import_entries(
    kind: str, filename: str, content: bytes, department: str, *, actor: Actor, engine: Engine | None = None
) -> EntryImport:
    """Import entries of one kind from CSV/XLSX (列: 日付, 媒体, タイトル, URL, 対象); all or nothing."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    name = check_upload(filename, content)
    header, rows = read_table(content, name)
    cols = [
        column(header, name, "日付", "date"),
        column(header, name, "媒体", "データベース", "チャネル", "medium"),
        column(header, name, "タイトル", "企業名", "スタートアップ", "title"),
        column(header, name, "URL", "url", required=False),
        column(header, name, "対象", "audience", required=False),
    ]
    checked: list[dict[str, object]] = []
    errors: list[str] = []
    for line, cells in rows:
        date, medium, title, url, audience = (cells[c] if c is not None else "" for c in cols)
        values, problems = _check(EntryForm(kind, date, medium, title, url, audience), f"{name} {line}行目")
        errors += problems
        checked.append(values)
    refuse_rows(name, errors)
    with unit_of_work(ensure_schema(engine)) as session:
        seen: set[tuple[object, ...]] = set()
        added = 0
        for values in checked:
            key = (values["kind"], values["entry_date"], values["medium"], values["folded"])
            if key in seen or _exists(session, values):
                continue
            seen.add(key)
            session.add(
                store.ActivityEntry(
                    **_with_firm(session, values), department=department, entered_by=actor.recorded_name
                )
            )
            added += 1
        audit_import(session, actor, AuditAction.REGISTRY_IMPORT, "activity_entry", None, name, kind=kind, added=added)
        return EntryImport(added, len(checked) - added)


def list_entries(kind: str, *, viewer: Actor, engine: Engine | None = None) -> list[EntryPublic]:
    """The entries of a kind, newest first."""
    with read_session(ensure_schema(engine)) as session:
        rows = session.scalars(
            select(store.ActivityEntry)
            .where(store.ActivityEntry.kind == kind)
            .order_by(store.ActivityEntry.entry_date.desc(), store.ActivityEntry.id.desc())
        ).all()
        return [_public(r, staff=viewer.can(Permission.VIEW_PERSONAL_DATA, departments=[r.department])) for r in rows]


def export_entries_csv(kind: str, *, actor: Actor, engine: Engine | None = None) -> bytes:
    """The staff's export of a kind's entries with who entered them (UTF-8 with BOM); an audit record."""
    if not actor.can_anywhere(Permission.VIEW_PERSONAL_DATA):
        raise PermissionDeniedError("この操作を行う権限がありません", details={"permission": "view_personal_data"})
    rows = [r for r in list_entries(kind, viewer=actor, engine=engine) if r.entered_by is not None]
    header = ["日付", "媒体", "タイトル", "URL", "対象", "担当課", "入力者"]
    content = csv_bytes(
        header,
        (
            (
                r.entry_date.isoformat(),
                r.medium,
                r.title,
                r.url or "",
                r.audience or "",
                r.department,
                r.entered_by or "",
            )
            for r in rows
        ),
    )
    with unit_of_work(ensure_schema(engine)) as session:
        audit.record(
            session, actor, AuditAction.REGISTRY_EXPORT, "activity_entry", None, None, {"kind": kind, "rows": len(rows)}
        )
    return content


def add_ranking(
    ranking: str, year: int, rank: int, source: str, department: str, *, actor: Actor, engine: Engine | None = None
) -> int:
    """Record a ranking's rank for a year with its source (one per ranking and year)."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    name = clean_name(ranking, "ランキング名", limit=200, field="ranking")
    src = clean_text(source, "出典", limit=1000, field="source")
    if not name or not src:
        raise ValidationError("ランキング名と出典（URL など）を入力してください")
    if rank < 1 or not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
        raise ValidationError("順位は1以上、年は西暦で入力してください")
    with unit_of_work(ensure_schema(engine)) as session:
        taken = session.scalar(
            select(store.RankingEntry.id).where(store.RankingEntry.ranking == name, store.RankingEntry.year == year)
        )
        if taken:
            raise ConflictError(f"{name} の {year} 年の順位は登録済みです", code="ranking_exists")
        row = store.RankingEntry(
            ranking=name, year=year, rank=rank, source=src, department=department, entered_by=actor.recorded_name
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.RANKING_ADD,
            "ranking_entry",
            row.id,
            None,
            {"ranking": name, "year": year, "rank": rank},
        )
        return row.id
