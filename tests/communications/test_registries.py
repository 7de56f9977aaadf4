"""Registries, the newsletter and the directory as records behind KPIs: listings count distinct new
(startup × database) pairs of the fiscal year, PR occurrences by audience, imports are all or nothing and
idempotent, 法人番号 are checked and duplicates refused, and the public never sees who entered what."""

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from keikaku.services.communications.directories import import_directory, search_directory
from keikaku.services.communications.firms import firm_page
from keikaku.services.communications.measures import bind_communication_measure
from keikaku.services.communications.newsletter import add_issue, list_issues
from keikaku.services.communications.registries import (
    EntryForm,
    add_entry,
    export_entries_csv,
    import_entries,
    list_entries,
)
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.measures.compute import compute_kpi, drill_down
from keikaku.storage import communications as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import OTHER, fy2026_kpi

LISTINGS = """日付,媒体,タイトル,URL
2026-05-10,Crunchbase,株式会社ケイカク,https://www.crunchbase.com/organization/keikaku
2026-06-01,Dealroom,株式会社ケイカク,https://app.dealroom.co/companies/keikaku
2026-06-02,Crunchbase,ｶﾝｻｲﾛﾎﾞ,https://www.crunchbase.com/organization/kansai-robo
"""


def test_listings_count_distinct_new_pairs_and_imports_change_nothing_twice(loaded_engine: Engine) -> None:
    e = loaded_engine
    ranking = fy2026_kpi(e, "Global Startup Ecosystem")  # the startup project's KPI, bound here to listings
    editor, dept = ranking.editor, ranking.department
    # Confirmed in FY2025 already: the same pair confirmed again in FY2026 is not new.
    add_entry(
        EntryForm("listing", "2026-03-01", "Crunchbase", "カンサイロボ", "https://www.crunchbase.com/o/kr"),
        dept,
        actor=editor,
        engine=e,
    )
    done = import_entries("listing", "listings.csv", LISTINGS.encode("cp932"), dept, actor=editor, engine=e)
    assert (done.added, done.already_there) == (3, 0)
    again = import_entries("listing", "listings.csv", LISTINGS.encode("cp932"), dept, actor=editor, engine=e)
    assert (again.added, again.already_there) == (0, 3)
    with pytest.raises(ConflictError):
        add_entry(
            EntryForm("listing", "2026-05-10", "Crunchbase", "株式会社ケイカク", "https://x.example/"),
            dept,
            actor=editor,
            engine=e,
        )
    bad = "日付,媒体,タイトル,URL\n2026-13-01,Crunchbase,A,https://a.example/\n2026-05-01,,B,\n"
    with pytest.raises(ValidationError) as caught:
        import_entries("listing", "bad.csv", bad.encode(), dept, actor=editor, engine=e)
    assert "bad.csv 2行目「日付」" in caught.value.details["errors"][0]
    assert any("bad.csv 3行目「媒体」" in m for m in caught.value.details["errors"])
    with pytest.raises(PermissionDeniedError):
        import_entries("listing", "listings.csv", LISTINGS.encode(), dept, actor=OTHER, engine=e)

    bind_communication_measure(ranking.kpi_id, "listings", actor=editor, engine=e)
    assert compute_kpi(ranking.kpi_id, actor=editor, engine=e).value == 2  # ケイカク × Crunchbase, × Dealroom
    _counted_as_listed(e, ranking.kpi_id)
    public = drill_down(ranking.kpi_id, viewer=PUBLIC, engine=e)
    assert public.names is None and public.counts == (("2026-05", 1), ("2026-06", 1))
    staff = drill_down(ranking.kpi_id, viewer=editor, engine=e)
    assert staff.names is not None and {n[1] for n in staff.names} == {"Crunchbase", "Dealroom"}
    assert {r.entered_by for r in list_entries("listing", viewer=PUBLIC, engine=e)} == {None}

    with pytest.raises(PermissionDeniedError):
        export_entries_csv("listing", actor=PUBLIC, engine=e)
    csv_bytes = export_entries_csv("listing", actor=editor, engine=e)
    assert csv_bytes.startswith("\ufeff日付".encode()) and "広報担当" in csv_bytes.decode("utf-8-sig")
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "registry.export")) == 1


