"""The limits of :mod:`keikaku.domain.limits` applied to what a plan document states.

A value outside them is never changed silently: it is left out, with an ``out_of_range`` warning that
names the line and the field (``--strict`` refuses a document with any, see :mod:`keikaku.ingest.pipeline`).
"""

from __future__ import annotations

import math
import re

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.domain.limits import MAX_BUDGET_THOUSAND_YEN, MAX_NAME, fiscal_year_allowed, has_control_characters
from keikaku.ingest.context import Line, ParseContext

OUT_OF_RANGE = "out_of_range"
_PLAIN = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+$|^[-+]?\d+$")


def _where(line: Line | None) -> str:
    return f"{line.number}行目" if line is not None else "位置不明"


def out_of_range(ctx: ParseContext, line: Line | None, field: str, value: str, reason: str) -> None:
    """Record that ``field`` on ``line`` holds ``value`` outside the limits, and why."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    ctx.warn(
        OUT_OF_RANGE,
        f"{_where(line)}の{field}「{shown}」は{reason}ため登録しません",
        line,
        {"field": field, "value": shown, "reason": reason},
    )


def checked_amount(ctx: ParseContext, text: str, line: Line | None, field: str) -> int | None:
    """An amount in 千円 as written (``12,345``), or None with a warning when it is negative, not a plain
    number (``1e309``) or beyond :data:`MAX_BUDGET_THOUSAND_YEN`."""
    raw = text.strip()
    if not _PLAIN.match(raw):
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            number = math.nan
        reason = "有限の数ではない" if not math.isfinite(number) else "千円単位の整数として書かれていない"
        out_of_range(ctx, line, field, raw, reason)
        return None
    value = int(raw.replace(",", ""))
    if value < 0:
        out_of_range(ctx, line, field, raw, "負の金額である")
        return None
    if value > MAX_BUDGET_THOUSAND_YEN:
        out_of_range(ctx, line, field, raw, f"上限 {MAX_BUDGET_THOUSAND_YEN:,}千円 を超える")
        return None
    return value


def checked_name(ctx: ParseContext, name: str | None, line: Line | None, field: str) -> str | None:
    """A name, or None with a warning when it holds control characters or is longer than :data:`MAX_NAME`."""
    if name is None:
        return None
    if has_control_characters(name):
        out_of_range(ctx, line, field, name.encode("unicode_escape").decode("ascii"), "制御文字を含む")
        return None
    if len(name) > MAX_NAME:
        out_of_range(ctx, line, field, name, f"{MAX_NAME} 文字を超える（{len(name)} 文字）")
        return None
    return name


def checked_year(ctx: ParseContext, year: int | None, line: Line | None, field: str, written: str) -> int | None:
    """A fiscal year, or None with a warning when it is outside MIN_FISCAL_YEAR … MAX_FISCAL_YEAR."""
    if year is None or fiscal_year_allowed(year):
        return year
    out_of_range(ctx, line, field, written, f"{MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR}年度の範囲外（{year}年度）である")
    return None
