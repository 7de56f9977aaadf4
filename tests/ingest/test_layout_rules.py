"""One rule per test: how the grid-kind reader and the PDF reader cope with layouts of the kind (cells one per
line, a row written right to left, a page footer inside the grid, a form line wrapped in a narrow column, a
ruled table inside one column of a two-column page).  Small plans written for these tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.ingest.conftest import has_cjk_font
from tests.ingest.pdf_layouts import html_pdf, two_column_html

from keikaku.domain import Plan
from keikaku.ingest.pipeline import ingest_file
from keikaku.ingest.read.pdf_layout import Glyph, lines_from_glyphs
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


# -- numbered plans -------------------------------------------------------------------------------------------

_NUMBERED = """令和９年度 商工施策 事業計画
奈良県 産業部

１ 予算総括
　　令和９年度当初予算額　　９,５００千円

２ 事業一覧
　No.　事業名　　　予算額（千円）　担当課
　①　観光土産の開発支援　　　６,０００　　観光産業課
　②　工場見学の受入促進　　　３,５００　　産業立地課

３ 事業の内容

①　観光土産の開発支援　　　６,０００千円
　【担当】観光産業課
　【成果指標】
　　新商品の開発件数　　１２件以上

②　工場見学の受入促進　　　３,５００千円
　【担当】産業立地課
　【成果指標】
　　受入企業数　　４０社以上
"""


def _numbered_facts(plan: Plan) -> list[tuple[object, ...]]:
    return [
        (p.code, p.name, p.budget_thousand_yen, tuple(p.departments), [(k.target, k.unit) for k in p.kpis])
        for p in plan.projects
    ]


def test_rows_written_right_to_left_read_as_written(tmp_path: Path) -> None:
    """Rows whose value cells come first (``観光産業課\\t6,000\\t① 名称``, ``12件以上\\t指標``) are read in
    reading order: the same facts as the plan as written."""
    as_written = _numbered_facts(_plan(tmp_path, _NUMBERED))
    assert [f[:3] for f in as_written] == [("1", "観光土産の開発支援", 6000), ("2", "工場見学の受入促進", 3500)]
    flipped = "\n".join(
        "\t".join(reversed([c for c in re.split(r"\u3000{2,}", line.strip("\u3000")) if c]))
        if re.search(r"\S\u3000{2,}\S", line)
        else line
        for line in _NUMBERED.split("\n")
    )
    assert "観光産業課\t６,０００\t①　観光土産の開発支援" in flipped
    assert _numbered_facts(_plan(tmp_path, flipped)) == as_written


def test_numbered_heading_written_as_a_form_line(tmp_path: Path) -> None:
    """``事業名：② 名称（3,500千円）``: the form line's label does not hide the project's number."""
    text = _NUMBERED.replace(
        "②　工場見学の受入促進　　　３,５００千円", "事業名：②　工場見学の受入促進（３,５００千円）"
    )
    assert _numbered_facts(_plan(tmp_path, text)) == _numbered_facts(_plan(tmp_path, _NUMBERED))


_CELLS = """令和９年度 事業計画
関西広域連合 広域産業振興局

令和９年度予算額：６,０００千円

事業の全体像
関西チャレンジ1 「強みで貢献」\t① 起業家の発信 2,000千円 ・ 投資家向けの催しを開く 3頁\t② 研究成果の紹介 1,000千円 ・ 展示会に出る 4頁
関西チャレンジ2 「強みを活用」\t③ 工芸品の販路開拓 3,000千円 ・ 販売会を開く 5頁

① 起業家の発信 (2,000千円)
スタートアップ支援課
▶ 成果目標（KPI）
・ 催しの参加者数：100人以上

② 研究成果の紹介 (1,000千円)
グリーン産業振興課
▶ 成果目標（KPI）
・ 商談件数：20件以上

