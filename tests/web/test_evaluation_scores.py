"""Finding 1 of issue 15: what is not measured is never scored as 0, and an open year is 評価中, not 未達.

The public page, the JSON twin and the dashboard show the score over the measured KPIs with the coverage beside
it; locking the year (確定) turns 評価中 into the final status and rating.
"""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import make_client

from keikaku.services.actuals.periods import lock_period
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.publication.state import publish_evaluation

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))


def _green_project(client: TestClient) -> dict[str, object]:
    plans = {p["fiscal_year"]: p["id"] for p in client.get("/api/v1/plans").json()["items"]}
    rows = client.get(f"/api/v1/plans/{plans[2026]}").json()["rows"]["items"]
    green = next(r for r in rows if r["code"] == "③")
    return {"plan": plans[2026], **green}


def _setup(engine: Engine) -> tuple[int, int]:
    with make_client(engine, ADMIN) as admin:
        green = _green_project(admin)
    # One KPI of two measured, below target: under the old rule the project was 未達 at 22.7%.
    set_actual(ActualInput(kpi="参加者数", fiscal_year=2026, value="100人"), actor=ADMIN, engine=engine)
    publish_evaluation(ADMIN, int(str(green["plan"])), 2026, reason="中間公表", engine=engine)
    return int(str(green["plan"])), int(str(green["id"]))


def test_public_sees_evaluating_with_coverage_not_a_red_grade(sqlite_loaded_engine: Engine) -> None:
    plan_id, project_id = _setup(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        data = public.get(f"/api/v1/projects/{project_id}").json()
        assert data["status"] == "評価中"
        assert data["rating"] is None
        assert (data["measured"], data["kpi_total"]) == (1, 2)
        assert data["score"] == 100 / 220  # the measured KPI only, not (100/220 + 0) / 2
        page = public.get(f"/projects/{project_id}").text
        assert "status-evaluating" in page
        assert "2件中1件測定済み" in page
        assert "45.5%" in page
        assert "0 として算入" not in page
        # A project with nothing measured is grey 未測定, never red.
        plan_page = public.get(f"/plans/{plan_id}").text
        assert "status-not-measured" in plan_page
        assert "status-not-achieved" not in plan_page
        board = public.get("/api/v1/dashboard", params={"fiscal_year": 2026}).json()
        assert board["plan_status"] == "評価中"
        assert board["plan_rating"] is None
        assert board["plan_measured"] == 1 and board["plan_kpi_total"] > 1
        public.get("/lang/en?next=/")
        assert "1 of 2 KPIs measured" in public.get(f"/projects/{project_id}").text


def test_locking_the_year_gives_the_final_status(sqlite_loaded_engine: Engine) -> None:
    _, project_id = _setup(sqlite_loaded_engine)
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        assert public.get(f"/api/v1/projects/{project_id}").json()["status"] == "評価中"
        lock_period(ADMIN, 2026, reason="推進会議で確定", engine=sqlite_loaded_engine)
        data = public.get(f"/api/v1/projects/{project_id}").json()
        assert data["status"] == "未達"
        assert data["rating"] == "C"
        assert (data["measured"], data["kpi_total"]) == (1, 2)
