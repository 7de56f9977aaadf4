"""The JSON API: OpenAPI documentation, pagination and filters, ETags, JSON errors, and the downloads."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from .conftest import Ids

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "spec" / "plan-data.schema.json"


def test_openapi_document_and_its_page(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/dashboard",
        "/api/v1/tree",
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
        "/api/v1/kpis/{kpi_id}",
        "/api/v1/kpis/{kpi_id}/actuals",
        "/api/v1/compare",
        "/api/v1/action-plan",
        "/api/v1/partners",
        "/api/v1/search",
        "/api/v1/downloads",
        "/api/v1/export/{fmt}",
        "/api/v1/reports/{identifier}",
        "/api/v1/documents/{key}",
    ):
        assert path in paths, path
    assert not any(p.startswith("/projects") for p in paths)  # pages are not part of the API
    schemas = spec["components"]["schemas"]
    assert "ErrorPublic" in schemas and "ProjectPagePublic" in schemas
    enums = {"ExportFormat", "ReportFileFormat", "TemplateFormat"}
    assert all(name.endswith(("Public", "Create", "Update")) for name in set(schemas) - enums), sorted(schemas)
    for operation in paths["/api/v1/projects"].values():
        params = {p["name"] for p in operation["parameters"]}
        assert {"fiscal_year", "challenge", "department", "status", "page", "per_page"} <= params
        assert "404" in operation["responses"] and "422" in operation["responses"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "GET /api/v1/projects/{project_id}" in page.text
    assert "cdn" not in page.text.lower()


def test_pagination(client: TestClient) -> None:
    first = client.get("/api/v1/projects?per_page=4").json()
    assert first["page"] == 1 and first["per_page"] == 4 and len(first["items"]) == 4
    assert first["total"] == 21 and first["pages"] == 6  # 10 in FY2026 (with 管理費) and 11 in FY2023
    last = client.get(f"/api/v1/projects?per_page=4&page={first['pages']}").json()
    assert len(last["items"]) == first["total"] - 4 * (first["pages"] - 1)
    beyond = client.get("/api/v1/projects?per_page=4&page=99").json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]
    plans = client.get("/api/v1/plans?per_page=1").json()
    assert plans["total"] == 2 and plans["items"][0]["fiscal_year"] == 2026


def test_filters(client: TestClient) -> None:
    assert {p["fiscal_year"] for p in client.get("/api/v1/projects?fiscal_year=2023").json()["items"]} == {2023}
    by_dept = client.get("/api/v1/projects", params={"department": "ものづくり支援課"}).json()["items"]
    assert {p["code"] for p in by_dept} == {"⑤", "⑥"}
    both = client.get("/api/v1/projects", params={"challenge": 3, "fiscal_year": 2026, "status": "未測定"}).json()
    assert {p["code"] for p in both["items"]} <= {"⑦", "⑧", "⑨"} and both["items"]
    assert client.get("/api/v1/projects?status=achieved&fiscal_year=2026").json()["total"] == 0
    assert client.get("/api/v1/plans?fiscal_year=2023").json()["total"] == 1
    assert client.get("/api/v1/plans", params={"issuer": "広域連合"}).json()["total"] == 2


def test_etag_and_errors(client: TestClient, ids: Ids) -> None:
    first = client.get(f"/api/v1/projects/{ids.platform}")
    etag = first.headers["etag"]
    assert client.get(f"/api/v1/projects/{ids.platform}", headers={"if-none-match": etag}).status_code == 304
    client.post(f"/api/v1/kpis/{ids.platform_kpis[0]}/actuals", json={"fiscal_year": "2026", "value": "90"})
    changed = client.get(f"/api/v1/projects/{ids.platform}", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    missing = client.get("/api/v1/plans/424242")
    assert missing.status_code == 404 and missing.json() == {
        "error": {"code": "plan_not_found", "message": "事業計画（ID 424242）はありません"}
    }
    invalid = client.get("/api/v1/plans?page=abc").json()
    assert invalid["error"]["code"] == "invalid_input" and "query.page" in invalid["error"]["details"]["fields"]
    assert client.delete("/api/v1/plans").json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/v1/search?q=%00", "/api/v1/plans?issuer=a%00", "/api/v1/documents/%00"])
def test_nul_in_the_address_is_refused(both_client: TestClient, path: str) -> None:
    response = both_client.get(path)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"


def test_nul_in_a_body_is_refused(both_client: TestClient) -> None:
    kpi = both_client.get("/api/v1/projects?fiscal_year=2026&challenge=2").json()["items"][0]
    kpi_id = both_client.get(f"/api/v1/projects/{kpi['id']}").json()["kpis"][0]["id"]
    response = both_client.post(
        f"/api/v1/kpis/{kpi_id}/actuals", json={"fiscal_year": "2026", "value": "1", "note": "x\u0000"}
    )
    assert response.status_code == 422 and "note" in response.json()["error"]["details"]["fields"]
    link = both_client.get("/api/v1/partners").json()["programmes"][0]["initiatives"][4]["links"][0]
    response = both_client.post(f"/api/v1/partners/links/{link['id']}", json={"action": "confirm", "note": "\u0000"})
    assert response.status_code == 422


def test_json_download_follows_the_shared_schema(client: TestClient) -> None:
    response = client.get("/api/v1/export/json?fiscal_year=2026")
    assert response.status_code == 200 and "keikaku_2026.json" in response.headers["content-disposition"]
    data = response.json()
    if SCHEMA.is_file():
        jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(data)
    assert data["plans"][0]["total_budget_thousand_yen"] == 100_674


def test_csv_download_is_utf8_with_bom(client: TestClient) -> None:
    response = client.get("/api/v1/export/csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("年度,") and "利用満足度" in text


def test_xlsx_and_pdf_evaluation_report(client: TestClient) -> None:
    xlsx = client.get("/api/v1/reports/evaluation?format=xlsx&fiscal_year=2026")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames
    pdf = client.get("/api/v1/reports/evaluation?format=pdf&fiscal_year=2026")
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    missing = client.get("/api/v1/reports/evaluation?format=pdf")
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_report_option"
    assert client.get("/api/v1/reports/nothing").status_code == 404
    comparison = client.get("/api/v1/reports/comparison?format=xlsx&before=2023&after=2026")
    assert comparison.status_code == 200 and comparison.content[:2] == b"PK"


def test_downloads_list(client: TestClient) -> None:
    data = client.get("/api/v1/downloads").json()
    assert data["fiscal_years"] == [2023, 2026]
    assert {r["identifier"] for r in data["reports"]} >= {"evaluation", "comparison"}
    for item in data["files"]:
        assert client.get(item["href"]).status_code == 200, item["href"]
    page = client.get("/downloads").text
    assert "/api/v1/reports/evaluation?format=xlsx&amp;fiscal_year=2026" in page
    assert "/api/v1/reports/evaluation?format=pdf&amp;fiscal_year=2026" in page