③ 工芸品の販路開拓 (3,000千円)
ものづくり支援課
▶ 成果目標（KPI）
・ 来場者数：500人以上
"""


def test_challenge_label_anywhere_in_its_row(tmp_path: Path) -> None:
    """A row's challenge label cell is the row's wherever it stands: written last, it still heads its row."""
    as_written = [(p.code, p.challenge, p.budget_thousand_yen) for p in _plan(tmp_path, _CELLS).projects]
    assert as_written == [("1", 1, 2000), ("2", 1, 1000), ("3", 2, 3000)]
    flipped = "\n".join("\t".join(reversed(line.split("\t"))) for line in _CELLS.split("\n"))
    assert [(p.code, p.challenge, p.budget_thousand_yen) for p in _plan(tmp_path, flipped).projects] == as_written


def test_challenge_numbered_overview_rows_without_project_numbers(tmp_path: Path) -> None:
    """①②③ in a cell after 関西チャレンジ number the challenges; the rows carry no project numbers and are
    fused with the numbered detail pages by budget (then name), never taken for projects ① and ②."""
    as_written = [(p.code, p.challenge, p.budget_thousand_yen, p.departments) for p in _plan(tmp_path, _CELLS).projects]
    text = _challenge_numbered_cells()
    assert "関西チャレンジ\t①\t「強みで貢献」\t起業家の発信 2,000千円" in text
    plan = _plan(tmp_path, text)
    assert [(p.code, p.challenge, p.budget_thousand_yen, p.departments) for p in plan.projects] == as_written
    assert [p.name for p in plan.projects] == ["起業家の発信", "研究成果の紹介", "工芸品の販路開拓"]


def _one_cell_per_line(text: str) -> str:
    return "\n".join(
        "\n".join(c for c in re.split(r"\t| {2,}|\u3000{2,}", line) if c.strip()) for line in text.split("\n")
    )


_SECTIONS = """令和９年度 商工施策 事業計画書
奈良県 産業部

１．予算の概要
　　予算総額　　　９,５００千円

２．事業別の内容

1. 観光土産の開発支援（6,000千円）
　担当：観光産業課
　(1) 試作品の開発　　４,０００千円
　(2) 販路の開拓　　　２,０００千円
　【成果目標】
　　・新商品の開発件数：１２件以上

2. 工場見学の受入促進（2,500千円）
　担当：産業立地課
　【成果目標】
　　・受入企業数：４０社以上

