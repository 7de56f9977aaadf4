"""かんさいラボサーチ's own access count (bots and signed-in staff left out, no IP address stored, a daily
salt that does not outlive its day) and its KPI measure; the reverse ranking (needs for a seed); the JSON
twins of the staff writes, with the same checks as the pages."""

import datetime as dt

from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC
from keikaku.services.platform.accesses import access_counts, is_bot, record_view
from keikaku.services.platform.common import fiscal_year_of
from keikaku.services.platform.counts import figure
from keikaku.services.platform.matching import add_need, suggest_needs
from keikaku.storage import platform as store
from keikaku.storage.uow import read_session

from .conftest import COORDINATOR, FIRM, OTHER_EDITOR
from .test_matching_and_measures import _seeds

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def test_views_are_counted_per_day_and_page_without_bots_staff_or_addresses(engine: Engine) -> None:
    day = dt.date(2026, 6, 1)
    counted = [
        record_view("/labsearch", actor=PUBLIC, address=a, user_agent=BROWSER, day=day, engine=engine)
        for a in ("192.0.2.1", "192.0.2.1", "192.0.2.2")
    ]
    assert counted == [True, True, True]
    assert not record_view("/labsearch", actor=PUBLIC, address="192.0.2.3", user_agent="Googlebot/2.1", engine=engine)
    assert not record_view("/labsearch", actor=PUBLIC, address="192.0.2.3", user_agent="", engine=engine)
    assert not record_view("/labsearch", actor=COORDINATOR, address="192.0.2.4", user_agent=BROWSER, engine=engine)
    assert is_bot("Mozilla/5.0 (compatible; bingbot/2.0)") and not is_bot(BROWSER)
    found = access_counts(2026, engine=engine)
    assert (found.views, found.visitors, found.by_day) == (3, 2, ((day, "/labsearch", 3, 2),))
    with read_session(engine) as s:
        stored = s.scalars(select(store.LabAccess.visitor)).all()
        assert stored and not any("192.0.2" in v for v in stored)  # a hash, never the address
        assert figure(s, "labsearch_accesses", 2026) == (3.0, 3)
    record_view(
        "/labsearch", actor=PUBLIC, address="192.0.2.1", user_agent=BROWSER, day=day.replace(day=2), engine=engine
    )
    with read_session(engine) as s:  # the new day's salt replaced the old one: yesterday's hashes lead nowhere
        assert s.scalars(select(store.LabAccessSalt.day)).all() == [day.replace(day=2)]


def test_the_search_page_counts_the_public_not_staff(engine: Engine) -> None:
    with make_client(engine, PUBLIC) as public:
        public.get("/labsearch?q=SEM", headers={"user-agent": BROWSER})
        public.get("/labsearch?q=SEM", headers={"user-agent": "curl/8.0"})
    with make_client(engine, COORDINATOR) as staff:
        page = staff.get("/labsearch?q=SEM", headers={"user-agent": BROWSER})
    assert 'data-testid="accesses">1<' in page.text
    assert access_counts(fiscal_year_of(dt.date.today()), engine=engine).views == 1


def test_needs_are_ranked_for_a_seed(engine: Engine, institutes: dict[str, int]) -> None:
    seeds = _seeds(engine, institutes)
    fracture = add_need("破断面の観察", "樹脂部品の破断面を観察したい", field="材料", actor=COORDINATOR, engine=engine)
    add_need("稼働の見える化", "工場設備の稼働状況を知りたい", field="情報", actor=COORDINATOR, engine=engine)
    found = suggest_needs(seeds["sem"], actor=COORDINATOR, engine=engine)
    assert found[0].id == fracture and "破断" in found[0].shared and found[0].same_field


def test_the_json_twins_check_as_the_pages_do(engine: Engine, institutes: dict[str, int]) -> None:
    seeds = _seeds(engine, institutes)
    case = {"firm": "株式会社ケイカク精工", "corporate_number": FIRM, "topic": "破断面の観察", "field": "材料"}
    with make_client(engine, COORDINATOR) as client:
        before = fingerprint(engine)
        bad = client.post("/api/v1/platform/cases", json={**case, "corporate_number": "1234567890123", "phase": "実証"})
        assert bad.status_code == 422 and "チェックデジット" in bad.json()["error"]["message"]
        assert not changed_tables(before, fingerprint(engine))
        opened = client.post("/api/v1/platform/cases", json={**case, "phase": "実証", "need": "破断面を観察したい"})
        assert opened.status_code == 201, opened.text
        body = opened.json()
        logged = client.post(
            f"/api/v1/platform/cases/{body['id']}/activities", json={"kind": "訪問", "body": "訪問した"}
        )
        assert logged.status_code == 201 and [a["kind"] for a in logged.json()["activities"]] == ["相談", "訪問"]
        need = body["need_ids"][0]
        before = fingerprint(engine)
        alone = client.post("/api/v1/platform/interviews", json={"need_id": need, "on": "2026-06-01"})
        assert alone.status_code == 422 and "ニーズとシーズの両方" in alone.json()["error"]["message"]
        assert not changed_tables(before, fingerprint(engine))
        decided = client.post(
            "/api/v1/platform/decisions", json={"need_id": need, "seed_id": seeds["xrd"], "decision": "rejected"}
        )
        assert decided.status_code == 201 and seeds["xrd"] not in [s["id"] for s in decided.json()["suggestions"]]
        made = client.post(
            "/api/v1/platform/interviews", json={"need_id": need, "seed_id": seeds["sem"], "on": "2026-06-01"}
        )
        assert made.status_code == 201 and made.json()["status"] == "予定"
        held = client.post(f"/api/v1/platform/interviews/{made.json()['id']}/status", json={"status": "実施"})
        assert held.status_code == 200 and held.json()["status"] == "実施"
    before = fingerprint(engine)
    with make_client(engine, OTHER_EDITOR) as other:
        refused = other.post(f"/api/v1/platform/cases/{body['id']}/activities", json={"kind": "メモ", "body": "x"})
        assert refused.status_code == 403
    assert not changed_tables(before, fingerprint(engine))
