"""KPI lines (成果目標) to :class:`keikaku.domain.Kpi`.

The forms read, and the decisions behind them:

* ``指標：220人以上`` (>=), ``…を超える``/``超``/``を上回る`` (>), ``以下``/``以内`` (<=), ``未満``/``を下回る`` (<),
  ``程度``/``前後`` (= with ``approximate``), ``約`` (``approximate``).  A target with no comparator
  (``300社``, ``年間50件``) or with a verb of reaching (``100者まで拡大``, ``50件の創出``, ``達成``, ``を維持``)
  is a minimum: >=.
* Ranks (位): a smaller number is better, so ``10位以内``/``10位以上``/``10位`` all mean rank <= 10.
  ``「…Ranking」の維持・向上`` is ``maintain_or_improve`` with no target; its baseline (``79位
  (2025年時点)``) is a :class:`~keikaku.domain.KpiReference`, read by :func:`parse_kpi_reference`.
* Relative targets are factors in 倍 with ``relative_to`` naming the base: ``参加企業数×6倍以上`` (6, 倍,
  参加企業数); ``前年度実績以上`` (>= 1 倍 of 前年度実績); ``前年度実績を上回る`` (> 1 倍); ``前年度比10%増``
  (>= 1.1 倍 of 前年度実績).  Beside an absolute target (``500人（前年度比10%増）``) the growth is kept
  as the reference's label.
* Reductions: ``46%削減（2013年度比）`` is >= 46 % with the indicator ``…削減率``, a reference as of 2013
  and ``baseline_fiscal_year`` 2013; ``100tまで削減`` is a level, <= 100 t.
* Years: ``2030年時点の``/``2025年度までに`` in the text, or a bracketed ``(2040年度)``, set
  ``target_fiscal_year`` and are removed from the indicator.  ``毎月``/``月``/``/月`` set ``counted_monthly``.
* Units are kept as written, multiplier included (``約150兆円`` is 150 兆円, ``3万人`` is 3 万人; see
  :func:`keikaku.normalize.unit_scale`); ``パーセント`` is ``%``.
* The indicator is the measure's name from the text: the part before ``：``, or before the number;
  bullets, numbering, particles and year phrases removed, ``「…」`` unwrapped when it is the whole name,
  leading clauses (``BioJapan期間中、``) dropped while it is longer than 30 characters, and a survey
  question longer than 30 characters cut with ``…``.  With nothing left, the unit names it (件→件数,
  人→人数, %→割合…), after any qualifier (``新規50件以上`` → ``新規件数``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from keikaku.domain.kpi import Comparator, Kpi, KpiReference
from keikaku.normalize.eras import ERA_PATTERN, ERA_YEAR_PATTERN
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.kpi_reference import (
    APPROX_PATTERN,
    AS_OF_RE,
    DERIVATION_RE,
    VALUE_RE,
    parse_kpi_derivation,
    parse_kpi_reference,
    year_of,
)
from keikaku.normalize.numbers import NUMBER_PATTERN, canonical_unit, numeral_value, unit_scale, value_as_written
from keikaku.normalize.text import normalize_line
from keikaku.normalize.units import TIME_UNITS, UNIT_NAMES, UNIT_PATTERN, unit_kind

__all__ = ["kpi_kind", "parse_kpi", "parse_kpi_derivation", "parse_kpi_reference", "parse_kpis"]

_GENERIC_UNIT = "[ぁ-んァ-ヶ一-龥々]{1,4}?"
_QUALIFIERS = "年間|年度内|新規で?|累計で?|延べ|合計|毎月|月間|月平均|月|最低|計"
_CMP = (
    "(?P<ge>以上)|(?P<gt>を超える|を超え|超え|超|を上回る)|(?P<le>以下|以内)|(?P<lt>未満|を下回る)"
    "|(?P<eq>程度|前後|ほど|くらい|ぐらい)"
)
_VERBS = (
    "拡大|増加|増大|向上|達成|創出|実現|獲得|確保|実施|開催|登録|掲載|発行|支援|輩出|誘致|育成|突破|発掘|参加|出展|"
    "維持|導入|提供|設置|削減|減少|低減|抑制|増|減"
)
_TRAIL = (
    f"(?:(?P<to>まで|に|へ)?の?を?(?P<verb>{_VERBS})(?:・[^、。,]{{1,8}})*)?"
    "(?:させる|させ|する|とする)?(?:ことを)?(?:目標(?:とする|に|として)?)?(?:を目指す|をめざす|を図る)?"
    " ?(?:等|など)?[。.]?(?:[やと]?(?:、|,(?![0-9])).*)?"
)
_TARGET_RE = re.compile(
    f"(?P<quals>(?:(?:{_QUALIFIERS}|{APPROX_PATTERN}) ?)*)(?P<sign>[▲△▼] ?)?(?<![0-9A-Za-z.,/\\-])(?P<num>{NUMBER_PATTERN}) ?"
    f"(?:(?P<unit>{UNIT_PATTERN})|(?P<gunit>{_GENERIC_UNIT})(?= ?(?:以上|以下|未満|以内|超)))? ?"
    f"(?:/ ?(?P<per_month>月) ?)?(?:{_CMP})? ?{_TRAIL}$"
)
_RELATIVE_RE = re.compile(r"(?P<base>.+?) ?(?:×|x|X|\*|✕|の)$")
_PREVIOUS_RE = re.compile(
    f"(?P<ind>.*?)(?:は|を|が|:)? ?前年(?:度)?(?:の)?(?:実績)?(?:値)?"
    f"(?:比 ?(?P<pct>{NUMBER_PATTERN}) ?% ?(?:以上)?の? ?(?P<dir>増加|増|向上|アップ|減少|減|削減|以上)"
    f"|(?P<plain>以上|を上回る|超|と同等以上))$"
)
_MAINTAIN_RE = re.compile(
    "(?P<ind>.*?)(?:の|を)? ?(?:維持・向上|維持又は向上|維持または向上|維持もしくは向上|維持・改善|維持向上|向上・維持)"
    "(?:を(?:図る|めざす|目指す))?(?:こと)?[。.]?$"
)
_LABEL_RE = re.compile(
    r"^(?:成果目標|目標値?|KPI|指標|数値目標)(?: ?\((?:KPI|成果目標)\))? ?: ?|^(?:\([0-9]{1,2}\)|[0-9]{1,2}[.)](?![0-9])|[①-⑳]) ?"
)
_YEAR_PHRASE_RE = re.compile(
    f"(?:(?P<era>{ERA_PATTERN})(?P<ey>{ERA_YEAR_PATTERN})|(?P<y>[0-9]{{4}})) ?年(?P<fy>度)?"
    "(?P<kind>時点|末|までに|まで|中|内)?(?:の|に|で|、)?"
)
_TRAILING_PAREN_RE = re.compile(r" ?\(([^()]*)\)$")
_REFERENCE_WORDS = ("比", "時点", "現在", "実績", "参考", "基準", "現状", "見込")
_PARTICLES = ("について", "における", "に係る", "による", "を", "は", "が", "で", "の", "に", ":", "、")
_SURVEY_RE = re.compile(
    "(?P<survey>.*?アンケート)(?:で|において|にて|の|により)?「(?P<q>[^」]+)」(?:と|に)?(?P<rest>回答.*)"
)
_FOOTNOTE_RE = re.compile(r"\(※[0-9]*\)|※[0-9]*$|\*[0-9]*$")
_INDICATOR_MAX = 30


def _clean_indicator(text: str) -> str:
    ind = _FOOTNOTE_RE.sub("", text).strip(" :・、,-")
    for _ in range(3):
        for particle in _PARTICLES:
            if ind.endswith(particle) and len(ind) > len(particle):
                ind = ind[: -len(particle)].rstrip()
        ind = ind.lstrip("の、 ")
    if ind.startswith("「") and ind.endswith("」") and ind.count("「") == 1:
        ind = ind[1:-1]
    if ind.startswith("(") and ind.endswith(")") and ind.count("(") == 1:
        ind = ind[1:-1]
    survey = _SURVEY_RE.fullmatch(ind)
    if survey is not None:
        question = survey["q"] if len(survey["q"]) <= _INDICATOR_MAX else survey["q"][: _INDICATOR_MAX - 1] + "…"
        rest = "回答した割合" if "割合" in survey["rest"] or "率" in survey["rest"] else survey["rest"]
        return f"{survey['survey'].strip()}で「{question}」と{rest}"
    while len(ind) > _INDICATOR_MAX and "、" in ind:
        ind = ind.split("、", 1)[1].strip()
    return ind


def _take_years(text: str) -> tuple[str, int | None]:
    """Remove ``2030年時点の``/``2025年度までに`` from an indicator; return it and the year."""
    year = None
    for match in _YEAR_PHRASE_RE.finditer(text):
        if match["kind"]:
            year = year_of(match)
            text = text[: match.start()] + text[match.end() :]
            break
    return text, year


def _fallback_name(unit: str | None, qualifiers: str) -> str:
    base = unit_scale(unit)[1] if unit else None
    name = UNIT_NAMES.get(base or "", "目標値")
    qualifier = re.sub(f"{APPROX_PATTERN}|で", "", qualifiers).replace(" ", "")
    return qualifier + name


def _reference_from_paren(content: str) -> tuple[KpiReference | None, int | None]:
    """A bracketed note after a target: a baseline, a growth note, or a target year."""
    match = AS_OF_RE.fullmatch(content.strip())
    if match is not None and match["fy"] and not any(w in content for w in _REFERENCE_WORDS):
        return None, year_of(match)  # (2040年度): the target year
    if not any(w in content for w in _REFERENCE_WORDS):
        return None, None
    if "前年" in content:
        return KpiReference(label=content.strip()), None  # (前年度比10%増): a growth note, not a baseline
    reference = parse_kpi_reference(content)
    if reference is None:
        reference = KpiReference(label=content.strip())
    return reference, None


def parse_kpi(text: str) -> Kpi | None:
    """Structure one KPI line, or return None when it is not a target this module can read.

    See the module docstring for the forms and decisions.  ``text`` of the result is the normalised,
    markup-free line.  Examples: ``参加者数：220人以上`` → 参加者数 >= 220 人; ``BioJapanマッチング件数：
    参加企業数×6倍以上`` → >= 6 倍 relative to 参加企業数; ``「Global Startup Ecosystem Ranking」の維持・向上``
    → maintain_or_improve.
    """
    try:
        return _parse_kpi(normalize_line(text))
    except NormalizeError:  # an impossible year or numeral inside the line: not a target we can read
        return None


def _parse_kpi(full: str) -> Kpi | None:
    body = full
    for _ in range(3):  # (1) 成果目標(KPI)：… carries both a number and a label
        body = _LABEL_RE.sub("", body, count=1).strip()
    if not body:
        return None
    reference: KpiReference | None = None
    target_year: int | None = None
    paren = _TRAILING_PAREN_RE.search(body)
    if paren is not None:
        reference, target_year = _reference_from_paren(paren.group(1))
        if reference is not None or target_year is not None:
            body = body[: paren.start()].rstrip()
    derivation = DERIVATION_RE.search(body)
    if derivation is not None:
        # 594.7兆円 × 25% = 148.7兆円 ≒ 約150兆円: the target follows the arithmetic.
        rest = (body[: derivation.start()].strip(" ~") + body[derivation.end() :].lstrip(" ≒=~")).strip()
        kpi = _parse_body(rest, full, reference, target_year) if rest else None
        return kpi.model_copy(update={"derivation": parse_kpi_derivation(body)}) if kpi else None
    kpi = _parse_body(body, full, reference, target_year)
    if kpi is None and paren is not None and reference is None and target_year is None:
        # 登録 (新規で50件以上): the target in brackets, the measure before them.
        inner = _parse_body(paren.group(1), full, None, None)
        outer = _clean_indicator(_take_years(body[: paren.start()])[0])
        # 事業名 (10,043千円) is a budget heading, not a target.
        if inner is not None and outer and kpi_kind(inner) != "amount":
            kpi = inner.model_copy(update={"indicator": outer})
    return kpi


def _parse_body(body: str, full: str, reference: KpiReference | None, target_year: int | None) -> Kpi | None:
    baseline_year = None
    if reference is not None and reference.as_of and reference.label and "比" in reference.label:
        baseline_year = int(reference.as_of[:4])
    maintain = _MAINTAIN_RE.fullmatch(body)
    if maintain is not None and maintain["ind"]:
        indicator, year = _take_years(maintain["ind"])
        inline = VALUE_RE.search(indicator)
        if inline is not None and reference is None and inline.end() == len(indicator.rstrip("のを ")):
            reference = parse_kpi_reference(indicator)
            indicator = indicator[: inline.start()]
        return Kpi(
            indicator=_clean_indicator(indicator) or "順位",
            comparator=Comparator.MAINTAIN_OR_IMPROVE,
            reference=reference,
            text=full,
            target_fiscal_year=target_year or year,
            baseline_fiscal_year=baseline_year,
        )
    previous = _PREVIOUS_RE.fullmatch(body)
    if previous is not None:
        factor, comparator = Decimal(1), Comparator.GE
        if previous["pct"]:
            pct = numeral_value(previous["pct"]) / 100
            decrease = previous["dir"] in ("減少", "減", "削減")
            factor = 1 - pct if decrease else (pct if previous["dir"] == "以上" else 1 + pct)
            comparator = Comparator.LE if decrease else Comparator.GE
        elif previous["plain"] in ("を上回る", "超"):
            comparator = Comparator.GT
        indicator, year = _take_years(previous["ind"])
        return Kpi(
            indicator=_clean_indicator(indicator) or "実績",
            comparator=comparator,
            target=float(factor),
            unit="倍",
            relative_to="前年度実績",
            reference=reference,
            text=full,
            target_fiscal_year=target_year or year,
        )
    return _parse_target(body, full, reference, target_year, baseline_year)


def _parse_target(
    body: str, full: str, reference: KpiReference | None, target_year: int | None, baseline_year: int | None
) -> Kpi | None:
    head, colon, expression = body.partition(":")
    if not colon or ("(" in head and ")" not in head):
        head, expression = "", body
    match = _TARGET_RE.search(expression)
    if match is None:
        return None
    unit = match["unit"] or match["gunit"]
    try:
        value, unit = value_as_written(match["num"], canonical_unit(unit) if unit else None)
    except NormalizeError:
        return None
    if match["sign"]:
        value = -value
    before = expression[: match.start()]
    relative_to = None
    relative = _RELATIVE_RE.fullmatch(before.strip()) if before.strip() else None
    if relative is not None and (unit == "倍" or before.rstrip().endswith(("×", "x", "X", "*", "✕"))):
        relative_to = relative["base"].strip()
        before, unit = "", "倍"
    quals = match["quals"] or ""
    verb = match["verb"]
    explicit = any(match[g] for g in ("ge", "gt", "le", "lt", "eq"))
    if not explicit and relative_to is None and (unit is None or unit in TIME_UNITS):
        return None  # a bare number (a page, a year, a phone extension) or a duration is not a target
    if "予算" in (head or before) and unit is not None and unit.endswith("円"):
        return None  # 予算額：100,674千円 states a budget
    comparator = _comparator(match, unit)
    approximate = bool(re.search(APPROX_PATTERN, quals)) or bool(match["eq"])
    indicator_text, year = _take_years(head if colon and head else before)
    indicator = _clean_indicator(indicator_text)
    if verb in ("削減", "減少", "低減", "減", "増", "増加") and unit == "%" and not match["to"]:
        indicator = (indicator or "") + ("削減率" if verb in ("削減", "減少", "低減", "減") else "増加率")
    if not indicator:
        indicator = _fallback_name(unit, quals)
    monthly = (
        bool(match["per_month"]) or any(q in quals for q in ("毎月", "月間", "月平均")) or quals.strip().endswith("月")
    )
    return Kpi(
        indicator=indicator,
        comparator=comparator,
        target=float(value),
        unit=unit,
        relative_to=relative_to,
        reference=reference,
        text=full,
        target_fiscal_year=target_year or year,
        baseline_fiscal_year=baseline_year,
        approximate=approximate,
        counted_monthly=monthly,
    )


def _comparator(match: re.Match[str], unit: str | None) -> Comparator:
    if match["eq"]:
        return Comparator.EQ
    if match["le"] == "以内":
        return Comparator.LE  # 以内 bounds the number itself, for ranks too
    if match["lt"]:
        comparator = Comparator.LT
    elif match["le"]:
        comparator = Comparator.LE
    elif match["gt"]:
        comparator = Comparator.GT
    elif match["verb"] in ("削減", "減少", "低減", "抑制", "減") and (match["to"] or unit != "%"):
        comparator = Comparator.LE  # 100tまで削減: a level to get under
    else:
        comparator = Comparator.GE
    if unit == "位":  # ranks: 10位以上 is 10th or better, a smaller number
        comparator = _RANK_FLIP[comparator]
    return comparator


_RANK_FLIP = {
    Comparator.GE: Comparator.LE,
    Comparator.GT: Comparator.LT,
    Comparator.LE: Comparator.GE,
    Comparator.LT: Comparator.GT,
}


def kpi_kind(kpi: Kpi) -> str:
    """The kind of quantity a KPI measures: ``count``, ``share``, ``relative``, ``rank``, ``amount`` or ``other``.

    ``maintain_or_improve`` targets are ranks (the plans use them for rankings); a target relative to
    another measure (``relative_to`` or unit 倍) is ``relative``; 位 is ``rank``; % and 割 are ``share``;
    units ending in 円 or ドル are ``amount``; counters (人, 件, 社, 回, 部, 者, 団体, か所 …, with any
    multiplier such as 万人) are ``count``; everything else is ``other``.
    """
    if kpi.comparator is Comparator.MAINTAIN_OR_IMPROVE:
        return "rank"
    if kpi.relative_to is not None:
        return "relative"
    return unit_kind(kpi.unit)


_SPLIT_RE = re.compile(r"(?:[、;/]|,(?![0-9])| ?[▶►➢■●◆◇] ?) ?(?![^(「]*[)」])")


def parse_kpis(text: str) -> list[Kpi]:
    """All KPIs of a line that may hold several (``参加者数：220人以上、満足度：80%以上``).

    The line is split at ``、``, ``,``, ``;`` and ``/`` outside brackets; if every part is a KPI, they are
    returned, otherwise the whole line is read as one (an empty list if it is not a KPI).
    """
    prepared = normalize_line(text)
    parts = [p for p in _SPLIT_RE.split(prepared) if p.strip()]
    if len(parts) > 1:
        kpis = [parse_kpi(p) for p in parts]
        if all(k is not None for k in kpis):
            return [k for k in kpis if k is not None]
    kpi = parse_kpi(prepared)
    return [kpi] if kpi is not None else []
