"""KPI sections (成果目標): lines to items, items to structured KPIs, baselines (【参考】) to references.

An item is one bulleted line, or consecutive lines until the item reads as a complete target: PDF text
wraps long KPIs (``…と回答した割合：`` / ``80%以上``), and one-cell-per-line layouts lose the bullets.
An item :func:`keikaku.normalize.parse_kpi` cannot structure raises an ``unparsed_kpi`` warning that
keeps its text; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from keikaku.domain import Kpi, WarningCode
from keikaku.ingest.business_plan.lines import REFERENCE_LABEL
from keikaku.ingest.context import Line, ParseContext
from keikaku.normalize import parse_kpi, parse_kpi_reference, parse_kpis

_BULLET_START = re.compile(r"^\s*(?:[-+*]\s+|[・•●◇◆□■▪▶►➢⚫○◯◦※]|\(\d{1,2}\)|[\u2460-\u2473])")
_TARGET_HINT = re.compile(
    r"\d[\d,.]*\s*(?:%|％|倍|位|人|件|社|者|回|部|団体|機関|か所|箇所|兆円|億円|万円|千円|円|t|本|校|品目|ヶ所)"
    r"|維持|向上|以上|以下|未満|上回"
)
_PARTICLES = ("と", "の", "を", "に", "が", "で", "へ", "は", "、", "や", "・", "「")
_COMPLETE = re.compile(
    r"(?:以上|以下|未満|以内|超|維持・向上|の維持|向上|達成|まで拡大|を上回る|[\d][\d,.]*\s*\S{0,3})\s*[)）]?$"
)


@dataclass
class KpiItem:
    """A KPI as written (possibly over several lines) and an optional baseline text."""

    text: str
    line: Line
    reference_text: str | None = None
    reference_line: Line | None = None
    lines: list[Line] = field(default_factory=list)


def had_bullet(line: Line) -> bool:
    """True when the raw line began with a bullet or a number (a new item, not a continuation)."""
    return bool(_BULLET_START.match(line.raw.replace("**", "")))


def looks_like_target(text: str) -> bool:
    """True when the text reads like a KPI target (a number with a unit, or 維持・向上 and the like)."""
    return bool(_TARGET_HINT.search(text))


def is_complete(text: str) -> bool:
    """True when the text ends the way a KPI target ends (以上, 80%, 維持・向上 …)."""
    return bool(_COMPLETE.search(text)) and looks_like_target(text)


def _joiner(indicator: str, target: str) -> str:
    """``:`` between an indicator cell and its target cell (``商談件数`` / ``出展企業数×6倍以上``); nothing
    inside a wrapped sentence (``…と`` / ``回答した割合：80%以上``)."""
    if ":" in indicator or ":" in target or indicator.endswith(_PARTICLES) or looks_like_target(indicator):
        return ""
    return ":" if looks_like_target(target) else ""


def group_items(lines: list[Line]) -> list[KpiItem]:
    """Assemble the lines of a KPI section into items, attaching 【参考】 baselines to the item before."""
    items: list[KpiItem] = []
    expecting_reference = False
    for line in lines:
        text = line.text
        if not text:
            continue
        ref = REFERENCE_LABEL.match(text)
        if ref is not None:
            rest = (ref.group("rest") or ref.group("rest2") or "").strip()
            if items:
                if rest:
                    items[-1].reference_text, items[-1].reference_line = rest, line
                else:
                    expecting_reference = True
            continue
        if expecting_reference and items:
            previous = items[-1]
            previous.reference_text = ((previous.reference_text or "") + " " + text).strip()
            previous.reference_line = previous.reference_line or line
            expecting_reference = False
            continue
        if items and not had_bullet(line) and not is_complete(items[-1].text):
            items[-1].text = f"{items[-1].text}{_joiner(items[-1].text, text)}{text}"
            items[-1].lines.append(line)
            continue
        items.append(KpiItem(text, line, lines=[line]))
    return items


def kpis_from_items(ctx: ParseContext, items: list[KpiItem], *, owner: str | None = None) -> list[Kpi]:
    """Structured KPIs for the items; an item that cannot be structured is reported, with its text kept."""
    result: list[Kpi] = []
    for item in items:
        found = parse_kpis(item.text)
        if not found:
            kpi = parse_kpi(item.text)
            found = [kpi] if kpi is not None else []
        if not found:
            ctx.warn(
                WarningCode.UNPARSED_KPI,
                f"成果目標を構造化できません（本文のまま保持）: {item.text}",
                item.line,
                {"text": item.text, "owner": owner} if owner else {"text": item.text},
            )
            continue
        reference = parse_kpi_reference(item.reference_text) if item.reference_text else None
        for kpi in found:
            update: dict[str, object] = {"provenance": ctx.prov(item.line, item.text)}
            if reference is not None and kpi.reference is None:
                update["reference"] = reference
            result.append(kpi.model_copy(update=update))
    return result


def kpis_from_lines(ctx: ParseContext, lines: list[Line], *, owner: str | None = None) -> list[Kpi]:
    """Group the lines of a KPI section into items and structure them."""
    return kpis_from_items(ctx, group_items(lines), owner=owner)