3. 産業観光の情報発信（1,000千円）
　担当：観光産業課
　【成果目標】
　　・サイトの閲覧数：５,０００件以上
"""


def test_cells_one_per_line_sections_and_components(tmp_path: Path) -> None:
    """One cell per line: ``予算総額`` / ``9,500千円`` is the total, not evidence that ``1. 予算の概要`` is a
    project; ``(1) 試作品の開発`` / ``4,000千円`` is a component and its budget."""
    as_written = _plan(tmp_path, _SECTIONS)
    facts = [
        (p.code, p.name, p.budget_thousand_yen, [(c.name, c.budget_thousand_yen) for c in p.components])
        for p in as_written.projects
    ]
    assert facts[0] == ("1", "観光土産の開発支援", 6000, [("試作品の開発", 4000), ("販路の開拓", 2000)])
    split = _plan(tmp_path, _one_cell_per_line(_SECTIONS))
    assert "予算総額\n９,５００千円" in _one_cell_per_line(_SECTIONS)
    assert [
        (p.code, p.name, p.budget_thousand_yen, [(c.name, c.budget_thousand_yen) for c in p.components])
        for p in split.projects
    ] == facts
    assert split.total_budget_thousand_yen == 9500


_GLUED = (
    "令和９年度 事業計画\n関西広域連合 広域産業振興局\n令和９年度予算額\n６,０００千円\n事業の全体像\n関西\nチャレンジ１\n"
    "①\n起業家の発信\n２,０００千円\n・投資家向けの催しを開く\n３頁\n"
    "②\n研究成果の紹介\n１,０００千円\n・展示会に出る\n４頁\n"
    "③\n工芸品の販路開拓\n３,０００千円\n・販売会を開く\n５頁\n"
    "④\n起業家の発信（再掲）\n（２,０００） ３\n\n" + _CELLS[_CELLS.index("① 起業家の発信 (2,000千円)") :]
)


def test_relisted_budget_and_page_glued_in_one_cell_per_line_overview(tmp_path: Path) -> None:
    """An overview entry laid out one cell per line whose budget and page share a line (``（2,000） 3``)."""
    plan = _plan(tmp_path, _GLUED)
    found = [(p.code, p.name, p.budget_thousand_yen, p.relisted) for p in plan.projects]
    assert found == [
        ("1", "起業家の発信", 2000, False),
        ("2", "研究成果の紹介", 1000, False),
        ("3", "工芸品の販路開拓", 3000, False),
        ("4", "起業家の発信", 2000, True),
    ]


def test_numbered_heading_as_a_table_row_is_a_heading(tmp_path: Path) -> None:
    """``① 名称\\t6,000千円`` (a detail heading drawn as a table row) opens the detail page: only a row with
    several cells of budgets is an overview row of numbered cells."""
    text = _NUMBERED.replace(
        "①　観光土産の開発支援　　　６,０００千円", "①　観光土産の開発支援\t６,０００千円"
    ).replace("　　新商品の開発件数　　１２件以上", "\t新商品の開発件数\t１２件以上")
    assert _numbered_facts(_plan(tmp_path, text)) == _numbered_facts(_plan(tmp_path, _NUMBERED))


@pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")
def test_tables_side_by_side_in_two_columns_are_two_tables(tmp_path: Path) -> None:
    """Two ruled tables whose rows stand at the same height, one per column, are not one row of both."""

    def table(rows: list[tuple[str, str]]) -> str:
        return "<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows) + "</table>"

    left = table([("受入企業数", "40社以上"), ("見学者数", "900人以上")]) + "".join(
        f"<p>左の行{n}</p>" for n in range(1, 11)
    )
    right = table([("商談件数", "12件以上"), ("来場者数", "500人以上")]) + "".join(
        f"<p>右の行{n}</p>" for n in range(1, 11)
    )
    css = "table { border-collapse: collapse } td { border: 0.75pt solid #333; padding: 2pt }"
    path = tmp_path / "tables.pdf"
    path.write_bytes(html_pdf(two_column_html("", left + right, css)))
    lines = [line.text for line in read_document(path).iter_lines()]
    assert "受入企業数\t40社以上" in lines and "商談件数\t12件以上" in lines
    assert lines.index("見学者数\t900人以上") < lines.index("左の行10") < lines.index("商談件数\t12件以上")


def test_department_read_onto_the_end_of_a_budget_line(tmp_path: Path) -> None:
    """``名称（1,000千円）産業振興企画課``: a department set below a detail page's budget line, read onto its
    end because the line filled the column, is the project's department, not part of the line."""
    text = _CELLS.replace(
        "② 研究成果の紹介 (1,000千円)\nグリーン産業振興課",
        "② 研究成果の紹介\n展示会出展事業 (1,000千円)グリーン産業振興課",
    )
    assert "(1,000千円)グリーン産業振興課" in text
    found = [(p.code, p.budget_thousand_yen, p.departments) for p in _plan(tmp_path, text).projects]
    assert found == [(p.code, p.budget_thousand_yen, p.departments) for p in _plan(tmp_path, _CELLS).projects]


def test_indicator_and_target_cells_each_on_a_line_after_a_complete_kpi(tmp_path: Path) -> None:
    """Under a KPI heading, cells one per line: ``指標A`` / ``12件以上`` / ``指標B`` / ``40社以上`` are two KPIs
    (the second indicator is no caption ending the section: its target cell follows)."""
    text = _NUMBERED.replace(
        "　　新商品の開発件数　　１２件以上", "　　新商品の開発件数\n１２件以上\n試作した事業者数\n４０社以上"
    )
    (first, _second) = _plan(tmp_path, text).projects
    assert [(k.target, k.unit) for k in first.kpis] == [(12.0, "件"), (40.0, "社")]


@pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")
def test_wrapped_line_in_a_column_of_tables_is_joined(tmp_path: Path) -> None:
    """A column whose text lines are short and whose ruled tables run to its margin: a line wrapped at that
    margin is joined to its continuation (the margin is the tables' edge too)."""
    cells = "<table><tr><td>区分</td><td>成果目標の内容を記した欄で、幅いっぱいに広がる表の行</td></tr></table>"
    heading = "<p>4. 広域連携による企業支援の強化事業（40,000千円 うち国庫負担金20,000千円）</p>"
    left = "".join(f"<p>左の行{n}</p>{cells}" for n in range(1, 6))
    right = heading + "".join(f"<p>右の行{n}</p>{cells}" for n in range(1, 5))
    css = "table { border-collapse: collapse; width: 100% } td { border: 0.75pt solid #333; padding: 2pt }"
    path = tmp_path / "wrapped.pdf"
    path.write_bytes(html_pdf(two_column_html("", left + right, css)))
    lines = [line.text for line in read_document(path).iter_lines()]
    (joined,) = [line for line in lines if line.startswith("4. ")]
    assert joined.replace(" ", "") == "4.広域連携による企業支援の強化事業（40,000千円うち国庫負担金20,000千円）"


