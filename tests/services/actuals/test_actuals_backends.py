"""Actual values, corrections, import and evaluation on both backends (SQLite, and PostgreSQL when configured)."""

import io

import openpyxl
from sqlalchemy import Engine

from keikaku.evaluation import Status
from keikaku.services.actuals.import_sheet import import_actuals
from keikaku.services.actuals.record import ActualInput, actual_history, set_actual
from keikaku.services.actuals.template import build_template
from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.run import evaluate_fiscal_year

ACTOR = Actor(name="田中", roles=frozenset({Role.BUREAU_ADMIN}))


def test_entry_correction_import_and_evaluation(loaded_engine: Engine) -> None:
    set_actual(ActualInput(kpi="参加企業数", fiscal_year=2026, value=12), actor=ACTOR, engine=loaded_engine)
    set_actual(ActualInput(kpi="BioJapanマッチング件数", fiscal_year=2026, value=70), actor=ACTOR, engine=loaded_engine)
    set_actual(
        ActualInput(kpi="BioJapanマッチング件数", fiscal_year=2026, value=80, reason="商談記録の追加"),
        actor=ACTOR,
        engine=loaded_engine,
    )
    assert [(v.version, v.value) for v in actual_history("BioJapanマッチング件数", 2026, engine=loaded_engine)] == [
        (1, 70),
        (2, 80),
    ]
    wb = openpyxl.load_workbook(io.BytesIO(build_template(2026, viewer=None, engine=loaded_engine).content))
    ws = wb["実績"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=6).value == "参加者数")
    ws.cell(row=row, column=header.index("実績値") + 1, value="205人")
    out = io.BytesIO()
    wb.save(out)
    report = import_actuals("実績.xlsx", out.getvalue(), actor=ACTOR, engine=loaded_engine)
    assert report.applied and report.recorded == 1
    (evaluation,) = evaluate_fiscal_year(2026, engine=loaded_engine)
    results = {k.indicator: k.result for _, k in evaluation.all_kpis() if k.result}
    assert results["BioJapanマッチング件数"].status is Status.ACHIEVED
    assert results["BioJapanマッチング件数"].effective_target == 72
    assert results["参加者数"].status is Status.MOSTLY_ACHIEVED
