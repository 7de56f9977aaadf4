"""Fast, streaming reads of whole plans as interchange-format dicts (Core queries, no ORM objects).

Used by exports that must handle every plan of every municipality: rows are fetched per batch of plans
and assembled into the dicts ``keikaku.domain.Plan.model_dump(mode="json")`` produces, less the keys
whose value is None (the interchange schema types them as non-null; absent means unknown).
"""

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from keikaku.domain import DocumentRef
from keikaku.storage import models as m
from keikaku.storage.convert import read_document
from keikaku.storage.in_lists import in_chunks

Dict = dict[str, Any]

BATCH = 1000


def _prov(
    doc_id: int | None, page: int | None, line: int | None, excerpt: str | None, keys: dict[int, str]
) -> Dict | None:
    if doc_id is None and line is None and excerpt is None:
        return None
    return _compact({"document": keys.get(doc_id) if doc_id else None, "page": page, "line": line, "excerpt": excerpt})


def _compact(item: Dict) -> Dict:
    """Drop None values: the interchange schema types most fields as non-null, and absent means unknown."""
    return {k: v for k, v in item.items() if v is not None}


def _number(value: float | None) -> float | int | None:
    """Whole floats as ints, so 450.0 is written 450."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


KPI_COLUMNS = (
    "project_id",
    "indicator",
    "comparator",
    "target",
    "unit",
    "relative_to",
    "reference",
    "text",
    "target_fiscal_year",
    "baseline_fiscal_year",
    "approximate",
    "derivation",
    "counted_monthly",
    "source_document_id",
    "source_page",
    "source_line",
    "source_excerpt",
)
EVENT_COLUMNS = (
    "project_id",
    "name",
    "start_date",
    "end_date",
    "venue",
    "theme",
    "note",
    "source_document_id",
    "source_page",
    "source_line",
    "source_excerpt",
)
PROJECT_COLUMNS = (
    "id",
    "plan_id",
    "parent_id",
    "code",
    "name",
    "title",
    "budget_thousand_yen",
    "national_subsidy_thousand_yen",
    "challenge",
    "field",
    "start_fiscal_year",
    "year_count",
    "is_new",
    "relisted",
    "kind",
    "summary",
    "source_document_id",
    "source_page",
    "source_line",
    "source_excerpt",
)


def _kpi(r: Any, keys: dict[int, str]) -> Dict:
    (
        _pid,
        indicator,
        comparator,
        target,
        unit,
        relative_to,
        reference,
        text,
        tfy,
        bfy,
        approx,
        derivation,
        monthly,
        doc,
        page,
        line,
        excerpt,
    ) = r
    item: Dict = {"indicator": indicator, "comparator": comparator}
    if target is not None:
        item["target"] = _number(target)
    if unit is not None:
        item["unit"] = unit
    if relative_to is not None:
        item["relative_to"] = relative_to
    reference = _json(reference)
    if reference is not None:
        item["reference"] = reference
    if text is not None:
        item["text"] = text
    if tfy is not None:
        item["target_fiscal_year"] = tfy
    if bfy is not None:
        item["baseline_fiscal_year"] = bfy
    item["approximate"] = bool(approx)
    derivation = _json(derivation)
    if derivation is not None:
        item["derivation"] = derivation
    item["counted_monthly"] = bool(monthly)
    prov = _prov(doc, page, line, excerpt, keys)
    if prov is not None:
        item["provenance"] = prov
    return item


def _event(r: Any, keys: dict[int, str]) -> Dict:
    _pid, name, start, end, venue, theme, note, doc, page, line, excerpt = r
    return _compact(
        {
            "name": name,
            "start": _iso(start),
            "end": _iso(end),
            "venue": venue,
            "theme": theme,
            "note": note,
            "provenance": _prov(doc, page, line, excerpt, keys),
        }
    )


def iter_plan_dicts(conn: Connection, plan_ids: Sequence[int], keys: dict[int, str]) -> Iterator[Dict]:
    """Yield each plan (in id order, i.e. the order they were stored) as an interchange dict with projects, components, KPIs, events.

    Keys whose value is unknown (None) are left out, as the interchange schema expects; budgets stay (null).
    Plans are read in batches by id range straight from the driver's cursor: exporting every municipality's
    ten years of plans is millions of rows, and per-row result processing would dominate.
    """
    for batch in _dense_batches(sorted(plan_ids)):
        by_id = {plan["_id"]: plan for plan in _plan_batch(conn, batch, keys)}
        for pid in batch:
            plan = by_id[pid]
            del plan["_id"]
            yield plan


def _dense_batches(ids: list[int]) -> Iterator[list[int]]:
    """Sorted ids cut into batches of at most BATCH whose id span stays small, so range reads stay tight."""
    batch: list[int] = []
    for pid in ids:
        if batch and (len(batch) >= BATCH or pid - batch[0] > 4 * BATCH):
            yield batch
            batch = []
        batch.append(pid)
    if batch:
        yield batch


class _Raw:
    """Plain-tuple queries through the DBAPI cursor, with the dialect's parameter marker."""

    def __init__(self, conn: Connection) -> None:
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.mark = "?" if conn.dialect.name == "sqlite" else "%s"

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", self.mark), params)
        return list(self.cursor.fetchall())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def _plan_batch(conn: Connection, plan_ids: list[int], keys: dict[int, str]) -> list[Dict]:
    raw = _Raw(conn)
    wanted = set(plan_ids)
    lo, hi = min(plan_ids), max(plan_ids)
    projects = [
        r
        for r in raw.rows(
            f"SELECT {', '.join(PROJECT_COLUMNS)} FROM projects WHERE plan_id BETWEEN ? AND ?"
            " ORDER BY plan_id, parent_id IS NOT NULL, position",
            lo,
            hi,
        )
        if r[1] in wanted
    ]
    project_set = {r[0] for r in projects}
    p_lo, p_hi = (min(project_set), max(project_set)) if project_set else (0, -1)
    # Ranges on the indexed project_id, filtered here: joins make SQLite scan whole tables.
    kpis: dict[int, list[Dict]] = defaultdict(list)
    for r in raw.rows(
        f"SELECT {', '.join(KPI_COLUMNS)} FROM kpis WHERE project_id BETWEEN ? AND ? AND role = 'target'"
        " ORDER BY project_id, position",
        p_lo,
        p_hi,
    ):
        if r[0] in project_set:
            kpis[r[0]].append(_kpi(r, keys))
    events: dict[int, list[Dict]] = defaultdict(list)
    for r in raw.rows(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE project_id BETWEEN ? AND ? ORDER BY project_id, position",
        p_lo,
        p_hi,
    ):
        if r[0] in project_set:
            events[r[0]].append(_event(r, keys))
    departments: dict[int, list[str]] = defaultdict(list)
    names = dict(raw.rows("SELECT id, name FROM departments"))
    for pid, department_id in raw.rows(
        "SELECT project_id, department_id FROM project_departments WHERE project_id BETWEEN ? AND ?"
        " ORDER BY project_id, position",
        p_lo,
        p_hi,
    ):
        if pid in project_set:
            departments[pid].append(names[department_id])
    top: dict[int, list[Dict]] = defaultdict(list)
    by_id: dict[int, Dict] = {}
    empty: list[Any] = []
    for r in projects:
        (
            pid,
            plan_id,
            parent_id,
            code,
            name,
            title,
            budget,
            subsidy,
            challenge,
            field,
            start,
            count,
            new,
            relisted,
            kind,
            summary,
            doc,
            page,
            line,
            excerpt,
        ) = r
        item: Dict = {"code": code, "name": name, "title": title} if parent_id is None else {"name": name}
        item["budget_thousand_yen"] = budget
        if parent_id is None:
            item["national_subsidy_thousand_yen"] = subsidy
        item["departments"] = departments.get(pid, empty)
        if parent_id is None:
            item["challenge"] = challenge
            item["field"] = field
            item["start_fiscal_year"] = start
            item["year_count"] = count
        item["new"] = bool(new)
        item["relisted"] = bool(relisted)
        if parent_id is None:
            item["kind"] = kind
        item["summary"] = summary
        if parent_id is None:
            item["components"] = []
        item["kpis"] = kpis.get(pid, empty)
        item["events"] = events.get(pid, empty)
        item["provenance"] = _prov(doc, page, line, excerpt, keys)
        item = {key: value for key, value in item.items() if value is not None or key == "budget_thousand_yen"}
        if parent_id is None:
            top[plan_id].append(item)
        else:
            by_id[parent_id]["components"].append(item)
        by_id[pid] = item
    coops: dict[int, list[Dict]] = defaultdict(list)
    for plan_id, name, challenge, field, government, doc, page, line, excerpt in raw.rows(
        "SELECT plan_id, name, challenge, field, member_government, source_document_id, source_page, source_line,"
        " source_excerpt FROM cooperative_projects WHERE plan_id BETWEEN ? AND ? ORDER BY plan_id, position",
        lo,
        hi,
    ):
        coops[plan_id].append(
            _compact(
                {
                    "name": name,
                    "challenge": challenge,
                    "field": field,
                    "member_government": government,
                    "provenance": _prov(doc, page, line, excerpt, keys),
                }
            )
        )
    warnings: dict[int, list[Dict]] = defaultdict(list)
    for plan_id, code, message, details, doc, page, line, excerpt in raw.rows(
        "SELECT plan_id, code, message, details, source_document_id, source_page, source_line, source_excerpt"
        " FROM plan_warnings WHERE plan_id BETWEEN ? AND ? ORDER BY id",
        lo,
        hi,
    ):
        warnings[plan_id].append(
            _compact(
                {
                    "code": code,
                    "message": message,
                    "provenance": _prov(doc, page, line, excerpt, keys),
                    "details": _json(details),
                }
            )
        )
    plans = []
    for pid, year, issuer, title, total, subsidy, doc, page, line, excerpt in raw.rows(
        "SELECT id, fiscal_year, issuer, title, total_budget_thousand_yen, national_subsidy_thousand_yen,"
        " source_document_id, source_page, source_line, source_excerpt FROM plans WHERE id BETWEEN ? AND ?",
        lo,
        hi,
    ):
        if pid not in wanted:
            continue
        item = {
            "_id": pid,
            "fiscal_year": year,
            "issuer": issuer,
            "title": title,
            "total_budget_thousand_yen": total,
            "national_subsidy_thousand_yen": subsidy,
            "projects": top.get(pid, []),
            "cooperative_projects": coops.get(pid, []),
            "warnings": warnings.get(pid, []),
            "provenance": _prov(doc, page, line, excerpt, keys),
        }
        plans.append({k: v for k, v in item.items() if v is not None or k == "total_budget_thousand_yen"})
    raw.cursor.close()
    return plans


