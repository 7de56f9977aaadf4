"""Directories of firms (The Kansai Companies Profile, hydrogen and fuel-cell firms): import, search, and
the firm's page.

A listed firm is an organisation of the events issue (found by its 法人番号, else by its folded name), so
the same firm is one row wherever it appears.  An import is all or nothing: every row's errors are listed
at once (a 法人番号 with a wrong check digit, the same firm twice in the file), and a firm already listed
in the directory is left as it is, so importing a file again adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.normalize.text import fold_for_search
from keikaku.reports.safe_cells import neutralise_cell
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.communications.tables import column, read_table
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
    if errors:
        raise ValidationError(
            f"{name}: {len(errors)} 件の誤りがあるため、何も取り込みませんでした。\n" + "\n".join(errors[:50]),
            code="invalid_rows",
            details={"errors": errors[:50]},
        )
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


def search_directory(
    directory: str, q: str = "", *, prefecture: str | None = None, engine: Engine | None = None
) -> tuple[list[ListedFirm], dict[str, int]]:
    """Firms of a directory matching ``q`` (name, products, industry, award; folded as the site's search),
    with facet counts per prefecture over the matches."""
    _directory(directory)
    with read_session(ensure_schema(engine)) as session:
        words = [w for w in (fold_for_search(w) for w in q.split()) if w]
        rows = session.execute(
            select(store.DirectoryEntry, event_store.Organisation)
            .join(event_store.Organisation, event_store.Organisation.id == store.DirectoryEntry.organisation_id)
            .where(
                store.DirectoryEntry.directory == directory,
                *(store.DirectoryEntry.search_text.contains(w, autoescape=True) for w in words),
            )
            .order_by(event_store.Organisation.folded_name)
        ).all()
        found = [_firm(entry, org) for entry, org in rows]
        facets: dict[str, int] = {}
        for firm in found:
            facets[firm.prefecture or "—"] = facets.get(firm.prefecture or "—", 0) + 1
        if prefecture:
            found = [f for f in found if f.prefecture == prefecture]
        return found, dict(sorted(facets.items()))


def _firm(entry: store.DirectoryEntry, org: event_store.Organisation) -> ListedFirm:
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


@dataclass(frozen=True)
class FirmPage:
    """A listed firm, and counts of what it took part in (registrations at published events only)."""

    firm: ListedFirm
    listings: tuple[str, ...]
    event_registrations: int


def firm_page(entry_id: int, *, engine: Engine | None = None) -> FirmPage:
    """A directory firm's page: its facts, the directories listing it, its registrations at events (a count)."""
    with read_session(ensure_schema(engine)) as session:
        entry = session.get(store.DirectoryEntry, entry_id)
        org = session.get(event_store.Organisation, entry.organisation_id) if entry else None
        if entry is None or org is None:
            raise NotFoundError(f"掲載企業 {entry_id} は見つかりません", code="firm_not_found")
        dirs = session.scalars(
            select(store.DirectoryEntry.directory).where(store.DirectoryEntry.organisation_id == org.id)
        ).all()
        registrations = session.scalar(
            select(func.count())
            .select_from(event_store.Registration)
            .join(event_store.Person, event_store.Person.id == event_store.Registration.person_id)
            .join(event_store.ManagedEvent, event_store.ManagedEvent.id == event_store.Registration.event_id)
            .where(
                event_store.Person.organisation_id == org.id,
                event_store.ManagedEvent.published.is_(True),
                or_(
                    event_store.Registration.status == event_store.REGISTERED,
                    event_store.Registration.status == event_store.NO_SHOW,
                ),
            )
        )
        return FirmPage(_firm(entry, org), tuple(DIRECTORIES[d] for d in dirs), int(registrations or 0))


EXPORT_HEADER = ("企業名", "法人番号", "府県", "業種", "主な製品", "受賞・選定", "掲載年度")


def export_directory(directory: str, fmt: str, q: str = "", *, engine: Engine | None = None) -> tuple[bytes, str]:
    """A directory's firms matching ``q`` as CSV (UTF-8 with BOM, for Excel) or XLSX; (bytes, media type).
    Public facts only; every text cell neutralised against formula injection."""
    firms, _facets = search_directory(directory, q, engine=engine)
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
    safe = [[neutralise_cell(v) for v in row] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(safe)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt != "xlsx":
        raise ValidationError("形式は csv か xlsx です", code="bad_format")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "掲載企業"
    sheet.append(list(EXPORT_HEADER))
    for row in safe:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
