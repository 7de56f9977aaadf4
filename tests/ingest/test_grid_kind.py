"""Plans of the grid kind: no title line, a cell-fragment overview grid, challenge-numbered rows, form-line
detail pages, cooperative projects; and the limits every channel applies, one test per value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.ingest.grid_facts import FACT_TYPES, FIXTURES, GRID_PLANS, score_grid

from keikaku.domain import DocumentKind
from keikaku.ingest.errors import IngestError
from keikaku.ingest.pipeline import ingest_file


@pytest.mark.parametrize("name", sorted(GRID_PLANS))
def test_grid_kind_facts_at_least_95_percent(name: str) -> None:
    fiscal_year, total, rows = GRID_PLANS[name]
    result = ingest_file(FIXTURES / name)
    assert result.kind is DocumentKind.BUSINESS_PLAN
    (plan,) = result.data.plans
    assert (plan.fiscal_year, plan.total_budget_thousand_yen) == (fiscal_year, total)
    assert plan.listed_sum() == total
    tally = score_grid(plan, rows)
    assert tally.invented == []
    for kind in FACT_TYPES:
        assert tally.recall(kind) >= 0.95, (kind, tally.misses)
        assert tally.precision(kind) >= 0.95, (kind, tally.misses)


def test_grid_kind_relisting_and_admin_cost() -> None:
    (plan,) = ingest_file(FIXTURES / "kind_cells_r9.txt").data.plans
    relisted = [p for p in plan.projects if p.relisted]
    assert [(p.name, p.budget_thousand_yen) for p in relisted] == [("伝統工芸の魅力発信と販路拡大", 1500)]
    admin = [p for p in plan.projects if p.kind.value == "administrative"]
    assert [(p.name, p.budget_thousand_yen) for p in admin] == [("管理費", 440)]
    assert plan.warnings == []


def test_grid_kind_event_range_without_month_and_year_count() -> None:
    (plan,) = ingest_file(FIXTURES / "kind_cells_r9.txt").data.plans
    first = plan.projects[0]
    assert (first.start_fiscal_year, first.year_count) == (2022, 6)
    (event,) = first.events
    assert (event.start.isoformat() if event.start else None, event.end.isoformat() if event.end else None) == (
        "2027-10-08",
        "2027-10-10",
    )
    heisei = plan.projects[1]
    assert (heisei.start_fiscal_year, heisei.year_count) == (2018, 10)


def test_grid_kind_cooperative_projects_with_member_government() -> None:
    (plan,) = ingest_file(FIXTURES / "kind_cells_r9.txt").data.plans
    found = [(c.field, c.member_government, c.name) for c in plan.cooperative_projects]
    assert found == [
        ("スタートアップ", "大阪府", "大阪スタートアップ海外展開支援"),
        ("ものづくり", "兵庫県", "ものづくり中小企業の技術相談"),
        ("観光", None, "関西の食の魅力発信"),
    ]
    assert all(c.provenance is not None and c.provenance.line for c in plan.cooperative_projects)
    # cooperative projects are not budget projects
    assert not any(p.name.startswith("大阪スタートアップ") for p in plan.projects)


def test_grid_kind_no_title_year_from_budget_line(tmp_path: Path) -> None:
    """The year is stated only below the grid, in 令和N年度予算額 (the layout of kind_rows_r10)."""
    (plan,) = ingest_file(FIXTURES / "kind_rows_r10.txt").data.plans
    assert plan.fiscal_year == 2028


# -- the limits ---------------------------------------------------------------------------------------------


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (FIXTURES / "kind_cells_r9.txt").read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "variant.txt"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def _out_of_range(path: Path) -> tuple[list[str], object]:
    result = ingest_file(path)
    (plan,) = result.data.plans
    messages = [w.message for w in result.warnings if w.code == "out_of_range"]
    assert result.partial  # --strict refuses the document
    return messages, plan


def test_negative_budget_is_a_warning_never_positive(tmp_path: Path) -> None:
    messages, plan = _out_of_range(_variant(tmp_path, "\n12,300 5\n", "\n-100,674 5\n"))
    assert any("行目の予算額「-100,674」は負の金額である" in m for m in messages)
    budgets = [p.budget_thousand_yen for p in plan.projects]  # type: ignore[attr-defined]
    assert 100674 not in budgets and -100674 not in budgets


def test_year_beyond_max_fiscal_year(tmp_path: Path) -> None:
    messages, plan = _out_of_range(
        _variant(tmp_path, "事業開始年度：令和４年度（６年⽬）", "事業開始年度：令和９９年度（１年⽬）")
    )
    assert any("事業開始年度「令和99年度(1年目)」は1989〜2100年度の範囲外（2117年度）" in m for m in messages)
    assert 2117 not in [p.start_fiscal_year for p in plan.projects]  # type: ignore[attr-defined]


def test_plan_year_beyond_max_fiscal_year_is_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "kind_cells_r9.txt").read_text(encoding="utf-8").replace("令和９年度", "令和９９年度")
    target = tmp_path / "r99.txt"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match="2117年度 は 1989〜2100年度の範囲外"):
        ingest_file(target)


def test_date_that_does_not_exist(tmp_path: Path) -> None:
    messages, plan = _out_of_range(_variant(tmp_path, "令和９年１０⽉８⽇（⾦）〜１０⽇（⽇）", "令和１３年２⽉３０⽇"))
    assert any("開催時期「令和13年2月30日」は読み取れない日付である" in m for m in messages)
    event = plan.projects[0].events[0]  # type: ignore[attr-defined]
    assert event.start is None and event.note == "令和13年2月30日"


def test_control_character_in_a_name(tmp_path: Path) -> None:
    messages, plan = _out_of_range(_variant(tmp_path, "多様な⼈材の活躍促進\n", "多様な⼈材の\x07活躍促進\n"))
    assert any("事業名「" in m and "\\x07" in m and "制御文字を含む" in m for m in messages)
    assert not any("\x07" in p.name for p in plan.projects)  # type: ignore[attr-defined]


def test_name_of_ten_thousand_characters(tmp_path: Path) -> None:
    messages, plan = _out_of_range(_variant(tmp_path, "多様な⼈材の活躍促進\n", "多" * 10000 + "\n"))
    assert any("の事業名「" in m and "400 文字を超える（1000" in m for m in messages)
    assert max(len(p.name) for p in plan.projects) <= 400  # type: ignore[attr-defined]


def test_overflowing_number_1e309(tmp_path: Path) -> None:
    messages, plan = _out_of_range(_variant(tmp_path, "\n4,200 6\n", "\n1e309 6\n"))
    assert any("予算額「1e309」は有限の数ではない" in m for m in messages)
    assert all(p.budget_thousand_yen != float("inf") for p in plan.projects)  # type: ignore[attr-defined]


def test_an_event_item_without_a_label_and_a_section_heading_after_the_kpis() -> None:
    """``▶ 主な取組`` ends the KPI section (it is no KPI), and an item naming an event with its date range and
    venue, without 開催時期：, is the project's event."""
    (plan,) = ingest_file(FIXTURES / "kind_holdout_r11.txt").data.plans
    first = plan.projects[0]
    assert [(k.indicator, k.target) for k in first.kpis] == [
        ("伴走支援企業数", 60.0),
        ("成果発表会の参加者満足度", 85.0),
    ]
    (event,) = first.events
    assert (event.name, event.start, event.end, event.venue) == (
        "成果発表会",
        dt.date(2029, 11, 5),
        dt.date(2029, 11, 7),
        "グランフロント大阪",
    )
    assert plan.warnings == []


