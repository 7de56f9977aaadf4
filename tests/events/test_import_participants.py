"""Importing the participant list of an event run elsewhere: a paper 受付名簿 in CP932 with one bad row
imports nothing and names the row; fixed, it imports, matches the online registration, becomes check-in
marks and the KPI; imported again it changes nothing.  Other encodings, a workbook with a sheet per day,
capacity, and junk or oversized files."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, func, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.events.checkin import attendance
from keikaku.services.events.imports_participants import import_participants
from keikaku.services.events.participants import erase_personal_data, list_participants
from keikaku.services.events.registrations import PersonForm, RegistrationForm, register
from keikaku.services.measures.compute import compute_kpi
from keikaku.services.measures.definitions import bind_measure
from keikaku.storage import events as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from .conftest import BEFORE, OTHER, Forum, add_event

VALID_CN = "1010401011569"  # 法人番号 with a correct check digit
HEADER = ["No.", "氏名", "フリガナ", "会社名", "法人番号", "メールアドレス（必須）", "参加日", "出欠", "備考"]


def _paper_list(bad_number: str) -> bytes:
    """The reception list as the venue's PC saves it: a title, a blank line, the header, numbered rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["カーボンニュートラル先進技術フォーラム 受付名簿"])
    writer.writerow([])
    writer.writerow(HEADER)
    writer.writerow(["1", "大阪 花子", "オオサカ ハナコ", "株式会社ケイカク", "", "hanako@example.jp", "10/7", "○", ""])
    writer.writerow(
        ["2", "京都　太郎", "キョウト タロウ", "（株）ケイカク", VALID_CN, "taro@example.jp", "10/7、10/8", "○", ""]
    )
    writer.writerow(["3", "神戸 次郎", "", "神戸商事株式会社", bad_number, "jiro@example.jp", "10/8", "○", "当日受付"])
    writer.writerow(["4", "奈良 三郎", "", "奈良工業", "", "saburo@example.jp", "", "×", ""])
    writer.writerow(["5", "", "", "", "", "", "", "", ""])
    return out.getvalue().encode("cp932")


