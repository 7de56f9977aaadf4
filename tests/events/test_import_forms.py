"""Survey responses from a Google Forms CSV and a Microsoft Forms XLSX: columns mapped to questions and
labels to option codes, the mapping saved and reused, an answer outside the scale refused with the row and
column, nothing imported unless every row is good, and a re-import adding nothing."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.measures.compute import compute_kpi
from keikaku.services.measures.definitions import bind_measure
from keikaku.services.surveys.bank import TOP2
from keikaku.services.surveys.forms_import import import_form_responses
from keikaku.services.surveys.forms_mapping import save_import_mapping, saved_mappings
from keikaku.services.surveys.responses import create_survey, survey_results
from keikaku.storage import surveys as store
from keikaku.storage.uow import read_session

from .conftest import OTHER, Forum, add_event

GOOGLE_HEADER = [
    "タイムスタンプ",
    "メールアドレス",
    "本日の内容は役に立ちましたか？",
    "関心を持った分野（複数選択可）",
    "ご意見・ご感想（自由記述）",
    "ご所属の部署名",
]


def _google(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GOOGLE_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


GOOGLE_ROWS = [
    ["2026/10/07 15:32:10", "a@example.jp", "とても役に立った", "水素, 蓄電池", "大変参考になりました", "営業部"],
    ["2026/10/07 15:32:10", "b@example.jp", "役に立った", "バイオ", "", ""],  # the same second: still two
    ["2026/10/07 15:40:02", "c@example.jp", "大変役に立った", "水素", "", "企画部"],
    ["2026/10/07 16:05:45", "d@example.jp", "どちらともいえない", "", "", ""],
]


def _responses(engine: Engine, survey_id: int) -> int:
    with read_session(engine) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(store.SurveyResponse)
                .where(store.SurveyResponse.survey_id == survey_id)
            )
            or 0
        )


def test_google_forms_csv_with_a_saved_mapping_and_an_answer_outside_the_scale(
    loaded_engine: Engine, forum: Forum
) -> None:
    engine = loaded_engine
    event = add_event(engine, forum)
    survey = create_survey(event.id, "", ["useful5", "interest", "comment"], actor=forum.editor, engine=engine)
    outside = [*GOOGLE_ROWS, ["2026/10/07 17:00:00", "e@example.jp", "6", "水素", "", ""]]
    before = fingerprint(engine)
    first = import_form_responses(survey.id, "回答.csv", _google(outside), actor=forum.editor, engine=engine)
    assert not first.applied and first.source == "google_forms"
    assert first.columns == {
        "本日の内容は役に立ちましたか?": "useful5",
        "関心を持った分野(複数選択可)": "interest",
        "ご意見・ご感想(自由記述)": "comment",
    }
    assert first.unmapped_columns == ["ご所属の部署名"]
    assert first.unmapped_labels == {"useful5": ["大変役に立った", "6"]}
    where = [(e.row, e.letter) for e in first.errors]
    assert where == [(1, "F"), (4, "C"), (6, "C")]
    scale = first.errors[2]
    assert scale.reason.startswith("回答「6」は「本日の内容は役に立ちましたか」の5段階の選択肢（とても役に立った／")
    assert changed_tables(before, fingerprint(engine)) == []

    save_import_mapping(
        survey.id,
        "google_forms",
        {"ご所属の部署名": ""},
        {"useful5": {"大変役に立った": "very_useful"}},
        actor=forum.editor,
        engine=engine,
    )
    with pytest.raises(ValidationError, match="選択肢「best」はありません"):
        save_import_mapping(
            survey.id, "google_forms", {}, {"useful5": {"最高": "best"}}, actor=forum.editor, engine=engine
        )
    still = import_form_responses(survey.id, "回答.csv", _google(outside), actor=forum.editor, engine=engine)
    assert [(e.row, e.column) for e in still.errors] == [(6, "本日の内容は役に立ちましたか?")]  # 6 stays outside

    report = import_form_responses(survey.id, "回答.csv", _google(GOOGLE_ROWS), actor=forum.editor, engine=engine)
    assert report.applied and (report.added, report.unchanged) == (4, 0)
    results = {q.question.code: q for q in survey_results(survey.id, actor=forum.editor, engine=engine).questions}
    assert dict((c, n) for c, _l, n in results["useful5"].counts) == {
        "very_useful": 2,
        "useful": 1,
        "neutral": 1,
        "not_useful": 0,
        "not_at_all": 0,
    }
    assert dict((c, n) for c, _l, n in results["interest"].counts)["hydrogen"] == 2
    assert results["interest"].blanks == 1 and results["comment"].texts == ("大変参考になりました",)
    with read_session(engine) as s:
        stamps = sorted(
            s.scalars(select(store.SurveyResponse.submitted_at).where(store.SurveyResponse.survey_id == survey.id))
        )
    assert stamps[0].replace(tzinfo=None) == dt.datetime(2026, 10, 7, 6, 32, 10)  # 15:32:10 Japan time, in UTC

    later = [*GOOGLE_ROWS, ["2026/10/08 09:00:00", "f@example.jp", "大変役に立った", "", "", "総務部"]]
    again = import_form_responses(survey.id, "回答2.csv", _google(later), actor=forum.editor, engine=engine)
    assert again.applied and (again.added, again.unchanged) == (1, 4)  # only the new response
    assert _responses(engine, survey.id) == 5
    before = fingerprint(engine)
    same = import_form_responses(survey.id, "回答2.csv", _google(later), actor=forum.editor, engine=engine)
    assert (same.added, same.unchanged) == (0, 5)
    assert set(changed_tables(before, fingerprint(engine))) <= {"audit_log", "survey_import_mappings"}

    share = next(k for name, k in forum.kpis.items() if "割合" in name)
    bind_measure(
        share, "answer_share", [event.id], question_code="useful5", codes=TOP2, actor=forum.editor, engine=engine
    )
    assert compute_kpi(share, actor=forum.editor, engine=engine).value == 80.0  # 4 of 5
    (mapping,) = saved_mappings(survey.id, actor=forum.editor, engine=engine)
    assert mapping.columns["ご所属の部署名"] == "" and mapping.labels["useful5"]["大変役に立った"] == "very_useful"
    with pytest.raises(PermissionDeniedError):
        import_form_responses(survey.id, "回答.csv", _google(GOOGLE_ROWS), actor=OTHER, engine=engine)


def _ms_forms(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(
        [
            "ID",
            "開始時刻",
            "完了時刻",
            "メール",
            "名前",
            "本日の内容は役に立ちましたか",
            "関心を持った分野（複数選択可）",
            "商談・面談の件数",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_microsoft_forms_xlsx_imports_once(sqlite_loaded_engine: Engine) -> None:
    from .conftest import forum_project

    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum)
    survey = create_survey(event.id, "", ["useful5", "interest", "meetings"], actor=forum.editor, engine=engine)
    start = dt.datetime(2026, 10, 7, 15, 0)
    rows: list[list[object]] = [
        [1, start, start + dt.timedelta(minutes=3), "anonymous", "", "とても役に立った", "水素;バイオ;", 3],
        [2, start, start + dt.timedelta(minutes=4), "anonymous", "", "全く役に立たなかった", "その他;", None],
        [3, start, start + dt.timedelta(minutes=5), "anonymous", "", "役に立った", "", "二件"],
    ]
    refused = import_form_responses(survey.id, "Forms.xlsx", _ms_forms(rows), actor=forum.editor, engine=engine)
    assert not refused.applied and refused.source == "ms_forms"
    assert [(e.sheet, e.row, e.letter) for e in refused.errors] == [("Sheet1", 4, "H")]
    assert "数値で回答してください" in refused.errors[0].reason
    rows[2][7] = 2
    report = import_form_responses(survey.id, "Forms.xlsx", _ms_forms(rows), actor=forum.editor, engine=engine)
    assert report.applied and report.added == 3
    results = {q.question.code: q for q in survey_results(survey.id, actor=forum.editor, engine=engine).questions}
    assert dict((c, n) for c, _l, n in results["interest"].counts) == {
        "hydrogen": 1,
        "battery": 0,
        "bio": 1,
        "other": 1,
    }
    assert results["meetings"].answered == 2 and results["meetings"].blanks == 1
    again = import_form_responses(survey.id, "Forms.xlsx", _ms_forms(rows), actor=forum.editor, engine=engine)
    assert (again.added, again.unchanged) == (0, 3) and _responses(engine, survey.id) == 3
    with pytest.raises(ValidationError, match="Google フォーム"):
        import_form_responses(
            survey.id, "other.csv", "氏名,回答\n山田,はい\n".encode(), actor=forum.editor, engine=engine
        )
