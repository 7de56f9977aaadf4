"""Reading the spreadsheets staff import for events run elsewhere: CSV in any Japanese encoding, or XLSX.

What every import of events and surveys shares:

* the upload checks of :mod:`keikaku.services.actuals.upload_safety` first (size, file name, zip bomb);
* an XLSX is read through :func:`keikaku.ingest.read.xlsx.read_workbook` (stored values of every visible
  sheet, formulas never evaluated); a CSV is decoded by :func:`keikaku.ingest.read.readers.decode_text` (UTF-8
  with or without BOM, UTF-16 with BOM, CP932 / Shift_JIS, EUC-JP, ISO-2022-JP; binary junk refused);
* the header row is found among the first rows of a sheet (a paper 受付名簿 has a title above it), and its
  columns are recognised tolerantly (``メールアドレス（必須）`` is the e-mail, ``氏名（フリガナ）`` the kana);
* every wrong cell is a :class:`CellError` with its sheet, row, column and reason, all reported at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.readers import decode_text
from keikaku.ingest.read.source import Sheet, SheetRow
from keikaku.ingest.read.xlsx import read_workbook
from keikaku.normalize.dates import parse_date
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.text import normalize_text
from keikaku.services.actuals.cell_errors import SheetCellError
from keikaku.services.actuals.upload_safety import check_upload
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.events.identities import link_people
from keikaku.services.events.manage import load_event
from keikaku.services.events.organisations import check_corporate_number
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.measures.follow import ATTENDANCE, MEETINGS, REGISTRATIONS, follow_records
from keikaku.storage import events as event_store
from keikaku.storage.uow import read_session, unit_of_work

#: How many rows from the top of a sheet may come before the header (a title, the date, a blank line).
HEADER_SEARCH_ROWS = 15
#: The most errors kept in a report (the count says how many there were).
MAX_ERRORS = 1000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_BRACKETED = re.compile(r"[(\[<{【〔《「『][^)\]>}】〕》」』]*[)\]>}】〕》」』]")
_BRACKETS = re.compile(r"[()\[\]<>{}【】〔〕《》「」『』]")
_SPACES = re.compile(r"[\s\u3000]+")
_EDGE_MARKS = "*※:：・.。、,-_#"
#: Values in one ``IN (…)`` (well within SQLite's and PostgreSQL's limits on bound parameters).


@dataclass(frozen=True)
class CellError(SheetCellError):
    """One wrong cell (or row, or file) of an event's or a survey's sheet, with its column letter."""

    letter: str = ""

    def __str__(self) -> str:
        where = self.sheet
        if self.row:
            where += f" {self.row}行"
        if self.letter:
            where += f" {self.letter}列"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows read, records added / updated / unchanged, check-ins added, errors."""

    filename: str
    kind: str
    sha256: str = ""
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    checkins: int = 0
    skipped: int = 0
    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    def add_error(self, error: CellError) -> None:
        """Keep an error (up to :data:`MAX_ERRORS`; the count goes on)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    @property
    def failed(self) -> bool:
        """Whether any error was found (nothing is then imported)."""
        return self.error_count > 0


def check_may_import(event_id: int, *, actor: Actor, engine: Engine | None = None) -> None:
    """Refuse, before any file is read, an actor who does not manage the event (or an unknown event)."""
    with read_session(ensure_schema(engine)) as session:
        event, _year = load_event(session, event_id)
        require(actor, Permission.MANAGE_EVENTS, departments=[event.department])


class _Abort(Exception):
    """Rolls back an import found wrong."""


#: What an import does in its transaction: check the sheets and store them, adding errors to the report.
Apply = Callable[[Session, event_store.ManagedEvent, list[Sheet], ImportReport], None]


#: The audit action of each kind of event import (written out, so that the audit trail's words cover them).
IMPORT_ACTIONS = {"participants": AuditAction.EVENT_IMPORT_PARTICIPANTS, "meetings": AuditAction.EVENT_IMPORT_MEETINGS}
#: The measure kinds each kind of import changes (recomputed in its transaction).
FOLLOWED = {"participants": (*REGISTRATIONS, *ATTENDANCE), "meetings": MEETINGS}


def run_event_import(
    event_id: int, filename: str, content: bytes, kind: str, apply: Apply, *, actor: Actor, engine: Engine | None
) -> ImportReport:
    """An import of a file into an event, all or nothing: the actor is checked before the file is read, the
    file read, then in one transaction (holding the event's row lock, so that two imports of the same
    list cannot both add it) ``apply`` checks and stores; with any error in the report everything is
    rolled back, else one audit record ``event.import_<kind>`` names the file, its SHA-256 and the counts
    (no personal data: council members read the audit trail)."""
    eng = ensure_schema(engine)
    check_may_import(event_id, actor=actor, engine=eng)
    name, sheets = read_sheets(filename, content)
    report = ImportReport(name, kind, sha256=digest(content))
    try:
        with unit_of_work(eng) as session:
            event, _year = load_event(session, event_id)
            require(actor, Permission.MANAGE_EVENTS, departments=[event.department])
            session.execute(  # the row lock (PostgreSQL) or the write lock (SQLite) before anything is read
                update(event_store.ManagedEvent)
                .where(event_store.ManagedEvent.id == event_id)
                .values(seats_taken=event_store.ManagedEvent.seats_taken)
                .execution_options(synchronize_session=False)
            )
            apply(session, event, sheets, report)
            if report.failed:
                raise _Abort
            counts = {"rows": report.rows, "added": report.added, "updated": report.updated}
            counts |= {"unchanged": report.unchanged, "checkins": report.checkins}
            audit.record(
                session,
                actor,
                IMPORT_ACTIONS[kind],
                "event",
                event_id,
                None,
                {"file": name, "sha256": report.sha256, **counts},
            )
            link_people(  # the list's people who came to earlier events count once in measures over both
                session,
                session.scalars(
                    select(event_store.Registration.id).where(event_store.Registration.event_id == event_id)
                ),
            )
            follow_records(session, FOLLOWED[kind], event_ids=[event_id])
            report.applied = True
    except _Abort:
        report.applied = False
    return report


def digest(content: bytes) -> str:
    """The SHA-256 of a file, named in the audit record of its import."""
    return hashlib.sha256(content).hexdigest()


# --- reading the file -------------------------------------------------------------------------------------


def _refuse_macros(name: str, content: bytes) -> None:
    suffix = Path(name).suffix.lower()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            macros = any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
    except zipfile.BadZipFile:
        raise ValidationError(f"「{name}」は Excel ブック（.xlsx）として読めません", code="corrupt_xlsx") from None
    if suffix in {".xlsm", ".xltm", ".xlam"} or macros:
        raise ValidationError(
            f"「{name}」はマクロ付きブックです。マクロを含まない .xlsx で保存し直してください", code="macro_refused"
        )


def _csv_sheet(name: str, content: bytes) -> Sheet:
    try:
        text, _encoding = decode_text(name, content)
    except IngestError as exc:
        raise ValidationError(
            f"「{name}」は CSV（文字の表）でも Excel ブック（.xlsx）でもありません: {exc.reason}",
            code="unreadable_file",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[SheetRow] = []
    try:
        line = 1
        for values in reader:
            cells = tuple(v.strip() for v in values)
            if any(cells):
                rows.append(SheetRow(line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(
            f"「{name}」{reader.line_num}行目を CSV として読めません（{exc}）", code="unreadable_file"
        ) from None
    return Sheet("CSV", 1, tuple(rows))


def read_sheets(filename: str, content: bytes) -> tuple[str, list[Sheet]]:
    """(the file's safe name, its sheets): every visible sheet of an XLSX, or the one table of a CSV.

    Raises :class:`ValidationError` for an oversized, empty or unsafe upload, a macro or old-format
    workbook, an unreadable workbook, and bytes that are no text in any Japanese encoding (junk).
    """
    name = check_upload(filename, content)
    if content.startswith(_ZIP_MAGIC):
        _refuse_macros(name, content)
        try:
            sheets = read_workbook(Path(name), content)
        except IngestError as exc:
            raise ValidationError(f"「{name}」: {exc.reason}", code=exc.code) from None
        return name, sheets
    if content.startswith(_OLE_MAGIC):
        raise ValidationError(
            f"「{name}」は古い Excel 形式（.xls）です。.xlsx か CSV で保存し直してください", code="format_refused"
        )
    return name, [_csv_sheet(name, content)]


# --- finding the columns ----------------------------------------------------------------------------------


def header_keys(text: object) -> tuple[str, str]:
    """(full, bare) keys of a header: normalised, lower case, without spaces; ``full`` keeps what brackets
    hold (``氏名（カナ）`` → ``氏名カナ``), ``bare`` drops it (``メール（必須）`` → ``メール``)."""
    base = _SPACES.sub("", normalize_text(str(text or "")).lower())
    full = _BRACKETS.sub("", base).strip(_EDGE_MARKS)
    bare = _BRACKETED.sub("", base).strip(_EDGE_MARKS)
    return full, bare or full


@dataclass(frozen=True)
class Column:
    """A field an import reads: the header names it is known by (exact keys), and parts that give it away."""

    field: str
    label: str
    names: tuple[str, ...]
    parts: tuple[str, ...] = ()


def _exact(header: object, columns: Sequence[Column]) -> str | None:
    full, bare = header_keys(header)
    for key in (full, bare):
        for col in columns:
            if key and key in col.names:
                return col.field
    return None


def _partial(header: object, columns: Sequence[Column]) -> str | None:
    full, _bare = header_keys(header)
    for col in columns:
        if full and any(part in full for part in col.parts):
            return col.field
    return None


def match_header(header: object, columns: Sequence[Column]) -> str | None:
    """The field a header names, or None: an exact name first (with and without what brackets hold), then
    the first field whose characteristic part the header contains (the order of ``columns`` decides).
    A field whose name starts with ``_`` is one that is recognised in order to be left out (部署, 役職)."""
    return _exact(header, columns) or _partial(header, columns)


@dataclass(frozen=True)
class Layout:
    """Where a sheet's header is and which column holds which field."""

    sheet: Sheet
    header_row: int
    headers: tuple[str, ...]
    fields: dict[str, int]
    ignored: tuple[str, ...]

    def header(self, field_name: str) -> str:
        """The header text of a field's column."""
        return self.headers[self.fields[field_name]]

    def letter(self, field_name: str) -> str:
        """The column letter of a field (A, B, …)."""
        return get_column_letter(self.fields[field_name] + 1)

    def error(self, row: int, field_name: str, reason: str) -> CellError:
        """An error in a field's cell of a row."""
        return CellError(self.sheet.name, row, self.header(field_name), reason, self.letter(field_name))

    def data_rows(self) -> Iterable[SheetRow]:
        """The rows below the header."""
        return (r for r in self.sheet.rows if r.number > self.header_row)

    def value(self, row: SheetRow, field_name: str) -> object:
        """A field's raw cell value in a row (None when the column is absent or the row shorter)."""
        index = self.fields.get(field_name)
        if index is None or index >= len(row.cells):
            return None
        return row.cells[index]


def find_layout(sheet: Sheet, columns: Sequence[Column], ready: Callable[[set[str]], bool]) -> Layout | None:
    """The sheet's header among its first rows: the first row whose recognised fields satisfy ``ready``.

    Exact header names are assigned first, over the whole row, then the partial ones, so that
    「所属部署」 before 「会社名」 does not take the organisation's place; the first column of a field wins."""
    for row in sheet.rows[:HEADER_SEARCH_ROWS]:
        headers = tuple("" if v is None else normalize_text(str(v)).strip() for v in row.cells)
        found: dict[str, int] = {}
        taken: set[int] = set()
        for matcher in (_exact, _partial):
            for index, header in enumerate(headers):
                if index in taken or not header:
                    continue
                name = matcher(header, columns)
                if name is not None:
                    taken.add(index)
                    if not name.startswith("_") and name not in found:
                        found[name] = index
        ignored = tuple(h for i, h in enumerate(headers) if h and i not in found.values())
        if ready(set(found)):
            return Layout(sheet, row.number, headers, found, ignored)
    return None


def find_layouts(
    sheets: Sequence[Sheet],
    columns: Sequence[Column],
    ready: Callable[[set[str]], bool],
    report: ImportReport,
    *,
    looked_for: str,
    header_hint: str,
    check: Callable[[Sheet, Layout], None] | None = None,
) -> list[Layout]:
    """The layout of each sheet that has a header (:func:`find_layout`), in order, each one passed to
    ``check`` first; a sheet with rows but no header is noted in ``report`` (it lacks ``looked_for``), the
    headers left unread are added to it, and a file without any header is refused with ``header_hint``."""
    layouts = []
    for sheet in sheets:
        layout = find_layout(sheet, columns, ready)
        if layout is None:
            if sheet.rows:
                report.notes.append(f"シート「{sheet.name}」には{looked_for}の見出しがないため読みませんでした")
            continue
        if check is not None:
            check(sheet, layout)
        layouts.append(layout)
        report.ignored_columns.extend(h for h in layout.ignored if h not in report.ignored_columns)
    if not layouts:
        raise ValidationError(f"「{report.filename}」に見出しの行が見つかりません。{header_hint}", code="no_header")
    return layouts


# --- reading cells ----------------------------------------------------------------------------------------


class CellProblem(Exception):
    """A cell that cannot be read; the message is the reason, in Japanese."""


@functools.lru_cache(maxsize=8192)
def _cell_text(text: str) -> str:
    """A cell's text normalised and stripped (the firms, days and marks of a list repeat: read once each)."""
    if has_control_characters(text):
        raise CellProblem("使用できない制御文字が含まれています")
    return normalize_text(text).strip()


def text_of(value: object, *, limit: int = 400) -> str:
    """A cell as text: normalised and stripped; '' when blank.  Numbers lose a spurious ``.0``
    (a 法人番号 Excel took for a number); control characters and overlong text are refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != dt.time() else value.date().isoformat()
    text = _cell_text(str(value))
    if len(text) > limit:
        raise CellProblem(f"{limit} 文字以内にしてください（{len(text)} 文字）")
    return text


def corporate_number_of(layout: Layout, row: int, text: str, errors: list[CellError]) -> str | None:
    """A row's 法人番号 cell checked (check digit verified), or None when blank or wrong (an error then)."""
    if not text:
        return None
    try:
        return check_corporate_number(text)
    except ValidationError as exc:
        errors.append(layout.error(row, "corporate_number", exc.message))
        return None


_DAY_SPLIT = re.compile(r"[、,，;；\n]+|\s+(?=\d)")


def days_of(value: object, first: dt.date, last: dt.date) -> set[dt.date]:
    """The event days a cell names: a date cell, ``2026/10/7``, ``10月7日``, ``令和8年10月7日``, several
    separated by 、 or commas, or a range ``10/7〜10/8``; each must be a day of the event (first…last)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return set()
    if isinstance(value, dt.datetime):
        days = {value.date()}
    elif isinstance(value, dt.date):
        days = {value}
    else:
        days = set(_days_in_text(text_of(value, limit=200), first.year))
    outside = sorted(d for d in days if not first <= d <= last)
    if outside:
        span = first.isoformat() if first == last else f"{first.isoformat()}〜{last.isoformat()}"
        raise CellProblem(f"{outside[0].isoformat()} は開催日（{span}）ではありません")
    return days


@functools.lru_cache(maxsize=4096)
def _days_in_text(text: str, year: int) -> frozenset[dt.date]:
    """The days a text names (a list of 10,000 rows has a handful of distinct day cells: parsed once)."""
    days: set[dt.date] = set()
    for piece in (p.strip() for p in _DAY_SPLIT.split(text)):
        part = re.sub(r"\s*\d{1,2}:\d{2}(:\d{2})?$", "", piece)  # a time after the date
        if not part:
            continue
        start, end = _date_or_range(part, year)
        days |= {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
    return frozenset(days)


def _date_or_range(text: str, year: int) -> tuple[dt.date, dt.date]:
    pieces = re.split(r"[〜~～]", text)
    try:
        if len(pieces) == 2:
            start = parse_date(pieces[0].strip(), default_year=year).date
            end_text = pieces[1].strip()
            if re.fullmatch(r"\d{1,2}日?", end_text):
                end = start.replace(day=int(end_text.rstrip("日")))
            else:
                end = parse_date(end_text, default_year=start.year).date
            if end < start:
                raise CellProblem(f"「{text}」は終わりが始まりより前です")
            return start, end
        day = parse_date(text, default_year=year).date
        return day, day
    except (NormalizeError, ValueError):
        raise CellProblem(f"「{text}」を日付として読めません（2026-10-07 や 10月7日 の形で入力してください）") from None


def sheet_day(sheet: Sheet, first: dt.date, last: dt.date) -> dt.date | None:
    """The day a sheet's name gives (a sheet per day of a multi-day fair: 「10月8日」, 「2026-10-08」)."""
    try:
        days = days_of(sheet.name, first, last)
    except CellProblem:
        return None
    return next(iter(days)) if len(days) == 1 else None


def fold_key(text: str) -> str:
    """A name folded for matching rows: normalised, lower case, without any space."""
    return _SPACES.sub("", normalize_text(text).lower())