def _counts(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as s:
        regs = s.scalar(select(func.count()).select_from(store.Registration))
        marks = s.scalar(select(func.count()).select_from(store.CheckIn))
    return int(regs or 0), int(marks or 0)


def test_paper_list_in_cp932_with_one_bad_row_imports_nothing_then_imports_once(
    loaded_engine: Engine, forum: Forum
) -> None:
    engine = loaded_engine
    event = add_event(engine, forum, capacity="30", end_date="2026-10-08")
    register(
        event.id,
        RegistrationForm(PersonForm("大阪 花子", "", "hanako@example.jp"), organisation="株式会社ケイカク"),
        actor=PUBLIC,
        now=BEFORE,
        engine=engine,
    )
    before = fingerprint(engine)
    refused = import_participants(
        event.id, "受付名簿.csv", _paper_list("1234567890123"), actor=forum.editor, engine=engine
    )
    assert not refused.applied and refused.rows == 4 and refused.skipped == 1
    (error,) = refused.errors
    assert (error.sheet, error.row, error.letter, error.column) == ("CSV", 6, "E", "法人番号")
    assert "チェックデジット" in error.reason and str(error).startswith("CSV 6行 E列「法人番号」")
    assert changed_tables(before, fingerprint(engine)) == []

    fixed = _paper_list("")
    report = import_participants(event.id, "受付名簿.csv", fixed, actor=forum.editor, engine=engine)
    assert report.applied and not report.errors
    assert (report.added, report.updated, report.checkins) == (3, 1, 4)  # 花子 was registered online: kana added
    assert report.ignored_columns == ["No.", "備考"]
    counts = attendance(event.id, engine=engine)
    assert (counts.unique_people, counts.person_days) == (3, 4)
    assert counts.per_day == {dt.date(2026, 10, 7): 2, dt.date(2026, 10, 8): 2}
    assert counts.by_status[store.NO_SHOW] == 1 and counts.by_status[store.REGISTERED] == 3
    rows = {r.name: r for r in list_participants(event.id, actor=forum.editor, engine=engine)}
    assert rows["京都 太郎"].corporate_number == VALID_CN and rows["京都 太郎"].organisation == "株式会社ケイカク"
    assert rows["大阪 花子"].kana == "オオサカ ハナコ" and rows["大阪 花子"].checked_in_days == (dt.date(2026, 10, 7),)
    with read_session(engine) as s:
        marks = s.scalars(select(store.CheckIn.method).where(store.CheckIn.event_id == event.id)).all()
        taken = s.scalar(select(store.ManagedEvent.seats_taken).where(store.ManagedEvent.id == event.id))
        audited = s.scalars(select(AuditEntry.after).where(AuditEntry.action == "event.import_participants")).one()
    assert set(marks) == {"import"} and taken == 3  # 花子 + 京都 + 神戸; 奈良 is 欠席 and holds no seat
    assert audited["file"] == "受付名簿.csv" and audited["added"] == 3 and "hanako" not in str(audited)

    imported = _counts(engine)
    before = fingerprint(engine)
    again = import_participants(event.id, "受付名簿.csv", fixed, actor=forum.editor, engine=engine)
    assert again.applied and (again.added, again.updated, again.checkins, again.unchanged) == (0, 0, 0, 4)
    assert _counts(engine) == imported
    assert changed_tables(before, fingerprint(engine)) == ["audit_log"]  # only the record of the attempt

    kpi = forum.kpis["参加者数"]
    bind_measure(kpi, "attended_people", [event.id], actor=forum.editor, engine=engine)
    assert compute_kpi(kpi, actor=forum.editor, engine=engine).value == 3

    with pytest.raises(PermissionDeniedError):
        import_participants(event.id, "受付名簿.csv", fixed, actor=OTHER, engine=engine)
    erase_personal_data(event.id, actor=forum.editor, today=dt.date(2030, 1, 1), engine=engine)
    with pytest.raises(ConflictError, match="消去済み"):
        import_participants(event.id, "受付名簿.csv", fixed, actor=forum.editor, engine=engine)
    assert compute_kpi(kpi, actor=forum.editor, engine=engine).value == 3


def _rows_text() -> str:
    return "氏名,ふりがな,所属,メール,役割\n山田 太郎,やまだ たろう,関西大学,yamada@example.jp,参加者\n講師 一郎,,関西工業,speaker@example.jp,講師\n"


def test_any_japanese_encoding_reads_the_same(sqlite_loaded_engine: Engine) -> None:
    from .conftest import forum_project

    forum = forum_project(sqlite_loaded_engine)
    for encoding in ("utf-8", "utf-8-sig", "cp932", "euc_jp"):
        event = add_event(sqlite_loaded_engine, forum)
        content = _rows_text().encode(encoding)
        report = import_participants(
            event.id, "list.csv", content, actor=forum.editor, all_attended=True, engine=sqlite_loaded_engine
        )
        assert report.applied and report.added == 2 and report.checkins == 2, encoding
        rows = {r.name: r for r in list_participants(event.id, actor=forum.editor, engine=sqlite_loaded_engine)}
        assert rows["山田 太郎"].kana == "やまだ たろう" and rows["山田 太郎"].organisation == "関西大学", encoding
        assert rows["講師 一郎"].role == "speaker"
        assert attendance(event.id, engine=sqlite_loaded_engine).unique_people == 1  # speakers are not counted


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_with_a_sheet_per_day_and_a_capacity(sqlite_loaded_engine: Engine) -> None:
    from .conftest import forum_project

    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    event = add_event(engine, forum, capacity="3", kind="trade_fair", start_date="2026-10-07", end_date="2026-10-09")
    header = ["姓", "名", "会社名", "法人番号", "受付"]
    content = _workbook(
        {
            "説明": [["この名簿は会場で記入したものです"]],
            "10月7日": [
                header,
                ["山田", "太郎", "株式会社ケイカク", int(VALID_CN), "○"],
                ["佐藤", "花子", "大阪商事", None, "✓"],
            ],
            "10月8日": [header, ["山田", "太郎", "（株）ケイカク", None, "○"], ["鈴木", "一郎", "京都工業", None, ""]],
        }
    )
    report = import_participants(event.id, "受付.xlsx", content, actor=forum.editor, engine=engine)
    assert report.applied, [str(e) for e in report.errors]
    assert (report.added, report.checkins) == (3, 3) and any("説明" in n for n in report.notes)
    counts = attendance(event.id, engine=engine)
    assert counts.per_day == {dt.date(2026, 10, 7): 2, dt.date(2026, 10, 8): 1}
    assert counts.unique_people == 2 and counts.person_days == 3  # 山田 is one person over two days

    more = _workbook({"10月9日": [header, ["高橋", "二郎", "神戸工業", None, "○"]]})
    full = import_participants(event.id, "追加.xlsx", more, actor=forum.editor, engine=engine)
    assert not full.applied and "定員 3 人を超えます" in full.errors[0].reason  # 鈴木 holds a seat, unmarked
    assert attendance(event.id, engine=engine).unique_people == 2

    undated = _workbook({"名簿": [header, ["田中", "三郎", "堺工業", None, "○"]]})
    (error,) = import_participants(event.id, "名簿.xlsx", undated, actor=forum.editor, engine=engine).errors
    assert (error.sheet, error.row, error.column) == ("名簿", 2, "受付") and "参加日" in error.reason


JUNK = [
    ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "CSV（文字の表）でも Excel ブック"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "古い Excel 形式"),
    ("empty.csv", b"", "空です"),
    ("notes.csv", "会議のメモ\n来週もよろしく\n".encode(), "見出しの行が見つかりません"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 300, "Excel"),
]


def test_junk_is_refused_with_a_clear_error_and_stores_nothing(sqlite_loaded_engine: Engine) -> None:
    from .conftest import forum_project

    forum = forum_project(sqlite_loaded_engine)
    event = add_event(sqlite_loaded_engine, forum)
    before = fingerprint(sqlite_loaded_engine)
    for name, content, message in JUNK:
        with pytest.raises(ValidationError, match=message):
            import_participants(event.id, name, content, actor=forum.editor, engine=sqlite_loaded_engine)
    assert changed_tables(before, fingerprint(sqlite_loaded_engine)) == []


def test_an_oversized_list_is_refused_before_it_is_read(
    sqlite_loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import forum_project

    forum = forum_project(sqlite_loaded_engine)
    event = add_event(sqlite_loaded_engine, forum)
    monkeypatch.setenv("KEIKAKU_MAX_UPLOAD_BYTES", "2000")
    big = ("氏名,メール\n" + "".join(f"参加者{i},p{i}@example.jp\n" for i in range(200))).encode()
    with pytest.raises(ValidationError, match="大きすぎます") as refused:
        import_participants(event.id, "big.csv", big, actor=forum.editor, engine=sqlite_loaded_engine)
    assert refused.value.code == "file_too_large"
    assert _counts(sqlite_loaded_engine) == (0, 0)
