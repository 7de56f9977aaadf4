"""Charts are accessible SVG with every text escaped, and the same content gives the same bytes."""

from keikaku.web.charts import Bar, Point, column_chart, hbar_chart, line_chart, progress_bar, stacked_bar


def test_charts_are_labelled_images_with_escaped_text() -> None:
    hostile = '<script>alert("x")</script>'
    charts = [
        hbar_chart(
            [Bar(hostile, 10, hostile, "bar-c1"), Bar("関西チャレンジ②", 0, "0千円")], title=hostile, desc=hostile
        ),
        column_chart([Bar("FY2026", 100674, "100,674千円")], title="年度別", desc=hostile, axis=lambda v: hostile),
        line_chart([Point("FY2025", 10, 12), Point(hostile, None, 12)], title="推移", desc="d", fmt=lambda v: hostile),
        stacked_bar([Bar("達成", 3, "3", "status-achieved"), Bar("未達", 0, "0")], title=hostile, desc="d"),
        progress_bar(1.7, title="GRP", desc=hostile),
    ]
    for svg in charts:
        assert (
            svg.startswith('<svg class="chart') and 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        )
        assert ("<script>" not in svg and "&lt;script&gt;" in svg) or hostile not in svg
    assert 'width="640.0"' in charts[4]  # a share over 100% fills the bar, no more


def test_same_content_same_svg() -> None:
    def draw() -> str:
        return str(hbar_chart([Bar("a", 1, "1")], title="t", desc="d"))

    assert draw() == draw()
