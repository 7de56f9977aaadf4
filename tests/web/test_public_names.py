"""Issue 18: no staff username on a public page; the evidence entered with a value is shown with it.  Issue 15:
the public KPI page is a view of the KPI, not an entry form the visitor may not use."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import make_client

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.plans.kpis import find_kpi
from keikaku.services.publication.state import publish_evaluation
from keikaku.storage.uow import read_session

CLERK = Actor("tanaka.ichiro", frozenset({Role.BUREAU_ADMIN}))


def test_the_public_sees_the_value_and_its_evidence_but_not_who_entered_it(sqlite_loaded_engine: Engine) -> None:
    eng = sqlite_loaded_engine
    entry = ActualInput(
        kpi="参加者数",
        fiscal_year=2026,
        value="231人",
        evidence_text="受付名簿の集計",
        evidence_url="https://example.jp/forum-report",
        measured_on=None,
    )
    value = set_actual(entry, actor=CLERK, engine=eng)
    with read_session(eng) as session:
        ref = find_kpi(session, 2026, "参加者数")
    publish_evaluation(CLERK, ref.plan_id or 0, 2026, engine=eng)
    pages = [f"/kpis/{value.kpi_id}", f"/projects/{ref.project_id}"]
    with make_client(eng, PUBLIC) as public:
        for url in pages:
            page = public.get(url)
            assert page.status_code == 200, url
            assert (
                "231" in page.text and "受付名簿の集計" in page.text and "https://example.jp/forum-report" in page.text
            )
            assert "tanaka.ichiro" not in page.text, url
        kpi_page = public.get(pages[0]).text
        assert "<h1>参加者数 の目標と実績</h1>" in kpi_page  # issue 15: not 「実績の入力」 for the public
        assert "実績の入力" not in kpi_page and 'id="form-h"' not in kpi_page
        api = public.get(f"/api/v1/kpis/{value.kpi_id}").json()
        assert "tanaka.ichiro" not in str(api)
        assert [h["entered_by"] for h in api["kpi"]["history"]] == [None]
    with make_client(eng, CLERK) as staff:
        assert all("tanaka.ichiro" in staff.get(url).text for url in pages)
        assert "<h1>実績の入力: 参加者数</h1>" in staff.get(pages[0]).text


def test_the_public_footer_names_no_operator(public_client: TestClient) -> None:
    page = public_client.get("/").text
    assert "操作者" not in page and "public" not in page.split("<footer")[1]


def test_the_public_sees_only_confirmed_partner_links(sqlite_loaded_engine: Engine) -> None:
    from sqlalchemy import select

    from keikaku.services.context.partner_links import refresh_suggestions
    from keikaku.storage import web_models as w

    refresh_suggestions(engine=sqlite_loaded_engine)
    with read_session(sqlite_loaded_engine) as session:
        project_id = session.scalar(select(w.PartnerLink.project_id).where(w.PartnerLink.state == "suggested"))
    assert project_id is not None
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        shown = public.get(f"/api/v1/projects/{project_id}").json()["links"]
        assert shown == [x for x in shown if x["state"] == "confirmed"]
        assert "link-suggested" not in public.get(f"/projects/{project_id}").text
    with make_client(sqlite_loaded_engine, Actor("管理者", frozenset({Role.BUREAU_ADMIN}))) as staff:
        assert any(x["state"] == "suggested" for x in staff.get(f"/api/v1/projects/{project_id}").json()["links"])
