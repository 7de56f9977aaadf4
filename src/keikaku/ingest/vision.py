"""The vision parser (関西広域産業ビジョン): future images, numeric targets with their derivation, the
challenges with aspiration, goal and aims A/B, the values, and a budget list of projects if it has one.
"""

from __future__ import annotations

import re
from collections import Counter

from keikaku.domain import Aim, Challenge, Kpi, Plan, PlanData, Vision, WarningCode
from keikaku.domain.kpi import KpiDerivation
from keikaku.ingest.business_plan.build import build_plan
from keikaku.ingest.business_plan.drafts import PlanHeader
from keikaku.ingest.business_plan.header import contents_lines, fiscal_year_in
from keikaku.ingest.business_plan.lines import CIRCLED, amounts
from keikaku.ingest.business_plan.overview import bulleted_budget_list
from keikaku.ingest.common import find_issuer, join_japanese, title_area
from keikaku.ingest.context import Line, ParseContext
from keikaku.ingest.errors import IngestError
from keikaku.normalize import parse_kpi

_TITLE = re.compile(r"^(?P<title>.*ビジョン)\s*(?:\((?P<rev>[^)]*(?:改訂|版|策定)[^)]*)\))?")
_HORIZON = re.compile(r"((?:19|20)\d{2})\s*年度?(?:で|の|に|まで|を)")
_IMAGES_HEAD = re.compile(r"将来像")
_TARGETS_HEAD = re.compile(r"^【?\s*数値目標\s*】?$|^【数値目標】")
_TARGETS_END = re.compile(r"アプローチ|チャレンジ|バリュー|取組み?$|将来像")
_ASPIRATION = re.compile(r"^(?:めざす姿|目指す姿)\s*[:]\s*(?P<v>\S.*)$")
_TARGET_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年度?(?:の|における|時点の)\s*")
_CHALLENGE = re.compile(r"(?:関西)?チャレンジ\s*(?P<n>[\u2460-\u2468]|[1-9])\s*(?:「(?P<name>[^」]+)」)?")
_CHALLENGE_HEAD = re.compile(r"^(?P<n>[1-9])\s+(?P<goal>\S.{6,})$")
_AIM = re.compile(r"^(?P<key>[A-D])\s+(?P<text>\S.{4,})$")
_VALUE = re.compile(r"^(?P<name>[\u30a1-\u30fa\u30fc]{3,})\s*\(")
_DERIVATION = re.compile(
    r"(?P<base>[\d,.]+)\s*(?P<bu>兆円|億円|万円|円)\s*(?:\((?P<bl>[^)]*)\))?\s*[×x*]\s*(?P<f>[\d.]+)\s*(?P<fu>%|倍)"
    r"\s*(?:\([^)]*\))?\s*=\s*(?P<r>[\d,.]+)\s*(?P<ru>兆円|億円|万円|円)"
)
_AREA = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,3}[都道府県]")
_LIST_HEAD = re.compile(r"(?:令和|平成|R|H)\s*\d{1,2}\s*年度.{0,10}(?:事業|予算)")


def parse_vision(ctx: ParseContext) -> PlanData:
    """A vision bundle: the vision, and a plan for the budget list the vision may end with."""
    area = title_area(ctx.lines)
    title_line = next((line for line in area if "ビジョン" in line.text), None)
    if title_line is None:
        raise IngestError(ctx.document.path, "ビジョンの表題が見つかりません", code="no_title")
    match = _TITLE.match(title_line.text)
    title = join_japanese(match.group("title")) if match else title_line.text
    revision = match.group("rev") if match and match.group("rev") else None
    vision = Vision(
        title=title,
        issuer=find_issuer(area),
        revision=revision,
        horizon_fiscal_year=_horizon(ctx),
        future_images=_future_images(ctx),
        provenance=ctx.prov(title_line),
    )
    vision.numeric_targets = _numeric_targets(ctx, vision.horizon_fiscal_year)
    if vision.horizon_fiscal_year is None:
        years = {k.target_fiscal_year for k in vision.numeric_targets if k.target_fiscal_year}
        vision.horizon_fiscal_year = max(years) if years else None
        vision.numeric_targets = [
            k.model_copy(update={"target_fiscal_year": k.target_fiscal_year or vision.horizon_fiscal_year})
            for k in vision.numeric_targets
        ]
    vision.economic_area = _economic_area(ctx)
    vision.challenges = _challenges(ctx)
    vision.values = _values(ctx)
    data = PlanData(vision=vision)
    plan = _budget_list(ctx, vision.issuer)
    if plan is not None:
        data.plans.append(plan)
    data.warnings = list(ctx.warnings)
    if not vision.challenges and not vision.numeric_targets and not vision.future_images:
        raise IngestError(
            ctx.document.path,
            "ビジョンとして読める内容（将来像・数値目標・チャレンジ）が見つかりません",
            code="no_content",
        )
    return data


