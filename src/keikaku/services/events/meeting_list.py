"""Reading an organiser's meeting list: which column is which field, and each row checked into a meeting.

Each row is a meeting of one of our firms with a counterpart in a slot, with its status (予定, 実施,
不成立; the organisers' words — 確定, 実施済, キャンセル, held, cancelled … — are understood).  Columns are
found by their header (see :data:`COLUMNS`): 企業名 with its 法人番号 (check digit verified), 相手先, the
slot as one 日時 column (``2026/10/08 10:00-10:30``) or as 日付 and 時間, an optional 終了時刻 and the
organiser's ID.

Nothing here touches the database: :func:`check_meeting_list` gives the meetings of the file and puts
every wrong cell, with its sheet, row and column, in the report.  Storing them is
:mod:`keikaku.services.events.imports_meetings`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from keikaku.ingest.read.source import Sheet, SheetRow
from keikaku.normalize.date_style import JST
from keikaku.normalize.dates import parse_date
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import (
    CellError,
    CellProblem,
    Column,
    ImportReport,
    Layout,
    corporate_number_of,
    find_layouts,
    fold_key,
    text_of,
)
from keikaku.storage import event_imports as store
from keikaku.storage import events as event_store

COLUMNS = (
    Column(
        "_left_out",
        "",
        ("no", "番号", "備考", "メモ", "担当者", "担当者名", "部署", "ブース", "場所", "会場", "テーブル"),
    ),
    Column("corporate_number", "法人番号", ("法人番号", "corporatenumber"), ("法人番号",)),
    Column(
        "external_id",
        "ID",
        ("id", "商談id", "面談id", "ミーティングid", "meetingid", "予約番号", "商談番号", "面談番号"),
    ),
    Column(
        "counterpart",
        "相手先",
        (
            "相手先",
            "相手企業",
            "相手企業名",
            "相手",
            "相手方",
            "商談相手",
            "面談相手",
            "商談先",
            "面談先",
            "マッチング先",
            "パートナー",
            "counterpart",
            "partner",
        ),
        ("相手", "counterpart", "partner"),
    ),
    Column(
        "firm",
        "企業名",
        (
            "企業名",
            "企業",
            "会社名",
            "参加企業",
            "参加企業名",
            "出展者",
            "出展者名",
            "出展企業",
            "自社",
            "自社名",
            "関西企業",
            "firm",
            "company",
            "exhibitor",
        ),
        ("企業", "会社", "出展", "company", "firm"),
    ),
    Column(
        "slot",
        "日時",
        ("日時", "商談日時", "面談日時", "予定日時", "開始日時", "実施日時", "スロット", "slot", "datetime"),
        ("日時",),
    ),
    Column("date", "日付", ("日付", "商談日", "面談日", "実施日", "日", "date", "day"), ("日付",)),
    Column("end", "終了時刻", ("終了時刻", "終了時間", "終了", "end", "endtime"), ("終了",)),
    Column(
        "time",
        "時間",
        ("時間", "時刻", "時間帯", "開始時刻", "開始時間", "開始", "枠", "time", "timeslot", "starttime"),
        ("時間", "時刻"),
    ),
    Column(
        "status",
        "状態",
        ("状態", "ステータス", "結果", "実施状況", "商談結果", "面談結果", "status", "result"),
        ("状況", "結果", "ステータス"),
    ),
)
STATUS_WORDS = {
    store.PLANNED: (
        "予定",
        "確定",
        "予約",
        "予約済",
        "申込",
        "申請中",
        "調整中",
        "scheduled",
        "confirmed",
        "accepted",
        "booked",
        "planned",
        "pending",
    ),
    store.HELD: (
        "実施",
        "実施済",
        "実施済み",
        "済",
        "完了",
        "商談済",
        "面談済",
        "成立",
        "held",
        "done",
        "completed",
        "met",
    ),
    store.FAILED: (
        "不成立",
        "キャンセル",
        "中止",
        "不参加",
        "欠席",
        "辞退",
        "未実施",
        "不調",
        "no-show",
        "noshow",
        "cancelled",
        "canceled",
        "declined",
        "rejected",
    ),
}
_CLOCK = r"(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?"
_SLOT = re.compile(rf"^(?P<date>.+?)\s*(?P<start>{_CLOCK})\s*(?:[-〜~～–—ー]\s*(?P<end>{_CLOCK}))?$")
_TIMES = re.compile(rf"^(?P<start>{_CLOCK})\s*(?:[-〜~～–—ー]\s*(?P<end>{_CLOCK}))?$")


def _ready(found: set[str]) -> bool:
    return {"firm", "counterpart"} <= found


def _clock(text: str) -> dt.time:
    hour, minute = (int(p) for p in re.split("[:：]", text)[:2])
    if hour > 23 or minute > 59:
        raise CellProblem(f"時刻「{text}」は正しくありません")
    return dt.time(hour, minute)


def _time_of(value: object) -> tuple[dt.time, dt.time | None]:
    """(start, end) of a time cell: an Excel time, ``10:00`` or ``10:00-10:30``."""
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0), None
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0), None
    text = text_of(value, limit=40)
    found = _TIMES.match(text)
    if not found:
        raise CellProblem(f"時間「{text}」を読めません（10:00 や 10:00-10:30 の形で入力してください）")
    return _clock(found["start"]), _clock(found["end"]) if found["end"] else None


def _date_of(value: object, year: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_of(value, limit=60)
    try:
        return parse_date(text, default_year=year).date
    except NormalizeError:
        raise CellProblem(f"日付「{text}」を読めません（2026-10-08 や 10月8日 の形で入力してください）") from None


def _slot_of(value: object, year: int) -> tuple[dt.date, dt.time, dt.time | None]:
    """(day, start, end) of a combined slot cell: a date-time cell, or ``2026/10/08 10:00-10:30``."""
    if isinstance(value, dt.datetime):
        return value.date(), value.time().replace(second=0, microsecond=0), None
    text = text_of(value, limit=80)
    found = _SLOT.match(text)
    if not found:
        raise CellProblem(f"日時「{text}」を読めません（2026/10/08 10:00-10:30 の形で入力してください）")
    day = _date_of(found["date"].strip().rstrip("T").strip(), year)
    return day, _clock(found["start"]), _clock(found["end"]) if found["end"] else None


@dataclass
class ListedMeeting:
    """One meeting of the list, as checked."""

    where: tuple[str, int]
    layout: Layout
    firm: str
    corporate_number: str | None
    counterpart: str
    start: dt.datetime
    end: dt.datetime | None
    status: str
    external_id: str | None

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        """(the firm's 法人番号 or folded name, the folded counterpart, the slot start in UTC)."""
        return (
            self.corporate_number or fold_organisation_name(self.firm),
            fold_organisation_name(self.counterpart),
            naive_utc(self.start),
        )


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC without its zone (how the database gives it back), for comparing slots."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def _check_row(
    layout: Layout, row: SheetRow, event: event_store.ManagedEvent, errors: list[CellError]
) -> ListedMeeting | None:
    number = row.number
    before = len(errors)
    texts: dict[str, str] = {}
    for name in ("firm", "corporate_number", "counterpart", "status", "external_id"):
        if name in layout.fields:
            try:
                texts[name] = text_of(layout.value(row, name), limit=400)
            except CellProblem as exc:
                errors.append(layout.error(number, name, str(exc)))
    raw = {name: layout.value(row, name) for name in ("slot", "date", "time", "end")}
    if not any(texts.values()) and all(v in (None, "") for v in raw.values()):
        return None
    if not texts.get("firm"):
        errors.append(layout.error(number, "firm", "企業名を入力してください"))
    if not texts.get("counterpart"):
        errors.append(layout.error(number, "counterpart", "相手先を入力してください"))
    corporate = corporate_number_of(layout, number, texts.get("corporate_number", ""), errors)
    status = None
    if not texts.get("status"):
        errors.append(layout.error(number, "status", "状態（予定・実施・不成立）を入力してください"))
    else:
        key = fold_key(texts["status"])
        status = next((s for s, words in STATUS_WORDS.items() if key in words), None)
        if status is None:
            errors.append(
                layout.error(
                    number, "status", f"状態「{texts['status']}」は 予定・実施・不成立 のいずれかで入力してください"
                )
            )
    start = end = None
    year = event.start_date.year
    slot_field = "slot" if "slot" in layout.fields else "date"
    try:
        if "slot" in layout.fields and raw["slot"] not in (None, ""):
            day, begin, finish = _slot_of(raw["slot"], year)
        elif "date" in layout.fields and raw["date"] not in (None, ""):
            day = _date_of(raw["date"], year)
            begin, finish = dt.time(0, 0), None
            if "time" in layout.fields and raw["time"] not in (None, ""):
                slot_field = "time"
                begin, finish = _time_of(raw["time"])
        else:
            raise CellProblem("日時を入力してください")
        if "end" in layout.fields and raw["end"] not in (None, ""):
            slot_field = "end"
            finish, _ignored = _time_of(raw["end"])
        if not event.start_date <= day <= event.end_date:
            slot_field = "slot" if "slot" in layout.fields else "date"
            span = event.start_date.isoformat() + ("" if event.end_date == event.start_date else f"〜{event.end_date}")
            raise CellProblem(f"{day.isoformat()} は開催日（{span}）ではありません")
        start = dt.datetime.combine(day, begin, JST).astimezone(dt.UTC)
        end = dt.datetime.combine(day, finish, JST).astimezone(dt.UTC) if finish else None
        if end is not None and end < start:
            raise CellProblem("終了時刻が開始時刻より前です")
    except CellProblem as exc:
        errors.append(layout.error(number, slot_field, str(exc)))
    if len(errors) > before or start is None or status is None:
        return None
    return ListedMeeting(
        (layout.sheet.name, number),
        layout,
        texts["firm"],
        corporate,
        texts["counterpart"],
        start,
        end,
        status,
        texts.get("external_id") or None,
    )


