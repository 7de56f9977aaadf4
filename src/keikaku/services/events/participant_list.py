"""Reading a participant list: which column is which field, and each row checked into a person.

Columns are found by their header (see :data:`COLUMNS`): 氏名 (or 姓 and 名), ふりがな, メール, 所属 /
会社名, 法人番号 (check digit verified; an invalid one is refused with the reason), 役割 (参加者, スタッフ,
講師, 関係者), 状態 (受付済, 欠席, キャンセル), 参加日 (one day, several, or a range) and 出欠 (○ / ×).
A row that attended has the days of its check-in marks; on a one-day event a ○ is enough, and a sheet
named after a day gives that day.  The rows of one person are merged (their days add up).

Nothing here touches the database: :func:`check_participant_list` gives the people of the file and puts every wrong
cell, with its sheet, row and column, in the report.  Storing them is
:mod:`keikaku.services.events.imports_participants`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from keikaku.ingest.read.source import Sheet, SheetRow
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import (
    CellError,
    CellProblem,
    Column,
    ImportReport,
    Layout,
    corporate_number_of,
    days_of,
    find_layouts,
    fold_key,
    sheet_day,
    text_of,
)
from keikaku.storage import events as store

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")

COLUMNS = (
    Column(
        "_left_out",
        "",
        (
            "部署",
            "部署名",
            "所属部署",
            "部課",
            "役職",
            "役職名",
            "職名",
            "肩書",
            "no",
            "番号",
            "備考",
            "電話",
            "電話番号",
            "tel",
        ),
    ),
    Column("corporate_number", "法人番号", ("法人番号", "corporatenumber"), ("法人番号",)),
    Column(
        "kana",
        "ふりがな",
        ("ふりがな", "フリガナ", "カナ", "かな", "よみがな", "ヨミガナ", "氏名カナ", "氏名ふりがな", "kana"),
        ("ふりがな", "フリガナ", "カナ", "よみがな", "ヨミガナ"),
    ),
    Column("family_kana", "セイ", ("セイ", "せい", "姓カナ", "姓ふりがな", "姓フリガナ")),
    Column("given_kana", "メイ", ("メイ", "めい", "名カナ", "名ふりがな", "名フリガナ")),
    Column(
        "email",
        "メール",
        ("メール", "メールアドレス", "eメール", "e-mail", "email", "mail", "電子メール"),
        ("メール", "mail"),
    ),
    Column(
        "organisation",
        "所属",
        (
            "所属",
            "ご所属",
            "所属先",
            "所属機関",
            "会社名",
            "企業名",
            "団体名",
            "法人名",
            "機関名",
            "事業者名",
            "勤務先",
            "貴社名",
            "御社名",
            "会社・団体名",
            "会社",
            "company",
            "organization",
            "organisation",
        ),
        ("会社", "企業", "所属", "団体", "勤務先", "company", "organi"),
    ),
    Column(
        "day",
        "参加日",
        ("参加日", "受付日", "来場日", "出席日", "参加日程", "参加日時", "受付日時", "日付", "date"),
        ("参加日", "来場日", "受付日"),
    ),
    Column(
        "attended",
        "出欠",
        (
            "出欠",
            "出席",
            "出欠席",
            "当日出欠",
            "受付",
            "受付済",
            "来場",
            "出席確認",
            "チェックイン",
            "attendance",
            "checkin",
            "check-in",
        ),
        ("出欠",),
    ),
    Column("status", "状態", ("状態", "ステータス", "申込状況", "申込状態", "status")),
    Column("role", "役割", ("役割", "区分", "参加区分", "参加種別", "種別", "ロール", "role")),
    Column("family_name", "姓", ("姓", "苗字", "名字", "lastname", "familyname", "surname")),
    Column("given_name", "名", ("名", "firstname", "givenname")),
    Column(
        "name",
        "氏名",
        (
            "氏名",
            "名前",
            "お名前",
            "ご氏名",
            "参加者",
            "参加者名",
            "参加者氏名",
            "受講者名",
            "来場者名",
            "氏名漢字",
            "name",
            "fullname",
        ),
        ("氏名", "名前"),
    ),
)
ROLE_WORDS = {
    store.COUNTED_ROLE: ("参加者", "一般", "一般参加", "参加", "来場者", "受講者", "聴講", "attendee", "participant"),
    "staff": ("スタッフ", "運営", "事務局", "staff"),
    "speaker": ("講師", "登壇者", "スピーカー", "講演者", "パネリスト", "speaker"),
    "related": ("関係者", "来賓", "related", "guest"),
}
STATUS_WORDS = {
    store.REGISTERED: ("受付済", "申込", "申込済", "登録", "登録済", "参加", "出席", "確定", "registered"),
    store.NO_SHOW: ("欠席", "不参加", "no-show", "noshow", "absent"),
    store.CANCELLED: ("キャンセル", "取消", "取り消し", "辞退", "cancelled", "canceled"),
}
PRESENT = (
    "○",
    "◯",
    "〇",
    "●",
    "✓",
    "✔",
    "レ",
    "済",
    "受付済",
    "出",
    "出席",
    "参加",
    "来場",
    "有",
    "あり",
    "1",
    "yes",
    "true",
    "y",
)
ABSENT = ("×", "✕", "✗", "欠", "欠席", "不参加", "無", "なし", "0", "no", "false", "n")


def _ready(found: set[str]) -> bool:
    has_name = "name" in found or {"family_name", "given_name"} <= found
    return has_name and bool(found & {"email", "organisation", "kana", "corporate_number", "attended", "day", "role"})


def _word(text: str, words: dict[str, tuple[str, ...]]) -> str | None:
    key = fold_key(text)
    return next((value for value, names in words.items() if key in names or key == value), None)


@dataclass
class ListedPerson:
    """One person of the list (rows of the same person merged), as checked."""

    where: tuple[str, int]
    name: str
    kana: str | None
    email: str | None
    organisation: str | None
    corporate_number: str | None
    role: str
    status: str
    days: set[dt.date] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, ...]:
        """The e-mail when given, else the folded name with the organisation."""
        return ("e", self.email) if self.email else ("n", fold_key(self.name), self.org_key)

    @property
    def name_key(self) -> tuple[str, str]:
        """The folded name with the organisation (how a row without e-mail finds its registration)."""
        return fold_key(self.name), self.org_key

    @property
    def org_key(self) -> str:
        """The organisation's folded name, else its 法人番号 (the rows of one list name a firm alike more
        often than they all give its number)."""
        return fold_organisation_name(self.organisation) if self.organisation else (self.corporate_number or "")


@dataclass
class CheckedList:
    """The people of a checked list, by :attr:`ListedPerson.key`."""

    people: dict[tuple[str, ...], ListedPerson] = field(default_factory=dict)


def _cell(layout: Layout, row: SheetRow, field_name: str, errors: list[CellError]) -> str:
    try:
        return text_of(layout.value(row, field_name), limit=200)
    except CellProblem as exc:
        errors.append(layout.error(row.number, field_name, str(exc)))
        return ""


def _check_row(
    layout: Layout,
    row: SheetRow,
    event: store.ManagedEvent,
    *,
    all_attended: bool,
    errors: list[CellError],
) -> ListedPerson | None:
    number = row.number
    before = len(errors)
    cells = {f: _cell(layout, row, f, errors) for f in layout.fields if f not in ("day",)}
    if not any(cells.values()) and not layout.value(row, "day"):
        return None  # a blank line of the form, or a numbered empty line
    name = cells.get("name") or " ".join(p for p in (cells.get("family_name"), cells.get("given_name")) if p)
    kana = cells.get("kana") or " ".join(p for p in (cells.get("family_kana"), cells.get("given_kana")) if p)
    name_field = "name" if "name" in layout.fields else "family_name"
    if not name:
        errors.append(layout.error(number, name_field, "氏名を入力してください"))
    email = (cells.get("email") or "").lower() or None
    if email and not EMAIL.match(email):
        errors.append(layout.error(number, "email", f"メールアドレス「{email}」の形式が正しくありません"))
    corporate = corporate_number_of(layout, number, cells.get("corporate_number", ""), errors)
    role = store.COUNTED_ROLE
    if cells.get("role"):
        found = _word(cells["role"], ROLE_WORDS)
        if found is None:
            errors.append(
                layout.error(number, "role", f"役割「{cells['role']}」は 参加者・スタッフ・講師・関係者 のいずれかです")
            )
        role = found or role
    status = store.REGISTERED
    if cells.get("status"):
        found = _word(cells["status"], STATUS_WORDS)
        if found is None:
            errors.append(
                layout.error(
                    number,
                    "status",
                    f"状態「{cells['status']}」は 受付済・欠席・キャンセル のいずれかです（キャンセル待ちは取り込めません）",
                )
            )
        status = found or status
    days: set[dt.date] = set()
    if "day" in layout.fields:
        try:
            days = days_of(layout.value(row, "day"), event.start_date, event.end_date)
        except CellProblem as exc:
            errors.append(layout.error(number, "day", str(exc)))
            return None  # what follows depends on the days
    mark = cells.get("attended", "")
    present: bool | None = None
    if mark:
        key = fold_key(mark)
        present = True if key in PRESENT else False if key in ABSENT else None
        if present is None:
            errors.append(layout.error(number, "attended", f"出欠「{mark}」は ○（出席）か ×（欠席）で入力してください"))
    if present is False:
        if days:
            errors.append(layout.error(number, "attended", "欠席（×）なのに参加日が入力されています"))
        if not cells.get("status"):
            status = store.NO_SHOW
    attended = bool(days) or present is True or (all_attended and present is None and status == store.REGISTERED)
    if attended and not days:
        day = (
            event.start_date
            if event.start_date == event.end_date
            else sheet_day(layout.sheet, event.start_date, event.end_date)
        )
        if day is None:
            field_name = "attended" if "attended" in layout.fields else name_field
            errors.append(
                layout.error(
                    number,
                    field_name,
                    f"複数日のイベント（{event.start_date}〜{event.end_date}）です。参加日の列に出席した日を入力してください",
                )
            )
        else:
            days = {day}
    if days and status != store.REGISTERED:
        errors.append(
            layout.error(
                number,
                "status" if "status" in layout.fields else name_field,
                f"「{status}」の方は出席として取り込めません",
            )
        )
    if len(errors) > before:
        return None
    return ListedPerson(
        (layout.sheet.name, number),
        name,
        kana or None,
        email,
        cells.get("organisation") or None,
        corporate,
        role,
        status,
        days,
    )


def _merge(checked: CheckedList, person: ListedPerson, layout: Layout, errors: list[CellError]) -> None:
    """Add a row's person, or merge it with an earlier row of the same person (the days add up)."""
    first = checked.people.get(person.key)
    if first is None:
        checked.people[person.key] = person
        return
    number = person.where[1]
    place = f"{first.where[0]} {first.where[1]}行"
    column = "name" if "name" in layout.fields else "family_name"
    if fold_key(first.name) != fold_key(person.name):
        errors.append(
            layout.error(
                number,
                "email" if "email" in layout.fields else column,
                f"同じメールアドレスの別の方（{place}）がいます。1人1つのメールアドレスにするか、片方を空欄にしてください",
            )
        )
    elif (first.role, first.status) != (person.role, person.status):
        errors.append(layout.error(number, column, f"同じ方が {place} にもあり、役割か状態が異なります"))
    else:
        first.days |= person.days
        first.kana = first.kana or person.kana
        first.organisation = first.organisation or person.organisation
        first.corporate_number = first.corporate_number or person.corporate_number


def check_participant_list(
    sheets: list[Sheet], event: store.ManagedEvent, all_attended: bool, report: ImportReport
) -> CheckedList:
    """The people of a list's sheets; the rows read, skipped and wrong are counted in ``report``."""
    checked = CheckedList()
    layouts = find_layouts(
        sheets,
        COLUMNS,
        _ready,
        report,
        looked_for="氏名",
        header_hint="氏名の列と、メール・所属・出欠などの列の名前を表の1行目（タイトルの下）に置いてください",
    )
    for layout in layouts:
        for row in layout.data_rows():
            errors: list[CellError] = []
            person = _check_row(layout, row, event, all_attended=all_attended, errors=errors)
            if person is not None:
                report.rows += 1
                _merge(checked, person, layout, errors)
            elif not errors:
                report.skipped += 1
            else:
                report.rows += 1
            for error in errors:
                report.add_error(error)
    if not report.rows and not report.failed:
        raise ValidationError(f"「{report.filename}」に参加者の行がありません", code="empty_table")
    return checked