def _horizon(ctx: ParseContext) -> int | None:
    counts: Counter[int] = Counter()
    for line in ctx.lines:
        if re.search(r"めざす|目指す|実現|将来像|目標", line.text):
            counts.update(int(m.group(1)) for m in _HORIZON.finditer(line.text))
    return counts.most_common(1)[0][0] if counts else None


def _future_images(ctx: ParseContext) -> list[str]:
    skip, _ = contents_lines(ctx)
    for line in ctx.lines:
        if line.index not in skip and _IMAGES_HEAD.search(line.text) and len(line.text) <= 20:
            images = _images_after(ctx, line.index)
            if images:
                return images
    return []


def _images_after(ctx: ParseContext, start: int) -> list[str]:
    images: list[str] = []
    for line in ctx.lines[start + 1 : start + 40]:
        text = line.text
        if _TARGETS_HEAD.match(text) or (text.startswith("【") and "目標" in text):
            break
        if (
            not text
            or len(text) > 40
            or "。" in text
            or text.startswith(("【", "■", "("))
            or line.raw.lstrip().startswith(("-", "・", "•"))
        ):
            continue
        if text.endswith(("関西", "地域", "社会", "日本")) and text not in images:
            images.append(text)
    return images


def _numeric_targets(ctx: ParseContext, horizon: int | None) -> list[Kpi]:
    """The numeric targets under the 数値目標 heading; a figure repeated in the explanation is kept once."""
    start = next((line.index for line in ctx.lines if _TARGETS_HEAD.match(line.text)), None)
    if start is None:
        return []
    kpis: list[Kpi] = []
    derivation: KpiDerivation | None = None
    seen = 0
    for line in ctx.lines[start + 1 :]:
        text = line.text
        if not text:
            continue
        seen += 1
        if seen > 14 or (_TARGETS_END.search(text) and len(text) <= 30):
            break
        found = _DERIVATION.search(text)
        if found is not None:
            derivation = KpiDerivation(
                base=float(found.group("base").replace(",", "")),
                base_unit=found.group("bu"),
                base_label=found.group("bl"),
                factor=float(found.group("f")),
                factor_unit=found.group("fu"),
                result=float(found.group("r").replace(",", "")),
                result_unit=found.group("ru"),
            )
            continue
        for found_kpi in _line_targets(text):
            if any(k.unit == found_kpi.unit and k.target == found_kpi.target for k in kpis):
                continue
            kpi = found_kpi
            year = _TARGET_YEAR.match(kpi.indicator)
            if year is not None:
                kpi = kpi.model_copy(
                    update={"indicator": kpi.indicator[year.end() :], "target_fiscal_year": int(year.group(1))}
                )
            kpis.append(
                kpi.model_copy(
                    update={"target_fiscal_year": kpi.target_fiscal_year or horizon, "provenance": ctx.prov(line)}
                )
            )
    if derivation is not None:
        for index, kpi in enumerate(kpis):
            if kpi.unit == derivation.result_unit:
                kpis[index] = kpi.model_copy(update={"derivation": derivation})
    return kpis


def _line_targets(text: str) -> list[Kpi]:
    """Targets in one line, which may name several (``国内シェアを25%、GRP額を約150兆円``)."""
    found: list[Kpi] = []
    prefix: list[str] = []
    for part in re.split(r"、(?![^(]*\))", text):
        kpi = parse_kpi(part)
        if kpi is None or kpi.target is None:
            prefix.append(part)
            continue
        indicator = kpi.indicator
        if prefix and len(prefix[-1]) <= 20 and not re.search(r"\d", prefix[-1]):
            indicator = "・".join([prefix[-1], indicator])
        prefix = []
        found.append(kpi.model_copy(update={"indicator": indicator.replace("*", "")}))
    return found


