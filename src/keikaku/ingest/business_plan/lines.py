"""Line-level recognisers for business plans: numbering, budget lines, departments, labels and marks.

Every function here looks at one normalised line (see :mod:`keikaku.ingest.context`) and says what it
is; none of them keeps state.  Amounts, dates and years are read through :mod:`keikaku.normalize`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.normalize import AmountMatch, find_amounts

CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)} | {chr(0x3251 + i): 21 + i for i in range(15)}
_CIRCLED_CLASS = "\u2460-\u2473\u3251-\u325f"
CIRCLED_RE = re.compile(f"[{_CIRCLED_CLASS}]")

# Project numbering schemes, tried on the start of a line (after bullets have been stripped).
SCHEMES: dict[str, re.Pattern[str]] = {
    "circled": re.compile(f"^(?P<n>[{_CIRCLED_CLASS}])(?![{_CIRCLED_CLASS}])\\s*(?P<rest>.*)$"),
    "paren": re.compile(r"^[(（]\s*(?P<n>\d{1,2})\s*[)）]\s*(?P<rest>.*)$"),
    "dot": re.compile(r"^(?P<n>\d{1,2})\s*[.．、]\s*(?P<rest>[^\d\s.].*)$"),
    "bracket": re.compile(
        r"^(?:【\s*(?:事業\s*)?(?P<n>\d{1,2})\s*】|事業\s*(?P<n2>\d{1,2})\s*[:.\s]|No\.?\s*(?P<n3>\d{1,2})\s)\s*(?P<rest>.*)$"
    ),
}

_DEPT_SUFFIX = r"(?:課|室|局|部|センター|グループ|チーム|事務所|担当)"
_DEPT_NAME = re.compile(f"^[^\\s、。:()「」【】\\[\\]]{{2,24}}{_DEPT_SUFFIX}$")
_DEPT_LABEL = re.compile(r"^[【\[]?(?:担当課室?|担当部署|担当部局|担当所属|所管課|担当)[】\]]?\s*[:]?\s*(?P<v>.+)$")
_PHONE_NOTE = re.compile(r"\s*[(（]\s*(?:電話|TEL|Tel|tel|内線)[^)）]*[)）]")
_NOT_DEPT = re.compile(r"連合|広域産業振興局$|^.{0,2}局$|事業計画|について|関西$|^(?:課題|事務局)$|企業")
_NEW_MARK = re.compile(
    r"[【\[(〔]\s*(?:R\s*(?P<r>\d{1,2})\s*(?:年度)?|令和\s*(?P<rw>\d{1,2})\s*年度?)?\s*新規\s*[】\])〕]"
)
_PAGE_ONLY = re.compile(
    r"^(?:p\.?\s*)?\d{1,3}\s*(?:頁|ページ)?$|^-?\s*\d{1,3}\s*-$|^-\s*\d{1,3}$|^\d{1,3}\s*/\s*\d{1,3}$", re.IGNORECASE
)
_CHALLENGE = re.compile(f"チャレンジ\\s*(?P<n>[1-9]|[{_CIRCLED_CLASS}])")
_ADMIN = re.compile(r"^(?:管理費|事務費|運営管理費|事務局運営費)\b")
_PROSE = re.compile(r"[。]")
_LEADING_NUMBER = re.compile(f"^(?:\\(?\\d{{1,2}}\\)|\\d{{1,2}}[.、]|[{_CIRCLED_CLASS}])\\s*")

KPI_HEADING = re.compile(
    r"^(?:▶\s*)?(?:【\s*)?(?:成果目標|成果指標|数値目標|目標指標|KPI|達成目標)(?:\s*[(（]?\s*KPI\s*[)）]?)?\s*(?:】)?\s*(?::)?(?P<rest>.*)$"
)
DETAIL_KEYWORDS = re.compile(
    r"^(?:▶\s*)?(?:事業概要|事業内容|事業目的|事業の(?:目的|概要|内容|ねらい)|取組のポイント|ねらい|期待される効果|"
    r"成果目標|成果指標|KPI|開催時期|開催日|開催場所|会場|事業開始年度|担当課)"
)
STOP_KPI = re.compile(
    r"^(?:▶|≪|《|<<)|^(?:事業概要|事業内容|事業目的|事業の(?:目的|概要|内容|ねらい)|.{0,6}取組のポイント|ねらい|期待される効果|"
    r"課題|担当課|事業開始年度|開催時期|開催場所|予算額)"
    # a section heading of its own (its ▶ or 【】 read as a bullet): what the project does, or when
    r"|^(?:主な取組|主な内容|取組内容|実施内容|事業スケジュール|スケジュール|今後の予定)\s*$"
)
REFERENCE_LABEL = re.compile(r"^[【\[(]\s*参考\s*[】\])]\s*:?\s*(?P<rest>.*)$|^※\s*参考\s*:?\s*(?P<rest2>.*)$")
EVENT_DATE = re.compile(
    r"^(?:開催時期|開催日時|開催日程|開催日|開催期間|日時|日程|日付|日\s*付|期間|時期|実施時期|実施日)\s*[:]\s*(?P<v>.+)$"
)
#: An item naming an event and its date (or range), without a label: "成果発表会 令和11年11月5日(月)~7日(水) 会場".
_DAY = r"\d{1,2}\s*日(?:\s*[(（][^)）]{1,3}[)）])?"
DATED_EVENT = re.compile(
    r"^(?P<name>[^\d。、:：]{2,40}?)\s*(?P<when>(?:令和|平成|R)\s*(?:\d{1,2}|元)\s*年\s*\d{1,2}\s*月\s*"
    + _DAY
    + r"(?:\s*[~〜～\-]\s*(?:\d{1,2}\s*月\s*)?"
    + _DAY
    + r")?)\s*(?P<venue>[^。]{0,60})$"
)
EVENT_PLACE = re.compile(r"^(?:開催場所|開催地|会場|場所|場\s*所|実施場所)\s*[:]\s*(?P<v>.+)$")
EVENT_THEME = re.compile(r"^(?:テーマ|開催テーマ|主題)\s*[:]\s*(?P<v>.+)$")
START_YEAR = re.compile(r"(?:(?:事業)?開始年度|事業期間|実施期間|事業年度)\s*[】\]]?\s*[:]?\s*(?P<v>.+)$")
NOT_BUDGET = re.compile(r"^※|前年度比|前年比|対前年|増減|[増減]$|前年度\s*[\d,]|前年度予算")
COMPONENT_HEADER = re.compile(
    f"^(?:事業概要|事業内容|取組|内訳)\\s*(?P<n>[{_CIRCLED_CLASS}]|\\d{{1,2}})\\s*(?:[【\\[](?P<label>[^】\\]]+)[】\\]]|(?P<rest>.*))$"
)
NEW_FIELD = re.compile(r"^(?:区分|新規/継続|新規・継続|新/継)\s*:?\s*(?P<v>\S+)$")
BRACKET_LABEL = re.compile(r"^[【\[](?P<label>[^】\]]{2,40})[】\]]$")


_FORM_LABEL = re.compile(
    f"^事業名(?:称)?\\s*:\\s*(?=[{_CIRCLED_CLASS}]|[(]\\d{{1,2}}[)]|【\\d{{1,2}}】|\\d{{1,2}}\\s*[.、]\\s)"
)
_CELL_GAP = re.compile(r"\t| {2,}")
_VALUE_CELL = re.compile(
    r"^[(]?[-+]?\d[\d,.]*\s*(?:千円|百万円|万円|円|%|頁|(?![年月日])[^\s\d(),.]{1,2})?\s*(?:以上|以下|未満|超)?[)]?$"
    r"|^\S{1,8}(?:以上|以下|未満)$"  # a target stated without a figure: 前年度実績以上
    r"|^\(?\d{1,3}(?:,\d{3})*\)?\s+\d{1,3}$"  # a budget and its page in one cell: 9,800 4
)


def _is_value(cell: str) -> bool:
    return bool(_VALUE_CELL.match(cell)) or bool(departments_in(cell))


def right_to_left(text: str) -> str | None:
    """A table row written right to left (an export that writes the right-hand cells first), put back in
    reading order: a row opening with a value cell (an amount, a page, a target, a department) and closing
    with the label those values belong to (``120社\t専門家派遣企業数``, ``担当課\t8,500\t① 事業名``).
    None for any other line."""
    cells = [c.strip() for c in _CELL_GAP.split(text)]
    cells = [c for c in cells if c]
    if len(cells) < 2 or not _is_value(cells[0]) or _is_value(cells[-1]):
        return None
    return " ".join(reversed(cells))


@dataclass(frozen=True)
class Marker:
    """A numbered item at the start of a line: its scheme, number and the text after the number."""

    scheme: str
    number: int
    rest: str


def marker_of(text: str, schemes: tuple[str, ...] = tuple(SCHEMES)) -> Marker | None:
    """The numbering at the start of ``text`` in one of ``schemes``, if any; a form line's label does not hide
    it (``事業名：⑦ 名称（4,928千円）`` is the heading of project ⑦)."""
    text = _FORM_LABEL.sub("", text)
    for scheme in schemes:
        match = SCHEMES[scheme].match(text)
        if match is None:
            continue
        raw = match.group("n") or (match.groupdict().get("n2") or match.groupdict().get("n3"))
        if raw is None:
            continue
        number = CIRCLED[raw] if raw in CIRCLED else int(raw)
        if number == 0:
            continue
        return Marker(scheme, number, match.group("rest").strip())
    return None


def project_marks(text: str) -> list[re.Match[str]]:
    """The circled numbers of a line that number projects: not those of a challenge label
    (``関西チャレンジ ①``, ``チャレンジ\t②``, or written right to left ``①\t関西チャレンジ``: there ①②③
    number the challenges)."""
    return [
        m
        for m in CIRCLED_RE.finditer(text)
        if not text[: m.start()].rstrip(" \t").endswith("チャレンジ")
        and not re.match(r"[ \t]*(?:関西\s*)?チャレンジ\s*(?:\t|$)", text[m.end() :])
    ]


def circled_segments(text: str) -> list[tuple[str, int, str]]:
    """A table row holding several circled items: (text before the first, number, segment) per item."""
    positions = [m.start() for m in project_marks(text)]
    segments: list[tuple[str, int, str]] = []
    for index, start in enumerate(positions):
        end = positions[index + 1] if index + 1 < len(positions) else len(text)
        before = text[:start] if index == 0 else ""
        segments.append((before, CIRCLED[text[start]], text[start + 1 : end].strip()))
    return segments


def departments_in(text: str) -> list[str]:
    """Department names a line states: a bare ``○○課`` line, or ``担当課：○○課、△△室``."""
    labelled = _DEPT_LABEL.match(text)
    value = _PHONE_NOTE.sub("", labelled.group("v")) if labelled else text
    parts = [p.strip() for p in re.split(r"[、,/／・]|\s+", value) if p.strip()] if labelled else [value.strip()]
    if not labelled and len(parts) == 1 and " " in parts[0]:
        return []
    names = [p for p in parts if _DEPT_NAME.match(p) and not _NOT_DEPT.search(p)]
    if labelled:
        return names
    return names if len(names) == len(parts) else []


def is_department_line(text: str) -> bool:
    """True when the whole line is one or more department names."""
    return bool(departments_in(text))


def new_mark(text: str, fiscal_year: int | None) -> bool:
    """True when the line carries a new-this-year mark (【新規】, 【R8新規】 in the FY2026 plan)."""
    for match in _NEW_MARK.finditer(text):
        era_year = match.group("r") or match.group("rw")
        if era_year is None or fiscal_year is None or 2018 + int(era_year) == fiscal_year:
            return True
    return False


def strip_marks(text: str) -> str:
    """The text without new marks, page numbers and trailing punctuation."""
    text = _NEW_MARK.sub("", text)
    text = re.sub(r"\s*\d{1,3}\s*(?:頁|ページ)\s*$", "", text)
    return text.strip(" \t:・-")


def is_page_number(text: str) -> bool:
    """True for a line that is only a page number (``5``, ``5頁``, ``- 5 -``, ``p.5``)."""
    return bool(_PAGE_ONLY.match(text))


def challenge_in(text: str) -> int | None:
    """The 関西チャレンジ number a label states (``関西チャレンジ1``, ``チャレンジ②``)."""
    match = _CHALLENGE.search(text)
    if match is None:
        return None
    raw = match.group("n")
    return CIRCLED.get(raw) or int(raw)


def is_admin_cost(text: str) -> bool:
    """True for the administrative-cost line (管理費)."""
    return bool(_ADMIN.match(text))


def is_prose(text: str) -> bool:
    """True for a sentence of running text (it has a full stop or is long)."""
    return bool(_PROSE.search(text)) or len(text) > 60


def amounts(text: str, *, bare_unit: str | None = None) -> list[AmountMatch]:
    """Yen amounts in a line (see :func:`keikaku.normalize.find_amounts`)."""
    if bare_unit is None and "円" not in text and "¥" not in text:
        return []
    return find_amounts(text, bare_unit=bare_unit)


@dataclass(frozen=True)
class BudgetLine:
    """A line stating a budget: ``name (10,043千円※うち国庫負担金24,992千円)``."""

    name: str
    amount: int
    subsidy: int | None
    relisted: bool
    parenthesized: bool


def budget_line(text: str, *, bare_unit: str | None = None) -> BudgetLine | None:
    """The name, amount and national-subsidy part of a budget line, or None."""
    found = amounts(text, bare_unit=bare_unit)
    main = next((m for m in found if not m.of_which), None)
    if main is None:
        return None
    subsidy = next((m.amount.value_thousand_yen for m in found if m.of_which and "国" in m.label), None)
    name = strip_marks(re.sub(r"^(?:予算額|予算|事業費|金額)\s*[:]?\s*", "", main.label))
    name = _LEADING_NUMBER.sub("", name)
    name = re.sub(r"[(]\s*$", "", name).strip()
    relisted = main.amount.relisted or "再掲" in text
    return BudgetLine(name, main.amount.value_thousand_yen, subsidy, relisted, main.amount.parenthesized)
