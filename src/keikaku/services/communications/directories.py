"""Directories of firms (The Kansai Companies Profile, hydrogen and fuel-cell firms): import, search with
facets (prefecture, industry, award), export.

A listed firm is an organisation of the events issue (found by its 法人番号, else by its folded name), so
the same firm is one row wherever it appears.  An import is all or nothing: every row's errors are listed
at once (a 法人番号 with a wrong check digit, the same firm twice in the file), and a firm already listed
in the directory is left as it is, so importing a file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import fold_for_search
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.communications.tables import (
    chosen,
    column,
    export_table,
    read_table,
    refuse_rows,
    split_values,
)
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.events.organisations import check_corporate_number, find_or_add_organisation
from keikaku.services.governance import audit
from keikaku.storage import communications as store
from keikaku.storage import events as event_store
from keikaku.storage.uow import read_session, unit_of_work


@dataclass(frozen=True)
class ListedFirm:
    """A firm of a directory (public facts only)."""

    id: int
    directory: str
    name: str
    corporate_number: str | None
    prefecture: str | None
    industry: str | None
    products: str | None
    award: str | None
    year_listed: int


@dataclass(frozen=True)
class DirectoryImport:
    """What an import added, and how many firms were listed already."""

    added: int
    already_listed: int


def _directory(code: str) -> str:
    if code not in DIRECTORIES:
        raise NotFoundError(f"名簿「{code}」はありません", code="directory_not_found")
    return code


def import_directory(
    directory: str, filename: str, content: bytes, department: str, *, actor: Actor, engine: Engine | None = None
) -> DirectoryImport:
    """Import firms into a directory from CSV/XLSX (列: 企業名, 法人番号, 府県, 業種, 製品, 受賞, 掲載年度)."""
    _directory(directory)
    require(actor, Permission.MANAGE_COMMUNICATIONS, departments=[department])
    name = check_upload(filename, content)
    header, rows = read_table(content, name)
    cols = {
        "name": column(header, name, "企業名"),
        "number": column(header, name, "法人番号", required=False),
        "prefecture": column(header, name, "府県", "所在地", required=False),
        "industry": column(header, name, "業種", required=False),
        "products": column(header, name, "製品", "主な製品", required=False),
        "award": column(header, name, "受賞", "選定", required=False),
        "year": column(header, name, "掲載年度"),
    }
    errors: list[str] = []
    checked: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:

        def cell(key: str, cells: list[str] = cells) -> str:
            index = cols[key]
            return cells[index] if index is not None else ""

        where = f"{name} {line}行目"
        firm = cell("name")
        try:
            number = check_corporate_number(cell("number"))
        except ValidationError as exc:
            errors.append(f"{where}「法人番号」: {exc.message}")
            number = None
        if not firm.strip():
            errors.append(f"{where}「企業名」: 入力してください")
        key = number or fold_organisation_name(firm)
        if key in seen:
            errors.append(f"{where}: {seen[key]}行目と同じ企業です（{firm}）")
        seen.setdefault(key, line)
        try:
            year = int(cell("year"))
            if not 1989 <= year <= 2100:
                raise ValueError(year)
        except ValueError:
            errors.append(f"{where}「掲載年度」: 年度を西暦で入力してください（{cell('year')[:10]}）")
            year = 0
        try:
            values = {
                k: clean_name(cell(k), label, limit=limit)
                if k == "prefecture"
                else clean_text(cell(k), label, limit=limit)
                for k, label, limit in (
                    ("prefecture", "府県", 20),
                    ("industry", "業種", 200),
                    ("products", "製品", 1000),
                    ("award", "受賞", 200),
                )
            }
        except ValidationError as exc:
            errors.append(f"{where}: {exc.message}")
            values = {}
        checked.append({"firm": firm, "number": number, "year": year, **values})
    refuse_rows(name, errors)
    with unit_of_work(ensure_schema(engine)) as session:
        added = 0
        for row in checked:
            corporate = row["number"]
            org = find_or_add_organisation(session, str(row["firm"]), str(corporate) if corporate else None)
            assert org is not None
            listed = session.scalar(
                select(store.DirectoryEntry.id).where(
                    store.DirectoryEntry.directory == directory, store.DirectoryEntry.organisation_id == org.id
                )
            )
            if listed is not None:
                continue
            session.add(
                store.DirectoryEntry(
                    directory=directory,
                    organisation_id=org.id,
                    prefecture=row.get("prefecture"),
                    industry=row.get("industry"),
                    products=row.get("products"),
                    award=row.get("award"),
                    year_listed=int(str(row["year"])),
                    search_text=fold_for_search(
                        " ".join(str(row.get(k) or "") for k in ("products", "industry", "award")) + " " + org.name
                    )[:2000],
                    department=department,
                    entered_by=actor.name[:200],
                    entered_at=dt.datetime.now(dt.UTC),
                )
            )
            added += 1
        session.flush()
        if added:
            audit.record(
                session, actor, "directory.import", "directory", directory, None, {"file": name, "added": added}
            )
        return DirectoryImport(added, len(checked) - added)


#: The facets of a directory of firms: prefecture, industry, award.
FIRM_FACETS: dict[str, Callable[[ListedFirm], list[str]]] = {
    "prefecture": lambda f: [f.prefecture] if f.prefecture else [],
    "industry": lambda f: [f.industry] if f.industry else [],
    "award": lambda f: split_values(f.award),
}


def search_directory(
    directory: str,
    q: str = "",
    *,
    prefecture: str | None = None,
    industry: str | None = None,
    award: str | None = None,
    engine: Engine | None = None,
) -> tuple[list[ListedFirm], dict[str, dict[str, int]]]:
    """Firms of a directory matching ``q`` (name, products, industry, award; folded as the site's search)
    and the chosen facet values, with the counts per facet value over the matches of ``q``."""
    _directory(directory)
    entry, org = store.DirectoryEntry, event_store.Organisation
    filters = {"prefecture": prefecture, "industry": industry, "award": award}
    columns = {"prefecture": entry.prefecture, "industry": entry.industry, "award": entry.award}
    with read_session(ensure_schema(engine)) as session:
        words = [w for w in (fold_for_search(w) for w in q.split()) if w]
        matching = [entry.directory == directory, *(entry.search_text.contains(w, autoescape=True) for w in words)]
        # The counts per value come from the database (a search may match every firm of the directory);
        # an award cell may name several awards, so its values are split here.
        combos = session.execute(
            select(*columns.values(), func.count()).where(*matching).group_by(*columns.values())
        ).all()
        facets: dict[str, dict[str, int]] = {}
        for i, name in enumerate(columns):
            acc: dict[str, int] = {}
            for combo in combos:
                value, n = combo[i], int(combo[-1] or 0)
                for one in (split_values(value) if name == "award" else [value] if value else []) or ["—"]:
                    acc[one] = acc.get(one, 0) + n
            facets[name] = dict(sorted(acc.items()))
        narrowed = list(matching)
        for name, value in filters.items():
            if not value:
                continue
            col = columns[name]
            if value == "—":
                narrowed.append(or_(col.is_(None), col == ""))
            else:
                narrowed.append(col.contains(value, autoescape=True) if name == "award" else col == value)
        rows = session.execute(  # columns, not entities: a search may return every firm of the directory
            select(
                entry.id,
                entry.directory,
                org.name,
                org.corporate_number,
                entry.prefecture,
                entry.industry,
                entry.products,
                entry.award,
                entry.year_listed,
            )
            .join(org, org.id == entry.organisation_id)
            .where(*narrowed)
            .order_by(org.folded_name)
        ).all()
        found = [ListedFirm(*row) for row in rows]
    return chosen(found, FIRM_FACETS, filters), facets  # chosen: an award named exactly, not within another


def listed_firm(entry: store.DirectoryEntry, org: event_store.Organisation) -> ListedFirm:
    return ListedFirm(
        entry.id,
        entry.directory,
        org.name,
        org.corporate_number,
        entry.prefecture,
        entry.industry,
        entry.products,
        entry.award,
        entry.year_listed,
    )


EXPORT_HEADER = ("企業名", "法人番号", "府県", "業種", "主な製品", "受賞・選定", "掲載年度")


def export_directory(
    directory: str, fmt: str, q: str = "", *, engine: Engine | None = None, **filters: str | None
) -> tuple[bytes, str]:
    """A directory's firms matching ``q`` and the facet ``filters`` as CSV (UTF-8 with BOM, for Excel) or
    XLSX; (bytes, media type).  Public facts only."""
    firms, _facets = search_directory(directory, q, engine=engine, **filters)
    rows = [
        [
            f.name,
            f.corporate_number or "",
            f.prefecture or "",
            f.industry or "",
            f.products or "",
            f.award or "",
            f.year_listed,
        ]
        for f in firms
    ]
    return export_table(EXPORT_HEADER, rows, fmt, "掲載企業")
