"""The 産業視察先 (visit destinations) of the overseas site: name, prefecture, theme, the languages visitors
are received in, and a contact.

An import is all or nothing, every row's errors listed at once; a destination already there (the same
folded name) is left as it is, so importing a file again adds nothing.  The contact may name a person, so
it is the staff's: the public page, its JSON twin and the public export leave it out; the staff's export
carries it and is an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Engine, select

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import fold_for_search
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.tables import (
    audit_import,
    chosen,
    column,
    export_table,
    facet_counts,
    read_table,
    refuse_rows,
    split_values,
)
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import checked_engine, ensure_schema
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.core.paging import Paged, paginate
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import communications as store
from keikaku.storage.uow import read_session, unit_of_work

#: The directory's code, beside the directories of firms.
VISITS = "visits"
VISITS_NAME = "産業視察先"


@dataclass(frozen=True)
class Visit:
    """A visit destination; ``contact`` only for staff."""

    id: int
    name: str
    prefecture: str | None
    theme: str | None
    languages: str | None
    contact: str | None


@dataclass(frozen=True)
class VisitImport:
    """What an import added, and how many destinations were there already."""

    added: int
    already_there: int


_FIELDS = (
    ("prefecture", "府県", 20),
    ("theme", "テーマ", 400),
    ("languages", "対応言語", 200),
    ("contact", "連絡先", 400),
)


def import_visits(
    filename: str, content: bytes, department: str, *, actor: Actor, engine: Engine | None = None
) -> VisitImport:
    """Import destinations from CSV/XLSX (列: 視察先, 府県, テーマ, 対応言語, 連絡先); all or nothing."""
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    name = check_upload(filename, content)
    header, rows = read_table(content, name)
    cols = {
        "name": column(header, name, "視察先", "名称"),
        "prefecture": column(header, name, "府県", "所在地", required=False),
        "theme": column(header, name, "テーマ", "視察テーマ", required=False),
        "languages": column(header, name, "対応言語", "言語", required=False),
        "contact": column(header, name, "連絡先", "問合せ先", required=False),
    }
    errors: list[str] = []
    checked: list[dict[str, str | None]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        where = f"{name} {line}行目"
        values: dict[str, str | None] = {}
        for key, label, limit in (("name", "視察先", 400), *_FIELDS):
            index = cols[key]
            try:
                clean = clean_name if key in ("name", "prefecture") else clean_text
                values[key] = clean(cells[index] if index is not None else "", label, limit=limit)
            except ValidationError as exc:
                errors.append(f"{where}「{label}」: {exc.message}")
                values[key] = None
        if not values["name"]:
            if cols["name"] is not None and not cells[cols["name"]].strip():
                errors.append(f"{where}「視察先」: 入力してください")
            continue
        folded = fold_organisation_name(values["name"])
        if folded in seen:
            errors.append(f"{where}: {seen[folded]}行目と同じ視察先です（{values['name']}）")
        seen.setdefault(folded, line)
        checked.append({**values, "folded": folded})
    refuse_rows(name, errors)
    with unit_of_work(ensure_schema(engine)) as session:
        there = set(
            session.scalars(
                select(store.VisitDestination.folded).where(
                    store.VisitDestination.folded.in_([str(v["folded"]) for v in checked])
                )
            )
        )
        added = [v for v in checked if v["folded"] not in there]
        for v in added:
            words = " ".join(str(v.get(k) or "") for k in ("name", "theme", "languages", "prefecture"))
            session.add(
                store.VisitDestination(
                    name=str(v["name"]),
                    folded=str(v["folded"]),
                    prefecture=v["prefecture"],
                    theme=v["theme"],
                    languages=v["languages"],
                    contact=v["contact"],
                    search_text=fold_for_search(words)[:2000],
                    department=department,
                    entered_by=actor.recorded_name,
                )
            )
        audit_import(session, actor, AuditAction.DIRECTORY_IMPORT, "directory", VISITS, name, added=len(added))
        return VisitImport(len(added), len(checked) - len(added))


#: The facets of the destinations: prefecture and language.
VISIT_FACETS = {
    "prefecture": lambda v: [v.prefecture] if v.prefecture else [],
    "languages": lambda v: split_values(v.languages, words=True),
}


#: Destinations on a page when the request does not say.
PER_PAGE = 50


def _visits(q: str, viewer: Actor, engine: Engine | None) -> list[Visit]:
    """Every destination matching ``q``, by folded name (the contact for staff only)."""
    staff = viewer.can_anywhere(Permission.MANAGE_COMMUNICATIONS)
    with read_session(checked_engine(engine)) as session:
        words = [w for w in (fold_for_search(w) for w in q.split()) if w]
        v = store.VisitDestination
        rows = session.execute(
            select(v.id, v.name, v.prefecture, v.theme, v.languages, v.contact)
            .where(*(v.search_text.contains(w, autoescape=True) for w in words))
            .order_by(v.folded, v.id)
        ).all()
    return [Visit(*row[:5], row[5] if staff else None) for row in rows]


def search_visits(
    q: str = "",
    *,
    prefecture: str | None = None,
    language: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    viewer: Actor,
    engine: Engine | None = None,
) -> tuple[Paged[Visit], dict[str, dict[str, int]]]:
    """A page of the destinations matching ``q`` (name, theme, languages, prefecture; folded as the site's
    search) and the chosen prefecture and language, with the total; and the facet counts over every match
    of ``q``.  The destinations are a short list (a language cell names several), so they are chosen and
    counted here."""
    found = _visits(q, viewer, engine)
    filters = {"prefecture": prefecture, "languages": language}
    return paginate(chosen(found, VISIT_FACETS, filters), page, per_page), facet_counts(found, VISIT_FACETS)


EXPORT_HEADER = ("視察先", "府県", "テーマ", "対応言語")


def export_visits(
    fmt: str, q: str = "", *, with_contact: bool = False, viewer: Actor, engine: Engine | None = None
) -> tuple[bytes, str]:
    """The destinations matching ``q`` as CSV (BOM) or XLSX; with ``with_contact`` (staff only) the contact
    column too, and the export is an audit record."""
    if with_contact and not viewer.can_anywhere(Permission.MANAGE_COMMUNICATIONS):
        raise PermissionDeniedError("連絡先付きの出力は広報の担当者だけが行えます", code="forbidden")
    visits = _visits(q, viewer, engine)
    if not with_contact:
        visits = [replace(v, contact=None) for v in visits]
    header = (*EXPORT_HEADER, "連絡先") if with_contact else EXPORT_HEADER
    rows = [
        [v.name, v.prefecture or "", v.theme or "", v.languages or "", *([v.contact or ""] if with_contact else [])]
        for v in visits
    ]
    if with_contact:
        with unit_of_work(ensure_schema(engine)) as session:
            audit.record(session, viewer, AuditAction.DIRECTORY_EXPORT, "directory", VISITS, None, {"rows": len(rows)})
    return export_table(header, rows, fmt, VISITS_NAME)
