"""The action-plan parser (アクションプラン): themes, each with its desired state (ありたい姿) and a matrix
of periods (2024, 2025, 2026～) × actors (関西広域連合, 構成府県市).

Themes are named by the plan's own list (【取組項目】, else the table of contents).  Each matrix (a
``年度`` header row followed by ``テーマ`` and actor rows) is one theme: the theme heading before it
when there is one, else the next theme of the list, in order — extracted pages often lose headings.
"""

from __future__ import annotations

import re

from keikaku.domain import ActionPlan, Actor, Theme, ThemeEntry, WarningCode
from keikaku.ingest.business_plan.build import similar
from keikaku.ingest.business_plan.header import contents_lines
from keikaku.ingest.common import find_issuer, find_published, title_area
from keikaku.ingest.context import Line, ParseContext, clean
from keikaku.ingest.errors import IngestError
from keikaku.normalize import normalize_text

_PERIOD = re.compile(r"((?:19|20)\d{2})\s*(~|～|〜|以降)?")
_SPAN = re.compile(r"((?:19|20)\d{2})\s*年度?\s*から\s*(\d{1,2})\s*年間")
_THEMES_HEAD = re.compile(r"^【?\s*取組項目\s*】?$|^【?\s*テーマ一覧\s*】?$")
_INTRO = re.compile(r"について$|はじめに|概要$|目次|^アクションプラン")


def parse_action_plan(ctx: ParseContext) -> ActionPlan:
    """The action plan of a document; raises :class:`IngestError` when no theme matrix can be read."""
    area = title_area(ctx.lines)
    title_line = next((line for line in area if "アクションプラン" in line.text.replace(" ", "")), None)
    plan = ActionPlan(
        title=title_line.text if title_line else None,
        issuer=find_issuer(area),
        published=find_published(area),
        provenance=ctx.prov(title_line),
    )
    names = _theme_names(ctx)
    tables = [line for line in ctx.lines if _is_header_row(line)]
    if not tables:
        raise IngestError(
            ctx.document.path, "アクションプランの取組表（年度 × 実施主体）が見つかりません", code="no_content"
        )
    unused = list(names)
    previous_end = 0
    periods_seen: list[int] = []
    for number, header in enumerate(tables):
        stop = tables[number + 1].index if number + 1 < len(tables) else len(ctx.lines)
        name = _heading_between(ctx, previous_end, header.index, unused) or (
            unused[0] if unused else f"テーマ{number + 1}"
        )
        if name in unused:
            unused.remove(name)
        theme = Theme(
            name=name, desired_state=_desired_state(ctx, previous_end, header.index), provenance=ctx.prov(header)
        )
        periods = _periods(header)
        periods_seen += [int(p[:4]) for p in periods]
        theme.entries = _matrix(ctx, header, stop, periods)
        plan.themes.append(theme)
        previous_end = header.index + 1
    span = next((m for line in ctx.lines if (m := _SPAN.search(line.text))), None)
    if span is not None:
        plan.start_fiscal_year = int(span.group(1))
        plan.end_fiscal_year = plan.start_fiscal_year + int(span.group(2)) - 1
    elif periods_seen:
        plan.start_fiscal_year, plan.end_fiscal_year = min(periods_seen), max(periods_seen)
    for name in unused:
        ctx.warn(WarningCode.UNREAD_SECTION, f"取組項目「{name}」の取組表が見つかりません")
    return plan


def _theme_names(ctx: ParseContext) -> list[str]:
    for line in ctx.lines:
        if _THEMES_HEAD.match(line.text):
            names: list[str] = []
            for probe in ctx.lines[line.index + 1 : line.index + 20]:
                if not probe.text:
                    continue
                if not probe.raw.lstrip().startswith(("-", "・", "•", "●", "○")) and names:
                    break
                names.append(re.sub(r"・\s+", "・", probe.text))
            if names:
                return names
    _, entries = contents_lines(ctx)
    return [re.sub(r"\s*\d{1,3}$", "", e).strip() for e in entries if not _INTRO.search(e)]


def _cells(text: str) -> list[str]:
    """The cells of a table row: tab-separated, or a markdown row ``| a | b |``."""
    if text.startswith("|") and text.count("|") >= 3:
        return [cell.strip() for cell in text.strip().strip("|").split("|")]
    return text.split("\t")


def _is_header_row(line: Line) -> bool:
    cells = _cells(line.text)
    return (
        len(cells) >= 3 and cells[0].strip() in ("年度", "年", "時期", "期間") and len(_PERIOD.findall(line.text)) >= 2
    )


def _periods(header: Line) -> list[str]:
    periods: list[str] = []
    for cell in _cells(header.text)[1:]:
        match = _PERIOD.search(cell)
        if match is not None:
            periods.append(match.group(1) + ("-" if match.group(2) else ""))
    return periods


