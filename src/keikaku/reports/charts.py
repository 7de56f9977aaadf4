"""Charts as inline SVG, generated here: no plotting library, the same markup in HTML and PDF.

Every label is escaped; the SVG inherits the page's font (Noto Sans CJK in the PDF).
"""

from __future__ import annotations

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


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def status_chart(title: str, rows: Sequence[tuple[str, Mapping[Status, int]]]) -> Markup:
    """Stacked horizontal bars: how many KPIs of each row (e.g. each challenge) have each status."""
    height = 30 + _ROW * len(rows) + 28
    width = _LABEL_WIDTH + _BAR_WIDTH + 60
    body: list[str] = []
    most = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    for i, (label, counts) in enumerate(rows):
        y = 24 + i * _ROW
        body.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end" font-size="11">{escape(_short(label))}</text>'
        )
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
            if w >= 14:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 12}" text-anchor="middle" font-size="10" '
                    f'fill="{LABEL_ON.get(status, "#fff")}">{n}</text>'
                )
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="10">{sum(counts.values())}件</text>')
    legend_y = 24 + _ROW * len(rows) + 10
    lx = float(_LABEL_WIDTH)
    for status in KPI_STATUSES:
        body.append(f'<rect x="{lx:.1f}" y="{legend_y}" width="10" height="10" fill="{STATUS_COLOURS[status]}"/>')
        body.append(f'<text x="{lx + 13:.1f}" y="{legend_y + 9}" font-size="10">{escape(status.value)}</text>')
        lx += 13 + 12 * len(status.value) + 10
    body.insert(0, f'<text x="0" y="12" font-size="12" font-weight="bold">{escape(title)}</text>')
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Bar:
    """One bar of an achievement chart: label, achievement ratio (None: nothing to draw) and status."""

    label: str
    ratio: float | None
    status: Status


def achievement_chart(title: str, bars: Sequence[Bar], *, limit: float = 1.5) -> Markup:
    """Horizontal bars of achievement ratios with a line at 100%; ratios above ``limit`` are drawn at it."""
    height = 30 + _ROW * len(bars) + 16
    width = _LABEL_WIDTH + _BAR_WIDTH + 70
    scale = _BAR_WIDTH / limit
    body = [f'<text x="0" y="12" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, bar in enumerate(bars):
        y = 24 + i * _ROW
        body.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" font-size="11">{escape(_short(bar.label))}</text>'
        )
        if bar.ratio is None:
            body.append(
                f'<text x="{_LABEL_WIDTH + 4}" y="{y + 13}" font-size="10" fill="#555">{escape(bar.status.value)}</text>'
            )
            continue
        w = min(bar.ratio, limit) * scale
        body.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="16" fill="{STATUS_COLOURS[bar.status]}"/>'
        )
        body.append(f'<text x="{_LABEL_WIDTH + w + 4:.1f}" y="{y + 13}" font-size="10">{bar.ratio * 100:.1f}%</text>')
    x100 = _LABEL_WIDTH + scale
    bottom = 24 + _ROW * len(bars)
    body.append(f'<line x1="{x100:.1f}" y1="18" x2="{x100:.1f}" y2="{bottom}" stroke="#333" stroke-dasharray="3,2"/>')
    body.append(f'<text x="{x100:.1f}" y="{bottom + 12}" text-anchor="middle" font-size="10">100%</text>')
    return _svg(width, height, title, body)


def budget_chart(title: str, rows: Sequence[tuple[str, int | None, int | None]], labels: tuple[str, str]) -> Markup:
    """Paired horizontal bars: each row's budget in two years (千円)."""
    height = 30 + 30 * len(rows) + 24
    width = _LABEL_WIDTH + _BAR_WIDTH + 110
    most = max((v or 0 for _, a, b in rows for v in (a, b)), default=0) or 1
    colours = ("#90a4ae", "#1565c0")
    body = [f'<text x="0" y="12" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, before, after) in enumerate(rows):
        y = 24 + i * 30
        body.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" font-size="11">{escape(_short(label))}</text>'
        )
        for j, value in enumerate((before, after)):
            if value is None:
                continue
            w = _BAR_WIDTH * value / most
            body.append(f'<rect x="{_LABEL_WIDTH}" y="{y + j * 12}" width="{w:.1f}" height="11" fill="{colours[j]}"/>')
            body.append(f'<text x="{_LABEL_WIDTH + w + 4:.1f}" y="{y + j * 12 + 9}" font-size="9">{value:,}千円</text>')
    legend_y = 24 + 30 * len(rows) + 6
    for j, text in enumerate(labels):
        x = _LABEL_WIDTH + j * 110
        body.append(f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{colours[j]}"/>')
        body.append(f'<text x="{x + 13}" y="{legend_y + 9}" font-size="10">{escape(text)}</text>')
    return _svg(width, height, title, body)