def _check_columns(report: ImportReport, sheet: Sheet, layout: Layout) -> None:
    """Refuse a sheet whose header lacks the slot or the status."""
    missing = [
        label
        for names, label in ((("slot", "date"), "日時（または日付）"), (("status",), "状態"))
        if not set(names) & set(layout.fields)
    ]
    if missing:
        raise ValidationError(
            f"「{report.filename}」シート「{sheet.name}」に {'・'.join(missing)} の列がありません",
            code="missing_column",
        )


def check_meeting_list(
    sheets: list[Sheet], event: event_store.ManagedEvent, report: ImportReport
) -> list[ListedMeeting]:
    """The meetings of a list's sheets; the rows read, skipped and wrong are counted in ``report``."""
    layouts = find_layouts(
        sheets,
        COLUMNS,
        _ready,
        report,
        looked_for="企業名と相手先",
        header_hint="企業名・法人番号・相手先・日時・状態の列の名前を表の1行目に置いてください",
        check=functools.partial(_check_columns, report),
    )
    seen: dict[tuple[str, str, dt.datetime], ListedMeeting] = {}
    ids: dict[str, ListedMeeting] = {}
    found: list[ListedMeeting] = []
    for layout in layouts:
        for row in layout.data_rows():
            errors: list[CellError] = []
            meeting = _check_row(layout, row, event, errors)
            if meeting is None and not errors:
                report.skipped += 1
                continue
            report.rows += 1
            if meeting is not None:
                first = seen.get(meeting.key) or (ids.get(meeting.external_id) if meeting.external_id else None)
                if first is not None:
                    place = f"{first.where[0]} {first.where[1]}行"
                    errors.append(layout.error(meeting.where[1], "counterpart", f"同じ商談が {place} にもあります"))
                else:
                    seen[meeting.key] = meeting
                    if meeting.external_id:
                        ids[meeting.external_id] = meeting
                    found.append(meeting)
            for error in errors:
                report.add_error(error)
    if not report.rows and not report.failed:
        raise ValidationError(f"「{report.filename}」に商談の行がありません", code="empty_table")
    return found
