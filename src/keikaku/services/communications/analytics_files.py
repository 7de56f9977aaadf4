"""Reading web-analytics exports: GA4's CSV (its ``#`` metadata lines, Japanese or English labels, the
total row) and Matomo's CSV (UTF-16 or UTF-8; page views are ``nb_hits``, not ``nb_visits``).

The reader decides nothing about the database: it returns the period and the rows, or raises
:class:`ValidationError` listing every problem at once, each naming the file, the row and the column.

* The period comes from ``# Start date`` / ``# End date`` (``# 開始日`` / ``# 終了日``), or from the user
  when the file has none (Matomo never carries one), or from the rows' own dates.
* A file whose rows carry no date stands for its whole period; it is refused when that period spans two
  calendar months, since its figures could not be put in a month (nor, in March/April, in a fiscal year).
* A comparison export (two periods) is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import NamedTuple

from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import ValidationError

#: Column aliases, compared after NFKC and lower-casing, spaces removed.
PAGE: tuple[str, ...] = (
    "pagepathandscreenclass",
    "ページパスとスクリーンクラス",
    "pagepath",
    "ページパス",
    "landingpage",
)
PAGE += ("ランディングページ", "pagetitleandscreenclass", "ページタイトルとスクリーンクラス", "label", "url")
DATE = ("date", "日付", "day")
MONTH = ("month", "年月", "yearmonth", "月")
VIEWS = ("views", "表示回数", "screenpageviews", "pageviews", "ページビュー数", "nb_hits", "nb_pageviews")
SESSIONS = ("sessions", "セッション", "セッション数")
USERS: tuple[str, ...] = (
    "activeusers",
    "アクティブユーザー",
    "アクティブユーザー数",
    "users",
    "ユーザー",
    "totalusers",
)
USERS += ("総ユーザー数", "nb_uniq_visitors")
#: Matomo's visits: sessions in a visits summary; in a page report, visits that included the page.
MATOMO_VISITS = "nb_visits"
#: Labels of a total row (GA4 puts one under the header, older exports at the end).
TOTALS = ("total", "grandtotal", "合計", "総計", "totals")

_META = re.compile(r"^#\s*(start date|end date|開始日|終了日)\s*[:：]\s*(\d{8})\s*$", re.IGNORECASE)


class MetricRow(NamedTuple):
    """One page's figures, on ``day`` (its date, or the first day of the file's period)."""

    page_path: str
    day: dt.date
    views: int
    sessions: int | None
    users: int | None


@dataclass(frozen=True)
class AnalyticsFile:
    """What a file holds: its source, period, whether its rows are dated, and the rows (total dropped)."""

    source: str
    period_start: dt.date
    period_end: dt.date
    dated_rows: bool
    rows: tuple[MetricRow, ...]
    dropped_totals: int


def decode(content: bytes, filename: str) -> str:
    """The text of an export in any encoding Japanese staff meet: UTF-8 (BOM or not), UTF-16 with BOM
    (Matomo's default CSV), Shift_JIS / CP932, EUC-JP, ISO-2022-JP."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    for encoding in ("utf-8-sig", "cp932", "euc_jp", "iso2022_jp"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        f"{filename}: 文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）", code="bad_encoding"
    )


_WHITESPACE = re.compile(r"\s+")
_YEAR_MONTH = re.compile(r"\d{4}-\d{1,2}")


def _key(label: str) -> str:
    if label.isascii():  # normalize_text changes no printable ASCII (a date, a path): skipped, row after row
        return _WHITESPACE.sub("", label.lower())
    return _WHITESPACE.sub("", normalize_text(label).lower())


def _number(raw: str) -> int | None:
    if raw.isdigit() and raw.isascii():  # the common cell: plain digits, nothing to normalise
        return int(raw)
    text = normalize_text(raw).replace(",", "").replace(" ", "").strip()
    if not text:
        return None
    value = float(text)  # ValueError for the caller
    if value < 0 or value != int(value):
        raise ValueError(raw)
    return int(value)


def _day(raw: str) -> dt.date:
    if len(raw) == 8 and raw.isdigit() and raw.isascii():  # GA4's 20260507
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    text = normalize_text(raw).strip().replace("/", "-")
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return dt.date.fromisoformat(text)


