"""Directory pages are paged: the total and the facets are over every match, the page links keep the
search and the chosen values, the exports stay whole; a firm's page has a JSON twin with the same counts
(never a consultation's contents); the shape of ``facets`` in the API is pinned."""

import dataclasses

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from keikaku.services.communications.directories import directory_firms, import_directory, search_directory
from keikaku.services.communications.firms import firm_page
from keikaku.services.communications.visits import import_visits, search_visits
from keikaku.services.core.actors import PUBLIC, SYSTEM

from .conftest import ADMIN, fy2026_kpi

AWARD = "はばたく中小企業・小規模事業者300社"
#: Seven firms: four in 大阪府, one award cell naming two awards, one award that contains another's name.
FIRMS = f"""企業名,法人番号,府県,業種,製品,受賞,掲載年度
阿部精工,,大阪府,機械,ばね,{AWARD},2025
井上化学,,京都府,化学,樹脂,,2025
上田製作所,,大阪府,機械,歯車,地域未来牽引企業、{AWARD},2026
江口電機,,兵庫県,電機,モーター,{AWARD}（候補）,2026
大野工業,,大阪府,化学,塗料,,2026
加藤ロボ,,大阪府,ロボット,協働ロボット,地域未来牽引企業,2026
木村鋳造,,,機械,鋳物,,2024
"""
VISITS = """視察先,府県,テーマ,対応言語
甲工場,大阪府,水素,日本語、英語
乙研究所,兵庫県,医療,英語
丙センター,大阪府,ロボット,日本語
"""


def _load(engine: Engine) -> None:
    owner = fy2026_kpi(engine, "PR回数")
    import_directory("kansai_companies", "firms.csv", FIRMS.encode(), owner.department, actor=SYSTEM, engine=engine)
    import_visits("visits.csv", VISITS.encode(), owner.department, actor=SYSTEM, engine=engine)


def test_pages_of_firms_with_the_total_and_the_facets_of_every_match(loaded_engine: Engine) -> None:
    e = loaded_engine
    _load(e)
    whole, whole_facets = search_directory("kansai_companies", per_page=100, engine=e)
    assert whole.total == 7 and whole_facets["prefecture"] == {"京都府": 1, "兵庫県": 1, "大阪府": 4, "—": 1}
    names = [f.name for f in whole.items]
    pages = [search_directory("kansai_companies", page=n, per_page=3, engine=e) for n in (1, 2, 3, 4)]
    assert [len(p.items) for p, _ in pages] == [3, 3, 1, 0]
    assert [f.name for p, _ in pages for f in p.items] == names  # every firm once, in the same order
    assert all((p.total, p.pages, facets) == (7, 3, whole_facets) for p, facets in pages)

    osaka, facets = search_directory("kansai_companies", prefecture="大阪府", per_page=2, engine=e)
    assert (osaka.total, osaka.pages, len(osaka.items)) == (4, 2, 2)
    assert facets == whole_facets  # the counts are over the matches of the words, whatever is chosen
    second, _ = search_directory("kansai_companies", prefecture="大阪府", page=2, per_page=2, engine=e)
    assert {f.name for f in osaka.items + second.items} == {"阿部精工", "上田製作所", "大野工業", "加藤ロボ"}

    # An award is matched exactly: a cell naming it among others, not one whose name contains it.
    awarded, _ = search_directory("kansai_companies", award=AWARD, per_page=1, engine=e)
    assert awarded.total == 2 and awarded.pages == 2
    assert whole_facets["award"][AWARD] == 2 and whole_facets["award"][AWARD + "（候補）"] == 1
    both, _ = search_directory("kansai_companies", award=AWARD, prefecture="大阪府", industry="機械", engine=e)
    assert sorted(f.name for f in both.items) == ["上田製作所", "阿部精工"] and both.total == 2
    nowhere, _ = search_directory("kansai_companies", prefecture="—", engine=e)
    assert [f.name for f in nowhere.items] == ["木村鋳造"] and nowhere.total == 1
    none, _ = search_directory("kansai_companies", prefecture="北海道", engine=e)
    assert (none.total, none.items) == (0, [])

    # The exports stay whole: every firm matching, whatever a page holds.
    assert [f.name for f in directory_firms("kansai_companies", engine=e)] == names
    assert len(directory_firms("kansai_companies", engine=e, prefecture="大阪府")) == 4


def test_pages_of_visit_destinations(loaded_engine: Engine) -> None:
    e = loaded_engine
    _load(e)
    first, facets = search_visits(per_page=2, viewer=PUBLIC, engine=e)
    second, again = search_visits(page=2, per_page=2, viewer=PUBLIC, engine=e)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (3, 2, 2, 1)
    assert facets == again and facets["languages"] == {"日本語": 2, "英語": 2}
    osaka, _ = search_visits(prefecture="大阪府", per_page=1, viewer=PUBLIC, engine=e)
    assert (osaka.total, osaka.pages) == (2, 2)


