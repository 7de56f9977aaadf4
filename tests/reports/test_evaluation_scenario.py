"""The issue's scenario on the default data: enter FY2026 actuals, evaluate, produce all three report formats."""

import io
import re

import openpyxl
import pypdfium2 as pdfium
import pytest
from sqlalchemy import Engine

from keikaku.evaluation import Status, Thresholds
from keikaku.services.actuals.periods import lock_period
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.reports import render_report
from keikaku.services.evaluations.run import evaluate_fiscal_year, set_thresholds

ACTOR = Actor(name="評価担当 田中", roles=frozenset({Role.BUREAU_ADMIN}))
ACCESS_BY_MONTH = {
    4: 2500,
    5: 2600,
    6: 2700,
    7: 2800,
    8: 2650,
    9: 2750,
    10: 2900,
    11: 2800,
    12: 2600,
    1: 2700,
    2: 2650,
    3: 2950,
}


def _enter_actuals(engine: Engine) -> None:
    def put(kpi: str, value: object, **extra: object) -> None:
        set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value=value, **extra), actor=ACTOR, engine=engine)  # type: ignore[arg-type]

    put("参加企業数", "12社", evidence_text="BioJapan2026 出展者一覧")
    put("BioJapanマッチング件数", "80件", evidence_text="BioJapan 商談記録")
    put("パンフレット手交部数", "四百七十")
    put("参加者数", "205人", note="受付名簿による")
    put("有益な情報を得られたと回答した割合", None, numerator=150, denominator=185)
    for month, value in ACCESS_BY_MONTH.items():
        put("アクセス件数", value, month=month, evidence_url="https://example.jp/labsearch/stats")
    put("Global Startup Ecosystem Ranking", "75位")


@pytest.fixture
def evaluated(sqlite_loaded_engine: Engine) -> Engine:
    _enter_actuals(sqlite_loaded_engine)
    return sqlite_loaded_engine


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_evaluation_of_the_scenario(evaluated: Engine) -> None:
    (evaluation,) = evaluate_fiscal_year(2026, engine=evaluated)
    kpis = {kpi.indicator: kpi for _, kpi in evaluation.all_kpis()}
    biojapan = kpis["BioJapanマッチング件数"].result
    assert biojapan is not None
    assert biojapan.status is Status.ACHIEVED
    assert biojapan.effective_target == 72
    assert biojapan.reason == "実績 80件 ≥ 目標 72件（参加企業数 12社 × 6）、達成率 111.1%"
    forum = kpis["参加者数"].result
    assert forum is not None and forum.status is Status.MOSTLY_ACHIEVED
    assert forum.achievement == pytest.approx(205 / 220)
    access = kpis["「かんさいラボサーチ」アクセス件数"]
    assert access.actual == sum(ACCESS_BY_MONTH.values()) == 32600
    assert access.result is not None and access.result.status is Status.ACHIEVED
    assert list(access.monthly) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    share = kpis["有益な情報を得られたと回答した割合"].result
    assert share is not None and share.actual == pytest.approx(150 / 185 * 100)
    green = next(p for p in evaluation.projects if p.code == "③")
    # FY2026 is open: the project is 評価中, with what it would be kept as provisional and no rating yet.
    assert not evaluation.final
    assert green.rollup.status is Status.EVALUATING
    assert green.rollup.provisional is Status.MOSTLY_ACHIEVED
    assert green.rollup.rating is None
    assert green.change is not None and green.change.previous_budget == 1780
    assert kpis["参加者数"].cost is not None and kpis["参加者数"].cost.label == "8.7千円/人"


def test_forum_is_not_achieved_with_stricter_thresholds(evaluated: Engine) -> None:
    set_thresholds(2026, Thresholds(mostly_achieved=0.95), actor=ACTOR, reason="推進会議の決定", engine=evaluated)
    (evaluation,) = evaluate_fiscal_year(2026, engine=evaluated)
    forum = next(k for _, k in evaluation.all_kpis() if k.indicator == "参加者数")
    assert forum.result is not None and forum.result.status is Status.NOT_ACHIEVED
    assert evaluation.thresholds.mostly_achieved == 0.95


