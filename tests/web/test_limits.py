"""Bad input: oversized requests refused, unknown ids 404 (page or JSON), invalid parameters 422, headers."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from .conftest import Ids, make_client


def test_oversized_requests_are_refused(sqlite_loaded_engine: Engine, ids: Ids) -> None:
    with make_client(sqlite_loaded_engine, max_body=2048) as client:
        big = "あ" * 5000
        page = client.post(f"/kpis/{ids.platform_kpis[0]}", data={"fiscal_year": "2026", "value": "1", "note": big})
        assert page.status_code == 413 and "リクエストが大きすぎます" in page.text
        api = client.post(
            f"/api/v1/kpis/{ids.platform_kpis[0]}/actuals", json={"fiscal_year": "2026", "value": "1", "note": big}
        )
        assert api.status_code == 413 and api.json()["error"]["code"] == "request_too_large"

        def chunks():  # no Content-Length: counted as it streams in
            for _ in range(10):
                yield b"x" * 1024

        streamed = client.post(
            f"/api/v1/kpis/{ids.platform_kpis[0]}/actuals",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
        assert streamed.status_code == 413
        assert client.get(f"/api/v1/kpis/{ids.platform_kpis[0]}").json()["kpi"]["history"] == []


def test_unknown_ids_give_404(client: TestClient) -> None:
    for path in (
        "/projects/999999",
        "/plans/999999",
        "/kpis/999999",
        "/partners/initiatives/999999",
        "/documents/nope",
    ):
        page = client.get(path)
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert "見つかりません" in page.text
        api = client.get("/api/v1" + path)
        assert api.status_code == 404
        body = api.json()
        assert set(body) == {"error"} and body["error"]["code"].endswith("not_found")
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/v1/no/such").json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/partners/links/999999", json={"action": "confirm"}).status_code == 404


def test_invalid_parameters_give_422(client: TestClient) -> None:
    for path in (
        "/api/v1/plans/abc",
        "/api/v1/plans?page=0",
        "/api/v1/plans?per_page=1000",
        "/api/v1/projects?fiscal_year=99999",
        "/api/v1/projects?status=bogus",
        "/api/v1/search?kind=bogus&q=x",
        "/api/v1/projects/0",
    ):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["error"]["code"] in {"invalid_input", "invalid_status", "invalid_kind"}, path
    assert client.get("/plans/abc").status_code == 422
    assert client.get("/api/v1/search", params={"q": "水" * 201}).status_code == 422
    bad_json = client.post("/api/v1/kpis/1/actuals", content=b"{", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422


def test_security_and_cache_headers(client: TestClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["server-timing"].startswith("app;dur=")
    etag = response.headers["etag"]
    again = client.get("/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    api = client.get("/api/v1/tree")
    assert client.get("/api/v1/tree", headers={"if-none-match": api.headers["etag"]}).status_code == 304
    assert client.get("/api/v1/tree", headers={"if-none-match": '"other"'}).status_code == 200


def test_nothing_loads_from_another_origin(client: TestClient, ids: Ids) -> None:
    for path in ("/", f"/projects/{ids.platform}", "/api/v1/docs", "/search?q=水素"):
        html = client.get(path).text
        assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html, path
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@import" not in css.text and "url(" not in css.text
