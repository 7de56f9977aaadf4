"""Charts as inline SVG, generated here: no plotting library, the same markup in HTML and PDF.

Every label is escaped; the SVG names its font (Noto Sans CJK, as the PDF embeds it).  No label is cut
short: a long one wraps over lines (its row grows), and the chart is as wide as its longest text needs,
so that every text lies inside the viewBox (the PDF would clip it at the edge).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from keikaku.evaluation.types import KPI_STATUSES, Status

STATUS_COLOURS = {
    Status.ACHIEVED: "#2e7d32",
    Status.MOSTLY_ACHIEVED: "#f9a825",
    Status.NOT_ACHIEVED: "#c62828",
    Status.NOT_MEASURED: "#616161",
    Status.UNDETERMINABLE: "#546e7a",
    Status.EVALUATING: "#1565c0",
}
#: The colour of a count drawn on a bar, where white would not reach 4.5:1 against it.
LABEL_ON = {Status.MOSTLY_ACHIEVED: "#222"}
_LABEL_WIDTH = 210
_BAR_WIDTH = 360
_ROW = 22
#: Sizes (px) of the labels, the title and the small texts, and the height of a line of each.
_LABEL, _LABEL_LINE = 11, 13
_TITLE, _TITLE_LINE = 12, 15
_SMALL = 10
#: Characters of Noto Sans CJK wider than the other ASCII ones (up to 1 em); other ASCII capitals are up to
#: 0.77 em, the rest of ASCII up to 0.66 em, and the space 0.23 em, in the bold face as in the regular one.
_WIDE_ASCII = frozenset("MWmw@%&")
_TOKEN = re.compile(r"[!-~]+| |[^ -~]")


def text_width(text: str, size: float) -> float:
    """An upper bound of the width (px) of ``text`` at ``size`` px in Noto Sans CJK (the PDF's font).

    Everything outside ASCII is counted a full em: kanji and kana are, and so are the full-width and
    ambiguous-width signs (…, ×, →, ①) in a Japanese font.  Labels are laid out with this bound, so that a
    label never runs past the chart's edge, whatever the font's true widths.
    """
    em = 0.0
    for char in text:
        if char == " ":
            em += 0.25
        elif not char.isascii() or char in _WIDE_ASCII:
            em += 1.0
        elif "A" <= char <= "Z":
            em += 0.8
        else:
            em += 0.66
    return em * size


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` at ``size``: broken at a space between Latin words, else
    between any two characters (Japanese has no spaces); nothing is left out."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if text_width(line + token, size) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while text_width(line, size) > width:  # a word wider than the line: break it between characters
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _lines(lines: Sequence[str], x: float, y: float, step: float, attributes: str) -> list[str]:
    """One ``<text>`` per line, the first on baseline ``y``."""
    return [
        f'<text x="{x:.1f}" y="{y + i * step:.1f}" {attributes}>{escape(line)}</text>' for i, line in enumerate(lines)
    ]


def _title(title: str, width: float) -> tuple[list[str], float]:
    """The chart's title, wrapped to its width, and the top of what follows it."""
    lines = wrap(title, _TITLE, width)
    return _lines(lines, 0, 12, _TITLE_LINE, f'font-size="{_TITLE}" font-weight="bold"'), 24.0 + _TITLE_LINE * (
        len(lines) - 1
    )


def _row_label(label: str, y: float) -> tuple[list[str], float]:
    """A row's label, right-aligned before the bars and wrapped over as many lines as it needs, and the
    height those lines take."""
    lines = wrap(label, _LABEL, _LABEL_WIDTH - 10)
    body = _lines(lines, _LABEL_WIDTH - 6, y + 12, _LABEL_LINE, f'text-anchor="end" font-size="{_LABEL}"')
    return body, _LABEL_LINE * len(lines) + 6


def _legend(items: Sequence[tuple[str, str]], x0: float, y: float, width: float) -> tuple[list[str], float]:
    """Colour swatches with their texts, in rows that fit the chart's width, and the bottom of the last row."""
    body: list[str] = []
    x = x0
    for colour, text in items:
        step = 13 + text_width(text, _SMALL) + 10
        if x > x0 and x + step - 10 > width:
            x, y = x0, y + 16
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 13:.1f}" y="{y + 9:.1f}" font-size="{_SMALL}">{escape(text)}</text>')
        x += step
    return body, y + 12