def current_plan_ids(
    conn: Connection, fiscal_year: int | None = None, where: Sequence[ColumnElement[bool]] = ()
) -> list[int]:
    """Ids of the current plans, in the order they were stored (``where`` chooses the revisions, e.g. a
    viewer's current filter; default: the newest revision of each issuer's year)."""
    t = m.Plan.__table__
    stmt = select(t.c.id).where(*(list(where) if where else [t.c.is_current.is_(True)])).order_by(t.c.id)
    if fiscal_year is not None:
        stmt = stmt.where(t.c.fiscal_year == fiscal_year)
    return list(conn.scalars(stmt))


def plan_documents(conn: Connection, plan_ids: Sequence[int]) -> list[DocumentRef]:
    """The source documents the given plans and their projects cite."""
    plans, projects, docs = m.Plan.__table__, m.Project.__table__, m.Document.__table__
    ids: set[int] = set()
    for batch in in_chunks(plan_ids, BATCH * 10):
        ids.update(conn.scalars(select(plans.c.source_document_id).where(plans.c.id.in_(batch)).distinct()))
        ids.update(conn.scalars(select(projects.c.source_document_id).where(projects.c.plan_id.in_(batch)).distinct()))
    ids.discard(None)
    if not ids:
        return []
    rows = conn.execute(select(docs).where(docs.c.id.in_(sorted(ids))).order_by(docs.c.id))
    return [read_document(r) for r in rows]
