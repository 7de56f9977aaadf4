"""Year over year on the bundled data (FY2023 → FY2026) and on a small FY2025 plan built here."""

import pytest
from sqlalchemy import Engine, select

from keikaku import domain as d
from keikaku.domain.kpi import Comparator
from keikaku.evaluation import Status
from keikaku.services.actuals.judgements import JudgementInput, set_judgement
from keikaku.services.actuals.periods import lock_period
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.evaluations.reports import render_report
from keikaku.services.evaluations.run import evaluate_fiscal_year
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.services.plans.compare import compare_fiscal_years
from keikaku.storage.actuals import EvaluationRun
from keikaku.storage.uow import read_session, unit_of_work

ACTOR = Actor(name="評価担当", roles=frozenset({Role.BUREAU_ADMIN}))
ISSUER = "関西広域連合 広域産業振興局"


def _kpi(indicator: str, target: float | None, unit: str, **extra: object) -> d.Kpi:
    comparator = extra.pop("comparator", Comparator.GE)
    return d.Kpi(indicator=indicator, comparator=comparator, target=target, unit=unit, target_fiscal_year=2025, **extra)


FY2025 = d.Plan(
    fiscal_year=2025,
    issuer=ISSUER,
    title="令和7年度 広域産業振興局事業計画",
    total_budget_thousand_yen=60000,
    projects=[
        d.Project(
            code="1",
            name="関西スタートアップ・エコシステムの推進",
            budget_thousand_yen=9800,
            challenge=1,
            kpis=[
                _kpi(
                    "Global Startup Ecosystem Ranking",
                    None,
                    "位",
                    comparator=Comparator.MAINTAIN_OR_IMPROVE,
                    reference=d.KpiReference(value=79, unit="位", as_of="2024"),
                )
            ],
        ),
        d.Project(
            code="2",
            name="ライフサイエンス分野における関西のポテンシャルの発信・強化",
            budget_thousand_yen=3500,
            challenge=1,
            kpis=[_kpi("パンフレット手交部数", 400, "部")],
        ),
        d.Project(
            code="3",
            name="グリーン分野のさらなる深化",
            title="「カーボンニュートラル先進技術フォーラム」の実施",
            budget_thousand_yen=1800,
            challenge=1,
            kpis=[_kpi("参加者数", 200, "人")],
        ),
        d.Project(
            code="5",
            name="関西の産業力強化を目的とした広域的プラットフォーム構築",
            title="関西広域産業共創プラットフォーム事業の推進",
            budget_thousand_yen=45000,
            challenge=2,
            kpis=[
                _kpi("本プラットフォームを利用した企業の利用満足度", 80, "%"),
                _kpi("公設試等のシーズと企業ニーズのマッチング（面談数）", 30, "件"),
                _kpi("「かんさいラボサーチ」アクセス件数", 36000, "件", counted_monthly=True),
            ],
        ),
        d.Project(code="6", name="関西プラスチックごみゼロ推進事業", budget_thousand_yen=500, challenge=2),
    ],
)


@pytest.fixture
def with_fy2025(sqlite_loaded_engine: Engine) -> Engine:
    with unit_of_work(sqlite_loaded_engine) as session:
        import_plan_data(session, d.PlanData(plans=[FY2025]))
    return sqlite_loaded_engine


