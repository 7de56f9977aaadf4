"""The partner-priorities parser (e.g. 近畿経済産業局 重点施策): priority areas, their initiatives, each
initiative's contact department and phone (from the 問合せ先 table) and its numeric targets.

Targets are read page by page: an initiative's page is the page that carries its heading (extracted
pages often put the heading last), and a page without a heading continues the previous initiative.
Text files without form feeds mark a new page with a line starting with one space, the way PDF text
extraction leaves them; that is used only when it gives several pages.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from keikaku.domain import Initiative, Kpi, PartnerPriorities, WarningCode
from keikaku.ingest.business_plan.build import similar
from keikaku.ingest.business_plan.header import fiscal_year_in
from keikaku.ingest.common import title_area
from keikaku.ingest.context import Line, ParseContext
from keikaku.ingest.errors import IngestError
from keikaku.normalize import parse_kpi

_ISSUER = re.compile(r"^[^\s、。:()]{2,20}(?:局|省|庁|機構|連合|県|府|市)$")
_AREA = re.compile(r"^(?:\(\s*(?P<a>\d)\s*\)|(?P<b>\d)\s*\))\s*(?P<name>\S.+)$")
_BULLET = ("•", "・", "●", "◆", "⚫", "○")
_CONTACT_HEAD = re.compile(r"^(?:問合せ先|問い合わせ先|お問合せ先|お問い合わせ先|連絡先)")
_PHONE = re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}(?:\s*/\s*\d{3,4})*|(?<=/)\d{4}")
_DEPT_TOKEN = re.compile(r"^[^\s]{1,30}(?:部|課|室|局|所|センター|事務所)(?:/[^\s]{1,30}(?:部|課|室|局|所))*$")
_SUB = re.compile(r"^\(\s*(?P<k>[ア-ン])\s*\)\s*(?P<name>\S.*)$")
_TARGET_PHRASE = re.compile(r"まで拡大|以上|を目標|件の創出|規模の.{0,12}創出|達成")
_TIME_UNITS = frozenset({"年", "年間", "か月", "ヶ月", "月", "日", "時間", "年度", "歳"})
_SCALE = re.compile(r"(?P<amount>[\d,.]+\s*(?:兆|億|万)?円)規模の(?P<what>[^、。]+?)(?:の)?(?:創出|形成|実現)")
_STRONG_TARGET = re.compile(r"まで拡大|を目標|目標値|達成")
_NOT_TARGET = re.compile(r"現在|時点で|実績|掲載|参画中|予測|予想|見込|出所|https?:")


@dataclass
class _Row:
    name: str
    line: Line
    kana: str | None = None
    parent: str | None = None
    department: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    is_parent: bool = False


def parse_partner(ctx: ParseContext) -> PartnerPriorities:
    """The partner's priorities for its fiscal year; raises :class:`IngestError` without initiatives."""
    area = title_area(ctx.lines, 20)
    issuer = next((line.text for line in area if _ISSUER.match(line.text)), None)
    years = Counter(y for line in ctx.lines[:80] if (y := fiscal_year_in(line.text)) is not None)
    if not years or issuer is None:
        raise IngestError(ctx.document.path, "重点施策の発行者または年度が見つかりません", code="no_fiscal_year")
    fiscal_year = years.most_common(1)[0][0]
    title = next((line.text for line in area if "重点施策" in line.text), None)
    areas, overview = _areas_and_initiatives(ctx)
    rows = _contact_rows(ctx)
    initiatives = _merge(ctx, overview, rows)
    if not initiatives:
        raise IngestError(ctx.document.path, "重点施策の取組（重点取組）が見つかりません", code="no_content")
    _targets(ctx, initiatives)
    return PartnerPriorities(
        issuer=issuer,
        fiscal_year=fiscal_year,
        title=title,
        priority_areas=areas,
        initiatives=initiatives,
        provenance=ctx.prov(area[0] if area else None),
    )


