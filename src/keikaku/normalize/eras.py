"""Japanese eras (元号) and fiscal years (年度).

令和N年 is 2018+N (令和元年 = 2019), 平成N年 is 1988+N, 昭和N年 is 1925+N; the letters R, H, S (and T, M
for 大正, 明治) abbreviate them, as in ``R8年度``.  A fiscal year is named by the calendar year it starts
in: 令和8年度 = FY2026 = 2026-04-01 … 2027-03-31.

Era years beyond an era's end are accepted up to a limit, because plans written before an era
changed keep counting in it (平成32年度 = FY2020 appears in plans from 2018); 平成 up to 40 and 令和 up
to 99 are read, anything larger is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.domain.fiscal import start_year_from_count
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.numbers import numeral_value
from keikaku.normalize.text import normalize_text

#: Era name → (offset, last year number accepted).  Gregorian year = offset + era year.
ERAS: dict[str, tuple[int, int]] = {
    "令和": (2018, 99),
    "平成": (1988, 40),
    "昭和": (1925, 64),
    "大正": (1911, 15),
    "明治": (1867, 45),
}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}
#: An era name or its letter (the letter only before a year number, and not inside a word).
ERA_PATTERN = r"令和|平成|昭和|大正|明治|(?<![A-Za-z])[RHSTMrhstm](?=\.? ?[0-9元])"
#: An era year: 元, 1–2 Arabic digits, or Japanese numerals (令和八年, 平成三十一年).
ERA_YEAR_PATTERN = r"元|[0-9]{1,2}|[〇一二三四五六七八九十]{1,4}"
MIN_YEAR = 1868
MAX_YEAR = 2200

_ERA_YEAR_RE = re.compile(f"(?P<era>{ERA_PATTERN})\\.?(?P<year>{ERA_YEAR_PATTERN})(?P<suffix>年度|年)?")
_GREGORIAN_RE = re.compile(r"(?:FY|fy|Fy)?(?P<year>[0-9]{4})(?P<suffix>年度|年)?|(?:FY|fy|Fy)(?P<short>[0-9]{2})")
_YEAR_COUNT_RE = re.compile(r"(?:第)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})年目")
_START_YEAR_SEARCH_RE = re.compile(
    f"(?:{ERA_PATTERN})\\.?(?:{ERA_YEAR_PATTERN})(?:年度|年)?|(?:FY)?[0-9]{{4}}(?:年度|年)?", re.IGNORECASE
)


def era_name(era: str) -> str:
    """The full name of an era given by name or letter: ``R``/``r``/``Ｒ`` → ``令和``; raises if unknown."""
    name = normalize_text(era).strip()
    name = _ERA_LETTERS.get(name.upper(), name)
    if name not in ERAS:
        raise NormalizeError("元号として解釈できません", "unknown era", era)
    return name


def era_to_gregorian(era: str, year: int) -> int:
    """The Gregorian year of an era year: ``era_to_gregorian("令和", 8) == 2026``.

    ``era`` is 令和/平成/昭和/大正/明治 or R/H/S/T/M (any width or case).  ``year`` 1 is 元年.
    Raises :class:`NormalizeError` for an unknown era or a year outside the accepted range.
    """
    name = era_name(era)
    offset, last = ERAS[name]
    if not 1 <= year <= last:
        raise NormalizeError(f"{name}の年として範囲外です", f"year out of range for {name}", year)
    return offset + year


def era_year_value(text: str) -> int:
    """An era year as written: ``元`` → 1, ``8`` → 8, ``三十一`` → 31."""
    if text == "元":
        return 1
    return int(numeral_value(text))


def gregorian_to_era(year: int) -> tuple[str, int]:
    """The era and era year of a Gregorian year, by the era in use at the end of that year.

    ``gregorian_to_era(2019) == ("令和", 1)`` (so FY2019 is 令和元年度, as the government names it).
    """
    for name, (offset, _last) in ERAS.items():
        if year > offset:
            return name, year - offset
    raise NormalizeError("元号に変換できない年です", "year before the supported eras", year)


def format_fiscal_year(fiscal_year: int, *, with_gregorian: bool = False) -> str:
    """A fiscal year as plans write it: ``令和8年度``; ``令和元年度`` for 2019.

    With ``with_gregorian=True``: ``令和8年度（2026年度）``.
    """
    era, number = gregorian_to_era(fiscal_year)
    label = f"{era}{'元' if number == 1 else number}年度"
    return f"{label}（{fiscal_year}年度）" if with_gregorian else label


def _year_expression(text: str) -> int | None:
    """One year expression with no surrounding text, or None."""
    match = _ERA_YEAR_RE.fullmatch(text)
    if match is not None:
        return era_to_gregorian(match["era"], era_year_value(match["year"]))
    match = _GREGORIAN_RE.fullmatch(text)
    if match is not None:
        year = int(match["year"]) if match["year"] else 2000 + int(match["short"])
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise NormalizeError("年が範囲外です", "year out of range", text)
        return year
    return None


def _parse_year_text(s: str, what_ja: str, what_en: str) -> int:
    text = normalize_text(s).replace(" ", "").strip()
    alternative = None
    if text.endswith(")") and "(" in text:
        text, _, rest = text.partition("(")
        alternative = rest[:-1]
    try:
        year = _year_expression(text)
        other = _year_expression(alternative) if alternative is not None else year
    except NormalizeError as error:
        raise NormalizeError(f"{what_ja}として解釈できません（{error.message_ja}）", what_en, s) from None
    if year is None or other is None:
        raise NormalizeError(f"{what_ja}として解釈できません", what_en, s)
    if year != other:
        raise NormalizeError(f"{what_ja}の和暦と西暦が一致しません", f"{what_en}: era and Gregorian years differ", s)
    return year


def parse_fiscal_year(s: str) -> int:
    """The fiscal year (as its Gregorian start year) of ``令和8年度``, ``R8年度``, ``R8``, ``令和元年度``,
    ``令和八年度``, ``平成25年度``, ``2026年度``, ``FY2026``, ``FY26`` or ``2026``.

    Both forms together are checked against each other: ``令和8年度（2026年度）`` → 2026, while
    ``令和8年度（2025年度）`` raises.  Spaces are ignored (``令和 8 年度``), and ``年`` for ``年度`` is accepted
    (``令和8年``: the number is the same).  Anything else raises :class:`NormalizeError`.
    """
    return _parse_year_text(s, "年度", "not a fiscal year")


def parse_year(s: str) -> int:
    """The Gregorian year of ``令和元年``, ``R1``, ``平成31年``, ``2019年`` or ``2019``; same forms as
    :func:`parse_fiscal_year`, for calendar years.
    """
    return _parse_year_text(s, "年", "not a year")


@dataclass(frozen=True, slots=True)
class StartYear:
    """A project's start fiscal year as a plan states it (``事業開始年度：令和4年度（4年目）``).

    ``year_count`` is the stated N of N年目 (1 for 新規), or None.  ``consistent`` says whether start year
    and count agree for the plan's fiscal year (FY2025: 令和4年度 is the 4th year), or None when one of
    them is missing.  Callers turn ``consistent is False`` into a ``year_count_mismatch`` warning.
    """

    start_fiscal_year: int
    year_count: int | None
    consistent: bool | None
    plan_fiscal_year: int | None = None

    @property
    def expected_year_count(self) -> int | None:
        """The count the start year implies for the plan's fiscal year (None without a plan year)."""
        if self.plan_fiscal_year is None:
            return None
        return self.plan_fiscal_year - self.start_fiscal_year + 1


