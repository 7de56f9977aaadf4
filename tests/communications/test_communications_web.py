"""The communications pages driven through the real app: a GA4 upload by the owning department's editor,
the monthly chart and table for everyone, who imported only for staff, every error of a bad file on the
page with nothing stored, the registry form, the directory search with its JSON twin and the firm page."""

from sqlalchemy import Engine, func, select
from tests.web.conftest import make_client

from keikaku.services.communications.analytics import add_property
from keikaku.services.communications.directories import import_directory
from keikaku.services.core.actors import PUBLIC
from keikaku.storage import communications as store
from keikaku.storage.uow import read_session

from . import files
from .conftest import fy2026_kpi


def test_upload_chart_registry_and_directory(sqlite_loaded_engine: Engine) -> None:
    e = sqlite_loaded_engine
    owner = fy2026_kpi(e, "海外向けWEBサイト閲覧数")
    add_property("overseas", "Your Gateway to Kansai Business", owner.department, actor=owner.editor, engine=e)
    with make_client(e, owner.editor) as staff, make_client(e, PUBLIC) as public:
        upload = {"file": ("may.csv", files.GA4_EN_MAY.encode("utf-8-sig"), "text/csv")}
        done = staff.post(
            "/communications/analytics", data={"property_code": "overseas"}, files=upload, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"].endswith("analytics.imported")
        bad = staff.post(
            "/communications/analytics",
            data={"property_code": "overseas"},
            files={"file": ("7月.csv", files.GA4_BAD_ROWS.encode(), "text/csv")},
        )
        assert bad.status_code == 422
        assert "7月.csv 4行目「Views」: 数値ではありません（九百）" in bad.text and "5行目「Active users」" in bad.text
        with read_session(e) as s:
            assert s.scalar(select(func.count()).select_from(store.WebImport)) == 1

        page = public.get("/communications")
        assert page.status_code == 200 and "<svg" in page.text and "1,530" in page.text
        assert "記録から計算 0 件・手入力 0 件・未設定 16 件" in page.text  # nothing bound yet in FY2026
        assert owner.editor.name not in page.text  # who imported: staff only
        assert owner.editor.name in staff.get("/communications").text
        english = public.get("/communications?lang=en")
        assert "Page views" in english.text and "Web analytics" in english.text
        refused = public.post(
            "/communications/analytics", data={"property_code": "overseas"}, files=upload, follow_redirects=False
        )
        assert refused.status_code in (401, 403, 303)

        added = staff.post(
            "/communications/entries",
            data={
                "kind": "post",
                "entry_date": "2026-06-01",
                "medium": "X",
                "title": "関西の水素",
                "url": "",
                "department": owner.department,
            },
            follow_redirects=False,
        )
        assert added.status_code == 303
        assert "関西の水素" in public.get("/communications").text
        assert public.get("/communications/entries/post.csv").status_code in (401, 403, 303)
        assert "関西の水素" in staff.get("/communications/entries/post.csv").content.decode("utf-8-sig")

        csv_text = "企業名,法人番号,府県,業種,製品,受賞,掲載年度\n株式会社ケイカク,1010401011569,大阪府,機械,水素バルブ,,2025\n"
        import_directory("kansai_companies", "f.csv", csv_text.encode(), owner.department, actor=owner.editor, engine=e)
        found = public.get("/directories/kansai_companies?q=水素")
        assert found.status_code == 200 and "株式会社ケイカク" in found.text
        twin = public.get("/api/v1/directories/kansai_companies?q=水素").json()
        assert [f["name"] for f in twin["firms"]] == ["株式会社ケイカク"] and twin["facets"]["prefecture"] == {
            "大阪府": 1
        }
        exported = public.get("/directories/kansai_companies/export?format=csv&q=水素")
        assert exported.content.startswith("\ufeff企業名".encode()) and "株式会社ケイカク" in exported.text
        xlsx = public.get("/directories/kansai_companies/export?format=xlsx")
        assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
        firm = public.get(f"/firms/{twin['firms'][0]['id']}")
        assert firm.status_code == 200 and "1010401011569" in firm.text
        assert public.get("/directories/none").status_code == 404
        months = public.get("/api/v1/communications/properties/overseas/months").json()
        assert months["months"] == [{"month": "2026-05-01", "views": 1530, "sessions": 0}]


def test_publish_an_issue_answer_its_survey_and_see_satisfaction(sqlite_loaded_engine: Engine) -> None:
    import re

    from keikaku.services.communications.measures import bind_communication_measure
    from keikaku.services.measures.compute import compute_kpi

    e = sqlite_loaded_engine
    news = fy2026_kpi(e, "情報紙の読者満足度")
    with make_client(e, news.editor) as staff, make_client(e, PUBLIC) as public:
        form = {
            "number": "44",
            "issue_date": "2026-08-01",
            "theme": "水素",
            "subscribers": "1,300",
            "department": news.department,
            "published": "yes",
        }
        assert staff.post("/communications/newsletter", data=form, follow_redirects=False).status_code == 303
        page = staff.get("/communications").text
        action = re.search(r'action="(/communications/newsletter/\d+/survey)"', page)
        assert action is not None
        assert public.post(action.group(1), follow_redirects=False).status_code in (401, 403, 303)
        assert staff.post(action.group(1), follow_redirects=False).status_code == 303
        link = re.search(r'href="(/s/[^"]+)"', public.get("/communications").text)
        assert link is not None
        survey = public.get(link.group(1))
        assert survey.status_code == 200 and "本号の内容に満足しましたか" in survey.text
        field = re.search(r'name="(q\d+)" value="satisfied"', survey.text)
        assert field is not None
        for code in ("satisfied", "neutral"):
            answered = public.post(link.group(1), data={field.group(1): code, "invitation": ""})
            assert answered.status_code == 200
        bind_communication_measure(news.kpi_id, "newsletter_satisfaction", actor=news.editor, engine=e)
        compute_kpi(news.kpi_id, actor=news.editor, engine=e)
        shown = public.get(f"/kpis/{news.kpi_id}/measure")
        assert shown.status_code == 200 and "50% (n=2" in shown.text and "読者満足度" in shown.text