def _areas_and_initiatives(ctx: ParseContext) -> tuple[list[str], list[Initiative]]:
    """Priority areas ``（1）…`` with their bulleted initiatives, from the overview pages."""
    contact_names = [row.name for row in _contact_rows(ctx)]
    areas: list[str] = []
    initiatives: list[Initiative] = []
    lines = ctx.lines
    index = 0
    current_area: str | None = None
    while index < len(lines):
        line = lines[index]
        match = _AREA.match(line.text)
        if match is not None:
            name = match.group("name")
            nxt = lines[index + 1] if index + 1 < len(lines) else None
            if (
                nxt is not None
                and nxt.text
                and not nxt.raw.lstrip().startswith(_BULLET)
                and name.endswith(("と", "の", "に", "・"))
            ):
                name += nxt.text
                index += 1
            number = int(match.group("a") or match.group("b"))
            if number == len(areas) + 1:
                areas.append(name)
            current_area = next((a for a in areas if similar(a, name) > 0.8), name)
            index += 1
            continue
        if current_area is not None and line.raw.lstrip().startswith(_BULLET) and len(line.text) <= 60:
            name = line.text
            nxt = lines[index + 1] if index + 1 < len(lines) else None
            if (
                nxt is not None
                and nxt.text
                and not nxt.raw.lstrip().startswith(_BULLET)
                and _continues(name, nxt.text, contact_names)
            ):
                name += nxt.text
                index += 1
            if not any(similar(name, i.name) >= 0.9 for i in initiatives):
                initiatives.append(
                    Initiative(name=name.strip(), priority_area=current_area, code=None, provenance=ctx.prov(line))
                )
        elif initiatives and line.text:
            break  # the overview is over: a page title or running text begins
        index += 1
    counters: Counter[str] = Counter()
    for initiative in initiatives:
        area_no = areas.index(initiative.priority_area) + 1 if initiative.priority_area in areas else 0
        counters[str(area_no)] += 1
        initiative.code = f"{area_no}-{counters[str(area_no)]}"
    return areas, initiatives


def _continues(name: str, following: str, contact_names: list[str]) -> bool:
    """Whether ``following`` is the wrapped rest of the bulleted initiative ``name``."""
    if len(following) > 30:
        return False
    if contact_names:
        joined = max(similar(name + following, c) for c in contact_names)
        alone = max(similar(name, c) for c in contact_names)
        return joined > alone
    return name.endswith(("と", "の", "に", "を", "が", "や", "・", "、", "及び", "並びに"))


def _contact_rows(ctx: ParseContext) -> list[_Row]:
    """Rows of the contact table: initiative, department, phone; merged cells and sub-items handled."""
    start = next((line.index for line in ctx.lines if _CONTACT_HEAD.match(line.text)), None)
    if start is None:
        return []
    rows: list[_Row] = []
    parent: _Row | None = None
    for line in ctx.lines[start + 1 :]:
        text = line.text
        if not text or re.fullmatch(r"重点取組.*電話番号|取組.*担当.*", text):
            continue
        phones = [m.group() for m in _PHONE.finditer(text)]
        body = _PHONE.sub("", text).strip(" /")
        tokens = body.split()
        dept: list[str] = []
        while (len(tokens) > 1 and _DEPT_TOKEN.match(tokens[-1])) or (
            len(tokens) == 1 and _DEPT_TOKEN.match(tokens[0]) and len(tokens[0]) <= 12
        ):
            dept.insert(0, tokens.pop())
        name = " ".join(tokens).strip()
        if name and len(name) <= 3 and not dept:
            name, dept = "", [name]
        if name:
            sub = _SUB.match(name)
            row = _Row(name, line)
            if sub is not None:
                row.kana, row.name = sub.group("k"), sub.group("name").strip()
                if parent is None and rows and not rows[-1].department and rows[-1].kana is None:
                    parent = rows[-1]
                    parent.is_parent = True
                row.parent = parent.name if parent else None
            else:
                parent = None
            rows.append(row)
        targets = [r for r in rows if not r.is_parent]
        if not targets or not (dept or phones):
            continue
        if dept:
            pending = [r for r in reversed(targets) if not r.department]
            group = []
            for r in pending:
                if r.phone:
                    break
                group.append(r)
            for r in group or [targets[-1]]:
                r.department += dept
        if phones:
            pending = [r for r in targets if not r.phone and r.department]
            for r in pending or [targets[-1]]:
                r.phone += phones
    return rows


def _merge(ctx: ParseContext, overview: list[Initiative], rows: list[_Row]) -> list[Initiative]:
    result = list(overview)
    for row in rows:
        department = " ".join(row.department) or None
        phone = " ".join(row.phone) or None
        if row.kana is not None:
            parent = next((i for i in result if row.parent and similar(i.name, row.parent) >= 0.75), None)
            position = result.index(parent) + 1 if parent else len(result)
            while position < len(result) and result[position].parent is not None:
                position += 1
            result.insert(
                position,
                Initiative(
                    name=row.name,
                    code=f"{parent.code}-{row.kana}" if parent and parent.code else row.kana,
                    parent=parent.name if parent else row.parent,
                    priority_area=parent.priority_area if parent else None,
                    department=department,
                    phone=phone,
                    provenance=ctx.prov(row.line),
                ),
            )
            continue
        match = max(result, key=lambda i: similar(i.name, row.name), default=None)
        if match is not None and similar(match.name, row.name) >= 0.75:
            match.department = match.department or department
            match.phone = match.phone or phone
        else:
            result.append(Initiative(name=row.name, department=department, phone=phone, provenance=ctx.prov(row.line)))
    return result


