"""Entry workbooks and CSV files for the import tests: the template of a year with some cells filled in."""

import csv
import io

import openpyxl
from sqlalchemy import Engine

from keikaku.services.actuals.record import list_actuals
from keikaku.services.actuals.template import ANNUAL_SHEET, ID, build_csv_template, build_template


def kpis_of(engine: Engine, department: str | None, fiscal_year: int = 2026) -> list[int]:
    """Ids of the year's KPIs of one department (None: the vision's targets, which have no department)."""
    items = list_actuals(fiscal_year, engine=engine)
    if department is None:
        return [i.kpi.id for i in items if not i.kpi.departments]
    return [i.kpi.id for i in items if department in i.kpi.departments]


def filled_workbook(engine: Engine, values: dict[int, dict[str, object]], fiscal_year: int = 2026) -> bytes:
    """The entry workbook of ``fiscal_year`` with ``values`` (KPI id → column header → value) filled in."""
    wb = openpyxl.load_workbook(io.BytesIO(build_template(fiscal_year, viewer=None, engine=engine).content))
    ws = wb[ANNUAL_SHEET]
    header = [c.value for c in ws[1]]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for kpi_id, cells in values.items():
        for column, value in cells.items():
            ws.cell(row=rows[kpi_id], column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filled_csv(engine: Engine, values: dict[int, dict[str, object]], fiscal_year: int = 2026) -> bytes:
    """The CSV template with ``values`` filled in on each KPI's annual row (UTF-8 with BOM)."""
    text = build_csv_template(fiscal_year, viewer=None, engine=engine).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if not row["月"] and int(row[ID]) in values:
            row.update({k: str(v) for k, v in values[int(row[ID])].items()})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