def test_the_pages_links_keep_the_search_and_the_chosen_values(sqlite_loaded_engine: Engine) -> None:
    from tests.web.conftest import make_client

    e = sqlite_loaded_engine
    _load(e)
    with make_client(e, PUBLIC) as public:
        html = public.get("/directories/kansai_companies?prefecture=大阪府&industry=機械&per_page=1").text
        assert 'data-testid="count">2 ' in html  # the total, not the page's
        assert "/directories/kansai_companies?prefecture=%E5%A4%A7%E9%98%AA%E5%BA%9C&amp;industry=" in html
        assert "per_page=1&amp;page=2" in html and 'rel="next"' in html
        # Choosing another value starts again from the first page.
        later = public.get("/directories/kansai_companies?industry=機械&per_page=1&page=2").text
        facet_links = later.split('class="facets"', 1)[1].split("</p>", 1)[0]
        assert "per_page=1" in facet_links and "&amp;page=" not in facet_links and "?page=" not in facet_links
        twin = public.get("/api/v1/directories/kansai_companies?prefecture=大阪府&per_page=3&page=2").json()
        assert (twin["total"], twin["page"], twin["per_page"], twin["pages"], len(twin["firms"])) == (4, 2, 3, 2, 1)
        exported = public.get("/directories/kansai_companies/export?format=csv&per_page=1&page=2")
        assert len(exported.content.decode("utf-8-sig").splitlines()) == 1 + 7  # the header and every firm
        visits = public.get("/directories/visits?per_page=2").text
        assert "per_page=2&amp;page=2" in visits
        last = public.get("/api/v1/visit-destinations?per_page=2&page=2").json()["visits"]
        assert [v["name"] for v in last] == ["甲工場"]  # by folded name: 丙, 乙, 甲
        assert public.get("/api/v1/directories/kansai_companies?per_page=101").status_code == 422


def test_the_facets_shape_of_the_api(sqlite_loaded_engine: Engine) -> None:
    """``facets``: facet name → {value: count}, every facet present (the shape changed from a flat count
    per prefecture); the OpenAPI document says so."""
    from tests.web.conftest import make_client

    e = sqlite_loaded_engine
    _load(e)
    with make_client(e, PUBLIC) as public:
        facets = public.get("/api/v1/directories/kansai_companies?q=機械").json()["facets"]
        assert facets == {
            "prefecture": {"大阪府": 2, "—": 1},
            "industry": {"機械": 3},
            "award": {AWARD: 2, "地域未来牽引企業": 1, "—": 1},
        }
        spec = public.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for schema in ("DirectoryPublic", "VisitsPublic"):
        field = spec[schema]["properties"]["facets"]
        assert field["type"] == "object" and field["additionalProperties"]["type"] == "object"
        assert field["additionalProperties"]["additionalProperties"]["type"] == "integer"
        assert "値 → 件数" in field["description"] or "{値: 件数}" in field["description"]
        assert {"total", "page", "per_page", "pages"} <= set(spec[schema]["required"])


def test_a_firms_json_twin_has_the_pages_counts_and_never_a_case(sqlite_loaded_engine: Engine) -> None:
    from tests.web.conftest import make_client

    from keikaku.services.platform.cases import CaseForm, open_case

    e = sqlite_loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    firms = "企業名,法人番号,府県,掲載年度\n株式会社ケイカク,1010401011569,大阪府,2026\n"
    import_directory("kansai_companies", "f.csv", firms.encode(), owner.department, actor=SYSTEM, engine=e)
    import_directory("hydrogen", "f.csv", firms.encode(), owner.department, actor=SYSTEM, engine=e)
    form = CaseForm("株式会社ケイカク", "1010401011569", "極秘の新素材の相談", "材料", "技術開発")
    for _ in range(2):
        open_case(form, actor=ADMIN, engine=e)
    (firm,) = search_directory("kansai_companies", engine=e)[0].items
    page = firm_page(firm.id, engine=e)
    for actor in (PUBLIC, ADMIN):  # the same for every viewer
        with make_client(e, actor) as client:
            response = client.get(f"/api/v1/firms/{firm.id}")
            assert response.status_code == 200 and "極秘" not in response.text
            twin = response.json()
            html = client.get(f"/firms/{firm.id}").text
        assert f'href="/api/v1/firms/{firm.id}"' in html
        assert 'data-testid="consultations">2<' in html and twin["consultations"] == 2
        counts = ("consultations", "events", "event_registrations", "meetings", "interviews")
        assert {k: twin[k] for k in counts} == {k: getattr(page, k) for k in counts}
        assert twin["firm"] == dataclasses.asdict(page.firm) and twin["listings"] == []
        assert (
            twin["directories"] == list(page.directories) == ["水素・燃料電池関連企業", "The Kansai Companies Profile"]
        )
    assert _missing(make_client(e, PUBLIC)) == 404


def _missing(client: TestClient) -> int:
    with client:
        return client.get("/api/v1/firms/999999").status_code


def test_a_prefectures_page_is_two_queries_through_the_facets_index(sqlite_loaded_engine: Engine) -> None:
    """The search's two statements (the grouped counts, the page) and SQLite's plans for them: the counts
    come from the facets index in its order (no temporary B-tree to group), the page finds the prefecture's
    firms through it (migration 0027_comms14)."""
    from tests.sql_capture import recording

    e = sqlite_loaded_engine
    _load(e)
    search_directory("kansai_companies", engine=e)  # the schema check is cached: not among the statements
    with recording(e) as recorder:
        found, _facets = search_directory("kansai_companies", prefecture="大阪府", per_page=2, page=2, engine=e)
    assert found.total == 4 and len(found.items) == 2
    counts, page = recorder.selects()
    assert len(recorder.statements) == 2 and "GROUP BY" in counts.sql and "LIMIT" in page.sql
    with e.connect() as conn:
        plans = [
            " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + st.sql, st.parameters))
            for st in (counts, page)
        ]
    assert "COVERING INDEX ix_directory_entries_facets" in plans[0] and "GROUP BY" not in plans[0], plans[0]
    assert "ix_directory_entries_facets (directory=? AND prefecture=?)" in plans[1], plans[1]