def _pages(ctx: ParseContext) -> list[list[Line]]:
    if ctx.document.has_pages:
        pages: dict[int | None, list[Line]] = {}
        for line in ctx.lines:
            pages.setdefault(line.page, []).append(line)
        return list(pages.values())
    starts = [line.index for line in ctx.lines if re.match(r"^ [^ \t]", line.raw)]
    if len(starts) < 3:
        return [ctx.lines]
    bounds = [0, *[s for s in starts if s > 0], len(ctx.lines)]
    return [ctx.lines[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _heading_of(line: Line, initiatives: list[Initiative]) -> Initiative | None:
    text = line.text
    sub = _SUB.match(text)
    if sub is not None:
        text = sub.group("name")
    if not text or len(text) > 60:
        return None
    best = max(initiatives, key=lambda i: similar(i.name, text), default=None)
    if best is not None and similar(best.name, text) >= 0.8 and (sub is None or best.parent is not None):
        return best
    return None


def _targets(ctx: ParseContext, initiatives: list[Initiative]) -> None:
    contact = next((line.index for line in ctx.lines if _CONTACT_HEAD.match(line.text)), len(ctx.lines))
    current: Initiative | None = None
    for whole in _pages(ctx):
        page = [line for line in whole if line.index < contact]
        headings = [(line, h) for line in page if (h := _heading_of(line, initiatives)) is not None]
        if len({h.name for _, h in headings}) > 6:
            continue  # an overview page that lists every initiative
        first = max((h for _, h in headings), key=lambda h: h.parent is not None, default=None) if headings else None
        owner = current if not headings else None
        for paragraph in _paragraphs(page):
            before = [h for line, h in headings if line.index <= paragraph[0].index]
            owner = (max(before[-2:], key=lambda h: h.parent is not None) if before else first) or owner or current
            if owner is None:
                continue
            for kpi in _paragraph_targets(ctx, paragraph):
                owner.targets.append(kpi)
        current = headings[-1][1] if headings else current
        if first is not None and first.parent is not None:
            current = first


def _paragraphs(page: list[Line]) -> list[list[Line]]:
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in page:
        if not line.text or line.raw.lstrip().startswith(("•", "⚫", "➢", "◆", "①", "②", "③")):
            if current:
                groups.append(current)
            current = [line] if line.text else []
            continue
        current.append(line)
    if current:
        groups.append(current)
    return groups


def _paragraph_targets(ctx: ParseContext, paragraph: list[Line]) -> list[Kpi]:
    text = "".join(line.text for line in paragraph)
    found: list[Kpi] = []
    for sentence in re.split(r"(?<=。)", text):
        clauses = re.split(r"、(?![^(]*\))", sentence)
        for position, clause in enumerate(clauses):
            if not _TARGET_PHRASE.search(clause) or _NOT_TARGET.search(clause) or not re.search(r"\d", clause):
                continue
            kpi = _parse_clause(clause) or (position and _parse_clause(clauses[position - 1] + "、" + clause)) or None
            if kpi is None and _STRONG_TARGET.search(clause):
                ctx.warn(
                    WarningCode.UNPARSED_KPI,
                    f"目標を構造化できません（本文のまま保持）: {clause}",
                    paragraph[0],
                    {"text": clause},
                )
                continue
            if kpi is None:
                continue
            found.append(kpi.model_copy(update={"provenance": ctx.prov(paragraph[0], clause.strip()[:160])}))
    return found


def _parse_clause(clause: str) -> Kpi | None:
    clause = re.sub(r"^[\u2460-\u2473➢・\s]+", "", clause).strip()
    # 「80兆円規模のCE関連市場創出」: the measure named after the amount (parse_kpi reads "measure: amount").
    scale = _SCALE.search(clause)
    year = None
    if scale is not None:
        found_year = re.search(r"((?:19|20)\d{2})\s*年", clause[: scale.start()])
        year = int(found_year.group(1)) if found_year else None
        clause = f"{scale.group('what')}規模:{scale.group('amount')}以上"
    kpi = parse_kpi(clause)
    if kpi is None:
        cut = re.search(r"^(.*?(?:以上|まで拡大|の創出))", clause)
        kpi = parse_kpi(cut.group(1)) if cut else None
    if kpi is None or kpi.target is None or len(kpi.indicator) < 2 or kpi.unit in _TIME_UNITS:
        return None
    parts = [p for p in re.split(r"から|により|によって|として", kpi.indicator) if len(p) >= 4]
    if len(kpi.indicator) > 30 and parts:
        kpi = kpi.model_copy(update={"indicator": parts[-1]})
    if year is not None and kpi.target_fiscal_year is None:
        kpi = kpi.model_copy(update={"target_fiscal_year": year})
    return kpi
