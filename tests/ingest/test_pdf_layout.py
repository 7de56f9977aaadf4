"""Layout-aware PDF reading: plans rendered to real PDFs (WeasyPrint) read back with the facts of their text."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.conftest import has_cjk_font
from tests.ingest.expected import score
from tests.ingest.facts import SEED_001
from tests.ingest.pdf_layouts import html_pdf, plan_html, two_column_html

from keikaku.domain import Plan
from keikaku.ingest.pipeline import ingest_file
from keikaku.ingest.read.readers import read_document

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_0dab7330ada36a72.txt"
if not SEED.exists():
    SEED = Path("/work/shared/seeds/001_0dab7330ada36a72.txt")

pytestmark = pytest.mark.skipif(not has_cjk_font(), reason="no Noto CJK font: install fonts-noto-cjk")


def plan_facts(plan: Plan) -> list[tuple[object, ...]]:
    """Every fact of a plan that the accuracy figures count, in a comparable form."""
    facts: list[tuple[object, ...]] = [("plan", plan.fiscal_year, plan.total_budget_thousand_yen)]
    for p in plan.projects:
        facts.append(
            (
                p.code,
                p.name,
                p.budget_thousand_yen,
                p.challenge,
                tuple(p.departments),
                p.start_fiscal_year,
                p.relisted,
                tuple(sorted((k.target or 0.0, k.unit or "") for k in p.kpis)),
                tuple((e.start, e.end) for e in p.events),
                tuple((c.name, c.budget_thousand_yen, tuple(c.departments)) for c in p.components),
            )
        )
    return facts


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FY2026 plan (seed 001) rendered with its overview as a ruled table."""
    target = tmp_path_factory.mktemp("layout") / "fy2026.pdf"
    target.write_bytes(html_pdf(plan_html(SEED.read_text(encoding="utf-8"))))
    return target


def test_fy2026_plan_as_a_pdf_with_real_tables_gives_the_facts_of_its_text(seed_pdf: Path) -> None:
    (from_text,) = ingest_file(SEED).data.plans
    (from_pdf,) = ingest_file(seed_pdf).data.plans
    assert plan_facts(from_pdf) == plan_facts(from_text)
    found = score(from_pdf, SEED_001)
    assert (found.budgets_exact, found.kpis_exact, found.invented) == (found.budgets, found.kpis, [])
    assert found.budgets == 18 and found.kpis == 15


def test_table_rows_are_rebuilt_cell_by_cell(seed_pdf: Path) -> None:
    lines = [line.text for line in read_document(seed_pdf).iter_lines()]
    rows = [line.split("\t") for line in lines if "\t" in line and "千円" in line]
    # each overview row: the challenge cell (empty when the row continues the one above), then two projects
    first = next(r for r in rows if r[1].startswith("①"))
    assert first[0].replace(" ", "") == "関西チャレンジ1「強みで貢献」" and first[2].startswith("③")
    assert "10,043千円" in first[1] and first[1].endswith("5頁")
    second = rows[rows.index(first) + 1]
    assert second[0] == "" and second[1].startswith("②") and second[2].startswith("④")


def test_wrapped_paragraph_lines_are_joined_but_items_are_not(seed_pdf: Path) -> None:
    lines = [line.text for line in read_document(seed_pdf).iter_lines()]
    source = SEED.read_text(encoding="utf-8").splitlines()
    long_line = next(line for line in source if line.startswith("関西の強みである大学"))
    assert long_line.replace("**", "") in lines  # wraps four times on the page
    kpis = [
        line for line in lines if line.startswith("- ・ 「かんさいラボサーチ」") or line.startswith("- ・ 本プラット")
    ]
    assert len(kpis) == 2


def test_two_column_page_is_read_column_by_column(tmp_path: Path) -> None:
    left = "".join(f"<p>左の段落{n}：" + "関西の産業を支える取組を広く発信する。" * 3 + "</p>" for n in range(1, 7))
    right = "".join(f"<p>右の段落{n}：" + "域内企業の事業化を促進する場を設ける。" * 3 + "</p>" for n in range(1, 7))
    path = tmp_path / "columns.pdf"
    path.write_bytes(html_pdf(two_column_html("<p>二段組の頁</p>", left + right)))
    lines = [line.text for line in read_document(path).iter_lines()]
    starts = [line.split("：")[0] for line in lines]
    assert starts == ["二段組の頁", *(f"左の段落{n}" for n in range(1, 7)), *(f"右の段落{n}" for n in range(1, 7))]
    assert all(line.endswith("設ける。") or line.endswith("発信する。") for line in lines[1:])


def test_a_cited_table_row_is_marked_in_every_cell_and_wrapped_line(seed_pdf: Path) -> None:
    from keikaku.ingest.read.pdf_render import render_page

    document = read_document(seed_pdf)
    row = next(line for line in document.iter_lines() if line.text.startswith("関西") and "①" in line.text)
    assert row.page is not None
    marked = render_page(seed_pdf.read_bytes(), row.page, line=row.line, expected=row.text)
    # the challenge cell, the two project cells, each wrapped over several lines
    assert marked.highlights >= 3 * 2
    moved = render_page(seed_pdf.read_bytes(), row.page, line=row.line + 1, expected=row.text)
    assert moved.highlights == marked.highlights  # a stale line number: found by its text