def test_pr_occurrences_by_audience_from_xlsx(loaded_engine: Engine, tmp_path: object) -> None:
    import io

    e = loaded_engine
    pr = fy2026_kpi(e, "PR回数")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日付", "媒体", "タイトル", "URL", "対象"])
    sheet.append(["2026-09-01", "BIO International", "関西ブース出展", "https://bio.example/", "overseas"])
    sheet.append(["2026-10-01", "プレスリリース", "海外向けリリース", "https://pr.example/1", "overseas"])
    sheet.append(["2026-11-01", "国内展示会", "国内PR", "", "domestic"])
    buffer = io.BytesIO()
    book.save(buffer)
    import_entries("pr", "pr.xlsx", buffer.getvalue(), pr.department, actor=pr.editor, engine=e)
    bind_communication_measure(pr.kpi_id, "pr_items", audience="overseas", actor=pr.editor, engine=e)
    assert compute_kpi(pr.kpi_id, actor=pr.editor, engine=e).value == 2
    _counted_as_listed(e, pr.kpi_id)


DIRECTORY = """企業名,法人番号,府県,業種,製品,受賞,掲載年度
株式会社ケイカク,1010401011569,大阪府,機械,水素バルブ,はばたく中小企業・小規模事業者300社,2025
関西ロボ工業,,兵庫県,ロボット,協働ロボット,地域未来牽引企業,2026
"""


def test_directory_import_checks_corporate_numbers_and_duplicates(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    bad = DIRECTORY + "重複株式会社,1010401011569,京都府,,,,2026\nチェック違い,1234567890123,京都府,,,,2026\n"
    with pytest.raises(ValidationError) as caught:
        import_directory("kansai_companies", "firms.csv", bad.encode(), owner.department, actor=owner.editor, engine=e)
    errors = caught.value.details["errors"]
    assert any("4行目: 2行目と同じ企業" in m for m in errors)
    assert any("5行目「法人番号」" in m and "チェックデジット" in m for m in errors)
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(store.DirectoryEntry)) == 0
    done = import_directory(
        "kansai_companies", "firms.csv", DIRECTORY.encode("cp932"), owner.department, actor=owner.editor, engine=e
    )
    assert (done.added, done.already_listed) == (2, 0)
    again = import_directory(
        "kansai_companies", "firms.csv", DIRECTORY.encode(), owner.department, actor=owner.editor, engine=e
    )
    assert (again.added, again.already_listed) == (0, 2)
    found, facets = search_directory("kansai_companies", "ロボット", engine=e)
    assert [f.name for f in found.items] == ["関西ロボ工業"] and found.total == 1
    assert facets == {"prefecture": {"兵庫県": 1}, "industry": {"ロボット": 1}, "award": {"地域未来牽引企業": 1}}
    page = firm_page(found.items[0].id, engine=e)
    assert page.firm.prefecture == "兵庫県" and page.directories == ("The Kansai Companies Profile",)
    kpi = fy2026_kpi(e, "PR回数").kpi_id
    bind_communication_measure(kpi, "directory_entries", directory="kansai_companies", actor=owner.editor, engine=e)
    assert compute_kpi(kpi, actor=owner.editor, engine=e).value == 2


def test_newsletter_issues_and_subscribers(loaded_engine: Engine) -> None:
    e = loaded_engine
    news = fy2026_kpi(e, "情報紙の読者満足度")
    add_issue(
        "41", "2026-07-01", "水素", news.department, subscribers="1,200", published=True, actor=news.editor, engine=e
    )
    add_issue("42", "2027-01-10", "蓄電池", news.department, subscribers="1,250", actor=news.editor, engine=e)
    add_issue(
        "40", "2026-03-01", "前年度", news.department, subscribers="1,100", published=True, actor=news.editor, engine=e
    )
    with pytest.raises(ConflictError):
        add_issue("41", "2026-07-01", "重複", news.department, actor=news.editor, engine=e)
    assert [i.number for i in list_issues(viewer=PUBLIC, engine=e)] == [41, 40]  # 42 is not published
    bind_communication_measure(news.kpi_id, "newsletter_subscribers", actor=news.editor, engine=e)
    assert compute_kpi(news.kpi_id, actor=news.editor, engine=e).value == 1250
    bind_communication_measure(news.kpi_id, "newsletter_issues", actor=news.editor, engine=e)
    assert compute_kpi(news.kpi_id, actor=news.editor, engine=e).value == 2


