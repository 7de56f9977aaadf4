"""The report charts cut no label off: every text's box, measured with the report's own font (Noto Sans CJK,
as the PDF embeds it), lies inside its SVG's viewBox, and a long project name is drawn whole."""

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from sqlalchemy import Engine

from keikaku.evaluation import KPI_STATUSES, Status
from keikaku.reports.charts import Bar, achievement_chart, budget_chart, status_chart
from keikaku.reports.evaluation_report import evaluation_html
from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.run import evaluate_fiscal_year

SVG = "{http://www.w3.org/2000/svg}"
FONTS = Path("/usr/share/fonts/opentype/noto")
LONG_NAME = "⑤ 関西広域産業振興プラットフォーム形成・運営事業（ものづくり中小企業の海外展開とDX・GX支援を含む）"
LATIN_NAME = "⑨ WWW Global Startup Ecosystem Ranking MMW Improvement Programme"
ADMIN = Actor("評価担当", frozenset({Role.BUREAU_ADMIN}))


@lru_cache(maxsize=2)
def _font(bold: bool) -> TTFont:
    path = FONTS / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if not path.exists():
        pytest.skip(f"Noto Sans CJK is not installed ({path}): Debian's fonts-noto-cjk")
    fonts = TTCollection(str(path)).fonts
    return next(f for f in fonts if "JP" in f["name"].getDebugName(1))


def _box(text: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a <text> as the font draws it: advance widths and the em box."""
    font = _font(text.get("font-weight") == "bold")
    size = float(text.get("font-size", "16"))
    cmap, hmtx, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    content = "".join(text.itertext())
    width = sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else em for c in content) * size / em
    x, y = float(text.get("x", "0")), float(text.get("y", "0"))
    left = {"end": x - width, "middle": x - width / 2}.get(text.get("text-anchor", "start"), x)
    os2 = font["OS/2"]
    return left, y - os2.sTypoAscender * size / em, left + width, y - os2.sTypoDescender * size / em


def _clipped(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.get("font-family", "").startswith("'Noto Sans CJK JP'")  # the font measured here draws it
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    out = []
    for text in root.iter(f"{SVG}text"):
        left, top, right, bottom = _box(text)
        if left < 0 or top < 0 or right > width or bottom > height:
            out.append(
                f"{''.join(text.itertext())!r}: ({left:.1f}, {top:.1f})–({right:.1f}, {bottom:.1f}) in {width}×{height}"
            )
    return out


def _drawn(svg: str) -> str:
    """The text a reader sees, lines joined (a label wrapped over lines reads as one)."""
    return "".join("".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text"))


COUNTS = {Status.ACHIEVED: 40, Status.MOSTLY_ACHIEVED: 3, Status.NOT_ACHIEVED: 2, Status.NOT_MEASURED: 9}


@pytest.mark.parametrize("name", [LONG_NAME, LATIN_NAME, "短い名前"])
def test_long_names_are_drawn_whole_inside_every_chart(name: str) -> None:
    charts = {
        "status": status_chart(f"チャレンジ別の KPI 判定　{name}", [(name, COUNTS), ("⑥ 短い", {Status.ACHIEVED: 1})]),
        "achievement": achievement_chart(
            "事業別のスコア（KPI 達成率の平均）",
            [
                Bar(name, 2.4, Status.ACHIEVED),
                Bar(name, None, Status.UNDETERMINABLE),
                Bar("⑦", 0.5, Status.NOT_ACHIEVED),
            ],
        ),
        "budget": budget_chart("継続事業の予算（千円）", [(name, 123_456_789, 98_765_432)], ("令和5年度", "令和8年度")),
    }
    for kind, chart in charts.items():
        svg = str(chart)
        assert _clipped(svg) == [], kind
        assert name.replace(" ", "") in _drawn(svg).replace(" ", ""), kind  # not cut short with …
    assert all(s.value in _drawn(str(charts["status"])) for s in KPI_STATUSES)


def test_the_evaluation_report_charts_fit(sqlite_loaded_engine: Engine) -> None:
    (evaluation,) = evaluate_fiscal_year(2026, engine=sqlite_loaded_engine)
    svgs = re.findall(r"<svg.*?</svg>", evaluation_html(evaluation, printable=True), flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert _clipped(svg) == []
    assert all(p.name in _drawn(svgs[1]) for p in evaluation.projects)
