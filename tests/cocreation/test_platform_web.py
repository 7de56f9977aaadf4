"""The public pages: かんさいラボサーチ finds SEM and ＪＳＭ with the fee for the user's prefecture, its JSON
twin gives the same results; the counts page shows counts, never a case's firm or topic."""

from sqlalchemy import Engine
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC
from keikaku.services.platform.cases import CaseForm, open_case
from keikaku.services.platform.equipment_import import import_equipment

from .conftest import COORDINATOR, FIRM, OWNER
from .test_labsearch import OSAKA_CSV


def test_public_search_page_and_json_twin(engine: Engine, institutes: dict[str, int]) -> None:
    import_equipment(institutes["osaka"], "o.csv", OSAKA_CSV.encode("cp932"), commit=True, actor=OWNER, engine=engine)
    open_case(
        CaseForm("秘密工業株式会社", FIRM, "極秘の新素材", "材料", "実証", opened_on="2026-05-01"),
        actor=COORDINATOR,
        engine=engine,
    )
    with make_client(engine, PUBLIC) as client:
        for q in ("SEM", "ＪＳＭ"):
            page = client.get("/labsearch", params={"q": q, "user_prefecture": "大阪府"})
            assert page.status_code == 200 and "走査電子顕微鏡" in page.text and "4,800" in page.text
            twin = client.get("/api/v1/labsearch", params={"q": q, "user_prefecture": "大阪府"}).json()
            assert [(h["name"], h["fee"]) for h in twin["hits"]] == [("走査電子顕微鏡", 4800)]
        counts = client.get("/platform?fiscal_year=2026")
        assert counts.status_code == 200 and 'class="cases">1<' in counts.text
        assert "秘密工業" not in counts.text and "極秘" not in counts.text
        assert client.get("/api/v1/platform/counts?fiscal_year=2026").json()["firms"] == 1
        assert client.get("/api/v1/platform/cases/1").status_code in (401, 403)
