"""Budget amounts: ``100,674千円``, ``約150兆円``, ``（2,200）``, and the amounts in flattened table rows.

Decisions:

* Amounts are kept in yen and in thousand yen (the unit of every budget table, 予算額（千円）).  An amount
  that is not a whole number of thousand yen is an error for :func:`parse_amount` (budgets are never
  written that way; ``1,500円`` in a budget is a mistake worth reporting) and is skipped by
  :func:`find_amounts`.
* Units: 円, 千円, 万円, 百万円, 千万円, 億円, 兆円 and any such combination (``1億2,000万円``), and ``¥``.  A
  figure without 円 is in ``default_unit`` (千円, the budget tables' unit) for :func:`parse_amount`.
* Re-listing (再掲): a bare figure in brackets, ``（2,200）`` or ``(2,200)``, is the documents'
  convention for an item counted elsewhere, and so is a 再掲 mark; both set ``relisted``.  A figure
  *with its unit* in brackets after a name, ``事業名（10,043千円）``, is how headings state a budget, so
  it only sets ``parenthesized``; the caller, knowing the layout, decides.
* ``approximate``: 約, およそ, 概ね, 程度, 前後, 余, 強, 弱, 超.  ``▲``/``△`` make an amount negative.
* Size: an amount beyond :data:`MAX_AMOUNT_YEN` (1,000兆円, ten times a national budget) is no budget but a
  typing or extraction error.  :func:`parse_amount` refuses it, :func:`find_amounts` skips it, and
  :func:`oversized_amounts` lists such figures so that ingest can warn about the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.numbers import (
    ARABIC_PATTERN,
    LOOSE_NUMBER_PATTERN,
    NEGATIVE_SIGNS,
    NUMBER_PATTERN,
    numeral_value,
    unit_scale,
)
from keikaku.normalize.text import normalize_text

_APPROX_PREFIX = "約|およそ|概ね|おおむね|凡そ"
#: A multiplier PDF extraction may separate from its figure: ``10,043 千円``.
_MULTIPLIER = "百万|千万|[千万億兆]"
_APPROX_SUFFIX = "程度|前後|余り|余|強|弱|超"
_PARSE_RE = re.compile(
    f"(?P<pre>{_APPROX_PREFIX})? ?(?P<sign>[{NEGATIVE_SIGNS}])? ?(?P<yen>¥)? ?(?P<num>{LOOSE_NUMBER_PATTERN})"
    f"(?: (?P<mult>{_MULTIPLIER}))? ?(?P<unit>円)? ?(?P<post>{_APPROX_SUFFIX})?"
)
_FIND_RE = re.compile(
    f"(?P<pre>(?:{_APPROX_PREFIX}) ?)?(?P<sign>[▲△▼] ?)?"
    f"(?:(?P<yen>¥) ?(?P<ynum>{ARABIC_PATTERN})|(?<![0-9.,A-Za-z])(?P<num>{NUMBER_PATTERN})(?: (?P<mult>{_MULTIPLIER}))? ?円)"
    f"(?P<post> ?(?:{_APPROX_SUFFIX}))?"
)
_BARE_RE = re.compile(
    f"(?:(?<=[\\t ])|^)(?P<open>\\( ?)?(?P<sign>[{NEGATIVE_SIGNS}] ?)?(?P<num>{ARABIC_PATTERN})(?P<close> ?\\))?(?=[\\t ]|$)"
)
_RELIST_RE = re.compile(r"[(【\[]? ?再掲 ?[)】\]]?:?")
_TRAILING_RELIST_RE = re.compile(r" ?[(【\[]? ?再掲 ?[)】\]]?")
_PAGE_RE = re.compile(r"(?<![0-9,.])([0-9]{1,4}) ?(?:頁|ページ)|(?<![A-Za-z])[pP]\. ?([0-9]{1,4})(?![0-9])")
_BARE_PAGE_RE = re.compile(r"(?:(?<=[ \t])|^)([0-9]{1,3})(?=[ \t]*(?:$|\t|[\u2460-\u2473\u3251-\u325f]))")
_LABEL_STRIP = " \t(【[・:※-"
_YEN_UNITS = ("円", "千円", "万円", "百万円", "千万円", "億円", "兆円")
#: The largest amount read, in yen: 1,000兆円 (the same bound as an edited budget's 10^12 千円).
MAX_AMOUNT_YEN = 10**15


@dataclass(frozen=True, slots=True)
class Amount:
    """A yen amount: ``100,674千円`` is ``value_thousand_yen=100674``, ``value_yen=100674000``.

    ``relisted`` marks a re-listing (再掲; a bare bracketed figure or a 再掲 mark), ``parenthesized`` any
    bracketed figure, ``approximate`` 約 and the like.  ``raw`` is the input as given.
    """

    value_thousand_yen: int
    value_yen: int
    approximate: bool = False
    relisted: bool = False
    raw: str = ""
    parenthesized: bool = False


@dataclass(frozen=True, slots=True)
class AmountMatch:
    """An amount found in a line by :func:`find_amounts`.

    ``span`` indexes the normalised line.  ``page_ref`` is the page number the row gives for the item
    (``10,043千円 ・ 説明 5頁`` or a lone trailing ``5``), or None.  ``label`` is the text before the
    amount in its cell (``① 関西スタートアップ・エコシステムの推進``, ``うち国庫補助金``), trimmed;
    ``of_which`` is True when that label marks a part of a preceding total (``うち``).
    """

    amount: Amount
    span: tuple[int, int]
    page_ref: int | None = None
    label: str = ""
    of_which: bool = False


def _too_large(value: Decimal) -> bool:
    return abs(value) > MAX_AMOUNT_YEN


def _yen(number: Decimal, unit_yen: Decimal, source: str) -> tuple[int, int]:
    value = number * unit_yen
    if _too_large(value):
        raise NormalizeError("金額が大きすぎます（上限 1,000兆円）", "amount out of range", source)
    if value != value.to_integral_value():
        raise NormalizeError("円未満の端数がある金額です", "amount has a fraction of a yen", source)
    if value % 1000:
        raise NormalizeError("千円単位で表せない金額です", "amount is not a whole number of thousand yen", source)
    return int(value) // 1000, int(value)


def parse_amount(s: str, *, default_unit: str = "千円") -> Amount:
    """Parse one amount: ``100,674千円`` → 100674 thousand yen; ``約150兆円`` → 150000000000 thousand yen,
    approximate; ``（2,200）`` → 2200, relisted; ``2,200（再掲）`` → relisted; ``1.2億円``; ``▲1,200``.

    A figure without 円 is in ``default_unit`` (one of 円, 千円, 万円, 百万円, 千万円, 億円, 兆円).  Raises
    :class:`NormalizeError` for anything that is not an amount, for a figure without 円 that carries a
    multiplier (``3万``: ambiguous), and for amounts that are not whole thousand yen.
    """
    if default_unit not in _YEN_UNITS:
        raise NormalizeError("金額の単位として使えません", "not a yen unit", default_unit)
    text = normalize_text(s).strip()
    relisted = False
    if "再掲" in text:
        text, relisted = _RELIST_RE.sub("", text).strip(), True
    parenthesized = False
    while len(text) > 2 and text[0] in "(【[" and text[-1] in ")】]":
        text, parenthesized = text[1:-1].strip(), True
    match = _PARSE_RE.fullmatch(text)
    if match is None:
        raise NormalizeError("金額として解釈できません", "not an amount", s)
    numeral = match["num"] + (match["mult"] or "")
    try:
        number = numeral_value(numeral)
    except NormalizeError:
        raise NormalizeError("金額として解釈できません", "not an amount", s) from None
    has_yen = bool(match["unit"] or match["yen"])
    if not has_yen and not numeral.replace(",", "").replace(".", "").isdigit():
        raise NormalizeError("単位のない金額に万・億などが付いています", "multiplier without 円 is ambiguous", s)
    unit_yen = Decimal(1) if has_yen else unit_scale(default_unit)[0]
    if match["sign"] and match["sign"] != "+":
        number = -number
    thousand, yen = _yen(number, unit_yen, s)
    return Amount(
        value_thousand_yen=thousand,
        value_yen=yen,
        approximate=bool(match["pre"] or match["post"]),
        relisted=relisted or (parenthesized and not has_yen),
        raw=s,
        parenthesized=parenthesized,
    )


def _page_ref(segment: str, *, allow_bare: bool) -> tuple[int | None, int]:
    """The page number in the text after an amount, and where it ends in ``segment`` (0 if none)."""
    match = _PAGE_RE.search(segment)
    if match is not None:
        return int(match.group(1) or match.group(2)), match.end()
    match = _BARE_PAGE_RE.search(segment) if allow_bare else None
    if match is not None:
        return int(match.group(1)), match.end()
    return None, 0


def _candidates(text: str, bare_unit: str | None) -> list[tuple[int, int, Decimal, bool, bool, bool]]:
    """(start, end, value in yen, approximate, bare-bracketed, parenthesized) for every amount-like match."""
    found = []
    for match in _FIND_RE.finditer(text):
        numeral = match["ynum"] or match["num"] + (match["mult"] or "")
        try:
            value = numeral_value(numeral)
        except NormalizeError:
            continue
        if match["sign"]:
            value = -value
        found.append((match.start(), match.end(), value, bool(match["pre"] or match["post"]), False, False))
    if bare_unit is not None:
        scale = unit_scale(bare_unit)[0]
        taken = [(start, end) for start, end, *_ in found]
        for match in _BARE_RE.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = numeral_value(match["num"]) * scale
            if match["sign"] and match["sign"].strip() != "+":
                value = -value
            bracketed = bool(match["open"] and match["close"])
            found.append((match.start(), match.end(), value, False, bracketed, bracketed))
        found.sort()
    return found


def find_amounts(line: str, *, bare_unit: str | None = None) -> list[AmountMatch]:
    """Every yen amount in a line, in order, with the page number and label around it.

    Made for flattened table rows that hold several items:
    ``① 事業A 10,043千円 ・ 説明 5頁\\t③ 事業B 1,788千円 ・ 説明 7頁`` gives two matches with page refs 5
    and 7 and labels ``① 事業A`` and ``③ 事業B``.  Amounts need 円 (or ``¥``); with ``bare_unit`` (e.g.
    ``"千円"`` for a column headed 予算額（千円）) whole cells holding only a figure count too, a
    bracketed one ``（2,200）`` as relisted, and page numbers are then read only with 頁/ページ/p.
    Amounts that are not whole thousand yen are skipped.  Spans index ``normalize_text(line)``.
    """
    text = normalize_text(line)
    if bare_unit is not None and bare_unit not in _YEN_UNITS:
        raise NormalizeError("金額の単位として使えません", "not a yen unit", bare_unit)
    candidates = _candidates(text, bare_unit)
    results: list[AmountMatch] = []
    label_start = 0
    depth_pos, depth = 0, 0
    for index, (start, end, value, approximate, bracketed, parenthesized) in enumerate(candidates):
        next_start = candidates[index + 1][0] if index + 1 < len(candidates) else len(text)
        if _too_large(value) or value != value.to_integral_value() or value % 1000:
            continue
        depth += text.count("(", depth_pos, start) - text.count(")", depth_pos, start)
        depth_pos = start
        trailing = _TRAILING_RELIST_RE.match(text, end)
        relisted_after = trailing is not None and "再掲" in trailing.group()
        after = trailing.end() if relisted_after and trailing is not None else end
        # The label is the cell's text before the amount: after the previous item (and its page ref).
        cells = [c.strip(_LABEL_STRIP) for c in text[label_start:start].split("\t")]
        label = next((c for c in reversed(cells) if c), "") if bare_unit else cells[-1]
        page, page_end = _page_ref(text[after:next_start], allow_bare=bare_unit is None)
        amount = Amount(
            value_thousand_yen=int(value) // 1000,
            value_yen=int(value),
            approximate=approximate,
            relisted=bracketed or relisted_after or "再掲" in label,
            raw=text[start:end],
            parenthesized=parenthesized or depth > 0,
        )
        clean_label = _RELIST_RE.sub("", label).strip(_LABEL_STRIP)
        results.append(AmountMatch(amount, (start, end), page, clean_label, label.startswith("うち")))
        label_start = after + page_end
    return results


def oversized_amounts(line: str, *, bare_unit: str | None = None) -> list[str]:
    """The amounts in a line (as written, normalised) that :func:`find_amounts` skips as too large."""
    text = normalize_text(line)
    if bare_unit is None and "円" not in text and "¥" not in text:
        return []
    return [text[start:end] for start, end, value, *_ in _candidates(text, bare_unit) if _too_large(value)]
