"""One rule per test: how the grid-kind reader and the PDF reader cope with layouts of the kind (cells one per
line, a row written right to left, a page footer inside the grid, a form line wrapped in a narrow column, a
ruled table inside one column of a two-column page).  Small plans written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.conftest import has_cjk_font
from tests.ingest.pdf_layouts import html_pdf, two_column_html

from keikaku.domain import Plan
from keikaku.ingest.pipeline import ingest_file
from keikaku.ingest.read.readers import read_document

_ROWS = [
    ("観光", "誘客", "食文化の国際発信", "海外の料理展に出展する", "6,500", "4"),
    ("環境", "技術", "水素利用の普及啓発", "展示会で技術を紹介する", "3,000", "5"),
]
_DETAILS = """
観光振興課
事業名：食文化国際発信事業（6,500千円） 事業開始年度：令和６年度（６年目）
▶ 成果目標（KPI）
・ 商談件数：５０件以上

環境産業課
事業名：水素普及啓発事業（3,000千円） 事業開始年度：令和１０年度（２年目）
▶ 成果目標（KPI）
・ 来場者数：４００人以上
"""


def _grid(rows: list[str], details: str = _DETAILS) -> str:
    head = (
        "令和１１年度事業一覧【予算事業】\n分野 項目 事業名 事業概要 予算額（千円） 頁\n関西チャレンジ①「強みで貢献」\n"
    )
    return head + "\n".join(rows) + "\nー ー 管理費 300 −\n9,800 2\n令和１１年度予算額：９,８００千円\n" + details


def _plan(tmp_path: Path, text: str) -> Plan:
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    (plan,) = ingest_file(path).data.plans
    return plan


def _facts(plan: Plan) -> list[tuple[object, ...]]:
    return [
        (p.name, p.budget_thousand_yen, p.challenge, tuple(p.departments), p.start_fiscal_year) for p in plan.projects
    ]


_EXPECTED = [
    ("食文化の国際発信", 6500, 1, ("観光振興課",), 2024),
    ("水素利用の普及啓発", 3000, 1, ("環境産業課",), 2028),
    ("管理費", 300, None, (), None),
]


def test_grid_rows_as_written(tmp_path: Path) -> None:
    assert _facts(_plan(tmp_path, _grid(["  ".join(r) for r in _ROWS]))) == _EXPECTED


def test_grid_budget_and_page_cells_each_on_a_line_of_their_own(tmp_path: Path) -> None:
    """A PDF's text stream gives every cell a line: ``6,500`` then ``4`` end the row as ``6,500 4`` does."""
    plan = _plan(tmp_path, _grid(["\n".join(r) for r in _ROWS]))
    assert _facts(plan) == _EXPECTED
    assert plan.total_budget_thousand_yen == 9800


def test_grid_row_written_right_to_left(tmp_path: Path) -> None:
    """An export that writes a row's right-hand cells first: page, budget, summary, name, 項目, 分野."""
    assert _facts(_plan(tmp_path, _grid(["\t".join(reversed(r)) for r in _ROWS]))) == _EXPECTED


def test_page_footer_inside_the_grid_is_no_row(tmp_path: Path) -> None:
    """The grid runs on to the next page: the footer ``- 1 -`` between two rows is not a budget of 1."""
    first, second = ("\n".join(r) for r in _ROWS)
    plan = _plan(tmp_path, _grid([first, "- 1 -\f" + second]))
    assert _facts(plan) == _EXPECTED


def test_form_line_wrapped_and_department_read_onto_its_end(tmp_path: Path) -> None:
    """A narrow column wraps the form line (``…（3,000千`` / ``円） 事業開始年度：…``); a line filled to the
    margin carries the department below it onto its end (``…（２年目）環境産業課``)."""
    details = _DETAILS.replace("（3,000千円） 事業開始", "（3,000千\n円） 事業開始").replace(
        "事業開始年度：令和６年度（６年目）", "事業開始年度：令和６年度（６年目）観光振興課"
    )
    details = details.replace("観光振興課\n事業名", "事業名", 1)
    assert _facts(_plan(tmp_path, _grid(["  ".join(r) for r in _ROWS], details))) == _EXPECTED


@pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")
def test_ruled_table_inside_one_column_stays_in_its_column(tmp_path: Path) -> None:
    """A two-column page whose left column holds a ruled table: the table is read where it stands in the left
    column (between its label lines), before the right column."""
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in [("観光", "6,500", "4"), ("環境", "3,000", "5")]
    )
    left = "<p>左の見出し</p>" + f"<table>{cells}</table>" + "".join(f"<p>左の行{n}</p>" for n in range(1, 8))
    right = "".join(f"<p>右の行{n}：域内企業の事業化を促進する場を設ける。</p>" for n in range(1, 10))
    css = "table { border-collapse: collapse } td { border: 0.75pt solid #333; padding: 2pt }"
    path = tmp_path / "columns.pdf"
    path.write_bytes(html_pdf(two_column_html("", left + right, css)))
    lines = [line.text for line in read_document(path).iter_lines()]
    assert lines[:4] == ["左の見出し", "観光\t6,500\t4", "環境\t3,000\t5", "左の行1"]
    assert lines.index("左の行7") < min(k for k, line in enumerate(lines) if line.startswith("右の行"))
