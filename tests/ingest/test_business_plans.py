"""Business plans: the seed plan 001 and this package's documents in other layouts, fact by fact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.ingest.expected import ExpectedPlan, score
from tests.ingest.facts import DOCUMENTS, R10_PDF, SEED_001

from keikaku.domain import Comparator, DocumentKind
from keikaku.ingest.pipeline import IngestResult, ingest_file

SEED = "001_0dab7330ada36a72.txt"


def _assert_matches(result: IngestResult, expected: ExpectedPlan) -> None:
    assert result.kind is DocumentKind.BUSINESS_PLAN
    (plan,) = result.data.plans
    found = score(plan, expected)
    assert found.mismatches == []
    assert found.invented == []
    assert found.budget_ratio == 1.0 and found.kpi_ratio == 1.0


def test_seed_001_every_fact(seeds_dir: Path) -> None:
    result = ingest_file(seeds_dir / SEED)
    _assert_matches(result, SEED_001)


def test_seed_001_details(seeds_dir: Path) -> None:
    (plan,) = ingest_file(seeds_dir / SEED).data.plans
    assert plan.title == "令和8年度 広域産業振興局事業計画"
    projects = {p.code: p for p in plan.projects}
    ranking = projects["1"].kpis[0]
    assert ranking.comparator is Comparator.MAINTAIN_OR_IMPROVE
    assert ranking.reference is not None and (
        ranking.reference.value,
        ranking.reference.unit,
        ranking.reference.as_of,
    ) == (
        79.0,
        "位",
        "2025",
    )
    matching = projects["2"].kpis[1]
    assert (matching.comparator, matching.target, matching.unit, matching.relative_to) == (
        Comparator.GE,
        6.0,
        "倍",
        "参加企業数",
    )
    viva = projects["4"].components[0].events[0]
    assert (viva.start, viva.end) == (dt.date(2026, 6, 17), dt.date(2026, 6, 20))
    assert viva.venue == "Paris Expo Porte de Versailles Hall 1 & Hall 2.2(フランス・パリ)"
    promotion = projects["6"].components[0].events[0]
    assert (promotion.start, promotion.venue, promotion.note) == (None, "京都府や奈良県など(予定)", "3日間(予定)")
    assert projects["5"].title == "関西広域産業共創プラットフォーム事業の推進"
    (forum,) = projects["3"].events
    assert forum.theme is not None and "水素" in forum.theme and "電池" in forum.theme  # the テーマ line
    assert plan.listed_sum() == plan.total_budget_thousand_yen == 100674
    assert plan.warnings == []


def test_seed_001_the_contents_list_makes_no_projects(seeds_dir: Path) -> None:
    (plan,) = ingest_file(seeds_dir / SEED).data.plans
    assert len(plan.projects) == 10
    assert len({p.name for p in plan.projects}) == 10


def test_every_project_and_kpi_has_provenance(seeds_dir: Path, documents: Path) -> None:
    for path in [seeds_dir / SEED, *(documents / name for name in DOCUMENTS)]:
        result = ingest_file(path)
        doc_id = result.data.documents[0].id
        for plan in result.data.plans:
            for project in plan.projects:
                items: list[Any] = [project, *project.components, *project.kpis, *project.events]
                items += [k for c in project.components for k in c.kpis]
                for item in items:
                    assert item.provenance is not None, (path.name, project.name)
                    assert item.provenance.document == doc_id
                    assert item.provenance.line is not None and item.provenance.excerpt


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_own_documents_in_other_layouts(documents: Path, name: str) -> None:
    _assert_matches(ingest_file(documents / name), DOCUMENTS[name])


def test_generated_pdf_with_one_cell_per_line(r10_pdf: Path) -> None:
    result = ingest_file(r10_pdf)
    _assert_matches(result, R10_PDF)
    (plan,) = result.data.plans
    first = plan.projects[0]
    assert first.provenance is not None and first.provenance.page == 3  # the detail page, where pages exist
    assert result.data.documents[0].pages == 8


def test_cells_document_warnings_point_at_their_lines(documents: Path) -> None:
    (plan,) = ingest_file(documents / "bp_r9_cells.txt").data.plans
    weekday = next(w for w in plan.warnings if w.code == "weekday_mismatch")
    assert weekday.provenance is not None and weekday.provenance.page == 5
    assert "2027-12-09" in weekday.message
    count = next(w for w in plan.warnings if w.code == "year_count_mismatch")
    assert count.details == {"start_fiscal_year": 2023, "year_count": 4}


def test_unparsed_kpi_is_kept_as_text(documents: Path) -> None:
    (plan,) = ingest_file(documents / "bp_r7_numbered_cp932.txt").data.plans
    (warning,) = [w for w in plan.warnings if w.code == "unparsed_kpi"]
    assert warning.details is not None and warning.details["text"] == "関西の産業情報を広く届ける"
    assert warning.provenance is not None and warning.provenance.line == 50


def test_relisted_projects_are_not_counted(documents: Path) -> None:
    (plan,) = ingest_file(documents / "bp_r9_cells.txt").data.plans
    relisted = [p for p in plan.projects if p.relisted]
    assert [(p.code, p.budget_thousand_yen) for p in relisted] == [("10", 5500)]
    assert plan.listed_sum() == plan.total_budget_thousand_yen


def _plan_text(projects: str, total: str = "3,000千円") -> str:
    return f"令和8年度 テスト局事業計画\n関西広域連合 テスト局\n\n令和8年度予算額:{total}\n\n{projects}"


def test_budget_sum_mismatches_are_warned(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        _plan_text(
            "① 事業A (2,000千円)\nテスト課\n事業概要\n内訳A (1,500千円)\n内訳B (600千円)\n\n"
            "② 事業B (800千円)\nテスト課\n事業概要\n",
        ),
        encoding="utf-8",
    )
    (plan,) = ingest_file(path).data.plans
    scopes = sorted(str((w.details or {}).get("scope")) for w in plan.warnings if w.code == "budget_sum_mismatch")
    assert scopes == ["plan", "project"]


def test_duplicate_project_names_are_warned(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        _plan_text("① 同じ事業 (1,000千円)\nテスト課\n事業概要\n\n② 同じ事業 (2,000千円)\nテスト課\n事業概要\n"),
        encoding="utf-8",
    )
    (plan,) = ingest_file(path).data.plans
    assert [w.code for w in plan.warnings] == ["duplicate_project"]


def test_a_heading_without_evidence_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        _plan_text("① 事業A (3,000千円)\nテスト課\n事業概要\n\n② 構想中の事業\n事業概要\n今後検討する。\n"),
        encoding="utf-8",
    )
    (plan,) = ingest_file(path).data.plans
    assert [p.name for p in plan.projects] == ["事業A"]


def test_dry_run_bundles_of_own_documents_validate_against_the_schema(documents: Path) -> None:

    import jsonschema

    from keikaku.data import plan_data_schema
    from keikaku.services.exchange.ingest import ingest_documents, interchange_json

    schema = plan_data_schema()
    files = sorted(p for p in documents.iterdir() if p.suffix in (".txt", ".md"))
    report = ingest_documents(files, dry_run=True)
    assert report.exit_code == 0
    jsonschema.validate(interchange_json(report.data), schema)