def _economic_area(ctx: ParseContext) -> list[str]:
    for line in ctx.lines:
        if "広域経済圏" in line.text and "とは" in line.text:
            names = ["関西広域連合構成府県市"] if "構成府県市" in line.text else []
            names += [n for n in _AREA.findall(line.text.split("とは", 1)[1]) if n not in names and "府県" not in n]
            return names
    return []


def _challenges(ctx: ParseContext) -> list[Challenge]:
    found: dict[int, Challenge] = {}
    current: int | None = None
    last: int | None = None
    for line in ctx.lines:
        text = line.text
        for cell in text.split("\t"):
            match = _CHALLENGE.search(cell)
            if match is None:
                continue
            number = _number(match.group("n"))
            challenge = found.get(number)
            name = match.group("name") or _name_below(ctx, line)
            if challenge is None and name:
                challenge = found[number] = Challenge(number=number, name=name, provenance=ctx.prov(line))
            if challenge is None:
                continue
            last = number
            after = join_japanese(cell[match.end() :]).strip()
            if after and challenge.goal is None and not re.fullmatch(r"\d{1,3}", after):
                challenge.goal = after
            cells = text.split("\t")
            position = cells.index(cell)
            if position > 0 and challenge.aspiration is None:
                aspiration = cells[position - 1].strip()
                if (
                    aspiration
                    and aspiration not in ("×", "x")
                    and len(aspiration) <= 20
                    and "チャレンジ" not in aspiration
                ):
                    challenge.aspiration = aspiration
        label = _ASPIRATION.match(text)
        if label is not None and last is not None and found[last].aspiration is None:
            found[last].aspiration = label.group("v").strip()
        head = _CHALLENGE_HEAD.match(text)
        if head is not None and int(head.group("n")) in found:
            current = int(head.group("n"))
            found[current].goal = join_japanese(head.group("goal"))
            continue
        aim = _AIM.match(text)
        if aim is not None and current is not None:
            challenge = found[current]
            if not any(a.key == aim.group("key") for a in challenge.aims):
                challenge.aims.append(
                    Aim(key=aim.group("key"), text=aim.group("text").strip(), provenance=ctx.prov(line))
                )
    return [found[n] for n in sorted(found)]


def _name_below(ctx: ParseContext, line: Line) -> str | None:
    """A challenge's 「name」 on the line after its label (one cell per line)."""
    nxt = next((probe.text for probe in ctx.lines[line.index + 1 : line.index + 3] if probe.text), "")
    match = re.fullmatch(r"「([^」]{2,20})」", nxt)
    return match.group(1) if match else None


def _number(raw: str) -> int:
    return CIRCLED.get(raw) or int(raw)


def _values(ctx: ParseContext) -> list[str]:
    start = next((line.index for line in ctx.lines if "バリュー" in line.text), None)
    if start is None:
        return []
    values: list[str] = []
    for line in ctx.lines[start : start + 30]:
        match = _VALUE.match(line.text)
        if match is not None and line.raw.lstrip()[:1] in "●○◆■・•◎" and match.group("name") not in values:
            values.append(match.group("name"))
    return values


def _budget_list(ctx: ParseContext, issuer: str | None) -> Plan | None:
    """A plan for the budget list a vision ends with (``令和5年度事業《予算額：55,969千円》`` and its items)."""
    for line in ctx.lines:
        if not _LIST_HEAD.search(line.text) or "予算" not in line.text:
            continue
        found = [m for m in amounts(line.text) if not m.of_which]
        year = fiscal_year_in(line.text)
        if not found or year is None:
            continue
        items: list[Line] = []
        for probe in ctx.lines[line.index + 1 :]:
            if not probe.text:
                continue
            if not amounts(probe.text):
                break
            items.append(probe)
        drafts = bulleted_budget_list(ctx, items)
        if not drafts:
            ctx.warn(WarningCode.UNREAD_SECTION, f"{line.text} の事業一覧を読み取れません", line)
            return None
        header = PlanHeader(
            fiscal_year=year,
            title=re.split(r"[《(<]", line.text)[0].strip() or None,
            issuer=issuer,
            total=found[0].amount.value_thousand_yen,
            total_line=line,
            title_line=line,
        )
        return build_plan(ctx, header, drafts)
    return None