def test_pdf_contains_project_names_and_figures(evaluated: Engine) -> None:
    rendered = render_report("evaluation", {"fiscal_year": "2026", "format": "pdf"}, actor=ACTOR, engine=evaluated)
    assert rendered.media_type == "application/pdf"
    assert rendered.filename == "evaluation_2026.pdf"
    pdf = pdfium.PdfDocument(rendered.content)
    text = _squash("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
    for name in (
        "関西スタートアップ・エコシステムの推進",
        "ライフサイエンス分野における関西のポテンシャルの発信・強化",
        "グリーン分野のさらなる深化",
        "関西の産業力強化を目的とした広域的プラットフォーム構築",
    ):
        assert _squash(name) in text
    for figure in ("80件", "72件", "205人", "220人", "93.2%", "32,600件", "111.1%", "概ね達成", "評価中", "目次"):
        assert figure in text
    assert "1/" in text  # page numbers


def _records(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    """A sheet's table (header on row 3) as records, up to the first empty row."""
    header = [c.value for c in ws[3]]
    records = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in row):
            break
        records.append(dict(zip(header, row, strict=True)))
    return records


def test_xlsx_holds_the_same_values(evaluated: Engine) -> None:
    rendered = render_report("evaluation", {"fiscal_year": 2026, "format": "xlsx"}, actor=ACTOR, engine=evaluated)
    wb = openpyxl.load_workbook(io.BytesIO(rendered.content))
    assert wb.sheetnames == ["総括", "事業", "KPI"]
    for ws in (wb["事業"], wb["KPI"]):
        assert ws.freeze_panes == "A4"
        assert not any(isinstance(c.value, str) and c.value.startswith("=") for r in ws.iter_rows() for c in r)
    rows = {r["KPI"]: r for r in _records(wb["KPI"])}
    assert rows["BioJapanマッチング件数"]["実績"] == 80
    assert rows["BioJapanマッチング件数"]["達成率"] == pytest.approx(80 / 72)
    assert rows["BioJapanマッチング件数"]["KPIの判定"] == "達成"
    assert rows["参加者数"]["実績"] == 205
    assert rows["参加者数"]["KPIの判定"] == "概ね達成"
    assert rows["「かんさいラボサーチ」アクセス件数"]["実績"] == 32600
    projects = {r["番号"]: r for r in _records(wb["事業"]) if r["区分"] == "事業"}
    assert projects[rows["参加者数"]["番号"]]["予算額（千円）"] == 1788
    budget_cell = next(c for c in wb["事業"]["F"] if c.value == 1788)
    assert budget_cell.number_format == "#,##0"


def test_xlsx_budgets_sum_to_the_plans_total_on_both_sheets(evaluated: Engine) -> None:
    """Finding 6 of issue 15: a project's budget is not repeated per KPI, and 管理費 is listed, so SUM is right."""
    (evaluation,) = evaluate_fiscal_year(2026, engine=evaluated)
    stated = evaluation.total_budget_thousand_yen
    assert stated == 100674 and evaluation.administrative  # the bundled FY2026 plan, with its 管理費
    rendered = render_report("evaluation", {"fiscal_year": 2026, "format": "xlsx"}, actor=ACTOR, engine=evaluated)
    wb = openpyxl.load_workbook(io.BytesIO(rendered.content))

    projects = _records(wb["事業"])
    codes = [r["番号"] for r in projects if r["区分"] in ("事業", "再掲")]
    assert len(codes) == len(set(codes)) == len(evaluation.projects)  # one row per project
    assert any(r["区分"] == "管理費" for r in projects)
    assert sum(int(r["予算額（千円）"] or 0) for r in projects) == stated  # SUM of the column is the plan's total
    total_row = next(r for r in wb["事業"].iter_rows(values_only=True) if r[2] == "合計（事業と管理費）")
    assert total_row[5] == stated and "一致" in str(total_row[-1]) and "一致しません" not in str(total_row[-1])

    kpi_sheet = wb["KPI"]
    header = [c.value for c in kpi_sheet[3]]
    assert not any(h and "予算" in str(h) for h in header)  # nothing a SUM could count twice
    assert len(_records(kpi_sheet)) == sum(1 for _ in evaluation.all_kpis())

    summary = wb["総括"]
    note = next(c.value for r in summary.iter_rows() for c in r if isinstance(c.value, str) and "管理費" in c.value)
    assert f"{stated:,}千円" in note


def test_html_has_the_charts_and_summary(evaluated: Engine) -> None:
    rendered = render_report("evaluation", {"fiscal_year": 2026}, actor=ACTOR, engine=evaluated)
    html = rendered.content.decode("utf-8")
    assert rendered.media_type.startswith("text/html")
    assert html.count("<svg") == 2
    assert "関西チャレンジ①「強みで貢献」" in html
    assert "BioJapanマッチング件数" in html and "80件" in html


def test_locked_year_gives_final_statuses_and_ratings(evaluated: Engine) -> None:
    lock_period(ACTOR, 2026, reason="推進会議で確定", engine=evaluated)
    (evaluation,) = evaluate_fiscal_year(2026, engine=evaluated)
    assert evaluation.final
    green = next(p for p in evaluation.projects if p.code == "③")
    assert green.rollup.status is Status.MOSTLY_ACHIEVED
    assert green.rollup.rating == "B"
    assert green.rollup.provisional is None


def _coverage_of(evaluation_plan_measured: int, total: int) -> str:
    return f"{total}件中{evaluation_plan_measured}件測定済み"


def test_reports_agree_on_scores_over_measured_kpis_and_coverage(evaluated: Engine) -> None:
    """Finding 1 of issue 15: the pages, the PDF and the XLSX give the same score and coverage, never 0 for 未測定."""
    (evaluation,) = evaluate_fiscal_year(2026, engine=evaluated)
    plan = evaluation.plan
    assert 0 < plan.measured < plan.kpi_count
    judged = [k.result for _, k in evaluation.all_kpis() if k.result is not None and k.result.score is not None]
    assert plan.unweighted == pytest.approx(sum(r.score for r in judged if r.score is not None) / len(judged))
    coverage = _coverage_of(plan.measured, plan.kpi_count)
    assert plan.coverage_text == coverage

    html = render_report("evaluation", {"fiscal_year": 2026}, actor=ACTOR, engine=evaluated).content.decode()
    assert coverage in html
    assert "0 として算入" not in html
    assert "未測定の KPI は 0 として数えず" in html

    pdf_bytes = render_report("evaluation", {"fiscal_year": 2026, "format": "pdf"}, actor=ACTOR, engine=evaluated)
    pdf = pdfium.PdfDocument(pdf_bytes.content)
    text = _squash("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
    assert _squash(coverage) in text
    assert "0として算入" not in text

    rendered = render_report("evaluation", {"fiscal_year": 2026, "format": "xlsx"}, actor=ACTOR, engine=evaluated)
    summary = openpyxl.load_workbook(io.BytesIO(rendered.content))["総括"]
    header = [c.value for c in summary[4]]
    total_row = next(r for r in summary.iter_rows(min_row=5, values_only=True) if r[0] == "計画全体")
    record = dict(zip(header, total_row, strict=True))
    assert record["測定済み"] == plan.measured
    assert record["測定率"] == pytest.approx(plan.measured / plan.kpi_count)
    assert record["単純平均"] == pytest.approx(plan.unweighted)
    assert record["判定"] == f"評価中（暫定：{plan.provisional.value if plan.provisional else ''}）"
    assert record["評価"] in ("", None)
