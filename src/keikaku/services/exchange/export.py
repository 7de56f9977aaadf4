"""Exports of the current data: JSON in the interchange format and CSV for spreadsheets.

Both stream plan by plan, so exporting every municipality's ten years of plans stays within memory.
CSV is UTF-8 with a BOM (Excel on Japanese Windows reads it as UTF-8), one row per KPI with its
project's columns (a project or component without KPIs still gets one row), and text that a
spreadsheet would take for a formula is neutralised.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import Engine

from keikaku.domain import DocumentRef
from keikaku.reports.files import csv_rows
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError
from keikaku.services.exchange.bundle import document_keys, export_plan_data
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage.plan_rows import current_plan_ids, iter_plan_dicts, plan_documents
from keikaku.storage.uow import read_session


class ExportFormat(StrEnum):
    """Export formats."""

    JSON = "json"
    CSV = "csv"


@dataclass
class ExportResult:
    """What an export wrote."""

    plans: int
    rows: int


CSV_COLUMNS = [
    "年度",
    "発行者",
    "計画予算額（千円）",
    "事業番号",
    "事業名",
    "内訳名",
    "チャレンジ",
    "分野",
    "担当課",
    "予算額（千円）",
    "新規",
    "事業開始年度",
    "KPI指標",
    "比較",
    "目標値",
    "単位",
    "基準とする指標",
    "KPI（原文）",
    "出典文書",
    "出典行",
]


def export_data(
    fmt: ExportFormat,
    out: TextIO,
    *,
    viewer: Actor,
    fiscal_year: int | None = None,
    engine: Engine | None = None,
) -> ExportResult:
    """Write the current plans ``viewer`` may see (one fiscal year, or all) to ``out`` in the given format.

    The public's open data holds the published plans only; the vision, action plan and partner priorities
    (published documents) come with every export.  Plans carry targets, not evaluation results.
    """
    eng = ensure_schema(engine)
    with read_session(eng) as session:
        conn = session.connection()
        plan_ids = current_plan_ids(conn, fiscal_year, visibility_for(viewer).current_filter())
        if fiscal_year is not None and not plan_ids:
            raise NotFoundError(f"{fiscal_year}年度の事業計画は登録されていません", code="plan_not_found")
        keys = document_keys(session)
        plans = iter_plan_dicts(conn, plan_ids, keys)
        if fmt is ExportFormat.JSON:
            context = export_plan_data(session, fiscal_year, include_plans=False)
            context.documents = merge_documents(context.documents, plan_documents(conn, plan_ids))
            rows = _write_json(out, context.model_dump(mode="json", exclude={"plans"}), plans)
        else:
            rows = _write_csv(out, plans)
    return ExportResult(plans=len(plan_ids), rows=rows)


def merge_documents(first: list[DocumentRef], second: list[DocumentRef]) -> list[DocumentRef]:
    """Both lists of documents, each document once, in first-seen order."""
    seen: set[str | None] = set()
    merged = []
    for ref in [*first, *second]:
        if ref.id not in seen:
            seen.add(ref.id)
            merged.append(ref)
    return merged


NULLABLE_REQUIRED = frozenset({"budget_thousand_yen", "total_budget_thousand_yen"})


def strip_nulls(value: Any) -> Any:
    """Drop keys whose value is None (the schema types most fields as non-null strings), except required ones."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None or k in NULLABLE_REQUIRED}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def _write_json(out: TextIO, context: dict[str, Any], plans: Iterator[dict[str, Any]]) -> int:
    out.write("{\n")
    for key, value in context.items():
        if value is None:
            continue
        out.write(f"{json.dumps(key)}: {json.dumps(strip_nulls(value), ensure_ascii=False)},\n")
    out.write('"plans": [\n')
    count = 0
    for plan in plans:
        if count:
            out.write(",\n")
        out.write(json.dumps(plan, ensure_ascii=False))
        count += 1
    out.write("\n]\n}\n")
    return count


def _csv_rows(plan: dict[str, Any]) -> Iterator[list[object]]:
    for project in plan["projects"]:
        base = [
            plan["fiscal_year"],
            plan.get("issuer"),
            plan["total_budget_thousand_yen"],
            project.get("code"),
            project["name"],
        ]
        units = [(None, project)] + [(c["name"], c) for c in project["components"]]
        for component_name, unit in units:
            head = [
                *base,
                component_name,
                project.get("challenge"),
                project.get("field"),
                "、".join(unit["departments"]),
                unit["budget_thousand_yen"],
                "新規" if unit["new"] else "",
                project.get("start_fiscal_year"),
            ]
            kpis = unit["kpis"] or [None]
            for kpi in kpis:
                if kpi is None:
                    prov = unit.get("provenance") or {}
                    yield [*head, None, None, None, None, None, None, prov.get("document"), prov.get("line")]
                    continue
                prov = kpi.get("provenance") or {}
                yield [
                    *head,
                    kpi["indicator"],
                    kpi["comparator"],
                    kpi.get("target"),
                    kpi.get("unit"),
                    kpi.get("relative_to"),
                    kpi.get("text"),
                    prov.get("document"),
                    prov.get("line"),
                ]


def _write_csv(out: TextIO, plans: Iterator[dict[str, Any]]) -> int:
    return csv_rows(out, CSV_COLUMNS, (row for plan in plans for row in _csv_rows(plan)))
