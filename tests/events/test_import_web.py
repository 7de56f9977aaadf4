"""The staff upload pages and the command line: a list imported through the page (errors with sheet, row and
column, 422, nothing stored), the mapping form of a form export, an oversized upload refused by its size on
the import routes (and cut off at the door beyond the envelope), and ``keikaku events import-…``."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.db_fingerprint import changed_tables, fingerprint
from tests.web.conftest import make_client
from typer.testing import CliRunner

from keikaku.cli.app import build_app
from keikaku.services.core.actors import PUBLIC
from keikaku.services.events.checkin import attendance
from keikaku.services.events.meetings import meeting_counts
from keikaku.services.surveys.responses import create_survey

from .conftest import OTHER, add_event, forum_project

LIST = "氏名,メール,所属,出欠\n山田 太郎,yamada@example.jp,株式会社ケイカク,○\n佐藤 花子,sato@example,大阪商事,○\n"


def test_the_upload_pages_report_every_error_and_import_all_or_nothing(sqlite_loaded_engine: Engine) -> None:
    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum)
    survey = create_survey(event.id, "", ["useful5", "comment"], actor=forum.editor, engine=engine)
    with (
        make_client(engine, forum.editor) as staff,
        make_client(engine, PUBLIC) as public,
        make_client(engine, OTHER) as other,
    ):
        page = staff.get(f"/events/{event.id}/imports")
        assert page.status_code == 200 and f'action="/events/{event.id}/imports/participants"' in page.text
        assert public.get(f"/events/{event.id}/imports").status_code == 403
        assert other.get(f"/surveys/{survey.id}/import").status_code == 403
        before = fingerprint(engine)
        files = {"file": ("名簿.csv", LIST.encode("cp932"), "text/csv")}
        bad = staff.post(f"/events/{event.id}/imports/participants", files=files)
        assert bad.status_code == 422 and 'data-testid="import-errors"' in bad.text
        assert "sato@example" in bad.text and "<td>B " in bad.text  # column B, the e-mail
        assert public.post(f"/events/{event.id}/imports/participants", files=files).status_code == 403
        assert changed_tables(before, fingerprint(engine)) == []
        good = {"file": ("名簿.csv", LIST.replace("sato@example", "sato@example.jp").encode("cp932"), "text/csv")}
        done = staff.post(f"/events/{event.id}/imports/participants", files=good)
        assert done.status_code == 200 and 'data-testid="import-applied"' in done.text
        assert attendance(event.id, engine=engine).unique_people == 2

        meetings = "企業名,相手先,日時,状態\n株式会社ケイカク,Acme Inc.,2026/10/07 10:00,実施\n"
        shown = staff.post(
            f"/events/{event.id}/imports/meetings", files={"file": ("m.csv", meetings.encode(), "text/csv")}
        )
        assert (
            shown.status_code == 200 and "Acme Inc." in shown.text and meeting_counts(event.id, engine=engine).held == 1
        )

        export = "タイムスタンプ,本日の内容は役に立ちましたか,感想欄\n2026/10/07 10:00:00,大変役に立った,よい\n"
        upload = {"file": ("g.csv", export.encode(), "text/csv")}
        unmapped = staff.post(f"/surveys/{survey.id}/import", files=upload)
        assert unmapped.status_code == 422 and 'data-testid="mapping-form"' in unmapped.text
        mapping = {
            "source": "google_forms",
            "column": "感想欄",
            "question": "comment",
            "label_question": "useful5",
            "label_text": "大変役に立った",
            "label_code": "very_useful",
        }
        saved = staff.post(f"/surveys/{survey.id}/import/mapping", data=mapping, follow_redirects=False)
        assert saved.status_code == 303
        assert staff.post(f"/surveys/{survey.id}/import", files=upload).status_code == 200
        assert "感想欄" in staff.get(f"/surveys/{survey.id}/import").text  # the saved mapping


def test_an_oversized_upload_is_refused_by_its_size(
    sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum)
    monkeypatch.setenv("KEIKAKU_MAX_UPLOAD_BYTES", "50000")
    with make_client(engine, forum.editor, max_body=2048) as staff:
        before = fingerprint(engine)
        padded = ("氏名,メール\n" + "".join(f"参加者{i},p{i}@example.jp\n" for i in range(3000))).encode()
        over = staff.post(f"/events/{event.id}/imports/participants", files={"file": ("big.csv", padded, "text/csv")})
        assert over.status_code == 422 and "大きすぎます" in over.text  # past the 2 kB body limit: an upload route
        huge = staff.post(f"/events/{event.id}/imports/meetings", files={"file": ("x.csv", b"x" * 400_000, "text/csv")})
        assert huge.status_code == 413
        assert changed_tables(before, fingerprint(engine)) == []


def test_the_command_line_imports_and_refuses(
    sqlite_loaded_engine: Engine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum)
    monkeypatch.setenv("KEIKAKU_DATABASE_URL", sqlite_url)
    path = tmp_path / "受付名簿.csv"
    path.write_bytes(LIST.encode("euc_jp"))
    runner = CliRunner()
    app = build_app(["events"])
    refused = runner.invoke(app, ["events", "import-participants", str(event.id), str(path)])
    assert (
        refused.exit_code == 2
        and "CSV 3行 B列「メール」" in refused.output
        and "何も取り込んでいません" in refused.output
    )
    path.write_bytes(LIST.replace("sato@example", "sato@example.jp").encode("euc_jp"))
    done = runner.invoke(app, ["events", "import-participants", str(event.id), str(path)])
    assert done.exit_code == 0 and "2 人を追加" in done.output, done.output
    again = runner.invoke(app, ["events", "import-participants", str(event.id), str(path)])
    assert again.exit_code == 0 and "0 人を追加" in again.output and "変更なし 2 人" in again.output
    assert attendance(event.id, engine=engine).unique_people == 2
