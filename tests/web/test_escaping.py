"""Script and HTML inside Japanese text are escaped on every page, in every attribute and chart."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku import domain as d
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.storage.uow import unit_of_work

from .conftest import make_client

PAYLOADS = [
    '<script>alert("水素")</script>',
    '"><img src=x onerror=alert(1)>',
    "';alert(String.fromCharCode(88))//",
    "<svg onload=alert(1)>電池",
    "{{ 7*7 }}<b>太字</b>",
]
MARK = "毒"


def _hostile_bundle() -> d.PlanData:
    name = f"{MARK}事業" + "".join(PAYLOADS)
    kpi = d.Kpi(
        indicator=f"{MARK}指標{PAYLOADS[0]}", comparator=d.Comparator.GE, target=10, unit="件", text=PAYLOADS[1]
    )
    event = d.Event(name=f"{MARK}催し{PAYLOADS[3]}", venue=PAYLOADS[2])
    component = d.Component(name=f"{MARK}内訳{PAYLOADS[4]}", budget_thousand_yen=50, departments=[PAYLOADS[1]])
    project = d.Project(
        code="1",
        name=name,
        title=PAYLOADS[4],
        summary=PAYLOADS[0],
        budget_thousand_yen=100,
        departments=[f"{MARK}課<script>x</script>"],
        challenge=1,
        kpis=[kpi],
        events=[event],
        components=[component],
        provenance=d.Provenance(document="hostile<doc>", line=1, excerpt=PAYLOADS[0]),
    )
    plan = d.Plan(
        fiscal_year=2030,
        issuer=f"{MARK}市{PAYLOADS[1]}",
        title=f"{MARK}計画{PAYLOADS[0]}",
        total_budget_thousand_yen=999,
        projects=[project],
        warnings=[d.Warning(code="budget_sum_mismatch", message=PAYLOADS[3])],
    )
    doc = d.DocumentRef(id="hostile<doc>", title=PAYLOADS[0], kind=d.DocumentKind.BUSINESS_PLAN)
    return d.PlanData(documents=[doc], plans=[plan])


@pytest.fixture
def hostile(sqlite_loaded_engine: Engine) -> Iterator[TestClient]:
    """The Kansai data plus a plan whose every text is an attack."""
    with unit_of_work(sqlite_loaded_engine) as session:
        import_plan_data(session, _hostile_bundle())
    with make_client(sqlite_loaded_engine) as client:
        yield client


def _assert_escaped(html: str, where: str) -> None:
    for payload in PAYLOADS:
        assert payload not in html, (where, payload)
    assert "<script>" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), where
    assert "<svg onload" not in html and "<b>太字</b>" not in html, where


def test_payloads_are_escaped_everywhere(hostile: TestClient) -> None:
    plan = next(p for p in hostile.get("/api/v1/plans?fiscal_year=2030").json()["items"])
    table = hostile.get(f"/api/v1/plans/{plan['id']}").json()
    project = table["rows"]["items"][0]
    component = project["components"][0]
    detail = hostile.get(f"/api/v1/projects/{project['id']}").json()
    kpi = detail["kpis"][0]
    issuer = plan["issuer"]
    pages = [
        f"/plans/{plan['id']}",
        f"/projects/{project['id']}",
        f"/projects/{component['id']}",
        f"/kpis/{kpi['id']}",
        "/plans?fiscal_year=2030",
        f"/search?q={MARK}",
        "/search?q=<script>alert(1)</script>",
        "/documents/hostile<doc>?line=1",
    ]
    for page in pages:
        response = hostile.get(page)
        assert response.status_code == 200, page
        assert MARK in response.text or "script" in page, page
        _assert_escaped(response.text, page)
        assert "&lt;script&gt;" in response.text or "&lt;" in response.text, page
    for url in ("/", "/tree", "/projects", "/compare"):
        response = hostile.get(url, params={"issuer": issuer}) if url == "/" else hostile.get(url)
        _assert_escaped(response.text, url)
    # The form redisplays typed payloads escaped, too.
    form = hostile.post(f"/kpis/{kpi['id']}", data={"fiscal_year": "2030", "value": PAYLOADS[1], "note": PAYLOADS[0]})
    assert form.status_code == 422
    _assert_escaped(form.text, "form")


def test_error_pages_escape_what_they_echo(client: TestClient) -> None:
    for path in ("/documents/<script>alert(1)</script>", "/nope<script>", "/plans/abc<b>"):
        response = client.get(path)
        assert response.status_code in (404, 422)
        assert "<script>alert(1)</script>" not in response.text and "<b>" not in response.text
    response = client.get("/lang/en?next=javascript:alert(1)", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    response = client.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"