def parse_start_year(s: str, *, plan_fiscal_year: int | None) -> StartYear:
    """Read a start fiscal year with its optional year count.

    ``令和4年度（4年目）`` in a FY2025 plan → start 2022, count 4, consistent; ``令和4年度（3年目）`` →
    consistent False; ``令和4年度`` or ``令和4年度~`` → count None, consistent None.  ``新規`` or
    ``令和7年度（新規）`` counts as the first year.  With only a count (``4年目``) the start year is derived
    from ``plan_fiscal_year``.  Raises :class:`NormalizeError` when no year can be found or derived.
    """
    text = normalize_text(s).replace(" ", "")
    count_match = _YEAR_COUNT_RE.search(text)
    year_count: int | None = int(numeral_value(count_match.group(1))) if count_match else None
    if year_count is None and "新規" in text:
        year_count = 1
    if year_count is not None and year_count < 1:
        raise NormalizeError("年目は1以上でなければなりません", "year count must be at least 1", s)
    year_match = _START_YEAR_SEARCH_RE.search(text[: count_match.start()] if count_match else text)
    if year_match is None and count_match is not None:
        year_match = _START_YEAR_SEARCH_RE.search(text[count_match.end() :])
    if year_match is not None:
        start = parse_fiscal_year(year_match.group())
    elif year_count is not None and plan_fiscal_year is not None:
        # Only a count: the start year is derived from it, so there is nothing to check.
        start = start_year_from_count(plan_fiscal_year, year_count)
        return StartYear(start, year_count, None, plan_fiscal_year)
    else:
        raise NormalizeError("事業開始年度として解釈できません", "not a start fiscal year", s)
    consistent: bool | None = None
    if year_count is not None and plan_fiscal_year is not None:
        consistent = start_year_from_count(plan_fiscal_year, year_count) == start
    return StartYear(start, year_count, consistent, plan_fiscal_year)
