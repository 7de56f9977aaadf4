"""Numbers as Japanese documents and forms write them: ``1,200``, ``１２３``, ``▲4.9``, ``七十``, ``1.2億``.

Values are :class:`~decimal.Decimal`, so ``0.1`` stays exact and amounts never pick up float error.

Signs: ``▲``, ``△`` and ``▼`` mean negative (Japanese accounting), as do ``-`` and the minus sign.
Grouping: commas must group by three (``1,200``; ``1,20`` is an error).
Japanese numerals: digits ``〇一二三四五六七八九`` (and ``零壱弐参``), positional (``二〇二六`` = 2026) or
with ``十百千`` and ``万億兆`` (``千二百`` = 1200, ``一万五千`` = 15000); Arabic digits may carry them
too (``3万`` = 30000, ``1.2億`` = 120000000, ``1億2,000万`` = 120000000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.text import normalize_text

#: An Arabic number after :func:`normalize_text`: comma-grouped by three, or plain, with decimals.
ARABIC_PATTERN = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_KANJI_DIGIT_CHARS = "〇零一二三四五六七八九壱弐参"
_SMALL_UNIT_CHARS = "十拾百千阡仟"
_BIG_UNIT_CHARS = "万萬億兆京"
#: A number in Arabic and/or Japanese numerals, starting with a digit (so ``万博`` or ``千葉`` never match).
#: It never starts inside another numeral (``百二十`` is not read as 二十), and it is atomic (``(?>…)``):
#: a run of digits is read once, never re-split, so no input makes matching slow.
NUMBER_PATTERN = (
    f"(?<![0-9{_KANJI_DIGIT_CHARS}{_SMALL_UNIT_CHARS}{_BIG_UNIT_CHARS}])"
    f"(?>(?:{ARABIC_PATTERN}|[{_KANJI_DIGIT_CHARS}十拾])"
    f"(?:{ARABIC_PATTERN}|[{_KANJI_DIGIT_CHARS}{_SMALL_UNIT_CHARS}{_BIG_UNIT_CHARS}])*)"
)
#: Any numeral, including ones that start with a multiplier (``千二百``, ``百万``); for whole-string matches.
LOOSE_NUMBER_PATTERN = (
    f"(?>(?:{ARABIC_PATTERN}|[{_KANJI_DIGIT_CHARS}{_SMALL_UNIT_CHARS}])"
    f"(?:{ARABIC_PATTERN}|[{_KANJI_DIGIT_CHARS}{_SMALL_UNIT_CHARS}{_BIG_UNIT_CHARS}])*)"
)
#: Marks of a negative number.
NEGATIVE_SIGNS = "▲△▼-"

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "壱": 1, "弐": 2, "参": 3}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000, "阡": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "億": 10**8, "兆": 10**12, "京": 10**16}
_TOKEN_RE = re.compile(f"({ARABIC_PATTERN})|([{_KANJI_DIGIT_CHARS}])|([{_SMALL_UNIT_CHARS}])|([{_BIG_UNIT_CHARS}])")
_NUMBER_RE = re.compile(f"([+{NEGATIVE_SIGNS}])? ?({LOOSE_NUMBER_PATTERN})")
_APPROX_PREFIX = "約|およそ|凡そ|概ね|おおむね|ほぼ|大体"
_APPROX_SUFFIX = "程度|前後|ほど|くらい|ぐらい|余り|余|強|弱"
_QUANTITY_RE = re.compile(
    f"(?P<pre>{_APPROX_PREFIX})? ?(?P<sign>[+{NEGATIVE_SIGNS}])? ?(?P<num>{LOOSE_NUMBER_PATTERN}) ?"
    f"(?P<unit>.*?) ?(?P<post>{_APPROX_SUFFIX})?"
)
_SCALED_RE = re.compile(f"({ARABIC_PATTERN})([{_SMALL_UNIT_CHARS}{_BIG_UNIT_CHARS}]+)")
_UNIT_PREFIX_RE = re.compile(f"([{_SMALL_UNIT_CHARS}{_BIG_UNIT_CHARS}]+)(.+)")
_UNIT_RE = re.compile(r"[^\s0-9.,:;()<>=~]{1,10}")
_COMPARATOR_WORDS = ("以上", "以下", "未満", "以内", "超")
_UNIT_ALIASES = {"パーセント": "%", "％": "%", "ﾊﾟｰｾﾝﾄ": "%", "カ所": "か所", "ヵ所": "か所", "ヶ所": "か所"}


def _numeral_value(text: str) -> Decimal:
    """The value of a numeral matching NUMBER_PATTERN exactly (no sign, normalised)."""
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    current_is_kanji = False
    last_small = 10**5
    last_big = 10**20
    pos = 0
    for match in _TOKEN_RE.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        arabic, digit, small, big = match.groups()
        if arabic is not None:
            if current is not None:
                raise ValueError(text)
            current, current_is_kanji = Decimal(arabic.replace(",", "")), False
        elif digit is not None:
            if current is not None and not current_is_kanji:
                raise ValueError(text)
            current = Decimal(_KANJI_DIGITS[digit]) + (current * 10 if current is not None else 0)
            current_is_kanji = True
        elif small is not None:
            unit = _SMALL_UNITS[small]
            if unit >= last_small:
                raise ValueError(text)
            section += (current if current is not None else 1) * unit
            current, last_small = None, unit
        else:
            unit = _BIG_UNITS[big]
            if unit >= last_big or (current is None and section == 0):
                raise ValueError(text)
            total += (section + (current or 0)) * unit
            section, current, last_small, last_big = Decimal(0), None, 10**5, unit
    if pos != len(text) or pos == 0:
        raise ValueError(text)
    return tidy_decimal(total + section + (current or 0))


def tidy_decimal(value: Decimal) -> Decimal:
    """``Decimal("120000000.0")`` → ``Decimal("120000000")``, ``Decimal("0.50")`` → ``Decimal("0.5")``: same value, plain form."""
    integral = value.to_integral_value()
    return integral if value == integral else value.normalize()


def numeral_value(text: str) -> Decimal:
    """The value of a bare numeral (Arabic, Japanese or mixed), without sign, unit or normalisation.

    For callers that have already matched :data:`NUMBER_PATTERN` in normalised text:
    ``numeral_value("一万五千") == 15000``.  Raises :class:`NormalizeError` if ``text`` is not a numeral.
    """
    try:
        return _numeral_value(text)
    except (ValueError, InvalidOperation):
        raise NormalizeError("数値として解釈できません", "not a number", text) from None


def parse_number(s: str) -> Decimal:
    """Parse a number as written in Japanese documents and forms.

    Accepts ``1,200``, ``１２３``, ``32,000``, ``0.5``, negatives ``▲4.9``/``△4.9``/``-4.9``, Japanese
    numerals ``七十``, ``千二百``, ``一万五千``, ``二〇二六`` and mixed forms ``3万``, ``1.2億``,
    ``1億2,000万``.  Anything else (units, ``約``, bad grouping such as ``1,20``, empty input) raises
    :class:`NormalizeError`; use :func:`parse_quantity` for numbers with units.
    """
    text = normalize_text(s).strip()
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise NormalizeError("数値として解釈できません", "not a number", s)
    sign, numeral = match.groups()
    try:
        value = _numeral_value(numeral)
    except (ValueError, InvalidOperation):
        raise NormalizeError("数値として解釈できません", "not a number", s) from None
    return -value if sign and sign != "+" else value


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit as written: ``1,200人`` is ``Quantity(Decimal(1200), "人")``.

    A single multiplier written after Arabic digits stays with the unit (``150兆円`` is 150 ``兆円``,
    ``100,674千円`` is 100674 ``千円``, ``3万人`` is 3 ``万人``), so values read as the document reads;
    :attr:`base_value` and :attr:`base_unit` give 1.5e14 ``円``, 100674000 ``円``, 30000 ``人``.
    Numbers written wholly in Japanese numerals or with several multipliers are absorbed
    (``一万五千人`` is 15000 ``人``; ``1億2,000万円`` is 120000000 ``円``).  ``unit`` is None for a bare
    number.  ``approximate`` is set by ``約``, ``およそ``, ``概ね``, ``程度``, ``前後``, ``余`` and the like.
    """

    value: Decimal
    unit: str | None
    approximate: bool = False
    raw: str = ""

    @property
    def base_value(self) -> Decimal:
        """The value with the unit's multiplier applied (``150兆円`` → 150000000000000)."""
        return self.value * unit_scale(self.unit)[0]

    @property
    def base_unit(self) -> str | None:
        """The unit without its multiplier (``兆円`` → ``円``, ``割`` → ``%``)."""
        return unit_scale(self.unit)[1]