def test_fy2023_to_fy2026_on_the_bundled_data(sqlite_loaded_engine: Engine) -> None:
    comparison = compare_fiscal_years(2023, 2026, viewer=ACTOR, engine=sqlite_loaded_engine)
    pairs = {m.before.name: m.after.name for m in comparison.continued}
    assert pairs["関西スタートアップのポテンシャルの発信強化"] == "関西スタートアップ・エコシステムの推進"
    assert pairs["「カーボンニュートラル研究成果事業化促進フォーラム」の実施"] == "グリーン分野のさらなる深化"
    assert pairs["広報活動の実施"] == "広報活動の実施"  # now a component of ⑦
    assert (
        pairs["関西広域産業共創プラットフォーム事業の推進"] == "関西の産業力強化を目的とした広域的プラットフォーム構築"
    )
    assert {i.name for i in comparison.dropped} == {
        "医療機器分野への参入に向けた医療機器相談の実施",
        "関西プラスチックごみゼロ推進事業",
        "人材確保・育成に関するセミナー開催",
        "各種セミナーの開催",
    }
    assert "管理費" not in {i.name for i in comparison.added}
    assert {i.code for i in comparison.added} == {"④", "⑧", "⑨"}
    assert (comparison.before_total, comparison.after_total) == (55969, 100674)
    assert comparison.total_change == 44705
    platform = next(m for m in comparison.continued if m.after.code == "⑤")
    assert (platform.budget_change, round(platform.budget_change_percent or 0, 1)) == (27350, 120.8)
    assert {i.name for i in comparison.new_marked} >= {"域内スタートアップ等のViva Technology 2026出展支援"}


def test_reversed_years_and_missing_years(sqlite_loaded_engine: Engine) -> None:
    assert compare_fiscal_years(2026, 2023, viewer=ACTOR, engine=sqlite_loaded_engine).before_year == 2023
    with pytest.raises(NotFoundError, match="2025年度の事業計画がありません"):
        compare_fiscal_years(2025, 2026, viewer=ACTOR, engine=sqlite_loaded_engine)
    with pytest.raises(ValidationError):
        compare_fiscal_years(2026, 2026, viewer=ACTOR, engine=sqlite_loaded_engine)


def test_fy2025_to_fy2026_target_revisions(with_fy2025: Engine) -> None:
    comparison = compare_fiscal_years(2025, 2026, viewer=ACTOR, engine=with_fy2025)
    revisions = {
        c.after.indicator: (c.before.target_text, c.after.target_text)
        for _, c in comparison.kpi_revisions
        if c.before and c.after
    }
    assert revisions["「かんさいラボサーチ」アクセス件数"] == ("36,000件以上", "32,000件以上")
    assert revisions["マッチング(面談数)"] == ("30件以上", "25件以上")
    assert revisions["パンフレット手交部数"] == ("400部以上", "450部以上")
    assert revisions["参加者数"] == ("200人以上", "220人以上")
    assert "利用満足度" not in " ".join(revisions)
    assert [i.name for i in comparison.dropped] == ["関西プラスチックごみゼロ推進事業"]
    green = next(m for m in comparison.continued if m.after.code == "③")
    assert (green.budget_change, round(green.budget_change_percent or 0, 2)) == (-12, -0.67)


def test_evaluation_compares_with_the_latest_earlier_plan_and_last_years_rank(with_fy2025: Engine) -> None:
    set_actual(
        ActualInput(kpi="Global Startup Ecosystem Ranking", fiscal_year=2025, value="82位"),
        actor=ACTOR,
        engine=with_fy2025,
    )
    set_actual(
        ActualInput(kpi="Global Startup Ecosystem Ranking", fiscal_year=2026, value=80), actor=ACTOR, engine=with_fy2025
    )
    (evaluation,) = evaluate_fiscal_year(2026, engine=with_fy2025)
    startup = evaluation.projects[0]
    (ranking,) = startup.kpis
    assert ranking.result is not None and ranking.result.status is Status.ACHIEVED  # 80 ≤ last year's 82, though > 79
    assert "82位（前年度実績）" in ranking.result.reason
    assert startup.change is not None and startup.change.previous_year == 2025 and startup.change.change == 243
    access = next(k for _, k in evaluation.all_kpis() if "アクセス" in k.indicator)
    assert access.revision == "36,000件以上 → 32,000件以上"


