"""Directories of firms (The Kansai Companies Profile, hydrogen and fuel-cell firms): import, search with
facets (prefecture, industry, award), export.

A listed firm is an organisation of the events issue (found by its 法人番号, else by its folded name), so
the same firm is one row wherever it appears.  An import is all or nothing: every row's errors are listed
at once (a 法人番号 with a wrong check digit, the same firm twice in the file), and a firm already listed
in the directory is left as it is, so importing a file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, false, func, or_, select
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import fold_for_search
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.communications.tables import (
    audit_import,
    column,
    export_table,
    read_table,
    refuse_rows,
    split_values,
)
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import checked_engine, ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.core.paging import Paged, check_paging
from keikaku.services.events.organisations import check_corporate_number, find_or_add_organisation
from keikaku.services.governance.audit_actions import AuditAction
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
            if not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
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
                    entered_by=actor.recorded_name,
                    entered_at=dt.datetime.now(dt.UTC),
                )
            )
            added += 1
        audit_import(session, actor, AuditAction.DIRECTORY_IMPORT, "directory", directory, name, added=added)
        return DirectoryImport(added, len(checked) - added)


#: The facets of a directory of firms: prefecture, industry, award (an award cell may name several awards).
FIRM_FACETS: dict[str, Callable[[str | None], list[str]]] = {
    "prefecture": lambda cell: [cell] if cell else [],
    "industry": lambda cell: [cell] if cell else [],
    "award": split_values,
}

#: Firms on a directory page when the request does not say.
PER_PAGE = 50


def _carries(facet: str, cell: str | None, value: str) -> bool:
    """Whether a firm whose ``facet`` cell is ``cell`` carries the chosen ``value`` (「—」: no value)."""
    return value in (FIRM_FACETS[facet](cell) or ["—"])


def _matching(
    session: Session, directory: str, q: str, filters: Mapping[str, str | None]
) -> tuple[list[ColumnElement[bool]], dict[str, dict[str, int]], int]:
    """The conditions selecting the directory's firms that match ``q`` and the chosen facet values, the
    counts per facet value over the matches of ``q``, and how many firms the conditions select.

    One grouped query: the matches of ``q`` counted by (prefecture, industry, award).  The facets, the total
    and the cells carrying each chosen value come from its rows, so a chosen award is matched exactly (a
    cell naming it among others) and the firms are then read by those cells."""
    entry = store.DirectoryEntry
    columns = {"prefecture": entry.prefecture, "industry": entry.industry, "award": entry.award}
    names = list(columns)
    words = [w for w in (fold_for_search(w) for w in q.split()) if w]
    where: list[ColumnElement[bool]] = [
        entry.directory == directory,
        *(entry.search_text.contains(w, autoescape=True) for w in words),
    ]
    grouped = select(entry.prefecture, entry.industry, entry.award, func.count()).where(*where)
    grouped = grouped.group_by(*columns.values())
    combos = [((p, i, a), int(n)) for p, i, a, n in session.execute(grouped).all()]
    counted: dict[str, dict[str, int]] = {name: {} for name in names}
    for cells, n in combos:
        for name, cell in zip(names, cells, strict=True):
            for one in FIRM_FACETS[name](cell) or ["—"]:
                counted[name][one] = counted[name].get(one, 0) + n
    facets = {name: dict(sorted(acc.items())) for name, acc in counted.items()}
    wanted = {i: value for i, name in enumerate(names) if (value := filters.get(name))}
    total = sum(n for cells, n in combos if all(_carries(names[i], cells[i], v) for i, v in wanted.items()))
    for i, value in wanted.items():
        carrying = {cells[i] for cells, _n in combos if _carries(names[i], cells[i], value)}
        col = columns[names[i]]
        named = sorted(c for c in carrying if c)
        allowed: list[ColumnElement[bool]] = [col.in_(named)] if named else []
        if len(named) < len(carrying):  # 「—」: no value (NULL or empty)
            allowed.append(or_(col.is_(None), col == ""))
        where.append(or_(*allowed) if allowed else false())
    return where, facets, total


def listed_firms(
    session: Session, where: list[ColumnElement[bool]], *, limit: int | None = None, offset: int = 0
) -> list[ListedFirm]:
    """The listed firms the conditions select, by folded name (columns, not entities): a directory's
    page, its export, a firm's page."""
    entry, org = store.DirectoryEntry, event_store.Organisation
    query = (
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
        .where(*where)
        .order_by(org.folded_name, entry.id)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [ListedFirm(*row) for row in session.execute(query)]


def search_directory(
    directory: str,
    q: str = "",
    *,
    prefecture: str | None = None,
    industry: str | None = None,
    award: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    engine: Engine | None = None,
) -> tuple[Paged[ListedFirm], dict[str, dict[str, int]]]:
    """A page of the directory's firms matching ``q`` (name, products, industry, award; folded as the
    site's search) and the chosen facet values, by name, with the total; and the counts per facet value
    over every match of ``q`` (not only the page's, and whatever values are chosen).

    Two queries: the grouped counts (see :func:`_matching`) and the page's firms."""
    _directory(directory)
    page, per_page = check_paging(page, per_page)
    filters = {"prefecture": prefecture, "industry": industry, "award": award}
    with read_session(checked_engine(engine)) as session:
        where, facets, total = _matching(session, directory, q, filters)
        offset = (page - 1) * per_page
        firms = listed_firms(session, where, limit=per_page, offset=offset) if offset < total else []
    return Paged(firms, total, page, per_page), facets


def directory_firms(
    directory: str, q: str = "", *, engine: Engine | None = None, **filters: str | None
) -> list[ListedFirm]:
    """Every firm of the directory matching ``q`` and the facet ``filters`` (for the exports: not paged)."""
    _directory(directory)
    with read_session(checked_engine(engine)) as session:
        where, _facets, _total = _matching(session, directory, q, filters)
        return listed_firms(session, where)


EXPORT_HEADER = ("企業名", "法人番号", "府県", "業種", "主な製品", "受賞・選定", "掲載年度")


def export_directory(
    directory: str, fmt: str, q: str = "", *, engine: Engine | None = None, **filters: str | None
) -> tuple[bytes, str]:
    """A directory's firms matching ``q`` and the facet ``filters`` as CSV (UTF-8 with BOM, for Excel) or
    XLSX; (bytes, media type).  Public facts only."""
    firms = directory_firms(directory, q, engine=engine, **filters)
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
