"""Importing the participant list of an event run elsewhere: the organiser's list, or the paper 受付名簿.

The file (CSV in any Japanese encoding, or XLSX with one or more sheets: a sheet per day of a fair is
fine) is checked whole before anything is stored.  Every wrong cell is reported with its sheet, row and
column; with any error nothing is imported.

Columns are found by their header (see :data:`COLUMNS`): 氏名 (or 姓 and 名), ふりがな, メール, 所属 /
会社名, 法人番号 (check digit verified; an invalid one is refused with the reason), 役割 (参加者, スタッフ,
講師, 関係者), 状態 (受付済, 欠席, キャンセル), 参加日 (one day, several, or a range) and 出欠 (○ / ×).
A row that attended becomes a check-in mark of each of its days (method ``import``); on a one-day event a
○ is enough, and a sheet named after a day gives that day.

Idempotent: a row finds the event's registration of the same person — the same e-mail, else the same
folded name and organisation — and adds only what is missing (the registration, check-in marks, a kana
or e-mail the person had not given); importing the same file again changes nothing.  New registrations
that take seats must fit the capacity, or nothing is imported.  One audit record names the file, its
SHA-256 and the counts (no personal data: council members read the audit trail).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from keikaku.ingest.source import Sheet, SheetRow
from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ConflictError, ValidationError
from keikaku.services.events.imports import (
    CellError,
    CellProblem,
    Column,
    ImportReport,
    Layout,
    check_may_import,
    days_of,
    digest,
    find_layout,
    fold_key,
    read_sheets,
    resolve_organisations,
    sheet_day,
    text_of,
)
from keikaku.services.events.manage import load_event
from keikaku.services.events.organisations import check_corporate_number
from keikaku.services.events.registrations import take_seats
from keikaku.services.governance import audit
from keikaku.storage import events as store
from keikaku.storage.uow import unit_of_work

KIND = "participants"
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
class _Person:
    """One person of the file (rows of the same person merged), as checked."""

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
class _Checked:
    people: dict[tuple[str, ...], _Person] = field(default_factory=dict)


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
) -> _Person | None:
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
    corporate = None
    if cells.get("corporate_number"):
        try:
            corporate = check_corporate_number(cells["corporate_number"])
        except ValidationError as exc:
            errors.append(layout.error(number, "corporate_number", exc.message))
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
    return _Person(
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


def _merge(checked: _Checked, person: _Person, layout: Layout, errors: list[CellError]) -> None:
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


@dataclass
class _Existing:
    reg: store.Registration
    person: store.Person
    org_key: str
    days: set[dt.date]


def _existing(session: Session, event_id: int) -> tuple[dict[str, _Existing], dict[tuple[str, str], _Existing]]:
    rows = session.execute(
        select(store.Registration, store.Person, store.Organisation)
        .join(store.Person, store.Person.id == store.Registration.person_id)
        .outerjoin(store.Organisation, store.Organisation.id == store.Person.organisation_id)
        .where(store.Registration.event_id == event_id)
        .order_by(store.Registration.id)
    ).all()
    days: dict[int, set[dt.date]] = {}
    for reg_id, day in session.execute(
        select(store.CheckIn.registration_id, store.CheckIn.day).where(store.CheckIn.event_id == event_id)
    ).all():
        days.setdefault(reg_id, set()).add(day)
    by_email: dict[str, _Existing] = {}
    by_name: dict[tuple[str, str], _Existing] = {}
    for reg, person, org in rows:
        org_key = (org.corporate_number or org.folded_name) if org else ""
        found = _Existing(reg, person, org_key, days.get(reg.id, set()))
        if person.email:
            by_email.setdefault(person.email, found)
        if person.name:
            by_name.setdefault((fold_key(person.name), org_key), found)
            if org is not None and org.corporate_number:  # the firm by its name, and by its number only
                by_name.setdefault((fold_key(person.name), org.folded_name), found)
                by_name.setdefault((fold_key(person.name), org.corporate_number), found)
    return by_email, by_name


def _match(
    person: _Person, by_email: dict[str, _Existing], by_name: dict[tuple[str, str], _Existing]
) -> _Existing | None:
    if person.email and person.email in by_email:
        return by_email[person.email]
    found = by_name.get(person.name_key)
    if found is not None and (not person.email or not found.person.email):
        return found
    return None


class _Abort(Exception):
    """Rolls back an import found wrong while storing (capacity)."""


def import_participants(
    event_id: int,
    filename: str,
    content: bytes,
    *,
    actor: Actor,
    all_attended: bool = False,
    engine: Engine | None = None,
) -> ImportReport:
    """Check every row of a participant list and import it in one transaction (nothing when any row is wrong).

    ``all_attended``: the list is of people who came (an organiser's list of attendees without an 出欠
    column), so every 受付済 row without a mark is a check-in.
    """
    eng = ensure_schema(engine)
    check_may_import(event_id, actor=actor, engine=eng)  # before the file is read
    name, sheets = read_sheets(filename, content)
    report = ImportReport(name, KIND, sha256=digest(content))
    try:
        with unit_of_work(eng) as session:
            event, _year = load_event(session, event_id)
            require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
            if event.personal_data_erased_at is not None:
                raise ConflictError(
                    "このイベントの個人情報は消去済みです。参加者名簿は取り込めません（取り込むと人数が変わります）",
                    code="personal_data_erased",
                )
            # One import of an event at a time: this takes the event's row lock (PostgreSQL) or the write
            # lock (SQLite) before anything is read, so two imports of the same list cannot both add it.
            session.execute(
                update(store.ManagedEvent)
                .where(store.ManagedEvent.id == event_id)
                .values(seats_taken=store.ManagedEvent.seats_taken)
                .execution_options(synchronize_session=False)
            )
            checked = _check_file(sheets, event, all_attended, report)
            if report.failed:
                return report
            _store(session, event, checked, actor, report)
            if report.failed:
                raise _Abort
            audit.record(
                session,
                actor,
                "event.import_participants",
                "event",
                event_id,
                None,
                {
                    "file": name,
                    "sha256": report.sha256,
                    "rows": report.rows,
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "checkins": report.checkins,
                },
            )
            report.applied = True
    except _Abort:
        report.applied = False
    return report


def _check_file(sheets: list[Sheet], event: store.ManagedEvent, all_attended: bool, report: ImportReport) -> _Checked:
    checked = _Checked()
    layouts = []
    for sheet in sheets:
        layout = find_layout(sheet, COLUMNS, _ready)
        if layout is None:
            if sheet.rows:
                report.notes.append(f"シート「{sheet.name}」には氏名の見出しがないため読みませんでした")
            continue
        layouts.append(layout)
        report.ignored_columns.extend(h for h in layout.ignored if h not in report.ignored_columns)
    if not layouts:
        raise ValidationError(
            f"「{report.filename}」に見出しの行が見つかりません。氏名の列と、メール・所属・出欠などの列の名前を"
            "表の1行目（タイトルの下）に置いてください",
            code="no_header",
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


def _store(session: Session, event: store.ManagedEvent, checked: _Checked, actor: Actor, report: ImportReport) -> None:
    by_email, by_name = _existing(session, event.id)
    matches = {key: _match(person, by_email, by_name) for key, person in checked.people.items()}
    needed = (  # the firms of new people, and of known people without one
        (p.organisation, p.corporate_number)
        for key, p in checked.people.items()
        if matches[key] is None or matches[key].person.organisation_id is None  # type: ignore[union-attr]
    )
    organisations = resolve_organisations(session, needed)

    def organisation_id(person: _Person) -> int | None:
        return organisations.get((person.organisation, person.corporate_number))

    now = dt.datetime.now(dt.UTC)
    new: list[tuple[_Person, dict[str, object]]] = []
    checkins: list[tuple[int, dt.date]] = []
    seats = 0
    for key, person in checked.people.items():
        found = matches[key]
        if found is None:
            row: dict[str, object] = {
                "name": person.name,
                "kana": person.kana,
                "email": person.email,
                "organisation_id": organisation_id(person),
            }
            new.append((person, row))
            continue
        reg, known = found.reg, found.person
        changed = False
        if known.erased_at is None:
            for attr in ("kana", "email"):
                if getattr(person, attr) and not getattr(known, attr):
                    setattr(known, attr, getattr(person, attr))
                    changed = True
            if known.organisation_id is None and (person.organisation or person.corporate_number):
                known.organisation_id = organisation_id(person)
                changed = True
        where = person.where
        if person.status != reg.status:
            if reg.status == store.REGISTERED and person.status == store.NO_SHOW and not found.days:
                reg.status, reg.updated_at = store.NO_SHOW, now
                if reg.takes_seat:
                    session.execute(
                        update(store.ManagedEvent)
                        .where(store.ManagedEvent.id == event.id, store.ManagedEvent.seats_taken > 0)
                        .values(seats_taken=store.ManagedEvent.seats_taken - 1)
                        .execution_options(synchronize_session=False)
                    )
                changed = True
            elif person.status != store.REGISTERED or person.days:
                report.add_error(
                    CellError(
                        where[0], where[1], "", f"この方の申込は既に「{reg.status}」です（名簿では「{person.status}」）"
                    )
                )
                continue
        missing = sorted(person.days - found.days)
        checkins.extend((reg.id, day) for day in missing)
        report.checkins += len(missing)
        if changed:
            report.updated += 1
        elif not missing:
            report.unchanged += 1
    if report.failed:
        return
    # Core inserts, many rows a statement, ids back in order: a list of 10,000 takes seconds, not minutes.
    person_ids = _insert(session, store.Person, [row for _p, row in new])
    regs: list[dict[str, object]] = []
    for (person, _row), person_id in zip(new, person_ids, strict=True):
        takes_seat = person.role == store.COUNTED_ROLE
        if takes_seat and person.status == store.REGISTERED:
            seats += 1
        regs.append(
            {
                "event_id": event.id,
                "person_id": person_id,
                "status": person.status,
                "role": person.role,
                "takes_seat": takes_seat,
                "token": secrets.token_urlsafe(24),
                "channel": "import",
                "offer_expires_at": None,
                "registered_by_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    reg_ids = _insert(session, store.Registration, regs)
    for (person, _row), reg_id in zip(new, reg_ids, strict=True):
        checkins.extend((reg_id, day) for day in sorted(person.days))
        report.checkins += len(person.days)
    report.added = len(regs)
    if seats and not take_seats(session, event.id, seats):
        session.refresh(event)
        report.add_error(
            CellError(
                report.filename,
                0,
                "",
                f"定員 {event.capacity} 人を超えます（席を確保済み {event.seats_taken} 人、この名簿で新たに {seats} 人）。"
                "定員を見直してから取り込んでください",
            )
        )
        return
    who = actor.name[:200]
    if checkins:
        session.execute(
            insert(store.CheckIn),
            [
                {
                    "registration_id": r,
                    "event_id": event.id,
                    "day": d,
                    "method": "import",
                    "marked_by": who,
                    "marked_at": now,
                }
                for r, d in checkins
            ],
        )


def _insert(
    session: Session, table: type[store.Person] | type[store.Registration], rows: list[dict[str, object]]
) -> list[int]:
    """Insert rows in bulk and return their ids in the rows' order."""
    if not rows:
        return []
    session.flush()
    result = session.scalars(insert(table).returning(table.id, sort_by_parameter_order=True), rows)
    return list(result)