def unit_scale(unit: str | None) -> tuple[Decimal, str | None]:
    """Split a unit into its multiplier and base unit.

    ``兆円`` → (10**12, ``円``); ``百万円`` → (10**6, ``円``); ``万人`` → (10**4, ``人``); ``千円`` → (1000, ``円``);
    ``割`` → (10, ``%``); ``%`` → (1, ``%``); ``None`` → (1, None).  Use it to compare a target in ``万人``
    with an actual in ``人``.
    """
    if unit is None:
        return Decimal(1), None
    if unit == "割":
        return Decimal(10), "%"
    match = _UNIT_PREFIX_RE.fullmatch(unit)
    if match is None:
        return Decimal(1), unit
    prefix, base = match.groups()
    try:
        return _numeral_value("1" + prefix), base
    except ValueError:
        return Decimal(1), unit


def canonical_unit(unit: str) -> str:
    """The spelling of a unit keikaku stores: ``パーセント``/``％`` → ``%``, ``カ所``/``ヶ所``/``ヵ所`` → ``か所``."""
    return _UNIT_ALIASES.get(unit, unit)


def parse_quantity(s: str) -> Quantity:
    """Parse a number with an optional unit, as users type actual values and targets.

    ``1,200人`` → 1200 人; ``70%``/``７０％``/``70パーセント`` → 70 %; ``25件`` → 25 件; ``七十`` → 70, no unit;
    ``約150兆円`` → 150 兆円, approximate; ``3万人`` → 3 万人 (see :class:`Quantity` for multipliers);
    ``▲4.9%`` → -4.9 %.  A unit is any short run of non-digit text; comparators (``以上``, ``以下``, ``未満``,
    ``以内``, ``超``) are not units, so ``220人以上`` raises :class:`NormalizeError` (it is a target; see
    :func:`keikaku.normalize.parse_kpi`), as does anything that is not a number.
    """
    text = normalize_text(s).strip()
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        raise NormalizeError("数量として解釈できません", "not a quantity", s)
    unit = match["unit"] or None
    if unit is not None and (_UNIT_RE.fullmatch(unit) is None or any(w in unit for w in _COMPARATOR_WORDS)):
        raise NormalizeError("数量として解釈できません（単位が不正）", "not a quantity: bad unit", s)
    try:
        value, unit = value_as_written(match["num"], unit)
    except NormalizeError:
        raise NormalizeError("数量として解釈できません", "not a quantity", s) from None
    if match["sign"] and match["sign"] != "+":
        value = -value
    return Quantity(
        value=value,
        unit=canonical_unit(unit) if unit else None,
        approximate=bool(match["pre"] or match["post"]),
        raw=s,
    )


def value_as_written(numeral: str, unit: str | None) -> tuple[Decimal, str | None]:
    """The value and unit of a numeral followed by a unit, keeping one multiplier with the unit.

    ``("150兆", "円")`` → (150, ``兆円``); ``("100,674千", "円")`` → (100674, ``千円``); ``("3万", "人")`` →
    (3, ``万人``); ``("一万五千", "人")`` → (15000, ``人``); ``("1億2,000万", "円")`` → (120000000, ``円``);
    ``("3万", None)`` → (30000, None).  See :class:`Quantity`.
    """
    scaled = _SCALED_RE.fullmatch(numeral)
    if unit and scaled is not None and _is_unit_prefix(scaled.group(2)):
        numeral_value("1" + scaled.group(2))  # validates the multiplier sequence
        return tidy_decimal(Decimal(scaled.group(1).replace(",", ""))), scaled.group(2) + unit
    return numeral_value(numeral), unit


def _is_unit_prefix(prefix: str) -> bool:
    """True for one multiplier group such as ``千``, ``万``, ``百万``, ``千万`` (not ``万千``)."""
    return sum(c in _BIG_UNITS for c in prefix) <= 1 and (prefix[-1] in _BIG_UNITS or len(prefix) == 1)
