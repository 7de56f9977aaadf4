"""What plans state beside a KPI target: its baseline (【参考】79位 (2025年時点)) and its derivation."""

from __future__ import annotations

import re

from keikaku.domain.kpi import KpiDerivation, KpiReference
from keikaku.normalize.eras import ERA_PATTERN, ERA_YEAR_PATTERN, era_to_gregorian, era_year_value
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.numbers import NUMBER_PATTERN, canonical_unit, numeral_value, value_as_written
from keikaku.normalize.text import normalize_line
from keikaku.normalize.units import UNIT_PATTERN

APPROX_PATTERN = "約|およそ|概ね|おおむね"
_LEAD_RE = re.compile(r"^(?:【参考】|\(参考\)|\[参考\]|参考 ?:|※|基準値 ?:|現状値 ?:|実績値? ?:) ?")
VALUE_RE = re.compile(f"(?:第 ?)?(?P<num>{NUMBER_PATTERN}) ?(?P<unit>{UNIT_PATTERN})")
AS_OF_RE = re.compile(
    f"(?:(?P<era>{ERA_PATTERN})(?P<ey>{ERA_YEAR_PATTERN})|(?P<y>[0-9]{{4}})) ?年(?P<fy>度)?"
    "(?: ?(?P<m>[0-9]{1,2}) ?月)?(?:末)? ?(?:時点|現在|実績|末|比)?"
)
DERIVATION_RE = re.compile(
    f"(?P<base>{NUMBER_PATTERN}) ?(?P<bunit>{UNIT_PATTERN}) ?(?:\\((?P<blabel>[^()]*)\\))? ?[×xX*✕] ?"
    f"(?P<factor>{NUMBER_PATTERN}) ?(?P<funit>{UNIT_PATTERN}) ?(?:\\([^()]*\\))? ?[=≒] ?"
    f"(?:{APPROX_PATTERN})?(?P<result>{NUMBER_PATTERN}) ?(?P<runit>{UNIT_PATTERN})"
)


def year_of(match: re.Match[str]) -> int:
    """The Gregorian year of a match with ``era``/``ey`` or ``y`` groups."""
    if match["era"]:
        return era_to_gregorian(match["era"], era_year_value(match["ey"]))
    return int(match["y"])


def parse_kpi_reference(text: str) -> KpiReference | None:
    """Read a baseline given with a target: ``GSEI新興エコシステムランキング 79位 (2025年時点)`` →
    value 79, unit 位, as_of ``2025``, label ``GSEI新興エコシステムランキング``.

    Leading marks (``【参考】``, ``(参考)``, ``基準値：``) are removed.  ``as_of`` is the Gregorian year as a
    string (``令和6年度実績`` → ``2024``), with the month when one is written (``2025年3月末時点`` →
    ``2025-03``); the label falls back to that date phrase.  Returns None when the text has neither a
    value with a unit nor a date.
    """
    try:
        return _reference(text)
    except NormalizeError:  # an impossible year or numeral: not a reference this module can read
        return None


def _reference(text: str) -> KpiReference | None:
    body = _LEAD_RE.sub("", normalize_line(text)).strip()
    as_of = None
    as_of_text = ""
    date = AS_OF_RE.search(body)
    if date is not None:
        year = year_of(date)
        as_of = f"{year}-{int(date['m']):02d}" if date["m"] else str(year)
        as_of_text = date.group().strip()
        body = (body[: date.start()] + body[date.end() :]).replace("()", "").strip()
    values = list(VALUE_RE.finditer(body))
    if not values and as_of is None:
        return None
    value = unit = None
    label = body
    if values:
        last = values[-1]
        value, unit = float(numeral_value(last["num"])), canonical_unit(last["unit"])
        label = (body[: last.start()] + body[last.end() :]).replace("()", "")
    label = label.strip(" :・、,()")
    return KpiReference(value=value, unit=unit, as_of=as_of, label=label or as_of_text or None)


def parse_kpi_derivation(text: str) -> KpiDerivation | None:
    """Read how a target was derived: ``594.7兆円（2040年度のGDP推計値）× 25%（シェア目標値）＝ 148.7兆円``
    → base 594.7 兆円 (label 2040年度のGDP推計値), factor 25 %, result 148.7 兆円.  None if there is none.
    """
    match = DERIVATION_RE.search(normalize_line(text))
    if match is None:
        return None
    try:
        return _derivation(match)
    except NormalizeError:
        return None


def _derivation(match: re.Match[str]) -> KpiDerivation:
    base, base_unit = value_as_written(match["base"], canonical_unit(match["bunit"]))
    factor, factor_unit = value_as_written(match["factor"], canonical_unit(match["funit"]))
    result, result_unit = value_as_written(match["result"], canonical_unit(match["runit"]))
    return KpiDerivation(
        base=float(base),
        base_unit=base_unit or "",
        base_label=(match["blabel"] or "").strip() or None,
        factor=float(factor),
        factor_unit=factor_unit or "",
        result=float(result),
        result_unit=result_unit or "",
    )
