"""The API of the imports of events run elsewhere: a participant list in CP932 with a bad row (422 with the
row and column, nothing stored), the good list, again unchanged; a meeting list; a form export whose labels
are not mapped yet (422 naming what to map); the public refused before the file is read."""

from sqlalchemy import Engine
from tests.db_fingerprint import changed_tables, fingerprint
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC
from keikaku.services.events.checkin import attendance
from keikaku.services.surveys.responses import create_survey

from .conftest import add_event, forum_project

LIST = "氏名,メール,所属,出欠\n山田 太郎,yamada@example.jp,株式会社ケイカク,○\n佐藤 花子,sato@example,大阪商事,○\n"


def _csv(text: str, name: str = "名簿.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, text.encode("cp932"), "text/csv")}


def test_the_import_api_is_all_or_nothing(sqlite_loaded_engine: Engine) -> None:
    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum)
    survey = create_survey(event.id, "", ["useful5"], actor=forum.editor, engine=engine)
    url = f"/api/v1/events/{event.id}/imports/participants"
    with make_client(engine, forum.editor) as staff, make_client(engine, PUBLIC) as public:
        before = fingerprint(engine)
        bad = staff.post(url, files=_csv(LIST))
        assert bad.status_code == 422
        error = bad.json()["error"]
        assert error["code"] == "import_rejected" and "何も取り込んでいません" in error["message"]
        (wrong,) = error["details"]["errors"]
        assert wrong["row"] == 3 and "メール" in wrong["column"] and "3行" in wrong["message"]
        assert public.post(url, files=_csv(LIST)).status_code in (401, 403)
        assert changed_tables(before, fingerprint(engine)) == []

        good = LIST.replace("sato@example", "sato@example.jp")
        done = staff.post(url, files=_csv(good))
        assert done.status_code == 200
        assert (done.json()["added"], done.json()["checkins"], done.json()["applied"]) == (2, 2, True)
        again = staff.post(url, files=_csv(good)).json()
        assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)
        assert attendance(event.id, engine=engine).unique_people == 2

        meetings = "企業名,相手先,日時,状態\n株式会社ケイカク,Acme Inc.,2026/10/07 10:00,実施\n"
        listed = staff.post(f"/api/v1/events/{event.id}/imports/meetings", files=_csv(meetings, "m.csv"))
        assert listed.status_code == 200 and listed.json()["kind"] == "meetings" and listed.json()["added"] == 1

        export = "タイムスタンプ,本日の内容は役に立ちましたか\n2026/10/07 10:00:00,大変役に立った\n"
        unmapped = staff.post(f"/api/v1/surveys/{survey.id}/imports", files=_csv(export, "g.csv"))
        assert unmapped.status_code == 422
        details = unmapped.json()["error"]["details"]
        assert details["unmapped_labels"] == {"useful5": ["大変役に立った"]}
        (label,) = details["errors"]
        assert (label["row"], label["column"]) == (2, "本日の内容は役に立ちましたか")