#: The charts' font, named on the SVG itself: WeasyPrint does not pass the page's font into an SVG (its Latin
#: letters came out in DejaVu Sans, wider than the widths the labels are laid out with).
FONT_FAMILY = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def status_chart(title: str, rows: Sequence[tuple[str, Mapping[Status, int]]]) -> Markup:
    """Stacked horizontal bars: how many KPIs of each row (e.g. each challenge) have each status."""
    totals = [f"{sum(counts.values())}件" for _, counts in rows]
    tail = max((text_width(total, _SMALL) for total in totals), default=0)
    width = max(_LABEL_WIDTH + _BAR_WIDTH + 60, round(_LABEL_WIDTH + _BAR_WIDTH + 4 + tail + 8))
    body, y = _title(title, width)
    most = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    for (label, counts), total in zip(rows, totals, strict=True):
        label_body, label_height = _row_label(label, y)
        body += label_body
        x = float(_LABEL_WIDTH)
        for status in KPI_STATUSES:
            n = counts.get(status, 0)
            if not n:
                continue
            w = _BAR_WIDTH * n / most
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="16" fill="{STATUS_COLOURS[status]}">'
                f"<title>{escape(status.value)} {n}件</title></rect>"
            )
            if w >= text_width(str(n), _SMALL) + 4:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 12}" text-anchor="middle" font-size="{_SMALL}" '
                    f'fill="{LABEL_ON.get(status, "#fff")}">{n}</text>'
                )
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="{_SMALL}">{total}</text>')
        y += max(_ROW, label_height)
    legend = [(STATUS_COLOURS[status], status.value) for status in KPI_STATUSES]
    legend_body, bottom = _legend(legend, _LABEL_WIDTH, y + 10, width)
    return _svg(width, round(bottom + 8), title, body + legend_body)


@dataclass(frozen=True)
class Bar:
    """One bar of an achievement chart: label, achievement ratio (None: nothing to draw) and status."""

    label: str
    ratio: float | None
    status: Status


def achievement_chart(title: str, bars: Sequence[Bar], *, limit: float = 1.5) -> Markup:
    """Horizontal bars of achievement ratios with a line at 100%; ratios above ``limit`` are drawn at it."""
    scale = _BAR_WIDTH / limit
    tails = [
        (min(bar.ratio, limit) * scale + text_width(f"{bar.ratio * 100:.1f}%", _SMALL))
        if bar.ratio is not None
        else text_width(bar.status.value, _SMALL)
        for bar in bars
    ]
    width = max(_LABEL_WIDTH + _BAR_WIDTH + 70, round(_LABEL_WIDTH + 4 + max(tails, default=0) + 8))
    body, y = _title(title, width)
    top = y - 6
    for bar in bars:
        label_body, label_height = _row_label(bar.label, y)
        body += label_body
        if bar.ratio is None:
            body.append(
                f'<text x="{_LABEL_WIDTH + 4}" y="{y + 13}" font-size="{_SMALL}" fill="#555">{escape(bar.status.value)}</text>'
            )
        else:
            w = min(bar.ratio, limit) * scale
            body.append(
                f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="16" fill="{STATUS_COLOURS[bar.status]}"/>'
            )
            body.append(
                f'<text x="{_LABEL_WIDTH + w + 4:.1f}" y="{y + 13}" font-size="{_SMALL}">{bar.ratio * 100:.1f}%</text>'
            )
        y += max(_ROW, label_height)
    x100 = _LABEL_WIDTH + scale
    body.append(f'<line x1="{x100:.1f}" y1="{top}" x2="{x100:.1f}" y2="{y}" stroke="#333" stroke-dasharray="3,2"/>')
    body.append(f'<text x="{x100:.1f}" y="{y + 12}" text-anchor="middle" font-size="{_SMALL}">100%</text>')
    return _svg(width, round(y + 16), title, body)


def budget_chart(title: str, rows: Sequence[tuple[str, int | None, int | None]], labels: tuple[str, str]) -> Markup:
    """Paired horizontal bars: each row's budget in two years (千円)."""
    most = max((v or 0 for _, a, b in rows for v in (a, b)), default=0) or 1
    tails = [_BAR_WIDTH * v / most + text_width(f"{v:,}千円", 9) for _, a, b in rows for v in (a, b) if v is not None]
    width = max(_LABEL_WIDTH + _BAR_WIDTH + 110, round(_LABEL_WIDTH + 4 + max(tails, default=0) + 8))
    colours = ("#90a4ae", "#1565c0")
    body, y = _title(title, width)
    for label, before, after in rows:
        label_body, label_height = _row_label(label, y)
        body += label_body
        for j, value in enumerate((before, after)):
            if value is None:
                continue
            w = _BAR_WIDTH * value / most
            body.append(f'<rect x="{_LABEL_WIDTH}" y="{y + j * 12}" width="{w:.1f}" height="11" fill="{colours[j]}"/>')
            body.append(f'<text x="{_LABEL_WIDTH + w + 4:.1f}" y="{y + j * 12 + 9}" font-size="9">{value:,}千円</text>')
        y += max(30, label_height)
    legend_body, bottom = _legend(list(zip(colours, labels, strict=True)), _LABEL_WIDTH, y + 6, width)
    return _svg(width, round(bottom + 8), title, body + legend_body)
