"""The directories: the 産業視察先 (import all or nothing, search, facets, the contact the staff's), the facets
of a directory of firms, and a firm's page counting its consultations, events, meetings and listings."""

import io

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from stdnum.jp import cn

from keikaku.services.communications.directories import export_directory, import_directory, search_directory
from keikaku.services.communications.firms import firm_page
from keikaku.services.communications.registries import EntryForm, add_entry
from keikaku.services.communications.visits import export_visits, import_visits, search_visits
from keikaku.services.core.actors import PUBLIC, SYSTEM
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.storage import communications as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import fy2026_kpi

VISITS = """視察先,府県,テーマ,対応言語,連絡先
パナソニック 水素工場,大阪府,水素・燃料電池,日本語、英語,広報部 山田 06-0000-0000
神戸医療産業都市,兵庫県,ライフサイエンス,日本語、英語、中国語,推進機構 国際課
京都スマートシティ研究所,京都府,まちづくり,英語,
"""


def _count(engine: Engine, table: type) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_visits_import_every_error_at_once_and_nothing_stored(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "海外向けWEBサイト閲覧数")
    bad = VISITS + "パナソニック水素工場,大阪府,重複,,\n,兵庫県,名前なし,,\n長すぎる府県," + "県" * 30 + ",,,\n"
    with pytest.raises(ValidationError) as caught:
        import_visits("visits.csv", bad.encode(), owner.department, actor=owner.editor, engine=e)
    errors = caught.value.details["errors"]
    assert any("5行目: 2行目と同じ視察先" in m for m in errors)  # folded: the space does not matter
    assert any("6行目「視察先」: 入力してください" in m for m in errors)
    assert any("7行目「府県」" in m for m in errors)
    assert caught.value.message.startswith("visits.csv: 3 件の誤り")
    assert _count(e, store.VisitDestination) == 0
    with pytest.raises(PermissionDeniedError):
        import_visits("visits.csv", VISITS.encode(), owner.department, actor=PUBLIC, engine=e)

    done = import_visits("visits.csv", VISITS.encode("cp932"), owner.department, actor=owner.editor, engine=e)
    assert (done.added, done.already_there) == (3, 0)
    again = import_visits("visits.csv", VISITS.encode(), owner.department, actor=owner.editor, engine=e)
    assert (again.added, again.already_there) == (0, 3)