def _month(raw: str) -> dt.date:
    text = normalize_text(raw).strip().replace("/", "-").replace("年", "-").rstrip("月")
    if re.fullmatch(r"\d{6}", text):
        return dt.date(int(text[:4]), int(text[4:]), 1)
    year, month = text.split("-")[:2]
    return dt.date(int(year), int(month), 1)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month given as ``2026-05`` or ``202605`` (the user's period)."""
    try:
        first = _month(month)
    except (ValueError, IndexError) as exc:
        raise ValidationError(f"期間「{month}」は 2026-05 の形で入力してください", code="bad_period") from exc
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _find(header: list[str], aliases: tuple[str, ...]) -> int | None:
    keys = [_key(h) for h in header]
    return next((i for i, k in enumerate(keys) if k in aliases), None)


def _same_month(a: dt.date, b: dt.date) -> bool:
    return (a.year, a.month) == (b.year, b.month)


def read_analytics_file(content: bytes, filename: str, *, period: str | None = None) -> AnalyticsFile:
    """Read a GA4 or Matomo CSV export (see the module); ``period`` (``2026-05``) for a file without one."""
    text = decode(content, filename)
    lines = text.splitlines()
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    body: list[str] = []
    for line in lines:
        if line.startswith("#"):
            found = _META.match(normalize_text(line))
            if found:
                when = _day(found.group(2))
                (starts if found.group(1).lower() in ("start date", "開始日") else ends).append(when)
            body.append("")  # kept blank, so that the reader's line numbers are the file's
            continue
        body.append(line)
    if len(starts) > 1 or len(ends) > 1:
        raise ValidationError(
            f"{filename}: 比較期間を含むエクスポートは取り込めません。期間を1つにして出力し直してください",
            code="comparison_export",
        )
    parsed = csv.reader(io.StringIO("\n".join(body)))
    table = [(parsed.line_num, r) for r in parsed if "".join(r).strip()]  # blank rows skipped
    if not table:
        raise ValidationError(f"{filename}: 表が見つかりません（GA4 または Matomo の CSV ですか）", code="no_table")
    (header_line, header), data = table[0], table[1:]
    source = "matomo" if any(_key(h) in ("nb_hits", MATOMO_VISITS, "label") for h in header) else "ga4"
    page_col, date_col, month_col = _find(header, PAGE), _find(header, DATE), _find(header, MONTH)
    views_col, sessions_col, users_col = _find(header, VIEWS), _find(header, SESSIONS), _find(header, USERS)
    if source == "matomo" and sessions_col is None and page_col is None:
        sessions_col = _find(header, (MATOMO_VISITS,))
    if views_col is None and sessions_col is None:
        raise ValidationError(
            f"{filename} {header_line}行目: 表示回数（Views / nb_hits）またはセッション（Sessions）の列がありません。"
            f"見出し: {', '.join(header)[:200]}",
            code="no_metric_column",
        )
    start: dt.date | None
    end: dt.date | None
    if starts and ends:
        start, end = starts[0], ends[0]
    elif period:
        start, end = month_bounds(period)
    else:
        start = end = None
    errors: list[str] = []
    monthly = month_col is not None and date_col is None
    rows: list[MetricRow] = []
    totals = 0
    metrics = [(i, col) for i, col in enumerate((views_col, sessions_col, users_col)) if col is not None]
    width = len(header)
    for number, raw_cells in data:
        cells = raw_cells if len(raw_cells) >= width else raw_cells + [""] * (width - len(raw_cells))
        page = cells[page_col].strip() if page_col is not None else ""
        first = _key(cells[0]) if cells else ""
        if first in TOTALS or (page_col is not None and not page and date_col is None and month_col is None):
            totals += 1
            continue
        values: list[int | None] = [None, None, None]  # views, sessions, users
        for index, at in metrics:
            try:
                values[index] = _number(cells[at])
            except ValueError:
                errors.append(f"{filename} {number}行目「{header[at]}」: 数値ではありません（{cells[at][:40]}）")
        day: dt.date | None = None
        try:
            if date_col is not None and _YEAR_MONTH.fullmatch(cells[date_col].strip()):
                day, monthly = _month(cells[date_col]), True  # Matomo's period=month rows
            elif date_col is not None:
                day = _day(cells[date_col])
            elif month_col is not None:
                day = _month(cells[month_col])
        except (ValueError, IndexError):
            col = date_col if date_col is not None else month_col
            assert col is not None
            errors.append(f"{filename} {number}行目「{header[col]}」: 日付ではありません（{cells[col][:40]}）")
        if (
            day is not None
            and start is not None
            and end is not None
            and not (start <= day <= end or (date_col is None and _same_month(day, start)))
        ):
            errors.append(f"{filename} {number}行目: 日付 {day.isoformat()} が期間 {start}〜{end} の外です")
        if len(page) > 1000:
            errors.append(f"{filename} {number}行目「{header[page_col or 0]}」: ページパスが長すぎます")
        rows.append(MetricRow(page or "(all)", day or start or dt.date.min, values[0] or 0, values[1], values[2]))
    dated = date_col is not None or month_col is not None
    if start is None or end is None:
        if not dated:
            raise ValidationError(
                f"{filename}: 期間が分かりません。ファイルに期間（# Start date / # End date）も日付の列もないため、"
                "対象の月（例: 2026-05）を指定してください",
                code="period_required",
            )
        days = [r.day for r in rows if r.day != dt.date.min]
        if not days:
            errors.append(f"{filename}: データ行がありません")
        else:
            start, end = min(days), max(days)
            if monthly:
                end = month_bounds(end.isoformat()[:7])[1]
    if not dated and start is not None and end is not None and not _same_month(start, end):
        raise ValidationError(
            f"{filename}: 期間 {start}〜{end} が2か月にまたがりますが、日付の列がありません。"
            "月ごとに出力するか、日付（Date）をディメンションに加えて出力してください",
            code="spans_months",
        )
    if not rows and not errors:
        errors.append(f"{filename}: データ行がありません（合計行のみ）")
    if errors:
        shown = errors[:50] + ([f"…ほか {len(errors) - 50} 件"] if len(errors) > 50 else [])
        raise ValidationError(
            f"{filename}: {len(errors)} 件の誤りがあるため、何も取り込みませんでした。\n" + "\n".join(shown),
            code="invalid_rows",
            details={"errors": shown},
        )
    assert start is not None and end is not None
    return AnalyticsFile(source, start, end, dated, tuple(rows), totals)
