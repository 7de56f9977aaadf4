"""Project numbering in business plans: which scheme numbers the projects, and where numbered lines are.

Schemes: ``①…``, ``(1)…``, ``1.``/``1、``, ``【1】``/``事業1``.  The scheme is the one whose numbers come
with budgets and restart least; runs of numbers that only number the document's sections are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.ingest.business_plan.kpi_block import looks_like_target
from keikaku.ingest.business_plan.lines import (
    DETAIL_KEYWORDS,
    KPI_HEADING,
    SCHEMES,
    amounts,
    circled_segments,
    departments_in,
    marker_of,
    project_marks,
)
from keikaku.ingest.context import Line, ParseContext

TOTAL_LINE = re.compile(r"予算総額|予算額\s*:?\s*$|総額|合計|総計|(?:令和|平成)\s*\d+\s*年度予算")
FIGURE_CELL = re.compile(r"^\(?\s*\d{1,3}(?:,\d{3})+\s*\)?$|^\(?\s*\d{1,6}\s*\)?$")
UNIT_HEADER = re.compile(r"[(]\s*(?:単位\s*:?\s*)?(千円|円|万円|百万円)\s*[)]|単位\s*:?\s*(千円|円|万円|百万円)")


@dataclass
class Occurrence:
    """A numbered line: which number, the text after it, and (for table rows) the text before it."""

    line: Line
    number: int
    rest: str
    inline: bool = False
    before: str = ""


def choose_scheme(ctx: ParseContext, skip: set[int]) -> str | None:
    """The numbering scheme projects use: numbers with budgets nearby count, restarts count against."""
    best: tuple[float, str] | None = None
    lines = [line for line in ctx.lines if line.index not in skip and line.text]
    bare = unit_declared(ctx)
    for scheme in SCHEMES:
        hits: list[tuple[int, int]] = []
        for position, line in enumerate(lines):
            marker = marker_of(line.text, (scheme,))
            if marker is not None and scheme == "circled" and challenge_number(ctx, line, marker.rest):
                continue
            if marker is not None:
                hits.append((position, marker.number))
            elif scheme == "circled" and _inline_markers(line.text):
                hits.extend((position, number) for _, number, _ in circled_segments(line.text))
        if not hits:
            continue
        evidenced: set[int] = set()
        restarts = 0
        for index, (position, number) in enumerate(hits):
            stop = hits[index + 1][0] if index + 1 < len(hits) and hits[index + 1][0] > position else position + 1
            window = lines[position : min(stop, position + 8)]
            if any("円" in line.text and amounts(line.text) for line in window) or (
                bare and any(FIGURE_CELL.match(line.text) for line in window[1:4])
            ):
                evidenced.add(number)
            if index and number < hits[index - 1][1] and number == 1:
                restarts += 1
        score = len(evidenced) - 0.5 * restarts + (0.25 if scheme == "circled" else 0.0)
        if evidenced and (best is None or score > best[0]):
            best = (score, scheme)
    return best[1] if best else None


def unit_declared(ctx: ParseContext) -> str | None:
    """The unit a table header declares for bare figures (``予算額（千円）``, ``（単位：千円）``), if any."""
    for line in ctx.lines:
        found = UNIT_HEADER.search(line.text) if len(line.text) <= 40 else None
        if found is not None:
            return found.group(1) or found.group(2)
    return None


def _inline_markers(text: str) -> bool:
    """A table row with numbered cells: a circled number after a tab, or several of them with budgets."""
    marks = project_marks(text)
    if not marks or "円" not in text:
        return False
    if len(marks) >= 2 or "\t" in text[: marks[0].start()]:
        return True
    # one numbered cell opening the line: a row of the overview when another cell holds a budget of its own
    # (``⑨ 名称 250千円 …\t管理費 410千円``), a heading when its only budget is its own (``① 名称\t85,000千円``)
    cells = text.split("\t")
    return len(cells) > 1 and "円" in cells[0] and any("円" in cell for cell in cells[1:])


def find_occurrences(ctx: ParseContext, scheme: str, skip: set[int]) -> list[Occurrence]:
    """Every numbered line of the scheme, and every cell of numbered table rows."""
    found: list[Occurrence] = []
    for line in ctx.lines:
        if line.index in skip or not line.text:
            continue
        if scheme == "circled" and _inline_markers(line.text):
            for before, number, segment in circled_segments(line.text):
                found.append(Occurrence(line, number, segment, inline=True, before=before))
            continue
        marker = marker_of(line.text, (scheme,))
        if marker is not None and not (scheme == "circled" and challenge_number(ctx, line, marker.rest)):
            found.append(Occurrence(line, marker.number, marker.rest))
    return found


def challenge_number(ctx: ParseContext, line: Line, rest: str) -> bool:
    """A circled number alone on its line (or before the challenge's motto) just below ``関西チャレンジ``: the
    challenge's number, its label laid out one cell per line, not a project's."""
    if rest and not re.fullmatch(r"「[^」]{1,20}」", rest):
        return False
    above = next((p.text for p in reversed(ctx.lines[max(0, line.index - 3) : line.index]) if p.text), "")
    return above.endswith("チャレンジ") and len(above) <= 12


def project_runs(ctx: ParseContext, occurrences: list[Occurrence], skip: set[int]) -> list[Occurrence]:
    """Keep the runs of numbers that are projects; drop runs that number document sections.

    A run ends where the numbering goes back (``1. 予算の概要 2. 事業別の内容`` then ``1. 事業A``); table
    rows never end one.  A run is kept when most of its entries come with evidence: a budget (not the
    plan's total), a department, a KPI, or detail headings such as 事業概要.
    """
    runs: list[list[Occurrence]] = []
    for occ in occurrences:
        if runs and (occ.inline or occ.number >= runs[-1][-1].number or (runs[-1][-1].inline and occ.inline)):
            runs[-1].append(occ)
        else:
            runs.append([occ])
    if len(runs) == 1:
        return occurrences
    starts = sorted({o.line.index for o in occurrences})
    kept: list[Occurrence] = []
    for run in runs:
        evidenced = sum(1 for occ in run if _evidence(ctx, occ, starts, skip))
        if evidenced * 2 >= len(run) and evidenced:
            kept.extend(run)
    return kept or occurrences


def _evidence(ctx: ParseContext, occ: Occurrence, starts: list[int], skip: set[int]) -> bool:
    if occ.inline:
        return bool(amounts(occ.rest))
    window = ctx.lines[max(0, occ.line.index - 80) : occ.line.index]
    bare = "千円" if any(UNIT_HEADER.search(line.text) and len(line.text) <= 40 for line in window) else None
    stop = next((i for i in starts if i > occ.line.index), len(ctx.lines))
    if bare is not None:
        cells = [occ.rest] + [line.text for line in ctx.lines[occ.line.index + 1 : min(stop, occ.line.index + 6)]]
        if any(text and FIGURE_CELL.match(text) for text in cells) or amounts(occ.rest, bare_unit=bare):
            return True
    texts = [occ.rest] + [
        line.text for line in ctx.lines[occ.line.index + 1 : min(stop, occ.line.index + 16)] if line.index not in skip
    ]
    label_value = False
    for text in texts:
        if label_value and FIGURE_CELL.match(re.sub(r"\s*千円$", "", text)):
            label_value = False
            continue  # the value cell of a total's label on the line above (cells one per line)
        label_value = bool(text and TOTAL_LINE.search(text) and not amounts(text))
        if not text or TOTAL_LINE.search(text) or "うち" in text:
            continue
        if amounts(text) or departments_in(text) or DETAIL_KEYWORDS.match(text) or KPI_HEADING.match(text):
            return True
        if looks_like_target(text) and re.search(r"以上|以下|維持", text):
            return True
    return False