def test_comparison_report_in_three_formats(with_fy2025: Engine) -> None:
    import io

    import openpyxl
    import pypdfium2 as pdfium

    options = {"before": 2025, "after": 2026}
    html = render_report("comparison", {**options, "format": "html"}, actor=ACTOR, engine=with_fy2025)
    assert "36,000件以上" in html.content.decode() and "<svg" in html.content.decode()
    pdf = render_report("comparison", {**options, "format": "pdf"}, actor=ACTOR, engine=with_fy2025)
    doc = pdfium.PdfDocument(pdf.content)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).replace("\r\n", "")
    assert "32,000件以上" in text and "関西プラスチックごみゼロ推進事業" in text
    xlsx = render_report("comparison", {**options, "format": "xlsx"}, actor=ACTOR, engine=with_fy2025)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    revisions = [tuple(r) for r in wb["KPI目標の変更"].iter_rows(min_row=4, values_only=True)]
    assert (
        "関西の産業力強化を目的とした広域的プラットフォーム構築",
        "「かんさいラボサーチ」アクセス件数",
        "36,000件以上",
        "32,000件以上",
    ) in revisions
    assert xlsx.filename == "comparison_2025_2026.xlsx"


def test_judgement_and_recorded_run(sqlite_loaded_engine: Engine) -> None:
    set_judgement(
        JudgementInput(2026, "達成", "推進会議を2回開催し、評価への助言を得た", project="推進会議"),
        actor=ACTOR,
        engine=sqlite_loaded_engine,
    )
    with pytest.raises(ValidationError, match="理由"):
        set_judgement(JudgementInput(2026, "未達", "x", project="推進会議"), actor=ACTOR, engine=sqlite_loaded_engine)
    with pytest.raises(ValidationError, match="達成・概ね達成・未達"):
        set_judgement(JudgementInput(2026, "未測定", "x", project="推進会議"), actor=ACTOR, engine=sqlite_loaded_engine)
    (open_year,) = evaluate_fiscal_year(2026, actor=ACTOR, engine=sqlite_loaded_engine)
    council = next(p for p in open_year.projects if p.code == "⑨")
    # While FY2026 is open the project is 評価中; the judgement shows as what it would be once locked.
    assert council.rollup.status is Status.EVALUATING
    assert council.rollup.provisional is Status.ACHIEVED
    lock_period(ACTOR, 2026, reason="推進会議で確定", engine=sqlite_loaded_engine)
    (evaluation,) = evaluate_fiscal_year(2026, actor=ACTOR, record=True, engine=sqlite_loaded_engine)
    council = next(p for p in evaluation.projects if p.code == "⑨")
    assert council.rollup.status is Status.ACHIEVED
    assert council.judgement is not None and "2回開催" in council.judgement.reason
    with read_session(sqlite_loaded_engine) as session:
        run = session.scalars(select(EvaluationRun)).one()
        assert run.run_by == "評価担当" and run.fiscal_year == 2026
        assert run.settings["mostly_achieved"] == 0.9
        assert {p["name"]: p["status"] for p in run.summary["projects"]}["広域産業振興の取組に係る評価・検証"] == "達成"


def test_vision_growth_needed_from_the_latest_actual(sqlite_loaded_engine: Engine) -> None:
    for year, value in ((2021, "88.0兆円"), (2022, "90.5兆円")):
        set_actual(ActualInput(kpi="GRP額", fiscal_year=year, value=value), actor=ACTOR, engine=sqlite_loaded_engine)
    set_actual(ActualInput(kpi="国内シェア", fiscal_year=2022, value="15.2%"), actor=ACTOR, engine=sqlite_loaded_engine)
    (evaluation,) = evaluate_fiscal_year(2026, engine=sqlite_loaded_engine)
    grp = next(v for v in evaluation.vision if v.indicator == "GRP額")
    assert grp.latest_fiscal_year == 2022
    assert grp.growth_rate_needed == pytest.approx((150 / 90.5) ** (1 / 18) - 1)
    assert "約150兆円" in grp.reason
    share = next(v for v in evaluation.vision if "シェア" in v.indicator)
    assert share.points_per_year_needed == pytest.approx((25 - 15.2) / 18)
