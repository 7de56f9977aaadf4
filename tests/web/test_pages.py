"""Every page renders, in Japanese and English, and its JSON twin under /api/v1 answers with the same facts."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku import domain as d
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.storage.uow import unit_of_work

from .conftest import find_ids


def _pages(client: TestClient) -> list[tuple[str, str]]:
    ids = find_ids(client)
    return [
        ("/", "/api/v1/dashboard"),
        ("/?fiscal_year=2023", "/api/v1/dashboard?fiscal_year=2023"),
        ("/tree", "/api/v1/tree"),
        ("/plans", "/api/v1/plans"),
        (f"/plans/{ids.plan_2026}", f"/api/v1/plans/{ids.plan_2026}"),
        (f"/plans/{ids.plan_2023}", f"/api/v1/plans/{ids.plan_2023}"),
        ("/projects", "/api/v1/projects"),
        (f"/projects/{ids.platform}", f"/api/v1/projects/{ids.platform}"),
        (f"/projects/{ids.component}", f"/api/v1/projects/{ids.component}"),
        (f"/kpis/{ids.platform_kpis[0]}", f"/api/v1/kpis/{ids.platform_kpis[0]}"),
        ("/compare", "/api/v1/compare"),
        ("/action-plan", "/api/v1/action-plan"),
        ("/partners", "/api/v1/partners"),
        (f"/partners/initiatives/{ids.initiative_startup}", f"/api/v1/partners/initiatives/{ids.initiative_startup}"),
        ("/search?q=水素", "/api/v1/search?q=水素"),
        ("/downloads", "/api/v1/downloads"),
        (f"/documents/{ids.document}?line={ids.line}", f"/api/v1/documents/{ids.document}?line={ids.line}"),
    ]


def test_every_page_and_its_json_twin(both_client: TestClient) -> None:
    for page, twin in _pages(both_client):
        html = both_client.get(page)
        assert html.status_code == 200, page
        assert html.headers["content-type"].startswith("text/html")
        assert '<html lang="ja">' in html.text
        assert f'href="{twin.replace("&", "&amp;")}"' in html.text or twin.split("?")[0] in html.text, page
        data = both_client.get(twin)
        assert data.status_code == 200, twin
        assert data.headers["content-type"].startswith("application/json")
        assert data.json()


def test_pages_in_english(client: TestClient) -> None:
    for page, _twin in _pages(client):
        sep = "&" if "?" in page else "?"
        html = client.get(f"{page}{sep}lang=en")
        assert html.status_code == 200, page
        assert '<html lang="en">' in html.text
        # Japanese data inside an English page is marked as Japanese.
        if "関西" in html.text:
            assert 'lang="ja"' in html.text, page


def test_dashboard_shows_vision_budget_statuses_and_years(client: TestClient) -> None:
    html = client.get("/").text
    assert "経済・産業の国内シェア" in html and "GRP額" in html
    assert "100,674千円" in html and "24,992千円" in html
    assert "関西チャレンジ②「強みを活用」" in html and "57,316千円" in html
    assert html.count("<svg") >= 4 and 'role="img"' in html
    assert "55,969千円" in html  # FY2023 beside FY2026
    board = client.get("/api/v1/dashboard").json()
    assert board["fiscal_years"] == [2023, 2026]
    assert sum(c["budget_thousand_yen"] for c in board["budget_by_challenge"]) == 100_674
    assert sum(s["count"] for s in board["kpi_statuses"]) == board["kpi_count"] == 15


def test_plan_table_adds_up_and_shows_warnings(client: TestClient) -> None:
    ids = find_ids(client)
    plan = client.get(f"/api/v1/plans/{ids.plan_2026}").json()
    assert plan["listed_total"] == plan["plan"]["total_budget_thousand_yen"] == 100_674
    assert plan["consistent"] is True
    html = client.get(f"/plans/{ids.plan_2026}").text
    assert "100,674千円" in html and "合計と一致しています" in html
    old = client.get(f"/api/v1/plans/{ids.plan_2023}").json()
    assert old["consistent"] is False  # the FY2023 list does not add up to its stated total
    assert old["checks"][0]["difference"] == 55_969 - old["listed_total"]
    html = client.get(f"/plans/{ids.plan_2023}").text
    assert "合計と一致しません" in html and 'id="warnings"' in html


def test_plan_table_paginates_and_filters(client: TestClient) -> None:
    ids = find_ids(client)
    first = client.get(f"/api/v1/plans/{ids.plan_2026}?per_page=4").json()
    assert first["rows"]["total"] == 10 and first["rows"]["pages"] == 3 and len(first["rows"]["items"]) == 4
    assert first["listed_total"] == 100_674  # sums stay over the whole plan
    second = client.get(f"/api/v1/plans/{ids.plan_2026}?per_page=4&page=2").json()
    assert {r["id"] for r in first["rows"]["items"]}.isdisjoint({r["id"] for r in second["rows"]["items"]})
    two = client.get(f"/api/v1/plans/{ids.plan_2026}?challenge=2").json()
    assert [r["code"] for r in two["rows"]["items"]] == ["⑤", "⑥"]
    dept = client.get(f"/api/v1/plans/{ids.plan_2026}", params={"department": "スタートアップ支援課"}).json()
    assert {r["code"] for r in dept["rows"]["items"]} == {"①", "④"}
    everything = client.get(f"/api/v1/plans/{ids.plan_2026}").json()["rows"]["items"]
    unmeasured = [r["id"] for r in everything if r["status"] == "未測定"]
    status = client.get(f"/api/v1/plans/{ids.plan_2026}?status=not_measured").json()
    assert status["filters"]["status"] == "未測定"
    assert [r["id"] for r in status["rows"]["items"]] == unmeasured and len(unmeasured) >= 8
    html = client.get(f"/plans/{ids.plan_2026}?per_page=4").text
    assert 'rel="next"' in html and "表示中の事業の計" in html


def test_project_page_has_every_field_and_provenance(client: TestClient) -> None:
    ids = find_ids(client)
    data = client.get(f"/api/v1/projects/{ids.platform}").json()
    assert data["name"] == "関西の産業力強化を目的とした広域的プラットフォーム構築"
    assert data["budget_thousand_yen"] == 49_984 and data["national_subsidy_thousand_yen"] == 24_992
    assert data["departments"] == ["ものづくり支援課"] and data["challenge"] == 2
    assert [k["target_text"] for k in data["kpis"]] == ["80%以上", "25件以上", "32,000件以上"]
    assert all(k["source"]["href"].startswith("/documents/") for k in data["kpis"])
    html = client.get(f"/projects/{ids.platform}").text
    assert "関西広域産業共創プラットフォーム事業の推進" in html
    assert f"/documents/{ids.document}?line={ids.line}#L{ids.line}" in html
    assert "/kpis/" in html


def test_project_events_show_dates_both_ways(client: TestClient) -> None:
    plans = {p["fiscal_year"]: p["id"] for p in client.get("/api/v1/plans").json()["items"]}
    rows = client.get(f"/api/v1/plans/{plans[2026]}").json()["rows"]["items"]
    biojapan = next(r for r in rows if r["code"] == "②")
    html = client.get(f"/projects/{biojapan['id']}").text
    assert '<time datetime="2026-10-07">令和8年10月7日（2026-10-07）</time>' in html  # the house style
    english = client.get(f"/projects/{biojapan['id']}?lang=en").text
    assert "2026-10-07 (Reiwa 8)" in english


def test_document_line_in_context(client: TestClient) -> None:
    ids = find_ids(client)
    doc = client.get(f"/api/v1/documents/{ids.document}?line={ids.line}").json()
    assert doc["line"] == ids.line
    assert any(f["project_id"] == ids.platform for f in doc["facts"])
    html = client.get(f"/documents/{ids.document}?line={ids.line}").text
    assert f'id="L{ids.line}"' in html


def test_action_plan_matrix(client: TestClient) -> None:
    matrix = client.get("/api/v1/action-plan").json()
    assert len(matrix["themes"]) == 6
    assert matrix["periods"] == ["2024", "2025", "2026-"]
    assert all(len(t["cells"]) == len(matrix["columns"]) == 6 for t in matrix["themes"])
    html = client.get("/action-plan").text
    assert 'scope="colgroup"' in html and "構成府県市" in html and "カーボンニュートラル" in html


def test_compare_two_years(client: TestClient) -> None:
    data = client.get("/api/v1/compare?before=2023&after=2026").json()
    assert data["before_total"] == 55_969 and data["after_total"] == 100_674
    assert data["total_change"] == 100_674 - 55_969
    html = client.get("/compare?before=2023&after=2026").text
    assert "継続した事業" in html and "+44,705千円" in html
    assert client.get("/api/v1/compare?before=2026").status_code == 422


def test_projects_list_filters(client: TestClient) -> None:
    data = client.get("/api/v1/projects?fiscal_year=2026&challenge=1").json()
    assert {p["code"] for p in data["items"]} == {"①", "②", "③", "④"}
    assert all(p["status"] == "未測定" for p in data["items"])
    assert client.get("/api/v1/projects?per_page=3").json()["pages"] >= 2


@pytest.mark.parametrize("path", ["/", "/tree", "/search?q=電池", "/partners"])
def test_pages_are_keyboard_and_screen_reader_friendly(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        assert "<th" in table and "<caption" in table
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_empty_form_fields_mean_not_given(client: TestClient) -> None:
    for path in (
        "/plans?fiscal_year=&issuer=",
        "/search?q=水素&kind=&fiscal_year=",
        "/projects?fiscal_year=&challenge=&department=&status=",
        "/api/v1/projects?fiscal_year=&status=",
    ):
        assert client.get(path).status_code == 200, path


def test_a_stored_document_shows_the_line_among_its_neighbours(
    sqlite_loaded_engine: Engine, client: TestClient
) -> None:
    text = "\n".join(f"{n}行目の本文" for n in range(1, 21))
    project = d.Project(
        name="文脈つき事業",
        budget_thousand_yen=1,
        provenance=d.Provenance(document="ctx-doc", line=10, excerpt="10行目の本文"),
    )
    bundle = d.PlanData(
        documents=[d.DocumentRef(id="ctx-doc", title="文脈の試験", kind=d.DocumentKind.BUSINESS_PLAN, sha256="c" * 64)],
        plans=[d.Plan(fiscal_year=2031, issuer="試験市", total_budget_thousand_yen=1, projects=[project])],
    )
    with unit_of_work(sqlite_loaded_engine) as session:
        import_plan_data(session, bundle, document_texts={"ctx-doc": text})
    doc = client.get("/api/v1/documents/ctx-doc?line=10").json()
    assert [c["line"] for c in doc["context"]] == list(range(4, 17))
    assert doc["facts"][0]["name"] == "文脈つき事業"
    html = client.get("/documents/ctx-doc?line=10").text
    assert '<li id="L10" class="current" aria-current="true" lang="ja">10行目の本文</li>' in html
