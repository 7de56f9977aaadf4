"""The actual-value workbook for 10,000 KPIs: writing the template and importing it filled (target: under 10 s each).

Builds a fresh SQLite database with one synthetic FY2030 plan of 2,500 projects × 4 KPIs (counts and
shares), writes the template, fills every value cell (not timed) and imports it.  Prints figures.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import openpyxl

from keikaku import domain as d
from keikaku.domain.kpi import Comparator
from keikaku.services.actuals.import_sheet import import_actuals
from keikaku.services.actuals.template import build_template
from keikaku.services.core.actors import Actor, Role
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import unit_of_work

ACTOR = Actor(name="bench", roles=frozenset({Role.BUREAU_ADMIN}))
PROJECTS = 2500


def _plan() -> d.PlanData:
    kpis = (("参加者数", 200.0, "人"), ("マッチング件数", 30.0, "件"), ("満足度", 80.0, "%"), ("配布部数", 400.0, "部"))
    projects = [
        d.Project(
            code=str(i),
            name=f"合成事業{i:04d}",
            budget_thousand_yen=1000 + i,
            challenge=i % 3 + 1,
            departments=[f"合成課{i % 20:02d}"],
            kpis=[d.Kpi(indicator=n, comparator=Comparator.GE, target=t, unit=u) for n, t, u in kpis],
        )
        for i in range(PROJECTS)
    ]
    plan = d.Plan(fiscal_year=2030, issuer="合成広域連合", total_budget_thousand_yen=None, projects=projects)
    return d.PlanData(plans=[plan])


def main() -> None:
    """Time the template and the import of 10,000 KPIs."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        initialize_database(engine=engine, empty=True)
        with unit_of_work(engine) as session:
            import_plan_data(session, _plan())
        started = time.perf_counter()
        template = build_template(2030, engine=engine)
        print(
            f"template: {template.kpis:,} KPIs in {time.perf_counter() - started:.2f} s ({len(template.content):,} bytes)"
        )

        wb = openpyxl.load_workbook(io.BytesIO(template.content))
        ws = wb["実績"]
        header = [c.value for c in ws[1]]
        value_column = header.index("実績値") + 1
        unit_column = header.index("単位") + 1
        for row in range(2, ws.max_row + 1):
            unit = ws.cell(row=row, column=unit_column).value
            ws.cell(row=row, column=value_column, value="78%" if unit == "%" else f"{row % 500:,}{unit}")
        buffer = io.BytesIO()
        wb.save(buffer)

        started = time.perf_counter()
        report = import_actuals("bench.xlsx", buffer.getvalue(), actor=ACTOR, engine=engine)
        elapsed = time.perf_counter() - started
        print(
            f"import: {report.rows:,} rows checked, {report.recorded:,} recorded, {len(report.errors)} errors in {elapsed:.2f} s"
        )
        started = time.perf_counter()
        again = import_actuals("bench.xlsx", buffer.getvalue(), actor=ACTOR, engine=engine)
        print(f"import again (all unchanged): {again.unchanged:,} unchanged in {time.perf_counter() - started:.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