def test_reader_survey_reuses_the_surveys_and_gives_satisfaction_with_n(loaded_engine: Engine) -> None:
    from keikaku.services.communications.newsletter import add_reader_survey, issue_page
    from keikaku.services.surveys.responses import submit_public_response, survey_by_token, survey_results

    e = loaded_engine
    news = fy2026_kpi(e, "情報紙の読者満足度")
    issue = add_issue("43", "2026-10-01", "バイオ", news.department, published=True, actor=news.editor, engine=e)
    with pytest.raises(PermissionDeniedError):
        add_reader_survey(issue.id, actor=OTHER, engine=e)
    token = add_reader_survey(issue.id, actor=news.editor, engine=e)
    assert issue_page(issue.id, viewer=PUBLIC, engine=e).survey_token == token
    survey = survey_by_token(token, engine=e)
    satisfaction, comment = survey.questions
    assert satisfaction.options[0] == ("satisfied", "満足")
    for code in ("satisfied", "rather_satisfied", "neutral", "", "satisfied"):
        submit_public_response(token, {satisfaction.id: [code], comment.id: ["読みやすい"]}, engine=e)
    with pytest.raises(ValidationError, match="選択肢にありません"):
        submit_public_response(token, {satisfaction.id: ["6"]}, engine=e)
    assert survey_results(survey.id, actor=PUBLIC, engine=e).questions[1].texts is None  # free text: staff only
    assert survey_results(survey.id, actor=news.editor, engine=e).questions[1].texts == ("読みやすい",) * 5

    bind_communication_measure(news.kpi_id, "newsletter_satisfaction", actor=news.editor, engine=e)
    computed = compute_kpi(news.kpi_id, actor=news.editor, engine=e)
    assert (computed.value, computed.numerator, computed.denominator, computed.blanks) == (75.0, 3, 4, 1)
    shown = drill_down(news.kpi_id, viewer=PUBLIC, engine=e)
    assert shown.counts[0] == ("★ 満足", 2) and shown.counts[-1] == ("無回答", 1)


def test_information_events_are_counted_from_the_events_of_that_kind(loaded_engine: Engine) -> None:
    from tests.events.conftest import add_event, forum_project

    e = loaded_engine
    forum = forum_project(e)
    add_event(e, forum, kind="seminar", name="情報提供セミナー1", start_date="2026-06-10")
    add_event(e, forum, kind="seminar", name="情報提供セミナー2", start_date="2027-02-10")
    add_event(e, forum, kind="seminar", name="翌年度のセミナー", start_date="2027-04-10")
    add_event(e, forum, kind="forum", name="フォーラム", start_date="2026-10-07")
    kpi = forum.kpis["参加者数"]  # (hosting the count here: the bundled plan has no 開催回数 KPI)
    with pytest.raises(ValidationError):
        bind_communication_measure(kpi, "events_held", event_kind="party", actor=forum.editor, engine=e)
    bind_communication_measure(kpi, "events_held", event_kind="seminar", actor=forum.editor, engine=e)
    assert compute_kpi(kpi, actor=forum.editor, engine=e).value == 2
    _counted_as_listed(e, kpi)


def _counted_as_listed(engine: Engine, kpi_id: int) -> None:
    """A computation counts in SQL what the drill-down lists: the same value and number of records."""
    from keikaku.services.communications.figures import evaluate_communications
    from keikaku.services.measures.definitions import current_measure_row
    from keikaku.storage.uow import read_session

    with read_session(engine) as session:
        measure = current_measure_row(session, kpi_id)
        assert measure is not None
        params = dict(measure.params or {})
        listed = evaluate_communications(session, measure.kind, params)
        counted = evaluate_communications(session, measure.kind, params, detail=False)
    assert (counted.value, counted.records) == (listed.value, listed.records) == (listed.value, len(listed.rows))
