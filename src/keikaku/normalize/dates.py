"""Dates and date ranges as plans write them: ``令和8年10月7日（水）～9日（金）``, ``R8.10.7``, ``2026/10/7``.

Forms read (after :func:`~keikaku.normalize.normalize_text`, so widths and ``～``/``〜`` do not matter):

* ``令和8年10月7日``, ``令和元年5月1日``, ``令和八年十月七日``, ``2026年10月7日``, ``10月7日`` (year from context);
* ``R8.10.7``, ``H31/4/30``, ``2026/10/7``, ``2026.10.7``, ``2026-10-07``, ``10/7`` (year from context);
* a weekday mark after any of them: ``(水)``, ``(水曜日)``, ``(月・祝)``, ``(Wed)``; a mark that does not
  agree with the date is kept and reported (``weekday_matches=False``), never an error, so callers can
  emit a ``weekday_mismatch`` warning;
* ranges: ``A~B``, ``AからB(まで)``, with B shortened to what changes (``~9日``, ``~11月2日``, ``~10/9``);
  ``12月28日~1月5日`` runs into the next year, but a day-only end stays in the start's month, so
  ``30日~2日`` is an error rather than a guess;
  lists ``17日(水)、18日(木)`` (also ``・``, ``及び``, ``と``) read as consecutive days, first to last.

Without a written year, ``default_year`` (a calendar year) is used, or ``fiscal_year`` (January to March
fall in the following calendar year); without either, :class:`NormalizeError` is raised.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from keikaku.normalize.eras import ERA_PATTERN, ERA_YEAR_PATTERN, era_to_gregorian, era_year_value
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.numbers import numeral_value
from keikaku.normalize.text import normalize_text

WEEKDAYS = "月火水木金土日"
_ENGLISH_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_MD = "[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_WEEKDAY = (
    r"(?: ?\((?:(?P<wd>[月火水木金土日])(?:曜日?)?|(?P<wde>(?i:mon|tue|wed|thu|fri|sat|sun))[a-z]*\.?)?"
    r"(?:[・,、 ]?(?:祝|祭|休)日?)?\))?"
)
_DATE_RE = re.compile(
    "(?:"
    f"(?:(?:(?P<era>{ERA_PATTERN})\\.? ?(?P<ey>{ERA_YEAR_PATTERN})|(?P<y>[0-9]{{4}})) ?年 ?)?"
    f"(?:(?P<m>{_MD}) ?月 ?)?(?P<d>{_MD}) ?日"
    "|"
    f"(?:(?P<sera>{ERA_PATTERN})\\.?(?P<sey>[0-9]{{1,2}})|(?P<sy>[0-9]{{4}}))(?P<sep>[./-])"
    "(?P<sm>[0-9]{1,2})(?P=sep)(?P<sd>[0-9]{1,2})(?![0-9])"
    "|"
    "(?P<nm>[0-9]{1,2})/(?P<nd>[0-9]{1,2})(?![0-9/])"
    f"){_WEEKDAY}"
)
_RANGE_SEP_RE = re.compile(r" ?(?:~|-|–|—|―|から|より) ?")
_LIST_SEP_RE = re.compile(r" ?(?:、|,|・|及び|および|と) ?")
_TAIL_RE = re.compile(r" ?(?:まで|迄)? ?(?:\(予定\)|予定|頃|ごろ)?")
_NOT_BEFORE_RE = re.compile(r"[0-9A-Za-z.,/]")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date and the weekday mark written with it.

    ``weekday_given`` is the mark as a kanji (``水``), or None; ``weekday_matches`` is None without a mark.
    ``year_inferred`` is True when the year came from ``default_year``/``fiscal_year`` or from the start of
    a range rather than from the text.
    """

    date: dt.date
    weekday_given: str | None = None
    weekday_matches: bool | None = None
    year_inferred: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    """A single date (``end`` None) or a range of days, ``start`` ≤ ``end``."""

    start: ParsedDate
    end: ParsedDate | None = None

    @property
    def last(self) -> ParsedDate:
        """The last day: ``end``, or ``start`` for a single date."""
        return self.end or self.start

    @property
    def weekday_mismatches(self) -> list[ParsedDate]:
        """The dates of the range whose weekday mark does not agree with the date."""
        return [d for d in (self.start, self.end) if d is not None and d.weekday_matches is False]


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date or range found in a line: ``span`` indexes the normalised line, ``text`` is what matched."""

    range: DateRange
    span: tuple[int, int]
    text: str


@dataclass(frozen=True, slots=True)
class _Context:
    default_year: int | None
    fiscal_year: int | None
    previous: dt.date | None = None


def _part(value: str | None) -> int | None:
    return None if value is None else int(numeral_value(value))


def _build(match: re.Match[str], context: _Context, source: str) -> ParsedDate:
    """The date of one _DATE_RE match, filling what is not written from the context."""
    year: int | None = None
    if match["era"] or match["sera"]:
        era = match["era"] or match["sera"]
        year = era_to_gregorian(era, era_year_value(match["ey"] or match["sey"]))
    elif match["y"] or match["sy"]:
        year = int(match["y"] or match["sy"])
    month = _part(match["m"] or match["sm"] or match["nm"])
    day = _part(match["d"] or match["sd"] or match["nd"])
    assert day is not None
    previous = context.previous
    inferred = year is None
    month_written = month is not None
    if month is None:
        if previous is None:
            raise NormalizeError("月が書かれていません", "month missing", source)
        month = previous.month  # ~9日 is in the start's month; 30日~2日 is not guessed (an error)
    if year is None:
        if previous is not None:
            # 12月28日~1月5日 runs into the next year; a day-only end never does.
            wraps = month_written and (month, day) < (previous.month, previous.day)
            year = previous.year + (1 if wraps else 0)
        elif context.default_year is not None:
            year = context.default_year
        elif context.fiscal_year is not None:
            year = context.fiscal_year + (1 if month <= 3 else 0)
        else:
            raise NormalizeError(
                "年が書かれていません（default_year が必要）", "year missing; pass default_year", source
            )
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise NormalizeError("存在しない日付です", "no such date", source) from None
    weekday: int | None = None
    given: str | None = None
    if match["wd"]:
        given = match["wd"]
        weekday = WEEKDAYS.index(given)
    elif match["wde"]:
        weekday = _ENGLISH_WEEKDAYS[match["wde"][:3].lower()]
        given = WEEKDAYS[weekday]
    matches = None if weekday is None else date.weekday() == weekday
    return ParsedDate(date, given, matches, inferred)


def _extend(text: str, pos: int, start: ParsedDate, context: _Context, source: str) -> tuple[ParsedDate | None, int]:
    """Read the rest of a range after its start at ``pos``: the end date (or None) and where it stops."""
    end: ParsedDate | None = None
    previous = start.date
    while pos < len(text):
        separator = _RANGE_SEP_RE.match(text, pos) or _LIST_SEP_RE.match(text, pos)
        if separator is None:
            break
        match = _DATE_RE.match(text, separator.end())
        if match is None:
            break
        end = _build(match, _Context(context.default_year, context.fiscal_year, previous), source)
        previous = end.date
        pos = match.end()
    return end, pos


def _check_order(start: ParsedDate, end: ParsedDate | None, source: str) -> None:
    if end is not None and end.date < start.date:
        raise NormalizeError("終了日が開始日より前です", "range ends before it starts", source)


def parse_date_range(s: str, *, default_year: int | None = None, fiscal_year: int | None = None) -> DateRange:
    """Parse a date or a range of dates (see the module docstring for the forms).

    ``令和8年10月7日（水）～9日（金）`` → 2026-10-07 … 2026-10-09; ``2025年9月17日(水)、18日(木)`` →
    2025-09-17 … 2025-09-18; ``令和8年12月10日（木）`` → a single date (``end`` None).  Raises
    :class:`NormalizeError` for anything else, a missing year without ``default_year``/``fiscal_year``,
    an impossible date, or an end before the start.
    """
    text = normalize_text(s).strip()
    context = _Context(default_year, fiscal_year)
    match = _DATE_RE.match(text)
    if match is None or not (match["m"] or match["sm"] or match["nm"]):
        raise NormalizeError("日付として解釈できません", "not a date", s)
    start = _build(match, context, s)
    end, pos = _extend(text, match.end(), start, context, s)
    tail = _TAIL_RE.match(text, pos)
    if tail is None or tail.end() != len(text):
        raise NormalizeError("日付として解釈できません（余分な文字があります）", "not a date: unexpected text", s)
    _check_order(start, end, s)
    return DateRange(start, end)


def parse_date(s: str, *, default_year: int | None = None, fiscal_year: int | None = None) -> ParsedDate:
    """Parse one date with its optional weekday mark.

    ``令和8年10月7日（水）`` → 2026-10-07, weekday 水, matches; ``令和8年10月7日（木）`` → weekday_matches False;
    ``令和元年5月1日``, ``R8.10.7``, ``2026年10月7日``, ``2026/10/7``, ``2026-10-07``; ``10月7日`` needs
    ``default_year`` (or ``fiscal_year``).  A range raises :class:`NormalizeError` (use
    :func:`parse_date_range`), as does anything that is not a date.
    """
    text = normalize_text(s).strip()
    match = _DATE_RE.fullmatch(text)
    if match is None or not (match["m"] or match["sm"] or match["nm"]):
        raise NormalizeError("日付として解釈できません", "not a date", s)
    return _build(match, _Context(default_year, fiscal_year), s)


def find_dates(line: str, *, default_year: int | None = None, fiscal_year: int | None = None) -> list[DateMatch]:
    """Every date and date range in a line of text, in order.

    Dates without a year are found only when ``default_year`` or ``fiscal_year`` is given, and then only
    in the ``10月7日`` form (``1/2`` is too often a fraction).  Impossible dates are skipped, not raised.
    Spans index ``normalize_text(line)`` (the line itself when it is already normalised).
    """
    text = normalize_text(line)
    context = _Context(default_year, fiscal_year)
    found: list[DateMatch] = []
    pos = 0
    while True:
        match = _DATE_RE.search(text, pos)
        if match is None:
            return found
        pos = match.end()
        if match["nm"] or not (match["m"] or match["sm"]):
            continue
        if match.start() > 0 and _NOT_BEFORE_RE.match(text, match.start() - 1):
            continue
        if (
            not (match["era"] or match["y"] or match["sera"] or match["sy"])
            and default_year is None
            and fiscal_year is None
        ):
            continue
        try:
            start = _build(match, context, line)
            end, pos = _extend(text, match.end(), start, context, line)
            _check_order(start, end, line)
        except NormalizeError:
            continue
        found.append(DateMatch(DateRange(start, end), (match.start(), pos), text[match.start() : pos]))
