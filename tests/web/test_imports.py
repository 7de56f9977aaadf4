"""Importing the entry workbook on the web and through the API: the report, permissions, the template."""

import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.services.governance.accounts import local_admin
from keikaku.services.governance.api_tokens import create_api_token
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.actuals import ActualValue
from keikaku.storage.uow import read_session
from keikaku.web import create_app
from keikaku.web.settings import WebSettings

from .conftest import add_user, csrf_from, make_client, user_client
from .workbooks import filled_csv, filled_workbook, kpis_of

pytestmark = pytest.mark.usefixtures("cheap_hasher")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONODZUKURI = "ものづくり支援課"
GREEN = "グリーン産業振興課"


def _recorded(engine: Engine) -> list[tuple[int, float, str, str]]:
    with read_session(engine) as s:
        rows = s.execute(
            select(ActualValue.kpi_id, ActualValue.value, ActualValue.entered_by, ActualValue.channel).order_by(
                ActualValue.kpi_id
            )
        )
        return [tuple(r) for r in rows]


def _audit_count(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _upload(client: TestClient, name: str, content: bytes, **fields: str) -> Any:
    page = client.get("/actuals/import")
    data = {"csrf_token": csrf_from(page.text), **fields}
    return client.post("/actuals/import", data=data, files={"file": (name, content, XLSX)})


def test_an_administrator_imports_the_workbook_and_sees_what_was_recorded(sqlite_loaded_engine: Engine) -> None:
    own, green = kpis_of(sqlite_loaded_engine, MONODZUKURI)[1], kpis_of(sqlite_loaded_engine, GREEN)[0]
    with user_client(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN) as client:
        client.headers.pop("x-csrf-token")
        form = client.get("/actuals/import")
        assert form.status_code == 200
        assert 'enctype="multipart/form-data"' in form.text and 'name="csrf_token"' in form.text
        assert "/api/v1/actuals/template?fiscal_year=2026" in form.text
        content = filled_workbook(sqlite_loaded_engine, {own: {"実績値": "120件"}, green: {"実績値": 230}})
        response = _upload(client, "令和8年度 実績.xlsx", content)
        assert response.status_code == 200
        assert "「令和8年度 実績.xlsx」から 2 件の実績を記録しました（変更なし 0 件）" in response.text
    assert _recorded(sqlite_loaded_engine) == sorted([(own, 120, "kanri", "xlsx"), (green, 230, "kanri", "xlsx")])
    assert _audit_count(sqlite_loaded_engine) >= 2


def test_every_wrong_cell_is_listed_with_sheet_row_and_column_and_nothing_is_recorded(
    sqlite_loaded_engine: Engine,
) -> None:
    own = kpis_of(sqlite_loaded_engine, MONODZUKURI)
    content = filled_workbook(
        sqlite_loaded_engine,
        {own[0]: {"実績値": "120%"}, own[1]: {"実績値": 5, "測定日": "いつか"}, own[2]: {"実績値": 10}},
    )
    with user_client(sqlite_loaded_engine, "kanri", Role.BUREAU_ADMIN) as client:
        response = _upload(client, "実績.xlsx", content)
    assert response.status_code == 422
    text = response.text
    assert "「実績.xlsx」に誤りが 2 件あります。何も取り込んでいません" in text
    assert "<td>実績</td>" in text and "<td>実績値</td>" in text and "<td>測定日</td>" in text
    assert "日付として解釈できません（いつか）" in text
    assert _recorded(sqlite_loaded_engine) == []


def test_a_department_editor_cannot_import_another_departments_values(sqlite_loaded_engine: Engine) -> None:
    own, other = kpis_of(sqlite_loaded_engine, MONODZUKURI)[1], kpis_of(sqlite_loaded_engine, GREEN)[0]
    mixed = filled_workbook(sqlite_loaded_engine, {own: {"実績値": 12}, other: {"実績値": 999}})
    with user_client(sqlite_loaded_engine, "mono", Role.DEPARTMENT_EDITOR, departments=(MONODZUKURI,)) as client:
        refused = _upload(client, "実績.xlsx", mixed)
        assert refused.status_code == 403
        assert "この KPI の実績を入力する権限がありません" in refused.text
        assert _recorded(sqlite_loaded_engine) == []  # all or nothing: not even the editor's own KPI
        template = client.get("/api/v1/actuals/template", params={"fiscal_year": 2026, "department": MONODZUKURI})
        assert template.status_code == 200
        accepted = _upload(client, "実績.xlsx", filled_workbook(sqlite_loaded_engine, {own: {"実績値": 12}}))
        assert accepted.status_code == 200
    assert _recorded(sqlite_loaded_engine) == [(own, 12, "mono", "xlsx")]


def test_the_api_imports_with_a_token_and_answers_errors_as_json(sqlite_loaded_engine: Engine) -> None:
    add_user(sqlite_loaded_engine, "mono", Role.DEPARTMENT_EDITOR, departments=(MONODZUKURI,))
    admin = local_admin({"USER": "test"})
    write = create_api_token("mono", ["actuals:write"], actor=admin, engine=sqlite_loaded_engine).token
    read = create_api_token("mono", ["read"], actor=admin, engine=sqlite_loaded_engine).token
    own, other = kpis_of(sqlite_loaded_engine, MONODZUKURI)[1], kpis_of(sqlite_loaded_engine, GREEN)[0]
    with TestClient(create_app(WebSettings(engine=sqlite_loaded_engine))) as client:
        url = "/api/v1/actuals/import"
        bearer = {"authorization": f"Bearer {write}"}
        mixed = filled_workbook(sqlite_loaded_engine, {own: {"実績値": 12}, other: {"実績値": 999}})
        rejected = client.post(url, headers=bearer, files={"file": ("実績.xlsx", mixed, XLSX)})
        assert rejected.status_code == 403
        error = rejected.json()["error"]
        assert error["code"] == "forbidden" and "何も取り込んでいません" in error["message"]
        (cell,) = error["details"]["errors"]
        assert (cell["sheet"], cell["column"]) == ("実績", "KPI ID") and cell["row"] >= 2
        assert "権限がありません" in cell["reason"] and cell["message"].startswith(f"実績 {cell['row']}行 「KPI ID」")
        scoped = client.post(url, headers={"authorization": f"Bearer {read}"}, files={"file": ("a.xlsx", mixed, XLSX)})
        assert scoped.status_code == 403 and scoped.json()["error"]["code"] == "forbidden"
        csv_file = filled_csv(sqlite_loaded_engine, {own: {"実績値": "三十"}})
        accepted = client.post(
            url, headers=bearer, files={"file": ("実績.csv", csv_file, "text/csv")}, data={"reason": "再集計"}
        )
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body == {
            "filename": "実績.csv",
            "applied": True,
            "rows": 1,
            "recorded": 1,
            "unchanged": 0,
            "errors": [],
        }
        missing = client.post(url, headers=bearer, data={"reason": "x"})
        assert missing.status_code == 422 and missing.json()["error"]["code"] == "file_missing"
    assert _recorded(sqlite_loaded_engine) == [(own, 30, "mono", "csv")]


def test_visitors_can_neither_import_nor_download_the_template(sqlite_loaded_engine: Engine) -> None:
    content = filled_workbook(sqlite_loaded_engine, {kpis_of(sqlite_loaded_engine, GREEN)[0]: {"実績値": 1}})
    with make_client(sqlite_loaded_engine, PUBLIC) as client:
        page = client.get("/actuals/import")
        assert page.status_code == 200 and 'type="file"' not in page.text and "/login?next=/actuals/import" in page.text
        web = client.post("/actuals/import", files={"file": ("a.xlsx", content, XLSX)})
        assert web.status_code == 403 and "権限がありません" in web.text
        api = client.post("/api/v1/actuals/import", files={"file": ("a.xlsx", content, XLSX)})
        assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
        assert client.get("/api/v1/actuals/template", params={"fiscal_year": 2026}).status_code == 403
    assert _recorded(sqlite_loaded_engine) == []


def test_the_template_downloads_under_a_fixed_name(client: TestClient) -> None:
    xlsx = client.get("/api/v1/actuals/template", params={"fiscal_year": 2026})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    disposition = xlsx.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="keikaku_actuals_2026.xlsx";')
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["説明", "実績", "月次実績"]
    csv_file = client.get(
        "/api/v1/actuals/template", params={"fiscal_year": 2026, "format": "csv", "department": MONODZUKURI}
    )
    assert (
        csv_file.status_code == 200 and 'filename="keikaku_actuals_2026.csv"' in csv_file.headers["content-disposition"]
    )
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and "利用満足度" in csv_file.content.decode("utf-8-sig")
    unknown = client.get("/api/v1/actuals/template", params={"fiscal_year": 2026, "department": "../../etc"})
    assert unknown.status_code == 422 and "content-disposition" not in unknown.headers
    assert client.get("/api/v1/actuals/template", params={"fiscal_year": 2099}).status_code == 404