@pytest.mark.parametrize("layout", ["one_cell_per_line", "scrambled_cells"])
def test_the_admin_row_and_the_total_with_their_cells_apart_or_right_to_left(layout: str, tmp_path: Path) -> None:
    """``ー`` / ``ー`` / ``管理費`` / ``350`` / ``−`` on lines of their own, or ``− 350 管理費 ー ー`` and
    ``2 28,850`` written right to left, are still the 管理費 row and the stated total: the detail pages after
    them are read (departments, start years), and 管理費 is no challenge's project."""
    from tests.ingest import accuracy

    text = (FIXTURES / "kind_holdout_r12.txt").read_text(encoding="utf-8")
    path = tmp_path / "plan.txt"
    path.write_text(getattr(accuracy, layout)(text), encoding="utf-8")
    (plan,) = ingest_file(path).data.plans
    assert plan.total_budget_thousand_yen == 28850 and plan.listed_sum() == 28850
    admin = [p for p in plan.projects if p.kind.value == "administrative"]
    assert [(p.name, p.budget_thousand_yen, p.challenge) for p in admin] == [("管理費", 350, None)]
    first = plan.projects[0]
    assert (first.departments, first.start_fiscal_year) == (["観光産業課"], 2027)
    assert [(c.name, c.budget_thousand_yen) for c in first.components] == [
        ("産業観光ルートの造成", 4000),
        ("多言語の案内整備", 2000),
    ]
