"""Charts drawn on the server as SVG: no script, no web font, readable in Japanese, printable.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (its data in words) for screen
readers; the pages also show the same figures as a table.  Every text is escaped; colours come from the
stylesheet classes (``bar-c1`` …, ``status-…``) so that contrast is decided in one place.  The SVG is built
with plain strings (texts escaped once), because charts are drawn on every page view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
FONT = 13


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, the value as text, and the CSS class that colours it."""

    label: str
    value: float
    text: str
    css: str = "bar-c1"


def _open(title: str, desc: str, height: int, css: str) -> str:
    # Ids come from the content, so that the same page renders the same bytes (and keeps its ETag).
    n = hashlib.sha1(f"{css}|{title}|{desc}".encode(), usedforsecurity=False).hexdigest()[:10]
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    return (
        f'<svg class="chart {escape(css)}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{tid} {did}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )


def _text(x: float, y: float, text: str, css: str = "chart-label", anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}">{escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, css: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" class="{escape(css)}" />'


def _axis(left: float, y: float, right: float) -> str:
    return f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" class="chart-axis" />'


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _close(parts: list[str]) -> Markup:
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above went through escape()


def hbar_chart(bars: Sequence[Bar], *, title: str, desc: str) -> Markup:
    """Horizontal bars, the label above each bar and the value at its end (budget by challenge)."""
    row = 44
    parts = [_open(title, desc, max(row * len(bars) + 10, 40), "chart-hbar")]
    top = max((b.value for b in bars), default=0) or 1
    usable = WIDTH - 250  # room for the value written after the longest bar
    for i, bar in enumerate(bars):
        y = 6 + i * row
        width = max(bar.value / top * usable, 1 if bar.value else 0)
        parts.append(_text(4, y + FONT, _truncate(bar.label, 44)))
        parts.append(_rect(4, y + 18, width, 16, bar.css))
        parts.append(_text(10 + width, y + 31, bar.text, "chart-value"))
    return _close(parts)


def column_chart(bars: Sequence[Bar], *, title: str, desc: str, axis: Callable[[float], str]) -> Markup:
    """Vertical columns with the label under each (budgets over the years); ``axis`` formats the top line."""
    bottom, left = 210, 12
    parts = [_open(title, desc, 260, "chart-columns"), _axis(left, bottom, WIDTH - left)]
    top = max((b.value for b in bars), default=0) or 1
    slot = (WIDTH - left * 2) / max(len(bars), 1)
    width = min(72.0, slot * 0.6)
    parts.append(_text(left, 14, axis(top), "chart-note"))
    for i, bar in enumerate(bars):
        h = bar.value / top * (bottom - 40)
        x = left + slot * i + (slot - width) / 2
        parts.append(_rect(x, bottom - h, width, h, bar.css))
        parts.append(_text(x + width / 2, bottom - h - 6, bar.text, "chart-value", "middle"))
        parts.append(_text(x + width / 2, bottom + 18, _truncate(bar.label, 14), "chart-label", "middle"))
    return _close(parts)


@dataclass(frozen=True)
class Point:
    """One fiscal year of a KPI: label, actual and target (either may be missing)."""

    label: str
    actual: float | None
    target: float | None


def line_chart(points: Sequence[Point], *, title: str, desc: str, fmt: Callable[[float], str]) -> Markup:
    """Actuals as a line with dots and targets as a dashed line, one x position per fiscal year."""
    bottom, left, right = 180, 16, 16
    parts = [_open(title, desc, 220, "chart-line"), _axis(left, bottom, WIDTH - right)]
    values = [v for p in points for v in (p.actual, p.target) if v is not None]
    top = max(values, default=0) or 1
    slot = (WIDTH - left - right) / max(len(points), 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + slot * i + slot / 2, bottom - v / top * (bottom - 36)

    for series, css in (("target", "chart-target"), ("actual", "chart-actual")):
        coords = [xy(i, v) for i, p in enumerate(points) if (v := getattr(p, series)) is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline points="{path}" class="{css}" fill="none" />')
    for i, p in enumerate(points):
        if p.target is not None:
            x, y = xy(i, p.target)
            parts.append(_rect(x - 4, y - 4, 8, 8, "chart-target-mark"))
        if p.actual is not None:
            x, y = xy(i, p.actual)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="chart-actual-mark" />')
            parts.append(_text(x, y - 10, fmt(p.actual), "chart-value", "middle"))
        parts.append(_text(left + slot * i + slot / 2, bottom + 18, _truncate(p.label, 12), "chart-label", "middle"))
    return _close(parts)


def stacked_bar(segments: Sequence[Bar], *, title: str, desc: str) -> Markup:
    """One bar split into segments (KPI statuses at a glance); each segment's count is written on it."""
    parts = [_open(title, desc, 56, "chart-stacked")]
    total = sum(s.value for s in segments) or 1
    x = 0.0
    for segment in segments:
        if segment.value <= 0:
            continue
        width = segment.value / total * WIDTH
        parts.append(_rect(x, 8, width, 36, segment.css))
        if width > 28:
            parts.append(_text(x + width / 2, 31, segment.text, "chart-on-bar", "middle"))
        x += width
    return _close(parts)


def progress_bar(ratio: float | None, *, title: str, desc: str) -> Markup:
    """A progress bar towards a target (capped at 100% wide; the text says the real share)."""
    share = 0.0 if ratio is None else max(0.0, min(ratio, 1.0))
    parts = [_open(title, desc, 30, "chart-progress")]
    parts.append(_rect(0, 6, WIDTH, 18, "progress-track"))
    parts.append(_rect(0, 6, share * WIDTH, 18, "progress-fill"))
    return _close(parts)