def _heading_between(ctx: ParseContext, start: int, stop: int, names: list[str]) -> str | None:
    for line in ctx.lines[start:stop]:
        if not line.text or len(line.text) > 30:
            continue
        for name in names:
            if similar(line.text, name) >= 0.85:
                return name
    return None


def _desired_state(ctx: ParseContext, start: int, stop: int) -> str | None:
    label = None
    for line in ctx.lines[start:stop]:
        if line.text.endswith("ありたい姿") and len(line.text) <= 20:
            label = line.index
    if label is None:
        return None
    parts: list[str] = []
    for line in ctx.lines[label + 1 : stop]:
        text = line.text
        if not text:
            if parts:
                break
            continue
        if text.startswith(("Action", "※", "*")) or _is_header_row(line):
            break
        parts.append(text)
    return "".join(parts) or None


def _actor(label: str) -> Actor | None:
    label = label.replace(" ", "")
    if "構成府県市" in label or "府県市" in label:
        return Actor.MEMBER_GOVERNMENTS
    if "広域連合" in label:
        return Actor.UNION
    return None


def _matrix(ctx: ParseContext, header: Line, stop: int, periods: list[str]) -> list[ThemeEntry]:
    """The entries of one matrix: a ``テーマ`` row names each period's theme, actor rows list actions."""
    themes: dict[str, str] = {}
    entries: dict[tuple[str, Actor], ThemeEntry] = {}
    actor: Actor | None = None
    for line in ctx.lines[header.index + 1 : stop]:
        raw_cells = _cells(normalize_text(line.raw).strip(" "))
        if raw_cells and set("".join(raw_cells)) <= set("-: "):
            continue  # the |---|---| line under a markdown header
        if len(raw_cells) < 2:
            if line.text and _actor(line.text) is None and line.text.startswith(("Action", "万博後")):
                break
            continue
        label = clean(raw_cells[0])
        if label in ("テーマ", "テーマ名"):
            for period, cell in zip(periods, raw_cells[1:], strict=False):
                if clean(cell):
                    themes[period] = clean(cell)
            continue
        actor = _actor(label) or (actor if not label else None)
        if actor is None:
            continue
        for period, cell in zip(periods, raw_cells[1:], strict=False):
            actions = split_actions(cell)
            if not actions:
                continue
            entry = entries.get((period, actor))
            if entry is None:
                entry = entries[(period, actor)] = ThemeEntry(
                    period=period, actor=actor, theme_of_period=themes.get(period), provenance=ctx.prov(line)
                )
            entry.actions.extend(actions)
    ordered = [entries[(p, a)] for a in (Actor.UNION, Actor.MEMBER_GOVERNMENTS) for p in periods if (p, a) in entries]
    for period in periods:
        for a in (Actor.UNION, Actor.MEMBER_GOVERNMENTS):
            if (period, a) not in entries and period in themes:
                ordered.append(
                    ThemeEntry(period=period, actor=a, theme_of_period=themes[period], provenance=ctx.prov(header))
                )
    return ordered


def _joins(left: str, right: str) -> bool:
    """A space between these two characters separates two items (not words of an English name)."""
    if right == "・":
        return False
    if left in ")」』" and right.isascii() and right.isupper():
        return True  # 「…（例）」 Beyond 5G …: an English name starting the next item
    return not (left.isascii() and left.isalnum()) and not (right.isascii() and right.isalnum())


def split_actions(cell: str) -> list[str]:
    """The actions of a matrix cell: list items, ``・``/``▶`` bullets, or items run together with a space.

    A space splits only between two Japanese characters and never inside brackets, so ``Beyond 5G 関連``
    and ``（例 ペロブスカイト…）`` stay whole.  A ``【ラベル】`` before a list is kept on its items.
    """
    text = clean(cell.replace("</li>", " ").replace("<li>", " "))
    if not text:
        return []
    label = ""
    match = re.match(r"^【([^】]+)】\s*", text)
    if match is not None:
        label, text = f"【{match.group(1)}】", text[match.end() :]
    items: list[str] = []
    depth = 0
    current = ""
    for index, ch in enumerate(text):
        depth += 1 if ch in "(「『【" else -1 if ch in ")」』】" else 0
        splits = depth <= 0 and (
            ch in "▶►➢"
            or (ch == "・" and (index == 0 or text[index - 1] == " "))
            or (ch == " " and 0 < index < len(text) - 1 and _joins(text[index - 1], text[index + 1]))
        )
        if splits:
            if current.strip():
                items.append(current.strip())
            current = ""
            continue
        current += ch
    if current.strip():
        items.append(current.strip())
    return [f"{label}{item}" if label else item for item in items if item not in ("等", "など")]