def test_grid_row_whose_components_have_a_detail_page_each(tmp_path: Path) -> None:
    """One overview row (6,500) and two detail pages whose budgets add up to it (4,000 + 2,500): the pages are
    the row's components, with their own departments and KPIs, never projects of their own."""
    details = _DETAILS.replace(
        "観光振興課\n事業名：食文化国際発信事業（6,500千円） 事業開始年度：令和６年度（６年目）\n▶ 成果目標（KPI）\n・ 商談件数：５０件以上",
        "観光振興課\n事業名：料理展出展事業（4,000千円） 事業開始年度：令和６年度（６年目）\n▶ 成果目標（KPI）\n・ 商談件数：５０件以上\n\n"
        "食品産業課\n事業名：食文化の動画発信（2,500千円） 事業開始年度：令和８年度（４年目）\n▶ 成果目標（KPI）\n・ 再生回数：１０,０００回以上",
    )
    assert "食品産業課" in details
    plan = _plan(tmp_path, _grid(["  ".join(r) for r in _ROWS], details))
    first = plan.projects[0]
    assert [p.name for p in plan.projects] == ["食文化の国際発信", "水素利用の普及啓発", "管理費"]
    assert (first.budget_thousand_yen, first.challenge, first.start_fiscal_year) == (6500, 1, 2024)
    parts = [
        (c.name, c.budget_thousand_yen, c.departments, [(k.target, k.unit) for k in c.kpis]) for c in first.components
    ]
    assert parts == [
        ("料理展出展事業", 4000, ["観光振興課"], [(50.0, "件")]),
        ("食文化の動画発信", 2500, ["食品産業課"], [(10000.0, "回")]),
    ]
    assert not [w for w in plan.warnings if w.code in ("unread_section", "budget_sum_mismatch")]


def _challenge_numbered_cells() -> str:
    return (
        _CELLS.replace("関西チャレンジ1 ", "関西チャレンジ\t①\t")
        .replace("関西チャレンジ2 ", "関西チャレンジ\t②\t")
        .replace("\t① 起業家", "\t起業家")
        .replace("\t② 研究", "\t研究")
        .replace("\t③ 工芸", "\t工芸")
    )


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda line: "\t".join(reversed(line.split("\t"))), id="right to left"),
        pytest.param(lambda line: "\n".join(c for c in line.split("\t") if c), id="one cell per line"),
    ],
)
def test_challenge_numbered_overview_in_other_layouts(tmp_path: Path, layout: Callable[[str], str]) -> None:
    """The challenge-numbered overview written right to left (``「強みで貢献」\\t①\\t関西チャレンジ``) or one
    cell per line (``関西チャレンジ`` / ``①`` / ``「強みで貢献」`` / rows): ① stays the challenge's number."""
    text = "\n".join(layout(line) for line in _challenge_numbered_cells().split("\n"))
    found = [(p.code, p.challenge, p.budget_thousand_yen, p.name) for p in _plan(tmp_path, text).projects]
    assert found == [
        ("1", 1, 2000, "起業家の発信"),
        ("2", 1, 1000, "研究成果の紹介"),
        ("3", 2, 3000, "工芸品の販路開拓"),
    ]


def test_a_line_ending_with_its_page_reference_ends_its_item() -> None:
    """Lines of a paragraph running to the margin are joined, but a line ending with a page reference
    (``… 8頁``, an overview entry's end) is not continued by the line below, though it is full too."""
    rows = ["えええええええええええ", "ああああああああああ", "いいいいいいいい8頁", "うううう"]
    glyphs = [
        Glyph(100 * r + k, char, 10.0 * k, 12.0 * r, 10.0 * k + 10.0, 12.0 * r + 10.0)
        for r, text in enumerate(rows)
        for k, char in enumerate(text)
    ]
    assert [line.text for line in lines_from_glyphs(glyphs)] == ["".join(rows[:3]), "うううう"]
