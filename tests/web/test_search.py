"""Search across everything, on SQLite and PostgreSQL: two-character words, longer strings, folded variants,
ranking, filters, and the index following the data."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import keikaku.services.search.query as search_module
from keikaku import domain as d
from keikaku.services.core.actors import SYSTEM
from keikaku.services.core.errors import ValidationError
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.services.search.entries import terms_of
from keikaku.services.search.index import forget_checks
from keikaku.services.search.marks import mark
from keikaku.services.search.query import query_words, search
from keikaku.storage.uow import unit_of_work


def _titles(engine: Engine, query: str, **filters: object) -> list[str]:
    return [hit.title for hit in search(query, viewer=SYSTEM, engine=engine, **filters).hits]  # type: ignore[arg-type]


def test_terms_and_words() -> None:
    assert terms_of("水素エネルギー") == "水素 素え えね ねる るぎ ぎ"
    assert terms_of("DX・電池") == "dx x電 電池 池"  # the middle dot is folded away
    assert terms_of("DX、電池") == "dx x 電池 池"
    assert query_words("ｽﾀｰﾄｱｯﾌﾟ　水素") == ["すたとあっぷ", "水素"]
    assert query_words("!!!") == []
    segments = mark("関西スタートアップの推進", ["すたとあっぷ"])
    assert [(s.text, s.match) for s in segments] == [("関西", False), ("スタートアップ", True), ("の推進", False)]


def test_marks_stay_on_the_displayed_characters_when_the_fold_removes_or_adds_some() -> None:
    # Spaces fold to nothing and … to three characters: the marked parts are still the displayed ones.
    segments = mark("燃料… 水 素の実証 ・水素", ["水素"])
    assert [(s.text, s.match) for s in segments] == [
        ("燃料… ", False),
        ("水 素", True),
        ("の実証 ・", False),
        ("水素", True),
    ]
    segments = mark("…ｽﾀｰﾄ ｱｯﾌﾟ…", ["すたとあっぷ"])
    assert [(s.text, s.match) for s in segments] == [("…", False), ("ｽﾀｰﾄ ｱｯﾌﾟ", True), ("…", False)]


def test_two_character_words(loaded_engine: Engine) -> None:
    assert "水素利活用促進プロジェクト" in _titles(loaded_engine, "水素")
    assert "関西蓄電池人材育成等コンソーシアムの推進" in _titles(loaded_engine, "電池")
    assert _titles(loaded_engine, "水素")[0] == "水素利活用促進プロジェクト"  # a title match comes first
    assert "カーボンニュートラル" in _titles(loaded_engine, "水素")  # found in the theme's actions


def test_longer_strings_and_variants_fold_together(loaded_engine: Engine) -> None:
    expected = _titles(loaded_engine, "スタートアップ")
    assert "関西スタートアップ・エコシステムの推進" in expected
    for variant in ("ｽﾀｰﾄｱｯﾌﾟ", "すたーとあっぷ", "スタート・アップ", "スタートアップ　"):
        assert _titles(loaded_engine, variant) == expected, variant
    assert _titles(loaded_engine, "ＢｉｏＪａｐａｎ") == _titles(loaded_engine, "biojapan") != []
    assert _titles(loaded_engine, "かんさいラボサーチ") == _titles(loaded_engine, "カンサイらぼさーち") != []
    assert _titles(loaded_engine, "水素 BioJapan") == []  # every word must match one entry
    # The FY2026 forum's theme is hydrogen and batteries (issue 18), so its project is found beside the theme.
    assert _titles(loaded_engine, "水素 フォーラム") == ["カーボンニュートラル", "グリーン分野のさらなる深化"]
    assert "グリーン分野のさらなる深化" in _titles(loaded_engine, "フォーラム 参加者数")


def test_ranking_and_filters(loaded_engine: Engine) -> None:
    results = search("スタートアップ", viewer=SYSTEM, engine=loaded_engine)
    flags = [hit.in_title for hit in results.hits]
    assert flags == sorted(flags, reverse=True)  # title matches before matches elsewhere
    assert results.hits[0].kind.value == "theme"  # the action plan's theme, then the union's projects
    projects = search("スタートアップ", kind="project", fiscal_year=2026, viewer=SYSTEM, engine=loaded_engine)
    assert projects.hits and all(h.kind.value == "project" and h.fiscal_year == 2026 for h in projects.hits)
    page2 = search("事業", per_page=2, page=2, viewer=SYSTEM, engine=loaded_engine)
    page1 = search("事業", per_page=2, page=1, viewer=SYSTEM, engine=loaded_engine)
    assert page1.total == page2.total > 4
    assert {h.ref_id for h in page1.hits}.isdisjoint({h.ref_id for h in page2.hits})


def test_bad_queries(loaded_engine: Engine) -> None:
    assert search("", viewer=SYSTEM, engine=loaded_engine).hits == []
    assert search("・ー", viewer=SYSTEM, engine=loaded_engine).words == []
    with pytest.raises(ValidationError):
        search("あ" * 201, viewer=SYSTEM, engine=loaded_engine)
    with pytest.raises(ValidationError):
        search("水素", page=0, viewer=SYSTEM, engine=loaded_engine)
    # Query syntax of either backend is not interpreted.
    for query in ('"', "'", "水素 OR 電池", "NEAR(a b)", "a:b", "*", "水素*", "(電池", "\\", "%_"):
        search(query, viewer=SYSTEM, engine=loaded_engine)


def test_the_index_follows_new_plans(loaded_engine: Engine) -> None:
    assert _titles(loaded_engine, "量子") == []
    plan = d.Plan(
        fiscal_year=2027,
        issuer="関西広域連合 広域産業振興局",
        total_budget_thousand_yen=500,
        projects=[d.Project(name="量子技術の実装支援", budget_thousand_yen=500, challenge=1)],
    )
    with unit_of_work(loaded_engine) as session:
        import_plan_data(session, d.PlanData(plans=[plan]))
    forget_checks()
    assert _titles(loaded_engine, "量子") == ["量子技術の実装支援"]
    assert _titles(loaded_engine, "2027") == ["令和9年度（2027年度） 事業計画"]


def test_search_page(client: TestClient) -> None:
    html = client.get("/search", params={"q": "水素"}).text
    assert "<mark>水素</mark>" in html and "/partners/initiatives/" in html and 'role="status"' in html
    assert "3件" in html  # the partner's project, the theme, and the forum's project (its theme, issue 18)
    data = client.get("/api/v1/search", params={"q": "電池"}).json()
    assert data["total"] == 3 and data["hits"][0]["href"].startswith("/partners/initiatives/")


def test_many_matches_take_the_same_order(loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [
        (h.kind, h.ref_id) for h in search("事業", kind="project", per_page=5, viewer=SYSTEM, engine=loaded_engine).hits
    ]
    monkeypatch.setattr(search_module, "COUNT_CAP", 2)  # every tier now counts as "many matches"
    capped = search("事業", kind="project", per_page=5, viewer=SYSTEM, engine=loaded_engine)
    assert capped.total_capped and [(h.kind, h.ref_id) for h in capped.hits] == expected
    second = search("事業", kind="project", fiscal_year=2026, per_page=2, page=2, viewer=SYSTEM, engine=loaded_engine)
    assert all(h.fiscal_year == 2026 and h.kind.value == "project" for h in second.hits)


def test_the_full_text_rows_stay_in_step_with_the_entries(sqlite_loaded_engine: Engine) -> None:
    """SQLite: the indexer writes the full-text rows of a batch itself (migration 0020 dropped the per-row
    trigger); after a build, a plan's re-indexing and a removal, FTS5's own check finds them in step."""
    from sqlalchemy import select, text

    from keikaku.services.search.index import sync_search_index
    from keikaku.storage import models as m

    def check() -> int:
        with sqlite_loaded_engine.begin() as conn:
            conn.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
            entries = conn.execute(text("SELECT count(*) FROM search_entries")).scalar_one()
            assert conn.execute(text("SELECT count(*) FROM search_fts")).scalar_one() == entries
            return int(entries)

    sync_search_index(engine=sqlite_loaded_engine)
    before = check()
    assert before > 0
    test_the_index_follows_new_plans(sqlite_loaded_engine)  # a new plan is indexed by a search
    assert check() > before
    with unit_of_work(sqlite_loaded_engine) as session:  # a write to the plan drops its entries
        project = session.scalars(select(m.Project).where(m.Project.name == "量子技術の実装支援")).one()
        project.name = "量子技術の社会実装支援"
    forget_checks()
    assert _titles(sqlite_loaded_engine, "量子") == ["量子技術の社会実装支援"]
    assert check() > before