def test_visits_search_facets_and_the_contact_is_the_staffs(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "海外向けWEBサイト閲覧数")
    import_visits("visits.csv", VISITS.encode(), owner.department, actor=owner.editor, engine=e)

    found, _ = search_visits("ﾊﾟﾅｿﾆｯｸ", viewer=PUBLIC, engine=e)  # half-width kana folds as the site's search
    assert [v.name for v in found.items] == ["パナソニック 水素工場"]
    found, _ = search_visits("水素", viewer=PUBLIC, engine=e)
    assert [v.name for v in found.items] == ["パナソニック 水素工場"] and found.items[0].contact is None
    _all, facets = search_visits(viewer=PUBLIC, engine=e)
    assert facets["languages"] == {"中国語": 1, "日本語": 2, "英語": 3}
    assert facets["prefecture"] == {"京都府": 1, "兵庫県": 1, "大阪府": 1}
    chinese, _ = search_visits(language="中国語", viewer=PUBLIC, engine=e)
    assert [v.name for v in chinese.items] == ["神戸医療産業都市"]
    staff, _ = search_visits("水素", viewer=owner.editor, engine=e)
    assert staff.items[0].contact == "広報部 山田 06-0000-0000"

    public_csv, media = export_visits("csv", viewer=PUBLIC, engine=e)
    text = public_csv.decode("utf-8-sig")
    assert public_csv.startswith(b"\xef\xbb\xbf") and media.startswith("text/csv")
    assert "神戸医療産業都市" in text and "連絡先" not in text and "山田" not in text
    with pytest.raises(PermissionDeniedError):
        export_visits("csv", with_contact=True, viewer=PUBLIC, engine=e)
    audits = _count(e, AuditEntry)
    staff_xlsx, _ = export_visits("xlsx", with_contact=True, viewer=owner.editor, engine=e)
    sheet = openpyxl.load_workbook(io.BytesIO(staff_xlsx)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("視察先", "府県", "テーマ", "対応言語", "連絡先") and len(rows) == 4
    assert _count(e, AuditEntry) == audits + 1


FIRMS = """企業名,法人番号,府県,業種,製品,受賞,掲載年度
株式会社ケイカク,1010401011569,大阪府,機械,水素バルブ,はばたく中小企業・小規模事業者300社,2025
関西ロボ工業,,兵庫県,ロボット,協働ロボット,地域未来牽引企業、はばたく中小企業・小規模事業者300社,2026
近畿精機,,大阪府,機械,精密ばね,,2026
"""


def test_firm_facets_choose_and_export_what_is_chosen(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    import_directory("kansai_companies", "firms.csv", FIRMS.encode(), owner.department, actor=owner.editor, engine=e)
    everyone, facets = search_directory("kansai_companies", engine=e)
    assert everyone.total == 3 and len(everyone.items) == 3
    assert facets["industry"] == {"ロボット": 1, "機械": 2}
    assert facets["award"] == {"はばたく中小企業・小規模事業者300社": 2, "地域未来牽引企業": 1, "—": 1}
    machines, counts = search_directory("kansai_companies", industry="機械", prefecture="大阪府", engine=e)
    assert sorted(f.name for f in machines.items) == ["株式会社ケイカク", "近畿精機"] and machines.total == 2
    assert counts == facets  # the counts are over the search's matches, not over the chosen values
    awarded, _ = search_directory("kansai_companies", award="はばたく中小企業・小規模事業者300社", engine=e)
    assert sorted(f.name for f in awarded.items) == ["株式会社ケイカク", "関西ロボ工業"]
    unawarded, _ = search_directory("kansai_companies", award="—", engine=e)
    assert [f.name for f in unawarded.items] == ["近畿精機"]
    content, _media = export_directory("kansai_companies", "csv", engine=e, industry="ロボット")
    lines = content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("関西ロボ工業")


def test_a_firms_page_counts_what_it_took_part_in_and_never_shows_a_case(loaded_engine: Engine) -> None:
    from tests.cocreation.conftest import ADMIN
    from tests.events.conftest import BEFORE, add_event, forum_project

    from keikaku.services.events.imports_meetings import import_meetings
    from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
    from keikaku.services.platform.cases import CaseForm, open_case
    from keikaku.services.platform.matching import SeedForm, add_need, add_seed, schedule_interview
    from keikaku.services.platform.matching import set_interview_status as set_status

    e = loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    number = "1010401011569"
    import_directory("kansai_companies", "firms.csv", FIRMS.encode(), owner.department, actor=owner.editor, engine=e)
    (firm,) = search_directory("kansai_companies", "ケイカク", engine=e)[0].items
    empty = firm_page(firm.id, engine=e)
    assert (empty.consultations, empty.events, empty.meetings, empty.interviews, empty.listings) == (0, 0, 0, 0, ())

    case = open_case(
        CaseForm("株式会社ケイカク", number, "極秘の新素材の相談", "材料", "技術開発"), actor=ADMIN, engine=e
    )
    other = cn.calc_check_digit("120001077701") + "120001077701"
    open_case(CaseForm("別の会社", other, "別の相談", "材料", "実証"), actor=ADMIN, engine=e)
    forum = forum_project(e)
    event = add_event(e, forum)
    hidden = add_event(e, forum, name="非公開の商談会", published=False)
    person = RegistrationForm(PersonForm("山田 花子", "", "h@example.jp"), "株式会社ケイカク", number)
    register(event.id, person, actor=PUBLIC, now=BEFORE, engine=e)
    meetings = f"企業名,法人番号,相手先,日時,状態\n株式会社ケイカク,{number},Acme Inc.,2026-10-07 10:00,実施\n"
    for day_event in (event.id, hidden.id):
        import_meetings(day_event, "m.csv", meetings.encode(), actor=forum.editor, engine=e)
    seed = add_seed(SeedForm(_institution(e), "技術", "新素材の評価"), actor=ADMIN, engine=e)
    need = add_need("新素材の評価", "", case_id=case.id, actor=ADMIN, engine=e)
    interview = schedule_interview(need, seed, "2026-11-01", actor=ADMIN, engine=e)
    set_status(interview, "実施", actor=ADMIN, engine=e)
    listing = EntryForm("listing", "2026-06-01", "Crunchbase", "株式会社 ケイカク", "https://www.crunchbase.com/k")
    add_entry(listing, owner.department, actor=owner.editor, engine=e)

    page = firm_page(firm.id, engine=e)
    assert (page.consultations, page.events, page.event_registrations) == (1, 1, 1)
    assert (page.meetings, page.interviews) == (1, 1)  # the unpublished event's meeting is not counted
    assert [(item.database, item.url) for item in page.listings] == [("Crunchbase", "https://www.crunchbase.com/k")]
    assert "極秘" not in repr(page)  # a consultation's contents never reach the page, whoever looks


def _institution(engine: Engine) -> int:
    from tests.cocreation.conftest import ADMIN

    from keikaku.services.platform.institutions import InstitutionForm, add_institution

    return add_institution(InstitutionForm("大阪産業技術研究所", "大阪府", "公設試"), actor=ADMIN, engine=engine)


def test_the_firm_page_on_the_web_shows_counts_only(sqlite_loaded_engine: Engine) -> None:
    from tests.web.conftest import make_client

    e = sqlite_loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    import_directory("kansai_companies", "firms.csv", FIRMS.encode(), owner.department, actor=SYSTEM, engine=e)
    import_visits("visits.csv", VISITS.encode(), owner.department, actor=SYSTEM, engine=e)
    with make_client(e, PUBLIC) as public:
        page = public.get("/directories/kansai_companies?industry=機械")
        assert page.status_code == 200 and "近畿精機" in page.text and "関西ロボ工業" not in page.text
        (firm,) = search_directory("kansai_companies", "近畿精機", engine=e)[0].items
        shown = public.get(f"/firms/{firm.id}")
        assert shown.status_code == 200 and 'data-testid="consultations">0<' in shown.text
        visits = public.get("/directories/visits?q=ライフサイエンス")
        assert "神戸医療産業都市" in visits.text and "推進機構" not in visits.text
        twin = public.get("/api/v1/visit-destinations?languages=英語").json()
        assert len(twin["visits"]) == 3 and "contact" not in twin["visits"][0]
        assert public.get("/directories/visits/export?format=csv&contact=1").status_code in (401, 403, 303)
